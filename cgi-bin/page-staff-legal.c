/*
 * page-staff-legal.c - 法律援助 on the staff desk: the queue, a case's own
 * page with its evidence files and history, the CSV export, and the route
 * table of the area.  The workflow (the step table and its forms, the POST
 * handler) is page-staff-legal-steps.c; what the two share is in
 * page-staff-legal.h.
 *
 *   GET  /staff/legal-aid                    the queue: filter, search, 50 a page
 *   GET  /staff/legal-aid.csv                the whole filtered queue, streamed
 *   GET  /staff/legal-aid/{ref}              the case: every field, the full ID
 *                                            number (audited), evidence, history,
 *                                            triage hint, what may be done next
 *   GET  /staff/legal-aid/{ref}/files/{id}   one evidence file (audited)
 *   POST /staff/legal-aid/{ref}/{step}       accept, reject, assign, mediate,
 *                                            close, note (page-staff-legal-steps.c)
 *
 * Only ROLE_ADMIN and ROLE_LEGAL reach these routes; a case outside the
 * person's district answers 404 on every route, as an unknown one does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "lists.h"
#include "pubform.h"
#include "queue.h"
#include "page-staff-legal.h"
#include "staff.h"
#include "store.h"
#include "text.h"
#include "valid.h"
#include "when.h"
#include "vocab.h"
#include "workday.h"

#define LEGAL_ACCESS (ROLE_ADMIN | ROLE_LEGAL)
#define TRIAGE_FEN 100000LL          /* the union's rule: ≥ ¥1,000 at stake */


/* ---- SQL ---- */

/* One column list for the queue, the export and a case (enum LC_*). */
#define CASE_COLS \
    "SELECT c.id, c.ref, c.created_at, c.name, c.phone, c.id_number," \
    " coalesce(d.name, ''), c.employer, c.dispute_type, c.people, c.amount_fen," \
    " c.status, c.reason, coalesce(s.display_name, ''), coalesce(s.username, '')," \
    " c.handler_name, c.may_call, c.member_status, c.contact_time," \
    " c.recovered_fen, coalesce(c.closed_at, ''), c.facts, c.claims," \
    " c.district_id, c.updated_at, c.review, coalesce(c.contact_due_on, '')," \
    " coalesce(c.first_contact_at, ''), coalesce(c.accepted_at, '')," \
    " coalesce(c.close_due_on, ''), coalesce(c.due_on, '')"
#define CASE_JOINS " LEFT JOIN districts d ON d.id = c.district_id" \
    " LEFT JOIN staff s ON s.id = c.assignee_id"
#define CASE_SELECT CASE_COLS " FROM legal_cases c" CASE_JOINS " WHERE "
enum {
	LC_ID, LC_REF, LC_CREATED, LC_NAME, LC_PHONE, LC_IDNO, LC_DISTRICT,
	LC_EMPLOYER, LC_KIND, LC_PEOPLE, LC_AMOUNT, LC_STATUS, LC_REASON,
	LC_ANAME, LC_AUSER, LC_HANDLER, LC_MAYCALL, LC_MEMBER, LC_CONTACT,
	LC_RECOVERED, LC_CLOSED, LC_FACTS, LC_CLAIMS, LC_DISTRICT_ID, LC_UPDATED,
	LC_REVIEW,   /* 1: a 不满意 follow-up (回访) awaits its review: 复核 */
	LC_CONTACT_DUE, LC_FIRST_CONTACT, LC_ACCEPTED, LC_CLOSE_DUE, LC_DUE,
};

/*
 * The queue (parameters: queue.h).  One statement per combination of
 * equality filters, so each walks the index that gives id order (0005); a
 * search walks its own index and checks the rest.  The dates are checked
 * on the way (the unary + keeps the planner off any created_at index
 * there: a sort of the whole range would be slower).
 */
#define Q_DUE(t) " AND (:due_hi = '' OR (" t ".due_on >= :due_lo" \
    " AND " t ".due_on < :due_hi))"
#define Q_TAIL " AND +c.created_at >= :from AND +c.created_at < :to_end" Q_DUE("c") \
    " AND c.id < :below ORDER BY c.id DESC LIMIT :limit"
#define Q_REST(t) "(:status = '' OR " t ".status = :status)" \
    " AND (:kind = '' OR " t ".dispute_type = :kind)" \
    " AND (:district = 0 OR " t ".district_id = :district)"
static const char sql_q_all[] = CASE_SELECT "1" Q_TAIL;
static const char sql_q_s[] = CASE_SELECT "c.status = :status" Q_TAIL;
static const char sql_q_k[] = CASE_SELECT "c.dispute_type = :kind" Q_TAIL;
static const char sql_q_sk[] = CASE_SELECT
    "c.status = :status AND c.dispute_type = :kind" Q_TAIL;
static const char sql_q_d[] = CASE_SELECT "c.district_id = :district" Q_TAIL;
static const char sql_q_sd[] = CASE_SELECT
    "c.status = :status AND c.district_id = :district" Q_TAIL;
static const char sql_q_kd[] = CASE_SELECT
    "c.dispute_type = :kind AND c.district_id = :district" Q_TAIL;
static const char sql_q_skd[] = CASE_SELECT
    "c.status = :status AND +c.dispute_type = :kind AND c.district_id = :district"
    Q_TAIL;
static const char sql_q_ref[] = CASE_SELECT "c.ref = :q AND " Q_REST("c") Q_TAIL;
static const char sql_q_phone[] = CASE_SELECT "c.phone = :q AND " Q_REST("c") Q_TAIL;
/* Name prefix: every name starting with :q sorts below :q + U+10FFFF. */
static const char sql_q_name[] = CASE_SELECT
    "c.name >= :q AND c.name < :q || char(1114111) AND " Q_REST("c") Q_TAIL;

/*
 * A narrow date range far down the table: walk the range in created_at
 * order (legal_q_created covers every filter) and keep the 51 highest
 * ids.  Costs in proportion to the range, so only for one below
 * DATE_RANGE_MAX cases (counted first, index only).
 */
#define DATE_RANGE_MAX 20000
static const char sql_q_dates[] = CASE_COLS
    " FROM (SELECT k.id FROM legal_cases k INDEXED BY legal_q_created"
    "  WHERE k.created_at >= :from AND k.created_at < :to_end AND k.id < :below"
    "  AND " Q_REST("k") Q_DUE("k") " ORDER BY k.id DESC LIMIT :limit) x"
    " JOIN legal_cases c ON c.id = x.id" CASE_JOINS " ORDER BY c.id DESC";
/*
 * 期限: the open cases whose current promise falls in a range, found by
 * legal_open_due and sorted; for a range holding fewer than
 * DATE_RANGE_MAX cases (counted first, index only).
 */
static const char sql_q_due[] = CASE_COLS
    " FROM (SELECT k.id FROM legal_cases k"
    "  WHERE k.due_on >= :due_lo AND k.due_on < :due_hi AND k.id < :below"
    "  AND +k.created_at >= :from AND +k.created_at < :to_end"
    "  AND " Q_REST("k") " ORDER BY k.id DESC LIMIT :limit) x"
    " JOIN legal_cases c ON c.id = x.id" CASE_JOINS " ORDER BY c.id DESC";
static const char sql_due_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM legal_cases"
    " WHERE due_on >= ?1 AND due_on < ?2 LIMIT ?3)";
static const char sql_range_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM legal_cases INDEXED BY legal_q_created"
    " WHERE created_at >= ?1 AND created_at < ?2 LIMIT ?3)";

static const char sql_case[] = CASE_SELECT "c.ref = ?1";
static const char sql_files[] =
    "SELECT id, orig_name, mime, size FROM legal_files WHERE case_id = ?1 ORDER BY id";
static const char sql_file[] =
    "SELECT stored_name, orig_name, mime FROM legal_files WHERE id = ?1 AND case_id = ?2";

/* ---- a case as read from a row ---- */

const char *
legal_staff_label(struct arena *a, const char *display, const char *username)
{
	if (*username == '\0')
		return "";
	if (*display == '\0')
		return arena_strdup(a, username);
	return arena_printf(a, "%s(%s)", display, username);
}

/* Text column i: copied into a when a is given, else the statement's own
 * (valid until the next step: the export copies nothing). */
static const char *
col(struct arena *a, sqlite3_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	return a ? arena_strdup(a, s) : s;
}

static void
read_case(struct arena *a, sqlite3_stmt *st, struct lcase *c)
{
	c->id = sqlite3_column_int64(st, LC_ID);
	c->district_id = sqlite3_column_int64(st, LC_DISTRICT_ID);
	c->people = sqlite3_column_int64(st, LC_PEOPLE);
	c->has_amount = sqlite3_column_type(st, LC_AMOUNT) != SQLITE_NULL;
	c->amount = sqlite3_column_int64(st, LC_AMOUNT);
	c->has_recovered = sqlite3_column_type(st, LC_RECOVERED) != SQLITE_NULL;
	c->recovered = sqlite3_column_int64(st, LC_RECOVERED);
	c->may_call = sqlite3_column_int(st, LC_MAYCALL);
	c->review = sqlite3_column_int(st, LC_REVIEW);
	c->ref = col(a, st, LC_REF);
	c->created = col(a, st, LC_CREATED);
	c->name = col(a, st, LC_NAME);
	c->phone = col(a, st, LC_PHONE);
	c->idno = col(a, st, LC_IDNO);
	c->district = col(a, st, LC_DISTRICT);
	c->employer = col(a, st, LC_EMPLOYER);
	c->kind = col(a, st, LC_KIND);
	c->status = col(a, st, LC_STATUS);
	c->reason = col(a, st, LC_REASON);
	c->handler = col(a, st, LC_HANDLER);
	c->member = col(a, st, LC_MEMBER);
	c->contact = col(a, st, LC_CONTACT);
	c->closed = col(a, st, LC_CLOSED);
	c->facts = col(a, st, LC_FACTS);
	c->claims = col(a, st, LC_CLAIMS);
	c->updated = col(a, st, LC_UPDATED);
	c->contact_due = col(a, st, LC_CONTACT_DUE);
	c->first_contact = col(a, st, LC_FIRST_CONTACT);
	c->accepted = col(a, st, LC_ACCEPTED);
	c->close_due = col(a, st, LC_CLOSE_DUE);
	c->due = col(a, st, LC_DUE);
	/* The export has no arena to build a label in: it shows the username. */
	c->assignee = a ? legal_staff_label(a, db_col_text(st, LC_ANAME),
	    db_col_text(st, LC_AUSER)) : db_col_text(st, LC_AUSER);
}

int
legal_load_case(struct req *r, const char *ref, struct lcase *c)
{
	if (!ref_ok(ref, "FY"))
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_case);
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, ref);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		read_case(r->a, st, c);
	sqlite3_reset(st);
	return found && staff_sees_district(staff_of(r), c->district_id);
}

/* ---- money and the triage hint ---- */

/*
 * The union's rule, as a short mark for lists and a sentence for the case:
 * ≥ ¥1,000 at stake, waived for unpaid wages and work injury (migrant
 * workers; we do not record who is one, so the waiver goes by the type).
 * *flag is set when the case looks below the line.
 */
static const char *
triage(const struct lcase *c, const char **sentence, int *flag)
{
	static const char *const waived = "农民工欠薪、工伤不受金额限制";
	*flag = 0;
	if (strcmp(c->kind, "拖欠工资") == 0 || strcmp(c->kind, "工伤") == 0) {
		*sentence = waived;
		return "不限金额";
	}
	if (!c->has_amount) {
		*sentence = "申请人没有填写涉及金额:请核实是否达到 ¥1,000 的受理标准";
		*flag = 1;
		return "金额未填";
	}
	if (c->amount >= TRIAGE_FEN) {
		*sentence = "涉及金额达到 ¥1,000 的受理标准";
		return "≥¥1,000";
	}
	*sentence = "涉及金额不足 ¥1,000,低于工会法律援助的受理标准(涉及金额不低于 ¥1,000)";
	*flag = 1;
	return "不足¥1,000";
}

/* ---- the queue ---- */

/* 1 for a page when f's dates hold fewer than DATE_RANGE_MAX cases. */
static int
narrow_dates(struct req *r, const struct queue_filter *f, int page)
{
	long long n = DATE_RANGE_MAX;
	sqlite3_stmt *st;
	if (!page || (st = db_prep(r->app->db, sql_range_count)) == NULL)
		return 0;
	db_bind_text(st, 1, f->from_utc);
	db_bind_text(st, 2, *f->to_utc ? f->to_utc : "~");
	db_bind_int(st, 3, DATE_RANGE_MAX);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n < DATE_RANGE_MAX;
}

/* 1 when the cases due in f's 期限 range are few enough to sort. */
static int
few_due(struct req *r, const struct queue_filter *f, int page)
{
	long long n = DATE_RANGE_MAX;
	sqlite3_stmt *st;
	(void)page;
	if ((st = db_prep(r->app->db, sql_due_count)) == NULL)
		return 0;
	db_bind_text(st, 1, f->due_lo);
	db_bind_text(st, 2, f->due_hi);
	db_bind_int(st, 3, DATE_RANGE_MAX);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n < DATE_RANGE_MAX;
}

static const struct queue_plan plans[] = {
	{QF_REF, NULL, sql_q_ref},
	{QF_PHONE, NULL, sql_q_phone},
	{QF_NAME, NULL, sql_q_name},
	{QF_DATES, narrow_dates, sql_q_dates},
	{QF_DUE, few_due, sql_q_due},
	{QF_STATUS | QF_KIND | QF_DISTRICT, NULL, sql_q_skd},
	{QF_STATUS | QF_DISTRICT, NULL, sql_q_sd},
	{QF_KIND | QF_DISTRICT, NULL, sql_q_kd},
	{QF_STATUS | QF_KIND, NULL, sql_q_sk},
	{QF_STATUS, NULL, sql_q_s},
	{QF_KIND, NULL, sql_q_k},
	{QF_DISTRICT, NULL, sql_q_d},
	{0, NULL, sql_q_all},
};

static struct tval *
queue_row(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	(void)f;
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	struct lcase c;
	const char *sentence;
	int flag;
	read_case(a, st, &c);
	tv_puts(a, m, "ref", c.ref);
	tv_putf(a, m, "url", "/staff/legal-aid/%s", c.ref);
	tv_puts(a, m, "at", show_datetime(a, c.created));
	tv_puts(a, m, "name", c.name);
	tv_puts(a, m, "phone", c.phone);
	tv_puts(a, m, "district", c.district);
	tv_puts(a, m, "employer", c.employer);
	tv_puts(a, m, "kind", c.kind);
	tv_puti(a, m, "people", c.people);
	tv_puts(a, m, "amount", c.has_amount ? show_yuan(a, c.amount) : "");
	tv_puts(a, m, "status", c.status);
	tv_putb(a, m, "review", c.review);
	tv_puts(a, m, "assignee", c.assignee);
	tv_puts(a, m, "handler", c.handler);
	tv_puts(a, m, "may_call", c.may_call ? "是" : "否");
	tv_puts(a, m, "mark", triage(&c, &sentence, &flag));
	tv_puts(a, m, "mark_title", sentence);
	tv_putb(a, m, "flag", flag);
	legal_due_view(a, f->cal, f->day, &c, m);
	return m;
}

void
legal_due_view(struct arena *a, const struct workday_cal *cal, long today,
    const struct lcase *c, struct tval *m)
{
	struct due d;
	long late;
	if (*c->due && workday_due(a, cal, c->due, today, &d) == 0) {
		tv_puts(a, m, "due_what", *c->first_contact ? "结案" : "首次联系");
		tv_puts(a, m, "due", d.text);
		tv_puts(a, m, "due_date", d.date);
		tv_putb(a, m, "overdue", d.over);
	} else if (*c->closed) {
		const char *kept = *c->close_due ?
		    workday_kept(a, cal, c->close_due, c->closed, &late) : NULL;
		tv_puts(a, m, "kept", kept ? arena_printf(a, "已结案,%s", kept) : "已办结");
		tv_putb(a, m, "late", kept && late > 0);
	} else if (*c->first_contact)
		tv_puts(a, m, "kept", "已联系,待受理");
}

static const char *const csv_head[] = {
	"编号", "提交时间", "姓名", "手机号", "身份证号", "区县", "用人单位",
	"纠纷类型", "涉及人数", "涉及金额(元)", "状态", "负责人", "律师或调解员",
	"可以联系", "方便联系时间", "是否工会会员", "受理提示", "不予受理原因",
	"追回金额(元)", "办结时间", "事实经过", "诉求", "首次联系期限", "首次联系时间",
	"结案目标", "期限情况",
};

/* One case as a CSV row: nothing from the arena. */
static void
csv_case(struct csv *out, sqlite3_stmt *st, int full)
{
	char idno[19], people[24], amount[32], recovered[32], created[32], closed[32];
	char contacted[32], state[64] = "";
	const char *sentence;
	int flag;
	struct lcase c;
	read_case(NULL, st, &c);
	if (full)
		snprintf(idno, sizeof(idno), "%s", c.idno);
	else
		mask_idcard(c.idno, idno);
	snprintf(people, sizeof(people), "%lld", c.people);
	const struct queue_filter *f = queue_export_filter();
	struct due d;
	long late;
	if (f && *c.due && workday_due(NULL, f->cal, c.due, f->day, &d) == 0)
		snprintf(state, sizeof(state), "%s%s %ld 个工作日",
		    *c.first_contact ? "结案" : "首次联系", d.over ? "已逾期" : "剩余", d.days);
	else if (f && *c.closed && *c.close_due &&
	    workday_kept(NULL, f->cal, c.close_due, c.closed, &late))
		snprintf(state, sizeof(state), late ? "结案超期 %ld 个工作日" : "按期结案", late);
	const char *cells[] = {
		c.ref, short_time(c.created, created, sizeof(created)), c.name,
		c.phone, idno, c.district, c.employer, c.kind, people,
		c.has_amount ? yuan(amount, sizeof(amount), c.amount, 0) : "",
		c.status, c.assignee, c.handler, c.may_call ? "是" : "否",
		c.contact, c.member, triage(&c, &sentence, &flag), c.reason,
		c.has_recovered ? yuan(recovered, sizeof(recovered), c.recovered, 0) : "",
		short_time(c.closed, closed, sizeof(closed)), c.facts, c.claims,
		c.contact_due, short_time(c.first_contact, contacted, sizeof(contacted)),
		c.close_due, state,
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static const struct queue cases = {
	.name = "legal-aid", .path = "/staff/legal-aid", .tmpl = "staff/legal/list",
	.statuses = legal_statuses, .kinds = dispute_types, .kind_label = "纠纷类型",
	.plans = plans, .row = queue_row,
	.csv_head = csv_head, .csv_cols = ZJ_NELEM(csv_head), .csv_row = csv_case,
	.due = 1,
};

static void
legal_list(struct req *r)
{
	queue_list(r, &cases);
}

static void
legal_csv(struct req *r)
{
	queue_export(r, &cases);
}

/* ---- the case page ---- */


static const char *
mime_label(const char *mime)
{
	if (strcmp(mime, "application/pdf") == 0)
		return "PDF";
	if (strcmp(mime, "image/png") == 0)
		return "PNG 图片";
	return "JPEG 图片";
}

static struct tval *
case_files(struct req *r, const struct lcase *c)
{
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql_files);
	if (st == NULL)
		return list;
	db_bind_int(st, 1, c->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		long long size = sqlite3_column_int64(st, 3);
		tv_putf(a, m, "url", "/staff/legal-aid/%s/files/%lld", c->ref,
		    sqlite3_column_int64(st, 0));
		tv_puts(a, m, "name", db_col_text(st, 1));
		tv_puts(a, m, "type", mime_label(db_col_text(st, 2)));
		if (size < 1024 * 1024)
			tv_putf(a, m, "size", "%.1f KB", (double)size / 1024);
		else
			tv_putf(a, m, "size", "%.1f MB", (double)size / (1024 * 1024));
		tv_push(a, list, m);
	}
	sqlite3_reset(st);
	return list;
}

/*
 * The case's promises for its page: "clock" {contact_due, contacted
 * (when and whether on time), close_due (or how it will be set),
 * closed_kept} and the row's 期限 words (legal_due_view).
 */
static void
clock_view(struct req *r, const struct lcase *c, struct tval *m)
{
	struct arena *a = r->a;
	const struct workday_cal *cal = workday_calendar(r->app->db);
	long today = day_today(), day, late;
	struct tval *k = tv_map(a);
	struct due d;
	if (day_parse(c->contact_due, &day) == 0)
		tv_puts(a, k, "contact_due", day_show(a, day));
	if (*c->first_contact) {
		const char *kept = workday_kept(a, cal, c->contact_due, c->first_contact, &late);
		tv_puts(a, k, "contacted", show_datetime(a, c->first_contact));
		if (kept)
			tv_puts(a, k, "contact_kept", kept);
		tv_putb(a, k, "contact_late", kept && late > 0);
	} else if (*c->closed == '\0' &&
	    workday_due(a, cal, c->contact_due, today, &d) == 0) {
		tv_puts(a, k, "contact_state", d.text);
		tv_putb(a, k, "contact_over", d.over);
	}
	if (day_parse(c->close_due, &day) == 0) {
		tv_puts(a, k, "close_due", day_show(a, day));
		if (*c->closed) {
			const char *kept = workday_kept(a, cal, c->close_due, c->closed, &late);
			if (kept)
				tv_puts(a, k, "closed_kept", kept);
			tv_putb(a, k, "close_late", kept && late > 0);
		} else if (workday_due(a, cal, c->close_due, today, &d) == 0) {
			tv_puts(a, k, "close_state", d.text);
			tv_putb(a, k, "close_over", d.over);
		}
	}
	tv_puti(a, k, "close_days", LEGAL_CLOSE_DAYS);
	tv_puti(a, k, "contact_days", LEGAL_CONTACT_DAYS);
	tv_put(a, m, "clock", k);
}

/* Every field of the case for the page.  Shows the full ID number, and
 * writes that to the audit log. */
static struct tval *
case_view(struct req *r, const struct lcase *c)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	const char *sentence;
	int flag;
	tv_puts(a, m, "ref", c->ref);
	tv_puts(a, m, "created", show_datetime(a, c->created));
	tv_puts(a, m, "updated", show_datetime(a, c->updated));
	tv_puts(a, m, "name", c->name);
	tv_puts(a, m, "phone", c->phone);
	if (*c->idno)
		store_show_idcard(r, m, "idno", c->ref, c->idno);
	tv_puts(a, m, "district", c->district);
	tv_puts(a, m, "employer", c->employer);
	tv_puts(a, m, "kind", c->kind);
	tv_puti(a, m, "people", c->people);
	if (c->has_amount)
		tv_puts(a, m, "amount", show_yuan(a, c->amount));
	tv_put(a, m, "facts", paragraphs(a, c->facts));
	tv_put(a, m, "claims", paragraphs(a, c->claims));
	tv_puts(a, m, "member", c->member);
	tv_puts(a, m, "contact", c->contact);
	tv_putb(a, m, "may_call", c->may_call);
	tv_puts(a, m, "status", c->status);
	tv_putb(a, m, "review", c->review);
	tv_puts(a, m, "reason", c->reason);
	tv_puts(a, m, "assignee", c->assignee);
	tv_puts(a, m, "handler", c->handler);
	if (c->has_recovered)
		tv_puts(a, m, "recovered", show_yuan(a, c->recovered));
	if (*c->closed)
		tv_puts(a, m, "closed", show_datetime(a, c->closed));
	tv_puts(a, m, "mark", triage(c, &sentence, &flag));
	tv_puts(a, m, "hint", sentence);
	tv_putb(a, m, "flag", flag);
	clock_view(r, c, m);
	return m;
}

void
legal_show_case(struct req *r, int status, const struct lcase *c,
    const char *failed, const struct fresult *res, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_put(a, ctx, "c", case_view(r, c));
	struct tval *files = case_files(r, c);
	tv_put(a, ctx, "files", files);
	tv_putb(a, ctx, "has_files", files->n > 0);
	tv_put(a, ctx, "history", event_history(r, c->ref, 1));
	outbox_history(r, ctx, c->ref, c->phone);
	tv_putf(a, ctx, "base", "/staff/legal-aid/%s", c->ref);
	legal_workflow_view(r, ctx, c, failed, res, status == 200);
	if (message)
		tv_puts(a, ctx, "refused", message);
	resp_render(r, status, "staff/legal/case", ctx);
}

static void
legal_case(struct req *r)
{
	struct lcase c;
	if (!legal_load_case(r, r->params[0], &c)) {
		resp_error(r, 404, NULL);
		return;
	}
	legal_show_case(r, 200, &c, NULL, NULL, NULL);
}

/* ---- evidence files ---- */

/* name percent-encoded for filename*=UTF-8'' (RFC 8187 attr-char kept). */
static const char *
pct_encode(struct arena *a, const char *name)
{
	struct buf b = {0};
	buf_put_pct(&b, name, "!#$&+-.^_`|~");
	const char *out = arena_strdup(a, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

static const char *
mime_ext(const char *mime)
{
	if (strcmp(mime, "application/pdf") == 0)
		return "pdf";
	if (strcmp(mime, "image/png") == 0)
		return "png";
	return "jpg";
}

/* Open <uploads>/<stored> (our own random hex name, checked again).
 * Returns the descriptor or -1 (logged). */
static int
open_evidence(struct req *r, const char *stored)
{
	size_t n = strlen(stored);
	if (n == 0 || strspn(stored, "0123456789abcdef") != n) {
		LOG_ERR("refused stored name %s", stored);
		return -1;
	}
	const char *path = arena_printf(r->a, "%s/%s", site_of(r)->uploads, stored);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		LOG_ERR("open %s: %s", path, strerror(errno));
	return fd;
}

static void
stream_fd(struct req *r, int fd)
{
	static char chunk[64 * 1024];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			LOG_ERR("read: %s", strerror(errno));
		if (got <= 0 || resp_write(r, chunk, (size_t)got) != 0)
			break;
	}
}

static void
legal_file(struct req *r)
{
	struct lcase c;
	long long id = req_param_id(r, 1);
	if (id <= 0 || !legal_load_case(r, r->params[0], &c)) {
		resp_error(r, 404, NULL);
		return;
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql_file);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, c.id);
	const char *stored = NULL, *orig = NULL, *mime = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		stored = arena_strdup(r->a, db_col_text(st, 0));
		orig = arena_strdup(r->a, db_col_text(st, 1));
		mime = arena_strdup(r->a, db_col_text(st, 2));
	}
	sqlite3_reset(st);
	int fd = stored ? open_evidence(r, stored) : -1;
	if (fd < 0) {
		resp_error(r, 404, stored ? "这个文件已不在服务器上。" : NULL);
		return;
	}
	/* Audited before the first byte is sent: no entry, no file. */
	int rc = store_audit(r, AUDIT_VIEW_EVIDENCE, c.ref,
	    arena_printf(r->a, "文件 %lld:%s", id, orig));
	if (rc != SQLITE_DONE) {
		close(fd);
		store_audit_refused(r);
		return;
	}
	resp_header(r, "Content-Disposition", arena_printf(r->a,
	    "attachment; filename=\"evidence-%lld.%s\"; filename*=UTF-8''%s", id,
	    mime_ext(mime), pct_encode(r->a, orig)));
	resp_header(r, "Cache-Control", "private, no-store");
	if (resp_begin(r, 200, mime) == 0)
		stream_fd(r, fd);
	close(fd);
}

const struct route page_staff_legal_routes[] = {
	{"GET", "/staff/legal-aid", legal_list, LEGAL_ACCESS, NULL},
	{"GET", "/staff/legal-aid.csv", legal_csv, LEGAL_ACCESS, NULL},
	{"GET", "/staff/legal-aid/{ref}", legal_case, LEGAL_ACCESS, NULL},
	{"GET", "/staff/legal-aid/{ref}/files/{id}", legal_file, LEGAL_ACCESS, NULL},
	{"POST", "/staff/legal-aid/{ref}/{step}", legal_step, LEGAL_ACCESS, NULL},
	{0},
};
