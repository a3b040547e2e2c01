/*
 * page-staff-joins.c - 入会审核: the staff queue of 网上入会 applications,
 * the CSV export, and the route table of the area.  An application's own
 * page and its workflow (approve, reject, note) are
 * page-staff-join-record.c; what the two share is in staff-joins.h.
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
#include "staff-joins.h"
#include "staff.h"
#include "valid.h"
#include "when.h"
#include "vocab.h"

#define ACCESS_JOINS (ROLE_ADMIN | ROLE_REVIEWER)
/* A name or date range holding fewer rows than this is found by its own
 * index and sorted; more, and a walk in id order meets 50 of them soon. */
#define SPARSE 5000
/* A date range ending behind this many newer rows is found by its dates. */
#define FAR_BACK 20000


/*
 * The queue.  ?1 status, ?2 district id, ?3 occupation ('' / 0: any),
 * ?4 ?5 created_at range ('' for open), ?6 ids below, ?7 ?8 the search
 * (ref or phone in ?7; a name prefix as [?7, ?8)), ?9 limit (-1: all),
 * ?10 the end of the date range ('~' for open).  The first condition
 * picks the index; the rest are checked on the way.
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
    "    WHERE x.phone = j.phone AND x.name = j.name AND x.id <> j.id)"
#define Q_JOINS \
    " LEFT JOIN districts d ON d.id = j.district_id" \
    " LEFT JOIN stations s ON s.id = j.station_id"
#define Q_CHECKS \
    " AND j.id < ?6 AND (?1 = '' OR j.status = ?1)" \
    " AND (?2 = 0 OR j.district_id = ?2) AND (?3 = '' OR j.occupation = ?3)" \
    " AND (?4 = '' OR j.created_at >= ?4) AND (?5 = '' OR j.created_at < ?5)" \
    " AND (?8 = '' OR (j.name >= ?7 AND j.name < ?8))"
#define WALK(drive) \
    Q_COLS " FROM join_applications j" Q_JOINS " WHERE " drive Q_CHECKS \
    " ORDER BY j.id DESC LIMIT ?9"
#define SORT(drive) \
    Q_COLS " FROM (SELECT j.id AS id FROM join_applications j WHERE " drive \
    Q_CHECKS " ORDER BY j.id DESC LIMIT ?9) k" \
    " JOIN join_applications j ON j.id = k.id" Q_JOINS " ORDER BY j.id DESC"

static const char sql_by_ref[] = WALK("j.ref = ?7");
static const char sql_by_phone[] = WALK("j.phone = ?7");
static const char sql_by_idno[] = WALK("j.id_number = ?7");
static const char sql_by_name[] = SORT("j.name >= ?7 AND j.name < ?8");
static const char sql_by_date[] = SORT("j.created_at >= ?4 AND j.created_at < ?10");
static const char sql_by_status_district[] = WALK("j.status = ?1 AND j.district_id = ?2");
static const char sql_by_status[] = WALK("j.status = ?1");
static const char sql_by_kind_district[] = WALK("j.occupation = ?3 AND j.district_id = ?2");
static const char sql_by_kind[] = WALK("j.occupation = ?3");
static const char sql_by_district[] = WALK("j.district_id = ?2");
static const char sql_all[] = WALK("1");

/* How many rows a name prefix or a date range holds, up to ?3. */
static const char sql_name_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM join_applications"
    " WHERE name >= ?1 AND name < ?2 LIMIT ?3)";
static const char sql_date_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM join_applications"
    " WHERE created_at >= ?1 AND created_at < ?2 LIMIT ?3)";

/* "2026-11-23 16:05" in Shanghai into out (no arena: the export calls it
 * for every row). */
static void
short_time(const char *iso, char out[32])
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0)
		snprintf(out, 32, "%.31s", iso);
	else
		strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* ---- the queue ---- */

/* The search text as a name prefix range [lo, hi): hi is lo with its last
 * byte raised, which no UTF-8 text starting with lo reaches. */
static const char *
prefix_end(struct req *r, const char *lo)
{
	size_t n = strlen(lo);
	char *hi = arena_strndup(r->a, lo, n);
	while (n > 0 && (unsigned char)hi[n - 1] == 0xff)
		hi[--n] = '\0';
	if (n == 0)
		return "";
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	return hi;
}

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

/*
 * 1 when the date index should find the rows: the range holds few; or,
 * for a page (an export always walks), it lies behind so many newer rows
 * that a walk from the newest would take longer than sorting the range.
 */
static int
by_date(struct req *r, const struct queue_filter *f, int page)
{
	if (*f->from_utc == '\0' && *f->to_utc == '\0')
		return 0;
	if (count_upto(r, sql_date_count, f->from_utc,
	    *f->to_utc ? f->to_utc : "~", SPARSE) < SPARSE)
		return 1;
	return page && *f->kind == '\0' && *f->to_utc &&
	    count_upto(r, sql_date_count, f->to_utc, "~", FAR_BACK) >= FAR_BACK;
}

/* 1 when the search text is an ID number (searched whole, not as a name). */
static int
is_idno(const struct queue_filter *f)
{
	return f->q_kind == Q_NAME && strlen(f->q) == 18 &&
	    strspn(f->q, "0123456789") >= 17 && (f->q[17] == 'X' || f->q[17] <= '9');
}

/* The statement that finds f's rows the cheapest way. */
static const char *
list_sql(struct req *r, const struct queue_filter *f, const char *name_hi,
    int page)
{
	if (f->q_kind == Q_REF)
		return sql_by_ref;
	if (f->q_kind == Q_PHONE)
		return sql_by_phone;
	if (is_idno(f))
		return sql_by_idno;
	if (f->q_kind == Q_NAME && count_upto(r, sql_name_count, f->q, name_hi, SPARSE) < SPARSE)
		return sql_by_name;
	if (by_date(r, f, page))
		return sql_by_date;
	if (*f->status)
		return f->district_id ? sql_by_status_district : sql_by_status;
	if (*f->kind)
		return f->district_id ? sql_by_kind_district : sql_by_kind;
	return f->district_id ? sql_by_district : sql_all;
}

/* The queue's statement, bound; NULL on a compile error.  limit -1: all. */
static sqlite3_stmt *
list_stmt(struct req *r, const struct queue_filter *f, long long limit)
{
	const char *name_hi = f->q_kind == Q_NAME && !is_idno(f) ?
	    prefix_end(r, f->q) : "";
	sqlite3_stmt *st = db_prep(r->app->db, list_sql(r, f, name_hi, limit > 0));
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, f->status);
	db_bind_int(st, 2, f->district_id);
	db_bind_text(st, 3, f->kind);
	db_bind_text(st, 4, f->from_utc);
	db_bind_text(st, 5, f->to_utc);
	db_bind_int(st, 6, f->before > 0 ? f->before : INT64_MAX);
	db_bind_text(st, 7, f->q_kind == Q_NONE ? "" : f->q);
	db_bind_text(st, 8, name_hi);
	db_bind_int(st, 9, limit);
	if (sqlite3_bind_parameter_count(st) >= 10)
		db_bind_text(st, 10, *f->to_utc ? f->to_utc : "~");
	return st;
}

/* The filter, with a status that is not one of ours dropped and an ID
 * number's x written X, as stored. */
static void
filter(struct req *r, struct queue_filter *f)
{
	queue_filter_parse(r, f);
	int known = 0;
	for (const char *const *s = join_statuses; *s; s++)
		known |= strcmp(*s, f->status) == 0;
	if (!known)
		f->status = "";
	if (f->q_kind == Q_NAME && strlen(f->q) == 18 && f->q[17] == 'x')
		f->q = arena_printf(r->a, "%.17sX", f->q);
}

static struct tval *
row_view(struct req *r, sqlite3_stmt *st)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	char masked[19], when[32];
	mask_idcard(db_col_text(st, 5), masked);
	short_time(db_col_text(st, 2), when);
	tv_puts(a, m, "ref", db_col_text(st, 1));
	tv_puts(a, m, "at", when);
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
	return m;
}

static void
joins_list(struct req *r)
{
	struct queue_filter f;
	filter(r, &f);
	sqlite3_stmt *st = list_stmt(r, &f, QUEUE_PAGE + 1);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	struct tval *ctx = tv_map(r->a), *rows = tv_list(r->a);
	long long last = 0;
	int n = 0, more = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == QUEUE_PAGE) {
			more = 1;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		tv_push(r->a, rows, row_view(r, st));
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	struct tval *fv = queue_filter_view(r, &f, join_statuses, occupations);
	tv_putb(r->a, fv, "pick_district", tv_get(fv, "districts") != NULL);
	tv_put(r->a, ctx, "filter", fv);
	tv_put(r->a, ctx, "rows", rows);
	tv_putb(r->a, ctx, "has_rows", n > 0);
	tv_puti(r->a, ctx, "count", n);
	queue_pager(r, ctx, "/staff/joins", &f, last, more);
	const char *q = queue_query(r, &f, 0);
	tv_putf(r->a, ctx, "export", "/staff/joins.csv%s%s", *q ? "?" : "", q);
	if (staff_of(r)->roles & ROLE_ADMIN)
		tv_putf(r->a, ctx, "export_full", "/staff/joins.csv?%s%sfull=1", q,
		    *q ? "&" : "");
	resp_render(r, 200, "staff/joins/list", ctx);
}

/* ---- the export ---- */

/* The filter in words, for the audit log. */
static const char *
filter_words(struct req *r, const struct queue_filter *f, int full)
{
	const struct staff *s = staff_of(r);
	const char *district = s->district_id ? s->district :
	    f->district_id ? req_query(r, "district") : "";
	return arena_printf(r->a, "状态=%s 区县=%s 职业=%s 搜索=%s 从=%s 到=%s%s",
	    *f->status ? f->status : "全部", *district ? district : "全部",
	    *f->kind ? f->kind : "全部", f->q, f->from, f->to,
	    full ? " 完整身份证号" : "");
}

static void
joins_csv(struct req *r)
{
	static const char *const head[] = {
		"编号", "提交时间", "姓名", "性别", "身份证号", "手机号", "职业",
		"就业形态", "区县", "驿站", "状态", "会员编号", "疑似重复",
	};
	struct queue_filter f;
	filter(r, &f);
	f.before = 0;  /* every page */
	const char *full_q = req_query(r, "full");
	int full = full_q && strcmp(full_q, "1") == 0 &&
	    (staff_of(r)->roles & ROLE_ADMIN);
	audit(r->app->db, actor_of(r), AUDIT_EXPORT, "joins", filter_words(r, &f, full));
	if (full)
		audit(r->app->db, actor_of(r),
		    AUDIT_EXPORT_FULL, "joins", filter_words(r, &f, full));
	sqlite3_stmt *st = list_stmt(r, &f, -1);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	char filename[40], when[32], masked[19];
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(filename, sizeof(filename), "joins-%Y%m%d.csv", &tm);
	struct csv c;
	int rc = SQLITE_DONE;
	if (csv_begin(&c, r, filename) == 0 && strcmp(r->method, "HEAD") != 0) {
		csv_row(&c, head, ZJ_NELEM(head));
		while (!c.failed && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			short_time(db_col_text(st, 2), when);
			if (!full)
				mask_idcard(db_col_text(st, 5), masked);
			const char *cells[] = {
				db_col_text(st, 1), when, db_col_text(st, 3), db_col_text(st, 4),
				full ? db_col_text(st, 5) : masked, db_col_text(st, 6),
				db_col_text(st, 7), db_col_text(st, 8), db_col_text(st, 9),
				db_col_text(st, 10), db_col_text(st, 11), db_col_text(st, 12),
				sqlite3_column_int(st, 13) ? "是" : "",
			};
			csv_row(&c, cells, ZJ_NELEM(cells));
		}
	}
	sqlite3_reset(st);
	if (!c.failed && rc != SQLITE_DONE)
		LOG_ERR("export cut short after %lld rows: %s", c.rows,
		    sqlite3_errstr(rc));
	csv_end(&c);
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
