/*
 * auth.c - staff passwords and accounts.
 */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "db.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"
#include "writer.h"

int
auth_hash_password(const char *pw, char out[SCRYPT_MCF_LEN])
{
	/* libscrypt_hash draws its salt from /dev/urandom itself. */
	return libscrypt_hash(out, pw, 1u << PW_SCRYPT_LOGN, PW_SCRYPT_R,
	    PW_SCRYPT_P) == 1 ? 0 : -1;
}

int
auth_check_password(const char *mcf, const char *pw)
{
	char copy[SCRYPT_MCF_LEN];
	size_t n = strlen(mcf);
	if (n == 0 || n >= sizeof(copy))
		return -1;
	/* libscrypt_check tokenises its argument in place: give it a copy. */
	memcpy(copy, mcf, n + 1);
	int rc = libscrypt_check(copy, pw);
	explicit_bzero(copy, sizeof(copy));
	return rc < 0 ? -1 : rc > 0;
}

int
auth_needs_rehash(const char *mcf)
{
	/* "$s1$NNrrpp$salt$hash": N as log2, r and p, two hex digits each. */
	char want[16];
	snprintf(want, sizeof(want), "$s1$%02x%02x%02x$", PW_SCRYPT_LOGN,
	    PW_SCRYPT_R, PW_SCRYPT_P);
	return strncmp(mcf, want, strlen(want)) != 0;
}

const char *
auth_password_problem(const char *user, const char *pw)
{
	static const char *const common[] = {
		"123456", "123456789", "12345678", "password", "qwerty123",
		"qwerty1234", "1234567890", "1q2w3e4r5t", "password1", "1234567",
		"111111", "123123", "abc123", "000000", "iloveyou", "a123456789",
		"qwertyuiop", "1qaz2wsx3edc", "woaini1314", "password123",
	};
	_Static_assert(PW_MIN_LEN == 12, "the message below says 12");
	if (utf8_count(pw, strlen(pw)) < PW_MIN_LEN)
		return "密码至少 12 个字符";
	if (strcasecmp(pw, user) == 0)
		return "密码不能与用户名相同";
	if (strncasecmp(pw, "zhijia", 6) == 0)
		return "密码不能以网站名 zhijia 开头";
	for (size_t i = 0; i < ZJ_NELEM(common); i++)
		if (strcasecmp(pw, common[i]) == 0)
			return "这个密码太常见,请换一个";
	return NULL;
}

int
auth_account_check(const char *name, const char *role, const char *pw,
    char *err, size_t errlen)
{
	const char *why;
	if (!username_ok(name)) {
		snprintf(err, errlen, "用户名只能由 1–%d 个字母、数字、_ . - 组成",
		    USERNAME_MAX);
		return -1;
	}
	if (role_by_name(role) == NULL) {
		snprintf(err, errlen, "角色须为 %s、%s 或 %s", roles[0].name,
		    roles[1].name, roles[2].name);
		return -1;
	}
	if ((why = auth_password_problem(name, pw)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

int
account_add(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	static const char sql_district[] =
	    "SELECT id FROM districts WHERE code = ?1";
	static const char sql_insert[] =
	    "INSERT INTO staff (username, pwhash, role, district_id, must_change_pw, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	struct account_new *nu = arg;
	char now[32];
	long long district_id = 0;
	(void)a;
	nu->why = NULL;
	if (nu->district != NULL && nu->district[0] != '\0') {
		sqlite3_stmt *st = db_prep(db, sql_district);
		if (st == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, nu->district);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			district_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			nu->why = "no such district";
			return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
		}
	}
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_insert);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, nu->username);
	db_bind_text(st, 2, nu->hash);
	db_bind_text(st, 3, nu->role);
	if (district_id)
		db_bind_int(st, 4, district_id);
	db_bind_int(st, 5, nu->must_change);
	db_bind_text(st, 6, now);
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE && who != NULL)
		rc = audit(db, who, AUDIT_ACCOUNT_CREATE, nu->username, nu->role);
	return rc;
}

/* Job "account.add": account_add from "username", "role", "district"
 * (may be absent), "hash" and "must_change", by the job's actor. */
static int
account_add_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	struct account_new nu = {job_text(in, "username"), job_text(in, "role"),
	    job_text(in, "district"), job_text(in, "hash"),
	    (int)job_int(in, "must_change", 1), NULL};
	if (nu.username == NULL || nu.role == NULL || nu.hash == NULL)
		return SQLITE_MISUSE;
	int rc = account_add(db, &who, a, &nu);
	if (nu.why)
		job_put_text(out, "why", nu.why);
	return rc;
}

int
account_change(struct db *db, const struct actor *who, struct arena *a,
    void *arg)
{
	static const struct {
		const char *sql;     /* ?1 the account, ?2 the hash when it has one */
		int drop;            /* ends the account's sessions */
		const char *action;
	} ops[] = {
		[ACCOUNT_DISABLE] = {"UPDATE staff SET disabled = 1 WHERE id = ?1", 1,
		    AUDIT_ACCOUNT_DISABLE},
		[ACCOUNT_ENABLE] = {"UPDATE staff SET disabled = 0, failed_logins = 0,"
		    " locked_until = NULL WHERE id = ?1", 0, AUDIT_ACCOUNT_ENABLE},
		[ACCOUNT_RESET] = {"UPDATE staff SET pwhash = ?2, must_change_pw = 1,"
		    " failed_logins = 0, locked_until = NULL WHERE id = ?1", 1,
		    AUDIT_ACCOUNT_RESET},
		[ACCOUNT_PASSWD] = {"UPDATE staff SET pwhash = ?2, must_change_pw = 0,"
		    " failed_logins = 0, locked_until = NULL WHERE id = ?1", 1,
		    AUDIT_ACCOUNT_PASSWD},
	};
	const struct account_change *ch = arg;
	(void)a;
	/* ops[].sql are string literals in a static table: one address each
	 * for db_prep's cache. */
	sqlite3_stmt *st = db_prep(db, ops[ch->op].sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, ch->id);
	if (sqlite3_bind_parameter_count(st) > 1)
		db_bind_text(st, 2, ch->hash);
	int rc = db_exec_stmt(db, st);
	if (rc == SQLITE_DONE && ops[ch->op].drop)
		rc = sessions_drop(db, ch->id);
	if (rc == SQLITE_DONE && ch->op != ACCOUNT_DISABLE)
		/* Enabled or given a new password: what strangers did to the
		 * name no longer slows its unknown devices down. */
		rc = login_failures_forget_user(db, ch->username);
	if (rc == SQLITE_DONE)
		rc = audit(db, who, ops[ch->op].action, ch->username, ch->detail);
	return rc;
}

/* Job "account.change": account_change from "op", "id", "username",
 * "hash" (may be absent) and "detail", by the job's actor. */
static int
account_change_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)out;
	long long op = job_int(in, "op", -1);
	if (op < ACCOUNT_DISABLE || op > ACCOUNT_PASSWD)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	const char *user = job_text(in, "username");
	struct account_change ch = {(enum account_op)op, job_int(in, "id", 0),
	    user ? user : "", job_text(in, "hash"), job_text(in, "detail")};
	if ((ch.op == ACCOUNT_RESET || ch.op == ACCOUNT_PASSWD) && ch.hash == NULL)
		return SQLITE_MISUSE;
	return account_change(db, &who, a, &ch);
}

/* ---- the scrypt slots and the dummy hash ---- */

static char dummy[SCRYPT_MCF_LEN];

int
auth_dummy_init(void)
{
	if (dummy[0] != '\0')
		return 0;
	return auth_hash_password("no such account", dummy);
}

const char *
auth_dummy_hash(void)
{
	if (dummy[0] == '\0' && auth_dummy_init() != 0)
		return "";
	return dummy;
}

static int slot_fds[AUTH_SLOTS_MAX];
static int slot_held = -1;

int
auth_slots(void)
{
	const char *env = getenv("ZHIJIA_SCRYPT_SLOTS");
	long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > AUTH_SLOTS_MAX ? AUTH_SLOTS_MAX : (int)n;
}

int
auth_slot_take(const char *dir)
{
	char path[4096];
	if (slot_held >= 0)
		return 0;
	int n = auth_slots();
	for (int i = 0; i < n; i++) {
		if (slot_fds[i] <= 0) {
			/* Opened by this process: flock belongs to the open file,
			 * and one opened before fork would be shared by every
			 * worker. */
			snprintf(path, sizeof(path), "%s/scrypt-slot-%d", dir, i);
			int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (fd < 0) {
				LOG_ERR("%s: %s", path, strerror(errno));
				return -1;
			}
			slot_fds[i] = fd;
		}
		if (flock(slot_fds[i], LOCK_EX | LOCK_NB) == 0) {
			slot_held = i;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			LOG_ERR("flock scrypt slot %d: %s", i, strerror(errno));
			return -1;
		}
	}
	return -1;
}

void
auth_slot_give(void)
{
	if (slot_held < 0)
		return;
	flock(slot_fds[slot_held], LOCK_UN);
	slot_held = -1;
}

const struct job_type auth_jobs[] = {
	{"account.add", account_add_job},
	{"account.change", account_change_job},
	{0},
};
