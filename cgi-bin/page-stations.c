/*
 * page-stations.c - 工会驿站 as workers find them (no account, no script).
 *
 *   GET /stations     every active station, by district; filters 区县, 服务
 *                     and 现在开放 (Beijing time), 20 a page (?page=N)
 *   GET /s/{code}     what a station's QR code opens: the station, its
 *                     hours, what it offers, and its services, each
 *                     carrying the station (?src=CODE)
 *
 * Unknown or inactive codes are the 404 page.  Both pages are kept per
 * worker for the minute they were made in and until the next commit
 * (pagecache.h): the list's count and its twenty rows' hours and
 * amenities cost more than everything else on a request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "hours.h"
#include "http.h"
#include "pagecache.h"
#include "pubform.h"
#include "queue.h"
#include "station-store.h"
#include "vocab.h"
#include "when.h"

#define STATIONS_PAGE 20

/* ?1 weekday, ?2 "HH:MM" (Beijing now), ?3 district id, ?4 amenity ('':
 * any), ?5 open now only, ?6 limit, ?7 offset. */
#define LIST_COLUMNS \
    "SELECT s.id, s.code, s.name, s.address, s.landmark, coalesce(d.name, ''),"     \
    " EXISTS (SELECT 1 FROM station_hours h WHERE h.station_id = s.id"             \
    "  AND h.weekday = ?1 AND h.opens <= ?2 AND h.closes > ?2),"                   \
    " (SELECT group_concat(h.opens || '-' || h.closes, ',') FROM station_hours h"  \
    "  WHERE h.station_id = s.id AND h.weekday = ?1),"                             \
    " EXISTS (SELECT 1 FROM station_hours h WHERE h.station_id = s.id),"           \
    " (SELECT group_concat(a.amenity, ',') FROM station_amenities a"               \
    "  WHERE a.station_id = s.id)"                                                 \
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
#define LIST_FILTERS \
    " AND (?4 = '' OR EXISTS (SELECT 1 FROM station_amenities a"                   \
    "  WHERE a.station_id = s.id AND a.amenity = ?4))"                             \
    " AND (?5 = 0 OR EXISTS (SELECT 1 FROM station_hours h WHERE h.station_id = s.id" \
    "  AND h.weekday = ?1 AND h.opens <= ?2 AND h.closes > ?2))"
/* Both walk stations_active (active, district_id, name): no sort. */
static const char sql_list_all[] =
    LIST_COLUMNS " WHERE s.active = 1 AND ?3 = 0" LIST_FILTERS
    " ORDER BY s.active, s.district_id, s.name LIMIT ?6 OFFSET ?7";
static const char sql_list_district[] =
    LIST_COLUMNS " WHERE s.active = 1 AND s.district_id = ?3" LIST_FILTERS
    " ORDER BY s.active, s.district_id, s.name LIMIT ?6 OFFSET ?7";
static const char sql_count_all[] =
    "SELECT count(*) FROM stations s WHERE s.active = 1 AND ?3 = 0"
    LIST_FILTERS;
static const char sql_count_district[] =
    "SELECT count(*) FROM stations s WHERE s.active = 1 AND s.district_id = ?3"
    LIST_FILTERS;
static const char sql_districts[] =
    "SELECT d.name FROM districts d WHERE d.active = 1 AND EXISTS (SELECT 1"
    " FROM stations s WHERE s.active = 1 AND s.district_id = d.id) ORDER BY d.code";
static const char sql_station[] =
    "SELECT s.id, s.code, s.name, s.address, s.landmark, s.motto, s.phone,"
    " coalesce(d.name, '')"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.code = ?1 COLLATE NOCASE AND s.active = 1";
static const char sql_hours[] =
    "SELECT weekday, opens, closes FROM station_hours WHERE station_id = ?1"
    " ORDER BY weekday, opens";
static const char sql_amenities[] =
    "SELECT amenity FROM station_amenities WHERE station_id = ?1";

/* Beijing now: weekday 1..7 (Monday first) and "HH:MM". */
static int
beijing_now(char hm[6])
{
	time_t t = shanghai_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(hm, 6, "%02u:%02u", (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u);
	return tm.tm_wday == 0 ? 7 : tm.tm_wday;
}

/* "08:00-20:00,14:00-18:00" (as the list's statement gives one day) as
 * people read it. */
static const char *
today_text(struct arena *a, const char *periods)
{
	struct week_hours w;
	hours_clear(&w);
	char *copy = arena_strdup(a, periods), *next;
	for (char *p = copy; *p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		char *dash = strchr(p, '-');
		if (dash == NULL)
			continue;
		*dash = '\0';
		hours_add(&w, 1, p, dash + 1);
	}
	struct buf b = {0};
	hours_day_text(&w, 1, &b);
	const char *t = arena_strdup(a, b.p);
	buf_free(&b);
	return t;
}

/* Amenities stored "a,b,c" as a list in the vocabulary's order. */
static struct tval *
amenity_list(struct arena *a, const char *stored)
{
	struct tval *list = tv_list(a);
	const char *wrapped = arena_printf(a, ",%s,", stored);
	for (const char *const *v = station_amenities; *v; v++)
		if (strstr(wrapped, arena_printf(a, ",%s,", *v)))
			tv_push(a, list, tv_str(a, *v));
	return list;
}

/* The districts that have active stations, as select options. */
static const char *const *
district_choices(struct req *r)
{
	return column_options(r, db_prep(r->app->db, sql_districts), NULL);
}

static void
bind_list(sqlite3_stmt *st, int wd, const char *hm, long long district,
    const char *amenity, int open, long long limit, long long offset)
{
	db_bind_int(st, 1, wd);
	db_bind_text(st, 2, hm);
	db_bind_int(st, 3, district);
	db_bind_text(st, 4, amenity);
	db_bind_int(st, 5, open);
	db_bind_int(st, 6, limit);
	db_bind_int(st, 7, offset);
}

/* The page's URL with these filters and page number (arena). */
static const char *
page_url(struct req *r, const char *district, const char *amenity, int open, long long page)
{
	struct buf b = {0};
	buf_puts(&b, "/stations");
	char sep = '?';
	if (*district) {
		buf_printf(&b, "%cdistrict=", sep);
		buf_put_urlencoded(&b, district, 0);
		sep = '&';
	}
	if (*amenity) {
		buf_printf(&b, "%cservice=", sep);
		buf_put_urlencoded(&b, amenity, 0);
		sep = '&';
	}
	if (open) {
		buf_printf(&b, "%copen=1", sep);
		sep = '&';
	}
	if (page > 1)
		buf_printf(&b, "%cpage=%lld", sep, page);
	const char *u = arena_strdup(r->a, b.p);
	buf_free(&b);
	return u;
}

static void
stations_get(struct req *r)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	char hm[6];
	int wd = beijing_now(hm);
	const char *district = queue_param(r, "district", 200);
	const char *amenity = queue_param(r, "service", 50);
	const char *open_q = req_query(r, "open"), *page_q = req_query(r, "page");
	int open = open_q && strcmp(open_q, "1") == 0;
	long long page = 1;
	if (page_q && *page_q && strlen(page_q) < 6 && strspn(page_q, "0123456789") == strlen(page_q))
		page = atoll(page_q) > 0 ? atoll(page_q) : 1;
	const char *key = arena_printf(a, "/stations\n%s\n%s\n%d\n%lld\n%d %s",
	    district, amenity, open, page, wd, hm);
	long long version;
	if (page_cached(r, key, &version))
		return;
	long long did = 0;
	if (*district && (did = district_id(r, district)) == 0) {
		tv_puts(a, ctx, "filter_error", "没有这个区县,下面列出全部区县的驿站。");
		district = "";
	}
	if (*amenity && !station_amenity_ok(amenity)) {
		tv_puts(a, ctx, "filter_error", "没有这项服务,下面列出全部服务的驿站。");
		amenity = "";
	}
	sqlite3_stmt *cnt = db_prep(r->app->db, did ? sql_count_district : sql_count_all);
	if (cnt == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	bind_list(cnt, wd, hm, did, amenity, open, 0, 0);
	int rc = sqlite3_step(cnt);
	long long total = rc == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : 0;
	sqlite3_reset(cnt);
	if (rc != SQLITE_ROW) {
		answer_db_failure(r, rc);
		return;
	}
	long long pages = (total + STATIONS_PAGE - 1) / STATIONS_PAGE;
	if (page > pages && pages > 0)
		page = pages;
	sqlite3_stmt *st = db_prep(r->app->db, did ? sql_list_district : sql_list_all);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	bind_list(st, wd, hm, did, amenity, open, STATIONS_PAGE, (page - 1) * STATIONS_PAGE);
	struct tval *rows = tv_list(a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		tv_putf(a, m, "url", "/s/%s", db_col_text(st, 1));
		tv_puts(a, m, "name", db_col_text(st, 2));
		tv_puts(a, m, "address", db_col_text(st, 3));
		tv_puts(a, m, "landmark", db_col_text(st, 4));
		tv_puts(a, m, "district", db_col_text(st, 5));
		int has_hours = sqlite3_column_int(st, 8);
		tv_putb(a, m, "open_now", sqlite3_column_int(st, 6));
		tv_putb(a, m, "has_hours", has_hours);
		if (has_hours)
			tv_puts(a, m, "today", today_text(a, db_col_text(st, 7)));
		tv_put(a, m, "amenities", amenity_list(a, db_col_text(st, 9)));
		tv_push(a, rows, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	tv_put(a, ctx, "rows", rows);
	tv_putb(a, ctx, "has_rows", rows->n > 0);
	tv_puti(a, ctx, "total", total);
	tv_putb(a, ctx, "filtered", *district || *amenity || open);
	tv_put(a, ctx, "districts", select_options(r, district_choices(r), district));
	tv_put(a, ctx, "services", select_options(r, station_amenities, amenity));
	tv_putb(a, ctx, "open", open);
	tv_puts(a, ctx, "weekday", weekday_names[wd]);
	tv_puts(a, ctx, "now", hm);
	if (pages > 1) {
		tv_putf(a, ctx, "page_of", "第 %lld / %lld 页", page, pages);
		if (page > 1)
			tv_puts(a, ctx, "prev", page_url(r, district, amenity, open, page - 1));
		if (page < pages)
			tv_puts(a, ctx, "next", page_url(r, district, amenity, open, page + 1));
	}
	resp_render(r, 200, "stations/list", ctx);
	page_keep(r, key, version);
}

/* "tel:" and the phone's digits (and a leading +), for the link. */
static const char *
tel_href(struct arena *a, const char *phone)
{
	char *out = arena_alloc(a, strlen(phone) + 5), *o = out;
	memcpy(o, "tel:", 4);
	o += 4;
	for (const char *p = phone; *p; p++)
		if ((*p >= '0' && *p <= '9') || (*p == '+' && o == out + 4))
			*o++ = *p;
	*o = '\0';
	return out;
}

static void
station_page(struct req *r)
{
	struct arena *a = r->a;
	const char *code = r->params[0];
	if (code == NULL || station_code_problem(code) != NULL) {
		resp_error(r, 404, NULL);
		return;
	}
	char hm[6];
	int wd = beijing_now(hm), open = 0;
	const char *key = arena_printf(a, "/s/%s\n%d %s", code, wd, hm);
	long long version;
	if (page_cached(r, key, &version))
		return;
	sqlite3_stmt *st = db_prep(r->app->db, sql_station);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_text(st, 1, code);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			resp_error(r, 404, "找不到这个驿站。二维码可能已经过期,请在“工会驿站”列表里查找附近的驿站。");
		else
			answer_db_failure(r, rc);
		return;
	}
	struct tval *ctx = tv_map(a);
	long long id = sqlite3_column_int64(st, 0);
	const char *canon = arena_strdup(a, db_col_text(st, 1));
	tv_puts(a, ctx, "code", canon);
	tv_puts(a, ctx, "name", db_col_text(st, 2));
	tv_puts(a, ctx, "address", db_col_text(st, 3));
	tv_puts(a, ctx, "landmark", db_col_text(st, 4));
	tv_puts(a, ctx, "motto", db_col_text(st, 5));
	const char *phone = arena_strdup(a, db_col_text(st, 6));
	tv_puts(a, ctx, "phone", phone);
	if (*phone)
		tv_puts(a, ctx, "tel", tel_href(a, phone));
	tv_puts(a, ctx, "district", db_col_text(st, 7));
	sqlite3_reset(st);

	struct week_hours w;
	hours_clear(&w);
	if ((st = db_prep(r->app->db, sql_hours)) != NULL) {
		db_bind_int(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW)
			hours_add(&w, sqlite3_column_int(st, 0), db_col_text(st, 1), db_col_text(st, 2));
		sqlite3_reset(st);
	}
	for (int i = 0; i < w.n[wd]; i++)
		open |= strcmp(w.day[wd][i].opens, hm) <= 0 && strcmp(hm, w.day[wd][i].closes) < 0;
	struct tval *days = tv_list(a);
	struct buf b = {0};
	for (int d = 1; d <= 7; d++) {
		struct tval *m = tv_map(a);
		buf_reset(&b);
		hours_day_text(&w, d, &b);
		tv_puts(a, m, "day", weekday_names[d]);
		tv_puts(a, m, "hours", b.p);
		tv_putb(a, m, "today", d == wd);
		tv_push(a, days, m);
	}
	buf_free(&b);
	tv_put(a, ctx, "days", days);
	tv_putb(a, ctx, "has_hours", !hours_empty(&w));
	tv_putb(a, ctx, "open_now", open);
	tv_puts(a, ctx, "now", hm);
	tv_puts(a, ctx, "weekday", weekday_names[wd]);

	struct buf am = {0};
	buf_put(&am, "", 0);
	if ((st = db_prep(r->app->db, sql_amenities)) != NULL) {
		db_bind_int(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW)
			buf_printf(&am, "%s%s", am.len ? "," : "", db_col_text(st, 0));
		sqlite3_reset(st);
	}
	struct tval *amen = amenity_list(a, am.p);
	buf_free(&am);
	tv_put(a, ctx, "amenities", amen);
	tv_putb(a, ctx, "has_amenities", amen->n > 0);
	resp_render(r, 200, "stations/station", ctx);
	page_keep(r, key, version);
}

const struct route page_stations_routes[] = {
	{"GET", "/stations", stations_get, ACCESS_PUBLIC, NULL},
	{"GET", "/s/{code}", station_page, ACCESS_PUBLIC, NULL},
	{0},
};
