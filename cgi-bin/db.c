/*
 * db.c - SQLite connection, migrations, statement cache.
 */
#include "db.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define STMT_SLOTS 256  /* power of two, > statements the program has */
#define BUSY_TIMEOUT_MS 5000

struct db {
	sqlite3 *h;
	int lockfd;             /* "<db>-writer": queue of writers, or -1 */
	int wal_frames;         /* frames in the WAL after our last commit */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_SLOTS];
};

/*
 * Writers of this program queue on an flock of "<db>-writer" before BEGIN
 * IMMEDIATE.  SQLite's busy handler sleeps in steps of up to 100 ms while
 * a commit holds the write lock for about one fsync: writers polling it
 * would sleep far past their turn (and polling finely burns the CPU the
 * writer needs).  A blocked flock is woken the moment the lock is free.
 * The wait is bounded by a timer (SIGALRM interrupts flock), and the
 * kernel drops the lock of a worker that dies.
 */
static void
on_alarm(int sig)
{
	(void)sig;
}

/* Take the writers' queue lock within budget ms; returns the ms left of
 * that budget for SQLite's own lock, or -1 on timeout. */
static int
writer_lock(struct db *db, int budget)
{
	if (db->lockfd < 0)
		return budget;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct sigaction sa = {0}, old;
	sa.sa_handler = on_alarm;   /* no SA_RESTART: flock returns EINTR */
	sigaction(SIGALRM, &sa, &old);
	struct itimerval t = {{0, 0}, {budget / 1000, (budget % 1000) * 1000}};
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &t, NULL);
	int rc = flock(db->lockfd, LOCK_EX);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc != 0) {
		LOG_WARN("waited %d ms for the write lock", budget);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return waited >= budget ? 1 : budget - (int)waited;
}

static void
writer_unlock(struct db *db)
{
	if (db->lockfd >= 0)
		flock(db->lockfd, LOCK_UN);
}

/* Remember how big the WAL is after each of our commits (for the
 * checkpoint after it, see db_checkpoint). */
static int
on_wal(void *ctx, sqlite3 *h, const char *name, int frames)
{
	(void)h;
	(void)name;
	((struct db *)ctx)->wal_frames = frames;
	return SQLITE_OK;
}

struct db *
db_open(const char *path, char *err, size_t errlen)
{
	return db_open_mode(path, 0, err, errlen);
}

struct db *
db_open_mode(const char *path, int mode, char *err, size_t errlen)
{
	static const char *const pragmas =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA temp_store=MEMORY;"
	    /* No connection checkpoints on its own after a commit: only
	     * db_checkpoint does, under the writers' flock (see there). */
	    "PRAGMA wal_autocheckpoint=0;"
	    /* Pages another worker changed are re-read at each transaction:
	     * from a mapping, not with a read() each. */
	    "PRAGMA mmap_size=268435456;";
	struct db *db = xcalloc(1, sizeof(*db));
	char lockpath[4096];
	snprintf(lockpath, sizeof(lockpath), "%s-writer", path);
	db->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (db->lockfd < 0 && (mode & DB_WRITER)) {
		/* Without the lock file there is no queue at all: say so. */
		snprintf(err, errlen, "%s: %s", lockpath, strerror(errno));
		free(db);
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db->h, 1);
	rc = sqlite3_exec(db->h, pragmas, NULL, NULL, NULL);
	if (rc == SQLITE_OK && (mode & DB_READONLY))
		/* Tested with WAL and our persistent -shm: reads see every
		 * commit, any write fails with SQLITE_READONLY ("attempt to
		 * write a readonly database"), logged by the statement's
		 * caller.  SQLITE_OPEN_READONLY would also need the -shm to
		 * exist already, which it does not on a fresh site. */
		rc = sqlite3_exec(db->h, "PRAGMA query_only=1", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	/* Closing the last connection would checkpoint outside the lock:
	 * only the writer's may. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
	    (mode & DB_WRITER) ? 0 : 1, NULL);
	sqlite3_wal_hook(db->h, on_wal, db);
	/* Keep -wal and -shm when the last connection closes: a site restarted
	 * on a full disk can still read (the -shm needs 32 KB to be created). */
	int persist = 1;
	sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	return db;
fail:
	snprintf(err, errlen, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) :
	    sqlite3_errstr(rc));
	if (db->lockfd >= 0)
		close(db->lockfd);
	sqlite3_close(db->h);
	free(db);
	return NULL;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	if (db->lockfd >= 0)
		close(db->lockfd);
	free(db);
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

sqlite3_stmt *
db_prep(struct db *db, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (STMT_SLOTS - 1);
	for (size_t probe = 0; probe < STMT_SLOTS; probe++) {
		size_t k = (i + probe) & (STMT_SLOTS - 1);
		if (db->cache[k].sql == sql) {
			sqlite3_reset(db->cache[k].st);
			sqlite3_clear_bindings(db->cache[k].st);
			return db->cache[k].st;
		}
		if (db->cache[k].sql == NULL) {
			sqlite3_stmt *st;
			if (sqlite3_prepare_v3(db->h, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
				LOG_ERR("%s in: %.80s", sqlite3_errmsg(db->h), sql);
				return NULL;
			}
			db->cache[k].sql = sql;
			db->cache[k].st = st;
			return st;
		}
	}
	LOG_ERR("statement cache full");
	return NULL;
}

/*
 * Checkpoints, and the WAL-reset race of SQLite 3.7.0 to 3.51.2 (fixed in
 * 3.51.3, 3.50.7, 3.44.6; Debian 12 ships 3.40.1 without the fix): when a
 * checkpoint runs in one connection while a connection of another process
 * commits a transaction that resets the WAL (starts writing it again from
 * the top after an earlier checkpoint copied all of it), the checkpoint
 * can miss the reset and later skip frames: committed pages never reach
 * the database file, which is then corrupt.  The race needs a checkpoint
 * and a write at the same time in two connections.  So:
 *   - every connection has wal_autocheckpoint=0 (no commit checkpoints by
 *     itself) and all but the writer's NO_CKPT_ON_CLOSE (the last close
 *     would checkpoint);
 *   - the only checkpoints are here, PASSIVE, under the writers' flock:
 *     after a commit that left the WAL at CHECKPOINT_FRAMES or more, before
 *     the flock is let go, and from the writer process when it is idle;
 *   - every write holds that flock: the writer's batches, db_begin's
 *     transactions, and (once every write is a job) nothing else.
 * Hence no write ever overlaps a checkpoint.  Writes still made in
 * autocommit mode outside db_begin (those not yet converted to jobs) do
 * not hold the flock; they are the last gap, closed by converting them.
 */
#define CHECKPOINT_FRAMES 1000  /* about 4 MB of WAL */

static int
checkpoint_locked(struct db *db)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		LOG_WARN("checkpoint: %s", sqlite3_errmsg(db->h));
	db->wal_frames = log - done;
	return rc;
}

static int
exec_simple(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		LOG_ERR("%s: %s", sql, sqlite3_errmsg(db->h));
	return rc;
}

int
db_begin(struct db *db)
{
	return db_begin_within(db, BUSY_TIMEOUT_MS);
}

int
db_begin_within(struct db *db, int budget_ms)
{
	/* One budget for both waits: the queue, then SQLite's lock (held by
	 * another program, e.g. a backup): a person waits at most
	 * BUSY_TIMEOUT_MS in all. */
	if (budget_ms < 1)
		return SQLITE_BUSY;
	int left = writer_lock(db, budget_ms);
	if (left < 0)
		return SQLITE_BUSY;
	sqlite3_busy_timeout(db->h, left);
	int rc = exec_simple(db, "BEGIN IMMEDIATE");
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		writer_unlock(db);
	return rc;
}

int
db_commit(struct db *db)
{
	int rc = exec_simple(db, "COMMIT");
	if (rc != SQLITE_OK)
		db_rollback(db);
	else if (db->wal_frames >= CHECKPOINT_FRAMES)
		checkpoint_locked(db);
	writer_unlock(db);
	return rc;
}

int
db_checkpoint(struct db *db)
{
	if (writer_lock(db, BUSY_TIMEOUT_MS) < 0)
		return SQLITE_BUSY;
	int rc = checkpoint_locked(db);
	writer_unlock(db);
	return rc;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	writer_unlock(db);
}

int
db_exec_stmt(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		LOG_ERR("%s: %.80s", sqlite3_errmsg(db->h), sqlite3_sql(st));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_bind_int(sqlite3_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(st, i, v);
}

const char *
db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

long long
db_int_by_text(struct db *db, const char *sql, const char *text, long long none)
{
	sqlite3_stmt *st = db_prep(db, sql);
	long long v = none;
	if (st == NULL)
		return none;
	db_bind_text(st, 1, text);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
db_unavailable(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return 1;
	}
	return 0;
}

int
db_end_request(struct db *db)
{
	int n = 0;
	for (size_t i = 0; i < STMT_SLOTS; i++)
		if (db->cache[i].st && sqlite3_stmt_busy(db->cache[i].st)) {
			LOG_WARN("statement left open: %.80s", db->cache[i].sql);
			sqlite3_reset(db->cache[i].st);
			n++;
		}
	if (!sqlite3_get_autocommit(db->h)) {
		LOG_ERR("transaction left open; rolled back");
		db_rollback(db);
		n++;
	}
	return n;
}

int
db_ping(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM sqlite_schema";
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
migration_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_free(&b);
		return NULL;
	}
	if (b.p == NULL)
		buf_put(&b, "", 0);
	return b.p;
}

int
db_migrate(struct db *db, const char *dir, char *err, size_t errlen)
{
	int rc = -1, applied = 0;
	char **names = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int version = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 9 && strcmp(e->d_name + len - 4, ".sql") == 0 &&
		    strspn(e->d_name, "0123456789") == 4 && e->d_name[4] == '_') {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), migration_cmp);

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < n; i++) {
		int num = atoi(names[i]);
		if (num <= version)
			continue;
		char path[4096], pragma[64];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *sql = slurp(path);
		if (sql == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", num);
		char *msg = NULL;
		/* Under the writers' flock like every write (db_begin). */
		int r = db_begin(db);
		if (r == SQLITE_OK)
			r = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
		if (r == SQLITE_OK)
			r = sqlite3_exec(db->h, pragma, NULL, NULL, &msg);
		if (r == SQLITE_OK)
			r = db_commit(db);
		free(sql);
		if (r != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errstr(r));
			sqlite3_free(msg);
			db_rollback(db);
			goto out;
		}
		version = num;
		applied++;
	}
	rc = applied;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
