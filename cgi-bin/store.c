/*
 * store.c - the write transaction around a write, and the fresh-reference
 * routine of the public forms.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "mustache.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "util.h"
#include "valid.h"
#include "vocab.h"
#include "writer.h"

int
store_fresh(struct db *db, struct arena *a, sqlite3_stmt *st, int index,
    fresh_fn next, void *ctx, const char **value)
{
	int rc = SQLITE_ERROR;
	for (int attempt = 0; attempt < STORE_FRESH_TRIES; attempt++) {
		if ((rc = next(db, a, ctx, value)) != SQLITE_OK)
			return rc;
		db_bind_text(st, index, *value);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_CONSTRAINT_UNIQUE)
			break;  /* else: the value was taken */
	}
	return rc;
}

/* fresh_fn: a reference with prefix ctx. */
static int
next_ref(struct db *db, struct arena *a, void *ctx, const char **value)
{
	(void)db;
	*value = make_ref(a, ctx, 8);
	return *value ? SQLITE_OK : SQLITE_ERROR;
}

int
store_new_ref(struct db *db, const struct actor *who, struct arena *a,
    struct new_ref *nr)
{
	int rc;
	nr->ref = NULL;
	nr->again_found = 0;
	nr->rowid = 0;
	if (nr->again != NULL) {
		rc = sqlite3_step(nr->again);
		if (rc == SQLITE_ROW) {
			nr->ref = arena_strdup(a, db_col_text(nr->again, 0));
			nr->again_found = sqlite3_column_int(nr->again, 1);
		}
		sqlite3_reset(nr->again);
		if (rc == SQLITE_ROW)
			return nr->again_found ? SQLITE_DONE : SQLITE_CONSTRAINT;
		if (rc != SQLITE_DONE)
			return rc;
	}
	rc = store_fresh(db, a, nr->insert, 1, next_ref, (void *)nr->prefix, &nr->ref);
	if (rc != SQLITE_DONE)
		return rc;
	nr->rowid = sqlite3_last_insert_rowid(db_handle(db));
	return event_add(db, who, nr->ref, nr->status, nr->note, 1);
}

/* ---- writes as jobs ---- */

int
store_job(struct req *r, struct job *in, struct job *out)
{
	job_put_actor(in, actor_of(r));
	return job_run(r->app->db, in, out);
}

void
job_put_actor(struct job *j, const struct actor *who)
{
	job_put_int(j, "_actor.id", who->staff_id);
	job_put_text(j, "_actor.user", who->username);
	job_put_text(j, "_actor.addr", who->addr);
}

void
job_actor(const struct job *j, struct actor *who)
{
	const char *user = job_text(j, "_actor.user");
	const char *addr = job_text(j, "_actor.addr");
	who->staff_id = job_int(j, "_actor.id", 0);
	who->username = user;   /* NULL when the job carries no actor: an */
	who->addr = addr;       /* audit entry of it then fails, as it should */
}

int
store_audit_n(struct req *r, const char *const *actions, size_t n,
    const char *target, const char *detail)
{
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	char key[32];
	job_init(&in, "audit.add");
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "action#%zu", i);
		job_put_text(&in, key, actions[i]);
	}
	job_put_text(&in, "target", target);
	job_put_text(&in, "detail", detail);
	return store_job(r, &in, &out);
}

int
store_audit(struct req *r, const char *action, const char *target,
    const char *detail)
{
	return store_audit_n(r, &action, 1, target, detail);
}

void
store_audit_refused(struct req *r)
{
	resp_error(r, 503, "审计日志暂时无法写入:为保护个人信息,这次没有显示或导出任何内容。"
	    "请稍后再试。");
}

int
store_show_idcard(struct req *r, struct tval *m, const char *key,
    const char *ref, const char *idno)
{
	int rc = store_audit(r, AUDIT_VIEW_IDCARD, ref, "");
	if (rc == SQLITE_DONE) {
		tv_puts(r->a, m, key, idno);
		return 1;
	}
	char masked[19];
	LOG_ERR("%s: full ID number not shown, its audit failed: %s", ref,
	    sqlite3_errstr(rc));
	mask_idcard(idno, masked);
	tv_puts(r->a, m, key, masked);
	tv_putb(r->a, m, "idcard_masked", 1);
	return 0;
}

int
store_staff_may(struct db *db, const struct actor *who, const char *sql,
    long long district_id)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, who->staff_id);
	db_bind_int(st, 2, district_id);
	int rc = sqlite3_step(st);
	int may = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	return may ? SQLITE_OK : SQLITE_AUTH;
}

int
store_district_wall(struct db *db, const struct actor *who,
    long long district_id)
{
	static const char sql[] =
	    "SELECT district_id IS NULL OR district_id = ?2 FROM staff WHERE id = ?1";
	if (who->staff_id == 0)
		return SQLITE_OK;
	return store_staff_may(db, who, sql, district_id);
}

void
store_answer(struct req *r, int rc, const char *done_url)
{
	if (rc == SQLITE_DONE)
		resp_redirect(r, 303, done_url);
	else if (rc == SQLITE_AUTH)
		resp_error(r, 404, NULL);
	else
		answer_db_failure(r, rc);
}

/* Job "audit.add": one audit() entry per "action#0", "action#1", … on
 * "target" with "detail", by the job's actor. */
static int
audit_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char key[32];
	const char *action;
	int rc = SQLITE_MISUSE;   /* a job without an action */
	(void)a;
	(void)out;
	job_actor(in, &who);
	for (int i = 0; snprintf(key, sizeof(key), "action#%d", i),
	    (action = job_text(in, key)) != NULL; i++)
		if ((rc = audit(db, &who, action, job_text(in, "target"),
		    job_text(in, "detail"))) != SQLITE_DONE)
			break;
	return rc;
}

const struct job_type store_jobs[] = {
	{"audit.add", audit_job},
	{0},
};

/* "f.name" or "f.name#suffix" into buf: form fields have a namespace of
 * their own, so a page's extra inputs may share their names. */
static const char *
subname(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "f.%s%s%s", name, suffix ? "#" : "", suffix ? suffix : "");
	return buf;
}

void
job_put_form(struct job *j, const struct field *fields, size_t n,
    const struct fresult *res)
{
	char key[64], idx[24];
	for (size_t i = 0; i < n; i++) {
		if (fields[i].kind == F_FILE)
			continue;
		job_put_text(j, subname(key, sizeof(key), fields[i].name, NULL), res[i].value);
		if (fields[i].kind == F_CHECK || fields[i].kind == F_INT ||
		    fields[i].kind == F_MONEY)   /* the only kinds with a number */
			job_put_int(j, subname(key, sizeof(key), fields[i].name, "n"), res[i].num);
		for (size_t k = 0; k < res[i].nmulti; k++) {
			snprintf(idx, sizeof(idx), "%zu", k);
			job_put_text(j, subname(key, sizeof(key), fields[i].name, idx),
			    res[i].multi[k]);
		}
	}
}

struct fresult *
job_form(struct arena *a, const struct job *j, const struct field *fields,
    size_t n)
{
	char key[64], idx[24];
	struct fresult *res = arena_calloc(a, n, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		const char *v = job_text(j, subname(key, sizeof(key), fields[i].name, NULL));
		res[i].value = v ? v : "";
		res[i].num = job_int(j, subname(key, sizeof(key), fields[i].name, "n"), 0);
		if (fields[i].kind != F_MULTI)
			continue;
		size_t k = 0;
		for (;; k++) {
			snprintf(idx, sizeof(idx), "%zu", k);
			if (job_text(j, subname(key, sizeof(key), fields[i].name, idx)) == NULL)
				break;
		}
		res[i].nmulti = k;
		res[i].multi = arena_calloc(a, k + 1, sizeof(*res[i].multi));
		for (size_t m = 0; m < k; m++) {
			snprintf(idx, sizeof(idx), "%zu", m);
			res[i].multi[m] = job_text(j, subname(key, sizeof(key), fields[i].name, idx));
		}
		res[i].multi[k] = NULL;
	}
	return res;
}
