/*
 * purge.c - `zhijia purge`: kept only as long as promised (issue 10 §6).
 *
 * /privacy (templates/privacy.mustache) says how long each kind of
 * submission is kept; `kinds` below is that promise as SQL, one row per
 * kind: which rows are due, which evidence files they name, and how to
 * delete them with their events.  Change one and the other together.
 *
 * The deleting is done in jobs (writer.h) through the one write path: at
 * the server's writer when it runs, else here under the writers' flock.
 * Each job deletes at most PURGE_BATCH due rows, with PRAGMA secure_delete
 * on (the deleted content is overwritten, not merely unlinked from the
 * b-tree), and writes its counts to the audit log in the same transaction
 * — a deletion never goes unrecorded.  It answers the stored names of the
 * evidence files of the cases it deleted; the command unlinks them only
 * after that answer, i.e. after the COMMIT.  A job whose writer died with
 * it in hand (JOB_LOST) may or may not have committed: its files are left,
 * and become orphans the sweep removes if it did.
 *
 * The sweep: a file of the uploads folder that no row names (a worker died
 * between placing a file and its commit; a job lost as above) and upload
 * temp files left by a killed request, once older than PURGE_FILE_AGE.
 * It trusts the list of named files only when it is complete (backup.c's
 * stored_files): otherwise it removes nothing.
 */
#include "purge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "backup.h"
#include "db.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"
#include "writer.h"

/* One kind of row /privacy promises to delete.  Every statement binds ?1;
 * due binds ?1 "now" (UTC ISO) and ?2 the batch size, and gives (id, ref). */
struct kind {
	const char *job;        /* its job's name */
	const char *what;       /* in the audit entry and on stdout */
	const char *due;
	const char *files;      /* NULL, or the stored names of row ?1's files */
	const char *del_files;  /* NULL, or delete row ?1's file rows */
	const char *del_row;
};

static const char sql_del_events[] = "DELETE FROM events WHERE ref = ?1";
/* A record's follow-ups (回访: phone and answers) go with it. */
static const char sql_del_followups[] = "DELETE FROM followups WHERE ref = ?1";
/* The messages about a record hold its phone: they go with it. */
static const char sql_del_messages[] = "DELETE FROM outbox WHERE ref = ?1";

static const struct kind kinds[] = {
	{"purge.join", "未通过满 1 年的入会申请",
	    "SELECT id, ref FROM join_applications WHERE status = '" JOIN_REJECTED "'"
	    " AND updated_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-1 years')"
	    " ORDER BY id LIMIT ?2",
	    NULL, NULL,
	    "DELETE FROM join_applications WHERE id = ?1"},
	{"purge.legal", "办结满 3 年的法律援助案件",
	    "SELECT id, ref FROM legal_cases WHERE closed_at IS NOT NULL"
	    " AND closed_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-3 years')"
	    " ORDER BY id LIMIT ?2",
	    "SELECT stored_name FROM legal_files WHERE case_id = ?1",
	    "DELETE FROM legal_files WHERE case_id = ?1",
	    "DELETE FROM legal_cases WHERE id = ?1"},
	{"purge.signup", "活动结束满 1 年的志愿服务报名",
	    "SELECT s.id, s.ref FROM signups s JOIN activities a ON a.id = s.activity_id"
	    " WHERE a.ends_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-1 years')"
	    " ORDER BY s.id LIMIT ?2",
	    NULL, NULL,
	    "DELETE FROM signups WHERE id = ?1"},
	{"purge.wish", "已实现或未通过满 1 年的微心愿",
	    "SELECT id, ref FROM wishes WHERE status IN ('" WISH_DONE "', '" WISH_REFUSED "')"
	    " AND updated_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-1 years')"
	    " ORDER BY id LIMIT ?2",
	    NULL, NULL,
	    "DELETE FROM wishes WHERE id = ?1"},
	/* A rating stays for the figures; the phone it left for the month's
	 * draw goes once the month is a year past (it has no events). */
	{"purge.rating", "满 1 年的驿站评价所留手机号",
	    "SELECT id, '' FROM station_ratings WHERE phone <> ''"
	    " AND month < strftime('%Y-%m', ?1, '+8 hours', '-12 months')"
	    " ORDER BY id LIMIT ?2",
	    NULL, NULL,
	    "UPDATE station_ratings SET phone = '' WHERE id = ?1"},
	/* A 诉求 that became a legal case goes too: its facts live on in the
	 * case, kept by the case's own rule. */
	{"purge.appeal", "办结或不予受理满 1 年的诉求",
	    "SELECT id, ref FROM appeals WHERE closed_at IS NOT NULL"
	    " AND closed_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-1 years')"
	    " ORDER BY id LIMIT ?2",
	    NULL, NULL,
	    "DELETE FROM appeals WHERE id = ?1"},
};

static const struct kind *
kind_of(const char *job)
{
	for (size_t i = 0; i < ZJ_NELEM(kinds); i++)
		if (strcmp(kinds[i].job, job) == 0)
			return &kinds[i];
	return NULL;
}

/* ---- the jobs ---- */

/* Step st (bound) and add the rows it changed to *n. */
static int
exec_count(struct db *db, sqlite3_stmt *st, long long *n)
{
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE)
		*n += sqlite3_changes(db_handle(db));
	return rc;
}

/* Delete row id (ref) of kind k with its events, messages and file rows; the stored
 * names of its files are appended to names, one a line. */
static int
delete_one(struct db *db, const struct kind *k, long long id, const char *ref,
    struct buf *names, long long *events, long long *files)
{
	sqlite3_stmt *st;
	int rc;
	if (k->files != NULL) {
		if ((st = db_prep(db, k->files)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			buf_printf(names, "%s\n", db_col_text(st, 0));
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return rc;
		if ((st = db_prep(db, k->del_files)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, id);
		if ((rc = exec_count(db, st, files)) != SQLITE_DONE)
			return rc;
	}
	if ((st = db_prep(db, sql_del_events)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, ref);
	if ((rc = exec_count(db, st, events)) != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, sql_del_followups)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, ref);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, sql_del_messages)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, ref);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, k->del_row)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	return db_exec_stmt(db, st);
}

/* Rows of a batch: ids and references. */
struct due {
	long long *id;
	const char **ref;
	size_t n;
};

static int
find_due(struct db *db, struct arena *a, const struct kind *k, const char *now,
    struct due *d)
{
	sqlite3_stmt *st = db_prep(db, k->due);
	if (st == NULL)
		return SQLITE_ERROR;
	d->id = arena_calloc(a, PURGE_BATCH, sizeof(*d->id));
	d->ref = arena_calloc(a, PURGE_BATCH, sizeof(*d->ref));
	d->n = 0;
	db_bind_text(st, 1, now);
	db_bind_int(st, 2, PURGE_BATCH);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && d->n < PURGE_BATCH) {
		d->id[d->n] = sqlite3_column_int64(st, 0);
		d->ref[d->n++] = arena_strdup(a, db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The integer a PRAGMA statement answers, or -1. */
static int
pragma_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return -1;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return v;
}

/*
 * Jobs "purge.join", "purge.legal", "purge.signup", "purge.wish", "purge.rating",
 * "purge.appeal": delete at most
 * PURGE_BATCH rows of the kind due at input "now", with their events and
 * file rows, and the audit entry of the counts by the job's actor.
 * Answers "rows", "events", "files" (counts) and "names" (the deleted
 * files' stored names, one a line).
 */
static int
purge_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	const struct kind *k = kind_of(in->name);
	const char *now = job_text(in, "now");
	struct actor who;
	struct due d = {0};
	struct buf names = {0};
	long long events = 0, files = 0;
	if (k == NULL || now == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	/* Takes effect at once, for the pages these deletions free too; the
	 * writer's own setting is put back whatever happens. */
	int was = pragma_int(db, "PRAGMA secure_delete");
	if (was < 0 || pragma_int(db, "PRAGMA secure_delete = 1") != 1)
		return SQLITE_ERROR;
	int rc = find_due(db, a, k, now, &d);
	for (size_t i = 0; i < d.n && rc == SQLITE_OK; i++)
		if ((rc = delete_one(db, k, d.id[i], d.ref[i], &names, &events,
		    &files)) == SQLITE_DONE)
			rc = SQLITE_OK;
	if (rc == SQLITE_OK && d.n > 0)
		rc = audit(db, &who, AUDIT_PURGE, k->job, arena_printf(a,
		    "删除%s %zu 份,办理记录 %lld 条,证据文件 %lld 个",
		    k->what, d.n, events, files));
	else if (rc == SQLITE_OK)
		rc = SQLITE_DONE;
	if (was == 0)
		pragma_int(db, "PRAGMA secure_delete = 0");
	job_put_int(out, "rows", rc == SQLITE_DONE ? (long long)d.n : 0);
	job_put_int(out, "events", events);
	job_put_int(out, "files", files);
	if (rc == SQLITE_DONE && names.len > 0 && job_put_text(out, "names", names.p) != 0)
		rc = SQLITE_TOOBIG;   /* kept back: its files must not be orphaned */
	buf_free(&names);
	return rc;
}

/* Job "purge.files": the sweep's counts ("orphans", "temp") in the audit
 * log, by the job's actor. */
static int
purge_files_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)out;
	job_actor(in, &who);
	return audit(db, &who, AUDIT_PURGE, "purge.files", arena_printf(a,
	    "删除无记录的证据文件 %lld 个,过期的上传临时文件 %lld 个",
	    job_int(in, "orphans", 0), job_int(in, "temp", 0)));
}

const struct job_type purge_jobs[] = {
	{"purge.join", purge_job},
	{"purge.legal", purge_job},
	{"purge.signup", purge_job},
	{"purge.wish", purge_job},
	{"purge.rating", purge_job},
	{"purge.appeal", purge_job},
	{"purge.files", purge_files_job},
	{0},
};

/* ---- files ---- */

/* 1 when the entry name of dir fd is a regular file last written at least
 * min_age seconds before now. */
static int
old_file(int fd, const char *name, time_t now, time_t min_age)
{
	struct stat st;
	return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    now - st.st_mtime >= min_age;
}

long
purge_upload_tmp(const char *uploads, time_t min_age)
{
	char tmp[4096];
	long n = 0;
	snprintf(tmp, sizeof(tmp), "%s/tmp", uploads);
	DIR *d = opendir(tmp);
	if (d == NULL)
		return 0;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, UPLOAD_TMP_PREFIX, strlen(UPLOAD_TMP_PREFIX)) == 0 &&
		    old_file(dirfd(d), e->d_name, now, min_age)) {
			if (unlinkat(dirfd(d), e->d_name, 0) == 0)
				n++;
			else if (errno != ENOENT)
				fprintf(stderr, "zhijia: %s/%s: %s\n", tmp, e->d_name,
				    strerror(errno));
		}
	closedir(d);
	return n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unlink the files of uploads no row of db names, older than
 * PURGE_FILE_AGE.  Returns how many, or -1 when the database's list of
 * files could not be read whole (nothing removed). */
static long
sweep_orphans(struct db *db, const char *uploads)
{
	struct names named = {0};
	if (stored_files(db_handle(db), &named) != SQLITE_OK) {
		fprintf(stderr, "zhijia: purge: the database's list of evidence files "
		    "is incomplete: no file removed\n");
		names_free(&named);
		return -1;
	}
	if (named.n > 0)   /* qsort, bsearch: a NULL array is undefined, even of none */
		qsort(named.v, named.n, sizeof(*named.v), cmp_str);
	DIR *d = opendir(uploads);
	if (d == NULL) {
		names_free(&named);
		return errno == ENOENT ? 0 : -1;
	}
	time_t now = time(NULL);
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		if (!stored_name_ok(name) || !old_file(dirfd(d), name, now, PURGE_FILE_AGE) ||
		    (named.n > 0 &&
		    bsearch(&name, named.v, named.n, sizeof(*named.v), cmp_str) != NULL))
			continue;
		if (unlinkat(dirfd(d), name, 0) == 0)
			n++;
		else if (errno != ENOENT)
			fprintf(stderr, "zhijia: %s/%s: %s\n", uploads, name, strerror(errno));
	}
	closedir(d);
	names_free(&named);
	return n;
}

/* Unlink the evidence files named one a line in names (their rows are
 * gone, committed).  Returns how many were there to unlink. */
static long
unlink_evidence(const char *uploads, const char *names)
{
	long n = 0;
	char path[4200];
	while (names != NULL && *names) {
		size_t len = strcspn(names, "\n");
		char name[160];
		snprintf(name, sizeof(name), "%.*s", (int)(len < 159 ? len : 159), names);
		names += len + (names[len] == '\n');
		if (!stored_name_ok(name))
			continue;   /* never a path: stored_files refuses such rows too */
		snprintf(path, sizeof(path), "%s/%s", uploads, name);
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			fprintf(stderr, "zhijia: %s: %s\n", path, strerror(errno));
	}
	return n;
}

/* Run one job of the purge by who; its answer in out.  Returns its code,
 * said on stderr when not SQLITE_DONE. */
static int
run_job(struct db *db, const struct actor *who, struct job *in, struct job *out)
{
	job_put_actor(in, who);
	int rc = job_run(db, in, out);
	if (rc == JOB_LOST)
		fprintf(stderr, "zhijia: purge: the writer stopped during %s; it may or "
		    "may not have been saved (its files are left to the next purge)\n",
		    in->name);
	else if (rc != SQLITE_DONE)
		fprintf(stderr, "zhijia: purge: %s: %s\n", in->name, sqlite3_errstr(rc));
	return rc;
}

int
purge_main(struct db *db, const char *uploads, const struct actor *who)
{
	static struct job in, out;   /* 17 KB each */
	char now[32];
	int status = 0;
	utc_now_iso(now, sizeof(now));
	for (size_t i = 0; i < ZJ_NELEM(kinds); i++) {
		long long rows = 0, events = 0, files = 0, unlinked = 0, got = 0;
		do {
			job_init(&in, kinds[i].job);
			job_put_text(&in, "now", now);
			if (run_job(db, who, &in, &out) != SQLITE_DONE) {
				status = 1;
				break;
			}
			rows += got = job_int(&out, "rows", 0);
			events += job_int(&out, "events", 0);
			files += job_int(&out, "files", 0);
			unlinked += unlink_evidence(uploads, job_text(&out, "names"));
		} while (got == PURGE_BATCH);
		printf("%s: %lld 份已删除(办理记录 %lld 条,证据文件 %lld 个,其中 %lld 个从磁盘删除)\n",
		    kinds[i].what, rows, events, files, unlinked);
	}
	long orphans = sweep_orphans(db, uploads);
	long temp = purge_upload_tmp(uploads, PURGE_FILE_AGE);
	if (orphans < 0)
		status = 1;
	printf("无记录的证据文件:%ld 个已删除;过期的上传临时文件:%ld 个已删除\n",
	    orphans < 0 ? 0 : orphans, temp);
	if (orphans > 0 || temp > 0) {
		job_init(&in, "purge.files");
		job_put_int(&in, "orphans", orphans < 0 ? 0 : orphans);
		job_put_int(&in, "temp", temp);
		if (run_job(db, who, &in, &out) != SQLITE_DONE)
			status = 1;
	}
	return fflush(stdout) == 0 ? status : 1;
}
