/*
 * writer.h - the one write path: jobs, the writer process, group commit.
 * Knows SQL and processes, not unions.
 *
 * A write is a *job*: a registered name and a bounded set of inputs
 * (name -> text, name -> integer).  The application lists its jobs in
 * tables, like its routes:
 *
 *     static int join_store(struct db *db, struct arena *a,
 *         const struct job *in, struct job *out);
 *     const struct job_type page_join_jobs[] = {
 *         {"join.store", join_store}, {0}};
 *
 * and a page asks for one and blocks for the answer:
 *
 *     struct job in, out;
 *     job_init(&in, "join.store");
 *     job_put_text(&in, "name", ...); job_put_int(&in, "district", ...);
 *     int rc = job_run(r->app->db, &in, &out);
 *     if (rc == SQLITE_DONE) ref = job_text(&out, "ref");
 *
 * In `zhijia serve` one writer process holds the only read-write
 * connection.  Workers hand it their jobs over a unix socket beside the
 * database; it takes every job that is waiting, runs each in its own
 * SAVEPOINT inside one BEGIN IMMEDIATE, COMMITs once, and only then
 * answers each (group commit: one fsync makes the whole batch durable).
 * A job that fails rolls back its savepoint only; a failed COMMIT fails
 * the whole batch, each job getting the COMMIT's code.  Nothing is
 * answered before the COMMIT holding it has returned.
 *
 * Outside the server (admin commands, plain CGI) job_run runs the same
 * function on the caller's own connection, under the same flock of
 * "<db>-writer" that the writer takes around each batch: never a second
 * way to write.
 *
 * Writing a job function (converting a page's write):
 *   - It gets the writer's connection and runs inside a savepoint of an
 *     open transaction: never BEGIN, COMMIT, ROLLBACK or db_begin in it.
 *   - It reads only its inputs and the database: no struct req, no
 *     cookies, no clock of the page (take "now" in the job, or pass it).
 *     Everything the page validated travels as inputs; what the page
 *     needs back (a reference, an id, a refusal reason) comes as outputs.
 *   - It returns SQLITE_DONE (or SQLITE_OK) to keep its changes, anything
 *     else to have them rolled back; outputs are kept either way, so a
 *     refusal can say why (e.g. SQLITE_CONSTRAINT with "ref" set).
 *   - It must be deterministic in effect when run twice with the same
 *     inputs if the page is to be resent safely (our forms carry a nonce).
 *   - Temporary memory from the arena a, freed after the batch.
 *
 * The seam: page code sees only job_* and SQLite result codes.  A second
 * storage engine (PostgreSQL for an installation that outgrows one
 * machine) would implement job_run with the same meaning — a job runs
 * atomically, isolated from others, and is durable when it answers
 * SQLITE_DONE — so page code must not rely through this seam on anything
 * only SQLite does: no PRAGMA, no rowid or sqlite_ functions in job
 * inputs/outputs, no assumption that jobs of one batch see each other in
 * a given order, no savepoint names.  (The SQL inside a job function is
 * per engine, like the statements of each page file.)
 */
#ifndef ZJ_WRITER_H
#define ZJ_WRITER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct arena;

#define JOB_NAME_MAX 32      /* "area.verb" */
#define JOB_FIELDS 96        /* inputs or outputs per job: a legal-aid case
                              * with five files needs 57 */
#define JOB_BYTES 40960      /* names and text of all fields: a legal-aid case
                              * of 5,000 + 2,000 four-byte characters fits */
#define JOB_BUDGET_MS 5000   /* a job waits at most this long to start */

struct job_field {
	uint16_t name;       /* offset of the NUL-terminated name in bytes */
	uint16_t text;       /* offset of the text, or 0xffff for an integer */
	int64_t num;
};

/*
 * job_run's code when the writer died with the job in hand: it may have
 * been committed or not.  Pages answer 503 saying the page *may* have
 * been saved and to send it again (a resent page is stored once).  Its
 * primary code is SQLITE_IOERR, so db_unavailable() says 503 for it.
 */
#define JOB_LOST (SQLITE_IOERR | (200 << 8))

/* Plain data, sent between processes of one build: the header and fields,
 * then the bytes in use. */
struct job {
	uint32_t magic;          /* build check, set by job_init */
	int32_t rc;              /* the answer's result code */
	int64_t deadline_ms;     /* CLOCK_MONOTONIC; the writer refuses it after */
	char name[JOB_NAME_MAX];
	uint16_t n, used;        /* fields, bytes used */
	uint32_t overflow;       /* a put did not fit: the job is refused */
	struct job_field f[JOB_FIELDS];
	char bytes[JOB_BYTES];
};

/* A job function: see "Writing a job function" above. */
typedef int (*job_fn)(struct db *db, struct arena *a, const struct job *in,
    struct job *out);

struct job_type {
	const char *name;
	job_fn fn;
};

/*
 * Tell the core the application's jobs: a NULL-terminated list of tables,
 * each ending in a NULL name (the application's app_jobs).  Call once at
 * start, before job_run or writer_main; until then every name is unknown.
 */
void job_types(const struct job_type *const *tables);

/* Empty job named name (header and fields zeroed; only the bytes in use
 * are ever read or sent). */
void job_init(struct job *j, const char *name);

/*
 * Add an input or output.  Returns 0, or -1 when it does not fit (the job
 * is then marked and job_run refuses it with SQLITE_TOOBIG, logged): sizes
 * are bounded by JOB_FIELDS and JOB_BYTES.  text NULL stores nothing (the
 * reader gets NULL).
 */
int job_put_text(struct job *j, const char *name, const char *text);
int job_put_int(struct job *j, const char *name, long long v);

/* The field's text, or NULL when absent (or an integer).  Points into j. */
const char *job_text(const struct job *j, const char *name);
/* The field's integer, or dflt when absent (or text). */
long long job_int(const struct job *j, const char *name, long long dflt);

/*
 * Run job in and wait for its answer, filling out (job_init'ed by this
 * call).  Returns the job function's code (SQLITE_DONE when stored), the
 * COMMIT's code when its batch failed to commit, SQLITE_BUSY when it could
 * not start within JOB_BUDGET_MS, JOB_LOST when the writer died with it in
 * hand (it may or may not be stored: a resent page is stored once),
 * SQLITE_NOTFOUND for an unknown name, SQLITE_TOOBIG for an overflowed job.
 * Use db_unavailable(rc) to answer 503.
 *
 * Where it runs: in a server's worker, at the writer (never locally: a
 * worker's connection will be read-only); elsewhere at a running server's
 * writer when its socket answers, else on db, under the writers' flock.
 */
int job_run(struct db *db, const struct job *in, struct job *out);

/*
 * Where jobs go in this process: sock is the writer's socket path; local
 * is 1 when a writer that does not answer means "run here" (admin
 * commands), 0 in workers (wait for the writer, then 503).  Call before
 * forking workers; sock is copied.  Without a call, jobs run locally.
 */
void job_endpoint(const char *sock, int local);

/* "<db>-writer.sock" into out; -1 when it does not fit a unix socket. */
int writer_socket_path(const char *db, char *out, size_t len);

/*
 * The writer process's life: open db read-write, answer jobs arriving on
 * the listening SOCK_SEQPACKET socket listen_fd (non-blocking; owned by
 * the master, so connections wait in its backlog while a writer is
 * re-forked) until SIGTERM; returns the exit status.  Batch sizes are
 * counted in "<db>-writer.stats" (one "size count" line per size).
 */
int writer_main(int listen_fd, const char *db);

/* Listen on path (removed first) for writer_main; -1 with errno. */
int writer_listen(const char *path);

/*
 * Run n jobs as one batch on db: BEGIN IMMEDIATE under the writers'
 * flock, each job in a savepoint, one COMMIT, then a PASSIVE checkpoint
 * when the WAL has grown.  Sets out[i]->rc for every job.  Returns the
 * COMMIT's code (SQLITE_OK when the batch is durable).  Used by the
 * writer and by job_run when it runs locally.
 */
int writer_batch(struct db *db, struct arena *a, const struct job *const *in,
    struct job *const *out, size_t n);

#endif
