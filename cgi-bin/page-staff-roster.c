/*
 * page-staff-roster.c - 志愿服务 for staff: an activity's page with its
 * roster, and what is posted from it (the routes are in the table in
 * page-staff-volunteer.c).
 *
 *   GET       /staff/volunteer/{id}          the activity and its roster
 *   POST      /staff/volunteer/{id}/cancel   cancel with a reason; every sign-up told
 *   POST      /staff/volunteer/{id}/signups/{ref}/attend   出席 and 服务时长
 *   POST      /staff/volunteer/{id}/signups/{ref}/remove   remove; the wait-list moves up
 *
 * Who may see or change which activity: see page-staff-volunteer.c; a
 * sign-up that is not of the route's activity answers 404 too.  Every
 * change runs in one BEGIN IMMEDIATE transaction with its events and its
 * audit entry.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "pubform.h"
#include "roster.h"
#include "staff.h"
#include "page-staff-volunteer.h"
#include "text.h"
#include "valid.h"
#include "when.h"
#include "vocab.h"

/* ---- forms ---- */

enum { C_REASON, C__N };
static const struct field cancel_fields[C__N] = {
	[C_REASON] = {.name = "reason", .label = "取消原因", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 200,
	    .hint = "报名人在活动页面和进度查询中可以看到"},
};

enum { T_ATTENDED, T_HOURS, T__N };
static const struct field attend_fields[T__N] = {
	[T_ATTENDED] = {.name = "attended", .label = "出席", .kind = F_CHECK},
	[T_HOURS] = {.name = "hours", .label = "服务时长(小时)", .kind = F_INT,
	    .min = 0, .max = 24},
};

enum { R_REASON, R__N };
static const struct field remove_fields[R__N] = {
	[R_REASON] = {.name = "reason", .label = "移出原因", .kind = F_TEXT,
	    .min = 0, .max = 200},
};

/* ---- SQL ---- */

static const char sql_cancel[] =
    "UPDATE activities SET cancelled = 1, cancel_reason = ?2, updated_at = ?3"
    " WHERE id = ?1 AND cancelled = 0";
static const char sql_roster[] =
    "SELECT id, ref, name, phone, skills, note, status, attended, hours,"
    " created_at FROM signups WHERE activity_id = ?1 AND status = ?2"
    " ORDER BY id";
static const char sql_signup[] =
    "SELECT id, activity_id, status FROM signups WHERE ref = ?1";
static const char sql_attend[] =
    "UPDATE signups SET attended = ?2, hours = ?3, updated_at = ?4"
    " WHERE id = ?1 AND status = '" SIGNUP_CONFIRMED "'";
static const char sql_remove[] =
    "UPDATE signups SET status = '" SIGNUP_CANCELLED "', updated_at = ?2"
    " WHERE id = ?1 AND status <> '" SIGNUP_CANCELLED "'";

/* ---- GET /staff/volunteer/{id}: the roster ---- */

/* A problem to show beside one row's form (422), or none. */
struct row_error {
	const char *ref, *action, *message;
	const struct fresult *res;   /* that form's values, kept */
};

static struct tval *
signup_row(struct req *r, sqlite3_stmt *st, long long aid, long long position,
    const struct row_error *e)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	const char *ref = db_col_text(st, 1);
	tv_puts(a, m, "ref", ref);
	tv_puts(a, m, "name", db_col_text(st, 2));
	tv_puts(a, m, "phone", db_col_text(st, 3));
	tv_puts(a, m, "skills", db_col_text(st, 4));
	tv_puts(a, m, "note", db_col_text(st, 5));
	tv_puts(a, m, "status", db_col_text(st, 6));
	int attended = sqlite3_column_int(st, 7);
	long long hours = sqlite3_column_int64(st, 8);
	tv_putb(a, m, "attended", attended);
	tv_puts(a, m, "hours", arena_printf(a, "%lld", hours));
	tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 9)));
	if (position)
		tv_puti(a, m, "position", position);
	tv_putf(a, m, "attend_action", "/staff/volunteer/%lld/signups/%s/attend", aid, ref);
	tv_putf(a, m, "remove_action", "/staff/volunteer/%lld/signups/%s/remove", aid, ref);
	if (e && e->ref && strcmp(e->ref, ref) == 0) {
		struct tval *err = tv_map(a);
		tv_puts(a, err, "message", e->message);
		tv_put(a, m, strcmp(e->action, "attend") == 0 ? "attend_error" :
		    "remove_error", err);
		if (strcmp(e->action, "attend") == 0 && e->res) {
			tv_putb(a, m, "attended", e->res[T_ATTENDED].num);
			tv_puts(a, m, "hours", e->res[T_HOURS].value);
		}
	}
	return m;
}

/* The sign-ups of act with status into ctx[key]; attended/hours summed. */
static int
roster_list(struct req *r, const struct activity *act, const char *status,
    struct tval *ctx, const char *key, const struct row_error *e,
    long long sums[2])
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_roster);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, act->id);
	db_bind_text(st, 2, status);
	struct tval *list = tv_list(r->a);
	int waiting = strcmp(status, SIGNUP_WAITING) == 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tv_push(r->a, list, signup_row(r, st, act->id,
		    waiting ? (long long)list->n + 1 : 0, e));
		if (sums && sqlite3_column_int(st, 7)) {
			sums[0]++;
			sums[1] += sqlite3_column_int64(st, 8);
		}
	}
	sqlite3_reset(st);
	tv_put(r->a, ctx, key, list);
	return rc == SQLITE_DONE ? SQLITE_DONE : rc;
}

static const char *
done_message(struct req *r)
{
	const char *done = req_query(r, "done"), *n = req_query(r, "n");
	int moved = n && strspn(n, "0123456789") == strlen(n) && strlen(n) < 6 ?
	    atoi(n) : 0;
	const char *more = moved ? arena_printf(r->a,
	    "有 %d 位候补按报名先后转为正式,他们在进度查询中可以看到。", moved) : "";
	if (done == NULL)
		return NULL;
	if (strcmp(done, "created") == 0)
		return "活动已创建,已出现在公开的志愿服务页面上。";
	if (strcmp(done, "edited") == 0)
		return arena_printf(r->a, "修改已保存。%s", more);
	if (strcmp(done, "cancelled") == 0)
		return "活动已取消。每位报名人的进度查询中都记下了“活动取消”和原因。";
	if (strcmp(done, "attend") == 0)
		return "出席情况已保存。";
	if (strcmp(done, "removed") == 0)
		return arena_printf(r->a, "已移出这份报名。%s", more);
	return NULL;
}

static void
show_roster(struct req *r, int status, const struct activity *act,
    const struct row_error *e, const struct fresult *cancel_res)
{
	struct arena *a = r->a;
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(a);
	struct tval *av = activity_view(r, act, now);
	tv_put(a, ctx, "a", av);
	tv_put(a, ctx, "paragraphs", paragraphs(a, act->description));
	long long sums[2] = {0, 0};
	int rc = roster_list(r, act, SIGNUP_CONFIRMED, ctx, "confirmed", e, sums);
	if (rc == SQLITE_DONE)
		rc = roster_list(r, act, SIGNUP_WAITING, ctx, "waiting", e, NULL);
	if (rc == SQLITE_DONE)
		rc = roster_list(r, act, SIGNUP_CANCELLED, ctx, "cancelled", e, NULL);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	tv_puti(a, ctx, "attended", sums[0]);
	tv_puti(a, ctx, "hours", sums[1]);
	tv_puti(a, ctx, "n_cancelled", (long long)tv_get(ctx, "cancelled")->n);
	tv_putf(a, ctx, "cancel_action", "/staff/volunteer/%lld/cancel", act->id);
	tv_put(a, ctx, "cf", form_view(r, cancel_fields, C__N, cancel_res));
	const char *msg = done_message(r);
	if (msg && status == 200)
		tv_puts(a, ctx, "notice", msg);
	resp_render(r, status, "staff/volunteer/roster", ctx);
}

void
roster_get(struct req *r)
{
	struct activity *act = route_activity(r, 0);
	if (act)
		show_roster(r, 200, act, NULL, NULL);
}

/* ---- POST /staff/volunteer/{id}/cancel ---- */

/* Cancel act and tell every live sign-up, in one transaction.  Returns
 * SQLITE_DONE (*outcome OUT_GONE / OUT_CANCELLED: nothing changed) or the
 * failing code. */
static int
cancel_store(struct req *r, struct activity *act, const char *reason,
    enum outcome *outcome)
{
	struct db *db = r->app->db;
	const struct staff *s = staff_of(r);
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	int found = activity_load(r, act->id, act, &rc);
	if (found < 0)
		goto fail;
	*outcome = !found || !may_edit_activity(s, act) ? OUT_GONE :
	    act->cancelled ? OUT_CANCELLED : OUT_DONE;
	if (*outcome != OUT_DONE) {
		db_rollback(db);
		return SQLITE_DONE;
	}
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_cancel)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, act->id);
	db_bind_text(st, 2, reason);
	db_bind_text(st, 3, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	const char *note = arena_printf(r->a, "“%s”已取消:%s", act->title, reason);
	size_t n = 0;
	if ((rc = tell_everyone(r, act, EVENT_ACTIVITY_CANCELLED, note, &n)) != SQLITE_DONE)
		goto fail;
	audit(r->app->db, actor_of(r),
	    AUDIT_ACTIVITY_CANCEL, arena_printf(r->a, "activity:%lld", act->id),
	    arena_printf(r->a, "%s;原因:%s;通知 %zu 份报名", act->title, reason, n));
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
fail:
	db_rollback(db);
	return rc;
}

void
roster_cancel_post(struct req *r)
{
	struct activity *act = route_activity(r, 1);
	if (act == NULL)
		return;
	struct fresult res[C__N];
	if (form_check(r, cancel_fields, C__N, res)) {
		show_roster(r, 422, act, NULL, res);
		return;
	}
	enum outcome outcome = OUT_GONE;
	int rc = cancel_store(r, act, res[C_REASON].value, &outcome);
	if (rc != SQLITE_DONE)
		answer_db_failure(r, rc);
	else if (outcome == OUT_GONE)
		resp_error(r, 404, NULL);
	else
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=cancelled", act->id));
}

/* ---- one sign-up: attend, remove ---- */

struct signup {
	long long id;
	const char *ref, *status;
};

/* The route's {ref} when it is a sign-up of act: 1; 0 not; -1 (*rc). */
static int
signup_load(struct req *r, const struct activity *act, struct signup *s, int *rc)
{
	const char *ref = r->params[1];
	if (!ref_ok(ref, "ZY"))
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_signup);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st), found = 0;
	if (step == SQLITE_ROW && sqlite3_column_int64(st, 1) == act->id) {
		s->id = sqlite3_column_int64(st, 0);
		s->status = arena_strdup(r->a, db_col_text(st, 2));
		s->ref = ref;
		found = 1;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		*rc = step;
		return -1;
	}
	return found;
}

/* The route's activity (to change) and sign-up, or NULL after answering. */
static struct activity *
route_signup(struct req *r, struct signup *s)
{
	struct activity *act = route_activity(r, 1);
	int rc = SQLITE_ERROR, found;
	if (act == NULL)
		return NULL;
	if ((found = signup_load(r, act, s, &rc)) > 0)
		return act;
	if (found < 0)
		answer_db_failure(r, rc);
	else
		resp_error(r, 404, NULL);
	return NULL;
}

void
roster_attend_post(struct req *r)
{
	struct signup s;
	struct activity *act = route_signup(r, &s);
	if (act == NULL)
		return;
	struct fresult res[T__N];
	char now[32];
	utc_now_iso(now, sizeof(now));
	int errors = form_check(r, attend_fields, T__N, res);
	const char *why = res[T_HOURS].error;
	if (!errors && strcmp(s.status, SIGNUP_CONFIRMED) != 0)
		why = "只有已确认的报名可以登记出席";
	else if (!errors && strcmp(act->starts_at, now) > 0)
		why = "活动开始后才能登记出席和服务时长";
	else if (!errors && !res[T_ATTENDED].num && res[T_HOURS].num > 0)
		why = "未出席时服务时长应为 0;如已出席,请勾选“出席”";
	if (why) {
		struct row_error e = {s.ref, "attend", why, res};
		show_roster(r, 422, act, &e, NULL);
		return;
	}
	struct db *db = r->app->db;
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		goto fail;
	if ((st = db_prep(db, sql_attend)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, s.id);
	db_bind_int(st, 2, res[T_ATTENDED].num);
	db_bind_int(st, 3, res[T_HOURS].num);
	db_bind_text(st, 4, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	audit(r->app->db, actor_of(r), AUDIT_SIGNUP_ATTEND, s.ref, res[T_ATTENDED].num ?
	    arena_printf(r->a, "出席,服务 %lld 小时", res[T_HOURS].num) : "未出席");
	if ((rc = db_commit(db)) != SQLITE_OK)
		goto fail;
	resp_redirect(r, 303, arena_printf(r->a, "/staff/volunteer/%lld?done=attend#%s",
	    act->id, s.ref));
	return;
fail:
	answer_db_failure(r, rc);  /* rolls back */
}

/*
 * Remove sign-up s of act in one transaction: re-read both, mark it
 * 已取消 with a public event, and when it held a place of an activity
 * still to come, let the wait-list move up.  Returns SQLITE_DONE (*outcome
 * OUT_GONE: gone meanwhile; OUT_CANCELLED: already removed) or the code.
 */
static int
remove_store(struct req *r, struct activity *act, struct signup *s,
    const char *reason, enum outcome *outcome, const char **moved)
{
	struct db *db = r->app->db;
	const struct staff *me = staff_of(r);
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	int found = activity_load(r, act->id, act, &rc);
	if (found > 0)
		found = may_edit_activity(me, act) ? signup_load(r, act, s, &rc) : 0;
	if (found < 0)
		goto fail;
	*outcome = !found ? OUT_GONE :
	    strcmp(s->status, SIGNUP_CANCELLED) == 0 ? OUT_CANCELLED : OUT_DONE;
	if (*outcome != OUT_DONE) {
		db_rollback(db);
		return SQLITE_DONE;
	}
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_remove)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	const char *note = *reason ?
	    arena_printf(r->a, "工作人员取消了您的报名:%s", reason) :
	    "工作人员取消了您的报名";
	if ((rc = event_add(r->app->db, actor_of(r),
	    s->ref, SIGNUP_CANCELLED, note, 1)) != SQLITE_DONE)
		goto fail;
	*moved = "";
	if (strcmp(s->status, SIGNUP_CONFIRMED) == 0 && !act->cancelled &&
	    strcmp(act->starts_at, now) > 0 &&
	    (rc = roster_fill(r->app->db, actor_of(r), r->a,
	    act->id, moved)) != SQLITE_DONE)
		goto fail;
	audit(r->app->db, actor_of(r), AUDIT_SIGNUP_REMOVE, s->ref,
	    arena_printf(r->a, "activity:%lld;原为%s%s%s%s%s", act->id, s->status,
	    *reason ? ";原因:" : "", reason, **moved ? ";候补转正:" : "", *moved));
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
fail:
	db_rollback(db);
	return rc;
}

void
roster_remove_post(struct req *r)
{
	struct signup s;
	struct activity *act = route_signup(r, &s);
	if (act == NULL)
		return;
	struct fresult res[R__N];
	if (form_check(r, remove_fields, R__N, res)) {
		struct row_error e = {s.ref, "remove", res[R_REASON].error, NULL};
		show_roster(r, 422, act, &e, NULL);
		return;
	}
	enum outcome outcome = OUT_GONE;
	const char *moved = "";
	int rc = remove_store(r, act, &s, res[R_REASON].value, &outcome, &moved);
	if (rc != SQLITE_DONE)
		answer_db_failure(r, rc);
	else if (outcome == OUT_GONE)
		resp_error(r, 404, NULL);
	else
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=removed&n=%d", act->id, count_refs(moved)));
}

