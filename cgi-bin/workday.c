/*
 * workday.c - the working-day clock (see workday.h).
 *
 * Counting without walking the days: a day's index is the number of
 * weekdays up to it (a closed form in whole weeks) plus the running sum
 * of what the listed days change (a 班 on a weekend adds one working day,
 * a 休 on a weekday takes one away; a 休 on a Sunday changes nothing).
 * The working days in (from, to] are index(to) - index(from), one binary
 * search each.
 */
#include "workday.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "util.h"
#include "when.h"

/* ---- days ---- */

/* Floor division, for days before 1970 too. */
static long
fdiv(long a, long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* H. Hinnant's days_from_civil. */
long
day_of(int y, int m, int d)
{
	long yy = (long)y - (m <= 2);
	long era = fdiv(yy, 400);
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
day_date(long day, int *y, int *m, int *d)
{
	long z = day + 719468;
	long era = fdiv(z, 146097);
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
day_weekday(long day)
{
	return (int)(day - 7 * fdiv(day + 4, 7) + 4);  /* 1970-01-01: Thursday */
}

int
day_parse(const char *s, long *day)
{
	int y, m, d, n = 0;
	if (s == NULL || strlen(s) != 10 || strspn(s, "0123456789-") != 10 ||
	    s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return -1;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	long v = day_of(y, m, d);
	int yy, mm, dd;
	day_date(v, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)   /* 2026-02-30 */
		return -1;
	*day = v;
	return 0;
}

char *
day_iso(long day, char *out, size_t len)
{
	int y, m, d;
	day_date(day, &y, &m, &d);
	snprintf(out, len, "%04d-%02d-%02d", y, m, d);
	return out;
}

const char *
day_show(struct arena *a, long day)
{
	int y, m, d;
	day_date(day, &y, &m, &d);
	return arena_printf(a, "%d年%d月%d日", y, m, d);
}

long
day_today(void)
{
	return fdiv((long)shanghai_now(), 86400);
}

int
day_of_utc(const char *iso, long *day)
{
	struct tm tm;
	if (iso == NULL || shanghai_tm(iso, &tm) != 0)
		return -1;
	*day = day_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

/* ---- the calendar ---- */

static int
is_weekend(long day)
{
	int w = day_weekday(day);
	return w == 0 || w == 6;
}

/* Mon–Fri days in [a Monday long ago, day]; differences count (x, y]. */
static long
weekdays_upto(long day)
{
	long s = day + 3;           /* 1969-12-29, a Monday, is 0 */
	long w = fdiv(s, 7), r = s - 7 * w;
	return 5 * w + (r + 1 < 5 ? r + 1 : 5);
}

static int
by_day(const void *x, const void *y)
{
	const struct workday_entry *a = x, *b = y;
	return (a->day > b->day) - (a->day < b->day);
}

void
workday_cal_free(struct workday_cal *c)
{
	free(c->e);
	free(c->shift);
	memset(c, 0, sizeof(*c));
}

int
workday_cal_set(struct workday_cal *c, const struct workday_entry *e, size_t n)
{
	memset(c, 0, sizeof(*c));
	if (n == 0)
		return 0;
	c->e = malloc(n * sizeof(*c->e));
	c->shift = malloc(n * sizeof(*c->shift));
	if (c->e == NULL || c->shift == NULL) {
		workday_cal_free(c);
		return -1;
	}
	/* A stable order keeps the last of a day listed twice last. */
	for (size_t i = 0; i < n; i++)
		c->e[i] = e[i];
	for (size_t i = 1; i < n; i++)  /* insertion sort: stable, n small */
		for (size_t j = i; j > 0 && by_day(&c->e[j - 1], &c->e[j]) > 0; j--) {
			struct workday_entry t = c->e[j];
			c->e[j] = c->e[j - 1];
			c->e[j - 1] = t;
		}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && c->e[k - 1].day == c->e[i].day)
			k--;
		c->e[k++] = c->e[i];
	}
	c->n = k;
	long sum = 0;
	for (size_t i = 0; i < k; i++) {
		int weekend = is_weekend(c->e[i].day);
		if (c->e[i].work && weekend)
			sum++;
		else if (!c->e[i].work && !weekend)
			sum--;
		c->shift[i] = sum;
	}
	return 0;
}

/* Index of the last entry on or before day, or -1. */
static long
last_upto(const struct workday_cal *c, long day)
{
	long lo = 0, hi = c ? (long)c->n - 1 : -1, found = -1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (c->e[mid].day <= day) {
			found = mid;
			lo = mid + 1;
		} else
			hi = mid - 1;
	}
	return found;
}

int
workday_is(const struct workday_cal *c, long day)
{
	long i = last_upto(c, day);
	if (i >= 0 && c->e[i].day == day)
		return c->e[i].work;
	return !is_weekend(day);
}

static long
index_of(const struct workday_cal *c, long day)
{
	long i = last_upto(c, day);
	return weekdays_upto(day) + (i >= 0 ? c->shift[i] : 0);
}

long
workday_count(const struct workday_cal *c, long from, long to)
{
	return index_of(c, to) - index_of(c, from);
}

long
workday_add(const struct workday_cal *c, long day, int n)
{
	/* Whole weeks of five first would do; the promises are short. */
	while (n > 0) {
		day++;
		if (workday_is(c, day))
			n--;
	}
	return day;
}

int
workday_has_year(const struct workday_cal *c, int year)
{
	long i = last_upto(c, day_of(year, 12, 31));
	return i >= 0 && c->e[i].day >= day_of(year, 1, 1);
}

int
workday_missing_year(const struct workday_cal *c, long today)
{
	int y, m, d;
	day_date(today, &y, &m, &d);
	if (!workday_has_year(c, y))
		return y;
	if (m >= 11 && !workday_has_year(c, y + 1))
		return y + 1;
	return 0;
}

/* ---- the calendar in the database ---- */

static const char sql_token[] = "SELECT token FROM calendar_version WHERE id = 1";
static const char sql_days[] = "SELECT day, kind FROM calendar_days ORDER BY day";

const struct workday_cal *
workday_calendar(struct db *db)
{
	static struct workday_cal cal;
	static struct db *of;
	static long long token;
	static int loaded;
	sqlite3_stmt *st = db_prep(db, sql_token);
	if (st == NULL)
		return &cal;
	int rc = sqlite3_step(st);
	long long now = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		LOG_ERR("cannot read the calendar's version: %s", sqlite3_errstr(rc));
		return &cal;
	}
	if (loaded && of == db && now == token)
		return &cal;
	if ((st = db_prep(db, sql_days)) == NULL)
		return &cal;
	size_t n = 0, cap = 128;
	struct workday_entry *e = xmalloc(cap * sizeof(*e));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long day;
		if (day_parse(db_col_text(st, 0), &day) != 0)
			continue;   /* the table's CHECK lets through 2026-02-30 */
		if (n == cap)
			e = xrealloc(e, (cap *= 2) * sizeof(*e));
		e[n].day = day;
		e[n].work = strcmp(db_col_text(st, 1), DAY_WORK) == 0;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		LOG_ERR("cannot read the calendar: %s", sqlite3_errstr(rc));
		free(e);
		return &cal;
	}
	struct workday_cal fresh;
	if (workday_cal_set(&fresh, e, n) == 0) {
		workday_cal_free(&cal);
		cal = fresh;
		of = db;
		token = now;
		loaded = 1;
	}
	free(e);
	return &cal;
}

int
workday_due(struct arena *a, const struct workday_cal *c, const char *due_on,
    long today, struct due *d)
{
	long due;
	if (due_on == NULL || day_parse(due_on, &due) != 0)
		return -1;
	if (today <= due) {
		d->over = 0;
		d->days = workday_count(c, today, due);
	} else {
		long upto = workday_is(c, today) ? today : workday_add(c, today, 1);
		d->over = 1;
		d->days = workday_count(c, due, upto);
	}
	d->text = d->date = NULL;
	if (a == NULL)
		return 0;
	d->date = day_show(a, due);
	d->text = d->over ? arena_printf(a, "已逾期 %ld 个工作日", d->days) :
	    today == due ? "今天到期" : arena_printf(a, "剩余 %ld 个工作日", d->days);
	return 0;
}

const char *
workday_kept(struct arena *a, const struct workday_cal *c, const char *due_on,
    const char *done, long *late)
{
	long due, day;
	if (due_on == NULL || day_parse(due_on, &due) != 0 || day_of_utc(done, &day) != 0)
		return NULL;
	*late = day > due ? workday_count(c, due, day) : 0;
	if (day > due && *late == 0)
		*late = 1;   /* done on the rest day after: the due day had passed */
	if (*late == 0)
		return "按期";
	return a ? arena_printf(a, "超期 %ld 个工作日", *late) : "超期";
}

int
workday_due_after(const struct workday_cal *c, const char *iso, int n,
    char *out, size_t len)
{
	long day;
	if (day_of_utc(iso, &day) != 0)
		return -1;
	day_iso(workday_add(c, day, n), out, len);
	return 0;
}

/* ---- the CSV format ---- */

#define HOLIDAY_MAX 20   /* characters */
#define CALENDAR_ROWS_MAX 400

/* The next cell of line p (up to ',' or the end), unquoted and trimmed,
 * into the arena; *p moves past the comma, and *comma says whether there
 * was one.  NULL at a broken quote. */
static const char *
cell(struct arena *a, const char **p, int *comma)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	struct buf b = {0};
	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0') {
				buf_free(&b);
				return NULL;
			}
			if (*s == '"' && s[1] == '"')
				buf_putc(&b, *s++);
			else if (*s == '"')
				break;
			else
				buf_putc(&b, *s);
		}
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != ',' && *s != '\0') {
			buf_free(&b);
			return NULL;
		}
	} else {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		buf_put(&b, s, n);
		s = end ? end : s + strlen(s);
	}
	*comma = *s == ',';
	*p = *comma ? s + 1 : s;
	const char *out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

int
calendar_csv_parse(struct arena *a, const char *text, size_t len,
    struct calendar_row **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3, len -= 3;
	struct calendar_row *rows = arena_calloc(a, CALENDAR_ROWS_MAX, sizeof(*rows));
	size_t k = 0;
	int line = 0, header = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *l = arena_strndup(a, p, ll);
		p = nl ? nl + 1 : end;
		line++;
		if (ll && l[ll - 1] == '\r')
			l[--ll] = '\0';
		if (!utf8_text_ok(l, ll)) {
			snprintf(err, errlen, "第 %d 行:不是有效的 UTF-8 文字(请用 UTF-8 编码保存)", line);
			return -1;
		}
		const char *q = l;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\0' || *q == '#')
			continue;
		int m1 = 0, m2 = 0, m3 = 0;
		const char *c1 = cell(a, &q, &m1), *c2 = c1 && m1 ? cell(a, &q, &m2) : NULL,
		    *c3 = c2 && m2 ? cell(a, &q, &m3) : NULL;
		if (c3 == NULL || m3 || *q != '\0') {
			snprintf(err, errlen, "第 %d 行:应为“日期,休或班,节日名称”三栏", line);
			return -1;
		}
		if (!header && k == 0 && ((strcmp(c1, "date") == 0 && strcmp(c2, "kind") == 0) ||
		    (strcmp(c1, "日期") == 0 && strcmp(c2, "类型") == 0))) {
			header = 1;
			continue;
		}
		long day;
		if (day_parse(c1, &day) != 0) {
			snprintf(err, errlen, "第 %d 行:日期“%.40s”应为 2026-10-01 这样的日期", line, c1);
			return -1;
		}
		if (strcmp(c2, DAY_REST) != 0 && strcmp(c2, DAY_WORK) != 0) {
			snprintf(err, errlen, "第 %d 行:类型应为“休”(放假)或“班”(调休上班),不是“%.20s”",
			    line, c2);
			return -1;
		}
		if (utf8_count(c3, strlen(c3)) > HOLIDAY_MAX) {
			snprintf(err, errlen, "第 %d 行:节日名称最多 %d 个字", line, HOLIDAY_MAX);
			return -1;
		}
		for (size_t i = 0; i < k; i++)
			if (rows[i].day == day) {
				snprintf(err, errlen, "第 %d 行:%s 在文件中出现了两次", line, c1);
				return -1;
			}
		if (k == CALENDAR_ROWS_MAX) {
			snprintf(err, errlen, "文件超过 %d 行日期", CALENDAR_ROWS_MAX);
			return -1;
		}
		rows[k].day = day;
		rows[k].kind = strcmp(c2, DAY_REST) == 0 ? DAY_REST : DAY_WORK;
		rows[k].holiday = c3;
		k++;
	}
	if (k == 0) {
		snprintf(err, errlen, "文件中没有日期");
		return -1;
	}
	*out = rows;
	*n = k;
	return 0;
}
