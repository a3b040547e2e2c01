/*
 * page-staff-appeals.c - 诉求 on the staff desk: the queue of what workers
 * raised (提诉求, SQ references), its CSV export, and the route table of
 * the area.  An appeal's own page and its workflow are
 * page-staff-appeal-record.c; what the two share is page-staff-appeals.h.
 *
 *   GET  /staff/appeals                 the queue: filters, search, 50 a page
 *   GET  /staff/appeals.csv             the queue with the same filter, as CSV
 *   GET  /staff/appeals/{ref}           one appeal, its history and next steps
 *   POST /staff/appeals/{ref}/{step}    dispatch, answer, close, refuse,
 *                                       legal, note
 *
 * Admins and reviewers; a reviewer bound to a district sees only the
 * appeals its district handles (another district's answers 404).  Phone
 * numbers are masked in the list and the export (138****5678); the full
 * number is on the appeal's page, and in an admin's full export (audited
 * as such).
 *
 * Filters: status, 类型 (the queue's kind), 事项 and 办理期限 (已逾期: 已派单
 * and past its due date) as filters of the queue's own, district, the
 * submission dates, and a search by reference, phone or 称呼.  Each
 * statement walks one index in id order (0012_actions.sql).
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "page-staff-appeals.h"
#include "queue.h"
#include "staff.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

#define EXCERPT 40   /* characters of 具体内容 a row shows */

/* ---- the queue (parameters: queue.h) ---- */

#define Q_COLS \
    "SELECT a.id, a.ref, a.created_at, a.kind, a.matter," \
    "  substr(a.content, 1, " ZJ_STR(EXCERPT) "), length(a.content)," \
    "  coalesce(d.name, ''), coalesce(o.name, ''), a.name, a.phone, a.may_contact," \
    "  coalesce(st.name, ''), a.status, coalesce(a.due_on, '')," \
    "  coalesce(s.display_name, ''), coalesce(s.username, '')," \
    "  a.status = '" APPEAL_DISPATCHED "' AND a.due_on < :today," \
    "  coalesce(a.replied_at, ''), coalesce(a.legal_ref, ''), a.content"
enum {
	AQ_ID, AQ_REF, AQ_CREATED, AQ_KIND, AQ_MATTER, AQ_EXCERPT, AQ_LENGTH,
	AQ_DISTRICT, AQ_ORIGIN, AQ_NAME, AQ_PHONE, AQ_CONTACT, AQ_STATION,
	AQ_STATUS, AQ_DUE, AQ_ANAME, AQ_AUSER, AQ_OVERDUE, AQ_REPLIED, AQ_LEGAL,
	AQ_CONTENT,
};
#define Q_JOINS \
    " LEFT JOIN districts d ON d.id = a.district_id" \
    " LEFT JOIN districts o ON o.id = a.origin_district_id" \
    " LEFT JOIN stations st ON st.id = a.station_id" \
    " LEFT JOIN staff s ON s.id = a.assignee_id"
#define OVERDUE "a.status = '" APPEAL_DISPATCHED "' AND a.due_on < :today"
#define Q_CHECKS \
    " AND a.id < :below AND (:status = '' OR a.status = :status)" \
    " AND (:district = 0 OR a.district_id = :district)" \
    " AND (:kind = '' OR a.kind = :kind) AND (:matter = '' OR a.matter = :matter)" \
    " AND (:overdue = '' OR (" OVERDUE "))" \
    " AND (:due_hi = '' OR (a.status = '" APPEAL_DISPATCHED "'" \
    "  AND a.due_on >= :due_lo AND a.due_on < :due_hi))" \
    " AND (:from = '' OR a.created_at >= :from) AND (:to = '' OR a.created_at < :to)"
#define WALK(drive) \
    Q_COLS " FROM appeals a" Q_JOINS " WHERE " drive Q_CHECKS \
    " ORDER BY a.id DESC LIMIT :limit"

static const char sql_by_ref[] = WALK("a.ref = :q");
static const char sql_by_phone[] = WALK("a.phone = :q");
/* A 称呼 prefix: every name starting with :q sorts below :q + U+10FFFF. */
static const char sql_by_name[] = WALK("a.name >= :q AND a.name < :q || char(1114111)");
static const char sql_overdue[] = WALK(OVERDUE);
/* 期限 (queue.h): the dispatched appeals due in a range, found by
 * appeals_open_due and sorted; when the range holds few (counted first). */
static const char sql_by_due[] =
    Q_COLS " FROM (SELECT a.id AS id FROM appeals a"
    "  WHERE a.status IN ('" APPEAL_NEW "', '" APPEAL_DISPATCHED "')"
    "  AND a.due_on >= :due_lo AND a.due_on < :due_hi" Q_CHECKS
    "  ORDER BY a.id DESC LIMIT :limit) k"
    " JOIN appeals a ON a.id = k.id" Q_JOINS " ORDER BY a.id DESC";
static const char sql_due_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM appeals"
    " WHERE status IN ('" APPEAL_NEW "', '" APPEAL_DISPATCHED "')"
    " AND due_on >= ?1 AND due_on < ?2 LIMIT ?3)";
#define SPARSE 5000

/* 1 when the appeals due in f's 期限 range are few enough to sort. */
static int
few_due(struct req *r, const struct queue_filter *f, int page)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_due_count);
	long long n = SPARSE;
	(void)page;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, f->due_lo);
	db_bind_text(st, 2, f->due_hi);
	db_bind_int(st, 3, SPARSE);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n < SPARSE;
}
static const char sql_by_status_district[] =
    WALK("a.status = :status AND a.district_id = :district");
static const char sql_by_status[] = WALK("a.status = :status");
static const char sql_by_district[] = WALK("a.district_id = :district");
static const char sql_all[] = WALK("1");

/* The queue's own filters; the order is the QF_EXTRA0 << i of the plans. */
static const char *const overdue_choice[] = {APPEAL_OVERDUE, NULL};
static const struct queue_extra extras[] = {
	{"matter", "事项", appeal_matters},
	{"overdue", "办理期限", overdue_choice},
};
#define QF_OVERDUE (QF_EXTRA0 << 1)

static const struct queue_plan plans[] = {
	{QF_REF, NULL, sql_by_ref},
	{QF_PHONE, NULL, sql_by_phone},
	{QF_NAME, NULL, sql_by_name},
	{QF_OVERDUE, NULL, sql_overdue},
	{QF_DUE, few_due, sql_by_due},
	{QF_STATUS | QF_DISTRICT, NULL, sql_by_status_district},
	{QF_STATUS, NULL, sql_by_status},
	{QF_DISTRICT, NULL, sql_by_district},
	{0, NULL, sql_all},
};

/* "显示名(username)", the username alone, or "" (not assigned).  Into
 * out (no arena: the export calls it for every row). */
static const char *
assignee(sqlite3_stmt *st, char *out, size_t len)
{
	const char *display = db_col_text(st, AQ_ANAME), *user = db_col_text(st, AQ_AUSER);
	if (*user == '\0' || *display == '\0')
		snprintf(out, len, "%s", user);
	else
		snprintf(out, len, "%s(%s)", display, user);
	return out;
}

static struct tval *
row_view(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	char when[32], masked[16], who[160];
	const char *district = db_col_text(st, AQ_DISTRICT);
	const char *origin = db_col_text(st, AQ_ORIGIN);
	mask_phone(db_col_text(st, AQ_PHONE), masked);
	tv_puts(a, m, "ref", db_col_text(st, AQ_REF));
	tv_puts(a, m, "at", short_time(db_col_text(st, AQ_CREATED), when, sizeof(when)));
	tv_puts(a, m, "kind", db_col_text(st, AQ_KIND));
	tv_puts(a, m, "matter", db_col_text(st, AQ_MATTER));
	tv_putf(a, m, "excerpt", "%s%s", db_col_text(st, AQ_EXCERPT),
	    sqlite3_column_int(st, AQ_LENGTH) > EXCERPT ? "…" : "");
	tv_puts(a, m, "district", district);
	if (strcmp(district, origin) != 0)
		tv_puts(a, m, "origin", origin);
	tv_puts(a, m, "name", db_col_text(st, AQ_NAME));
	tv_puts(a, m, "phone", masked);
	tv_puts(a, m, "station", db_col_text(st, AQ_STATION));
	tv_puts(a, m, "status", db_col_text(st, AQ_STATUS));
	tv_putb(a, m, "waiting", strcmp(db_col_text(st, AQ_STATUS), APPEAL_NEW) == 0);
	tv_puts(a, m, "due", db_col_text(st, AQ_DUE));
	tv_puts(a, m, "assignee", assignee(st, who, sizeof(who)));
	tv_putb(a, m, "overdue", sqlite3_column_int(st, AQ_OVERDUE));
	tv_puts(a, m, "legal_ref", db_col_text(st, AQ_LEGAL));
	queue_due_view(a, f, m, strcmp(db_col_text(st, AQ_STATUS), APPEAL_DISPATCHED) == 0,
	    db_col_text(st, AQ_DUE), db_col_text(st, AQ_REPLIED), "已答复");
	return m;
}

static const char *const csv_head[] = {
	"编号", "提交时间", "诉求类型", "事项", "具体内容", "所在区县(提交时)", "办理区县",
	"称呼", "手机号", "方便联系", "驿站", "状态", "负责人", "答复期限", APPEAL_OVERDUE,
	"答复时间", "法律援助编号", "期限情况",
};

static void
csv_line(struct csv *out, sqlite3_stmt *st, int full)
{
	char when[32], replied[32], masked[16], who[160], state[48];
	mask_phone(db_col_text(st, AQ_PHONE), masked);
	const char *cells[] = {
		db_col_text(st, AQ_REF),
		short_time(db_col_text(st, AQ_CREATED), when, sizeof(when)),
		db_col_text(st, AQ_KIND), db_col_text(st, AQ_MATTER),
		db_col_text(st, AQ_CONTENT), db_col_text(st, AQ_ORIGIN),
		db_col_text(st, AQ_DISTRICT), db_col_text(st, AQ_NAME),
		full ? db_col_text(st, AQ_PHONE) : masked,
		sqlite3_column_int(st, AQ_CONTACT) ? "可以" : "不方便",
		db_col_text(st, AQ_STATION), db_col_text(st, AQ_STATUS),
		assignee(st, who, sizeof(who)), db_col_text(st, AQ_DUE),
		sqlite3_column_int(st, AQ_OVERDUE) ? "是" : "",
		short_time(db_col_text(st, AQ_REPLIED), replied, sizeof(replied)),
		db_col_text(st, AQ_LEGAL),
		queue_due_words(queue_export_filter(),
		    strcmp(db_col_text(st, AQ_STATUS), APPEAL_DISPATCHED) == 0,
		    db_col_text(st, AQ_DUE), db_col_text(st, AQ_REPLIED), state, sizeof(state)),
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static const struct queue appeals = {
	.name = "appeals", .path = "/staff/appeals", .tmpl = "staff/appeals/list",
	.statuses = appeal_statuses, .kinds = appeal_kinds, .kind_label = "诉求类型",
	.plans = plans, .row = row_view,
	.csv_head = csv_head, .csv_cols = ZJ_NELEM(csv_head), .csv_row = csv_line,
	.extras = extras, .nextras = ZJ_NELEM(extras), .full_words = "完整手机号",
	.due = 1,
};

static void
appeals_list(struct req *r)
{
	queue_list(r, &appeals);
}

static void
appeals_csv(struct req *r)
{
	queue_export(r, &appeals);
}

const struct route page_staff_appeals_routes[] = {
	{"GET", "/staff/appeals", appeals_list, ACCESS_APPEALS, NULL},
	{"GET", "/staff/appeals.csv", appeals_csv, ACCESS_APPEALS, NULL},
	{"GET", "/staff/appeals/{ref}", appeals_record, ACCESS_APPEALS, NULL},
	{"POST", "/staff/appeals/{ref}/{step}", appeals_step, ACCESS_APPEALS, NULL},
	{0},
};
