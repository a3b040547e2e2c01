/*
 * activity.h - a 志愿服务 activity as both the public pages and the staff
 * desk read it: one struct, one column list, one loader.
 */
#ifndef ZJ_ACTIVITY_H
#define ZJ_ACTIVITY_H

#include <sqlite3.h>

#include "vocab.h"

struct arena;
struct db;
struct req;

struct activity {
	long long id, district_id, capacity, confirmed, waiting;
	const char *title, *description, *starts_at, *ends_at, *place;
	const char *district, *deadline, *cancel_reason;
	int cancelled, sample;
};

/*
 * The columns activity_row reads, from "activities a" joined with its
 * district; desc is the description column ("a.description", or "''"
 * for lists that do not show it).  Follow with WHERE/ORDER.
 */
#define ACTIVITY_COLS(desc) \
    "a.id, a.title, " desc ", a.starts_at, a.ends_at, a.place," \
    " coalesce(a.district_id, 0), coalesce(d.name, ''), a.capacity," \
    " a.deadline, a.cancelled, a.cancel_reason, a.sample," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '" SIGNUP_CONFIRMED "')," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '" SIGNUP_WAITING "')" \
    " FROM activities a LEFT JOIN districts d ON d.id = a.district_id"

/* Copy the ACTIVITY_COLS row st is on into act (strings in r's arena). */
void activity_row(struct req *r, sqlite3_stmt *st, struct activity *act);

/*
 * Load activity id into *act, whoever asks (callers check who may see
 * it): 1 found, 0 not there, -1 on an SQLite error (its code in *rc when
 * rc is not NULL).
 */
int activity_load(struct req *r, long long id, struct activity *act, int *rc);
/* The same on a connection, strings in a (for the database part of a
 * write, which has no request). */
int activity_read(struct db *db, struct arena *a, long long id,
    struct activity *act, int *rc);

/* What act is at now (UTC ISO text): ACTIVITY_OPEN, _CLOSED (the sign-up
 * deadline has passed), _RUNNING, _ENDED or _CANCELLED.  Cannot fail. */
const char *activity_state(const struct activity *act, const char *now);
/* 1 while act takes sign-ups at now: not cancelled, neither started nor
 * past its deadline. */
int activity_open(const struct activity *act, const char *now);

/* What a write on an activity or its sign-ups found when it re-read its
 * rows inside its transaction. */
enum outcome {
	OUT_DONE,       /* made (a sign-up: stored) */
	OUT_GONE,       /* the activity (or sign-up) is not there */
	OUT_CANCELLED,  /* the activity is cancelled */
	OUT_CLOSED,     /* it takes no sign-ups any more */
	OUT_DUPLICATE,  /* the phone has signed up already */
	OUT_TOO_FEW,    /* fewer places than people already confirmed */
};

#endif
