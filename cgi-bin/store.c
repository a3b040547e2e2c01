/*
 * store.c - the write transaction around a write, and the fresh-reference
 * routine of the public forms.
 */
#include "store.h"

#include <string.h>

#include "db.h"
#include "pubform.h"
#include "sign.h"
#include "util.h"

int
store_run(struct db *db, const struct actor *who, struct arena *a,
    store_fn fn, void *arg)
{
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	rc = fn(db, who, a, arg);
	if (rc != SQLITE_DONE) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc != SQLITE_OK) {
		db_rollback(db);
		return rc;
	}
	return SQLITE_DONE;
}

int
store_fresh(struct db *db, struct arena *a, sqlite3_stmt *st, int index,
    fresh_fn next, void *ctx, const char **value)
{
	int rc = SQLITE_ERROR;
	for (int attempt = 0; attempt < STORE_FRESH_TRIES; attempt++) {
		if ((rc = next(db, a, ctx, value)) != SQLITE_OK)
			return rc;
		db_bind_text(st, index, *value);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_CONSTRAINT_UNIQUE)
			break;  /* else: the value was taken */
	}
	return rc;
}

/* fresh_fn: a reference with prefix ctx. */
static int
next_ref(struct db *db, struct arena *a, void *ctx, const char **value)
{
	(void)db;
	*value = make_ref(a, ctx, 8);
	return *value ? SQLITE_OK : SQLITE_ERROR;
}

int
store_new_ref(struct db *db, const struct actor *who, struct arena *a,
    struct new_ref *nr)
{
	int rc;
	nr->ref = NULL;
	nr->again_found = 0;
	nr->rowid = 0;
	if (nr->again != NULL) {
		rc = sqlite3_step(nr->again);
		if (rc == SQLITE_ROW) {
			nr->ref = arena_strdup(a, db_col_text(nr->again, 0));
			nr->again_found = sqlite3_column_int(nr->again, 1);
		}
		sqlite3_reset(nr->again);
		if (rc == SQLITE_ROW)
			return nr->again_found ? SQLITE_DONE : SQLITE_CONSTRAINT;
		if (rc != SQLITE_DONE)
			return rc;
	}
	rc = store_fresh(db, a, nr->insert, 1, next_ref, (void *)nr->prefix, &nr->ref);
	if (rc != SQLITE_DONE)
		return rc;
	nr->rowid = sqlite3_last_insert_rowid(db_handle(db));
	return event_add(db, who, nr->ref, nr->status, nr->note, 1);
}
