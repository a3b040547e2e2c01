/*
 * t_writer.c - the job API, a batch's savepoints, read-only worker
 * connections, and the writer process over its socket (killed and
 * re-forked, many clients at once, the local fallback).
 * Uses the admin commands' job (account.change, auth.c) on a migrated
 * database.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "staff.h"
#include "store.h"
#include "db.h"
#include "tap.h"
#include "util.h"
#include "writer.h"

static char dir[] = "/tmp/t_writer-XXXXXX";
static char dbpath[256], sock[256];

static long long
mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
account_job(struct job *j, const char *name, long long id, const char *hash,
    const char *by)
{
	const struct actor who = {0, by, "cli"};
	job_init(j, "account.change");
	job_put_int(j, "op", strcmp(name, "passwd") == 0 ? ACCOUNT_PASSWD : ACCOUNT_DISABLE);
	job_put_int(j, "id", id);
	job_put_text(j, "hash", hash);
	job_put_text(j, "username", "t");
	if (by != NULL)
		job_put_actor(j, &who);
}

/* One integer from sql, or -1. */
static long long
one(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* one() on a connection of its own (none is open across the forks:
 * a forked child would carry it, and valgrind would count it lost). */
static long long
q(const char *sql)
{
	char err[256];
	struct db *db = db_open(dbpath, err, sizeof(err));
	long long v = db ? one(db, sql) : -1;
	db_close(db);
	return v;
}

static void
test_job_data(void)
{
	static struct job j, out;
	job_init(&j, "x.y");
	job_put_text(&j, "name", "张三");
	job_put_int(&j, "n", -42);
	job_put_text(&j, "none", NULL);
	ok(strcmp(job_text(&j, "name"), "张三") == 0, "a text input reads back");
	ok(job_int(&j, "n", 0) == -42, "an integer input reads back");
	ok(job_text(&j, "none") == NULL && job_text(&j, "missing") == NULL &&
	    job_text(&j, "n") == NULL, "absent and integer fields have no text");
	ok(job_int(&j, "name", 7) == 7, "a text field has no integer");
	char big[JOB_BYTES];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(job_put_text(&j, "big", big) == -1 && j.overflow, "what does not fit is refused");
	ok(job_run(NULL, &j, &out) == SQLITE_TOOBIG, "an overflowed job is not run");
}

static void
test_batch(struct db *db)
{
	static struct job in[5], out[5];
	const struct job *ip[5];
	struct job *op[5];
	struct arena *a = arena_new();
	account_job(&in[0], "passwd", 1, "new", "cli:t");
	account_job(&in[1], "passwd", 2, "new", NULL);  /* audit fails */
	job_init(&in[2], "no.such.job");
	account_job(&in[3], "disable", 2, NULL, "cli:t");
	in[3].deadline_ms = mono_ms() - 1;
	account_job(&in[4], "disable", 2, NULL, "cli:t");
	in[4].overflow = 1;
	for (int i = 0; i < 5; i++) {
		ip[i] = &in[i];
		op[i] = &out[i];
	}
	int rc = writer_batch(db, a, ip, op, 5);
	ok(rc == SQLITE_OK, "the batch commits although some jobs fail (%d)", rc);
	ok(out[0].rc == SQLITE_DONE, "a good job is done");
	ok((out[1].rc & 0xff) == SQLITE_CONSTRAINT, "a failing job keeps its code (%d)",
	    out[1].rc);
	ok(out[2].rc == SQLITE_NOTFOUND && out[3].rc == SQLITE_BUSY &&
	    out[4].rc == SQLITE_TOOBIG, "unknown, late and overflowed jobs are refused");
	ok(one(db, "SELECT count(*) FROM staff WHERE pwhash = 'new'") == 1,
	    "the failing job's first write was rolled back with its savepoint");
	ok(one(db, "SELECT count(*) FROM staff WHERE disabled = 1") == 0,
	    "refused jobs wrote nothing");
	ok(one(db, "SELECT count(*) FROM audit") == 1, "one audit entry: the good job's");
	ok(sqlite3_get_autocommit(db_handle(db)), "no transaction left open");
	arena_free(a);
}

static void
test_readonly(void)
{
	char err[256];
	struct db *ro = db_open_mode(dbpath, DB_READONLY, err, sizeof(err));
	ok(ro != NULL, "a read-only connection opens on a WAL database (%s)", ro ? "" : err);
	if (ro == NULL)
		return;
	ok(one(ro, "SELECT count(*) FROM staff WHERE pwhash = 'new'") == 1,
	    "it reads what the writer committed");
	int rc = sqlite3_exec(db_handle(ro), "UPDATE staff SET disabled = 1", NULL, NULL, NULL);
	ok(rc == SQLITE_READONLY, "a write on it fails loudly: %s", sqlite3_errstr(rc));
	db_close(ro);
}

static pid_t
fork_writer(int lfd)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(writer_main(lfd, dbpath));
	return pid;
}

static void
test_process(void)
{
	static struct job in, out;
	int lfd = writer_listen(sock);
	ok(lfd >= 0, "the writer's socket listens");
	if (lfd < 0)
		return;
	pid_t w = fork_writer(lfd);
	job_endpoint(sock, 0);
	account_job(&in, "disable", 1, NULL, "cli:t");
	ok(job_run(NULL, &in, &out) == SQLITE_DONE, "a job sent to the writer is done");
	ok(q("SELECT disabled FROM staff WHERE id = 1") == 1,
	    "and committed when answered");

	/* The writer dies; the master's socket keeps listening; a new one. */
	kill(w, SIGKILL);
	waitpid(w, NULL, 0);
	w = fork_writer(lfd);
	account_job(&in, "disable", 2, NULL, "cli:t");
	ok(job_run(NULL, &in, &out) == SQLITE_DONE,
	    "after the writer was killed and forked again, the next job is done");

	/* Many clients at once: every job answered, each stored once. */
	long long before = q("SELECT count(*) FROM audit");
	enum { CLIENTS = 8, EACH = 25 };
	pid_t c[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		if ((c[i] = fork()) == 0) {
			int bad = 0;
			for (int k = 0; k < EACH; k++) {
				account_job(&in, "disable", 1, NULL, "cli:many");
				bad += job_run(NULL, &in, &out) != SQLITE_DONE;
			}
			_exit(bad);
		}
	int failed = 0;
	for (int i = 0; i < CLIENTS; i++) {
		int st;
		waitpid(c[i], &st, 0);
		failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	ok(failed == 0, "%d clients x %d jobs at once: all done", CLIENTS, EACH);
	ok(q("SELECT count(*) FROM audit") - before == CLIENTS * EACH,
	    "each stored once");

	int st;
	kill(w, SIGTERM);
	waitpid(w, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM stops the writer cleanly");
	char stats[300];
	snprintf(stats, sizeof(stats), "%s-writer.stats", dbpath);
	FILE *f = fopen(stats, "r");
	long long jobs = 0, size, count;
	while (f && fscanf(f, "%lld %lld", &size, &count) == 2)
		jobs += size * count;
	if (f)
		fclose(f);
	ok(jobs == 1 + CLIENTS * EACH, "the batch sizes count every job (%lld)", jobs);
	close(lfd);

	/* No writer: an admin command runs the job itself; a worker does not. */
	char err[256];
	struct db *db = db_open(dbpath, err, sizeof(err));
	long long audits = one(db, "SELECT count(*) FROM audit");
	job_endpoint(sock, 1);
	account_job(&in, "disable", 1, NULL, "cli:local");
	ok(job_run(db, &in, &out) == SQLITE_DONE &&
	    one(db, "SELECT count(*) FROM audit") == audits + 1,
	    "no server: an admin job runs here");
	job_endpoint(sock, 0);
	ok(job_run(db, &in, &out) == SQLITE_BUSY, "no writer: a worker's job is refused");
	db_close(db);
	job_endpoint(NULL, 0);
	unlink(sock);
}

int
main(void)
{
	char err[512];
	job_types(app_jobs);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/w.db", dir);
	ok(writer_socket_path(dbpath, sock, sizeof(sock)) == 0, "socket path beside the db");
	struct db *db = db_open(dbpath, err, sizeof(err));
	ok(db && db_migrate(db, "db/migrations", err, sizeof(err)) > 0, "migrated: %s",
	    db ? "" : err);
	if (db == NULL)
		return tap_done();
	sqlite3_exec(db_handle(db),
	    "INSERT INTO staff (id, username, pwhash, role, created_at) VALUES"
	    " (1, 'a', 'old', 'admin', ''), (2, 'b', 'old', 'admin', '')", NULL, NULL, NULL);
	test_job_data();
	test_batch(db);
	test_readonly();
	db_close(db);
	test_process();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
