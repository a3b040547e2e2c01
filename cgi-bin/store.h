/*
 * store.h - how the application writes.  The part of a write that touches
 * the database is a function of plain data — a connection, the actor (who
 * the write is for), an arena for what it returns, and the request's
 * validated inputs — that runs inside a transaction it neither opens nor
 * closes, and returns an SQLite result code.  store_run is the one place
 * that opens and closes that transaction around it; work on files (moving
 * uploaded evidence) is done by the caller before store_run and undone by
 * the caller when it fails.
 *
 * And the routine every public form shares: the same page sent again
 * stores nothing new, a fresh reference is drawn until one is free, the
 * row's first public event is written with it.
 */
#ifndef ZJ_STORE_H
#define ZJ_STORE_H

#include <sqlite3.h>

struct actor;
struct arena;
struct db;

/*
 * The database part of a write: runs inside an open transaction; returns
 * SQLITE_DONE for "keep what I did", anything else for "undo it".  What
 * it hands back (a reference, an outcome) goes into arg, strings in a.
 */
typedef int (*store_fn)(struct db *db, const struct actor *who,
    struct arena *a, void *arg);

/*
 * Run fn in one write transaction: BEGIN IMMEDIATE, fn, then COMMIT when
 * fn returned SQLITE_DONE, else ROLLBACK.  Returns SQLITE_DONE once
 * committed; fn's code when it was not SQLITE_DONE (rolled back); or the
 * code of the BEGIN or COMMIT that failed (nothing stored).
 */
int store_run(struct db *db, const struct actor *who, struct arena *a,
    store_fn fn, void *arg);

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

#endif
