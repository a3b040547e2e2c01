/*
 * page-staff-home.c - 工作台: the dashboard every member of staff lands on.
 *
 *   GET /staff   this week's and this month's submissions by status
 *                (Shanghai weeks start on Monday); 入会 by occupation,
 *                district and station; 法律援助 open cases, average days
 *                to close and money recovered; 志愿服务 upcoming activities
 *                and their sign-ups; 诉求 waiting, dispatched and overdue;
 *                微心愿 to review, to be claimed and marked 疑似困难职工;
 *                满意度 of the follow-ups (回访) by service, district,
 *                handler and month, and the 不满意 answers awaiting
 *                review.  ?period=all|year|month narrows the
 *                totals; ?password=1 after a password change.
 *
 * Each person sees the figures of their districts only, and only of the
 * services their role works on (a reviewer no 法律援助, a legal officer
 * no 入会 or 志愿服务).  Week and month counts are a range of a covering
 * index on created_at; the totals come from the tallies the triggers of
 * 0007_staff_admin.sql keep, so the page costs the same at any volume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "chart.h"
#include "db.h"
#include "http.h"
#include "satisfaction.h"
#include "staff.h"
#include "text.h"
#include "when.h"
#include "vocab.h"
#include "workday.h"

#define TOP_STATIONS 15
#define UPCOMING_SHOWN 5

static const char sql_join_status[] =
    "SELECT status, count(*) FROM join_applications"
    " WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = 0 OR district_id = ?3)"
    " GROUP BY status";
static const char sql_join_month[] =
    "SELECT status, sum(n) FROM join_tally"
    " WHERE month >= ?1 AND month < ?2 AND (?3 = 0 OR district_id = ?3)"
    " GROUP BY status";
static const char sql_legal_status[] =
    "SELECT status, count(*) FROM legal_cases"
    " WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = 0 OR district_id = ?3)"
    " GROUP BY status";
static const char sql_join_pending[] =
    "SELECT coalesce(sum(n), 0) FROM join_tally"
    " WHERE status = '" JOIN_PENDING "' AND (?1 = 0 OR district_id = ?1)";
/* 微心愿 waiting on someone: to review, to be claimed, marked for help. */
static const char sql_wishes_open[] =
    "SELECT coalesce(sum(status = '" WISH_PENDING "'), 0),"
    " coalesce(sum(status = '" WISH_PUBLISHED "'), 0),"
    " coalesce(sum(hardship = 1), 0)"
    " FROM wishes WHERE (?1 = 0 OR district_id = ?1)"
    " AND status IN ('" WISH_PENDING "', '" WISH_PUBLISHED "', '" WISH_CLAIMED "')";
static const char sql_by_occupation[] =
    "SELECT occupation, sum(n),"
    " sum(CASE WHEN status = '" JOIN_APPROVED "' THEN n ELSE 0 END)"
    " FROM join_tally WHERE month >= ?1 AND (?2 = 0 OR district_id = ?2)"
    " GROUP BY occupation HAVING sum(n) > 0 ORDER BY 2 DESC, 1";
static const char sql_by_district[] =
    "SELECT d.name, coalesce(x.n, 0), coalesce(x.ok, 0) FROM districts d"
    " LEFT JOIN (SELECT district_id, sum(n) AS n,"
    "   sum(CASE WHEN status = '" JOIN_APPROVED "' THEN n ELSE 0 END) AS ok"
    "   FROM join_tally WHERE month >= ?1 GROUP BY district_id) x"
    " ON x.district_id = d.id WHERE d.active = 1 OR x.n > 0 ORDER BY d.code";
static const char sql_by_station[] =
    "SELECT s.name, coalesce(d.name, ''), sum(t.n) FROM station_tally t"
    " JOIN stations s ON s.id = t.station_id"
    " LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE t.month >= ?1 AND (?2 = 0 OR t.district_id = ?2)"
    " GROUP BY t.station_id HAVING sum(t.n) > 0 ORDER BY 3 DESC, s.name LIMIT ?3";
static const char sql_station_total[] =
    "SELECT coalesce(sum(n), 0) FROM station_tally"
    " WHERE month >= ?1 AND (?2 = 0 OR district_id = ?2)";
static const char sql_legal_open[] =
    "SELECT status, count(*) FROM legal_cases"
    " WHERE closed_at IS NULL AND (?1 = 0 OR district_id = ?1) GROUP BY status";
static const char sql_legal_closed[] =
    "SELECT coalesce(sum(closed), 0), coalesce(sum(days), 0),"
    "  coalesce(sum(recovered_fen), 0)"
    " FROM legal_tally WHERE month >= ?1 AND (?2 = 0 OR district_id = ?2)";
/* 已逾期: open items whose promise fell before today (?1), by the
 * partial indexes of 0013_calendar.sql. */
static const char sql_join_overdue[] =
    "SELECT count(*) FROM join_applications INDEXED BY join_open_due"
    " WHERE status = '" JOIN_PENDING "'"
    " AND due_on < ?1 AND (?2 = 0 OR district_id = ?2)";
static const char sql_legal_overdue[] =
    "SELECT count(*) FROM legal_cases WHERE due_on < ?1"
    " AND (?2 = 0 OR district_id = ?2)";
/* 按期办结率: the tally of 0013_calendar.sql from the period's first month. */
static const char sql_ontime[] =
    "SELECT t.district_id, coalesce(d.name, '未指定区县'), t.service, sum(t.n),"
    " sum(t.due_n), sum(t.on_time), sum(t.workdays)"
    " FROM ontime_tally t LEFT JOIN districts d ON d.id = t.district_id"
    " WHERE t.month >= ?1 AND (?2 = 0 OR t.district_id = ?2)"
    " GROUP BY t.district_id, t.service HAVING sum(t.n) > 0"
    " ORDER BY coalesce(d.code, '~'), t.service";
static const char sql_appeal_status[] =
    "SELECT status, count(*) FROM appeals"
    " WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = 0 OR district_id = ?3)"
    " GROUP BY status";
/* Open appeals: waiting for dispatch, dispatched, and of those overdue
 * (past their due date, ?1 today in Shanghai). */
static const char sql_appeal_open[] =
    "SELECT coalesce(sum(status = '" APPEAL_NEW "'), 0),"
    "  coalesce(sum(status = '" APPEAL_DISPATCHED "'), 0),"
    "  coalesce(sum(status = '" APPEAL_DISPATCHED "' AND due_on < ?1), 0)"
    " FROM appeals WHERE status IN ('" APPEAL_NEW "', '" APPEAL_DISPATCHED "')"
    " AND (?2 = 0 OR district_id = ?2)";
static const char sql_upcoming[] =
    "SELECT a.id, a.title, a.starts_at, a.ends_at, a.capacity,"
    "  (SELECT count(*) FROM signups s WHERE s.activity_id = a.id"
    "   AND s.status = '" SIGNUP_CONFIRMED "'),"
    "  (SELECT count(*) FROM signups s WHERE s.activity_id = a.id"
    "   AND s.status = '" SIGNUP_WAITING "')"
    " FROM activities a WHERE a.cancelled = 0 AND a.starts_at >= ?1"
    " AND (?2 = 0 OR a.district_id = ?2) ORDER BY a.starts_at, a.id";


static const struct {
	const char *value, *label;
} periods[] = {
	{"all", "全部"},
	{"year", "今年"},
	{"month", "本月"},
};

/* The Shanghai calendar around now, as UTC instants and month keys. */
struct span {
	char week[32], next_week[32];   /* Monday 00:00 of this and next week */
	char month[32], next_month[32]; /* the 1st, 00:00, of this and next month */
	char ym[16], next_ym[16];       /* "2026-11", "2026-12" */
	char y_first[16];               /* "2026-01" */
	char week_of[32];               /* "11月23日" */
	char today[16];                 /* "2026-11-23" */
	const char *since;              /* month key the totals start at */
	const char *period_label;
};

static void
span_now(struct span *s, const char *period)
{
	time_t local = shanghai_now();
	struct tm tm;
	gmtime_r(&local, &tm);
	time_t day = local - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
	time_t monday = day - (time_t)((tm.tm_wday + 6) % 7) * 86400;
	shanghai_to_utc_iso(monday, s->week, sizeof(s->week));
	struct tm mon;
	gmtime_r(&monday, &mon);
	snprintf(s->week_of, sizeof(s->week_of), "%d月%d日", mon.tm_mon + 1, mon.tm_mday);
	shanghai_to_utc_iso(monday + 7 * 86400, s->next_week, sizeof(s->next_week));
	struct tm m = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = 1};
	shanghai_to_utc_iso(timegm(&m), s->month, sizeof(s->month));
	m.tm_mon++;
	time_t next = timegm(&m);
	shanghai_to_utc_iso(next, s->next_month, sizeof(s->next_month));
	struct tm nm;
	gmtime_r(&next, &nm);
	strftime(s->next_ym, sizeof(s->next_ym), "%Y-%m", &nm);
	strftime(s->ym, sizeof(s->ym), "%Y-%m", &tm);
	strftime(s->y_first, sizeof(s->y_first), "%Y-01", &tm);
	day_iso(day_today(), s->today, sizeof(s->today));
	s->since = strcmp(period, "year") == 0 ? s->y_first :
	    strcmp(period, "month") == 0 ? s->ym : "";
}

/* Counts by status into counts[] (by the index of the status in
 * statuses; others ignored): sql binds ?1 from, ?2 to, ?3 district, or
 * with from NULL only ?1 district. */
static void
count_range(struct req *r, const char *sql, const char *from, const char *to,
    long long district, const char *const *statuses, long long *counts)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return;
	if (from) {
		db_bind_text(st, 1, from);
		db_bind_text(st, 2, to);
		db_bind_int(st, 3, district);
	} else
		db_bind_int(st, 1, district);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *status = db_col_text(st, 0);
		for (size_t i = 0; statuses[i]; i++)
			if (strcmp(statuses[i], status) == 0)
				counts[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
}

/* {rows: [{status, week, month}], week, month}: this week and month by
 * status.  by_month counts a month from the tally (?1, ?2 month keys);
 * NULL counts it with sql too. */
static struct tval *
status_table(struct req *r, const char *sql, const char *by_month,
    const char *const *statuses, const struct span *s, long long district)
{
	struct arena *a = r->a;
	long long week[16] = {0}, month[16] = {0}, wsum = 0, msum = 0;
	count_range(r, sql, s->week, s->next_week, district, statuses, week);
	if (by_month)
		count_range(r, by_month, s->ym, s->next_ym, district, statuses, month);
	else
		count_range(r, sql, s->month, s->next_month, district, statuses, month);
	struct tval *t = tv_map(a), *rows = tv_list(a);
	for (size_t i = 0; statuses[i]; i++) {
		struct tval *row = tv_map(a);
		tv_puts(a, row, "status", statuses[i]);
		tv_puts(a, row, "week", chart_num(a, week[i]));
		tv_puts(a, row, "month", chart_num(a, month[i]));
		tv_push(a, rows, row);
		wsum += week[i];
		msum += month[i];
	}
	tv_put(a, t, "rows", rows);
	tv_puts(a, t, "week", chart_num(a, wsum));
	tv_puts(a, t, "month", chart_num(a, msum));
	return t;
}

/* One statement returning (label, n[, approved]) rows → {chart, rows,
 * total}; a station's district goes into "district". */
static struct tval *
bars(struct req *r, sqlite3_stmt *st, const char *title, int with_district)
{
	struct arena *a = r->a;
	size_t n = 0, cap = 16;
	struct chart_bar *b = arena_alloc(a, cap * sizeof(*b));
	struct tval *t = tv_map(a), *rows = tv_list(a);
	long long total = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			struct chart_bar *more = arena_alloc(a, 2 * cap * sizeof(*b));
			memcpy(more, b, n * sizeof(*b));
			b = more;
			cap *= 2;
		}
		b[n].label = arena_strdup(a, db_col_text(st, 0));
		b[n].value = sqlite3_column_int64(st, with_district ? 2 : 1);
		struct tval *row = tv_map(a);
		tv_puts(a, row, "label", b[n].label);
		tv_puts(a, row, "n", chart_num(a, b[n].value));
		if (with_district)
			tv_puts(a, row, "district", db_col_text(st, 1));
		else
			tv_puts(a, row, "approved", chart_num(a, sqlite3_column_int64(st, 2)));
		tv_push(a, rows, row);
		total += b[n].value;
		n++;
	}
	if (st)
		sqlite3_reset(st);
	tv_puts(a, t, "chart", chart_svg(a, title, b, n));
	tv_put(a, t, "rows", rows);
	tv_putb(a, t, "has_rows", n > 0);
	tv_puts(a, t, "total", chart_num(a, total));
	return t;
}

static long long
one_number(struct req *r, const char *sql, const char *text, long long num)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	long long v = 0;
	if (st == NULL)
		return 0;
	if (text) {
		db_bind_text(st, 1, text);
		db_bind_int(st, 2, num);
	} else
		db_bind_int(st, 1, num);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static void
join_section(struct req *r, struct tval *ctx, const struct span *s,
    long long district)
{
	struct arena *a = r->a;
	struct tval *j = tv_map(a);
	tv_put(a, j, "status", status_table(r, sql_join_status, sql_join_month,
	    join_statuses, s, district));
	tv_puts(a, j, "pending", chart_num(a, one_number(r, sql_join_pending, NULL, district)));
	tv_puts(a, j, "overdue", chart_num(a, one_number(r, sql_join_overdue, s->today,
	    district)));

	sqlite3_stmt *st = db_prep(r->app->db, sql_by_occupation);
	if (st) {
		db_bind_text(st, 1, s->since);
		db_bind_int(st, 2, district);
	}
	tv_put(a, j, "occupation", bars(r, st, arena_printf(a, "入会申请按职业(%s)",
	    s->period_label), 0));
	if (district == 0 && (st = db_prep(r->app->db, sql_by_district)) != NULL) {
		db_bind_text(st, 1, s->since);
		tv_put(a, j, "district", bars(r, st, arena_printf(a, "入会申请按区县(%s)",
		    s->period_label), 0));
	}
	if ((st = db_prep(r->app->db, sql_by_station)) != NULL) {
		db_bind_text(st, 1, s->since);
		db_bind_int(st, 2, district);
		db_bind_int(st, 3, TOP_STATIONS);
	}
	struct tval *stations = bars(r, st, arena_printf(a,
	    "经工会驿站二维码提交的入会申请(%s,前 %d 个驿站)", s->period_label,
	    TOP_STATIONS), 1);
	tv_puts(a, stations, "total", chart_num(a,
	    one_number(r, sql_station_total, s->since, district)));
	tv_put(a, j, "station", stations);
	tv_put(a, ctx, "join", j);
}

static void
legal_section(struct req *r, struct tval *ctx, const struct span *s,
    long long district)
{
	struct arena *a = r->a;
	struct tval *l = tv_map(a), *open = tv_list(a);
	tv_put(a, l, "status", status_table(r, sql_legal_status, NULL,
	    legal_statuses, s, district));
	long long counts[16] = {0}, total = 0;
	count_range(r, sql_legal_open, NULL, NULL, district, legal_statuses, counts);
	for (size_t i = 0; legal_statuses[i]; i++) {
		if (counts[i] == 0)
			continue;
		struct tval *row = tv_map(a);
		tv_puts(a, row, "status", legal_statuses[i]);
		tv_puts(a, row, "n", chart_num(a, counts[i]));
		tv_push(a, open, row);
		total += counts[i];
	}
	tv_put(a, l, "open_rows", open);
	tv_puts(a, l, "overdue", chart_num(a, one_number(r, sql_legal_overdue, s->today,
	    district)));
	tv_puts(a, l, "open", chart_num(a, total));

	long long closed = 0, fen = 0;
	double days = 0;
	sqlite3_stmt *st;
	if ((st = db_prep(r->app->db, sql_legal_closed)) != NULL) {
		db_bind_text(st, 1, s->since);
		db_bind_int(st, 2, district);
		if (sqlite3_step(st) == SQLITE_ROW) {
			closed = sqlite3_column_int64(st, 0);
			days = sqlite3_column_double(st, 1);
			fen = sqlite3_column_int64(st, 2);
		}
		sqlite3_reset(st);
	}
	tv_puts(a, l, "closed", chart_num(a, closed));
	if (closed > 0)
		tv_putf(a, l, "avg_days", "%.1f", days / (double)closed);
	tv_puts(a, l, "recovered", show_yuan(a, fen));
	tv_put(a, ctx, "legal", l);
}

static void
appeal_section(struct req *r, struct tval *ctx, const struct span *s,
    long long district)
{
	struct arena *a = r->a;
	struct tval *v = tv_map(a);
	long long open[3] = {0};
	long today = today_shanghai();
	tv_put(a, v, "status", status_table(r, sql_appeal_status, NULL,
	    appeal_statuses, s, district));
	sqlite3_stmt *st = db_prep(r->app->db, sql_appeal_open);
	if (st) {
		db_bind_text(st, 1, arena_printf(a, "%04ld-%02ld-%02ld", today / 10000,
		    today / 100 % 100, today % 100));
		db_bind_int(st, 2, district);
		if (sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < 3; i++)
				open[i] = sqlite3_column_int64(st, i);
		sqlite3_reset(st);
	}
	tv_puts(a, v, "waiting", chart_num(a, open[0]));
	tv_puts(a, v, "dispatched", chart_num(a, open[1]));
	tv_puts(a, v, "overdue", chart_num(a, open[2]));
	tv_putb(a, v, "has_overdue", open[2] > 0);
	tv_put(a, ctx, "appeal", v);
}

static void
volunteer_section(struct req *r, struct tval *ctx, long long district)
{
	struct arena *a = r->a;
	struct tval *v = tv_map(a), *list = tv_list(a);
	char now[32];
	long long count = 0, confirmed = 0, waiting = 0;
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(r->app->db, sql_upcoming);
	if (st) {
		db_bind_text(st, 1, now);
		db_bind_int(st, 2, district);
		while (sqlite3_step(st) == SQLITE_ROW) {
			long long c = sqlite3_column_int64(st, 5), w = sqlite3_column_int64(st, 6);
			count++;
			confirmed += c;
			waiting += w;
			if (count > UPCOMING_SHOWN)
				continue;
			struct tval *row = tv_map(a);
			tv_puti(a, row, "id", sqlite3_column_int64(st, 0));
			tv_puts(a, row, "title", db_col_text(st, 1));
			tv_puts(a, row, "when", show_span(a, db_col_text(st, 2), db_col_text(st, 3)));
			tv_puti(a, row, "capacity", sqlite3_column_int64(st, 4));
			tv_puti(a, row, "confirmed", c);
			tv_puti(a, row, "waitlist", w);
			tv_push(a, list, row);
		}
		sqlite3_reset(st);
	}
	tv_put(a, v, "upcoming", list);
	tv_puts(a, v, "count", chart_num(a, count));
	tv_puts(a, v, "confirmed", chart_num(a, confirmed));
	tv_puts(a, v, "waitlist", chart_num(a, waiting));
	tv_putb(a, v, "more", count > UPCOMING_SHOWN);
	tv_put(a, ctx, "volunteer", v);
}

/* What the 按期办结率 table shows: a service of the tally, the roles that
 * work on it, its column's heading, and whether working days are shown. */
static const struct {
	const char *service, *label;
	unsigned roles;
	int workdays;
} ontime_cols[] = {
	{"入会", "入会:按期答复", ROLE_ADMIN | ROLE_REVIEWER, 0},
	{"诉求", "诉求:按期答复", ROLE_ADMIN | ROLE_REVIEWER, 0},
	{"首次联系", "法律援助:按期首次联系", ROLE_ADMIN | ROLE_LEGAL, 0},
	{"法律援助", "法律援助:按期结案", ROLE_ADMIN | ROLE_LEGAL, 1},
};
#define ONTIME_COLS ZJ_NELEM(ontime_cols)
#define ONTIME_ROWS 64

struct ontime_row {
	long long id;
	const char *name;
	long long n[ONTIME_COLS], due[ONTIME_COLS], ok[ONTIME_COLS], days[ONTIME_COLS];
};

/* "92.3%(12/13)", or "—" when nothing with a due date was completed. */
static const char *
rate(struct arena *a, long long ok, long long due)
{
	return due ? arena_printf(a, "%.1f%%(%lld/%lld)", 100.0 * (double)ok / (double)due,
	    ok, due) : "—";
}

static void
ontime_cells(struct arena *a, const struct ontime_row *r, const int *shown,
    struct tval *row)
{
	struct tval *cells = tv_list(a);
	for (size_t c = 0; c < ONTIME_COLS; c++) {
		if (!shown[c])
			continue;
		struct tval *cell = tv_map(a);
		tv_puts(a, cell, "v", rate(a, r->ok[c], r->due[c]));
		tv_push(a, cells, cell);
		if (ontime_cols[c].workdays) {
			cell = tv_map(a);
			tv_puts(a, cell, "v", r->n[c] ? arena_printf(a, "%.1f",
			    (double)r->days[c] / (double)r->n[c]) : "—");
			tv_push(a, cells, cell);
		}
	}
	tv_put(a, row, "cells", cells);
}

/*
 * 按期办结率 per service and district for the period: {head: [{label}],
 * rows: [{label, cells: [{v}]}], has_rows}; the services of who's role,
 * the districts they see, a 合计 row for everyone's; and in the legal
 * section, 平均办结工作日.
 */
static void
ontime_section(struct req *r, struct tval *ctx, const struct span *s,
    const struct staff *who)
{
	struct arena *a = r->a;
	struct ontime_row *rows = arena_calloc(a, ONTIME_ROWS + 1, sizeof(*rows));
	struct ontime_row *all = &rows[ONTIME_ROWS];
	size_t n = 0;
	int shown[ONTIME_COLS];
	for (size_t c = 0; c < ONTIME_COLS; c++)
		shown[c] = (who->roles & ontime_cols[c].roles) != 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_ontime);
	if (st == NULL)
		return;
	db_bind_text(st, 1, s->since);
	db_bind_int(st, 2, who->district_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const char *service = db_col_text(st, 2);
		size_t c = 0, i = 0;
		while (c < ONTIME_COLS && strcmp(ontime_cols[c].service, service) != 0)
			c++;
		if (c == ONTIME_COLS)
			continue;
		while (i < n && rows[i].id != id)
			i++;
		if (i == n) {
			if (n == ONTIME_ROWS)
				continue;
			rows[n].id = id;
			rows[n++].name = arena_strdup(a, db_col_text(st, 1));
		}
		long long v[4];
		for (int k = 0; k < 4; k++)
			v[k] = sqlite3_column_int64(st, 3 + k);
		rows[i].n[c] += v[0], all->n[c] += v[0];
		rows[i].due[c] += v[1], all->due[c] += v[1];
		rows[i].ok[c] += v[2], all->ok[c] += v[2];
		rows[i].days[c] += v[3], all->days[c] += v[3];
	}
	sqlite3_reset(st);
	struct tval *t = tv_map(a), *head = tv_list(a), *list = tv_list(a);
	for (size_t c = 0; c < ONTIME_COLS; c++) {
		if (!shown[c])
			continue;
		struct tval *h = tv_map(a);
		tv_puts(a, h, "label", ontime_cols[c].label);
		tv_push(a, head, h);
		if (ontime_cols[c].workdays) {
			h = tv_map(a);
			tv_puts(a, h, "label", "法律援助:平均办结工作日");
			tv_push(a, head, h);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int any = 0;
		for (size_t c = 0; c < ONTIME_COLS; c++)
			any |= shown[c] && rows[i].n[c] > 0;
		if (!any)
			continue;
		struct tval *row = tv_map(a);
		tv_puts(a, row, "label", rows[i].name);
		ontime_cells(a, &rows[i], shown, row);
		tv_push(a, list, row);
	}
	if (who->district_id == 0 && list->n > 0) {
		struct tval *row = tv_map(a);
		tv_puts(a, row, "label", "合计");
		tv_putb(a, row, "total", 1);
		ontime_cells(a, all, shown, row);
		tv_push(a, list, row);
	}
	tv_put(a, t, "head", head);
	tv_put(a, t, "rows", list);
	tv_putb(a, t, "has_rows", list->n > 0);
	tv_put(a, ctx, "ontime", t);
	/* 法律援助 平均办结工作日 beside the calendar days the section shows. */
	struct tval *legal = tv_get(ctx, "legal");
	size_t lc = ONTIME_COLS - 1;
	if (legal && all->n[lc] > 0)
		tv_putf(a, legal, "avg_workdays", "%.1f",
		    (double)all->days[lc] / (double)all->n[lc]);
}

/* 微心愿: what waits on staff (the reviewer's and the admin's). */
static void
wish_section(struct req *r, struct tval *ctx, long long district)
{
	struct arena *a = r->a;
	struct tval *v = tv_map(a);
	long long n[3] = {0, 0, 0};
	sqlite3_stmt *st = db_prep(r->app->db, sql_wishes_open);
	if (st) {
		db_bind_int(st, 1, district);
		if (sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < 3; i++)
				n[i] = sqlite3_column_int64(st, i);
		sqlite3_reset(st);
	}
	tv_puts(a, v, "pending", chart_num(a, n[0]));
	tv_puts(a, v, "open", chart_num(a, n[1]));
	tv_puts(a, v, "hardship", chart_num(a, n[2]));
	tv_put(a, ctx, "wishes", v);
}

static const char *
period_of(struct req *r, struct tval *ctx, struct span *s)
{
	struct arena *a = r->a;
	const char *want = req_query(r, "period");
	size_t chosen = 0;
	for (size_t i = 0; i < ZJ_NELEM(periods); i++)
		if (want && strcmp(want, periods[i].value) == 0)
			chosen = i;
	struct tval *opts = tv_list(a);
	for (size_t i = 0; i < ZJ_NELEM(periods); i++) {
		struct tval *o = tv_map(a);
		tv_puts(a, o, "value", periods[i].value);
		tv_puts(a, o, "label", periods[i].label);
		tv_putb(a, o, "selected", i == chosen);
		tv_push(a, opts, o);
	}
	tv_put(a, ctx, "periods", opts);
	tv_puts(a, ctx, "period_label", periods[chosen].label);
	s->period_label = periods[chosen].label;
	return periods[chosen].value;
}

static void
home_get(struct req *r)
{
	const struct staff *who = staff_of(r);
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	struct span s;
	const char *period = period_of(r, ctx, &s);
	span_now(&s, period);
	long long district = who->district_id;
	const char *p = req_query(r, "password");
	if (p && strcmp(p, "1") == 0)
		tv_puts(a, ctx, "notice", "密码已修改。");
	tv_puts(a, ctx, "scope", who->district[0] ? who->district : "全部区县");
	tv_puts(a, ctx, "week_of", s.week_of);
	int missing = workday_missing_year(workday_calendar(r->app->db), day_today());
	if (missing && (who->roles & ROLE_ADMIN)) {
		struct tval *m = tv_map(a);
		tv_puti(a, m, "year", missing);
		tv_putb(a, m, "next_year", missing > atoi(s.today));
		tv_put(a, ctx, "calendar_missing", m);
	}
	if (who->roles & (ROLE_ADMIN | ROLE_REVIEWER)) {
		join_section(r, ctx, &s, district);
		appeal_section(r, ctx, &s, district);
		volunteer_section(r, ctx, district);
		wish_section(r, ctx, district);
	}
	if (who->roles & (ROLE_ADMIN | ROLE_LEGAL))
		legal_section(r, ctx, &s, district);
	ontime_section(r, ctx, &s, who);
	/* 满意度 of the services the person works on, in the period. */
	tv_put(a, ctx, "sat", satisfaction_view(r, district,
	    *s.since ? arena_printf(a, "%s-01", s.since) : NULL, NULL));
	resp_render(r, 200, "staff/home", ctx);
}

const struct route page_staff_home_routes[] = {
	{"GET", "/staff", home_get, ROLES_ALL, NULL},
	{0},
};
