/*
 * page-staff-ratings.c - 驿站评价 for staff: how workers rate the stations
 * month by month, what they wrote, and the monthly draw per district.
 *
 *   GET  /staff/ratings         ?month=2026-11 (default: this month)
 *                               &district=朝阳区 (admins) &before=ID (comments pager)
 *   POST /staff/ratings/draw    month, district (id), winners: draw the month's
 *                               winners of one district
 *
 * Admins see every district; a reviewer bound to a district sees and draws
 * only its stations (another district's draw is the 404 page, as a record
 * they cannot see).  A rating belongs to the district its station had
 * when it was given (station_ratings.district_id).
 *
 * The draw (draw.h has the algorithm): only for a month that has ended
 * in Beijing time; among the month's raters of the district who left a
 * phone, one entry per phone; the seed is 32 random bytes, stored with the
 * draw, so anyone can run it again and get the same winners.  One draw per
 * district and month (the unique key of rating_draws), audited with its
 * seed.  The winners' phones are shown in full to admins, masked
 * (138****5678) to everyone else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "draw.h"
#include "http.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"
#include "writer.h"

#define ACCESS_RATINGS (ROLE_ADMIN | ROLE_REVIEWER)
#define COMMENTS_PAGE 50
#define WINNERS_MAX 100     /* rating_draws.winners' CHECK */

/* Averages of each station in the month. */
static const char sql_averages[] =
    "SELECT s.name, coalesce(d.name, ''), count(*), sum(r.facilities),"
    "  sum(r.hygiene), sum(r.service), sum(r.convenience)"
    " FROM station_ratings r JOIN stations s ON s.id = r.station_id"
    " LEFT JOIN districts d ON d.id = r.district_id"
    " WHERE r.month = ?1 AND (?2 = 0 OR r.district_id = ?2)"
    " GROUP BY r.station_id ORDER BY d.code, s.name, s.id";
/* The comments, newest first, a page at a time. */
static const char sql_comments[] =
    "SELECT r.id, r.created_at, s.name, coalesce(d.name, ''), r.facilities,"
    "  r.hygiene, r.service, r.convenience, r.comment, r.phone"
    " FROM station_ratings r JOIN stations s ON s.id = r.station_id"
    " LEFT JOIN districts d ON d.id = r.district_id"
    " WHERE r.month = ?1 AND (?2 = 0 OR r.district_id = ?2) AND r.comment <> ''"
    " AND r.id < ?3 ORDER BY r.id DESC LIMIT ?4";
/* The districts whose draw the page shows: active ones, and any other
 * with ratings or a draw that month; the entrants (distinct phones) and
 * the draw, if any. */
static const char sql_draws[] =
    "SELECT d.id, d.name,"
    "  (SELECT count(DISTINCT r.phone) FROM station_ratings r"
    "   WHERE r.month = ?1 AND r.district_id = d.id AND r.phone <> ''),"
    "  g.id, coalesce(g.seed, ''), coalesce(g.winners, 0), coalesce(g.entrants, 0),"
    "  coalesce(g.created_at, ''), coalesce(t.display_name, ''), coalesce(t.username, '')"
    " FROM districts d"
    " LEFT JOIN rating_draws g ON g.district_id = d.id AND g.month = ?1"
    " LEFT JOIN staff t ON t.id = g.staff_id"
    " WHERE (?2 = 0 OR d.id = ?2) AND (d.active = 1 OR g.id IS NOT NULL"
    "  OR EXISTS (SELECT 1 FROM station_ratings r WHERE r.month = ?1"
    "   AND r.district_id = d.id))"
    " ORDER BY d.code";
static const char sql_winners[] =
    "SELECT w.rank, r.phone, s.name, r.created_at"
    " FROM rating_draw_winners w JOIN station_ratings r ON r.id = w.rating_id"
    " JOIN stations s ON s.id = r.station_id"
    " WHERE w.draw_id = ?1 ORDER BY w.rank";
static const char sql_district[] =
    "SELECT name FROM districts WHERE id = ?1";
static const char sql_district_by_name[] =
    "SELECT id FROM districts WHERE name = ?1";

/* In the job. */
static const char sql_drawn[] =
    "SELECT 1 FROM rating_draws WHERE district_id = ?1 AND month = ?2";
/* Step 1 of draw.h: one entry per phone (its first rating), by id. */
static const char sql_entrants[] =
    "SELECT min(id) FROM station_ratings"
    " WHERE district_id = ?1 AND month = ?2 AND phone <> ''"
    " GROUP BY phone ORDER BY 1";
static const char sql_draw_insert[] =
    "INSERT INTO rating_draws (district_id, month, seed, winners, entrants,"
    " staff_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_winner_insert[] =
    "INSERT INTO rating_draw_winners (draw_id, rank, rating_id) VALUES (?1, ?2, ?3)";

enum { D_WINNERS, D__N };
static const struct field draw_fields[D__N] = {
	[D_WINNERS] = {"winners", "中奖人数", F_INT, 1, 1, WINNERS_MAX, NULL, NULL, NULL},
};

/* ---- months ---- */

/* 1 when s is a month "YYYY-MM" (2000–2999). */
static int
month_ok(const char *s)
{
	return s != NULL && strlen(s) == 7 && s[0] == '2' && strspn(s, "0123456789") == 4 &&
	    s[4] == '-' && strspn(s + 5, "0123456789") == 2 &&
	    atoi(s + 5) >= 1 && atoi(s + 5) <= 12;
}

/* The month delta months from m ("2026-01", -1 → "2025-12"), arena. */
static const char *
month_add(struct arena *a, const char *m, int delta)
{
	int y = atoi(m), mo = atoi(m + 5) - 1 + delta;
	y += mo >= 0 ? mo / 12 : -((11 - mo) / 12);
	mo = ((mo % 12) + 12) % 12;
	return arena_printf(a, "%04d-%02d", y, mo + 1);
}

/* "2026年11月". */
static const char *
month_words(struct arena *a, const char *m)
{
	return arena_printf(a, "%.4s年%d月", m, atoi(m + 5));
}

/* ---- the page ---- */

static const char *
avg(struct arena *a, long long sum, long long n)
{
	return n ? arena_printf(a, "%.2f", (double)sum / (double)n) : "—";
}

/* sql with ?1 the month and ?2 the district (0: every one) bound, or NULL. */
static sqlite3_stmt *
month_stmt(struct req *r, const char *sql, const char *month, long long district)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st) {
		db_bind_text(st, 1, month);
		db_bind_int(st, 2, district);
	}
	return st;
}

/* {rows: [{station, district, n, facilities, hygiene, service,
 * convenience, overall}], total: {…}, has_rows}. */
static int
averages(struct req *r, struct tval *ctx, const char *month, long long district)
{
	struct arena *a = r->a;
	struct tval *rows = tv_list(a), *total = tv_map(a);
	long long all[5] = {0};
	sqlite3_stmt *st = month_stmt(r, sql_averages, month, district);
	if (st == NULL)
		return SQLITE_ERROR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		long long n = sqlite3_column_int64(st, 2), sum = 0;
		static const char *const dims[] = {"facilities", "hygiene", "service", "convenience"};
		tv_puts(a, m, "station", db_col_text(st, 0));
		tv_puts(a, m, "district", db_col_text(st, 1));
		tv_puti(a, m, "n", n);
		all[4] += n;
		for (int i = 0; i < 4; i++) {
			long long s = sqlite3_column_int64(st, 3 + i);
			tv_puts(a, m, dims[i], avg(a, s, n));
			all[i] += s;
			sum += s;
		}
		tv_puts(a, m, "overall", avg(a, sum, 4 * n));
		tv_push(a, rows, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	tv_puti(a, total, "n", all[4]);
	tv_puts(a, total, "facilities", avg(a, all[0], all[4]));
	tv_puts(a, total, "hygiene", avg(a, all[1], all[4]));
	tv_puts(a, total, "service", avg(a, all[2], all[4]));
	tv_puts(a, total, "convenience", avg(a, all[3], all[4]));
	tv_puts(a, total, "overall", avg(a, all[0] + all[1] + all[2] + all[3], 4 * all[4]));
	tv_put(a, ctx, "averages", rows);
	tv_put(a, ctx, "total", total);
	tv_putb(a, ctx, "has_averages", rows->n > 0);
	return SQLITE_DONE;
}

/* The query string of the page for month (and the admin's district). */
static const char *
page_url(struct req *r, const char *month, const char *district, long long before)
{
	struct buf b = {0};
	buf_puts(&b, "/staff/ratings?month=");
	buf_puts(&b, month);
	if (district && *district) {
		buf_puts(&b, "&district=");
		buf_put_urlencoded(&b, district, 0);
	}
	if (before)
		buf_printf(&b, "&before=%lld", before);
	const char *url = arena_strdup(r->a, b.p);
	buf_free(&b);
	return url;
}

static int
comments(struct req *r, struct tval *ctx, const char *month, long long district,
    const char *district_name)
{
	struct arena *a = r->a;
	const char *bq = req_query(r, "before");
	long long before = bq && strspn(bq, "0123456789") == strlen(bq) && strlen(bq) < 19 ?
	    atoll(bq) : 0;
	sqlite3_stmt *st = month_stmt(r, sql_comments, month, district);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 3, before > 0 ? before : INT64_MAX);
	db_bind_int(st, 4, COMMENTS_PAGE + 1);
	struct tval *rows = tv_list(a);
	long long last = 0;
	int more = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows->n == COMMENTS_PAGE) {
			more = 1;
			break;
		}
		struct tval *m = tv_map(a);
		char when[32], phone[16];
		last = sqlite3_column_int64(st, 0);
		mask_phone(db_col_text(st, 9), phone);
		tv_puts(a, m, "at", short_time(db_col_text(st, 1), when, sizeof(when)));
		tv_puts(a, m, "station", db_col_text(st, 2));
		tv_puts(a, m, "district", db_col_text(st, 3));
		tv_putf(a, m, "scores", "设施 %d · 卫生 %d · 服务 %d · 便利 %d",
		    sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
		    sqlite3_column_int(st, 6), sqlite3_column_int(st, 7));
		tv_puts(a, m, "comment", db_col_text(st, 8));
		tv_puts(a, m, "phone", phone);
		tv_push(a, rows, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	tv_put(a, ctx, "comments", rows);
	tv_putb(a, ctx, "has_comments", rows->n > 0);
	if (more)
		tv_puts(a, ctx, "next", page_url(r, month, district_name, last));
	if (before)
		tv_puts(a, ctx, "first", page_url(r, month, district_name, 0));
	return SQLITE_DONE;
}

static struct tval *
winners(struct req *r, long long draw_id, int full)
{
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql_winners);
	if (st == NULL)
		return list;
	db_bind_int(st, 1, draw_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		char when[32], phone[16];
		mask_phone(db_col_text(st, 1), phone);
		tv_puti(a, m, "rank", sqlite3_column_int64(st, 0));
		tv_puts(a, m, "phone", full ? db_col_text(st, 1) : phone);
		tv_puts(a, m, "station", db_col_text(st, 2));
		tv_puts(a, m, "at", short_time(db_col_text(st, 3), when, sizeof(when)));
		tv_push(a, list, m);
	}
	sqlite3_reset(st);
	return list;
}

/* What the page says about one district's draw. */
struct draw_note {
	long long district;
	const char *error;      /* beside that district's form */
	const char *winners;    /* the number typed, kept */
};

static int
draws(struct req *r, struct tval *ctx, const char *month, long long district,
    int finished, const struct draw_note *note)
{
	struct arena *a = r->a;
	const struct staff *who = staff_of(r);
	int full = (who->roles & ROLE_ADMIN) != 0;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = month_stmt(r, sql_draws, month, district);
	if (st == NULL)
		return SQLITE_ERROR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		long long id = sqlite3_column_int64(st, 0);
		long long entrants = sqlite3_column_int64(st, 2);
		tv_puti(a, m, "district_id", id);
		tv_puts(a, m, "district", db_col_text(st, 1));
		tv_puti(a, m, "entrants", entrants);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			const char *display = db_col_text(st, 8), *user = db_col_text(st, 9);
			tv_putb(a, m, "drawn", 1);
			tv_puts(a, m, "seed", db_col_text(st, 4));
			tv_puti(a, m, "winners_n", sqlite3_column_int64(st, 5));
			tv_puti(a, m, "pool", sqlite3_column_int64(st, 6));
			tv_puts(a, m, "at", show_datetime(a, db_col_text(st, 7)));
			tv_puts(a, m, "by", *display ? arena_printf(a, "%s(%s)", display, user) : user);
			tv_put(a, m, "winners", winners(r, sqlite3_column_int64(st, 3), full));
		} else if (finished && entrants > 0) {
			tv_putb(a, m, "can_draw", 1);
			tv_puts(a, m, "suggest", note && note->district == id && note->winners ?
			    note->winners : entrants < 3 ? arena_printf(a, "%lld", entrants) : "3");
		}
		if (note && note->district == id && note->error)
			tv_puts(a, m, "error", note->error);
		tv_push(a, list, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	tv_put(a, ctx, "draws", list);
	tv_putb(a, ctx, "full_phones", full);
	return SQLITE_DONE;
}

static const char *
district_name_of(struct req *r, long long id)
{
	const char *name = "";
	sqlite3_stmt *st = db_prep(r->app->db, sql_district);
	if (st == NULL)
		return name;
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		name = arena_strdup(r->a, db_col_text(st, 0));
	sqlite3_reset(st);
	return name;
}

/* The page for month; note (may be NULL) says how a draw went. */
static void
ratings_page(struct req *r, int status, const char *month,
    const struct draw_note *note, const char *notice)
{
	struct arena *a = r->a;
	const struct staff *who = staff_of(r);
	struct tval *ctx = tv_map(a);
	char now[16];
	shanghai_month(now, sizeof(now));
	long long district = who->district_id;
	const char *dname = "";
	if (district == 0) {
		const char *want = req_query(r, "district");
		if (want && *want) {
			sqlite3_stmt *st = db_prep(r->app->db, sql_district_by_name);
			if (st) {
				db_bind_text(st, 1, want);
				if (sqlite3_step(st) == SQLITE_ROW) {
					district = sqlite3_column_int64(st, 0);
					dname = arena_strdup(a, want);
				} else
					tv_puts(a, ctx, "filter_error", "没有这个区县");
				sqlite3_reset(st);
			}
		}
		int sample;
		struct tval *opts = tv_list(a);
		for (const char *const *o = district_options(r, &sample); *o; o++) {
			struct tval *m = tv_map(a);
			tv_puts(a, m, "value", *o);
			tv_putb(a, m, "selected", strcmp(*o, dname) == 0);
			tv_push(a, opts, m);
		}
		tv_put(a, ctx, "districts", opts);
		tv_putb(a, ctx, "pick_district", 1);
	}
	int finished = strcmp(month, now) < 0;
	tv_puts(a, ctx, "month", month);
	tv_puts(a, ctx, "month_words", month_words(a, month));
	tv_puts(a, ctx, "scope", who->district_id ? who->district : *dname ? dname : "全部区县");
	tv_puts(a, ctx, "prev", page_url(r, month_add(a, month, -1), dname, 0));
	if (strcmp(month, now) < 0)
		tv_puts(a, ctx, "next_month", page_url(r, month_add(a, month, 1), dname, 0));
	tv_putb(a, ctx, "finished", finished);
	if (!finished)
		tv_puts(a, ctx, "draw_from", month_words(a, month_add(a, month, 1)));
	if (notice)
		tv_puts(a, ctx, "notice", notice);
	if (note && note->district == 0 && note->error)
		tv_puts(a, ctx, "error", note->error);
	int rc = averages(r, ctx, month, district);
	if (rc == SQLITE_DONE)
		rc = comments(r, ctx, month, district, dname);
	if (rc == SQLITE_DONE)
		rc = draws(r, ctx, month, district, finished, note);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_render(r, status, "staff/ratings/list", ctx);
}

static void
ratings_get(struct req *r)
{
	char now[16];
	shanghai_month(now, sizeof(now));
	const char *m = req_query(r, "month");
	const char *month = month_ok(m) && strcmp(m, now) <= 0 ? m : arena_strdup(r->a, now);
	const char *done = req_query(r, "done");
	ratings_page(r, 200, month, NULL, done && strcmp(done, "drawn") == 0 ?
	    "已完成抽奖。中奖名单和随机种子已保存,并记入审计日志。" : NULL);
}

/* ---- the draw ---- */

struct draw_input {
	long long district;
	const char *month, *seed, *district_name;
	long long winners;
	const char *why;          /* out: why refused */
	long long entrants;       /* out */
};

static long long
one_id(struct db *db, const char *sql, long long a1, const char *a2, int *rc)
{
	sqlite3_stmt *st = db_prep(db, sql);
	long long v = 0;
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return 0;
	}
	db_bind_int(st, 1, a1);
	db_bind_text(st, 2, a2);
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* store_fn: the draw of in->district and in->month with in->seed (see
 * draw.h), its winners and the audit entry.  SQLITE_DONE; SQLITE_AUTH
 * outside who's district; SQLITE_CONSTRAINT with in->why set when the
 * month has not ended, was drawn already, has no entrants or fewer than
 * in->winners; or the failing code. */
static int
draw_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct draw_input *in = arg;
	char now_month[16], now[32];
	int rc = store_district_wall(db, who, in->district);
	if (rc != SQLITE_OK)
		return rc;
	shanghai_month(now_month, sizeof(now_month));
	if (strcmp(in->month, now_month) >= 0) {
		in->why = "month";
		return SQLITE_CONSTRAINT;
	}
	one_id(db, sql_drawn, in->district, in->month, &rc);
	if (rc == SQLITE_ROW) {
		in->why = "drawn";
		return SQLITE_CONSTRAINT;
	}
	if (rc != SQLITE_DONE)
		return rc;
	sqlite3_stmt *st = db_prep(db, sql_entrants);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, in->district);
	db_bind_text(st, 2, in->month);
	size_t n = 0, cap = 64;
	long long *ids = arena_alloc(a, cap * sizeof(*ids));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			long long *more = arena_alloc(a, 2 * cap * sizeof(*ids));
			memcpy(more, ids, n * sizeof(*ids));
			ids = more;
			cap *= 2;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	in->entrants = (long long)n;
	if (n == 0 || (size_t)in->winners > n) {
		in->why = n == 0 ? "none" : "few";
		return SQLITE_CONSTRAINT;
	}
	draw_shuffle(in->seed, ids, n);

	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_draw_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, in->district);
	db_bind_text(st, 2, in->month);
	db_bind_text(st, 3, in->seed);
	db_bind_int(st, 4, in->winners);
	db_bind_int(st, 5, (long long)n);
	if (who->staff_id)
		db_bind_int(st, 6, who->staff_id);
	db_bind_text(st, 7, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			in->why = "drawn";
		return rc;
	}
	long long draw_id = sqlite3_last_insert_rowid(db_handle(db));
	struct buf list = {0};
	for (long long k = 0; k < in->winners; k++) {
		if ((st = db_prep(db, sql_winner_insert)) == NULL) {
			buf_free(&list);
			return SQLITE_ERROR;
		}
		db_bind_int(st, 1, draw_id);
		db_bind_int(st, 2, k + 1);
		db_bind_int(st, 3, ids[k]);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE) {
			buf_free(&list);
			return rc;
		}
		buf_printf(&list, "%s%lld", k ? "," : "", ids[k]);
	}
	const char *detail = arena_printf(a, "种子=%s 参与=%zu 中奖=%lld 中奖评价编号=%s",
	    in->seed, n, in->winners, list.p ? list.p : "");
	buf_free(&list);
	return audit(db, who, AUDIT_RATING_DRAW,
	    arena_printf(a, "%s %s", in->district_name, in->month), detail);
}

/* Job "rating.draw": draw_store from "district", "month", "seed",
 * "winners", "district_name"; answers "why" and "entrants". */
static int
draw_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	struct draw_input di = {
		.district = job_int(in, "district", 0),
		.month = job_text(in, "month"),
		.seed = job_text(in, "seed"),
		.district_name = job_text(in, "district_name"),
		.winners = job_int(in, "winners", 0),
	};
	if (di.month == NULL || !month_ok(di.month) || !draw_seed_ok(di.seed) ||
	    di.winners < 1 || di.winners > WINNERS_MAX)
		return SQLITE_MISUSE;
	int rc = draw_store(db, &who, a, &di);
	job_put_text(out, "why", di.why);
	job_put_int(out, "entrants", di.entrants);
	return rc;
}

static void
draw_post(struct req *r)
{
	struct arena *a = r->a;
	const struct staff *who = staff_of(r);
	char now[16];
	shanghai_month(now, sizeof(now));
	const char *month = req_field(r, "month");
	const char *dq = req_field(r, "district");
	long long district = dq && *dq && strspn(dq, "0123456789") == strlen(dq) &&
	    strlen(dq) < 19 ? atoll(dq) : 0;
	if (!month_ok(month) || strcmp(month, now) > 0) {
		struct draw_note bad = {.error = "抽奖月份应为已经结束的月份,格式如 2026-11。"};
		ratings_page(r, 422, now, &bad, NULL);
		return;
	}
	const char *dname = district ? district_name_of(r, district) : "";
	if (*dname == '\0') {
		struct draw_note bad = {.error = "请在页面上相应区县的抽奖表单中提交。"};
		ratings_page(r, 422, month, &bad, NULL);
		return;
	}
	if (!staff_sees_district(who, district)) {
		resp_error(r, 404, NULL);
		return;
	}
	struct fresult res[D__N];
	struct draw_note note = {.district = district};
	if (form_check(r, draw_fields, D__N, res) > 0) {
		note.error = res[D_WINNERS].error;
		note.winners = res[D_WINNERS].value;
		ratings_page(r, 422, month, &note, NULL);
		return;
	}
	const char *seed = random_hex(a, DRAW_SEED_LEN / 2);
	if (seed == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "rating.draw");
	job_put_int(&in, "district", district);
	job_put_text(&in, "district_name", dname);
	job_put_text(&in, "month", month);
	job_put_text(&in, "seed", seed);
	job_put_int(&in, "winners", res[D_WINNERS].num);
	int rc = store_job(r, &in, &out);
	const char *why = job_text(&out, "why");
	if ((rc & 0xff) == SQLITE_CONSTRAINT && why) {
		long long n = job_int(&out, "entrants", 0);
		note.winners = res[D_WINNERS].value;
		if (strcmp(why, "month") == 0)
			note.error = arena_printf(a, "%s尚未结束,%s 1 日起才能抽奖。",
			    month_words(a, month), month_words(a, month_add(a, month, 1)));
		else if (strcmp(why, "drawn") == 0)
			note.error = "这个区县本月已经抽过奖,每个区县每月只抽一次。";
		else if (strcmp(why, "none") == 0)
			note.error = "本月没有留下手机号的评价,无法抽奖。";
		else
			note.error = arena_printf(a, "本月只有 %lld 人参加抽奖,中奖人数不能多于 %lld。",
			    n, n);
		ratings_page(r, strcmp(why, "drawn") == 0 ? 409 : 422, month, &note, NULL);
		return;
	}
	struct buf b = {0};
	buf_printf(&b, "/staff/ratings?month=%s", month);
	if (who->district_id == 0) {
		buf_puts(&b, "&district=");
		buf_put_urlencoded(&b, dname, 0);
	}
	buf_printf(&b, "&done=drawn#draw-%lld", district);
	const char *to = arena_strdup(a, b.p);
	buf_free(&b);
	store_answer(r, rc, to);
}

const struct job_type page_staff_ratings_jobs[] = {
	{"rating.draw", draw_job},
	{0},
};

const struct route page_staff_ratings_routes[] = {
	{"GET", "/staff/ratings", ratings_get, ACCESS_RATINGS, NULL},
	{"POST", "/staff/ratings/draw", draw_post, ACCESS_RATINGS, NULL},
	{0},
};
