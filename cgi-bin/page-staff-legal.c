/*
 * page-staff-legal.c - 法律援助 on the staff desk: the queue, a case's own
 * page with its evidence files and history, the workflow, the CSV export.
 *
 *   GET  /staff/legal-aid                    the queue: filter, search, 50 a page
 *   GET  /staff/legal-aid.csv                the whole filtered queue, streamed
 *   GET  /staff/legal-aid/{ref}              the case: every field, the full ID
 *                                            number (audited), evidence, history,
 *                                            triage hint, what may be done next
 *   GET  /staff/legal-aid/{ref}/files/{id}   one evidence file (audited)
 *   POST /staff/legal-aid/{ref}/{step}       accept, reject, assign, mediate,
 *                                            close, note
 *
 * The workflow: 待受理 → 已受理 (or 不予受理, with a reason) → 已指派 (a
 * legal officer who sees the district, and the lawyer or mediator) → 调解中
 * → closed as 调解成功 (amount recovered), 转仲裁, 转诉讼 or 撤回, from 已指派
 * or 调解中.  Each step is checked against the state inside the transaction
 * that makes it, is one public event (the applicant's /status shows it)
 * and one audit entry.  Notes are internal events, allowed at any step.
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
#include "lists.h"
#include "pubform.h"
#include "queue.h"
#include "staff.h"
#include "valid.h"
#include "when.h"

#define LEGAL_ACCESS (ROLE_ADMIN | ROLE_LEGAL)
#define TRIAGE_FEN 100000LL          /* the union's rule: ≥ ¥1,000 at stake */
#define MAX_FEN 10000000000LL

static const char *const statuses[] = {
	"待受理", "已受理", "已指派", "调解中", "调解成功", "转仲裁", "转诉讼", "撤回",
	"不予受理", NULL,
};
static const char *const outcomes[] = {"调解成功", "转仲裁", "转诉讼", "撤回", NULL};

/* ---- SQL ---- */

/* One column list for the queue, the export and a case (enum LC_*). */
#define CASE_COLS \
    "SELECT c.id, c.ref, c.created_at, c.name, c.phone, c.id_number," \
    " coalesce(d.name, ''), c.employer, c.dispute_type, c.people, c.amount_fen," \
    " c.status, c.reason, coalesce(s.display_name, ''), coalesce(s.username, '')," \
    " c.handler_name, c.may_call, c.member_status, c.contact_time," \
    " c.recovered_fen, coalesce(c.closed_at, ''), c.facts, c.claims," \
    " c.district_id, c.updated_at"
#define CASE_JOINS " LEFT JOIN districts d ON d.id = c.district_id" \
    " LEFT JOIN staff s ON s.id = c.assignee_id"
#define CASE_SELECT CASE_COLS " FROM legal_cases c" CASE_JOINS " WHERE "
enum {
	LC_ID, LC_REF, LC_CREATED, LC_NAME, LC_PHONE, LC_IDNO, LC_DISTRICT,
	LC_EMPLOYER, LC_KIND, LC_PEOPLE, LC_AMOUNT, LC_STATUS, LC_REASON,
	LC_ANAME, LC_AUSER, LC_HANDLER, LC_MAYCALL, LC_MEMBER, LC_CONTACT,
	LC_RECOVERED, LC_CLOSED, LC_FACTS, LC_CLAIMS, LC_DISTRICT_ID, LC_UPDATED,
};

/*
 * The queue: ?1 status, ?2 type, ?3 district id, ?4/?5 created_at from/to,
 * ?6 id cursor, ?7 search text, ?8 limit (-1: all).  One statement per
 * combination of equality filters, so each walks the index that gives id
 * order (0005); a search walks its own index and checks the rest.  The
 * dates are checked on the way (the unary + keeps the planner off any
 * created_at index there: a sort of the whole range would be slower).
 */
#define Q_TAIL " AND +c.created_at >= ?4 AND +c.created_at < ?5 AND c.id < ?6" \
    " ORDER BY c.id DESC LIMIT ?8"
#define Q_REST(t) "(?1 = '' OR " t ".status = ?1)" \
    " AND (?2 = '' OR " t ".dispute_type = ?2) AND (?3 = 0 OR " t ".district_id = ?3)"
static const char sql_q_all[] = CASE_SELECT "1" Q_TAIL;
static const char sql_q_s[] = CASE_SELECT "c.status = ?1" Q_TAIL;
static const char sql_q_k[] = CASE_SELECT "c.dispute_type = ?2" Q_TAIL;
static const char sql_q_sk[] = CASE_SELECT
    "c.status = ?1 AND c.dispute_type = ?2" Q_TAIL;
static const char sql_q_d[] = CASE_SELECT "c.district_id = ?3" Q_TAIL;
static const char sql_q_sd[] = CASE_SELECT
    "c.status = ?1 AND c.district_id = ?3" Q_TAIL;
static const char sql_q_kd[] = CASE_SELECT
    "c.dispute_type = ?2 AND c.district_id = ?3" Q_TAIL;
static const char sql_q_skd[] = CASE_SELECT
    "c.status = ?1 AND +c.dispute_type = ?2 AND c.district_id = ?3" Q_TAIL;
static const char sql_q_ref[] = CASE_SELECT "c.ref = ?7 AND " Q_REST("c") Q_TAIL;
static const char sql_q_phone[] = CASE_SELECT "c.phone = ?7 AND " Q_REST("c") Q_TAIL;
/* Name prefix: every name starting with ?7 sorts below ?7 + U+10FFFF. */
static const char sql_q_name[] = CASE_SELECT
    "c.name >= ?7 AND c.name < ?7 || char(1114111) AND " Q_REST("c") Q_TAIL;

static const char *const sql_by_filter[8] = {
	sql_q_all, sql_q_s, sql_q_k, sql_q_sk, sql_q_d, sql_q_sd, sql_q_kd, sql_q_skd,
};

/*
 * A narrow date range far down the table: walk the range in created_at
 * order (legal_q_created covers every filter) and keep the 51 highest
 * ids.  Costs in proportion to the range, so only for one below
 * DATE_RANGE_MAX cases (counted first, index only).
 */
#define DATE_RANGE_MAX 20000
static const char sql_q_dates[] = CASE_COLS
    " FROM (SELECT k.id FROM legal_cases k INDEXED BY legal_q_created"
    "  WHERE k.created_at >= ?4 AND k.created_at < ?5 AND k.id < ?6 AND "
    Q_REST("k") " ORDER BY k.id DESC LIMIT ?8) x"
    " JOIN legal_cases c ON c.id = x.id" CASE_JOINS " ORDER BY c.id DESC";
static const char sql_range_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM legal_cases INDEXED BY legal_q_created"
    " WHERE created_at >= ?1 AND created_at < ?2 LIMIT ?3)";

static const char sql_case[] = CASE_SELECT "c.ref = ?1";
static const char sql_files[] =
    "SELECT id, orig_name, mime, size FROM legal_files WHERE case_id = ?1 ORDER BY id";
static const char sql_file[] =
    "SELECT stored_name, orig_name, mime FROM legal_files WHERE id = ?1 AND case_id = ?2";
static const char sql_assignees[] =
    "SELECT id, username, display_name FROM staff WHERE disabled = 0"
    " AND role IN ('legal', 'admin') AND (district_id IS NULL OR district_id = ?1)"
    " ORDER BY role = 'admin', username";
static const char sql_status_now[] =
    "SELECT status FROM legal_cases WHERE id = ?1";
static const char sql_update[] =
    "UPDATE legal_cases SET status = ?2, reason = coalesce(?3, reason),"
    " assignee_id = coalesce(?4, assignee_id),"
    " handler_name = coalesce(?5, handler_name),"
    " recovered_fen = coalesce(?6, recovered_fen),"
    " closed_at = coalesce(?7, closed_at), updated_at = ?8"
    " WHERE id = ?1 AND status = ?9";

/* ---- a case as read from a row ---- */

struct lcase {
	long long id, district_id, people, amount, recovered;
	int has_amount, has_recovered, may_call;
	const char *ref, *created, *name, *phone, *idno, *district, *employer,
	    *kind, *status, *reason, *assignee, *handler, *member, *contact,
	    *closed, *facts, *claims, *updated;
};

/* "显示名(username)", or the username alone. */
static const char *
staff_label(struct arena *a, const char *display, const char *username)
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
	/* The export has no arena to build a label in: it shows the username. */
	c->assignee = a ? staff_label(a, db_col_text(st, LC_ANAME),
	    db_col_text(st, LC_AUSER)) : db_col_text(st, LC_AUSER);
}

/*
 * The case of reference ref that r's member of staff may see.  Returns 1
 * with *c filled (arena), or 0 when there is none or it is outside their
 * district: the caller answers 404 either way.
 */
static int
load_case(struct req *r, const char *ref, struct lcase *c)
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

/* fen as 元: "12345.67", or "12,345.67" with grouping, into out (at
 * least 32 bytes).  Never fails; amounts are never negative. */
static void
fmt_yuan(char *out, size_t len, long long fen, int grouping)
{
	char digits[24];
	unsigned long long v = fen < 0 ? 0 : (unsigned long long)fen;
	int n = snprintf(digits, sizeof(digits), "%llu", v / 100);
	size_t k = 0;
	for (int i = 0; i < n && k + 5 < len; i++) {
		if (grouping && i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k++] = '.';
	out[k++] = (char)('0' + v % 100 / 10);
	out[k++] = (char)('0' + v % 10);
	out[k] = '\0';
}

static const char *
yuan(struct arena *a, long long fen)
{
	char s[48];
	fmt_yuan(s, sizeof(s), fen, 1);
	return arena_strdup(a, s);
}

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

/* 1 when f's dates hold fewer than DATE_RANGE_MAX cases. */
static int
narrow_dates(struct req *r, const struct queue_filter *f)
{
	long long n = DATE_RANGE_MAX;
	sqlite3_stmt *st;
	if ((*f->from_utc == '\0' && *f->to_utc == '\0') ||
	    (st = db_prep(r->app->db, sql_range_count)) == NULL)
		return 0;
	db_bind_text(st, 1, f->from_utc);
	db_bind_text(st, 2, *f->to_utc ? f->to_utc : "~");
	db_bind_int(st, 3, DATE_RANGE_MAX);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n < DATE_RANGE_MAX;
}

/*
 * The queue statement for f, bound, ready to step: limit rows (-1: all,
 * for the export: one walk down the ids, cursor ignored).  NULL on a
 * compile error.
 */
static sqlite3_stmt *
queue_stmt(struct req *r, const struct queue_filter *f, long long limit)
{
	const char *sql;
	if (f->q_kind == Q_REF)
		sql = sql_q_ref;
	else if (f->q_kind == Q_PHONE)
		sql = sql_q_phone;
	else if (f->q_kind == Q_NAME)
		sql = sql_q_name;
	else if (limit >= 0 && narrow_dates(r, f))
		sql = sql_q_dates;
	else
		sql = sql_by_filter[(*f->status ? 1 : 0) | (*f->kind ? 2 : 0) |
		    (f->district_id ? 4 : 0)];
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, f->status);
	db_bind_text(st, 2, f->kind);
	db_bind_int(st, 3, f->district_id);
	db_bind_text(st, 4, f->from_utc);
	db_bind_text(st, 5, *f->to_utc ? f->to_utc : "~");
	db_bind_int(st, 6, f->before > 0 && limit >= 0 ? f->before : INT64_MAX);
	db_bind_text(st, 7, f->q);
	db_bind_int(st, 8, limit);
	return st;
}

static struct tval *
queue_row(struct req *r, const struct lcase *c)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	const char *sentence;
	int flag;
	tv_puts(a, m, "ref", c->ref);
	tv_putf(a, m, "url", "/staff/legal-aid/%s", c->ref);
	tv_puts(a, m, "at", show_datetime(a, c->created));
	tv_puts(a, m, "name", c->name);
	tv_puts(a, m, "phone", c->phone);
	tv_puts(a, m, "district", c->district);
	tv_puts(a, m, "employer", c->employer);
	tv_puts(a, m, "kind", c->kind);
	tv_puti(a, m, "people", c->people);
	tv_puts(a, m, "amount", c->has_amount ? yuan(a, c->amount) : "");
	tv_puts(a, m, "status", c->status);
	tv_puts(a, m, "assignee", c->assignee);
	tv_puts(a, m, "handler", c->handler);
	tv_puts(a, m, "may_call", c->may_call ? "是" : "否");
	tv_puts(a, m, "mark", triage(c, &sentence, &flag));
	tv_puts(a, m, "mark_title", sentence);
	tv_putb(a, m, "flag", flag);
	return m;
}

static void
legal_list(struct req *r)
{
	struct queue_filter f;
	queue_filter_parse(r, &f);
	struct tval *ctx = tv_map(r->a), *rows = tv_list(r->a);
	sqlite3_stmt *st = queue_stmt(r, &f, QUEUE_PAGE + 1);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	long long last = 0;
	int more = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (rows->n == QUEUE_PAGE) {
			more = 1;
			break;
		}
		struct lcase c;
		read_case(r->a, st, &c);
		tv_push(r->a, rows, queue_row(r, &c));
		last = c.id;
	}
	sqlite3_reset(st);
	const char *q = queue_query(r, &f, 0);
	tv_put(r->a, ctx, "filter", queue_filter_view(r, &f, statuses, dispute_types));
	tv_put(r->a, ctx, "rows", rows);
	tv_putb(r->a, ctx, "empty", rows->n == 0);
	tv_putb(r->a, ctx, "pick_district", staff_of(r)->district_id == 0);
	tv_putf(r->a, ctx, "export", "/staff/legal-aid.csv%s%s", *q ? "?" : "", q);
	if (staff_of(r)->roles & ROLE_ADMIN)
		tv_putf(r->a, ctx, "export_full", "/staff/legal-aid.csv?%s%sfull=1", q,
		    *q ? "&" : "");
	queue_pager(r, ctx, "/staff/legal-aid", &f, last, more);
	resp_render(r, 200, "staff/legal/list", ctx);
}

/* "2026-11-23 16:05" in Shanghai, into out; the text itself if unparsable. */
static const char *
csv_time(const char *iso, char *out, size_t len)
{
	struct tm tm;
	if (*iso == '\0' || shanghai_tm(iso, &tm) != 0)
		return iso;
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	return out;
}

/* One case as a CSV row: nothing from the arena, so any number of rows
 * keeps the worker's memory flat. */
static void
csv_case(struct csv *out, const struct lcase *c, int full)
{
	char idno[19], people[24], amount[48], recovered[48], created[32], closed[32];
	const char *sentence;
	int flag;
	if (full)
		snprintf(idno, sizeof(idno), "%s", c->idno);
	else
		mask_idcard(c->idno, idno);
	snprintf(people, sizeof(people), "%lld", c->people);
	amount[0] = recovered[0] = '\0';
	if (c->has_amount)
		fmt_yuan(amount, sizeof(amount), c->amount, 0);
	if (c->has_recovered)
		fmt_yuan(recovered, sizeof(recovered), c->recovered, 0);
	const char *cells[] = {
		c->ref, csv_time(c->created, created, sizeof(created)), c->name,
		c->phone, idno, c->district, c->employer, c->kind, people, amount,
		c->status, c->assignee, c->handler, c->may_call ? "是" : "否",
		c->contact, c->member, triage(c, &sentence, &flag), c->reason,
		recovered, csv_time(c->closed, closed, sizeof(closed)), c->facts,
		c->claims,
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static void
legal_csv(struct req *r)
{
	static const char *const head[] = {
		"编号", "提交时间", "姓名", "手机号", "身份证号", "区县", "用人单位",
		"纠纷类型", "涉及人数", "涉及金额(元)", "状态", "负责人", "律师或调解员",
		"可以联系", "方便联系时间", "是否工会会员", "受理提示", "不予受理原因",
		"追回金额(元)", "办结时间", "事实经过", "诉求",
	};
	struct queue_filter f;
	queue_filter_parse(r, &f);
	const char *full_q = req_query(r, "full");
	int full = full_q && strcmp(full_q, "1") == 0 &&
	    (staff_of(r)->roles & ROLE_ADMIN);
	const char *q = queue_query(r, &f, 0);
	audit(r, "export", "legal-aid", *q ? q : "全部");
	if (full)
		audit(r, "export.full", "legal-aid", *q ? q : "全部");
	sqlite3_stmt *st = queue_stmt(r, &f, -1);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	char name[64], today[16];
	snprintf(today, sizeof(today), "%ld", today_shanghai());
	snprintf(name, sizeof(name), "legal-aid-%s%s.csv", today, full ? "-full" : "");
	struct csv out;
	if (csv_begin(&out, r, name) == 0) {
		csv_row(&out, head, ZJ_NELEM(head));
		while (!out.failed && sqlite3_step(st) == SQLITE_ROW) {
			struct lcase c;
			read_case(NULL, st, &c);
			csv_case(&out, &c, full);
		}
	}
	sqlite3_reset(st);
	if (csv_end(&out) != 0)
		LOG_INFO("export ended early after %lld rows: the client went away",
		    out.rows);
}

/* ---- the case page ---- */

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
	[C_OUTCOME] = {"outcome", "办结结果", F_RADIO, 1, 0, 0, outcomes, NULL, NULL},
	[C_RECOVERED] = {"recovered", "追回金额(元)", F_MONEY, 0, 0, MAX_FEN, NULL,
	    "调解成功时必填,最多两位小数", "例如 3500 或 3500.50"},
	[C_NOTE] = {"close_note", "给申请人的说明", F_TEXTAREA, 0, 0, 500, NULL,
	    "选填。申请人在进度查询中可以看到", NULL},
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
		as->labels[as->n] = staff_label(r->a, db_col_text(st, 2),
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

/* Text split at line ends, for paragraphs: [{text}]. */
static struct tval *
lines(struct arena *a, const char *s)
{
	struct tval *list = tv_list(a);
	while (*s) {
		size_t n = strcspn(s, "\n");
		size_t k = n;
		if (k && s[k - 1] == '\r')
			k--;
		if (k) {
			struct tval *m = tv_map(a);
			tv_put(a, m, "text", tv_strn(a, s, k));
			tv_push(a, list, m);
		}
		s += n + (s[n] == '\n');
	}
	return list;
}

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
	if (*c->idno) {
		tv_puts(a, m, "idno", c->idno);
		audit(r, "view.idcard", c->ref, "");
	}
	tv_puts(a, m, "district", c->district);
	tv_puts(a, m, "employer", c->employer);
	tv_puts(a, m, "kind", c->kind);
	tv_puti(a, m, "people", c->people);
	if (c->has_amount)
		tv_puts(a, m, "amount", yuan(a, c->amount));
	tv_put(a, m, "facts", lines(a, c->facts));
	tv_put(a, m, "claims", lines(a, c->claims));
	tv_puts(a, m, "member", c->member);
	tv_puts(a, m, "contact", c->contact);
	tv_putb(a, m, "may_call", c->may_call);
	tv_puts(a, m, "status", c->status);
	tv_puts(a, m, "reason", c->reason);
	tv_puts(a, m, "assignee", c->assignee);
	tv_puts(a, m, "handler", c->handler);
	if (c->has_recovered)
		tv_puts(a, m, "recovered", yuan(a, c->recovered));
	if (*c->closed)
		tv_puts(a, m, "closed", show_datetime(a, c->closed));
	tv_puts(a, m, "mark", triage(c, &sentence, &flag));
	tv_puts(a, m, "hint", sentence);
	tv_putb(a, m, "flag", flag);
	return m;
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
	const char *note;         /* the event's note */
	const char *detail;       /* for the audit log */
};

struct step;
typedef int (*check_fn)(struct req *r, const struct lcase *c,
    const struct step *s, struct fresult *res, struct change *ch);

struct step {
	const char *name;         /* the URL's last segment; audit "legal.<name>" */
	const char *verb;         /* what it does, for messages */
	const char *from[3];      /* states it starts from; none listed: any */
	const char *to;           /* the state it leads to; NULL: the form says */
	check_fn check;
	const char *done;         /* the notice after it */
};

static int
check_accept(struct req *r, const struct lcase *c, const struct step *s,
    struct fresult *res, struct change *ch)
{
	(void)r, (void)c, (void)res;
	ch->to = s->to;
	ch->note = "正在安排律师或调解员";
	return 0;
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
	int success = strcmp(res[C_OUTCOME].value, "调解成功") == 0;
	const char *note = res[C_NOTE].value;
	if (success && !res[C_RECOVERED].error && res[C_RECOVERED].value[0] == '\0') {
		res[C_RECOVERED].error = "调解成功时请填写追回金额(没有追回金额的填 0)";
		errors++;
	}
	ch->to = res[C_OUTCOME].value;
	ch->closes = 1;
	ch->note = note;
	if (success) {
		ch->recovered = res[C_RECOVERED].num;
		ch->note = arena_printf(r->a, "追回金额 ¥%s%s%s", yuan(r->a, ch->recovered),
		    *note ? "。" : "", note);
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
	{"accept", "受理", {"待受理"}, "已受理", check_accept, "已受理"},
	{"reject", "不予受理", {"待受理"}, "不予受理", check_reject, "已记为不予受理"},
	{"assign", "指派", {"已受理"}, "已指派", check_assign, "已指派"},
	{"mediate", "开始调解", {"已指派"}, "调解中", check_mediate, "已开始调解"},
	{"close", "结案", {"已指派", "调解中"}, NULL, check_close, "已结案"},
	{"note", "添加备注", {NULL}, NULL, check_note, "备注已添加"},
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

/*
 * Render the case page.  failed: the step whose form is shown with res
 * (its messages beside the fields); message: a refusal at the top.
 */
static void
show_case(struct req *r, int status, const struct lcase *c,
    const struct step *failed, const struct fresult *res, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	struct assignees as;
	const char *which = failed ? failed->name : "";
	tv_put(a, ctx, "c", case_view(r, c));
	struct tval *files = case_files(r, c);
	tv_put(a, ctx, "files", files);
	tv_putb(a, ctx, "has_files", files->n > 0);
	tv_put(a, ctx, "history", event_history(r, c->ref, 1));
	tv_putf(a, ctx, "base", "/staff/legal-aid/%s", c->ref);
	for (size_t i = 0; i < ZJ_NELEM(steps); i++)
		tv_putb(a, ctx, arena_printf(a, "can_%s", steps[i].name),
		    allowed(&steps[i], c->status));
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
	tv_put(a, ctx, "forms", forms);
	tv_putb(a, ctx, "no_assignees", as.n == 0);
	if (failed && res)
		tv_put(a, ctx, "f", tv_get(forms, which));
	if (message)
		tv_puts(a, ctx, "refused", message);
	const struct step *done = step_named(req_query(r, "done"));
	if (done && status == 200)
		tv_puts(a, ctx, "notice", done->done);
	resp_render(r, status, "staff/legal/case", ctx);
}

static void
legal_case(struct req *r)
{
	struct lcase c;
	if (!load_case(r, r->params[0], &c)) {
		resp_error(r, 404, NULL);
		return;
	}
	show_case(r, 200, &c, NULL, NULL, NULL);
}

/* apply's answer when the case moved on before the step could be made. */
#define MOVED (-1)

/*
 * Make the change in one transaction: the state is read again inside it,
 * so two people acting at once cannot both move the case.  Returns
 * SQLITE_DONE, MOVED when the state no longer allows the step (*now set;
 * nothing changed), or the failing SQLite code (rolled back).
 */
static int
apply(struct req *r, const struct lcase *c, const struct step *s,
    const struct change *ch, const char **now)
{
	struct db *db = r->app->db;
	long long who = staff_of(r)->id;
	char at[32];
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	utc_now_iso(at, sizeof(at));
	sqlite3_stmt *st = db_prep(db, sql_status_now);
	if (st == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, c->id);
	rc = sqlite3_step(st);
	*now = arena_strdup(r->a, rc == SQLITE_ROW ? db_col_text(st, 0) : "");
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? SQLITE_ERROR : rc;
		goto fail;
	}
	if (!allowed(s, *now)) {
		rc = MOVED;
		goto fail;
	}
	if (ch->to) {
		if ((st = db_prep(db, sql_update)) == NULL) {
			rc = SQLITE_ERROR;
			goto fail;
		}
		db_bind_int(st, 1, c->id);
		db_bind_text(st, 2, ch->to);
		db_bind_text(st, 3, ch->reason);
		if (ch->assignee_id)
			db_bind_int(st, 4, ch->assignee_id);
		db_bind_text(st, 5, ch->handler);
		if (ch->recovered >= 0)
			db_bind_int(st, 6, ch->recovered);
		db_bind_text(st, 7, ch->closes ? at : NULL);
		db_bind_text(st, 8, at);
		db_bind_text(st, 9, *now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			goto fail;
	}
	rc = event_add(r, c->ref, ch->to ? ch->to : *now, ch->note, ch->to != NULL, who);
	if (rc != SQLITE_DONE)
		goto fail;
	const char *what = ch->detail ? ch->detail : ch->note ? ch->note : "";
	if (ch->to)
		what = arena_printf(r->a, "%s → %s%s%s", *now, ch->to, *what ? ":" : "",
		    what);
	audit(r, arena_printf(r->a, "legal.%s", s->name), c->ref, what);
	if ((rc = db_commit(db)) == SQLITE_OK)
		return SQLITE_DONE;
fail:
	db_rollback(db);
	return rc;
}

static const char *
refusal(struct req *r, const struct step *s, const char *status)
{
	return arena_printf(r->a, "这个案件现在是“%s”状态,不能%s,什么也没有改变。"
	    "可能其他工作人员刚刚处理过,请看下方的最新状态。", status, s->verb);
}

static void
legal_step(struct req *r)
{
	struct lcase c;
	struct fresult res[(int)C__N + (int)A__N];  /* room for any step's form */
	struct change ch = {.recovered = -1};
	const struct step *s = step_named(r->params[1]);
	if (s == NULL || !load_case(r, r->params[0], &c)) {
		resp_error(r, 404, NULL);
		return;
	}
	if (!allowed(s, c.status)) {
		show_case(r, 409, &c, NULL, NULL, refusal(r, s, c.status));
		return;
	}
	memset(res, 0, sizeof(res));
	if (s->check(r, &c, s, res, &ch) > 0) {
		show_case(r, 422, &c, s, res, NULL);
		return;
	}
	const char *now = "";
	int rc = apply(r, &c, s, &ch, &now);
	if (rc == MOVED) {
		if (load_case(r, c.ref, &c))
			show_case(r, 409, &c, NULL, NULL, refusal(r, s, now));
		else
			resp_error(r, 404, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/legal-aid/%s?done=%s",
	    c.ref, s->name));
}

/* ---- evidence files ---- */

/* name percent-encoded for filename*=UTF-8'' (RFC 8187 attr-char kept). */
static const char *
pct_encode(struct arena *a, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
			buf_putc(&b, *p);
		else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[*p >> 4]);
			buf_putc(&b, hex[*p & 15]);
		}
	}
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
	const char *path = arena_printf(r->a, "%s/%s", r->app->uploads, stored);
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
	if (id <= 0 || !load_case(r, r->params[0], &c)) {
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
	audit(r, "view.evidence", c.ref, arena_printf(r->a, "文件 %lld:%s", id, orig));
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
