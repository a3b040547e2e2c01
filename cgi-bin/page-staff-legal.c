/*
 * page-staff-legal.c - 法律援助 on the staff desk: the queue, a case's own
 * page with its evidence files and history, the CSV export, and the route
 * table of the area.  The workflow (the step table and its forms, the POST
 * handler) is page-staff-legal-steps.c; what the two share is in
 * staff-legal.h.
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
#include "lists.h"
#include "pubform.h"
#include "queue.h"
#include "staff-legal.h"
#include "staff.h"
#include "valid.h"
#include "when.h"
#include "vocab.h"

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

const char *
legal_yuan(struct arena *a, long long fen)
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
	tv_puts(a, m, "amount", c->has_amount ? legal_yuan(a, c->amount) : "");
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
	tv_put(r->a, ctx, "filter", queue_filter_view(r, &f, legal_statuses, dispute_types));
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
	audit(r->app->db, actor_of(r), AUDIT_EXPORT, "legal-aid", *q ? q : "全部");
	if (full)
		audit(r->app->db, actor_of(r),
		    AUDIT_EXPORT_FULL, "legal-aid", *q ? q : "全部");
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
		audit(r->app->db, actor_of(r), AUDIT_VIEW_IDCARD, c->ref, "");
	}
	tv_puts(a, m, "district", c->district);
	tv_puts(a, m, "employer", c->employer);
	tv_puts(a, m, "kind", c->kind);
	tv_puti(a, m, "people", c->people);
	if (c->has_amount)
		tv_puts(a, m, "amount", legal_yuan(a, c->amount));
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
		tv_puts(a, m, "recovered", legal_yuan(a, c->recovered));
	if (*c->closed)
		tv_puts(a, m, "closed", show_datetime(a, c->closed));
	tv_puts(a, m, "mark", triage(c, &sentence, &flag));
	tv_puts(a, m, "hint", sentence);
	tv_putb(a, m, "flag", flag);
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
	audit(r->app->db, actor_of(r),
	    AUDIT_VIEW_EVIDENCE, c.ref, arena_printf(r->a, "文件 %lld:%s", id, orig));
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
