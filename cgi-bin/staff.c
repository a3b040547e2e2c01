/*
 * staff.c - staff sessions, roles, CSRF and the audit log.
 */
#include "staff.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "pubform.h"
#include "sign.h"
#include "store.h"
#include "util.h"
#include "vocab.h"
#include "writer.h"

static const char sql_session[] =
    "SELECT s.id, s.csrf, s.created_at, s.last_seen, t.id, t.username,"
    "  t.display_name, t.role, coalesce(t.district_id, 0),"
    "  coalesce(d.name, ''), t.must_change_pw, t.disabled"
    " FROM sessions s JOIN staff t ON t.id = s.staff_id"
    " LEFT JOIN districts d ON d.id = t.district_id"
    " WHERE s.token_hash = ?1";
static const char sql_touch[] =
    "UPDATE sessions SET last_seen = ?2 WHERE id = ?1";
static const char sql_end[] =
    "DELETE FROM sessions WHERE id = ?1";
static const char sql_drop[] =
    "DELETE FROM sessions WHERE staff_id = ?1";
static const char sql_start[] =
    "INSERT INTO sessions (token_hash, staff_id, csrf, created_at, last_seen, addr)"
    " VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char sql_expire[] =
    "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2";
static const char sql_audit[] =
    "INSERT INTO audit (at, staff_id, username, addr, action, target, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const struct staff *
staff_of(const struct req *r)
{
	return r->user;
}

const struct actor *
actor_of(struct req *r)
{
	const struct staff *s = staff_of(r);
	struct actor *who = arena_alloc(r->a, sizeof(*who));
	*who = (struct actor){s ? s->id : 0, s ? s->username : "", r->remote_addr};
	return who;
}

const char *
staff_cookie_name(const struct req *r)
{
	return r->app->secure_cookies ? "__Host-zj_staff" : "zj_staff";
}

int
staff_sees_district(const struct staff *s, long long district_id)
{
	return s->district_id == 0 || s->district_id == district_id;
}

int
session_create(struct db *db, const struct actor *who, const char *hash,
    const char *csrf)
{
	long long now = (long long)time(NULL);
	sqlite3_stmt *st = db_prep(db, sql_expire);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, now - SESSION_IDLE);
	db_bind_int(st, 2, now - SESSION_ABSOLUTE);
	int rc = db_exec_stmt(db, st);
	if (rc != SQLITE_DONE || (st = db_prep(db, sql_start)) == NULL)
		return rc != SQLITE_DONE ? rc : SQLITE_ERROR;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, who->staff_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, who->addr);
	return db_exec_stmt(db, st);
}

/* Run sql, whose ?1 is id (and ?2, when it has one, v2). */
static int
exec_id(struct db *db, const char *sql, long long id, long long v2)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	if (sqlite3_bind_parameter_count(st) > 1)
		db_bind_int(st, 2, v2);
	return db_exec_stmt(db, st);
}

int
session_delete(struct db *db, long long session_id)
{
	return exec_id(db, sql_end, session_id, 0);
}

int
sessions_drop(struct db *db, long long staff_id)
{
	return exec_id(db, sql_drop, staff_id, 0);
}

/*
 * Job "session.touch": session "id" seen at "now" (seconds).  Job
 * "session.end": session "id" deleted, with the logout audit entry by the
 * job's actor when "audit" is 1 (logout) and none when 0 (an expired or
 * disabled account's session found by a request).
 */
static int
session_touch_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	(void)a, (void)out;
	return exec_id(db, sql_touch, job_int(in, "id", 0), job_int(in, "now", 0));
}

static int
session_end_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)a, (void)out;
	int rc = session_delete(db, job_int(in, "id", 0));
	if (rc == SQLITE_DONE && job_int(in, "audit", 0)) {
		job_actor(in, &who);
		rc = audit(db, &who, AUDIT_LOGOUT, "", "");
	}
	return rc;
}

/* Job "csrf.refuse": the audit entry of a refused staff POST to "path",
 * by the job's actor. */
static int
csrf_refuse_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)a, (void)out;
	job_actor(in, &who);
	return audit(db, &who, AUDIT_CSRF_REFUSED, job_text(in, "path"), "");
}

const struct job_type staff_jobs[] = {
	{"session.touch", session_touch_job},
	{"session.end", session_end_job},
	{"csrf.refuse", csrf_refuse_job},
	{0},
};

/* Send job name for session sid of r (by r's actor); its code. */
static int
session_job(struct req *r, const char *name, long long sid, int with_audit)
{
	struct job in, out;
	job_init(&in, name);
	job_put_int(&in, "id", sid);
	job_put_int(&in, "now", (long long)time(NULL));
	job_put_int(&in, "audit", with_audit);
	int rc = store_job(r, &in, &out);
	if (rc != SQLITE_DONE)
		LOG_ERR("%s of session %lld: %s", name, sid, sqlite3_errstr(rc));
	return rc;
}

/* SHA-256 hex of a cookie token: what the sessions table keys on. */
static void
token_hash(const char *token, char out[65])
{
	unsigned char d[32];
	sha256(token, strlen(token), d);
	hex_encode(d, 32, out);
}

/* The session of r's cookie, or NULL (expired ones are deleted). */
static struct staff *
load_session(struct req *r)
{
	const char *token = req_cookie(r, staff_cookie_name(r));
	char hash[65];
	if (token == NULL || strlen(token) != 64)
		return NULL;
	token_hash(token, hash);
	sqlite3_stmt *st = db_prep(r->app->db, sql_session);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, hash);
	struct staff *s = NULL;
	long long now = (long long)time(NULL);
	if (sqlite3_step(st) == SQLITE_ROW) {
		long long created = sqlite3_column_int64(st, 2);
		long long seen = sqlite3_column_int64(st, 3);
		int disabled = sqlite3_column_int(st, 11);
		long long sid = sqlite3_column_int64(st, 0);
		if (now - seen > SESSION_IDLE || now - created > SESSION_ABSOLUTE || disabled) {
			sqlite3_reset(st);
			/* Ended whether or not the delete is stored: the next
			 * login's session_create sweeps what is left. */
			session_job(r, "session.end", sid, 0);
			return NULL;
		}
		struct arena *a = r->a;
		s = arena_calloc(a, 1, sizeof(*s));
		s->session_id = sid;
		s->csrf = arena_strdup(a, db_col_text(st, 1));
		s->id = sqlite3_column_int64(st, 4);
		s->username = arena_strdup(a, db_col_text(st, 5));
		s->display_name = arena_strdup(a, db_col_text(st, 6));
		s->role = arena_strdup(a, db_col_text(st, 7));
		s->role_label = role_label(s->role);
		s->roles = role_bit(s->role);
		s->district_id = sqlite3_column_int64(st, 8);
		s->district = arena_strdup(a, db_col_text(st, 9));
		s->must_change = sqlite3_column_int(st, 10);
		sqlite3_reset(st);
		if (now - seen >= SESSION_TOUCH_EVERY)
			/* A minute's precision is enough for the idle timeout and
			 * spares a write on almost every request.  A touch that
			 * fails costs the session at most a minute of idle time:
			 * the request goes on. */
			session_job(r, "session.touch", sid, 0);
		return s;
	}
	sqlite3_reset(st);
	return NULL;
}

static int
is_path(const struct req *r, const char *path)
{
	return strcmp(r->path, path) == 0;
}

int
staff_authorize(struct req *r)
{
	struct staff *s = load_session(r);
	if (s == NULL) {
		if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
			/* The path as typed may hold anything: encode it. */
			struct buf b = {0};
			buf_puts(&b, "/staff/login?next=");
			buf_put_urlencoded(&b, r->path, 1);
			resp_redirect(r, 302, arena_strdup(r->a, b.p));
			buf_free(&b);
		} else
			resp_redirect(r, 303, "/staff/login?expired=1");
		return -1;
	}
	r->user = s;
	if (s->must_change && !is_path(r, "/staff/password") && !is_path(r, "/staff/logout")) {
		resp_redirect(r, strcmp(r->method, "POST") == 0 ? 303 : 302, "/staff/password");
		return -1;
	}
	if ((r->route->access & s->roles) == 0) {
		resp_error(r, 404, NULL);
		return -1;
	}
	return 0;
}

/* A request header (HTTP_NAME as FastCGI passes it), or NULL. */
static const char *
header_of(const struct req *r, const char *param)
{
	const char *v = r->io.param ? r->io.param(r->io.ctx, param) : NULL;
	return v && *v ? v : NULL;
}

int
staff_same_origin(const struct req *r)
{
	const char *site = header_of(r, "HTTP_SEC_FETCH_SITE");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	const char *origin = header_of(r, "HTTP_ORIGIN");
	if (origin == NULL)
		return 1;   /* an older browser, or not a browser: the token decides */
	/* Debian's fastcgi_params pass HTTP_HOST as nginx's $host: without
	 * the port, which the Origin has when it is not the scheme's. */
	const char *host = header_of(r, "HTTP_HOST");
	const char *port = header_of(r, "SERVER_PORT");
	const char *scheme = r->https ? "https://" : "http://";
	size_t n = strlen(scheme), h = host ? strlen(host) : 0;
	if (host == NULL || strncmp(origin, scheme, n) != 0 ||
	    strncmp(origin + n, host, h) != 0)
		return 0;
	const char *rest = origin + n + h;
	if (*rest == '\0')
		return port == NULL || strcmp(port, r->https ? "443" : "80") == 0;
	return rest[0] == ':' && port && strcmp(rest + 1, port) == 0;
}

int
staff_verify_post(struct req *r)
{
	const struct staff *s = staff_of(r);
	const char *sent = req_field(r, "_csrf");
	if (s == NULL || sent == NULL || strlen(sent) != strlen(s->csrf) ||
	    !ct_equal(sent, s->csrf, strlen(s->csrf)) || !staff_same_origin(r)) {
		struct job in, out;
		job_init(&in, "csrf.refuse");
		job_put_text(&in, "path", r->path);
		int rc = store_job(r, &in, &out);
		if (rc != SQLITE_DONE)
			LOG_ERR("csrf.refuse of %s: %s", r->path, sqlite3_errstr(rc));
		resp_error(r, 403, NULL);
		return -1;
	}
	return 0;
}

const char *
staff_session_new(struct req *r, struct job *j)
{
	char hash[65];
	const char *token = random_hex(r->a, 32);
	const char *csrf = random_hex(r->a, 16);
	if (token == NULL || csrf == NULL)
		return NULL;
	token_hash(token, hash);
	if (job_put_text(j, "session.hash", hash) != 0 ||
	    job_put_text(j, "session.csrf", csrf) != 0)
		return NULL;
	return token;
}

int
staff_session_cookie(struct req *r, const char *token)
{
	return resp_cookie(r, staff_cookie_name(r), token, -1);
}

int
session_create_from(struct db *db, const struct actor *who, const struct job *in)
{
	const char *hash = job_text(in, "session.hash");
	const char *csrf = job_text(in, "session.csrf");
	if (hash == NULL || csrf == NULL)
		return SQLITE_MISUSE;
	return session_create(db, who, hash, csrf);
}

int
staff_session_end(struct req *r)
{
	const struct staff *s = staff_of(r);
	int rc = s ? session_job(r, "session.end", s->session_id, 1) : SQLITE_DONE;
	if (rc == SQLITE_DONE)
		resp_cookie(r, staff_cookie_name(r), "", 0);
	return rc;
}

int
audit(struct db *db, const struct actor *who, const char *action,
    const char *target, const char *detail)
{
	char now[32];
	sqlite3_stmt *st = db_prep(db, sql_audit);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, now);
	if (who->staff_id)
		db_bind_int(st, 2, who->staff_id);
	db_bind_text(st, 3, who->username);
	db_bind_text(st, 4, who->addr);
	db_bind_text(st, 5, action);
	db_bind_text(st, 6, target ? target : "");
	db_bind_text(st, 7, detail ? detail : "");
	int rc = db_exec_stmt(db, st);
	if (rc != SQLITE_DONE)
		LOG_ERR("audit %s by %s not written", action, who->username);
	return rc;
}

sqlite3_stmt *
staff_record(struct req *r, const char *sql, const char *ref, const char *prefix)
{
	if (!ref_ok(ref, prefix)) {
		resp_error(r, 404, NULL);
		return NULL;
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return NULL;
	}
	db_bind_text(st, 1, ref);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    staff_sees_district(staff_of(r), sqlite3_column_int64(st, 2)))
		return st;
	sqlite3_reset(st);
	resp_error(r, rc == SQLITE_ROW || rc == SQLITE_DONE ? 404 : 500, NULL);
	return NULL;
}
