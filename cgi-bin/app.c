/*
 * app.c - the glue between the core and the page files: the hooks the
 * core calls, and the first-start set-up.
 */
#include "app.h"
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "feedback.h"
#include "db.h"
#include "http.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "writer.h"

static const struct route *const routes[] = {
	page_home_routes,
	page_join_routes,
	page_legal_routes,
	page_volunteer_routes,
	page_status_routes,
	page_wish_routes,
	page_staff_wishes_routes,
	page_rate_routes,
	page_appeal_routes,
	page_staff_appeals_routes,
	page_staff_login_routes,
	page_staff_joins_routes,
	page_staff_legal_routes,
	page_staff_volunteer_routes,
	page_staff_stations_routes,
	page_staff_home_routes,
	page_staff_audit_routes,
	page_staff_accounts_routes,
	page_staff_calendar_routes,
	page_staff_ratings_routes,
	page_staff_report_routes,
	page_feedback_routes,
	page_staff_followups_routes,
	page_staff_messages_routes,
	page_staff_districts_routes,
	page_stations_routes,
	NULL,
};

/* Every write is a job of one of these tables (writer.h). */
const struct job_type *const app_jobs[] = {
	page_join_jobs,
	auth_jobs,
	purge_jobs,
	page_legal_jobs,
	page_volunteer_jobs,
	page_status_jobs,
	page_wish_jobs,
	page_staff_wish_steps_jobs,
	page_appeal_jobs,
	page_staff_appeals_jobs,
	staff_jobs,
	page_staff_login_jobs,
	store_jobs,
	page_staff_join_record_jobs,
	page_staff_legal_steps_jobs,
	page_staff_activity_jobs,
	page_staff_roster_jobs,
	page_staff_accounts_jobs,
	page_staff_calendar_jobs,
	page_rate_jobs,
	page_staff_ratings_jobs,
	outbox_jobs,
	feedback_jobs,
	page_staff_followups_jobs,
	outbox_cmd_jobs,
	import_jobs,
	district_jobs,
	station_jobs,
	NULL,
};

void
app_page_data(struct req *r, struct tval *ctx)
{
	struct arena *a = r->a;
	if (tv_get(ctx, "site") == NULL)
		tv_puts(a, ctx, "site", "职工之家");
	tv_puts(a, ctx, "path", r->path);
	const struct staff *s = staff_of(r);
	if (s != NULL) {
		/* What the staff layout shows and every staff form posts back. */
		struct tval *m = tv_map(a);
		tv_puts(a, m, "username", s->username);
		tv_puts(a, m, "name", s->display_name[0] ? s->display_name : s->username);
		tv_puts(a, m, "role", s->role_label);
		tv_puts(a, m, "district", s->district[0] ? s->district : "全部区县");
		tv_putb(a, m, "admin", (s->roles & ROLE_ADMIN) != 0);
		tv_putb(a, m, "reviewer", (s->roles & (ROLE_ADMIN | ROLE_REVIEWER)) != 0);
		tv_putb(a, m, "legal", (s->roles & (ROLE_ADMIN | ROLE_LEGAL)) != 0);
		tv_put(a, ctx, "staff", m);
		tv_puts(a, ctx, "csrf", s->csrf);
	}
}

const struct app_hooks app_hooks = {
	.routes = routes,
	.page_data = app_page_data,
	.authorize = staff_authorize,
	.verify_post = staff_verify_post,
};

static int
setting_get(struct db *db, const char *key, void *out, size_t len)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?1";
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	int found = 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == len) {
		memcpy(out, sqlite3_column_blob(st, 0), len);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

static int
setting_put(struct db *db, const char *key, const void *val, size_t len)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)";
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_TRANSIENT);
	return db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * Write the first password pw to path, a new file of mode 0600 (replacing
 * one left by an earlier attempt).  0, or -1 with the reason in err.
 */
static int
write_first_password(const char *path, const char *pw, char *err, size_t errlen)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[64];
	int n = snprintf(line, sizeof(line), "%s\n", pw);
	int ok = fchmod(fd, 0600) == 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	explicit_bzero(line, sizeof(line));
	if (close(fd) != 0 || !ok) {
		snprintf(err, errlen, "%s: cannot write", path);
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * The first account, admin, on a database that has none.  Its password:
 * ZHIJIA_ADMIN_PASSWORD when set (for tests and scripted installs); else a
 * random one that must be changed at first login, printed to the terminal
 * when stderr is one (`make run`), else — a service, whose stderr goes to
 * the journal — written only to ZHIJIA_FIRST_PASSWORD_FILE (serve
 * --first-password-file), by default "<db>-admin-password", mode 0600.
 */
static int
first_admin(struct db *db, char *err, size_t errlen)
{
	static const char sql_count[] = "SELECT count(*) FROM staff";
	sqlite3_stmt *st = db_prep(db, sql_count);
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "cannot count staff accounts");
		return -1;
	}
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n > 0)
		return 0;

	/* Unambiguous characters: a password read off a terminal is typed. */
	static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
	char pw[21], file[4096] = "", hash[SCRYPT_MCF_LEN];
	const char *given = getenv("ZHIJIA_ADMIN_PASSWORD");
	const char *to = getenv("ZHIJIA_FIRST_PASSWORD_FILE");
	if (given == NULL || *given == '\0') {
		unsigned char rnd[20];
		if (random_bytes(rnd, sizeof(rnd)) != 0) {
			snprintf(err, errlen, "getrandom failed");
			return -1;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			pw[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		pw[20] = '\0';
		given = pw;
		if (to && *to)
			snprintf(file, sizeof(file), "%s", to);
		else if (!isatty(STDERR_FILENO))
			snprintf(file, sizeof(file), "%s-admin-password",
			    sqlite3_db_filename(db_handle(db), "main"));
	}
	if (auth_account_check("admin", ROLE_NAME_ADMIN, given, err, errlen) != 0)
		return -1;
	if (auth_hash_password(given, hash) != 0) {
		snprintf(err, errlen, "scrypt failed");
		return -1;
	}
	struct account_new nu = {"admin", ROLE_NAME_ADMIN, NULL, hash, given == pw, NULL};
	/* Inside app_setup's transaction; no audit entry (who NULL). */
	if (account_add(db, NULL, NULL, &nu) != SQLITE_DONE) {
		snprintf(err, errlen, "cannot store the account admin");
		return -1;
	}
	int rc = 0;
	if (given != pw)
		fprintf(stderr, "zhijia: staff account admin created with ZHIJIA_ADMIN_PASSWORD\n");
	else if (file[0] == '\0')
		fprintf(stderr, "\n  管理员账号 admin 已创建,初始密码(只显示这一次,首次登录须修改): %s\n"
		    "  The staff account admin was created; its password (shown once, to be"
		    " changed at first login): %s\n\n", pw, pw);
	else if ((rc = write_first_password(file, pw, err, errlen)) == 0)
		fprintf(stderr, "zhijia: staff account admin created; its first password"
		    " (to be changed at first login) is in %s (mode 0600)\n", file);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

int
app_setup(struct app *app, struct db *db, int samples, char *err, size_t errlen)
{
	int rc = -1;
	if (db_begin(db) != SQLITE_OK) {
		snprintf(err, errlen, "cannot begin set-up transaction");
		return -1;
	}
	int have = setting_get(db, "form_secret", app->secret, sizeof(app->secret));
	if (have < 0)
		goto out;
	if (have == 0 && (random_bytes(app->secret, sizeof(app->secret)) != 0 ||
	    setting_put(db, "form_secret", app->secret, sizeof(app->secret)) != 0)) {
		snprintf(err, errlen, "cannot store the form secret");
		goto out;
	}
	if (first_admin(db, err, errlen) != 0)
		goto out;
	const struct site *site = app->data;
	if (calendar_setup(db, site ? site->calendar : NULL, err, errlen) != 0)
		goto out;
	if (samples && volunteer_samples(db) != 0) {
		snprintf(err, errlen, "cannot load the sample activities");
		goto out;
	}
	if (db_commit(db) != SQLITE_OK) {
		snprintf(err, errlen, "cannot commit set-up");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}
