/*
 * commit.c - the limit for POST /join: bare SQLite commits of the same
 * rows (one application and its event, one transaction each) on the same
 * disk, with the same pragmas (WAL, synchronous=FULL), one at a time.
 *
 *   commit DB MIGRATIONS SECONDS  → prints "N commits/s"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "util.h"

static const char sql_app[] =
    "INSERT INTO join_applications (ref, name, gender, id_number, phone,"
    " ethnicity, education, employment, occupation, employer, district_id,"
    " address, was_member, prev_union, station_id, consent_charter,"
    " consent_sensitive, created_at, updated_at)"
    " VALUES (?1, '张三', '男', ?2, '13800138000', '汉族', '', '新就业形态(平台)',"
    " '网约送餐员', '', 1, '', 0, '', NULL, 1, 1, ?3, ?3)";
static const char sql_event[] =
    "INSERT INTO events (ref, status, note, public, created_at)"
    " VALUES (?1, '已提交', '入会申请已提交,等待审核', 1, ?2)";

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char err[512], ref[32], id[32], ts[32];
	if (argc != 4) {
		fprintf(stderr, "usage: commit DB MIGRATIONS SECONDS\n");
		return 2;
	}
	struct db *db = db_open(argv[1], err, sizeof(err));
	if (db == NULL || db_migrate(db, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "commit: %s\n", err);
		return 1;
	}
	double secs = atof(argv[3]), t0 = now();
	long n = 0;
	while (now() - t0 < secs) {
		/* Unique, apart from real ones, and spread over the indexes as
		 * real ones are (an ID number lands anywhere in its index). */
		unsigned long long x = (unsigned long long)n * 0x9E3779B97F4A7C15ULL;
		snprintf(ref, sizeof(ref), "R%016llx", x);
		snprintf(id, sizeof(id), "B%017llu", x % 100000000000000000ULL);
		utc_now_iso(ts, sizeof(ts));
		if (db_begin(db) != SQLITE_OK)
			return 1;
		sqlite3_stmt *a = db_prep(db, sql_app), *e = db_prep(db, sql_event);
		db_bind_text(a, 1, ref);
		db_bind_text(a, 2, id);
		db_bind_text(a, 3, ts);
		db_bind_text(e, 1, ref);
		db_bind_text(e, 2, ts);
		if (db_exec_stmt(db, a) != SQLITE_DONE || db_exec_stmt(db, e) != SQLITE_DONE ||
		    db_commit(db) != SQLITE_OK)
			return 1;
		n++;
	}
	printf("%.0f commits/s\n", n / (now() - t0));
	db_close(db);
	return 0;
}
