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
 * change is one job with its events and its audit entry, and checks the
 * activity, the sign-up and who may change them again inside it.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "roster.h"
#include "staff.h"
#include "store.h"
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
	outbox_history_activity(r, ctx, act->id);
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

/* Job "activity.cancel": activity "id", when still there, the actor's and
 * not cancelled, cancelled with "reason", every live sign-up told, the
 * audit entry.  Out: "outcome" (OUT_GONE / OUT_CANCELLED: nothing
 * changed).  SQLITE_DONE or the failing code. */
static int
cancel_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct activity act = {0};
	enum outcome outcome;
	char now[32];
	const char *reason = job_text(in, "reason");
	if (reason == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = activity_for_job(db, &who, a, job_int(in, "id", 0), &act, &outcome);
	job_put_int(out, "outcome", outcome);
	if (rc != SQLITE_DONE || outcome != OUT_DONE)
		return rc;
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_cancel);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, act.id);
	db_bind_text(st, 2, reason);
	db_bind_text(st, 3, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	const char *note = arena_printf(a, "“%s”已取消:%s", act.title, reason);
	size_t n = 0;
	if ((rc = tell_everyone(db, &who, a, &act, EVENT_ACTIVITY_CANCELLED, note,
	    MSG_ACTIVITY_CANCELLED, &n)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_ACTIVITY_CANCEL,
	    arena_printf(a, "activity:%lld", act.id),
	    arena_printf(a, "%s;原因:%s;通知 %zu 份报名", act.title, reason, n));
}

/* Run job in for r; SQLITE_DONE with the job's "outcome", else answered
 * (503 / 500) and -1. */
static int
run_outcome(struct req *r, struct job *in, struct job *out, enum outcome *outcome)
{
	int rc = store_job(r, in, out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return -1;
	}
	*outcome = (enum outcome)job_int(out, "outcome", OUT_GONE);
	return 0;
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
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	enum outcome outcome;
	job_init(&in, "activity.cancel");
	job_put_int(&in, "id", act->id);
	job_put_text(&in, "reason", res[C_REASON].value);
	if (run_outcome(r, &in, &out, &outcome) != 0)
		return;
	if (outcome == OUT_GONE)
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

/* Sign-up ref when it is one of activity act_id, into s (strings in a):
 * 1; 0 not; -1 (*rc). */
static int
signup_read(struct db *db, struct arena *a, long long act_id, const char *ref,
    struct signup *s, int *rc)
{
	if (ref == NULL || !ref_ok(ref, "ZY"))
		return 0;
	sqlite3_stmt *st = db_prep(db, sql_signup);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st), found = 0;
	if (step == SQLITE_ROW && sqlite3_column_int64(st, 1) == act_id) {
		s->id = sqlite3_column_int64(st, 0);
		s->status = arena_strdup(a, db_col_text(st, 2));
		s->ref = arena_strdup(a, ref);
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
	if ((found = signup_read(r->app->db, r->a, act->id, r->params[1], s, &rc)) > 0)
		return act;
	if (found < 0)
		answer_db_failure(r, rc);
	else
		resp_error(r, 404, NULL);
	return NULL;
}

/*
 * Inside a job: activity "id" and its sign-up "ref" read again, and
 * whether the actor may change them.  SQLITE_DONE with *outcome (OUT_DONE:
 * act and s are filled; OUT_GONE: either is not there or not theirs), or
 * the failing code.
 */
static int
signup_for_job(struct db *db, const struct actor *who, struct arena *a,
    const struct job *in, struct activity *act, struct signup *s,
    enum outcome *outcome)
{
	int rc = activity_for_job(db, who, a, job_int(in, "id", 0), act, outcome);
	if (rc != SQLITE_DONE || *outcome == OUT_GONE)
		return rc;
	int found = signup_read(db, a, act->id, job_text(in, "ref"), s, &rc);
	if (found < 0)
		return rc;
	if (found == 0)
		*outcome = OUT_GONE;
	return SQLITE_DONE;
}

/* Why a sign-up of act in state status cannot have attendance (attended,
 * hours) recorded at now, or NULL when it can. */
static const char *
attend_refusal(const struct activity *act, const char *status, long long attended,
    long long hours, const char *now)
{
	if (strcmp(status, SIGNUP_CONFIRMED) != 0)
		return "只有已确认的报名可以登记出席";
	if (strcmp(act->starts_at, now) > 0)
		return "活动开始后才能登记出席和服务时长";
	if (!attended && hours > 0)
		return "未出席时服务时长应为 0;如已出席,请勾选“出席”";
	return NULL;
}

/* Job "signup.attend": sign-up "ref" of activity "id" gets "attended" and
 * "hours", checked again here (attend_refusal), with its audit entry.  Out:
 * "outcome" (OUT_DONE, OUT_GONE) and "why" when refused (OUT_CLOSED). */
static int
attend_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct activity act = {0};
	struct signup s = {0};
	enum outcome outcome;
	char now[32];
	long long attended = job_int(in, "attended", 0), hours = job_int(in, "hours", 0);
	job_actor(in, &who);
	int rc = signup_for_job(db, &who, a, in, &act, &s, &outcome);
	if (rc != SQLITE_DONE || outcome == OUT_GONE) {
		job_put_int(out, "outcome", OUT_GONE);
		return rc;
	}
	utc_now_iso(now, sizeof(now));
	const char *why = attend_refusal(&act, s.status, attended, hours, now);
	if (why) {
		job_put_int(out, "outcome", OUT_CLOSED);
		job_put_text(out, "why", why);
		return SQLITE_DONE;
	}
	job_put_int(out, "outcome", OUT_DONE);
	sqlite3_stmt *st = db_prep(db, sql_attend);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, s.id);
	db_bind_int(st, 2, attended);
	db_bind_int(st, 3, hours);
	db_bind_text(st, 4, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_SIGNUP_ATTEND, s.ref, attended ?
	    arena_printf(a, "出席,服务 %lld 小时", hours) : "未出席");
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
	if (!errors)
		why = attend_refusal(act, s.status, res[T_ATTENDED].num,
		    res[T_HOURS].num, now);
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	enum outcome outcome = OUT_CLOSED;
	if (why == NULL) {
		job_init(&in, "signup.attend");
		job_put_int(&in, "id", act->id);
		job_put_text(&in, "ref", s.ref);
		job_put_int(&in, "attended", res[T_ATTENDED].num);
		job_put_int(&in, "hours", res[T_HOURS].num);
		if (run_outcome(r, &in, &out, &outcome) != 0)
			return;
		why = job_text(&out, "why");
	}
	if (outcome == OUT_GONE) {
		resp_error(r, 404, NULL);
	} else if (outcome != OUT_DONE) {
		struct row_error e = {s.ref, "attend", why, res};
		show_roster(r, 422, act, &e, NULL);
	} else {
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=attend#%s", act->id, s.ref));
	}
}

/*
 * Job "signup.remove": sign-up "ref" of activity "id" (both read again,
 * the actor's to change) marked 已取消 with a public event and "reason";
 * when it held a place of an activity still to come, the wait-list moves
 * up.  Out: "outcome" (OUT_GONE: gone meanwhile; OUT_CANCELLED: already
 * removed; nothing changed in both) and "moved" (the references moved up).
 */
static int
remove_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct activity act = {0};
	struct signup s = {0};
	enum outcome outcome;
	char now[32];
	const char *reason = job_text(in, "reason");
	if (reason == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = signup_for_job(db, &who, a, in, &act, &s, &outcome);
	if (rc == SQLITE_DONE && outcome == OUT_CANCELLED)
		outcome = OUT_DONE;   /* a cancelled activity's sign-ups may go */
	if (rc == SQLITE_DONE && outcome == OUT_DONE &&
	    strcmp(s.status, SIGNUP_CANCELLED) == 0)
		outcome = OUT_CANCELLED;
	job_put_int(out, "outcome", outcome);
	if (rc != SQLITE_DONE || outcome != OUT_DONE)
		return rc;
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_remove);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, s.id);
	db_bind_text(st, 2, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	const char *note = *reason ?
	    arena_printf(a, "工作人员取消了您的报名:%s", reason) :
	    "工作人员取消了您的报名";
	if ((rc = event_add(db, &who, s.ref, SIGNUP_CANCELLED, note, 1)) != SQLITE_DONE)
		return rc;
	const char *moved = "";
	if (strcmp(s.status, SIGNUP_CONFIRMED) == 0 && !act.cancelled &&
	    strcmp(act.starts_at, now) > 0 &&
	    (rc = roster_fill(db, &who, a, act.id, &moved)) != SQLITE_DONE)
		return rc;
	job_put_text(out, "moved", moved);
	return audit(db, &who, AUDIT_SIGNUP_REMOVE, s.ref,
	    arena_printf(a, "activity:%lld;原为%s%s%s%s%s", act.id, s.status,
	    *reason ? ";原因:" : "", reason, *moved ? ";候补转正:" : "", moved));
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
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	enum outcome outcome;
	job_init(&in, "signup.remove");
	job_put_int(&in, "id", act->id);
	job_put_text(&in, "ref", s.ref);
	job_put_text(&in, "reason", res[R_REASON].value);
	if (run_outcome(r, &in, &out, &outcome) != 0)
		return;
	const char *moved = job_text(&out, "moved");
	if (outcome == OUT_GONE)
		resp_error(r, 404, NULL);
	else
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=removed&n=%d", act->id,
		    count_refs(moved ? moved : "")));
}

const struct job_type page_staff_roster_jobs[] = {
	{"activity.cancel", cancel_job},
	{"signup.attend", attend_job},
	{"signup.remove", remove_job},
	{0},
};
