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

/* Roles, as route.access masks. */
#define ROLE_ADMIN    1u   /* 管理员: everything */
#define ROLE_REVIEWER 2u   /* 审核员: 入会 and 志愿服务 of their districts */
#define ROLE_LEGAL    4u   /* 法律援助专员: 法律援助 of their districts */
#define ROLES_ALL     (ROLE_ADMIN | ROLE_REVIEWER | ROLE_LEGAL)

#define SESSION_IDLE     (30 * 60)       /* seconds without a request */
#define SESSION_ABSOLUTE (12 * 60 * 60)  /* seconds since login */
#define LOCK_AFTER       5               /* failed logins in a row */
#define LOCK_SECONDS     (15 * 60)

struct staff {
	long long id, session_id;
	long long district_id;    /* 0: every district */
	const char *username, *display_name;
	const char *role;         /* "admin", "reviewer", "legal" */
	const char *role_label;   /* 管理员, 审核员, 法律援助专员 */
	const char *district;     /* district name, "" for all */
	const char *csrf;         /* this session's CSRF token */
	unsigned roles;           /* ROLE_* bit of role */
	int must_change;          /* a reset: a new password before anything */
};

/* The logged-in member of staff of r (set by staff_authorize), or NULL. */
const struct staff *staff_of(const struct req *r);

/* ROLE_* bit of a role name; 0 when unknown. */
unsigned role_bit(const char *role);
/* 管理员 / 审核员 / 法律援助专员 for a role name. */
const char *role_label(const char *role);

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
 * Start a session for staff member id after a successful login: a new
 * 256-bit token (the cookie), stored as its SHA-256.  Returns 0 or -1.
 */
int staff_session_start(struct req *r, long long staff_id);
/* End r's session on the server and clear the cookie. */
void staff_session_end(struct req *r);
/* End every session of a member of staff (disabled, password reset). */
void staff_sessions_drop(struct req *r, long long staff_id);
/* The session cookie's name: __Host-zj_staff over HTTPS, else zj_staff. */
const char *staff_cookie_name(const struct req *r);

/* 1 when the member of staff may see records of district_id. */
int staff_sees_district(const struct staff *s, long long district_id);

/*
 * Append to the audit log: who (from r), when, from which address, what
 * (action, e.g. "login", "join.approve", "view.idcard", "export"), on what
 * (target, e.g. a reference) and detail.  Failures are logged, not shown.
 */
void audit(struct req *r, const char *action, const char *target,
    const char *detail);
/* The same for a login attempt, before there is a session. */
void audit_as(struct req *r, long long staff_id, const char *username,
    const char *action, const char *detail);

#endif
