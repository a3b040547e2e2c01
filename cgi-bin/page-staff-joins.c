/*
 * page-staff-joins.c - 入会审核: the staff queue of 网上入会 applications,
 * the CSV export, and the route table of the area.  An application's own
 * page and its workflow (approve, reject, note) are
 * page-staff-join-record.c; what the two share is in page-staff-joins.h.
 *
 *   GET  /staff/joins                  the queue: filters, search, 50 a page
 *   GET  /staff/joins.csv              the queue with the same filter, as CSV
 *   GET  /staff/joins/{ref}            one application, full ID number (audited)
 *   POST /staff/joins/{ref}/approve    待审核 → 已通过, assigns the 会员编号
 *   POST /staff/joins/{ref}/reject     待审核 → 未通过 with a reason
 *   POST /staff/joins/{ref}/note       an internal note (not shown at /status)
 *
 * Admins and reviewers; a reviewer bound to a district sees only its
 * applications (another district's record answers 404).
 *
 * Every list query walks one index in id order (see 0004_staff_joins.sql);
 * which one is chosen from the filter.  A name or date search that matches
 * few rows walks the name or date index and sorts what it found instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "lists.h"
#include "pubform.h"
#include "queue.h"
#include "page-staff-joins.h"
#include "staff.h"
#include "valid.h"
#include "when.h"
#include "vocab.h"
#include "workday.h"

#define ACCESS_JOINS (ROLE_ADMIN | ROLE_REVIEWER)
/* A name or date range holding fewer rows than this is found by its own
 * index and sorted; more, and a walk in id order meets 50 of them soon. */
#define SPARSE 5000
/* A date range ending behind this many newer rows is found by its dates. */
#define FAR_BACK 20000


/*
 * The queue (parameters: queue.h).  The first condition picks the index;
 * the rest are checked on the way.
 *
 * WALK: the index gives id order, rows stream as they are found (and an
 * export of every row keeps memory flat).  SORT: the name or date index
 * finds the ids, which are sorted before the rows are read — for a search
 * that matches few rows, or (a page only) a date range far back.
 */
#define Q_COLS \
    "SELECT j.id, j.ref, j.created_at, j.name, j.gender, j.id_number, j.phone," \
    "  j.occupation, j.employment, coalesce(d.name, ''), coalesce(s.name, '')," \
    "  j.status, coalesce(j.member_no, '')," \
    "  EXISTS (SELECT 1 FROM join_applications x" \
    "    WHERE x.id_number = j.id_number AND x.id <> j.id)" \
    "  OR EXISTS (SELECT 1 FROM join_applications x" \
    "    WHERE x.phone = j.phone AND x.name = j.name AND x.id <> j.id)," \
    "  coalesce(j.due_on, ''), coalesce(j.decided_at, '')"
#define Q_JOINS \
    " LEFT JOIN districts d ON d.id = j.district_id" \
    " LEFT JOIN stations s ON s.id = j.station_id"
#define Q_CHECKS \
    " AND j.id < :below AND (:status = '' OR j.status = :status)" \
    " AND (:district = 0 OR j.district_id = :district)" \
    " AND (:kind = '' OR j.occupation = :kind)" \
    " AND (:from = '' OR j.created_at >= :from) AND (:to = '' OR j.created_at < :to)" \
    " AND (:q_end = '' OR (j.name >= :q AND j.name < :q_end))" \
    " AND (:due_hi = '' OR (j.status = '" JOIN_PENDING "'" \
    "  AND j.due_on >= :due_lo AND j.due_on < :due_hi))"
#define WALK(drive) \
    Q_COLS " FROM join_applications j" Q_JOINS " WHERE " drive Q_CHECKS \
    " ORDER BY j.id DESC LIMIT :limit"
#define SORT_IN(table, drive) \
    Q_COLS " FROM (SELECT j.id AS id FROM " table " WHERE " drive \
    Q_CHECKS " ORDER BY j.id DESC LIMIT :limit) k" \
    " JOIN join_applications j ON j.id = k.id" Q_JOINS " ORDER BY j.id DESC"
#define SORT(drive) SORT_IN("join_applications j", drive)

static const char sql_by_ref[] = WALK("j.ref = :q");
static const char sql_by_phone[] = WALK("j.phone = :q");
static const char sql_by_idno[] = WALK("j.id_number = :q");
static const char sql_by_name[] = SORT("j.name >= :q AND j.name < :q_end");
static const char sql_by_date[] = SORT("j.created_at >= :from AND j.created_at < :to_end");
static const char sql_by_status_district[] =
    WALK("j.status = :status AND j.district_id = :district");
static const char sql_by_status[] = WALK("j.status = :status");
static const char sql_by_kind_district[] =
    WALK("j.occupation = :kind AND j.district_id = :district");
static const char sql_by_kind[] = WALK("j.occupation = :kind");
static const char sql_by_district[] = WALK("j.district_id = :district");
static const char sql_all[] = WALK("1");
/* 期限: the open applications due in a range (join_open_due). */
static const char sql_by_due[] = SORT_IN("join_applications j INDEXED BY join_open_due",
    "j.status = '" JOIN_PENDING "'"
    " AND j.due_on >= :due_lo AND j.due_on < :due_hi");

/* How many rows a name prefix or a date range holds, up to ?3. */
static const char sql_name_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM join_applications"
    " WHERE name >= ?1 AND name < ?2 LIMIT ?3)";
static const char sql_due_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM join_applications"
    " WHERE status = '" JOIN_PENDING "' AND due_on >= ?1 AND due_on < ?2 LIMIT ?3)";
static const char sql_date_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM join_applications"
    " WHERE created_at >= ?1 AND created_at < ?2 LIMIT ?3)";

/* ---- choosing the index ---- */

/* How many rows the range [lo, hi) of sql holds, counted up to cap. */
static long long
count_upto(struct req *r, const char *sql, const char *lo, const char *hi,
    long long cap)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	long long n = cap;
	if (st == NULL)
		return n;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	db_bind_int(st, 3, cap);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* 1 when the name prefix holds few rows: its index finds them. */
static int
few_names(struct req *r, const struct queue_filter *f, int page)
{
	(void)page;
	return count_upto(r, sql_name_count, f->q, queue_prefix_end(r->a, f->q),
	    SPARSE) < SPARSE;
}

/*
 * 1 when the date index should find the rows: the range holds few; or,
 * for a page (an export always walks), it lies behind so many newer rows
 * that a walk from the newest would take longer than sorting the range.
 */
static int
by_date(struct req *r, const struct queue_filter *f, int page)
{
	if (count_upto(r, sql_date_count, f->from_utc,
	    *f->to_utc ? f->to_utc : "~", SPARSE) < SPARSE)
		return 1;
	return page && *f->kind == '\0' && *f->to_utc &&
	    count_upto(r, sql_date_count, f->to_utc, "~", FAR_BACK) >= FAR_BACK;
}

/*
 * 1 when the open applications due in the 期限 range are few: the due
 * index finds them.  Also when another status is asked for: nothing can
 * match, and the due index says so at once.
 */
static int
few_due(struct req *r, const struct queue_filter *f, int page)
{
	(void)page;
	if (*f->status && strcmp(f->status, JOIN_PENDING) != 0)
		return 1;
	return count_upto(r, sql_due_count, f->due_lo, f->due_hi, SPARSE) < SPARSE;
}

/* Every list query walks one index in id order (0004_staff_joins.sql). */
static const struct queue_plan plans[] = {
	{QF_REF, NULL, sql_by_ref},
	{QF_PHONE, NULL, sql_by_phone},
	{QF_IDNO, NULL, sql_by_idno},
	{QF_NAME, few_names, sql_by_name},
	{QF_DATES, by_date, sql_by_date},
	{QF_DUE, few_due, sql_by_due},
	{QF_STATUS | QF_DISTRICT, NULL, sql_by_status_district},
	{QF_STATUS, NULL, sql_by_status},
	{QF_KIND | QF_DISTRICT, NULL, sql_by_kind_district},
	{QF_KIND, NULL, sql_by_kind},
	{QF_DISTRICT, NULL, sql_by_district},
	{0, NULL, sql_all},
};

/* ---- a row ---- */

static struct tval *
row_view(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	(void)f;
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	char masked[19], when[32];
	mask_idcard(db_col_text(st, 5), masked);
	tv_puts(a, m, "ref", db_col_text(st, 1));
	tv_puts(a, m, "at", short_time(db_col_text(st, 2), when, sizeof(when)));
	tv_puts(a, m, "name", db_col_text(st, 3));
	tv_puts(a, m, "gender", db_col_text(st, 4));
	tv_puts(a, m, "id_masked", masked);
	tv_puts(a, m, "phone", db_col_text(st, 6));
	tv_puts(a, m, "occupation", db_col_text(st, 7));
	tv_puts(a, m, "employment", db_col_text(st, 8));
	tv_puts(a, m, "district", db_col_text(st, 9));
	tv_puts(a, m, "station", db_col_text(st, 10));
	tv_puts(a, m, "status", db_col_text(st, 11));
	tv_putb(a, m, "pending", strcmp(db_col_text(st, 11), JOIN_PENDING) == 0);
	tv_putb(a, m, "dup", sqlite3_column_int(st, 13));
	join_due_view(a, f, m, db_col_text(st, 11), db_col_text(st, 14),
	    db_col_text(st, 15));
	return m;
}

void
join_due_view(struct arena *a, const struct queue_filter *f, struct tval *m,
    const char *status, const char *due_on, const char *decided)
{
	struct due d;
	long late;
	if (strcmp(status, JOIN_PENDING) == 0 &&
	    workday_due(a, f->cal, due_on, f->day, &d) == 0) {
		tv_puts(a, m, "due", d.text);
		tv_puts(a, m, "due_date", d.date);
		tv_putb(a, m, "overdue", d.over);
	} else if (*decided && *due_on) {
		const char *kept = workday_kept(a, f->cal, due_on, decided, &late);
		if (kept)
			tv_puts(a, m, "kept", arena_printf(a, "已答复,%s", kept));
		tv_putb(a, m, "late", late > 0);
	}
}

static const char *const csv_head[] = {
	"编号", "提交时间", "姓名", "性别", "身份证号", "手机号", "职业",
	"就业形态", "区县", "驿站", "状态", "会员编号", "疑似重复", "答复期限",
	"期限情况",
};

static void
csv_line(struct csv *out, sqlite3_stmt *st, int full)
{
	char when[32], masked[19], state[48] = "";
	if (!full)
		mask_idcard(db_col_text(st, 5), masked);
	const struct queue_filter *f = queue_export_filter();
	const char *due_on = db_col_text(st, 14), *decided = db_col_text(st, 15);
	struct due d;
	long late;
	if (strcmp(db_col_text(st, 11), JOIN_PENDING) == 0 && f &&
	    workday_due(NULL, f->cal, due_on, f->day, &d) == 0)
		snprintf(state, sizeof(state), d.over ? "已逾期 %ld 个工作日" :
		    "剩余 %ld 个工作日", d.days);
	else if (f && *decided && workday_kept(NULL, f->cal, due_on, decided, &late))
		snprintf(state, sizeof(state), late ? "超期 %ld 个工作日" : "按期", late);
	const char *cells[] = {
		db_col_text(st, 1), short_time(db_col_text(st, 2), when, sizeof(when)),
		db_col_text(st, 3), db_col_text(st, 4),
		full ? db_col_text(st, 5) : masked, db_col_text(st, 6),
		db_col_text(st, 7), db_col_text(st, 8), db_col_text(st, 9),
		db_col_text(st, 10), db_col_text(st, 11), db_col_text(st, 12),
		sqlite3_column_int(st, 13) ? "是" : "", due_on, state,
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static const struct queue joins = {
	.name = "joins", .path = "/staff/joins", .tmpl = "staff/joins/list",
	.statuses = join_statuses, .kinds = occupations, .kind_label = "职业",
	.plans = plans, .row = row_view,
	.csv_head = csv_head, .csv_cols = ZJ_NELEM(csv_head), .csv_row = csv_line,
	.due = 1,
};

static void
joins_list(struct req *r)
{
	queue_list(r, &joins);
}

static void
joins_csv(struct req *r)
{
	queue_export(r, &joins);
}

const struct route page_staff_joins_routes[] = {
	{"GET", "/staff/joins", joins_list, ACCESS_JOINS, NULL},
	{"GET", "/staff/joins.csv", joins_csv, ACCESS_JOINS, NULL},
	{"GET", "/staff/joins/{ref}", joins_record, ACCESS_JOINS, NULL},
	{"POST", "/staff/joins/{ref}/approve", joins_approve, ACCESS_JOINS, NULL},
	{"POST", "/staff/joins/{ref}/reject", joins_reject, ACCESS_JOINS, NULL},
	{"POST", "/staff/joins/{ref}/note", joins_note, ACCESS_JOINS, NULL},
	{0},
};
