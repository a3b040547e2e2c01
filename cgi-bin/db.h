/*
 * db.h - one SQLite connection per worker: pragmas, migrations, a cache of
 * prepared statements, transactions.  Knows SQL, not unions.
 */
#ifndef ZJ_DB_H
#define ZJ_DB_H

#include <sqlite3.h>
#include <stddef.h>

struct db;

/*
 * Open path (created if missing) with WAL, synchronous=FULL,
 * foreign_keys=ON and a busy timeout.  Returns the handle, or NULL with
 * the reason in err.  Free with db_close.
 */
struct db *db_open(const char *path, char *err, size_t errlen);

/*
 * db_open with a mode: DB_WRITER for the writer process's connection (the
 * one that may checkpoint when it closes), DB_READONLY for a worker's once
 * every write is a job (PRAGMA query_only: any write fails loudly with
 * SQLITE_READONLY).  Every connection has wal_autocheckpoint=0: see
 * db_checkpoint.
 */
#define DB_WRITER 1
#define DB_READONLY 2
struct db *db_open_mode(const char *path, int mode, char *err, size_t errlen);
void db_close(struct db *db);
sqlite3 *db_handle(struct db *db);

/*
 * Apply db/migrations/NNNN_name.sql files of dir above PRAGMA user_version
 * in order, each in its own transaction that also sets user_version.
 * Returns the number applied, or -1 with "file: reason" in err.
 */
int db_migrate(struct db *db, const char *dir, char *err, size_t errlen);

/*
 * The prepared statement for sql, compiled on first use and cached for the
 * life of the connection, keyed by the pointer: pass a static const char *,
 * never a built string.  Returned reset with bindings cleared; NULL on a
 * compile error (logged).
 */
sqlite3_stmt *db_prep(struct db *db, const char *sql);

/*
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Return an SQLite result code.
 * db_begin takes the writers' flock of "<db>-writer" (the writer process
 * takes it around each batch), db_commit and db_rollback let it go; a
 * commit that left the WAL long checkpoints before that (db.c says why).
 */
int db_begin(struct db *db);
/* db_begin waiting at most budget_ms in all (SQLITE_BUSY after). */
int db_begin_within(struct db *db, int budget_ms);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * Step a statement expecting no row (INSERT/UPDATE/DELETE): SQLITE_DONE on
 * success, else the error code (logged).  Resets it.
 */
int db_exec_stmt(struct db *db, sqlite3_stmt *st);

/* Bind helpers: s NULL binds NULL.  Text is copied by SQLite. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, long long v);

/* Column text as "" when NULL. */
const char *db_col_text(sqlite3_stmt *st, int i);

/* The first column of sql's first row, ?1 bound to text, as an integer;
 * none when there is no row (or the statement cannot be prepared). */
long long db_int_by_text(struct db *db, const char *sql, const char *text,
    long long none);

/* 1 when rc means the database could not take the write just now (busy,
 * locked, full disk, I/O): callers answer 503 and nothing is stored. */
int db_unavailable(int rc);

/*
 * End of a request: reset any cached statement still stepping (it would
 * hold a read snapshot into the next request, and a later write would
 * fail with SQLITE_BUSY_SNAPSHOT) and roll back a transaction left open.
 * Each is logged with its SQL: it is a bug in the page that left it.
 * Returns how many it had to clean up.
 */
int db_end_request(struct db *db);

/* A PASSIVE checkpoint under the writers' flock (waiting for it at most
 * the busy timeout).  Returns an SQLite result code; logs failures. */
int db_checkpoint(struct db *db);

/* 0 when a quick query answers (for /healthz). */
int db_ping(struct db *db);

#endif
