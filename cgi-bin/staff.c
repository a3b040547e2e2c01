/*
 * staff.c - staff sessions, roles, CSRF and the audit log.
 */
#include "staff.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "sign.h"
#include "util.h"

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

static const struct {
	const char *name, *label;
	unsigned bit;
} roles[] = {
	{"admin", "管理员", ROLE_ADMIN},
	{"reviewer", "审核员", ROLE_REVIEWER},
	{"legal", "法律援助专员", ROLE_LEGAL},
};

unsigned
role_bit(const char *role)
{
	for (size_t i = 0; i < ZJ_NELEM(roles); i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].bit;
	return 0;
}

const char *
role_label(const char *role)
{
	for (size_t i = 0; i < ZJ_NELEM(roles); i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].label;
	return role;
}

const struct staff *
staff_of(const struct req *r)
{
	return r->user;
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
			if ((st = db_prep(r->app->db, sql_end)) != NULL) {
				db_bind_int(st, 1, sid);
				db_exec_stmt(r->app->db, st);
			}
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
		if (now - seen > 60 && (st = db_prep(r->app->db, sql_touch)) != NULL) {
			/* A minute's precision is enough for the idle timeout and
			 * spares a write on every request. */
			db_bind_int(st, 1, sid);
			db_bind_int(st, 2, now);
			db_exec_stmt(r->app->db, st);
		}
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

int
staff_verify_post(struct req *r)
{
	const struct staff *s = staff_of(r);
	const char *sent = req_field(r, "_csrf");
	if (s == NULL || sent == NULL || strlen(sent) != strlen(s->csrf) ||
	    !ct_equal(sent, s->csrf, strlen(s->csrf))) {
		audit(r, "csrf.refused", r->path, "");
		resp_error(r, 403, NULL);
		return -1;
	}
	return 0;
}

int
staff_session_start(struct req *r, long long staff_id)
{
	char hash[65];
	const char *token = random_hex(r->a, 32);
	const char *csrf = random_hex(r->a, 16);
	long long now = (long long)time(NULL);
	if (token == NULL || csrf == NULL)
		return -1;
	token_hash(token, hash);
	sqlite3_stmt *st = db_prep(r->app->db, sql_expire);
	if (st != NULL) {
		db_bind_int(st, 1, now - SESSION_IDLE);
		db_bind_int(st, 2, now - SESSION_ABSOLUTE);
		db_exec_stmt(r->app->db, st);
	}
	if ((st = db_prep(r->app->db, sql_start)) == NULL)
		return -1;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, staff_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, r->remote_addr);
	if (db_exec_stmt(r->app->db, st) != SQLITE_DONE)
		return -1;
	return resp_cookie(r, staff_cookie_name(r), token, -1);
}

void
staff_session_end(struct req *r)
{
	const struct staff *s = staff_of(r);
	if (s != NULL) {
		sqlite3_stmt *st = db_prep(r->app->db, sql_end);
		if (st != NULL) {
			db_bind_int(st, 1, s->session_id);
			db_exec_stmt(r->app->db, st);
		}
	}
	resp_cookie(r, staff_cookie_name(r), "", 0);
}

void
staff_sessions_drop(struct req *r, long long staff_id)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_drop);
	if (st != NULL) {
		db_bind_int(st, 1, staff_id);
		db_exec_stmt(r->app->db, st);
	}
}

static void
audit_write(struct req *r, long long staff_id, const char *username,
    const char *action, const char *target, const char *detail)
{
	char now[32];
	sqlite3_stmt *st = db_prep(r->app->db, sql_audit);
	if (st == NULL)
		return;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, now);
	if (staff_id)
		db_bind_int(st, 2, staff_id);
	db_bind_text(st, 3, username);
	db_bind_text(st, 4, r->remote_addr);
	db_bind_text(st, 5, action);
	db_bind_text(st, 6, target ? target : "");
	db_bind_text(st, 7, detail ? detail : "");
	if (db_exec_stmt(r->app->db, st) != SQLITE_DONE)
		LOG_ERR("audit %s by %s not written", action, username);
}

void
audit_as(struct req *r, long long staff_id, const char *username,
    const char *action, const char *detail)
{
	audit_write(r, staff_id, username, action, "", detail);
}

void
audit(struct req *r, const char *action, const char *target, const char *detail)
{
	const struct staff *s = staff_of(r);
	audit_write(r, s ? s->id : 0, s ? s->username : "", action, target, detail);
}
