/*
 * store.h - how the application writes.  The part of a write that touches
 * the database is a function of plain data — a connection, the actor (who
 * the write is for), an arena for what it returns, and the request's
 * validated inputs — that runs inside a transaction it neither opens nor
 * closes, and returns an SQLite result code: a job function (writer.h)
 * calls it inside the writer's transaction.  Work on files (moving
 * uploaded evidence) is done by the page before it sends the job, and
 * undone by the page when the job definitely failed (never on JOB_LOST).
 *
 * And the routine every public form shares: the same page sent again
 * stores nothing new, a fresh reference is drawn until one is free, the
 * row's first public event is written with it.
 */
#ifndef ZJ_STORE_H
#define ZJ_STORE_H

#include <sqlite3.h>
#include <stddef.h>

#include "writer.h"

struct actor;
struct arena;
struct db;
struct field;
struct fresult;
struct job;
struct req;
struct tval;

/*
 * The database part of a write: runs inside an open transaction; returns
 * SQLITE_DONE for "keep what I did", anything else for "undo it".  What
 * it hands back (a reference, an outcome) goes into arg, strings in a.
 */
typedef int (*store_fn)(struct db *db, const struct actor *who,
    struct arena *a, void *arg);

/* How often a value that turns out to be taken is drawn again. */
#define STORE_FRESH_TRIES 5

/* Draw a fresh value into *value (ctx says how).  Returns SQLITE_OK or a
 * failing SQLite code. */
typedef int (*fresh_fn)(struct db *db, struct arena *a, void *ctx,
    const char **value);

/*
 * Step st — an INSERT or UPDATE prepared and bound but for parameter
 * index — with a value from next in that parameter; when the value was
 * taken (SQLITE_CONSTRAINT_UNIQUE) draw another, at most
 * STORE_FRESH_TRIES times.  *value gets the value stepped last.  Returns
 * SQLITE_DONE, next's failing code, or the statement's.
 */
int store_fresh(struct db *db, struct arena *a, sqlite3_stmt *st, int index,
    fresh_fn next, void *ctx, const char **value);

/* A public submission with a reference of its own. */
struct new_ref {
	const char *prefix;    /* "RH", "FY", "ZY": the reference's */
	/*
	 * NULL, or a SELECT (prepared and bound) of (ref, same page) of rows
	 * that stand in the new one's way: a row whose same page is 1 is this
	 * very page stored before (sent again: nothing new is stored, ref is
	 * its reference); any other row refuses the new one.
	 */
	sqlite3_stmt *again;
	sqlite3_stmt *insert;  /* bound but for ?1, the reference */
	const char *status;    /* the first public event */
	const char *note;
	/* what store_new_ref found */
	const char *ref;       /* the new reference, or the earlier one */
	long long rowid;       /* the new row's (0 when none was inserted) */
	int again_found;       /* 1: the page had been stored before */
};

/*
 * Inside the caller's transaction: the again check, the insert with a
 * fresh reference (store_fresh with make_ref), the public event by who.
 * Returns SQLITE_DONE with nr->ref (stored now, or before when
 * nr->again_found); SQLITE_CONSTRAINT when another row stands in the way
 * (nr->ref is its reference); or the failing SQLite code.
 */
int store_new_ref(struct db *db, const struct actor *who, struct arena *a,
    struct new_ref *nr);

/*
 * Writes as jobs (writer.h).  Every write of the application is a job:
 * its database part is a store_fn (or uses store_new_ref / store_fresh)
 * called from a job function registered in the page file's job table,
 * which rebuilds the store_fn's plain inputs from the job's fields.  The
 * page side puts the validated values into a job and calls store_job:
 *
 *     struct job in, out;
 *     job_init(&in, "join.store");
 *     job_put_form(&in, join_fields, J__N, res);
 *     job_put_int(&in, "district", id);
 *     int rc = store_job(r, &in, &out);       // r's actor travels with it
 *
 * and in the writer:
 *
 *     static int join_job(struct db *db, struct arena *a,
 *         const struct job *in, struct job *out) {
 *         struct actor who;
 *         job_actor(in, &who);
 *         struct join_input ji = {.res = job_form(a, in, join_fields, J__N), …};
 *         int rc = join_store(db, &who, a, &ji);
 *         job_put_text(out, "ref", ji.ref);
 *         return rc;
 *     }
 */

/* Run job in for request r with r's actor (actor_of) added to it; the
 * answer in out.  Returns job_run's code (writer.h). */
int store_job(struct req *r, struct job *in, struct job *out);

/* The actor as job fields ("_actor.id", "_actor.user", "_actor.addr"),
 * and back (strings point into j; NULL when the job carries no actor, so
 * that writing an audit entry for it fails loudly). */
void job_put_actor(struct job *j, const struct actor *who);
void job_actor(const struct job *j, struct actor *who);

/*
 * One audit entry (staff.h audit()) by r's actor, as a job of its own
 * ("audit.add"): for what a page shows or sends rather than stores (a full
 * ID number, an evidence file, an export), audited before it is shown.
 * Returns job_run's code: SQLITE_DONE once the entry is durable; the page
 * shows nothing that needed it otherwise.
 */
int store_audit(struct req *r, const char *action, const char *target,
    const char *detail);

/* The same for n actions on one target with one detail, in one job: all
 * entries are stored or none. */
int store_audit_n(struct req *r, const char *const *actions, size_t n,
    const char *target, const char *detail);

/* The answer when what a page was to show or send could not be audited
 * (store_audit failed): 503, nothing of it sent, try again later. */
void store_audit_refused(struct req *r);

/*
 * A record's full ID number idno into m under key, audited first
 * (AUDIT_VIEW_IDCARD on ref, store_audit): only when that entry is durable
 * is the full number shown; otherwise the masked one, with the boolean
 * "idcard_masked" set in m so the page can say why.  Returns 1 when the
 * full number was put, 0 when the masked one.
 */
int store_show_idcard(struct req *r, struct tval *m, const char *key,
    const char *ref, const char *idno);

/*
 * Inside a job: the district wall again, on the writer's connection —
 * may who (a member of staff) act on a record of district_id?  A member
 * bound to a district acts only on its records; one bound to none (and
 * nobody else) on every district's.  Returns SQLITE_OK when they may,
 * SQLITE_AUTH when not (the page answers 404, as for a record it cannot
 * see), or the failing SQLite code.
 */
int store_district_wall(struct db *db, const struct actor *who,
    long long district_id);

/*
 * Inside a job: ask the staff table about who.  sql is a SELECT of one
 * boolean FROM staff WHERE id = ?1, given district_id as ?2.  Returns
 * SQLITE_OK when it says yes, SQLITE_AUTH when no (or who is no member of
 * staff), or the failing SQLite code.
 */
int store_staff_may(struct db *db, const struct actor *who, const char *sql,
    long long district_id);

/*
 * The answer to a staff POST whose job answered rc: 303 to done_url when
 * it was stored (SQLITE_DONE), the 404 page for SQLITE_AUTH (the record
 * is not the person's, as when they could not see it), else
 * answer_db_failure.
 */
void store_answer(struct req *r, int rc, const char *done_url);

/* The jobs of store.c ("audit.add"). */
extern const struct job_type store_jobs[];

/*
 * The validated values of a form (fields[0..n), res[0..n)) as job fields
 * named after the form's fields in a namespace of their own: text
 * ("f.name"), number of an F_CHECK, F_INT or F_MONEY ("f.name#n"), and each chosen option of an F_MULTI
 * ("f.name#0", "f.name#1", …).  Files are not sent (the
 * page moves them and sends their names as fields of its own).
 */
void job_put_form(struct job *j, const struct field *fields, size_t n,
    const struct fresult *res);
/* ...and back in the job function: res[0..n) from the arena, values ""
 * when absent, no errors.  Never fails (aborts only when out of memory). */
struct fresult *job_form(struct arena *a, const struct job *j,
    const struct field *fields, size_t n);

#endif
