/*
 * staff.h - who a staff request comes from and what they may do: roles,
 * server-side sessions, CSRF, district scope, and the audit log.
 *
 * Routes under /staff name the roles that may use them in route.access;
 * a member of staff whose role is not named gets the 404 page, as does one
 * who asks for a record outside their district (staff_sees_district).
 */
#ifndef ZJ_STAFF_H
#define ZJ_STAFF_H

#include "http.h"
#include "vocab.h"   /* roles (ROLE_* are route.access masks), audit actions */

#define SESSION_IDLE     (30 * 60)       /* seconds without a request */
#define SESSION_ABSOLUTE (12 * 60 * 60)  /* seconds since login */
#define SESSION_TOUCH_EVERY 60           /* seconds: last_seen's precision */

struct staff {
	long long id, session_id;
	long long district_id;    /* 0: every district */
	const char *username, *display_name;
	const char *role;         /* ROLE_NAME_* */
	const char *role_label;   /* 管理员, 审核员, 法律援助专员 */
	const char *district;     /* district name, "" for all */
	const char *csrf;         /* this session's CSRF token */
	unsigned roles;           /* ROLE_* bit of role */
	int must_change;          /* a reset: a new password before anything */
};

/* The logged-in member of staff of r (set by staff_authorize), or NULL. */
const struct staff *staff_of(const struct req *r);

struct db;
struct job;

/*
 * Who a write is made for, as audit rows and events record it: a member
 * of staff (staff_id, username) or nobody in particular (0, "": a member
 * of the public, the system), from an address ("cli" for the admin
 * commands).  Plain data, so a write can be handed on without a request.
 */
struct actor {
	long long staff_id;
	const char *username;
	const char *addr;
};

/* The actor of r: its logged-in member of staff (or nobody), from r's
 * address.  In r's arena; cannot fail. */
const struct actor *actor_of(struct req *r);

/*
 * The authorize hook (app.c) for staff routes: finds the session from the cookie
 * (expired after SESSION_IDLE idle or SESSION_ABSOLUTE in all), sends the
 * person to /staff/login when there is none, to /staff/password while a
 * new password is owed, and answers 404 when their role may not use the
 * route.  0 to go on, -1 after answering.
 */
int staff_authorize(struct req *r);

/* The verify_post hook (app.c) for staff routes: the form's _csrf must be the
 * session's (constant time); else 403, nothing changed. */
int staff_verify_post(struct req *r);

/*
 * A new session for r: a 256-bit token, returned (in r's arena; NULL on
 * failure), with its SHA-256 and a new CSRF value put into job j
 * ("session.hash", "session.csrf"), whose function stores them with
 * session_create_from.  Once the job is stored, staff_session_cookie
 * gives r the token as its cookie (resp_cookie's result).
 */
const char *staff_session_new(struct req *r, struct job *j);
int staff_session_cookie(struct req *r, const char *token);
/* In a job function: session_create of who with the job's session.hash
 * and session.csrf (SQLITE_MISUSE when it carries none). */
int session_create_from(struct db *db, const struct actor *who,
    const struct job *in);
/* End r's session on the server with the logout audit entry (job
 * "session.end"), then clear the cookie.  Returns the job's code:
 * SQLITE_DONE, else nothing was ended and the cookie is kept. */
int staff_session_end(struct req *r);

/* 0 when r is a cross-site request by what the browser says of it:
 * Sec-Fetch-Site other than same-origin (or none), or an Origin that is
 * not this site; 1 otherwise, also when the browser sends neither. */
int staff_same_origin(const struct req *r);

/*
 * The sessions table, for a connection and an actor (no request): store a
 * new session of who->staff_id from who->addr, keyed by the SHA-256 hex
 * of its token, after deleting every expired one; delete one session; end
 * every session of a member of staff (disabled, password reset).  Each
 * returns SQLITE_DONE or the failing SQLite code (logged).
 */
int session_create(struct db *db, const struct actor *who, const char *hash,
    const char *csrf);
int session_delete(struct db *db, long long session_id);
int sessions_drop(struct db *db, long long staff_id);
/* The session cookie's name: __Host-zj_staff over HTTPS, else zj_staff. */
const char *staff_cookie_name(const struct req *r);

/* 1 when the member of staff may see records of district_id. */
int staff_sees_district(const struct staff *s, long long district_id);

/*
 * The record of ref, a reference with this prefix, that r's member of
 * staff may see: sql (?1 the reference; column 2 the record's district)
 * stepped to its row — reset it when done — or NULL after answering 404
 * (no such reference, or outside the person's district) or 500.
 */
struct sqlite3_stmt *staff_record(struct req *r, const char *sql, const char *ref,
    const char *prefix);

/*
 * Append to the audit log: who (staff id, username, address), when, what
 * (action, one of vocab.h's AUDIT_*), on what (target, e.g. a reference;
 * NULL is "") and detail (NULL is "").  Returns SQLITE_DONE or the
 * failing SQLite code; a failure is also logged.
 */
int audit(struct db *db, const struct actor *who, const char *action,
    const char *target, const char *detail);

#endif
