/*
 * page-staff-appeal-steps.c - the workflow of a 诉求 on the staff desk: the
 * step table, the forms of its steps, their part of the appeal's page, the
 * job that makes a step and the POST handler (the routes are in
 * page-staff-appeals.c's table; the page itself is page-staff-appeal-record.c).
 *
 *   POST /staff/appeals/{ref}/{step}    dispatch, answer, close, refuse, legal,
 *                                       note
 *
 * The workflow, as a table (struct step): 待分派 → 已派单 (to a district, a
 * member of staff who handles it, and a due date; dispatched again while
 * 已派单) → 已答复 (a reply the person reads at /status) → 已办结; or
 * 不予受理 with a reason (shown at /status) from 待分派 or 已派单.  A 投诉 or
 * 求助 not yet closed can become a 法律援助 case ("legal"): a legal_cases
 * row with its own FY reference and the facts carried over, the appeal
 * closed as 已办结 with legal_ref set, and both histories saying so.
 * Notes are internal events, at any step.
 *
 * Each step is made by the job "appeal.step", which reads the appeal
 * again inside the write transaction: its state, the district wall (the
 * appeal's district, and for a dispatch the district it goes to), the
 * assignee (enabled, an admin or reviewer who handles that district) —
 * then writes the row, the event and the audit entry together.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "outbox.h"
#include "lists.h"
#include "page-staff-appeals.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"
#include "text.h"
#include "valid.h"
#include "vocab.h"
#include "workday.h"
#include "when.h"
#include "workflow.h"
#include "writer.h"

#define DUE_MAX_DAYS 366   /* a due date this far ahead at most */

/* ---- SQL ---- */

static const char sql_assignees[] =
    "SELECT s.id, s.username, s.display_name, coalesce(d.name, ''),"
    "  coalesce(s.district_id, 0)"
    " FROM staff s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.disabled = 0"
    " AND s.role IN ('" ROLE_NAME_ADMIN "', '" ROLE_NAME_REVIEWER "')"
    " AND (?1 = 0 OR s.district_id IS NULL OR s.district_id = ?1)"
    " ORDER BY s.district_id IS NULL, d.code, s.username";
static const char sql_assignee_ok[] =
    "SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0"
    " AND role IN ('" ROLE_NAME_ADMIN "', '" ROLE_NAME_REVIEWER "')"
    " AND (district_id IS NULL OR district_id = ?2)";
/* In the job: the appeal as it is now. */
static const char sql_now[] =
    "SELECT id, status, district_id, kind, coalesce(legal_ref, ''), name, phone,"
    "  may_contact, content FROM appeals WHERE ref = ?1";
static const char sql_update[] =
    "UPDATE appeals SET status = coalesce(?2, status),"
    " district_id = coalesce(?3, district_id), assignee_id = coalesce(?4, assignee_id),"
    " due_on = coalesce(?5, due_on), reply = coalesce(?6, reply),"
    " replied_at = coalesce(?7, replied_at), reason = coalesce(?8, reason),"
    " legal_ref = coalesce(?9, legal_ref), closed_at = coalesce(?10, closed_at),"
    " updated_at = ?11 WHERE id = ?1 AND status = ?12";
/*
 * The 法律援助 case an appeal becomes.  consent_sensitive = 1 is what the
 * table requires of every case; it is true here only because no ID
 * number is stored (id_number ''): the appeal form asks for none, and the
 * person gives it, with their consent, if the case needs it later.
 * member_status is 不详 (the appeal does not ask), people 1, amount
 * unknown; contacting follows the appeal's 方便联系.
 */
static const char sql_legal_insert[] =
    "INSERT INTO legal_cases (ref, name, phone, id_number, district_id, employer,"
    " dispute_type, people, amount_fen, facts, claims, member_status, contact_time,"
    " may_call, consent_sensitive, created_at, updated_at, contact_due_on)"
    " VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, 1, NULL, ?7, ?8, '不详', '', ?9, 1, ?10, ?10,"
    " ?11)";


/* ---- the forms of the steps ---- */

enum { D_DISTRICT, D_ASSIGNEE, D_DUE, D__N };
static const struct field dispatch_fields[D__N] = {
	[D_DISTRICT] = {"district", "办理区县", F_SELECT, 1, 0, 0, NULL,
	    "诉求交给哪个区县的工会办理", NULL},
	[D_ASSIGNEE] = {"assignee", "负责人", F_SELECT, 1, 0, 0, NULL,
	    "办理区县的审核员,或管理员", NULL},
	[D_DUE] = {"due_on", "答复期限", F_TEXT, 1, 0, 10, NULL,
	    "默认 " ZJ_STR(APPEAL_DUE_DAYS) " 个工作日后;不能早于今天。"
	    "申请人在进度查询中会看到预计答复日期", NULL},
};

enum { ANS_REPLY, ANS__N };
static const struct field answer_fields[ANS__N] = {
	[ANS_REPLY] = {"reply", "答复内容", F_TEXTAREA, 1, 2, 1000, NULL,
	    "申请人凭编号和手机号在进度查询中看到这段答复:请写清楚办理结果", NULL},
};

enum { CL_NOTE, CL__N };
static const struct field close_fields[CL__N] = {
	[CL_NOTE] = {"close_note", "办结说明", F_TEXTAREA, 0, 0, 500, NULL,
	    "选填。申请人在进度查询中可以看到", NULL},
};

enum { RF_REASON, RF__N };
static const struct field refuse_fields[RF__N] = {
	[RF_REASON] = {"reason", "不予受理原因", F_TEXTAREA, 1, 2, 500, NULL,
	    "申请人在进度查询中可以看到,请写清楚原因和可以去哪里反映", NULL},
};

enum { LG_NAME, LG_EMPLOYER, LG_DISPUTE, LG_CLAIMS, LG__N };
static const struct field legal_fields[LG__N] = {
	[LG_NAME] = {"name", "申请人姓名", F_TEXT, 1, 1, 50, NULL,
	    "诉求中的称呼已填入,请与本人核实", NULL},
	[LG_EMPLOYER] = {"employer", "用人单位", F_TEXT, 1, 1, 100, NULL,
	    "投诉或求助涉及的单位或平台名称", NULL},
	[LG_DISPUTE] = {"dispute_type", "纠纷类型", F_SELECT, 1, 0, 0, dispute_types,
	    NULL, NULL},
	[LG_CLAIMS] = {"claims", "申请人的请求", F_TEXTAREA, 1, 2, 2000, NULL,
	    "申请人希望得到什么结果,例如补发工资、支付经济补偿", NULL},
};

enum { N_NOTE, N__N };
static const struct field note_fields[N__N] = {
	[N_NOTE] = {"note", "备注", F_TEXTAREA, 1, 1, 2000, NULL,
	    "内部备注,只有工作人员可以看到", NULL},
};

/* Who may take an appeal: ids, their districts (0: all) and the labels
 * the select offers, "显示名(username) · 朝阳区". */
struct assignees {
	size_t n;
	long long *ids, *districts;
	const char **labels;   /* NULL-terminated */
};

static void
load_assignees(struct req *r, struct assignees *as)
{
	size_t cap = 16;
	as->n = 0;
	as->ids = arena_calloc(r->a, cap, sizeof(*as->ids));
	as->districts = arena_calloc(r->a, cap, sizeof(*as->districts));
	as->labels = arena_calloc(r->a, cap + 1, sizeof(*as->labels));
	sqlite3_stmt *st = db_prep(r->app->db, sql_assignees);
	if (st == NULL)
		return;
	db_bind_int(st, 1, staff_of(r)->district_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (as->n == cap) {
			long long *ids = arena_calloc(r->a, cap * 2, sizeof(*ids));
			long long *ds = arena_calloc(r->a, cap * 2, sizeof(*ds));
			const char **labels = arena_calloc(r->a, cap * 2 + 1, sizeof(*labels));
			memcpy(ids, as->ids, cap * sizeof(*ids));
			memcpy(ds, as->districts, cap * sizeof(*ds));
			memcpy(labels, as->labels, cap * sizeof(*labels));
			as->ids = ids, as->districts = ds, as->labels = labels, cap *= 2;
		}
		const char *user = db_col_text(st, 1), *display = db_col_text(st, 2);
		const char *district = db_col_text(st, 3);
		as->ids[as->n] = sqlite3_column_int64(st, 0);
		as->districts[as->n] = sqlite3_column_int64(st, 4);
		as->labels[as->n] = arena_printf(r->a, "%s%s%s%s · %s",
		    *display ? display : user, *display ? "(" : "", *display ? user : "",
		    *display ? ")" : "", *district ? district : "全部区县");
		as->n++;
	}
	sqlite3_reset(st);
	as->labels[as->n] = NULL;
}

/* The districts an appeal may be sent to by r's member of staff: their
 * own when bound to one, else every active district. */
static const char *const *
dispatch_districts(struct req *r)
{
	const struct staff *s = staff_of(r);
	if (s->district_id) {
		const char **one = arena_calloc(r->a, 2, sizeof(*one));
		one[0] = s->district;
		return one;
	}
	int sample;
	return district_options(r, &sample);
}

/* The dispatch form's table with today's choices. */
static const struct field *
dispatch_table(struct req *r, const struct assignees *as)
{
	struct field *f = arena_alloc(r->a, sizeof(dispatch_fields));
	memcpy(f, dispatch_fields, sizeof(dispatch_fields));
	f[D_DISTRICT].options = dispatch_districts(r);
	f[D_ASSIGNEE].options = as->labels;
	return f;
}

/* The legal form's first value: the appeal's 称呼. */
static struct fresult *
legal_defaults(struct req *r, const struct arec *c)
{
	struct fresult *res = arena_calloc(r->a, LG__N, sizeof(*res));
	for (size_t i = 0; i < LG__N; i++)
		res[i].value = "";
	res[LG_NAME].value = c->name;
	return res;
}

/* The dispatch form's first values: where the appeal is, who has it, and
 * APPEAL_DUE_DAYS working days from today (or its due date when later). */
static struct fresult *
dispatch_defaults(struct req *r, const struct arec *c, const struct assignees *as)
{
	struct fresult *res = arena_calloc(r->a, D__N, sizeof(*res));
	res[D_DISTRICT].value = c->district;
	res[D_ASSIGNEE].value = "";
	for (size_t i = 0; i < as->n; i++)
		if (as->ids[i] == c->assignee_id)
			res[D_ASSIGNEE].value = as->labels[i];
	const char *due = working_days_ahead_iso(r, APPEAL_DUE_DAYS);
	res[D_DUE].value = *c->due_on && strcmp(c->due_on, due) > 0 ? c->due_on : due;
	return res;
}

/* ---- the workflow ---- */

/* What a step changes; NULL / 0 leave a column as it is. */
struct change {
	const char *to;           /* new status; NULL: none (a note) */
	long long district_id;    /* dispatch: where it goes */
	long long assignee_id;
	const char *due_on;
	const char *reply;
	const char *reason;
	int closes;               /* sets closed_at */
	const char *note;         /* the event's note */
	const char *detail;       /* for the audit log (NULL: the note) */
	/* legal: the case it becomes */
	const char *name, *employer, *dispute, *claims;
};

struct step;
typedef int (*check_fn)(struct req *r, const struct arec *c,
    const struct step *s, struct fresult *res, struct change *ch);

struct step {
	const char *name;         /* the URL's last segment */
	const char *action;       /* its audit entry's */
	const char *verb;         /* what it does, for messages */
	const char *from[3];      /* states it starts from; none listed: any */
	const char *to;           /* the state it leads to; NULL: none */
	check_fn check;
	const char *done;         /* the notice after it */
	const char *message;      /* the text the person gets (MSG_*), or NULL */
};

/* YYYY-MM-DD, a real date, from today (Shanghai) to DUE_MAX_DAYS ahead:
 * NULL, or the message. */
static const char *
due_error(const char *v)
{
	struct tm tm = {0};
	char back[16];
	const char *end = strptime(v, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || strlen(v) != 10)
		return "答复期限的格式应为 2026-12-31";
	time_t t = timegm(&tm);
	struct tm norm;
	gmtime_r(&t, &norm);
	strftime(back, sizeof(back), "%Y-%m-%d", &norm);
	if (strcmp(back, v) != 0)
		return "没有这一天,请核对答复期限";
	long day = (long)(norm.tm_year + 1900) * 10000 + (norm.tm_mon + 1) * 100 + norm.tm_mday;
	if (day < today_shanghai())
		return "答复期限不能早于今天";
	if (t > shanghai_now() + (time_t)DUE_MAX_DAYS * 86400)
		return "答复期限不能超过一年后";
	return NULL;
}

static int
check_dispatch(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	struct assignees as;
	load_assignees(r, &as);
	int errors = form_check(r, dispatch_table(r, &as), D__N, res);
	long long district = 0, who_district = -1;
	if (!res[D_DISTRICT].error && (district = district_id(r, res[D_DISTRICT].value)) == 0) {
		res[D_DISTRICT].error = "请从列表中选择办理区县";
		errors++;
	}
	for (size_t i = 0; i < as.n && !res[D_ASSIGNEE].error; i++)
		if (strcmp(as.labels[i], res[D_ASSIGNEE].value) == 0) {
			ch->assignee_id = as.ids[i];
			who_district = as.districts[i];
		}
	if (!res[D_ASSIGNEE].error && ch->assignee_id == 0) {
		res[D_ASSIGNEE].error = "请从列表中选择负责人";
		errors++;
	} else if (!res[D_ASSIGNEE].error && district && who_district != 0 &&
	    who_district != district) {
		res[D_ASSIGNEE].error = "这位负责人不办理所选区县的诉求,请选择该区县的工作人员";
		errors++;
	}
	if (!res[D_DUE].error && (res[D_DUE].error = due_error(res[D_DUE].value)) != NULL)
		errors++;
	ch->to = s->to;
	ch->district_id = district;
	ch->due_on = res[D_DUE].value;
	ch->note = arena_printf(r->a, "%s%s工会办理,预计 %s 前答复",
	    strcmp(c->status, APPEAL_DISPATCHED) == 0 ? "已改派给" : "已派给",
	    res[D_DISTRICT].value, show_day(r->a, ch->due_on));
	ch->detail = arena_printf(r->a, "办理区县 %s;负责人 %s;答复期限 %s",
	    res[D_DISTRICT].value, res[D_ASSIGNEE].value, ch->due_on);
	return errors;
}

static int
check_answer(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c;
	int errors = form_check(r, answer_fields, ANS__N, res);
	ch->to = s->to;
	ch->reply = res[ANS_REPLY].value;
	ch->note = "工会已答复,请看答复内容";
	ch->detail = ch->reply;
	return errors;
}

static int
check_close(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c;
	int errors = form_check(r, close_fields, CL__N, res);
	ch->to = s->to;
	ch->closes = 1;
	ch->note = *res[CL_NOTE].value ? res[CL_NOTE].value : "诉求已办结";
	return errors;
}

static int
check_refuse(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c;
	int errors = form_check(r, refuse_fields, RF__N, res);
	ch->to = s->to;
	ch->reason = ch->note = res[RF_REASON].value;
	ch->closes = 1;
	return errors;
}

static int
check_legal(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c;
	int errors = form_check(r, legal_fields, LG__N, res);
	ch->to = s->to;
	ch->closes = 1;
	ch->name = res[LG_NAME].value;
	ch->employer = res[LG_EMPLOYER].value;
	ch->dispute = res[LG_DISPUTE].value;
	ch->claims = res[LG_CLAIMS].value;
	return errors;   /* the note names the case: made in the job */
}

static int
check_note(struct req *r, const struct arec *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)c, (void)s;
	int errors = form_check(r, note_fields, N__N, res);
	ch->note = res[N_NOTE].value;
	return errors;
}

static const struct step steps[] = {
	{"dispatch", AUDIT_APPEAL_DISPATCH, "派单", {APPEAL_NEW, APPEAL_DISPATCHED},
	    APPEAL_DISPATCHED, check_dispatch, "已派单", NULL},
	{"answer", AUDIT_APPEAL_ANSWER, "答复", {APPEAL_DISPATCHED}, APPEAL_ANSWERED,
	    check_answer, "已答复,申请人在进度查询中可以看到答复", MSG_APPEAL_ANSWERED},
	{"close", AUDIT_APPEAL_CLOSE, "办结", {APPEAL_ANSWERED}, APPEAL_CLOSED,
	    check_close, "已办结", NULL},
	{"refuse", AUDIT_APPEAL_REFUSE, "不予受理", {APPEAL_NEW, APPEAL_DISPATCHED},
	    APPEAL_REFUSED, check_refuse, "已记为" APPEAL_REFUSED, NULL},
	{"legal", AUDIT_APPEAL_LEGAL, "转为法律援助",
	    {APPEAL_NEW, APPEAL_DISPATCHED, APPEAL_ANSWERED}, APPEAL_CLOSED, check_legal,
	    "已转为法律援助案件", NULL},
	{"note", AUDIT_APPEAL_NOTE, "添加备注", {NULL}, NULL, check_note, "备注已添加", NULL},
};

static const struct step *
step_named(const char *name)
{
	for (size_t i = 0; name && i < ZJ_NELEM(steps); i++)
		if (strcmp(steps[i].name, name) == 0)
			return &steps[i];
	return NULL;
}

/* 1 when a kind of appeal may become a legal case: a complaint or a
 * call for help, about an employer. */
static int
legal_kind(const char *kind)
{
	return strcmp(kind, APPEAL_COMPLAINT) == 0 || strcmp(kind, APPEAL_HELP) == 0;
}

/* 1 when step s may be made on an appeal in status of kind, whose legal
 * case (if any) is legal_ref. */
static int
allowed(const struct step *s, const char *status, const char *kind,
    const char *legal_ref)
{
	if (s->check == check_legal && (!legal_kind(kind) || *legal_ref))
		return 0;
	return step_starts_from(s->from, ZJ_NELEM(s->from), status);
}

/* Why step s cannot be made on c now. */
static const char *
refusal(struct req *r, const struct step *s, const char *status,
    const struct arec *c)
{
	if (s->check == check_legal && *c->legal_ref)
		return arena_printf(r->a, "这件诉求已经转为法律援助案件 %s,什么也没有改变。",
		    c->legal_ref);
	if (s->check == check_legal && !legal_kind(c->kind))
		return "只有“" APPEAL_COMPLAINT "”或“" APPEAL_HELP "”可以转为法律援助案件,"
		    "什么也没有改变。";
	return arena_printf(r->a, "这件诉求现在是“%s”状态,不能%s,什么也没有改变。"
	    "可能其他工作人员刚刚处理过,请看下方的最新状态。", status, s->verb);
}


/* ---- the workflow's part of the page ---- */

void
appeal_workflow_view(struct req *r, struct tval *ctx, const struct arec *c,
    const char *failed, const struct fresult *res, int notice)
{
	struct arena *a = r->a;
	const char *which = failed ? failed : "";
	for (size_t i = 0; i < ZJ_NELEM(steps); i++)
		tv_putb(a, ctx, arena_printf(a, "can_%s", steps[i].name),
		    allowed(&steps[i], c->status, c->kind, c->legal_ref));
	struct assignees as;
	load_assignees(r, &as);
	struct tval *forms = tv_map(a);
	struct tval *dispatch = form_view(r, dispatch_table(r, &as), D__N,
	    strcmp(which, "dispatch") ? dispatch_defaults(r, c, &as) : res);
	tv_puts(a, tv_get(dispatch, "due_on"), "type", "date");
	tv_put(a, forms, "dispatch", dispatch);
	tv_put(a, forms, "answer", form_view(r, answer_fields, ANS__N,
	    strcmp(which, "answer") ? NULL : res));
	tv_put(a, forms, "close", form_view(r, close_fields, CL__N,
	    strcmp(which, "close") ? NULL : res));
	tv_put(a, forms, "refuse", form_view(r, refuse_fields, RF__N,
	    strcmp(which, "refuse") ? NULL : res));
	tv_put(a, forms, "legal", form_view(r, legal_fields, LG__N,
	    strcmp(which, "legal") ? legal_defaults(r, c) : res));
	tv_put(a, forms, "note", form_view(r, note_fields, N__N,
	    strcmp(which, "note") ? NULL : res));
	tv_put(a, ctx, "forms", forms);
	tv_putb(a, ctx, "no_assignees", as.n == 0);
	tv_putb(a, ctx, "redispatch", strcmp(c->status, APPEAL_DISPATCHED) == 0);
	if (failed && res)
		tv_put(a, ctx, "f", tv_get(forms, which));
	const struct step *done = step_named(req_query(r, "done"));
	if (done && notice)
		tv_puts(a, ctx, "notice", done->done);
}

/* ---- the job ---- */

/* What appeal_apply makes: a step on an appeal, as checked by the page. */
struct apply_input {
	const char *ref;
	const struct step *step;
	const struct change *ch;
	const char *now;          /* out: the status inside the transaction */
	const char *legal_ref;    /* out: the case it became (legal) */
};

/* Inside the transaction: may assignee take appeals of district_id?
 * SQLITE_OK, SQLITE_CONSTRAINT when not, or the failing code. */
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
	return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_CONSTRAINT : rc;
}

/* What the job reads of the appeal. */
struct anow {
	long long id, district_id;
	int may_contact;
	const char *status, *kind, *legal_ref, *name, *phone, *content;
};

/* Inside the transaction: the legal case the appeal becomes, with its own
 * FY reference and first event; *ref gets the reference. */
static int
make_case(struct db *db, const struct actor *who, struct arena *a,
    const char *appeal_ref, const struct anow *n, const struct change *ch,
    const char **ref)
{
	char at[32];
	utc_now_iso(at, sizeof(at));
	struct new_ref nr = {
		.prefix = "FY",
		.status = EVENT_SUBMITTED,
		.note = arena_printf(a, "由诉求 %s 转为法律援助申请,等待受理", appeal_ref),
	};
	if ((nr.insert = db_prep(db, sql_legal_insert)) == NULL)
		return SQLITE_ERROR;
	sqlite3_stmt *st = nr.insert;
	db_bind_text(st, 2, ch->name);
	db_bind_text(st, 3, n->phone);
	db_bind_int(st, 4, n->district_id);
	db_bind_text(st, 5, ch->employer);
	db_bind_text(st, 6, ch->dispute);
	db_bind_text(st, 7, n->content);
	db_bind_text(st, 8, ch->claims);
	db_bind_int(st, 9, n->may_contact);
	db_bind_text(st, 10, at);
	/* A new case: its first contact is due as for one sent by the form. */
	char due[16];
	if (workday_due_after(workday_calendar(db), at, LEGAL_CONTACT_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 11, due);
	int rc = store_new_ref(db, who, a, &nr);
	*ref = nr.ref;
	return rc;
}

/*
 * store_fn: make the step.  The appeal, its district (who's wall) and its
 * state are read again inside the transaction, so two people acting at
 * once cannot both move it; then the legal case (legal), the row, the
 * event and the audit entry.  Returns SQLITE_DONE; SQLITE_MISMATCH when
 * the state no longer allows the step (in->now set), SQLITE_AUTH when
 * there is no such appeal in who's district (or a dispatch sends it to a
 * district not theirs), SQLITE_CONSTRAINT when the chosen assignee may no
 * longer take it (nothing changed in these); or the failing code.
 */
static int
appeal_apply(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct apply_input *in = arg;
	const struct change *ch = in->ch;
	struct anow n = {0};
	char at[32];
	utc_now_iso(at, sizeof(at));
	sqlite3_stmt *st = db_prep(db, sql_now);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->ref);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n.id = sqlite3_column_int64(st, 0);
		n.status = arena_strdup(a, db_col_text(st, 1));
		n.district_id = sqlite3_column_int64(st, 2);
		n.kind = arena_strdup(a, db_col_text(st, 3));
		n.legal_ref = arena_strdup(a, db_col_text(st, 4));
		n.name = arena_strdup(a, db_col_text(st, 5));
		n.phone = arena_strdup(a, db_col_text(st, 6));
		n.may_contact = sqlite3_column_int(st, 7);
		n.content = arena_strdup(a, db_col_text(st, 8));
		in->now = n.status;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	if ((rc = store_district_wall(db, who, n.district_id)) != SQLITE_OK)
		return rc;
	if (!allowed(in->step, n.status, n.kind, n.legal_ref))
		return SQLITE_MISMATCH;
	if (ch->district_id) {
		if ((rc = store_district_wall(db, who, ch->district_id)) != SQLITE_OK)
			return rc;
		if ((rc = assignee_still_ok(db, ch->assignee_id, ch->district_id)) != SQLITE_OK)
			return rc;
	}
	const char *note = ch->note, *detail = ch->detail;
	if (in->step->check == check_legal) {
		if ((rc = make_case(db, who, a, in->ref, &n, ch, &in->legal_ref)) != SQLITE_DONE)
			return rc;
		note = arena_printf(a, "已转为法律援助案件 %s,请凭该编号和手机号查询法律援助进度",
		    in->legal_ref);
		detail = arena_printf(a, "法律援助 %s;用人单位 %s;纠纷类型 %s",
		    in->legal_ref, ch->employer, ch->dispute);
	}
	if (ch->to) {
		if ((st = db_prep(db, sql_update)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, n.id);
		db_bind_text(st, 2, ch->to);
		if (ch->district_id)
			db_bind_int(st, 3, ch->district_id);
		if (ch->assignee_id)
			db_bind_int(st, 4, ch->assignee_id);
		db_bind_text(st, 5, ch->due_on);
		db_bind_text(st, 6, ch->reply);
		db_bind_text(st, 7, ch->reply ? at : NULL);
		db_bind_text(st, 8, ch->reason);
		db_bind_text(st, 9, in->legal_ref);
		db_bind_text(st, 10, ch->closes ? at : NULL);
		db_bind_text(st, 11, at);
		db_bind_text(st, 12, n.status);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
		if (sqlite3_changes(db_handle(db)) != 1)
			return SQLITE_MISMATCH;
	}
	rc = event_add(db, who, in->ref, ch->to ? ch->to : n.status, note, ch->to != NULL);
	if (rc != SQLITE_DONE)
		return rc;
	if (in->step->message) {
		/* only the reference: the reply is read at /status; outbox_put
		 * texts nobody who did not tick 方便联系 */
		const char *vars[] = {"ref", in->ref, NULL};
		rc = outbox_put(db, who, in->step->message, in->ref, n.phone, vars);
		if (rc != SQLITE_DONE)
			return rc;
	}
	const char *what = detail ? detail : note ? note : "";
	if (ch->to)
		what = arena_printf(a, "%s → %s%s%s", n.status, ch->to, *what ? ":" : "", what);
	return audit(db, who, in->step->action, in->ref, what);
}

/*
 * Job "appeal.step": appeal_apply of the step named "step" on appeal
 * "ref", the change as the page checked it ("to", "district", "assignee",
 * "due_on", "reply", "reason", "closes", "note", "detail", and for legal
 * "name", "employer", "dispute", "claims"), by the job's actor; an answer
 * also offers the 回访 (feedback_offer).  Out:
 * "now", the state it found; "legal_ref", the case it made.
 */
static int
appeal_step_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	const struct step *s = step_named(job_text(in, "step"));
	const char *ref = job_text(in, "ref");
	if (s == NULL || ref == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	struct change ch = {
		.to = job_text(in, "to"),
		.district_id = job_int(in, "district", 0),
		.assignee_id = job_int(in, "assignee", 0),
		.due_on = job_text(in, "due_on"), .reply = job_text(in, "reply"),
		.reason = job_text(in, "reason"),
		.closes = (int)job_int(in, "closes", 0),
		.note = job_text(in, "note"), .detail = job_text(in, "detail"),
		.name = job_text(in, "name"), .employer = job_text(in, "employer"),
		.dispute = job_text(in, "dispute"), .claims = job_text(in, "claims"),
	};
	if (s->check == check_legal && (ch.name == NULL || ch.employer == NULL ||
	    ch.dispute == NULL || ch.claims == NULL))
		return SQLITE_MISUSE;
	if (s->check == check_dispatch && (ch.district_id == 0 || ch.assignee_id == 0 ||
	    ch.due_on == NULL))
		return SQLITE_MISUSE;
	struct apply_input ai = {.ref = ref, .step = s, .ch = &ch, .now = ""};
	int rc = appeal_apply(db, &who, a, &ai);
	/* 回访: once answered, the person is asked how it went, in this same
	 * transaction (none when they chose not to be contacted). */
	if (rc == SQLITE_DONE && s->check == check_answer)
		rc = feedback_offer(db, &who, SERVICE_APPEAL, ref, NULL);
	job_put_text(out, "now", ai.now);
	job_put_text(out, "legal_ref", ai.legal_ref);
	return rc;
}

const struct job_type page_staff_appeals_jobs[] = {
	{"appeal.step", appeal_step_job},
	{0},
};

/* ---- the POST ---- */

void
appeals_step(struct req *r)
{
	struct arec c;
	struct fresult res[D__N + LG__N];   /* room for any step's form */
	struct change ch = {0};
	const struct step *s = step_named(r->params[1]);
	if (s == NULL) {
		resp_error(r, 404, NULL);
		return;
	}
	if (appeal_load(r, r->params[0], &c) != 0)
		return;
	if (!allowed(s, c.status, c.kind, c.legal_ref)) {
		appeal_show(r, 409, &c, NULL, NULL, refusal(r, s, c.status, &c));
		return;
	}
	memset(res, 0, sizeof(res));
	if (s->check(r, &c, s, res, &ch) > 0) {
		appeal_show(r, 422, &c, s->name, res, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "appeal.step");
	job_put_text(&in, "step", s->name);
	job_put_text(&in, "ref", c.ref);
	job_put_text(&in, "to", ch.to);
	job_put_int(&in, "district", ch.district_id);
	job_put_int(&in, "assignee", ch.assignee_id);
	job_put_text(&in, "due_on", ch.due_on);
	job_put_text(&in, "reply", ch.reply);
	job_put_text(&in, "reason", ch.reason);
	job_put_int(&in, "closes", ch.closes);
	job_put_text(&in, "note", ch.note);
	job_put_text(&in, "detail", ch.detail);
	job_put_text(&in, "name", ch.name);
	job_put_text(&in, "employer", ch.employer);
	job_put_text(&in, "dispute", ch.dispute);
	job_put_text(&in, "claims", ch.claims);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_MISMATCH || rc == SQLITE_CONSTRAINT) {
		const char *now = job_text(&out, "now");
		struct arec again;
		if (appeal_load(r, c.ref, &again) != 0)
			return;
		if (rc == SQLITE_MISMATCH)
			appeal_show(r, 409, &again, NULL, NULL,
			    refusal(r, s, now && *now ? now : again.status, &again));
		else
			appeal_show(r, 409, &again, NULL, NULL, "所选负责人现在不能办理这件诉求"
			    "(账号已停用或已调到其他区县),什么也没有改变,请重新选择。");
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/appeals/%s?done=%s", c.ref, s->name));
}
