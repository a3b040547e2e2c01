/*
 * page-staff-login.c - staff logging in and out, and changing passwords.
 *
 *   GET|POST /staff/login      用户名 + 密码 → a new session
 *   POST     /staff/logout     ends the session on the server
 *   GET|POST /staff/password   change one's own password (forced after a reset)
 *
 * A wrong name, a wrong password, a disabled or a locked account all get
 * the same message and take the same scrypt time, so nobody learns which
 * names exist.  LOCK_AFTER failures in a row lock the account for
 * LOCK_SECONDS; failures from one address make it wait longer each time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "staff.h"
#include "valid.h"

#define ADDR_FREE_FAILURES 5     /* then each failure doubles the wait */
#define ADDR_MAX_WAIT 900        /* seconds */

enum { L_USER, L_PASS, L__N };
static const struct field login_fields[L__N] = {
	[L_USER] = {"username", "用户名", F_TEXT, 1, 1, 32, NULL, NULL, NULL},
	[L_PASS] = {"password", "密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
};

enum { P_OLD, P_NEW, P_AGAIN, P__N };
static const struct field password_fields[P__N] = {
	[P_OLD] = {"current", "当前密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
	[P_NEW] = {"new", "新密码", F_TEXT, 1, 1, 256, NULL,
	    "至少 10 个字符,不能与用户名相同,不能是常见密码", NULL},
	[P_AGAIN] = {"again", "再次输入新密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
};

static const char sql_user[] =
    "SELECT id, username, pwhash, disabled, coalesce(locked_until, ''),"
    "  failed_logins, must_change_pw FROM staff WHERE username = ?1";
static const char sql_fail[] =
    "UPDATE staff SET locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END,"
    "  failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END"
    " WHERE id = ?1";
static const char sql_ok[] =
    "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?1";
static const char sql_rehash[] =
    "UPDATE staff SET pwhash = ?2 WHERE id = ?1";
static const char sql_addr_get[] =
    "SELECT n, last_at FROM login_failures WHERE addr = ?1";
static const char sql_addr_fail[] =
    "INSERT INTO login_failures (addr, n, last_at) VALUES (?1, 1, ?2)"
    " ON CONFLICT (addr) DO UPDATE SET n = n + 1, last_at = ?2";
static const char sql_addr_ok[] =
    "DELETE FROM login_failures WHERE addr = ?1";
static const char sql_pwhash[] =
    "SELECT pwhash FROM staff WHERE id = ?1";
static const char sql_setpw[] =
    "UPDATE staff SET pwhash = ?2, must_change_pw = 0 WHERE id = ?1";

_Static_assert(LOCK_SECONDS % 60 == 0, "the lockout is told in minutes");

/* The one message for every refused login, with the lockout rule as the
 * code applies it. */
static const char *
bad_login(struct req *r)
{
	return arena_printf(r->a, "用户名或密码不正确。连续输错 %d 次,账号将锁定 %d 分钟。",
	    LOCK_AFTER, LOCK_SECONDS / 60);
}

/*
 * Where to go after logging in: a staff page of this site, in printable
 * ASCII (no CR/LF or spaces for a header, no // or \\ for another host),
 * not the login page itself; else NULL.
 */
static const char *
safe_next(const char *next)
{
	if (next == NULL || strncmp(next, "/staff", 6) != 0 ||
	    strncmp(next, "/staff/login", 12) == 0 || strstr(next, "//") ||
	    strchr(next, '\\') || strlen(next) > 512)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return NULL;
	return next;
}

static void
show_login(struct req *r, int status, const struct fresult *res,
    const char *message)
{
	struct tval *ctx = tv_map(r->a);
	const char *next = safe_next(req_query(r, "next"));
	if (next == NULL)
		next = safe_next(req_field(r, "next"));
	if (next)
		tv_puts(r->a, ctx, "next", next);
	if (req_query(r, "expired"))
		tv_puts(r->a, ctx, "notice", "登录已过期,请重新登录。");
	if (req_query(r, "bye"))
		tv_puts(r->a, ctx, "notice", "您已安全退出。");
	pubform_render(r, status, "staff/login", "login", login_fields, L__N, res,
	    ctx, message);
}

static void
login_get(struct req *r)
{
	show_login(r, 200, NULL, NULL);
}

/* Seconds this address must still wait before trying again, or 0. */
static long long
addr_wait(struct req *r, long long now)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_addr_get);
	long long wait = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, r->remote_addr);
	if (sqlite3_step(st) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 0);
		long long last = sqlite3_column_int64(st, 1);
		if (n >= ADDR_FREE_FAILURES) {
			long long need = n - ADDR_FREE_FAILURES >= 10 ? ADDR_MAX_WAIT :
			    1LL << (n - ADDR_FREE_FAILURES);
			if (need > ADDR_MAX_WAIT)
				need = ADDR_MAX_WAIT;
			if (now - last < need)
				wait = need - (now - last);
		}
	}
	sqlite3_reset(st);
	return wait;
}

/* Run sql with ?1 = the address and ?2 = now. */
static void
for_addr(struct req *r, const char *sql, long long now)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return;
	db_bind_text(st, 1, r->remote_addr);
	if (sqlite3_bind_parameter_count(st) > 1)
		db_bind_int(st, 2, now);
	db_exec_stmt(r->app->db, st);
}

/* A hash to check against when the name does not exist, so that a wrong
 * name costs the same scrypt time as a wrong password. */
static const char *
dummy_hash(void)
{
	static char hash[SCRYPT_MCF_LEN];
	if (hash[0] == '\0' && auth_hash_password("no such account", hash) != 0)
		return "";
	return hash;
}

static void
login_post(struct req *r)
{
	struct fresult res[L__N];
	const char *guard = pubform_guard(r, "login");
	/* Both always run: the page shown again needs every result. */
	int errors = form_check(r, login_fields, L__N, res);
	if (guard || errors) {
		show_login(r, 422, res, guard);
		return;
	}
	long long now = (long long)time(NULL);
	long long wait = addr_wait(r, now);
	if (wait > 0) {
		resp_error(r, 429, arena_printf(r->a,
		    "登录尝试过于频繁,请 %lld 秒后再试。", wait));
		return;
	}
	char now_iso[32], lock_iso[32];
	utc_now_iso(now_iso, sizeof(now_iso));
	time_t until = (time_t)(now + LOCK_SECONDS);
	strftime(lock_iso, sizeof(lock_iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&until));

	sqlite3_stmt *st = db_prep(r->app->db, sql_user);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_text(st, 1, res[L_USER].value);
	long long id = 0;
	const char *hash = dummy_hash(), *name = res[L_USER].value;
	int usable = 0, must_change = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		name = arena_strdup(r->a, db_col_text(st, 1));
		hash = arena_strdup(r->a, db_col_text(st, 2));
		const char *locked = db_col_text(st, 4);
		usable = !sqlite3_column_int(st, 3) && strcmp(locked, now_iso) <= 0;
		must_change = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	int match = auth_check_password(hash, res[L_PASS].value) == 1;
	/* Before there is a session: the account tried, or the name typed. */
	const struct actor who = {id, name, r->remote_addr};

	if (!(usable && match)) {
		for_addr(r, sql_addr_fail, now);
		if (id && usable && (st = db_prep(r->app->db, sql_fail)) != NULL) {
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, LOCK_AFTER);
			db_bind_text(st, 3, lock_iso);
			db_exec_stmt(r->app->db, st);
		}
		audit(r->app->db, &who, AUDIT_LOGIN_FAILED, "", id ? (usable ?
		    "wrong password" : "account locked or disabled") : "no such account");
		show_login(r, 422, res, bad_login(r));
		return;
	}
	for_addr(r, sql_addr_ok, now);
	if ((st = db_prep(r->app->db, sql_ok)) != NULL) {
		db_bind_int(st, 1, id);
		db_exec_stmt(r->app->db, st);
	}
	if (auth_needs_rehash(hash)) {
		char fresh[SCRYPT_MCF_LEN];
		if (auth_hash_password(res[L_PASS].value, fresh) == 0 &&
		    (st = db_prep(r->app->db, sql_rehash)) != NULL) {
			db_bind_int(st, 1, id);
			db_bind_text(st, 2, fresh);
			db_exec_stmt(r->app->db, st);
		}
	}
	if (staff_session_start(r, &who) != 0) {
		resp_error(r, 500, NULL);
		return;
	}
	audit(r->app->db, &who, AUDIT_LOGIN, "", "");
	const char *next = safe_next(req_field(r, "next"));
	if (must_change)
		next = "/staff/password";
	else if (next == NULL)
		next = "/staff";
	resp_redirect(r, 303, next);
}

static void
logout_post(struct req *r)
{
	audit(r->app->db, actor_of(r), AUDIT_LOGOUT, "", "");
	staff_session_end(r);
	resp_redirect(r, 303, "/staff/login?bye=1");
}

static void
show_password(struct req *r, int status, const struct fresult *res,
    const char *message)
{
	struct tval *ctx = tv_map(r->a);
	tv_putb(r->a, ctx, "forced", staff_of(r)->must_change);
	struct tval *view = form_view(r, password_fields, P__N, res);
	/* Passwords are never sent back into the page. */
	for (size_t i = 0; i < P__N; i++)
		tv_puts(r->a, tv_get(view, password_fields[i].name), "value", "");
	tv_put(r->a, ctx, "f", view);
	if (message)
		tv_puts(r->a, ctx, "form_error", message);
	resp_render(r, status, "staff/password", ctx);
}

static void
password_get(struct req *r)
{
	show_password(r, 200, NULL, NULL);
}

static void
password_post(struct req *r)
{
	const struct staff *s = staff_of(r);
	struct fresult res[P__N];
	int errors = form_check(r, password_fields, P__N, res);
	sqlite3_stmt *st = db_prep(r->app->db, sql_pwhash);
	const char *hash = "";
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_int(st, 1, s->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		hash = arena_strdup(r->a, db_col_text(st, 0));
	sqlite3_reset(st);
	if (!res[P_OLD].error && auth_check_password(hash, res[P_OLD].value) != 1)
		res[P_OLD].error = "当前密码不正确", errors++;
	const char *why;
	if (!res[P_NEW].error && (why = auth_password_problem(s->username, res[P_NEW].value))) {
		res[P_NEW].error = why;
		errors++;
	}
	if (!res[P_NEW].error && strcmp(res[P_NEW].value, res[P_OLD].value) == 0) {
		res[P_NEW].error = "新密码不能与当前密码相同";
		errors++;
	}
	if (!res[P_AGAIN].error && strcmp(res[P_NEW].value, res[P_AGAIN].value) != 0) {
		res[P_AGAIN].error = "两次输入的新密码不一致";
		errors++;
	}
	if (errors) {
		show_password(r, 422, res, NULL);
		return;
	}
	char fresh[SCRYPT_MCF_LEN];
	if (auth_hash_password(res[P_NEW].value, fresh) != 0 ||
	    (st = db_prep(r->app->db, sql_setpw)) == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, fresh);
	int rc = db_exec_stmt(r->app->db, st);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	audit(r->app->db, actor_of(r), AUDIT_PASSWORD_CHANGE, s->username, "");
	resp_redirect(r, 303, "/staff?password=1");
}

const struct route page_staff_login_routes[] = {
	{"GET", "/staff/login", login_get, ACCESS_PUBLIC, NULL},
	{"POST", "/staff/login", login_post, ACCESS_PUBLIC, NULL},
	{"POST", "/staff/logout", logout_post, ROLES_ALL, NULL},
	{"GET", "/staff/password", password_get, ROLES_ALL, NULL},
	{"POST", "/staff/password", password_post, ROLES_ALL, NULL},
	{0},
};
