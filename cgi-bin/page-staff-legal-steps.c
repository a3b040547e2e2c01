/*
 * page-staff-legal-steps.c - the workflow of a 法律援助 case on the staff
 * desk: the step table, the forms of its steps, their part of the case
 * page and the POST handler (its route is in page-staff-legal.c's table).
 *
 *   POST /staff/legal-aid/{ref}/{step}       accept, reject, assign, mediate,
 *                                            close, contact, note
 *
 * The workflow: 待受理 → 已受理 (or 不予受理, with a reason) → 已指派 (a
 * legal officer who sees the district, and the lawyer or mediator) → 调解中
 * → closed as 调解成功 (amount recovered), 转仲裁, 转诉讼 or 撤回, from 已指派
 * or 调解中.  Each step is checked against the state (and the district
 * wall, and the assignee) inside the job that makes it ("legal.step"), is
 * one public event (the applicant's /status shows it) and one audit entry.  Notes are internal events, allowed at any step.
 *
 * The working-day clock (workday.h): a case's first contact is due
 * LEGAL_CONTACT_DAYS after it arrives; staff record it once, at any open
 * state, with the 已首次联系 step ("contact": first_contact_at, a public
 * event, the audit entry).  Accepting a case sets its closing target,
 * LEGAL_CLOSE_DAYS working days after the day it is accepted.
 */
#include <stddef.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "page-staff-legal.h"
#include "staff.h"
#include "text.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "workday.h"

#define MAX_FEN 10000000000LL

/* ---- SQL ---- */

static const char sql_assignees[] =
    "SELECT id, username, display_name FROM staff WHERE disabled = 0"
    " AND role IN ('" ROLE_NAME_LEGAL "', '" ROLE_NAME_ADMIN "')"
    " AND (district_id IS NULL OR district_id = ?1)"
    " ORDER BY role = '" ROLE_NAME_ADMIN "', username";
static const char sql_status_now[] =
    "SELECT status, id, district_id, phone, created_at FROM legal_cases WHERE ref = ?1";
static const char sql_assignee_ok[] =
    "SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0"
    " AND role IN ('" ROLE_NAME_LEGAL "', '" ROLE_NAME_ADMIN "')"
    " AND (district_id IS NULL OR district_id = ?2)";
static const char sql_update[] =
    "UPDATE legal_cases SET status = ?2, reason = coalesce(?3, reason),"
    " assignee_id = coalesce(?4, assignee_id),"
    " handler_name = coalesce(?5, handler_name),"
    " recovered_fen = coalesce(?6, recovered_fen),"
    " closed_at = coalesce(?7, closed_at), updated_at = ?8,"
    " accepted_at = coalesce(?10, accepted_at),"
    " close_due_on = coalesce(?11, close_due_on),"
    " close_workdays = coalesce(?12, close_workdays)"
    " WHERE id = ?1 AND status = ?9";
/* The first contact, once, while the case is open. */
static const char sql_contact[] =
    "UPDATE legal_cases SET first_contact_at = ?2, updated_at = ?2"
    " WHERE id = ?1 AND first_contact_at IS NULL AND closed_at IS NULL"
    " RETURNING contact_due_on";

/* ---- the forms of the steps ---- */

enum { R_REASON, R__N };
static const struct field reject_fields[R__N] = {
	[R_REASON] = {"reason", "不予受理原因", F_TEXTAREA, 1, 2, 500, NULL,
	    "申请人在进度查询中可以看到,请写清楚原因和可以去哪里求助", NULL},
};

enum { A_ASSIGNEE, A_HANDLER, A__N };
static const struct field assign_fields[A__N] = {
	[A_ASSIGNEE] = {"assignee", "负责人", F_SELECT, 1, 0, 0, NULL,
	    "可以办理本区县案件的法律援助专员或管理员", NULL},
	[A_HANDLER] = {"handler_name", "律师或调解员姓名", F_TEXT, 1, 1, 50, NULL,
	    "具体承办的律师或调解员,申请人在进度查询中可以看到", NULL},
};

enum { C_OUTCOME, C_RECOVERED, C_NOTE, C__N };
static const struct field close_fields[C__N] = {
	[C_OUTCOME] = {"outcome", "办结结果", F_RADIO, 1, 0, 0, legal_outcomes, NULL, NULL},
	[C_RECOVERED] = {"recovered", "追回金额(元)", F_MONEY, 0, 0, MAX_FEN, NULL,
	    LEGAL_SETTLED "时必填,最多两位小数", "例如 3500 或 3500.50"},
	[C_NOTE] = {"close_note", "给申请人的说明", F_TEXTAREA, 0, 0, 500, NULL,
	    "选填。申请人在进度查询中可以看到", NULL},
};

static const char *const contact_ways[] = {"电话", "短信", "面谈", "其他", NULL};
enum { K_WAY, K_NOTE, K__N };
static const struct field contact_fields[K__N] = {
	[K_WAY] = {"way", "联系方式", F_RADIO, 1, 0, 0, contact_ways, NULL, NULL},
	[K_NOTE] = {"contact_note", "联系情况", F_TEXTAREA, 0, 0, 1000, NULL,
	    "选填。内部备注,只有工作人员可以看到", NULL},
};

enum { N_NOTE, N__N };
static const struct field note_fields[N__N] = {
	[N_NOTE] = {"note", "备注", F_TEXTAREA, 1, 1, 2000, NULL,
	    "内部备注,只有工作人员可以看到", NULL},
};

/* Who a case may be assigned to: legal officers and admins who see its
 * district.  labels is NULL-terminated (the select's options). */
struct assignees {
	size_t n;
	long long *ids;
	const char **labels;
};

static void
load_assignees(struct req *r, long long district_id, struct assignees *as)
{
	size_t cap = 16;
	as->n = 0;
	as->ids = arena_calloc(r->a, cap, sizeof(*as->ids));
	as->labels = arena_calloc(r->a, cap + 1, sizeof(*as->labels));
	sqlite3_stmt *st = db_prep(r->app->db, sql_assignees);
	if (st == NULL)
		return;
	db_bind_int(st, 1, district_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (as->n == cap) {
			long long *ids = arena_calloc(r->a, cap * 2, sizeof(*ids));
			const char **labels = arena_calloc(r->a, cap * 2 + 1, sizeof(*labels));
			memcpy(ids, as->ids, cap * sizeof(*ids));
			memcpy(labels, as->labels, cap * sizeof(*labels));
			as->ids = ids, as->labels = labels, cap *= 2;
		}
		as->ids[as->n] = sqlite3_column_int64(st, 0);
		as->labels[as->n] = legal_staff_label(r->a, db_col_text(st, 2),
		    db_col_text(st, 1));
		as->n++;
	}
	sqlite3_reset(st);
	as->labels[as->n] = NULL;
}

/* The assign form's table with today's choice of people. */
static const struct field *
assign_table(struct req *r, const struct assignees *as)
{
	struct field *f = arena_alloc(r->a, sizeof(assign_fields));
	memcpy(f, assign_fields, sizeof(assign_fields));
	f[A_ASSIGNEE].options = as->labels;
	return f;
}

/* ---- the workflow ---- */

/* What a step changes; NULL / -1 / 0 leave a column as it is. */
struct change {
	const char *to;           /* new status; NULL: none (a note) */
	const char *reason;
	long long assignee_id;
	const char *handler;
	long long recovered;      /* 分, -1: none */
	int closes;               /* sets closed_at */
	int accepts;              /* sets accepted_at and the closing target */
	int contact;              /* sets first_contact_at (no new status) */
	const char *event;        /* the public event's status when not to */
	const char *note;         /* the event's note */
	const char *internal;     /* an internal note besides, or NULL */
	const char *detail;       /* for the audit log */
};

struct step;
typedef int (*check_fn)(struct req *r, const struct lcase *c,
    const struct step *s, struct fresult *res, struct change *ch);

struct step {
	const char *name;         /* the URL's last segment */
	const char *action;       /* its audit entry's */
	const char *verb;         /* what it does, for messages */
	const char *from[4];      /* states it starts from; none listed: any */
	const char *to;           /* the state it leads to; NULL: the form says */
	check_fn check;
	const char *done;         /* the notice after it */
	const char *message;      /* the text the applicant gets (MSG_*), or NULL */
};

static int
check_accept(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)r, (void)c, (void)res;
	ch->to = s->to;
	ch->accepts = 1;
	ch->note = "正在安排律师或调解员";
	return 0;
}

static int
check_contact(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c, (void)s;
	int errors = form_check(r, contact_fields, K__N, res);
	const char *way = res[K_WAY].value, *note = res[K_NOTE].value;
	ch->contact = 1;
	ch->event = EVENT_FIRST_CONTACT;
	ch->note = arena_printf(r->a, "工作人员已通过%s与您联系", way);
	ch->internal = *note ? note : NULL;
	ch->detail = arena_printf(r->a, "%s%s%s", way, *note ? ":" : "", note);
	return errors;
}

static int
check_mediate(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)r, (void)c, (void)res;
	ch->to = s->to;
	ch->note = c->handler[0] ? arena_printf(r->a, "%s正在组织调解", c->handler) :
	    "正在组织调解";
	return 0;
}

static int
check_reject(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c;
	int errors = form_check(r, reject_fields, R__N, res);
	ch->to = s->to;
	ch->reason = ch->note = res[R_REASON].value;
	ch->closes = 1;
	return errors;
}

static int
check_assign(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	struct assignees as;
	load_assignees(r, c->district_id, &as);
	int errors = form_check(r, assign_table(r, &as), A__N, res);
	for (size_t i = 0; i < as.n && !res[A_ASSIGNEE].error; i++)
		if (strcmp(as.labels[i], res[A_ASSIGNEE].value) == 0)
			ch->assignee_id = as.ids[i];
	if (!res[A_ASSIGNEE].error && ch->assignee_id == 0) {
		res[A_ASSIGNEE].error = "请从列表中选择负责人";
		errors++;
	}
	ch->to = s->to;
	ch->handler = res[A_HANDLER].value;
	ch->note = arena_printf(r->a, "已指派%s负责,将与您联系", ch->handler);
	ch->detail = arena_printf(r->a, "负责人 %s;律师或调解员 %s",
	    res[A_ASSIGNEE].value, ch->handler);
	return errors;
}

static int
check_close(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c, (void)s;
	int errors = form_check(r, close_fields, C__N, res);
	int success = strcmp(res[C_OUTCOME].value, LEGAL_SETTLED) == 0;
	const char *note = res[C_NOTE].value;
	if (success && !res[C_RECOVERED].error && res[C_RECOVERED].value[0] == '\0') {
		res[C_RECOVERED].error = LEGAL_SETTLED "时请填写追回金额(没有追回金额的填 0)";
		errors++;
	}
	ch->to = res[C_OUTCOME].value;
	ch->closes = 1;
	ch->note = note;
	if (success) {
		ch->recovered = res[C_RECOVERED].num;
		ch->note = arena_printf(r->a, "追回金额 ¥%s%s%s",
		    show_yuan(r->a, ch->recovered), *note ? "。" : "", note);
	}
	return errors;
}

static int
check_note(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c, (void)s;
	int errors = form_check(r, note_fields, N__N, res);
	ch->note = ch->detail = res[N_NOTE].value;
	return errors;
}

static const struct step steps[] = {
	{"accept", AUDIT_LEGAL_ACCEPT, "受理", {LEGAL_NEW}, LEGAL_ACCEPTED,
	    check_accept, LEGAL_ACCEPTED, MSG_LEGAL_ACCEPTED},
	{"reject", AUDIT_LEGAL_REJECT, "不予受理", {LEGAL_NEW}, LEGAL_REFUSED,
	    check_reject, "已记为" LEGAL_REFUSED, MSG_LEGAL_REFUSED},
	{"assign", AUDIT_LEGAL_ASSIGN, "指派", {LEGAL_ACCEPTED}, LEGAL_ASSIGNED,
	    check_assign, LEGAL_ASSIGNED, MSG_LEGAL_ASSIGNED},
	{"mediate", AUDIT_LEGAL_MEDIATE, "开始调解", {LEGAL_ASSIGNED}, LEGAL_MEDIATING,
	    check_mediate, "已开始调解", NULL},
	{"close", AUDIT_LEGAL_CLOSE, "结案", {LEGAL_ASSIGNED, LEGAL_MEDIATING}, NULL,
	    check_close, "已结案", MSG_LEGAL_CLOSED},
	{"contact", AUDIT_LEGAL_CONTACT, "记录首次联系", {LEGAL_NEW, LEGAL_ACCEPTED,
	    LEGAL_ASSIGNED, LEGAL_MEDIATING}, NULL, check_contact, "已记录首次联系", NULL},
	{"note", AUDIT_LEGAL_NOTE, "添加备注", {NULL}, NULL, check_note, "备注已添加",
	    NULL},
};

static const struct step *
step_named(const char *name)
{
	for (size_t i = 0; name && i < ZJ_NELEM(steps); i++)
		if (strcmp(steps[i].name, name) == 0)
			return &steps[i];
	return NULL;
}

static int
allowed(const struct step *s, const char *status)
{
	if (s->from[0] == NULL)
		return 1;
	for (size_t i = 0; i < ZJ_NELEM(s->from) && s->from[i]; i++)
		if (strcmp(s->from[i], status) == 0)
			return 1;
	return 0;
}

void
legal_workflow_view(struct req *r, struct tval *ctx, const struct lcase *c,
    const char *failed, const struct fresult *res, int notice)
{
	struct arena *a = r->a;
	struct assignees as;
	const char *which = failed ? failed : "";
	for (size_t i = 0; i < ZJ_NELEM(steps); i++)
		tv_putb(a, ctx, arena_printf(a, "can_%s", steps[i].name),
		    allowed(&steps[i], c->status) &&
		    (strcmp(steps[i].name, "contact") != 0 || *c->first_contact == '\0'));
	load_assignees(r, c->district_id, &as);
	struct tval *forms = tv_map(a);
	tv_put(a, forms, "reject", form_view(r, reject_fields, R__N,
	    strcmp(which, "reject") ? NULL : res));
	tv_put(a, forms, "assign", form_view(r, assign_table(r, &as), A__N,
	    strcmp(which, "assign") ? NULL : res));
	tv_put(a, forms, "close", form_view(r, close_fields, C__N,
	    strcmp(which, "close") ? NULL : res));
	tv_put(a, forms, "note", form_view(r, note_fields, N__N,
	    strcmp(which, "note") ? NULL : res));
	tv_put(a, forms, "contact", form_view(r, contact_fields, K__N,
	    strcmp(which, "contact") ? NULL : res));
	tv_put(a, ctx, "forms", forms);
	tv_putb(a, ctx, "no_assignees", as.n == 0);
	if (failed && res)
		tv_put(a, ctx, "f", tv_get(forms, which));
	const struct step *done = step_named(req_query(r, "done"));
	if (done && notice)
		tv_puts(a, ctx, "notice", done->done);
}

/* What legal_apply makes: a step on a case, as checked by the page. */
struct apply_input {
	const char *ref;
	const struct step *step;
	const struct change *ch;
	const char *now;          /* out: the case's status inside the transaction */
};

/*
 * Inside the transaction: is assignee (0: none to check) still a legal
 * officer or admin, enabled, who sees district_id?  SQLITE_OK, SQLITE_
 * CONSTRAINT when not, or the failing code.
 */
static int
assignee_still_ok(struct db *db, long long assignee, long long district_id)
{
	if (assignee == 0)
		return SQLITE_OK;
	sqlite3_stmt *st = db_prep(db, sql_assignee_ok);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, assignee);
	db_bind_int(st, 2, district_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ?
	    SQLITE_CONSTRAINT : rc;
}

/*
 * store_fn: make the step.  The case, its district (who's wall) and its
 * state are read again inside the transaction, so two people acting at
 * once cannot both move the case; then the row, the event, the text to
 * the applicant (the step's message, if any) and the audit entry (and,
 * when it closes the case, the follow-up offered: 回访).  Returns SQLITE_DONE; SQLITE_MISMATCH when the state no longer
 * allows the step (in->now set), SQLITE_AUTH when there is no such case
 * in who's district, SQLITE_CONSTRAINT when the chosen assignee may no
 * longer take it (nothing changed in these three); or the failing code.
 */
static int
legal_apply(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct apply_input *in = arg;
	const struct change *ch = in->ch;
	char at[32];
	utc_now_iso(at, sizeof(at));
	sqlite3_stmt *st = db_prep(db, sql_status_now);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->ref);
	int rc = sqlite3_step(st);
	long long case_id = 0, district_id = 0;
	const char *phone = "", *created = "";
	if (rc == SQLITE_ROW) {
		in->now = arena_strdup(a, db_col_text(st, 0));
		case_id = sqlite3_column_int64(st, 1);
		district_id = sqlite3_column_int64(st, 2);
		phone = arena_strdup(a, db_col_text(st, 3));
		created = arena_strdup(a, db_col_text(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	if ((rc = store_district_wall(db, who, district_id)) != SQLITE_OK)
		return rc;
	if (!allowed(in->step, in->now))
		return SQLITE_MISMATCH;
	if ((rc = assignee_still_ok(db, ch->assignee_id, district_id)) != SQLITE_OK)
		return rc;
	const char *kept = NULL;
	if (ch->contact) {
		if ((st = db_prep(db, sql_contact)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, case_id);
		db_bind_text(st, 2, at);
		rc = sqlite3_step(st);
		const char *due = rc == SQLITE_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return SQLITE_MISMATCH;   /* recorded already, or closed */
		if (rc != SQLITE_ROW)
			return rc;
		long late;
		kept = workday_kept(a, workday_calendar(db), due, at, &late);
	}
	char close_due[16] = "";
	if (ch->accepts)
		workday_due_after(workday_calendar(db), at, LEGAL_CLOSE_DAYS, close_due,
		    sizeof(close_due));
	if (ch->to) {
		if ((st = db_prep(db, sql_update)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, case_id);
		db_bind_text(st, 2, ch->to);
		db_bind_text(st, 3, ch->reason);
		if (ch->assignee_id)
			db_bind_int(st, 4, ch->assignee_id);
		db_bind_text(st, 5, ch->handler);
		if (ch->recovered >= 0)
			db_bind_int(st, 6, ch->recovered);
		db_bind_text(st, 7, ch->closes ? at : NULL);
		db_bind_text(st, 8, at);
		db_bind_text(st, 9, in->now);
		db_bind_text(st, 10, ch->accepts ? at : NULL);
		db_bind_text(st, 11, *close_due ? close_due : NULL);
		long from, to;   /* the working days it took, for 平均办结工作日 */
		if (ch->closes && day_of_utc(created, &from) == 0 && day_of_utc(at, &to) == 0)
			db_bind_int(st, 12, workday_count(workday_calendar(db), from, to));
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	rc = event_add(db, who, in->ref, ch->event ? ch->event : ch->to ? ch->to : in->now,
	    ch->note, ch->to != NULL || ch->event != NULL);
	if (rc == SQLITE_DONE && ch->internal)
		rc = event_add(db, who, in->ref, EVENT_NOTE, ch->internal, 0);
	if (rc != SQLITE_DONE)
		return rc;
	if (in->step->message) {
		/* only the reference: the outcome, the amount and the facts
		 * are read at /status, never sent */
		const char *vars[] = {"ref", in->ref, NULL};
		rc = outbox_put(db, who, in->step->message, in->ref, phone, vars);
		if (rc != SQLITE_DONE)
			return rc;
	}
	const char *what = ch->detail ? ch->detail : ch->note ? ch->note : "";
	if (kept)
		what = arena_printf(a, "%s(%s)", what, kept);
	if (*close_due)
		what = arena_printf(a, "%s;结案目标 %s", what, close_due);
	if (ch->to)
		what = arena_printf(a, "%s → %s%s%s", in->now, ch->to, *what ? ":" : "",
		    what);
	rc = audit(db, who, in->step->action, in->ref, what);
	/* Closed with an outcome: the applicant is asked how it went (回访). */
	if (rc == SQLITE_DONE && ch->to && strcmp(in->step->name, "close") == 0)
		rc = feedback_offer(db, who, SERVICE_LEGAL, in->ref, NULL);
	return rc;
}

/*
 * Job "legal.step": legal_apply of the step named "step" on case "ref",
 * the change as the page checked it ("to", "reason", "assignee",
 * "handler", "recovered" (-1: none), "closes", "note", "detail"), by the
 * job's actor.  Out: "now", the state it found.
 */
static int
legal_step_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	const struct step *s = step_named(job_text(in, "step"));
	const char *ref = job_text(in, "ref");
	if (s == NULL || ref == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	struct change ch = {
		.to = job_text(in, "to"), .reason = job_text(in, "reason"),
		.assignee_id = job_int(in, "assignee", 0),
		.handler = job_text(in, "handler"),
		.recovered = job_int(in, "recovered", -1),
		.closes = (int)job_int(in, "closes", 0),
		.accepts = (int)job_int(in, "accepts", 0),
		.contact = (int)job_int(in, "contact", 0),
		.event = job_text(in, "event"), .internal = job_text(in, "internal"),
		.note = job_text(in, "note"), .detail = job_text(in, "detail"),
	};
	struct apply_input ai = {.ref = ref, .step = s, .ch = &ch, .now = ""};
	int rc = legal_apply(db, &who, a, &ai);
	job_put_text(out, "now", ai.now);
	return rc;
}

const struct job_type page_staff_legal_steps_jobs[] = {
	{"legal.step", legal_step_job},
	{0},
};

static const char *
refusal(struct req *r, const struct step *s, const char *status)
{
	return arena_printf(r->a, "这个案件现在是“%s”状态,不能%s,什么也没有改变。"
	    "可能其他工作人员刚刚处理过,请看下方的最新状态。", status, s->verb);
}

void
legal_step(struct req *r)
{
	struct lcase c;
	struct fresult res[(int)C__N + (int)A__N + (int)K__N];  /* room for any step's form */
	struct change ch = {.recovered = -1};
	const struct step *s = step_named(r->params[1]);
	if (s == NULL || !legal_load_case(r, r->params[0], &c)) {
		resp_error(r, 404, NULL);
		return;
	}
	if (!allowed(s, c.status)) {
		legal_show_case(r, 409, &c, NULL, NULL, refusal(r, s, c.status));
		return;
	}
	if (strcmp(s->name, "contact") == 0 && *c.first_contact) {
		legal_show_case(r, 409, &c, NULL, NULL, "这个案件已经记录过首次联系,"
		    "什么也没有改变。之后的联系请用“添加备注”记录。");
		return;
	}
	memset(res, 0, sizeof(res));
	if (s->check(r, &c, s, res, &ch) > 0) {
		legal_show_case(r, 422, &c, s->name, res, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "legal.step");
	job_put_text(&in, "step", s->name);
	job_put_text(&in, "ref", c.ref);
	job_put_text(&in, "to", ch.to);
	job_put_text(&in, "reason", ch.reason);
	job_put_int(&in, "assignee", ch.assignee_id);
	job_put_text(&in, "handler", ch.handler);
	job_put_int(&in, "recovered", ch.recovered);
	job_put_int(&in, "closes", ch.closes);
	job_put_int(&in, "accepts", ch.accepts);
	job_put_int(&in, "contact", ch.contact);
	job_put_text(&in, "event", ch.event);
	job_put_text(&in, "internal", ch.internal);
	job_put_text(&in, "note", ch.note);
	job_put_text(&in, "detail", ch.detail);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_MISMATCH || rc == SQLITE_CONSTRAINT) {
		const char *now = job_text(&out, "now");
		if (!legal_load_case(r, c.ref, &c))
			resp_error(r, 404, NULL);
		else if (rc == SQLITE_MISMATCH && strcmp(s->name, "contact") == 0 &&
		    allowed(s, c.status))
			legal_show_case(r, 409, &c, NULL, NULL, "这个案件已经记录过首次联系,"
			    "什么也没有改变。之后的联系请用“添加备注”记录。");
		else if (rc == SQLITE_MISMATCH)
			legal_show_case(r, 409, &c, NULL, NULL, refusal(r, s,
			    now ? now : c.status));
		else
			legal_show_case(r, 409, &c, NULL, NULL, "所选负责人现在不能办理"
			    "这个案件(账号已停用或已调到其他区县),什么也没有改变,请重新选择。");
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/legal-aid/%s?done=%s",
	    c.ref, s->name));
}
