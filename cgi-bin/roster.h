/*
 * roster.h - the places of a volunteer activity: moving people up from
 * the wait-list when places free up.  Shared by the public cancel link
 * (page-volunteer.c) and the staff roster (page-staff-volunteer.c), so
 * the rule — first come, first confirmed — is written once.
 */
#ifndef ZJ_ROSTER_H
#define ZJ_ROSTER_H

struct actor;
struct arena;
struct db;

/*
 * Inside the caller's open transaction: confirm wait-listed (候补)
 * sign-ups of activity_id, lowest sign-up id first, until the confirmed
 * count reaches the activity's capacity; each moved sign-up gets the
 * public event 已确认 "候补转为正式" by who (a member of staff, or nobody:
 * the system) and a text (outbox, MSG_SIGNUP_PROMOTED).  *moved (may be NULL) gets the moved references joined by
 * "、" ("" when nobody moved), from a.  Does not look at whether the activity
 * is cancelled or started: the caller decides whether to call.  Returns
 * SQLITE_DONE, or the failing SQLite code (the caller rolls back).
 */
int roster_fill(struct db *db, const struct actor *who, struct arena *a,
    long long activity_id, const char **moved);

#endif
