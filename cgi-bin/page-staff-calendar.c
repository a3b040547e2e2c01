/*
 * page-staff-calendar.c - 放假安排: the official calendar the working-day
 * clock counts by (workday.h), kept by admins, and the shipped years a
 * database starts with.
 *
 *   GET  /staff/calendar          the years entered, one year's days
 *                                 (?year=2027), the forms; a warning when
 *                                 this year's or (from November) next
 *                                 year's arrangement is missing
 *   POST /staff/calendar/add      add a day, or change it (日期, 类型 休/班,
 *                                 节日名称)
 *   POST /staff/calendar/remove   take a day out (日期)
 *   POST /staff/calendar/import   a year from a CSV file in the shipped
 *                                 format (db/calendar/cn-holidays-2026.csv),
 *                                 or pasted, replacing that year's days when
 *                                 asked
 *
 * Admin only.  Every change is a job ("calendar.add", "calendar.remove",
 * "calendar.import") with its audit entry; the calendar_version trigger
 * makes every worker and the writer read the table again.  The same job
 * counts again, by the new calendar, the promise dates of what is still
 * open and was due a fixed number of working days after its arrival or
 * acceptance (入会 and 微心愿 awaiting review, a legal case's first contact
 * and closing): a year entered late (2027's notice entered in January)
 * must not leave them counted by weekends alone.  A date staff chose (a
 * 诉求's reply date) and a promise already kept or missed stay as stored.
 *
 * And at start (calendar_setup, from app_setup): each shipped file
 * db/calendar/cn-holidays-YYYY.csv is loaded once into a database that
 * has no day of its year (an admin's own entries win), and due dates of
 * rows stored before the clock existed are filled in once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"
#include "workday.h"

#define CALENDAR_FILE_MAX (64 * 1024)
#define YEAR_MIN 2000
#define YEAR_MAX 2099

static const char *const day_kinds[] = {DAY_REST, DAY_WORK, NULL};

enum { A_DAY, A_KIND, A_HOLIDAY, A__N };
static const struct field add_fields[A__N] = {
	[A_DAY] = {.name = "day", .label = "日期", .kind = F_TEXT, .required = 1,
	    .min = 1, .max = 10, .placeholder = "2027-01-01"},
	[A_KIND] = {.name = "kind", .label = "类型", .kind = F_RADIO, .required = 1,
	    .options = day_kinds,
	    .hint = "休:法定节假日或调休放假的日子;班:调休上班的周六或周日"},
	[A_HOLIDAY] = {.name = "holiday", .label = "节日名称", .kind = F_TEXT,
	    .min = 0, .max = 20, .placeholder = "例如:春节"},
};

enum { I_FILE, I_TEXT, I_REPLACE, I__N };
static const struct field import_fields[I__N] = {
	[I_FILE] = {.name = "file", .label = "CSV 文件", .kind = F_FILE,
	    .hint = "与随程序提供的 cn-holidays-2026.csv 格式相同:每行“日期,休或班,节日名称”,"
	    "只含一个年份,UTF-8 编码"},
	[I_TEXT] = {.name = "csv", .label = "或粘贴 CSV 内容", .kind = F_TEXTAREA,
	    .min = 0, .max = CALENDAR_FILE_MAX,
	    .hint = "没有选择文件时,导入这里的内容(格式同上)", .placeholder =
	    "2027-01-01,休,元旦"},
	[I_REPLACE] = {.name = "replace", .label = "替换该年已录入的安排", .kind = F_CHECK,
	    .hint = "该年已有录入时须勾选:导入会先删除该年已有的日子"},
};

static const struct body_limits import_limits = {
	.form = {
		.max_body = CALENDAR_FILE_MAX + 16 * 1024,
		.max_fields = 8,
		.max_field_len = CALENDAR_FILE_MAX,
		.max_files = 1,
		.max_file_size = CALENDAR_FILE_MAX,
	},
	.multipart = 1,
	.too_large = "文件太大:一年的放假安排不会超过 64KB,请检查是否选错了文件。",
};

/* ---- SQL ---- */

static const char sql_years[] =
    "SELECT substr(day, 1, 4), sum(kind = '" DAY_REST "'), sum(kind = '" DAY_WORK "'),"
    "  max(source), sum(source = '')"
    " FROM calendar_days GROUP BY 1 ORDER BY 1";
static const char sql_year_days[] =
    "SELECT c.day, c.kind, c.holiday, c.source, coalesce(s.username, ''), c.updated_at"
    " FROM calendar_days c LEFT JOIN staff s ON s.id = c.staff_id"
    " WHERE c.day >= ?1 AND c.day < ?2 ORDER BY c.day";
static const char sql_day[] =
    "SELECT kind, holiday FROM calendar_days WHERE day = ?1";
static const char sql_put[] =
    "INSERT INTO calendar_days (day, kind, holiday, source, staff_id, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind,"
    " holiday = excluded.holiday, source = excluded.source,"
    " staff_id = excluded.staff_id, updated_at = excluded.updated_at";
static const char sql_remove[] = "DELETE FROM calendar_days WHERE day = ?1";
static const char sql_year_count[] =
    "SELECT count(*) FROM calendar_days WHERE day >= ?1 AND day < ?2";
static const char sql_year_remove[] =
    "DELETE FROM calendar_days WHERE day >= ?1 AND day < ?2";
static const char sql_setting[] = "SELECT 1 FROM settings WHERE key = ?1";
static const char sql_setting_put[] =
    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, X'31')";

/* "2027-01-01" and "2028-01-01": a year as a range of day texts. */
static void
year_range(int year, char from[16], char to[16])
{
	day_iso(day_of(year, 1, 1), from, 16);
	day_iso(day_of(year + 1, 1, 1), to, 16);
}

/* ---- writing (inside a job, or app_setup's transaction) ---- */

/*
 * The open promises a calendar change counts again: each row's id, the
 * stored UTC time its count starts from and the date stored; the update
 * sets ?2 for id ?1.  Exactly the rows whose promise is still pending —
 * one kept or missed is history (and counted in ontime_tally).
 */
static const struct redue {
	const char *rows, *update;
	int days;
} redues[] = {
	{"SELECT id, created_at, coalesce(due_on, '') FROM join_applications"
	    " WHERE status = '" JOIN_PENDING "' AND decided_at IS NULL",
	 "UPDATE join_applications SET due_on = ?2 WHERE id = ?1", JOIN_ANSWER_DAYS},
	{"SELECT id, created_at, coalesce(contact_due_on, '') FROM legal_cases"
	    " WHERE first_contact_at IS NULL AND closed_at IS NULL",
	 "UPDATE legal_cases SET contact_due_on = ?2 WHERE id = ?1", LEGAL_CONTACT_DAYS},
	{"SELECT id, accepted_at, coalesce(close_due_on, '') FROM legal_cases"
	    " WHERE accepted_at IS NOT NULL AND closed_at IS NULL",
	 "UPDATE legal_cases SET close_due_on = ?2 WHERE id = ?1", LEGAL_CLOSE_DAYS},
	{"SELECT id, created_at, coalesce(review_due_on, '') FROM wishes"
	    " WHERE status = '" WISH_PENDING "'",
	 "UPDATE wishes SET review_due_on = ?2 WHERE id = ?1", WISH_REVIEW_DAYS},
};

/*
 * After a change of calendar_days, inside its job: every open promise of
 * redues[] counted again by the calendar as it now is (workday_calendar
 * sees the change: the trigger drew a new version token in this very
 * transaction), and stored where it moved.  *moved gets how many moved.
 * SQLITE_DONE or the failing code.
 */
static int
redue_open(struct db *db, long long *moved)
{
	const struct workday_cal *cal = workday_calendar(db);
	struct change { long long id; char due[16]; } *ch = NULL;
	size_t cap = 0;
	int rc = SQLITE_DONE;
	*moved = 0;
	for (size_t k = 0; k < ZJ_NELEM(redues) && rc == SQLITE_DONE; k++) {
		sqlite3_stmt *st = db_prep(db, redues[k].rows);
		if (st == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		size_t n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char due[16];
			if (workday_due_after(cal, db_col_text(st, 1), redues[k].days, due,
			    sizeof(due)) != 0 || strcmp(due, db_col_text(st, 2)) == 0)
				continue;
			if (n == cap)
				ch = xrealloc(ch, (cap = cap ? 2 * cap : 64) * sizeof(*ch));
			ch[n].id = sqlite3_column_int64(st, 0);
			memcpy(ch[n].due, due, sizeof(due));
			n++;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
		for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
			if ((st = db_prep(db, redues[k].update)) == NULL) {
				rc = SQLITE_ERROR;
				break;
			}
			db_bind_int(st, 1, ch[i].id);
			db_bind_text(st, 2, ch[i].due);
			rc = db_exec_stmt(db, st);
		}
		*moved += (long long)n;
	}
	free(ch);
	return rc;
}

/* The audit detail of a change: what changed, and the promises it moved. */
static const char *
moved_detail(struct arena *a, const char *what, long long moved)
{
	if (moved == 0)
		return what;
	return arena_printf(a, "%s%s%lld 项未办结事项的期限按新安排重新计算", what ? what : "",
	    what && *what ? ";" : "", moved);
}

/* One day: kind, holiday, the shipped file (or "") and who (staff, or none). */
static int
put_day(struct db *db, const struct actor *who, const char *day, const char *kind,
    const char *holiday, const char *source, const char *now)
{
	sqlite3_stmt *st = db_prep(db, sql_put);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, day);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, holiday ? holiday : "");
	db_bind_text(st, 4, source);
	if (who && who->staff_id)
		db_bind_int(st, 5, who->staff_id);
	db_bind_text(st, 6, now);
	return db_exec_stmt(db, st);
}

/* How many days of year the table holds; -1 on failure (*rc). */
static long long
year_count(struct db *db, int year, int *rc)
{
	char from[16], to[16];
	year_range(year, from, to);
	sqlite3_stmt *st = db_prep(db, sql_year_count);
	long long n = -1;
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	if ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		*rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return n;
}

/* The rows of a parsed file into the table; SQLITE_DONE or the code. */
static int
put_rows(struct db *db, const struct actor *who, const struct calendar_row *rows,
    size_t n, const char *source)
{
	char now[32], day[16];
	utc_now_iso(now, sizeof(now));
	for (size_t i = 0; i < n; i++) {
		int rc = put_day(db, who, day_iso(rows[i].day, day, sizeof(day)),
		    rows[i].kind, rows[i].holiday, source, now);
		if (rc != SQLITE_DONE)
			return rc;
	}
	return SQLITE_DONE;
}

/* The single year of rows, or 0 (with err) when they span several or lie
 * outside YEAR_MIN..YEAR_MAX. */
static int
rows_year(const struct calendar_row *rows, size_t n, char *err, size_t errlen)
{
	int y = 0;
	for (size_t i = 0; i < n; i++) {
		int yy, m, d;
		day_date(rows[i].day, &yy, &m, &d);
		if (yy < YEAR_MIN || yy > YEAR_MAX) {
			snprintf(err, errlen, "年份 %d 不在 %d–%d 之间", yy, YEAR_MIN, YEAR_MAX);
			return 0;
		}
		if (y && yy != y) {
			snprintf(err, errlen, "文件含有 %d 年和 %d 年的日子:一次只能导入一个年份", y, yy);
			return 0;
		}
		y = yy;
	}
	return y;
}

/* Job "calendar.add": "day", "kind", "holiday"; out "was" (the day's
 * earlier kind and name, when it was listed). */
/* How day is listed now, "休 国庆节" or "班", into *was (arena): SQLITE_ROW;
 * SQLITE_DONE when it is not listed (*was untouched); or the failing code. */
static int
day_listed(struct db *db, struct arena *a, const char *day, const char **was)
{
	sqlite3_stmt *st = db_prep(db, sql_day);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, day);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*was = arena_printf(a, "%s%s%s", db_col_text(st, 0),
		    *db_col_text(st, 1) ? " " : "", db_col_text(st, 1));
	sqlite3_reset(st);
	return rc;
}

static int
add_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *day = job_text(in, "day"), *kind = job_text(in, "kind");
	const char *holiday = job_text(in, "holiday");
	char now[32];
	long d;
	if (day == NULL || kind == NULL || day_parse(day, &d) != 0 ||
	    (strcmp(kind, DAY_REST) != 0 && strcmp(kind, DAY_WORK) != 0))
		return SQLITE_MISUSE;
	job_actor(in, &who);
	const char *was = NULL;
	int rc = day_listed(db, a, day, &was);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	utc_now_iso(now, sizeof(now));
	if ((rc = put_day(db, &who, day, kind, holiday, "", now)) != SQLITE_DONE)
		return rc;
	if (was)
		job_put_text(out, "was", was);
	long long moved;
	if ((rc = redue_open(db, &moved)) != SQLITE_DONE)
		return rc;
	const char *detail = arena_printf(a, "%s%s%s%s%s", kind, holiday && *holiday ? " " : "",
	    holiday ? holiday : "", was ? ",原为 " : "", was ? was : "");
	return audit(db, &who, AUDIT_CALENDAR_ADD, day, moved_detail(a, detail, moved));
}

/* Job "calendar.remove": "day"; out "removed" 1 or 0 (it was not listed). */
static int
remove_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *day = job_text(in, "day");
	long d;
	if (day == NULL || day_parse(day, &d) != 0)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	const char *was = NULL;
	int rc = day_listed(db, a, day, &was);
	if (rc != SQLITE_ROW) {
		job_put_int(out, "removed", 0);
		return rc == SQLITE_DONE ? SQLITE_DONE : rc;
	}
	sqlite3_stmt *st = db_prep(db, sql_remove);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, day);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	job_put_int(out, "removed", 1);
	long long moved;
	if ((rc = redue_open(db, &moved)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_CALENDAR_REMOVE, day, moved_detail(a, was, moved));
}

/*
 * Job "calendar.import": "rows" (the file as checked, in the shipped
 * format), "year", "replace" (1: the year's days may be replaced).  Out
 * "exists": the year's days already listed when they were and replace was
 * not given (nothing changed); else "added".
 */
static int
import_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *text = job_text(in, "rows");
	int year = (int)job_int(in, "year", 0);
	int replace = (int)job_int(in, "replace", 0);
	struct calendar_row *rows;
	size_t n;
	char err[256];
	if (text == NULL || calendar_csv_parse(a, text, strlen(text), &rows, &n, err,
	    sizeof(err)) != 0 || rows_year(rows, n, err, sizeof(err)) != year)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc;
	long long had = year_count(db, year, &rc);
	if (had < 0)
		return rc;
	if (had > 0 && !replace) {
		job_put_int(out, "exists", had);
		return SQLITE_DONE;
	}
	char from[16], to[16];
	year_range(year, from, to);
	sqlite3_stmt *st = db_prep(db, sql_year_remove);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE ||
	    (rc = put_rows(db, &who, rows, n, "")) != SQLITE_DONE)
		return rc;
	size_t rest = 0;
	for (size_t i = 0; i < n; i++)
		rest += strcmp(rows[i].kind, DAY_REST) == 0;
	job_put_int(out, "added", (long long)n);
	long long moved;
	if ((rc = redue_open(db, &moved)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_CALENDAR_IMPORT, arena_printf(a, "%d", year),
	    moved_detail(a, arena_printf(a, "导入 %zu 天(休 %zu 天,班 %zu 天)%s", n, rest,
	    n - rest, had ? arena_printf(a, ",替换了原有的 %lld 天", had) : ""), moved));
}

const struct job_type page_staff_calendar_jobs[] = {
	{"calendar.add", add_job},
	{"calendar.remove", remove_job},
	{"calendar.import", import_job},
	{0},
};

/* ---- the page ---- */

/* The year asked for (?year=), else this year. */
static int
year_asked(struct req *r)
{
	const char *q = req_query(r, "year");
	int y, m, d;
	day_date(day_today(), &y, &m, &d);
	if (q && strlen(q) == 4 && strspn(q, "0123456789") == 4 &&
	    atoi(q) >= YEAR_MIN && atoi(q) <= YEAR_MAX)
		return atoi(q);
	return y;
}

static struct tval *
years_view(struct req *r, int shown)
{
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql_years);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		int y = sqlite3_column_int(st, 0);
		const char *source = db_col_text(st, 3);
		long long by_staff = sqlite3_column_int64(st, 4);
		tv_puti(a, m, "year", y);
		tv_puti(a, m, "rest", sqlite3_column_int64(st, 1));
		tv_puti(a, m, "work", sqlite3_column_int64(st, 2));
		tv_puts(a, m, "source", *source == '\0' ? "工作人员录入" : by_staff ?
		    arena_printf(a, "随程序提供(%s),工作人员修改过", source) :
		    arena_printf(a, "随程序提供(%s)", source));
		tv_putb(a, m, "shown", y == shown);
		tv_push(a, list, m);
	}
	if (st)
		sqlite3_reset(st);
	return list;
}

static struct tval *
days_view(struct req *r, int year)
{
	static const char *const wd[] = {"日", "一", "二", "三", "四", "五", "六"};
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	char from[16], to[16];
	year_range(year, from, to);
	sqlite3_stmt *st = db_prep(r->app->db, sql_year_days);
	if (st == NULL)
		return list;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		const char *day = db_col_text(st, 0), *kind = db_col_text(st, 1);
		const char *source = db_col_text(st, 3), *user = db_col_text(st, 4);
		long d = 0;
		day_parse(day, &d);
		int weekend = day_weekday(d) == 0 || day_weekday(d) == 6;
		tv_puts(a, m, "day", day);
		tv_puts(a, m, "date", day_show(a, d));
		tv_putf(a, m, "weekday", "周%s", wd[day_weekday(d)]);
		tv_puts(a, m, "kind", kind);
		tv_putb(a, m, "work", strcmp(kind, DAY_WORK) == 0);
		/* What the entry changes against the weekday rule. */
		tv_puts(a, m, "effect", strcmp(kind, DAY_WORK) == 0 ?
		    (weekend ? "周末调休上班" : "本来就是工作日") :
		    (weekend ? "本来就是休息日" : "工作日放假"));
		tv_puts(a, m, "holiday", db_col_text(st, 2));
		tv_puts(a, m, "source", *source ? "随程序提供" : *user ?
		    arena_printf(a, "%s 录入", user) : "工作人员录入");
		tv_push(a, list, m);
	}
	sqlite3_reset(st);
	return list;
}

/*
 * The page.  failed: "add" or "import" with res (that form's messages),
 * or NULL; message: a refusal for the top of the page, or NULL.
 */
static void
show_page(struct req *r, int status, const char *failed, const struct fresult *res,
    const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	int year = year_asked(r);
	long today = day_today();
	const struct workday_cal *cal = workday_calendar(r->app->db);
	int missing = workday_missing_year(cal, today);
	struct tval *years = years_view(r, year);
	tv_put(a, ctx, "years", years);
	tv_putb(a, ctx, "has_years", years->n > 0);
	tv_puti(a, ctx, "year", year);
	tv_puti(a, ctx, "prev", year - 1);
	tv_puti(a, ctx, "next", year + 1);
	struct tval *days = days_view(r, year);
	tv_put(a, ctx, "days", days);
	tv_putb(a, ctx, "has_days", days->n > 0);
	tv_puts(a, ctx, "today", day_show(a, today));
	if (missing) {
		struct tval *w = tv_map(a);
		tv_puti(a, w, "year", missing);
		int y, m, d;
		day_date(today, &y, &m, &d);
		tv_putb(a, w, "next_year", missing > y);
		tv_put(a, ctx, "missing", w);
	}
	const char *which = failed ? failed : "";
	struct tval *forms = tv_map(a);
	tv_put(a, forms, "add", form_view(r, add_fields, A__N,
	    strcmp(which, "add") ? NULL : res));
	tv_put(a, forms, "import", form_view(r, import_fields, I__N,
	    strcmp(which, "import") ? NULL : res));
	tv_puts(a, tv_get(tv_get(forms, "add"), "day"), "type", "date");
	tv_put(a, ctx, "forms", forms);
	if (failed && res)
		tv_put(a, ctx, "f", tv_get(forms, which));
	if (message)
		tv_puts(a, ctx, "refused", message);
	const char *done = req_query(r, "done");
	if (status == 200 && done) {
		if (strcmp(done, "add") == 0)
			tv_puts(a, ctx, "notice", "已保存这一天。之后提交的申请按新的安排计算期限。");
		else if (strcmp(done, "remove") == 0)
			tv_puts(a, ctx, "notice", "已删除这一天,它按平常的周末规则计算。");
		else if (strcmp(done, "import") == 0)
			tv_puts(a, ctx, "notice", "已导入。之后提交的申请按新的安排计算期限。");
		else if (strcmp(done, "none") == 0)
			tv_puts(a, ctx, "notice", "这一天不在安排中,没有改变什么。");
	}
	resp_render(r, status, "staff/calendar", ctx);
}

static void
calendar_get(struct req *r)
{
	show_page(r, 200, NULL, NULL, NULL);
}

/* The form's day, checked: "2027-01-01" within YEAR_MIN..YEAR_MAX. */
static const char *
check_day(struct fresult *x, long *d)
{
	if (x->error)
		return NULL;
	int y, m, dd;
	if (day_parse(x->value, d) != 0) {
		x->error = "日期应为 2027-01-01 这样的日期";
		return NULL;
	}
	day_date(*d, &y, &m, &dd);
	if (y < YEAR_MIN || y > YEAR_MAX) {
		x->error = "日期的年份应在 2000 到 2099 年之间";
		return NULL;
	}
	return x->value;
}

static void
calendar_add(struct req *r)
{
	struct fresult res[A__N];
	int errors = form_check(r, add_fields, A__N, res);
	long d;
	if (!res[A_DAY].error && check_day(&res[A_DAY], &d) == NULL)
		errors++;
	if (errors) {
		show_page(r, 422, "add", res, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "calendar.add");
	job_put_text(&in, "day", res[A_DAY].value);
	job_put_text(&in, "kind", res[A_KIND].value);
	job_put_text(&in, "holiday", res[A_HOLIDAY].value);
	int rc = store_job(r, &in, &out);
	int y, m, dd;
	day_date(d, &y, &m, &dd);
	store_answer(r, rc, arena_printf(r->a, "/staff/calendar?year=%d&done=add", y));
}

static void
calendar_remove(struct req *r)
{
	const char *day = req_field(r, "day");
	long d;
	if (day == NULL || day_parse(day, &d) != 0) {
		show_page(r, 422, NULL, NULL, "没有这样的日期,什么也没有改变。");
		return;
	}
	struct job in, out;
	job_init(&in, "calendar.remove");
	job_put_text(&in, "day", day);
	int rc = store_job(r, &in, &out);
	int y, m, dd;
	day_date(d, &y, &m, &dd);
	store_answer(r, rc, arena_printf(r->a, "/staff/calendar?year=%d&done=%s", y,
	    job_int(&out, "removed", 0) ? "remove" : "none"));
}

/* The uploaded file's bytes, else the pasted text (arena, NUL-terminated),
 * or NULL with the message in x. */
static char *
read_upload(struct req *r, struct fresult *x, const char *pasted, size_t *len)
{
	const struct form_file *ff = NULL;
	for (size_t i = 0; i < r->body.nfiles; i++)
		if (strcmp(r->body.files[i].field, "file") == 0)
			ff = &r->body.files[i];
	if ((ff == NULL || (ff->path == NULL && !ff->too_big)) && *pasted) {
		*len = strlen(pasted);
		return arena_strdup(r->a, pasted);
	}
	if (ff == NULL || (ff->path == NULL && !ff->too_big)) {
		x->error = "请选择要导入的 CSV 文件,或粘贴它的内容";
		return NULL;
	}
	if (ff->too_big) {
		x->error = "文件太大:一年的放假安排不会超过 64KB,请检查是否选错了文件";
		return NULL;
	}
	FILE *f = fopen(ff->path, "rb");
	char *p = arena_alloc(r->a, CALENDAR_FILE_MAX + 1);
	*len = f ? fread(p, 1, CALENDAR_FILE_MAX, f) : 0;
	if (f == NULL || ferror(f)) {
		LOG_ERR("read %s: %s", ff->path, strerror(errno));
		x->error = "文件没有收到,请重新选择后再试";
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	p[*len] = '\0';
	return p;
}

static void
calendar_import(struct req *r)
{
	struct fresult res[I__N];
	int errors = form_check(r, import_fields, I__N, res);
	size_t len = 0, n = 0;
	char err[256];
	struct calendar_row *rows = NULL;
	int year = 0;
	char *text = res[I_TEXT].error ? NULL :
	    read_upload(r, &res[I_FILE], res[I_TEXT].value, &len);
	if (text == NULL && !res[I_TEXT].error)
		errors++;
	else if (calendar_csv_parse(r->a, text, len, &rows, &n, err, sizeof(err)) != 0 ||
	    (year = rows_year(rows, n, err, sizeof(err))) == 0) {
		res[I_FILE].error = arena_printf(r->a, "无法导入:%s", err);
		errors++;
	}
	if (errors) {
		show_page(r, 422, "import", res, NULL);
		return;
	}
	/* The rows as checked, in the shipped format: small, and parsed again
	 * in the job the same way. */
	struct buf b = {0};
	char day[16];
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s,%s,\"", day_iso(rows[i].day, day, sizeof(day)), rows[i].kind);
		for (const char *h = rows[i].holiday; *h; h++) {
			if (*h == '"')
				buf_putc(&b, '"');
			buf_putc(&b, *h);
		}
		buf_puts(&b, "\"\n");
	}
	struct job in, out;
	job_init(&in, "calendar.import");
	job_put_text(&in, "rows", b.p);
	job_put_int(&in, "year", year);
	job_put_int(&in, "replace", res[I_REPLACE].num);
	buf_free(&b);
	int rc = store_job(r, &in, &out);
	long long had = job_int(&out, "exists", 0);
	if (rc == SQLITE_DONE && had > 0) {
		res[I_REPLACE].error = arena_printf(r->a, "%d 年已经录入了 %lld 天。要用这个文件替换,"
		    "请勾选“替换该年已录入的安排”后重新选择文件导入", year, had);
		show_page(r, 422, "import", res, NULL);
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/calendar?year=%d&done=import", year));
}

const struct route page_staff_calendar_routes[] = {
	{"GET", "/staff/calendar", calendar_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/calendar/add", calendar_add, ROLE_ADMIN, NULL},
	{"POST", "/staff/calendar/remove", calendar_remove, ROLE_ADMIN, NULL},
	{"POST", "/staff/calendar/import", calendar_import, ROLE_ADMIN, &import_limits},
	{0},
};

/* ---- at start ---- */

static int
setting_has(struct db *db, const char *key, int *rc)
{
	sqlite3_stmt *st = db_prep(db, sql_setting);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, key);
	*rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (*rc != SQLITE_ROW && *rc != SQLITE_DONE)
		return -1;
	int has = *rc == SQLITE_ROW;
	*rc = SQLITE_DONE;
	return has;
}

static int
setting_mark(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_prep(db, sql_setting_put);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st);
}

/* cn-holidays-YYYY.csv → YYYY, else 0. */
static int
shipped_year(const char *name)
{
	int y = 0, n = 0;
	if (strlen(name) != 20 || sscanf(name, "cn-holidays-%4d.csv%n", &y, &n) != 1 ||
	    n != 20)
		return 0;
	return y;
}

/* Load the shipped file dir/name (of year) unless done before; 0 or -1. */
static int
load_shipped(struct db *db, const char *dir, const char *name, int year,
    char *err, size_t errlen)
{
	char key[64], path[4200];
	int rc;
	snprintf(key, sizeof(key), "calendar.shipped.%d", year);
	int done = setting_has(db, key, &rc);
	if (done != 0) {
		if (done < 0)
			snprintf(err, errlen, "cannot read settings: %s", sqlite3_errstr(rc));
		return done < 0 ? -1 : 0;
	}
	long long had = year_count(db, year, &rc);
	if (had < 0) {
		snprintf(err, errlen, "cannot count calendar days: %s", sqlite3_errstr(rc));
		return -1;
	}
	if (had == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		struct arena *a = arena_new();
		char *text = arena_alloc(a, CALENDAR_FILE_MAX + 1);
		size_t len = fread(text, 1, CALENDAR_FILE_MAX, f);
		fclose(f);
		text[len] = '\0';
		struct calendar_row *rows;
		size_t n;
		char why[256];
		int ok = calendar_csv_parse(a, text, len, &rows, &n, why, sizeof(why)) == 0 &&
		    rows_year(rows, n, why, sizeof(why)) == year;
		if (!ok)
			snprintf(err, errlen, "%s: %s", path, why);
		else if ((rc = put_rows(db, NULL, rows, n, name)) != SQLITE_DONE) {
			snprintf(err, errlen, "cannot store %s: %s", name, sqlite3_errstr(rc));
			ok = 0;
		} else
			LOG_INFO("calendar: loaded %zu days of %d from %s", n, year, path);
		arena_free(a);
		if (!ok)
			return -1;
	} else
		LOG_INFO("calendar: %d already has %lld days entered; %s not loaded",
		    year, had, name);
	if ((rc = setting_mark(db, key)) != SQLITE_DONE) {
		snprintf(err, errlen, "cannot store a setting: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static int
by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every shipped file of dir, in order of year; 0 or -1. */
static int
load_shipped_all(struct db *db, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (d == NULL && errno == ENOENT) {
		/* An install without the folder still serves; the calendar page
		 * and the dashboard say which year is missing. */
		LOG_WARN("calendar: no folder %s: no shipped calendar loaded", dir);
		return 0;
	}
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char *names[64];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < ZJ_NELEM(names))
		if (shipped_year(e->d_name))
			names[n++] = xstrdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_shipped(db, dir, names[i], shipped_year(names[i]), err, errlen);
		free(names[i]);
	}
	return rc;
}

/* The due date of every row of sql (created_at or accepted_at days in
 * Shanghai) that has none: ?1 the day's start (UTC), ?2 the next day's, ?3
 * the due date.  days: what is promised.  SQLITE_DONE or the code. */
static int
backfill(struct db *db, const char *days_sql, const char *update_sql, int days)
{
	const struct workday_cal *cal = workday_calendar(db);
	sqlite3_stmt *st = db_prep(db, days_sql);
	if (st == NULL)
		return SQLITE_ERROR;
	size_t n = 0, cap = 64;
	long *list = xmalloc(cap * sizeof(*list));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long d;
		if (day_parse(db_col_text(st, 0), &d) != 0)
			continue;
		if (n == cap)
			list = xrealloc(list, (cap *= 2) * sizeof(*list));
		list[n++] = d;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return rc;
	}
	rc = SQLITE_DONE;
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		char from[32], to[32], due[16];
		/* A Shanghai day as the UTC instants it spans. */
		shanghai_to_utc_iso((time_t)list[i] * 86400, from, sizeof(from));
		shanghai_to_utc_iso((time_t)(list[i] + 1) * 86400, to, sizeof(to));
		day_iso(workday_add(cal, list[i], days), due, sizeof(due));
		if ((st = db_prep(db, update_sql)) == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		db_bind_text(st, 1, from);
		db_bind_text(st, 2, to);
		db_bind_text(st, 3, due);
		rc = db_exec_stmt(db, st);
	}
	free(list);
	return rc;
}

static const char sql_join_days[] =
    "SELECT DISTINCT date(created_at, '+8 hours') FROM join_applications"
    " WHERE due_on IS NULL";
static const char sql_join_fill[] =
    "UPDATE join_applications SET due_on = ?3"
    " WHERE created_at >= ?1 AND created_at < ?2 AND due_on IS NULL";
static const char sql_contact_days[] =
    "SELECT DISTINCT date(created_at, '+8 hours') FROM legal_cases"
    " WHERE contact_due_on IS NULL";
static const char sql_contact_fill[] =
    "UPDATE legal_cases SET contact_due_on = ?3"
    " WHERE created_at >= ?1 AND created_at < ?2 AND contact_due_on IS NULL";
static const char sql_wish_days[] =
    "SELECT DISTINCT date(created_at, '+8 hours') FROM wishes"
    " WHERE review_due_on IS NULL";
static const char sql_wish_fill[] =
    "UPDATE wishes SET review_due_on = ?3"
    " WHERE created_at >= ?1 AND created_at < ?2 AND review_due_on IS NULL";
static const char sql_close_days[] =
    "SELECT DISTINCT date(accepted_at, '+8 hours') FROM legal_cases"
    " WHERE accepted_at IS NOT NULL AND close_due_on IS NULL";
static const char sql_close_fill[] =
    "UPDATE legal_cases SET close_due_on = ?3"
    " WHERE accepted_at >= ?1 AND accepted_at < ?2 AND close_due_on IS NULL";

/* The working days each closed case took, where not yet known. */
static const char sql_closed_open[] =
    "SELECT id, created_at, closed_at FROM legal_cases"
    " WHERE closed_at IS NOT NULL AND close_workdays IS NULL";
static const char sql_closed_fill[] =
    "UPDATE legal_cases SET close_workdays = ?2 WHERE id = ?1";

static int
fill_workdays(struct db *db)
{
	const struct workday_cal *cal = workday_calendar(db);
	sqlite3_stmt *st = db_prep(db, sql_closed_open);
	if (st == NULL)
		return SQLITE_ERROR;
	struct pair { long long id, n; } *p = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long from, to;
		if (day_of_utc(db_col_text(st, 1), &from) != 0 ||
		    day_of_utc(db_col_text(st, 2), &to) != 0)
			continue;
		if (n == cap)
			p = xrealloc(p, (cap = cap ? 2 * cap : 256) * sizeof(*p));
		p[n].id = sqlite3_column_int64(st, 0);
		p[n].n = workday_count(cal, from, to);
		n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		if ((st = db_prep(db, sql_closed_fill)) == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		db_bind_int(st, 1, p[i].id);
		db_bind_int(st, 2, p[i].n);
		rc = db_exec_stmt(db, st);
	}
	free(p);
	return rc;
}

/* ontime_tally from the rows (0013_calendar.sql says what it holds). */
static const char sql_tally_rebuild[] =
    "DELETE FROM ontime_tally;"
    "INSERT INTO ontime_tally SELECT strftime('%Y-%m', decided_at, '+8 hours'),"
    " district_id, '入会', count(*), count(due_on),"
    " sum(coalesce(date(decided_at, '+8 hours') <= due_on, 0)), 0"
    " FROM join_applications WHERE decided_at IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO ontime_tally SELECT strftime('%Y-%m', first_contact_at, '+8 hours'),"
    " district_id, '首次联系', count(*), count(contact_due_on),"
    " sum(coalesce(date(first_contact_at, '+8 hours') <= contact_due_on, 0)), 0"
    " FROM legal_cases WHERE first_contact_at IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO ontime_tally SELECT strftime('%Y-%m', closed_at, '+8 hours'),"
    " district_id, '法律援助', count(*), count(close_due_on),"
    " sum(coalesce(date(closed_at, '+8 hours') <= close_due_on, 0)),"
    " sum(coalesce(close_workdays, 0))"
    " FROM legal_cases WHERE closed_at IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO ontime_tally SELECT strftime('%Y-%m', replied_at, '+8 hours'),"
    " district_id, '诉求', count(*), count(due_on),"
    " sum(coalesce(date(replied_at, '+8 hours') <= due_on, 0)), 0"
    " FROM appeals WHERE replied_at IS NOT NULL GROUP BY 1, 2;";

int
calendar_setup(struct db *db, const char *dir, char *err, size_t errlen)
{
	int rc;
	if (dir && load_shipped_all(db, dir, err, errlen) != 0)
		return -1;
	int done = setting_has(db, "calendar.backfilled", &rc);
	if (done < 0) {
		snprintf(err, errlen, "cannot read settings: %s", sqlite3_errstr(rc));
		return -1;
	}
	if (done)
		return 0;
	if ((rc = backfill(db, sql_join_days, sql_join_fill, JOIN_ANSWER_DAYS)) != SQLITE_DONE ||
	    (rc = backfill(db, sql_contact_days, sql_contact_fill,
	    LEGAL_CONTACT_DAYS)) != SQLITE_DONE ||
	    (rc = backfill(db, sql_close_days, sql_close_fill, LEGAL_CLOSE_DAYS)) != SQLITE_DONE ||
	    (rc = backfill(db, sql_wish_days, sql_wish_fill, WISH_REVIEW_DAYS)) != SQLITE_DONE ||
	    (rc = fill_workdays(db)) != SQLITE_DONE ||
	    (rc = sqlite3_exec(db_handle(db), sql_tally_rebuild, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = setting_mark(db, "calendar.backfilled")) != SQLITE_DONE) {
		snprintf(err, errlen, "cannot fill in due dates: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}
