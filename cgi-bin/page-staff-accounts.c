/*
 * page-staff-accounts.c - 账号: staff accounts, for admins.
 *
 *   GET      /staff/accounts               every account, its role, district,
 *                                          state and last login
 *   GET|POST /staff/accounts/new           create one (初始密码: a new password
 *                                          is owed at the first login)
 *   POST     /staff/accounts/{id}/disable  停用: ends its sessions
 *   POST     /staff/accounts/{id}/enable   启用, and lifts a lockout
 *   POST     /staff/accounts/{id}/reset    重置密码: a random temporary password
 *                                          shown once; a new one is owed at
 *                                          the next login; ends its sessions
 *
 * An admin cannot disable or reset their own account (they change their
 * password at /staff/password).  Every change is in the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

#define TEMP_PW_LEN 16
#define ALL_DISTRICTS "全部区县"

static const char sql_list[] =
    "SELECT s.id, s.username, s.display_name, s.role, coalesce(d.name, ''),"
    "  s.disabled, coalesce(s.locked_until, ''), s.must_change_pw,"
    "  (SELECT max(a.at) FROM audit a WHERE a.staff_id = s.id"
    "   AND a.action = '" AUDIT_LOGIN "')"
    " FROM staff s LEFT JOIN districts d ON d.id = s.district_id"
    " ORDER BY s.disabled, s.username";
static const char sql_one[] =
    "SELECT id, username, disabled FROM staff WHERE id = ?1";
static const char sql_exists[] =
    "SELECT 1 FROM staff WHERE username = ?1";
static const char sql_insert[] =
    "INSERT INTO staff (username, display_name, pwhash, role, district_id,"
    " must_change_pw, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)";

enum { A_USER, A_NAME, A_ROLE, A_DISTRICT, A_PASS, A__N };
static const struct field account_fields[A__N] = {
	[A_USER] = {"username", "用户名", F_TEXT, 1, 1, USERNAME_MAX, NULL,
	    "登录时使用:字母、数字、_ . -", NULL},
	[A_NAME] = {"display_name", "姓名", F_TEXT, 1, 1, 50, NULL, NULL, NULL},
	[A_ROLE] = {"role", "角色", F_SELECT, 1, 0, 0, role_labels,
	    "管理员:全部功能;审核员:入会和志愿服务;法律援助专员:法律援助", NULL},
	[A_DISTRICT] = {"district", "所在区县", F_SELECT, 1, 0, 0, NULL,
	    "只能处理所在区县的记录;“全部区县”可处理全市的", NULL},
	[A_PASS] = {"password", "初始密码", F_TEXT, 1, 1, 256, NULL,
	    "至少 12 个字符,不能与用户名相同,不能以 zhijia 开头,不能是常见密码;首次登录时须改为自己的密码",
	    NULL},
};

/* What a finished change says on the list (?done=…&user=…). */
static const struct {
	const char *done, *fmt;
} notices[] = {
	{"create", "账号 %s 已创建。首次登录时须修改初始密码。"},
	{"disable", "账号 %s 已停用,其登录已全部结束。"},
	{"enable", "账号 %s 已启用。"},
};

/* The form's table with today's districts, "全部区县" first. */
static struct field *
fields_now(struct req *r)
{
	int sample;
	const char *const *names = district_options(r, &sample);
	size_t n = 0;
	while (names[n])
		n++;
	const char **opts = arena_calloc(r->a, n + 2, sizeof(*opts));
	opts[0] = ALL_DISTRICTS;
	memcpy(opts + 1, names, n * sizeof(*opts));
	struct field *f = arena_alloc(r->a, sizeof(account_fields));
	memcpy(f, account_fields, sizeof(account_fields));
	f[A_DISTRICT].options = opts;
	return f;
}

/* "锁定至 11月23日 周一 16:20" while locked_until is ahead, else "". */
static const char *
locked_text(struct arena *a, const char *until)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	if (*until == '\0' || strcmp(until, now) <= 0)
		return "";
	return arena_printf(a, "锁定至 %s", show_time(a, until, 0));
}

static struct tval *
account_row(struct req *r, sqlite3_stmt *st)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	long long id = sqlite3_column_int64(st, 0);
	const char *district = db_col_text(st, 4);
	const char *last = (const char *)sqlite3_column_text(st, 8);
	const char *locked = locked_text(a, db_col_text(st, 6));
	tv_puti(a, m, "id", id);
	tv_puts(a, m, "username", db_col_text(st, 1));
	tv_puts(a, m, "display_name", db_col_text(st, 2));
	tv_puts(a, m, "role", role_label(db_col_text(st, 3)));
	tv_puts(a, m, "district", *district ? district : ALL_DISTRICTS);
	tv_putb(a, m, "disabled", sqlite3_column_int(st, 5));
	tv_puts(a, m, "locked", locked);
	tv_putb(a, m, "unlockable", sqlite3_column_int(st, 5) || *locked);
	tv_putb(a, m, "must_change", sqlite3_column_int(st, 7));
	tv_puts(a, m, "last_login", last ? show_datetime(a, last) : "从未登录");
	tv_putb(a, m, "self", id == staff_of(r)->id);
	return m;
}

static void
show_list(struct req *r, int status, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a), *rows = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql_list);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		tv_push(a, rows, account_row(r, st));
	sqlite3_reset(st);
	tv_put(a, ctx, "rows", rows);
	const char *done = req_query(r, "done"), *user = req_query(r, "user");
	if (user && !username_ok(user))
		user = NULL; /* only ever a name this page put there */
	for (size_t i = 0; done && user && i < ZJ_NELEM(notices); i++)
		if (strcmp(done, notices[i].done) == 0)
			tv_putf(a, ctx, "notice", notices[i].fmt, user);
	if (message)
		tv_puts(a, ctx, "message", message);
	resp_render(r, status, "staff/accounts/list", ctx);
}

static void
list_get(struct req *r)
{
	show_list(r, 200, NULL);
}

static void
show_form(struct req *r, int status, const struct field *f,
    const struct fresult *res, const char *message)
{
	struct tval *ctx = tv_map(r->a);
	struct tval *view = form_view(r, f, A__N, res);
	/* A password is never sent back into the page. */
	tv_puts(r->a, tv_get(view, "password"), "value", "");
	tv_put(r->a, ctx, "f", view);
	if (message)
		tv_puts(r->a, ctx, "form_error", message);
	resp_render(r, status, "staff/accounts/form", ctx);
}

static void
new_get(struct req *r)
{
	show_form(r, 200, fields_now(r), NULL, NULL);
}

static int
username_taken(struct req *r, const char *name)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_exists);
	int taken = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, name);
	taken = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return taken;
}

/* Checks beyond the table's: the name's characters and that it is free,
 * the password policy.  Returns the number of errors added. */
static int
check_account(struct req *r, struct fresult *res)
{
	int errors = 0;
	const char *name = res[A_USER].value, *why;
	if (!res[A_USER].error && !username_ok(name)) {
		res[A_USER].error = "用户名只能由字母、数字和 _ . - 组成";
		errors++;
	} else if (!res[A_USER].error && username_taken(r, name)) {
		res[A_USER].error = arena_printf(r->a, "用户名 %s 已被使用", name);
		errors++;
	}
	if (!res[A_PASS].error && (why = auth_password_problem(name, res[A_PASS].value))) {
		res[A_PASS].error = why;
		errors++;
	}
	return errors;
}

/* A new account, as the form gave it. */
struct new_account {
	const char *username, *display_name, *role_label, *district_name;
	long long district;      /* 0: every district */
	const char *hash;        /* the initial password's */
};

/* store_fn: the account (a new password owed at its first login) and the
 * audit entry.  SQLITE_DONE, or the failing code (a constraint: the name
 * was taken meanwhile). */
static int
create_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	const struct new_account *in = arg;
	const struct role *role = role_by_label(in->role_label);
	char now[32];
	sqlite3_stmt *st = db_prep(db, sql_insert);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, in->username);
	db_bind_text(st, 2, in->display_name);
	db_bind_text(st, 3, in->hash);
	db_bind_text(st, 4, role ? role->name : NULL);
	if (in->district)
		db_bind_int(st, 5, in->district);
	db_bind_text(st, 6, now);
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE)
		rc = audit(db, who, AUDIT_ACCOUNT_CREATE, in->username, arena_printf(a,
		    "%s · %s · %s", in->display_name, in->role_label, in->district_name));
	return rc;
}

/* Job "account.create": create_store from "username", "display_name",
 * "role", "district_name", "district" and "hash", by the job's actor. */
static int
create_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	(void)out;
	struct new_account na = {
		.username = job_text(in, "username"),
		.display_name = job_text(in, "display_name"),
		.role_label = job_text(in, "role"),
		.district_name = job_text(in, "district_name"),
		.district = job_int(in, "district", 0),
		.hash = job_text(in, "hash"),
	};
	if (!na.username || !na.display_name || !na.role_label ||
	    !na.district_name || !na.hash)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	return create_store(db, &who, a, &na);
}

const struct job_type page_staff_accounts_jobs[] = {
	{"account.create", create_job},
	{0},
};

static void
new_post(struct req *r)
{
	struct field *f = fields_now(r);
	struct fresult res[A__N];
	int errors = form_check(r, f, A__N, res);
	errors += check_account(r, res);
	if (errors) {
		show_form(r, 422, f, res, NULL);
		return;
	}
	long long district = 0;
	if (strcmp(res[A_DISTRICT].value, ALL_DISTRICTS) != 0)
		district = district_id(r, res[A_DISTRICT].value);
	/* scrypt before the transaction: nobody waits for the lock meanwhile. */
	char hash[SCRYPT_MCF_LEN];
	if (auth_hash_password(res[A_PASS].value, hash) != 0) {
		resp_error(r, 500, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "account.create");
	job_put_text(&in, "username", res[A_USER].value);
	job_put_text(&in, "display_name", res[A_NAME].value);
	job_put_text(&in, "role", res[A_ROLE].value);
	job_put_text(&in, "district_name", res[A_DISTRICT].value);
	job_put_int(&in, "district", district);
	job_put_text(&in, "hash", hash);
	int rc = store_job(r, &in, &out);
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&in, sizeof(in));
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		res[A_USER].error = arena_printf(r->a, "用户名 %s 已被使用", res[A_USER].value);
		show_form(r, 422, f, res, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/accounts?done=create&user=%s",
	    res[A_USER].value));
}

struct account {
	long long id;
	const char *username;
	int disabled;
};

/* The account of the {id} in the path; 0 after answering 404. */
static int
load_account(struct req *r, struct account *acc)
{
	long long id = req_param_id(r, 0);
	int found = 0;
	if (id <= 0) {
		resp_error(r, 404, NULL);
		return 0;
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql_one);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return 0;
	}
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		acc->id = sqlite3_column_int64(st, 0);
		acc->username = arena_strdup(r->a, db_col_text(st, 1));
		acc->disabled = sqlite3_column_int(st, 2);
		found = 1;
	}
	sqlite3_reset(st);
	if (!found)
		resp_error(r, 404, NULL);
	return found;
}

/* Make change op on acc (hash: the new password's, or NULL) as the job
 * "account.change" (auth.c).  Returns job_run's code (SQLITE_DONE when
 * stored). */
static int
change_account(struct req *r, const struct account *acc, enum account_op op,
    const char *hash)
{
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "account.change");
	job_put_int(&in, "op", op);
	job_put_int(&in, "id", acc->id);
	job_put_text(&in, "username", acc->username);
	job_put_text(&in, "hash", hash);
	job_put_text(&in, "detail", "");
	int rc = store_job(r, &in, &out);
	explicit_bzero(&in, sizeof(in));
	return rc;
}

static void
disable_post(struct req *r)
{
	struct account acc;
	if (!load_account(r, &acc))
		return;
	if (acc.id == staff_of(r)->id) {
		show_list(r, 422, "不能停用自己的账号。");
		return;
	}
	int rc = change_account(r, &acc, ACCOUNT_DISABLE, NULL);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/accounts?done=disable&user=%s",
	    acc.username));
}

static void
enable_post(struct req *r)
{
	struct account acc;
	if (!load_account(r, &acc))
		return;
	int rc = change_account(r, &acc, ACCOUNT_ENABLE, NULL);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/accounts?done=enable&user=%s",
	    acc.username));
}

/* TEMP_PW_LEN characters nobody misreads (no 0/O, 1/l/I), uniformly
 * drawn.  Returns 0, or -1 when the system has no randomness. */
static int
temp_password(char out[TEMP_PW_LEN + 1])
{
	static const char alphabet[] =
	    "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
	const unsigned n = sizeof(alphabet) - 1, limit = 256 - 256 % n;
	size_t got = 0;
	while (got < TEMP_PW_LEN) {
		unsigned char rnd[32];
		if (random_bytes(rnd, sizeof(rnd)) != 0)
			return -1;
		for (size_t i = 0; i < sizeof(rnd) && got < TEMP_PW_LEN; i++)
			if (rnd[i] < limit)
				out[got++] = alphabet[rnd[i] % n];
		explicit_bzero(rnd, sizeof(rnd));
	}
	out[TEMP_PW_LEN] = '\0';
	return 0;
}

static void
reset_post(struct req *r)
{
	struct account acc;
	char pw[TEMP_PW_LEN + 1], hash[SCRYPT_MCF_LEN];
	if (!load_account(r, &acc))
		return;
	if (acc.id == staff_of(r)->id) {
		show_list(r, 422, "不能重置自己的密码,请使用“修改密码”。");
		return;
	}
	if (temp_password(pw) != 0 || auth_hash_password(pw, hash) != 0) {
		resp_error(r, 500, NULL);
		return;
	}
	int rc = change_account(r, &acc, ACCOUNT_RESET, hash);
	explicit_bzero(hash, sizeof(hash));
	if (rc != SQLITE_DONE) {
		explicit_bzero(pw, sizeof(pw));
		answer_db_failure(r, rc);
		return;
	}
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "username", acc.username);
	tv_puts(r->a, ctx, "password", pw);
	tv_putb(r->a, ctx, "disabled", acc.disabled);
	explicit_bzero(pw, sizeof(pw));
	/* Shown once: the answer to this POST is the only place it appears
	 * (Cache-Control: no-store is the core's default). */
	resp_render(r, 200, "staff/accounts/reset", ctx);
}

const struct route page_staff_accounts_routes[] = {
	{"GET", "/staff/accounts", list_get, ROLE_ADMIN, NULL},
	{"GET", "/staff/accounts/new", new_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/accounts/new", new_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/accounts/{id}/disable", disable_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/accounts/{id}/enable", enable_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/accounts/{id}/reset", reset_post, ROLE_ADMIN, NULL},
	{0},
};
