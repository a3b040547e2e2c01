/*
 * page-staff-volunteer.h - what the three files of the staff 志愿服务 pages
 * share, and nothing else includes: page-staff-volunteer.c (the list, the
 * route table, and the activity every page loads), page-staff-activity.c
 * (the activity form: new, edit) and page-staff-roster.c (the roster and
 * what is posted from it: cancel, attend, remove).
 */
#ifndef ZJ_PAGE_STAFF_VOLUNTEER_H
#define ZJ_PAGE_STAFF_VOLUNTEER_H

#include <stddef.h>

#include "activity.h"

struct actor;
struct arena;
struct db;
struct req;
struct staff;
struct tval;

/* ---- page-staff-volunteer.c ---- */

/*
 * Whether s may change act: admin any; anyone else only an activity of a
 * district they see (city-wide ones are the admin's).  Cannot fail.
 */
int may_edit_activity(const struct staff *s, const struct activity *act);

/*
 * The route's activity ({id}, path parameter 0) when the person may see
 * it (edit: may change it), from the arena.  NULL after answering: 404
 * when it is not there or is another district's, else the database
 * failure.
 */
struct activity *route_activity(struct req *r, int edit);

/*
 * What the list and the roster show of act at now (UTC ISO text): a map
 * from the arena.  Cannot fail.
 */
struct tval *activity_view(struct req *r, const struct activity *act,
    const char *now);

/*
 * Inside a job: a public event (status, note) by who on every live
 * sign-up of act, which /status shows them, and a text of kind (MSG_*,
 * outbox.h; NULL: none) about act's title, start and place.  Returns
 * SQLITE_DONE, or the failing code; *n (may be NULL) gets how many were
 * told.
 */
int tell_everyone(struct db *db, const struct actor *who, struct arena *a,
    const struct activity *act, const char *status, const char *note,
    const char *kind, size_t *n);

/*
 * Inside a job: may_edit_activity again, on the writer's connection — may
 * who change an activity of district_id (0: city-wide)?  SQLITE_OK,
 * SQLITE_AUTH when not, or the failing code.
 */
int activity_wall(struct db *db, const struct actor *who, long long district_id);

/*
 * Inside a job: activity id read again into act (strings in a), and what
 * who may do with it in *outcome: OUT_DONE (change it), OUT_GONE (not
 * there, or not who's to change), OUT_CANCELLED.  Returns SQLITE_DONE, or
 * the failing code.
 */
int activity_for_job(struct db *db, const struct actor *who, struct arena *a,
    long long id, struct activity *act, enum outcome *outcome);

/* How many references s, joined by "、", names: 0 for "".  Cannot fail. */
int count_refs(const char *s);

/* ---- route handlers, for the table in page-staff-volunteer.c ---- */

/* page-staff-activity.c */
void activity_new_get(struct req *r);
void activity_new_post(struct req *r);
void activity_edit_get(struct req *r);
void activity_edit_post(struct req *r);

/* page-staff-roster.c */
void roster_get(struct req *r);
void roster_cancel_post(struct req *r);
void roster_attend_post(struct req *r);
void roster_remove_post(struct req *r);

#endif
