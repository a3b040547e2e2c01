/*
 * roster.c - the wait-list moves up.
 */
#include "roster.h"

#include <string.h>

#include "db.h"
#include "outbox.h"
#include "pubform.h"
#include "util.h"
#include "vocab.h"

static const char sql_free[] =
    "SELECT a.capacity - (SELECT count(*) FROM signups s"
    "  WHERE s.activity_id = a.id AND s.status = '" SIGNUP_CONFIRMED "')"
    " FROM activities a WHERE a.id = ?1";
static const char sql_waiting[] =
    "SELECT id, ref, phone FROM signups WHERE activity_id = ?1"
    " AND status = '" SIGNUP_WAITING "'"
    " ORDER BY id LIMIT ?2";
static const char sql_about[] =
    "SELECT title, starts_at, place FROM activities WHERE id = ?1";
static const char sql_promote[] =
    "UPDATE signups SET status = '" SIGNUP_CONFIRMED "', updated_at = ?2"
    " WHERE id = ?1 AND status = '" SIGNUP_WAITING "'";

/* Places still free in activity id (<= 0 when full) with *rc SQLITE_DONE;
 * -1 with *rc the SQLite error. */
static long long
free_places(struct db *db, long long id, int *rc)
{
	sqlite3_stmt *st = db_prep(db, sql_free);
	long long n = 0;
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_int(st, 1, id);
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (*rc != SQLITE_ROW && *rc != SQLITE_DONE)
		return -1;
	*rc = SQLITE_DONE;
	return n;
}

int
roster_fill(struct db *db, const struct actor *who, struct arena *a,
    long long activity_id, const char **moved)
{
	struct buf refs = {0};
	char now[32];
	int rc;
	long long places = free_places(db, activity_id, &rc);
	if (places <= 0)
		goto out;  /* full (rc is SQLITE_DONE), or the error */

	/* Read the first `places` people in line, then move them: the reads
	 * finish before the writes start. */
	sqlite3_stmt *st = db_prep(db, sql_waiting);
	if (st == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_int(st, 1, activity_id);
	db_bind_int(st, 2, places);
	size_t n = 0;
	long long *ids = arena_calloc(a, (size_t)places, sizeof(*ids));
	const char **line = arena_calloc(a, (size_t)places, sizeof(*line));
	const char **phones = arena_calloc(a, (size_t)places, sizeof(*phones));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)places) {
		ids[n] = sqlite3_column_int64(st, 0);
		phones[n] = arena_strdup(a, db_col_text(st, 2));
		line[n++] = arena_strdup(a, db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto out;
	/* what the text that tells them says of the activity */
	const char *title = "", *starts = "", *place = "";
	if (n > 0) {
		if ((st = db_prep(db, sql_about)) == NULL) {
			rc = SQLITE_ERROR;
			goto out;
		}
		db_bind_int(st, 1, activity_id);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			title = arena_strdup(a, db_col_text(st, 0));
			starts = arena_strdup(a, db_col_text(st, 1));
			place = arena_strdup(a, db_col_text(st, 2));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto out;
	}
	utc_now_iso(now, sizeof(now));
	for (size_t i = 0; i < n; i++) {
		if ((st = db_prep(db, sql_promote)) == NULL) {
			rc = SQLITE_ERROR;
			goto out;
		}
		db_bind_int(st, 1, ids[i]);
		db_bind_text(st, 2, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			goto out;
		rc = event_add(db, who, line[i], SIGNUP_CONFIRMED, "候补转为正式", 1);
		if (rc != SQLITE_DONE)
			goto out;
		rc = outbox_put_activity(db, who, MSG_SIGNUP_PROMOTED, line[i],
		    phones[i], title, starts, place);
		if (rc != SQLITE_DONE)
			goto out;
		if (refs.len)
			buf_puts(&refs, "、");
		buf_puts(&refs, line[i]);
	}
	rc = SQLITE_DONE;
out:
	if (moved)
		*moved = arena_strdup(a, refs.p ? refs.p : "");
	buf_free(&refs);
	return rc;
}
