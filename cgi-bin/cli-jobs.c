/*
 * cli-jobs.c - the writes of the admin commands, as jobs (writer.h), so
 * `zhijia passwd` and `zhijia lock` write through the running server's
 * writer, or under the same flock when no server runs: never a second way
 * to write.
 *
 *   account.passwd  id, hash, by, target: new password hash, unlock
 *   account.disable id, by, target: disable the account
 * Both end the account's sessions and write the audit entry (by "cli:…",
 * from address "cli") in the same transaction.
 */
#include <string.h>

#include "app.h"
#include "db.h"
#include "util.h"
#include "writer.h"

static const char sql_passwd[] =
    "UPDATE staff SET pwhash = ?2, must_change_pw = 0, failed_logins = 0,"
    " locked_until = NULL WHERE id = ?1";
static const char sql_disable[] =
    "UPDATE staff SET disabled = 1 WHERE id = ?1";
static const char sql_drop[] =
    "DELETE FROM sessions WHERE staff_id = ?1";
static const char sql_audit[] =
    "INSERT INTO audit (at, username, addr, action, target, detail)"
    " VALUES (?1, ?2, 'cli', ?3, ?4, ?5)";

/* sql on account "id" (?2 = "hash" when given), its sessions ended, and
 * the audit entry as action.  SQLITE_DONE, or the failing code. */
static int
change(struct db *db, const struct job *in, const char *sql, const char *action)
{
	char now[32];
	long long id = job_int(in, "id", 0);
	const char *hash = job_text(in, "hash");
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL || id == 0)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	if (hash)
		db_bind_text(st, 2, hash);
	int rc = db_exec_stmt(db, st);
	if (rc != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, sql_drop)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, sql_audit)) == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, job_text(in, "by"));
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, job_text(in, "target"));
	db_bind_text(st, 5, "命令行");
	return db_exec_stmt(db, st);
}

static int
account_passwd(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	(void)a;
	(void)out;
	if (job_text(in, "hash") == NULL)
		return SQLITE_MISUSE;
	return change(db, in, sql_passwd, "account.passwd");
}

static int
account_disable(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	(void)a;
	(void)out;
	return change(db, in, sql_disable, "account.disable");
}

const struct job_type cli_jobs[] = {
	{"account.passwd", account_passwd},
	{"account.disable", account_disable},
	{0},
};
