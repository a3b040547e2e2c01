/*
 * page-staff-joins.c - 入会审核: the staff queue of 网上入会 applications,
 * each application's own page, its workflow and the CSV export.
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
 * 会员编号: district code, year of approval (Shanghai), a sequence per
 * district and year from member_seq taken in the approving transaction:
 * 110105-2026-000123.
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
#include "staff.h"
#include "valid.h"
#include "when.h"

#define ACCESS_JOINS (ROLE_ADMIN | ROLE_REVIEWER)
/* A name or date range holding fewer rows than this is found by its own
 * index and sorted; more, and a walk in id order meets 50 of them soon. */
#define SPARSE 5000
/* A date range ending behind this many newer rows is found by its dates. */
#define FAR_BACK 20000

static const char *const statuses[] = {"待审核", "已通过", "未通过", NULL};

enum { R_REASON, R__N };
static const struct field reject_fields[R__N] = {
	[R_REASON] = {"reason", "未通过原因", F_TEXTAREA, 1, 1, 500, NULL,
	    "申请人查询进度时会看到这段话:请写明原因,以及怎样重新申请", NULL},
};
enum { N_NOTE, N__N };
static const struct field note_fields[N__N] = {
	[N_NOTE] = {"note", "内部备注", F_TEXTAREA, 1, 1, 1000, NULL,
	    "只有工作人员能看到,不会显示给申请人", NULL},
};

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

static const char sql_record[] =
    "SELECT j.id, j.ref, j.district_id, j.status, coalesce(j.member_no, ''),"
    "  coalesce(d.code, ''), j.id_number, j.phone, j.name, j.gender,"
    "  j.ethnicity, j.education, j.employment, j.occupation, j.employer,"
    "  coalesce(d.name, ''), j.address, j.prev_union, j.reason,"
    "  coalesce(s.name, ''), coalesce(s.code, ''), j.was_member,"
    "  j.created_at, j.updated_at"
    " FROM join_applications j"
    " LEFT JOIN districts d ON d.id = j.district_id"
    " LEFT JOIN stations s ON s.id = j.station_id WHERE j.ref = ?1";
static const char sql_dups[] =
    "SELECT x.ref, x.name, x.status, x.district_id, coalesce(d.name, ''),"
    "  x.created_at, x.id_number = ?2, x.phone = ?3 AND x.name = ?4"
    " FROM join_applications x LEFT JOIN districts d ON d.id = x.district_id"
    " WHERE x.id IN (SELECT id FROM join_applications WHERE id_number = ?2"
    "   UNION SELECT id FROM join_applications WHERE phone = ?3 AND name = ?4)"
    " AND x.id <> ?1 ORDER BY x.id DESC LIMIT 20";  /* the newest 20 */
static const char sql_next_seq[] =
    "INSERT INTO member_seq (district_id, year, last) VALUES (?1, ?2, 1)"
    " ON CONFLICT (district_id, year) DO UPDATE SET last = last + 1"
    " RETURNING last";
static const char sql_approve[] =
    "UPDATE join_applications SET status = '已通过', member_no = ?2,"
    " reason = '', updated_at = ?3 WHERE id = ?1 AND status = '待审核'";
static const char sql_reject[] =
    "UPDATE join_applications SET status = '未通过', reason = ?2,"
    " updated_at = ?3 WHERE id = ?1 AND status = '待审核'";

/* One application as its page and its actions need it. */
struct jrec {
	long long id, district_id;
	const char *ref, *status, *member_no, *district_code;
	const char *id_number, *phone, *name;
	struct tval *view;
};

/* Columns of sql_record shown as they are, from column 8 on. */
static const char *const record_keys[] = {
	"name", "gender", "ethnicity", "education", "employment", "occupation",
	"employer", "district", "address", "prev_union", "reason", "station",
	"station_code",
};

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
	for (const char *const *s = statuses; *s; s++)
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
	tv_putb(a, m, "pending", strcmp(db_col_text(st, 11), "待审核") == 0);
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
	struct tval *fv = queue_filter_view(r, &f, statuses, occupations);
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
	audit(r, "export", "joins", filter_words(r, &f, full));
	if (full)
		audit(r, "export.full", "joins", filter_words(r, &f, full));
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

/* ---- one application ---- */

/*
 * Load the application of r's {ref} into j.  Returns 0; or -1 after
 * answering 404 (no such reference, or outside the person's district) or
 * 500.
 */
static int
load(struct req *r, struct jrec *j)
{
	struct arena *a = r->a;
	const char *ref = r->params[0];
	if (!ref_ok(ref, "RH")) {
		resp_error(r, 404, NULL);
		return -1;
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql_record);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return -1;
	}
	db_bind_text(st, 1, ref);
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW &&
	    staff_sees_district(staff_of(r), sqlite3_column_int64(st, 2));
	if (found) {
		memset(j, 0, sizeof(*j));
		j->id = sqlite3_column_int64(st, 0);
		j->ref = arena_strdup(a, db_col_text(st, 1));
		j->district_id = sqlite3_column_int64(st, 2);
		j->status = arena_strdup(a, db_col_text(st, 3));
		j->member_no = arena_strdup(a, db_col_text(st, 4));
		j->district_code = arena_strdup(a, db_col_text(st, 5));
		j->id_number = arena_strdup(a, db_col_text(st, 6));
		j->phone = arena_strdup(a, db_col_text(st, 7));
		j->name = arena_strdup(a, db_col_text(st, 8));
		j->view = tv_map(a);
		for (size_t i = 0; i < ZJ_NELEM(record_keys); i++)
			tv_puts(a, j->view, record_keys[i], db_col_text(st, 8 + (int)i));
		tv_puts(a, j->view, "was_member", sqlite3_column_int(st, 21) ? "是" : "否");
		tv_puts(a, j->view, "created", show_datetime(a, db_col_text(st, 22)));
		tv_puts(a, j->view, "updated", show_datetime(a, db_col_text(st, 23)));
	}
	sqlite3_reset(st);
	if (!found)
		resp_error(r, rc == SQLITE_ROW || rc == SQLITE_DONE ? 404 : 500, NULL);
	return found ? 0 : -1;
}

/* Other applications with the same ID number, or the same phone and name. */
static struct tval *
duplicates(struct req *r, const struct jrec *j)
{
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql_dups);
	if (st == NULL)
		return list;
	db_bind_int(st, 1, j->id);
	db_bind_text(st, 2, j->id_number);
	db_bind_text(st, 3, j->phone);
	db_bind_text(st, 4, j->name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tval *d = tv_map(a);
		int same_id = sqlite3_column_int(st, 6);
		int same_pn = sqlite3_column_int(st, 7);
		tv_puts(a, d, "ref", db_col_text(st, 0));
		tv_puts(a, d, "name", db_col_text(st, 1));
		tv_puts(a, d, "status", db_col_text(st, 2));
		tv_putb(a, d, "visible", staff_sees_district(staff_of(r),
		    sqlite3_column_int64(st, 3)));
		tv_puts(a, d, "district", db_col_text(st, 4));
		tv_puts(a, d, "at", show_datetime(a, db_col_text(st, 5)));
		tv_puts(a, d, "why", same_id && same_pn ? "身份证号、手机号和姓名都相同" :
		    same_id ? "身份证号相同" : "手机号和姓名相同");
		tv_push(a, list, d);
	}
	sqlite3_reset(st);
	return list;
}

/* Birth date and age from the ID number, when it is a valid one. */
static void
birth_view(struct req *r, const struct jrec *j)
{
	if (valid_idcard(j->id_number) != NULL)
		return;
	long b = valid_idcard_birth(j->id_number);
	tv_putf(r->a, j->view, "birth", "%ld年%ld月%ld日(%d 岁)", b / 10000,
	    b / 100 % 100, b % 100, age_on(b, today_shanghai()));
}

/*
 * The application's page with the full ID number — each showing is
 * audited.  reject/note: the results of a refused form (NULL: empty
 * forms); message: why an action was refused.
 */
static void
show_record(struct req *r, int status, const struct jrec *j,
    const struct fresult *reject, const struct fresult *note,
    const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_puts(a, j->view, "ref", j->ref);
	tv_puts(a, j->view, "status", j->status);
	tv_puts(a, j->view, "member_no", j->member_no);
	tv_puts(a, j->view, "id_number", j->id_number);
	tv_puts(a, j->view, "phone", j->phone);
	tv_putb(a, j->view, "pending", strcmp(j->status, "待审核") == 0);
	tv_putb(a, j->view, "rejected", strcmp(j->status, "未通过") == 0);
	birth_view(r, j);
	tv_put(a, ctx, "rec", j->view);
	tv_put(a, ctx, "history", event_history(r, j->ref, 1));
	struct tval *dups = duplicates(r, j);
	tv_put(a, ctx, "dups", dups);
	tv_putb(a, ctx, "has_dups", dups->n > 0);
	tv_put(a, ctx, "reject", form_view(r, reject_fields, R__N, reject));
	tv_put(a, ctx, "note", form_view(r, note_fields, N__N, note));
	if (message)
		tv_puts(a, ctx, "message", message);
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "approve") == 0)
		tv_putf(a, ctx, "notice", "已通过,会员编号 %s。", j->member_no);
	else if (done && strcmp(done, "reject") == 0)
		tv_puts(a, ctx, "notice", "已标记为未通过,申请人查询进度时会看到原因。");
	else if (done && strcmp(done, "note") == 0)
		tv_puts(a, ctx, "notice", "备注已保存。");
	audit(r, "view.idcard", j->ref, "");
	resp_render(r, status, "staff/joins/record", ctx);
}

static void
joins_record(struct req *r)
{
	struct jrec j;
	if (load(r, &j) == 0)
		show_record(r, 200, &j, NULL, NULL, NULL);
}

/* The two decisions on a 待审核 application. */
enum decision { APPROVE, REJECT };
static const struct {
	const char *status, *action, *done, *verb;
} decisions[] = {
	[APPROVE] = {"已通过", "join.approve", "approve", "通过"},
	[REJECT] = {"未通过", "join.reject", "reject", "标记为未通过"},
};

/* Answer an action on an application that is no longer 待审核. */
static void
refuse_state(struct req *r, const struct jrec *j, enum decision d)
{
	show_record(r, 409, j, NULL, NULL, arena_printf(r->a,
	    "这份申请现在的状态是“%s”,不能再%s,没有做任何更改。", j->status,
	    decisions[d].verb));
}

/* The Shanghai year now. */
static int
year_now(void)
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/*
 * Inside the approving transaction: take the district's next sequence
 * number of the year and give it to j, if j is still 待审核 (see
 * sqlite3_changes).  *note gets the applicant's note.  A number someone
 * already holds (typed in by hand) is skipped.  Returns an SQLite code.
 */
static int
set_approved(struct req *r, const struct jrec *j, const char *now, const char **note)
{
	struct db *db = r->app->db;
	int year = year_now(), rc = SQLITE_ERROR;
	for (int attempt = 0; attempt < 5; attempt++) {
		sqlite3_stmt *st = db_prep(db, sql_next_seq);
		if (st == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, j->district_id);
		db_bind_int(st, 2, year);
		rc = sqlite3_step(st);
		long long seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW || (st = db_prep(db, sql_approve)) == NULL)
			return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
		const char *no = arena_printf(r->a, "%s-%d-%06lld", j->district_code,
		    year, seq);
		*note = arena_printf(r->a, "会员编号 %s", no);
		db_bind_int(st, 1, j->id);
		db_bind_text(st, 2, no);
		db_bind_text(st, 3, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_CONSTRAINT_UNIQUE)
			break;
	}
	return rc;
}

/* Inside the refusing transaction: j's status and reason, if j is still
 * 待审核.  Returns an SQLite code. */
static int
set_rejected(struct req *r, const struct jrec *j, const char *now, const char *reason)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_reject);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, j->id);
	db_bind_text(st, 2, reason);
	db_bind_text(st, 3, now);
	return db_exec_stmt(r->app->db, st);
}

/*
 * Decide j in one transaction: the row, the applicant's public event (the
 * member number or the reason), the audit entry.  Returns SQLITE_DONE,
 * SQLITE_MISMATCH when j was no longer 待审核 (nothing changed), or the
 * failing code (rolled back).
 */
static int
decide(struct req *r, const struct jrec *j, enum decision d, const char *reason)
{
	struct db *db = r->app->db;
	const char *note = reason;
	char now[32];
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	utc_now_iso(now, sizeof(now));
	rc = d == APPROVE ? set_approved(r, j, now, &note) :
	    set_rejected(r, j, now, reason);
	if (rc == SQLITE_DONE && sqlite3_changes(db_handle(db)) != 1)
		rc = SQLITE_MISMATCH;
	if (rc == SQLITE_DONE)
		rc = event_add(r, j->ref, decisions[d].status, note, 1, staff_of(r)->id);
	if (rc == SQLITE_DONE) {
		audit(r, decisions[d].action, j->ref, d == APPROVE ? note : reason);
		rc = db_commit(db) == SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE)
		db_rollback(db);
	return rc;
}

/* POST approve / reject: refused from any state but 待审核; a refusal
 * needs its reason (422 beside the field); else 303 to the record. */
static void
act(struct req *r, enum decision d)
{
	struct jrec j;
	struct fresult res[R__N];
	if (load(r, &j) != 0)
		return;
	if (strcmp(j.status, "待审核") != 0) {
		refuse_state(r, &j, d);
		return;
	}
	if (d == REJECT && form_check(r, reject_fields, R__N, res) != 0) {
		show_record(r, 422, &j, res, NULL, NULL);
		return;
	}
	int rc = decide(r, &j, d, d == REJECT ? res[R_REASON].value : NULL);
	if (rc == SQLITE_DONE)
		resp_redirect(r, 303, arena_printf(r->a, "/staff/joins/%s?done=%s",
		    j.ref, decisions[d].done));
	else if (rc != SQLITE_MISMATCH)
		answer_db_failure(r, rc);
	else if (load(r, &j) == 0)   /* decided by someone else meanwhile */
		refuse_state(r, &j, d);
}

static void
joins_approve(struct req *r)
{
	act(r, APPROVE);
}

static void
joins_reject(struct req *r)
{
	act(r, REJECT);
}

static void
joins_note(struct req *r)
{
	struct jrec j;
	struct fresult res[N__N];
	if (load(r, &j) != 0)
		return;
	if (form_check(r, note_fields, N__N, res) != 0) {
		show_record(r, 422, &j, NULL, res, NULL);
		return;
	}
	struct db *db = r->app->db;
	int rc = db_begin(db);
	if (rc == SQLITE_OK)
		rc = event_add(r, j.ref, "内部备注", res[N_NOTE].value, 0, staff_of(r)->id);
	if (rc == SQLITE_DONE) {
		audit(r, "join.note", j.ref, res[N_NOTE].value);
		rc = db_commit(db) == SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE)
		answer_db_failure(r, rc);
	else
		resp_redirect(r, 303, arena_printf(r->a, "/staff/joins/%s?done=note",
		    j.ref));
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
