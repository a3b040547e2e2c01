/*
 * page-staff-login.c - staff logging in and out, and changing passwords.
 *
 *   GET|POST /staff/login      用户名 + 密码 → a new session
 *   POST     /staff/logout     ends the session on the server
 *   GET|POST /staff/password   change one's own password (forced after a reset)
 *
 * A wrong name, a wrong password and a disabled account all get the same
 * message and take the same scrypt time, so nobody learns which names
 * exist.  Nothing locks an account: after FREE_FAILURES, failures slow
 * down the name typed (a first wait of NAME_FIRST_WAIT) and the address
 * (an IPv6 /64; ADDR_FIRST_WAIT) with waits that double with each further
 * failure up to MAX_WAIT, and are forgotten one every FAILURE_DECAY
 * seconds.
 * A browser that has logged in to an account carries a signed device
 * cookie for it (OWASP "device cookie"): with the right password it gets
 * in at once whatever strangers did; only unknown devices bear the waits.
 * A device that fails DEVICE_FAILURES times counts as unknown again.
 *
 * Every write is one job per outcome: "login.fail" (the counters and the
 * audit entry), "login.ok" (the counters cleared, the rehash, the session,
 * the audit entry), "login.password" (the new hash, every session of the
 * account ended, a new one for this browser, the audit entry).  A login
 * whose job fails is refused (503): the throttle fails closed.
 * At most auth_slots() scrypt computations run at once (auth.h); beyond
 * that the page answers 429 without hashing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "writer.h"

#define FREE_FAILURES 5          /* then each failure doubles the wait */
#define NAME_FIRST_WAIT 30       /* seconds: a name's first wait */
#define ADDR_FIRST_WAIT 5        /* seconds: an address's (staff share NATs) */
#define MAX_WAIT 900             /* seconds */
#define FAILURE_DECAY 300        /* seconds for one failure to be forgotten */
#define DEVICE_FAILURES 10       /* a known device failing this often is not */
#define DEVICE_MAX_AGE (365L * 86400)

_Static_assert(MAX_WAIT % 60 == 0, "the longest wait is told in minutes");

enum { L_USER, L_PASS, L__N };
static const struct field login_fields[L__N] = {
	[L_USER] = {"username", "用户名", F_TEXT, 1, 1, 32, NULL, NULL, NULL},
	[L_PASS] = {"password", "密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
};

enum { P_OLD, P_NEW, P_AGAIN, P__N };
static const struct field password_fields[P__N] = {
	[P_OLD] = {"current", "当前密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
	[P_NEW] = {"new", "新密码", F_TEXT, 1, 1, 256, NULL,
	    "至少 12 个字符,不能与用户名相同,不能以 zhijia 开头,不能是常见密码", NULL},
	[P_AGAIN] = {"again", "再次输入新密码", F_TEXT, 1, 1, 256, NULL, NULL, NULL},
};

static const char sql_user[] =
    "SELECT id, username, pwhash, disabled, must_change_pw, coalesce(locked_until, '')"
    " FROM staff WHERE username = ?1";
/* What the accounts page shows as 锁定至 (and 解除锁定 lifts): until
 * when unknown devices must wait for this account. */
static const char sql_wait_until[] =
    "UPDATE staff SET locked_until = ?2 WHERE id = ?1";
/* ?1 key, ?2 now, ?3 FAILURE_DECAY: the failures still remembered. */
static const char sql_fail_get[] =
    "SELECT max(0, n - (?2 - last_at) / ?3), last_at FROM login_failures WHERE addr = ?1";
static const char sql_fail_add[] =
    "INSERT INTO login_failures (addr, n, last_at) VALUES (?1, 1, ?2)"
    " ON CONFLICT (addr) DO UPDATE SET n = max(0, n - (?2 - last_at) / ?3) + 1,"
    " last_at = ?2";
static const char sql_fail_clear[] =
    "DELETE FROM login_failures WHERE addr = ?1";
static const char sql_forget_user[] =
    "DELETE FROM login_failures WHERE addr = 'u:' || lower(?1)";
/* The password checked is still the account's and it is not disabled. */
static const char sql_ok[] =
    "UPDATE staff SET failed_logins = 0, locked_until = NULL,"
    "  pwhash = coalesce(?3, pwhash)"
    " WHERE id = ?1 AND pwhash = ?2 AND disabled = 0";
static const char sql_pwhash[] =
    "SELECT pwhash FROM staff WHERE id = ?1";
static const char sql_setpw[] =
    "UPDATE staff SET pwhash = ?3, must_change_pw = 0, failed_logins = 0,"
    "  locked_until = NULL WHERE id = ?1 AND pwhash = ?2";

/* The one message for every refused login, with the rule as the code
 * applies it. */
static const char *
bad_login(struct req *r)
{
	return arena_printf(r->a, "用户名或密码不正确。连续输错 %d 次后,须等 %d 秒才能再试,"
	    "此后每错一次等待加倍(最长 %d 分钟);在这个浏览器上登录成功过的账号不受影响。",
	    FREE_FAILURES, NAME_FIRST_WAIT, MAX_WAIT / 60);
}

/* ---- the counters: keys "a:ADDRESS", "u:name", "d:DEVICE" ---- */

/* The address key: an IPv4 address as it is, an IPv6 one as its /64
 * (one subscriber holds a whole /64). */
static const char *
addr_key(struct arena *a, const char *addr)
{
	struct in6_addr v6;
	char text[INET6_ADDRSTRLEN];
	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, &v6) != 1)
		return arena_printf(a, "a:%s", addr);
	memset(v6.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &v6, text, sizeof(text)) == NULL)
		return arena_printf(a, "a:%s", addr);
	return arena_printf(a, "a:%s/64", text);
}

/* The name key, as sql_forget_user makes it (names are ASCII). */
static const char *
user_key(struct arena *a, const char *name)
{
	char *k = arena_printf(a, "u:%s", name);
	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return k;
}

/* Failures still remembered under key, and when the last one was. */
static long long
failures(struct db *db, const char *key, long long now, long long *last)
{
	sqlite3_stmt *st = db_prep(db, sql_fail_get);
	long long n = 0;
	*last = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, FAILURE_DECAY);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return n;
}

/* The wait after n failures: none up to FREE_FAILURES, then first,
 * doubled with each failure after, at most MAX_WAIT. */
static long long
wait_after(long long n, long long first)
{
	if (n < FREE_FAILURES)
		return 0;
	long long need = n - FREE_FAILURES >= 10 ? MAX_WAIT : first << (n - FREE_FAILURES);
	return need > MAX_WAIT ? MAX_WAIT : need;
}

/* Seconds key must still wait before the next try, or 0. */
static long long
key_wait(struct db *db, const char *key, long long now, long long first)
{
	long long last, need = wait_after(failures(db, key, now, &last), first);
	return now - last < need ? need - (now - last) : 0;
}

/* Seconds since the epoch of a UTC "YYYY-MM-DDTHH:MM:SSZ", or 0. */
static long long
iso_seconds(const char *iso)
{
	struct tm tm = {0};
	const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return end && *end == '\0' ? (long long)timegm(&tm) : 0;
}

/* Run sql (a statement of the counters) for key at now. */
static int
for_key(struct db *db, const char *sql, const char *key, long long now)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, key);
	if (sqlite3_bind_parameter_count(st) > 1) {
		db_bind_int(st, 2, now);
		db_bind_int(st, 3, FAILURE_DECAY);
	}
	return db_exec_stmt(db, st);
}

int
login_failures_forget_user(struct db *db, const char *username)
{
	sqlite3_stmt *st = db_prep(db, sql_forget_user);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, username);
	return db_exec_stmt(db, st);
}

/* Run sql for each of the job's keys "key.0", "key.1", … */
static int
for_job_keys(struct db *db, const struct job *in, const char *sql)
{
	char name[16];
	const char *key;
	int rc = SQLITE_DONE;
	long long now = job_int(in, "now", 0);
	for (int i = 0; rc == SQLITE_DONE; i++) {
		snprintf(name, sizeof(name), "key.%d", i);
		if ((key = job_text(in, name)) == NULL)
			break;
		rc = for_key(db, sql, key, now);
	}
	return rc;
}

/* ---- the device cookie: "NONCE.MAC", MAC over the name and NONCE ---- */

static const char *
device_cookie_name(const struct req *r)
{
	return r->app->secure_cookies ? "__Host-zj_device" : "zj_device";
}

/* The MAC of nonce for account name (lower-cased) into out. */
static void
device_mac(const struct req *r, const char *name, const char *nonce, char out[65])
{
	unsigned char d[32];
	const char *msg = arena_printf(r->a, "zj-device\n%s\n%s",
	    user_key(r->a, name) + 2, nonce);
	hmac_sha256(r->app->secret, sizeof(r->app->secret), msg, strlen(msg), d);
	hex_encode(d, sizeof(d), out);
}

/* The nonce of r's device cookie when it is signed for account name, else
 * NULL. */
static const char *
device_of(struct req *r, const char *name)
{
	char mac[65];
	const char *v = req_cookie(r, device_cookie_name(r));
	if (v == NULL || strlen(v) != 32 + 1 + 64 || v[32] != '.')
		return NULL;
	const char *nonce = arena_strndup(r->a, v, 32);
	device_mac(r, name, nonce, mac);
	return ct_equal(mac, v + 33, 64) ? nonce : NULL;
}

/* Give r a new device cookie for account name. */
static void
device_issue(struct req *r, const char *name)
{
	char mac[65];
	const char *nonce = random_hex(r->a, 16);
	if (nonce == NULL)
		return;
	device_mac(r, name, nonce, mac);
	resp_cookie(r, device_cookie_name(r), arena_printf(r->a, "%s.%s", nonce, mac),
	    DEVICE_MAX_AGE);
}

/* ---- the jobs ---- */

/*
 * Job "login.fail": a refused login.  Each of "key.0", … gets one more
 * failure at "now"; when "name_key" is given (counted) and the actor is an
 * account, the account's locked_until becomes the end of the wait its
 * name now has; the audit entry login.failed with "detail", by the job's
 * actor (the account tried, or the name typed).
 */
static int
login_fail_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	long long last, now = job_int(in, "now", 0);
	(void)a, (void)out;
	job_actor(in, &who);
	const char *name_key = job_text(in, "name_key");
	int rc = for_job_keys(db, in, sql_fail_add);
	long long need = name_key ? wait_after(failures(db, name_key, now, &last),
	    NAME_FIRST_WAIT) : 0;
	if (rc == SQLITE_DONE && need > 0 && who.staff_id) {
		char until[32];
		utc_iso((time_t)(now + need), until, sizeof(until));
		sqlite3_stmt *st = db_prep(db, sql_wait_until);
		if (st == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, who.staff_id);
		db_bind_text(st, 2, until);
		rc = db_exec_stmt(db, st);
	}
	if (rc == SQLITE_DONE)
		rc = audit(db, &who, AUDIT_LOGIN_FAILED, "", job_text(in, "detail"));
	return rc;
}

/*
 * Job "login.ok": account "id" logged in with the password whose hash is
 * "hash" (refused with SQLITE_CONSTRAINT when that is no longer its hash
 * or the account was disabled meanwhile); "rehash" (may be absent) the
 * same password with today's parameters; the keys "key.0", … cleared;
 * the session (session_create_from); the audit entry login.
 */
static int
login_ok_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)a, (void)out;
	job_actor(in, &who);
	sqlite3_stmt *st = db_prep(db, sql_ok);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, job_int(in, "id", 0));
	db_bind_text(st, 2, job_text(in, "hash"));
	db_bind_text(st, 3, job_text(in, "rehash"));
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE && sqlite3_changes(db_handle(db)) != 1)
		rc = SQLITE_CONSTRAINT;
	if (rc == SQLITE_DONE)
		rc = for_job_keys(db, in, sql_fail_clear);
	if (rc == SQLITE_DONE)
		rc = session_create_from(db, &who, in);
	if (rc == SQLITE_DONE)
		rc = audit(db, &who, AUDIT_LOGIN, "", "");
	return rc;
}

/*
 * Job "login.password": account "id" (named "username") changes its
 * password from the one hashed as "hash" (SQLITE_CONSTRAINT when that is
 * no longer its hash) to "new"; every session of the account ends, this
 * browser gets a new one (a new token and CSRF value:
 * session_create_from); the failures of its name are forgotten; the audit
 * entry password.change.
 */
static int
login_password_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)a, (void)out;
	job_actor(in, &who);
	long long id = job_int(in, "id", 0);
	const char *user = job_text(in, "username");
	sqlite3_stmt *st = db_prep(db, sql_setpw);
	if (st == NULL || user == NULL || job_text(in, "new") == NULL)
		return st == NULL ? SQLITE_ERROR : SQLITE_MISUSE;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, job_text(in, "hash"));
	db_bind_text(st, 3, job_text(in, "new"));
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE && sqlite3_changes(db_handle(db)) != 1)
		rc = SQLITE_CONSTRAINT;
	if (rc == SQLITE_DONE)
		rc = sessions_drop(db, id);
	if (rc == SQLITE_DONE)
		rc = session_create_from(db, &who, in);
	if (rc == SQLITE_DONE)
		rc = login_failures_forget_user(db, user);
	if (rc == SQLITE_DONE)
		rc = audit(db, &who, AUDIT_PASSWORD_CHANGE, user, "");
	return rc;
}

const struct job_type page_staff_login_jobs[] = {
	{"login.fail", login_fail_job},
	{"login.ok", login_ok_job},
	{"login.password", login_password_job},
	{0},
};

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

/* Put keys[0..n) (NULL ones skipped) into j as "key.0", … */
static void
put_keys(struct job *j, const char *const *keys, size_t n)
{
	char name[16];
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (keys[i] != NULL) {
			snprintf(name, sizeof(name), "key.%d", k++);
			job_put_text(j, name, keys[i]);
		}
}

static void
too_many(struct req *r)
{
	resp_error(r, 429, "登录的人太多,请稍后再试。");
}

static void
login_post(struct req *r)
{
	struct fresult res[L__N];
	struct db *db = r->app->db;
	if (!staff_same_origin(r)) {
		resp_error(r, 403, NULL);
		return;
	}
	const char *guard = pubform_guard(r, "login");
	/* Both always run: the page shown again needs every result. */
	int errors = form_check(r, login_fields, L__N, res);
	if (guard || errors) {
		show_login(r, 422, res, guard);
		return;
	}
	long long now = (long long)time(NULL), last;
	const char *typed = res[L_USER].value;
	const char *akey = addr_key(r->a, r->remote_addr);
	const char *ukey = user_key(r->a, typed);
	const char *device = device_of(r, typed);
	const char *dkey = device ? arena_printf(r->a, "d:%s", device) : NULL;
	int known = dkey && failures(db, dkey, now, &last) < DEVICE_FAILURES;

	sqlite3_stmt *st = db_prep(db, sql_user);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_text(st, 1, typed);
	long long id = 0, until = 0;
	const char *hash = auth_dummy_hash(), *name = typed;
	int enabled = 0, must_change = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		name = arena_strdup(r->a, db_col_text(st, 1));
		hash = arena_strdup(r->a, db_col_text(st, 2));
		enabled = !sqlite3_column_int(st, 3);
		must_change = sqlite3_column_int(st, 4);
		until = iso_seconds(db_col_text(st, 5));
	}
	sqlite3_reset(st);
	if (!known) {
		long long wait = key_wait(db, akey, now, ADDR_FIRST_WAIT);
		long long w2 = key_wait(db, ukey, now, NAME_FIRST_WAIT);
		if (w2 > wait)
			wait = w2;
		if (until - now > wait)
			wait = until - now;
		if (wait > 0) {
			resp_error(r, 429, arena_printf(r->a,
			    "登录尝试过于频繁,请 %lld 秒后再试。", wait));
			return;
		}
	}
	if (auth_slot_take(r->app->tmpdir) != 0) {
		too_many(r);
		return;
	}
	int match = auth_check_password(hash, res[L_PASS].value) == 1;
	char fresh[SCRYPT_MCF_LEN];
	const char *rehash = NULL;
	if (enabled && match && auth_needs_rehash(hash) &&
	    auth_hash_password(res[L_PASS].value, fresh) == 0)
		rehash = fresh;
	auth_slot_give();
	/* Before there is a session: the account tried, or the name typed. */
	const struct actor who = {id, name, r->remote_addr};
	struct job in, out;
	int rc;
	if (enabled && match) {
		const char *clear[] = {akey, ukey, dkey};
		job_init(&in, "login.ok");
		job_put_int(&in, "id", id);
		job_put_text(&in, "hash", hash);
		job_put_text(&in, "rehash", rehash);
		put_keys(&in, clear, ZJ_NELEM(clear));
		const char *token = staff_session_new(r, &in);
		if (token == NULL) {
			resp_error(r, 500, NULL);
			return;
		}
		job_put_actor(&in, &who);
		rc = job_run(db, &in, &out);
		explicit_bzero(fresh, sizeof(fresh));
		if (rc == SQLITE_DONE) {
			staff_session_cookie(r, token);
			device_issue(r, name);
			const char *next = safe_next(req_field(r, "next"));
			if (must_change)
				next = "/staff/password";
			else if (next == NULL)
				next = "/staff";
			resp_redirect(r, 303, next);
			return;
		}
		if (rc != SQLITE_CONSTRAINT) {
			answer_db_failure(r, rc);
			return;
		}
		/* The password changed, or the account was disabled, since it
		 * was read: refused like any wrong answer. */
	}
	/* A known device's failures count against it alone: strangers'
	 * failures must not slow it, nor its own slow the account. */
	const char *counted[] = {known ? NULL : akey, known ? NULL : ukey, dkey};
	job_init(&in, "login.fail");
	job_put_int(&in, "now", now);
	put_keys(&in, counted, ZJ_NELEM(counted));
	job_put_text(&in, "name_key", known ? NULL : ukey);
	job_put_text(&in, "detail", id ? (enabled ? "wrong password" :
	    "account disabled") : "no such account");
	job_put_actor(&in, &who);
	rc = job_run(db, &in, &out);
	if (rc != SQLITE_DONE) {
		/* Not counted: not answered either (fails closed). */
		answer_db_failure(r, rc);
		return;
	}
	show_login(r, 422, res, bad_login(r));
}

static void
logout_post(struct req *r)
{
	int rc = staff_session_end(r);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
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
	if (auth_slot_take(r->app->tmpdir) != 0) {
		too_many(r);
		return;
	}
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
	char fresh[SCRYPT_MCF_LEN];
	int hashed = !errors && auth_hash_password(res[P_NEW].value, fresh) == 0;
	auth_slot_give();
	if (errors) {
		show_password(r, 422, res, NULL);
		return;
	}
	struct job in, out;
	job_init(&in, "login.password");
	job_put_int(&in, "id", s->id);
	job_put_text(&in, "username", s->username);
	job_put_text(&in, "hash", hash);
	job_put_text(&in, "new", fresh);
	const char *token = hashed ? staff_session_new(r, &in) : NULL;
	explicit_bzero(fresh, sizeof(fresh));
	if (token == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	int rc = store_job(r, &in, &out);
	explicit_bzero(&in, sizeof(in));
	if (rc == SQLITE_CONSTRAINT) {
		/* Changed by someone else since it was checked. */
		res[P_OLD].error = "当前密码不正确";
		show_password(r, 422, res, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	staff_session_cookie(r, token);
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
