/*
 * activity.c - reading a 志愿服务 activity, for public and staff pages.
 */
#include "activity.h"

#include <string.h>

#include "db.h"
#include "http.h"
#include "util.h"
#include "vocab.h"

static const char sql_activity[] =
    "SELECT " ACTIVITY_COLS("a.description") " WHERE a.id = ?1";

/* activity_row into a's memory. */
static void
row_into(struct arena *a, sqlite3_stmt *st, struct activity *act)
{
	act->id = sqlite3_column_int64(st, 0);
	act->title = arena_strdup(a, db_col_text(st, 1));
	act->description = arena_strdup(a, db_col_text(st, 2));
	act->starts_at = arena_strdup(a, db_col_text(st, 3));
	act->ends_at = arena_strdup(a, db_col_text(st, 4));
	act->place = arena_strdup(a, db_col_text(st, 5));
	act->district_id = sqlite3_column_int64(st, 6);
	act->district = arena_strdup(a, db_col_text(st, 7));
	act->capacity = sqlite3_column_int64(st, 8);
	act->deadline = arena_strdup(a, db_col_text(st, 9));
	act->cancelled = sqlite3_column_int(st, 10);
	act->cancel_reason = arena_strdup(a, db_col_text(st, 11));
	act->sample = sqlite3_column_int(st, 12);
	act->confirmed = sqlite3_column_int64(st, 13);
	act->waiting = sqlite3_column_int64(st, 14);
}

void
activity_row(struct req *r, sqlite3_stmt *st, struct activity *act)
{
	row_into(r->a, st, act);
}

int
activity_load(struct req *r, long long id, struct activity *act, int *rc)
{
	return activity_read(r->app->db, r->a, id, act, rc);
}

int
activity_read(struct db *db, struct arena *a, long long id,
    struct activity *act, int *rc)
{
	sqlite3_stmt *st = db_prep(db, sql_activity);
	if (st == NULL) {
		if (rc)
			*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_int(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		row_into(a, st, act);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		if (rc)
			*rc = step;
		return -1;
	}
	return step == SQLITE_ROW;
}

const char *
activity_state(const struct activity *act, const char *now)
{
	if (act->cancelled)
		return ACTIVITY_CANCELLED;
	if (strcmp(act->ends_at, now) <= 0)
		return ACTIVITY_ENDED;
	if (strcmp(act->starts_at, now) <= 0)
		return ACTIVITY_RUNNING;
	if (strcmp(act->deadline, now) <= 0)
		return ACTIVITY_CLOSED;
	return ACTIVITY_OPEN;
}

int
activity_open(const struct activity *act, const char *now)
{
	return !act->cancelled && strcmp(act->starts_at, now) > 0 &&
	    strcmp(act->deadline, now) > 0;
}
