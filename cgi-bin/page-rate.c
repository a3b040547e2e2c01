/*
 * page-rate.c - 评价这个驿站: a worker rates the station whose QR code
 * they scanned, and may leave a phone to enter that month's draw
 * (page-staff-ratings.c draws it).
 *
 *   GET  /s/{code}/rate        the form: 设施, 卫生, 服务, 便利 (1–5 stars),
 *                              意见建议, 手机号 (optional: the draw)
 *   POST /s/{code}/rate        validate, store, 303 to the thank-you page
 *   GET  /s/{code}/rate/done   thank you (?draw=1: and you are in the draw)
 *
 * An unknown or retired station code is the 404 page.  One draw entry
 * per phone per station per Shanghai month (the unique index of 0012):
 * a second rating with that phone is stored without it, anonymous, and
 * answered like any other (the phone is in the draw through its first),
 * so the answer never tells whether a phone rated a station before (no
 * public answer depends on what is stored about someone else).  This very
 * page sent again is the same thank-you, stored once (its form nonce).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "valid.h"
#include "when.h"
#include "writer.h"

#define STATION_CODE_MAX 32

static const char *const scores[] = {"1", "2", "3", "4", "5", NULL};
/* What each score means, shown after its stars. */
static const char *const score_words[] = {"很差", "较差", "一般", "满意", "很满意"};

enum { R_FACILITIES, R_HYGIENE, R_SERVICE, R_CONVENIENCE, R_COMMENT, R_PHONE, R__N };

static const struct field rate_fields[R__N] = {
	[R_FACILITIES] = {"facilities", "设施", F_RADIO, 1, 0, 0, scores,
	    "饮水、热饭、充电、休息等设施是否齐全好用", NULL},
	[R_HYGIENE] = {"hygiene", "卫生", F_RADIO, 1, 0, 0, scores,
	    "驿站是否干净整洁", NULL},
	[R_SERVICE] = {"service", "服务", F_RADIO, 1, 0, 0, scores,
	    "工作人员是否热情周到", NULL},
	[R_CONVENIENCE] = {"convenience", "便利", F_RADIO, 1, 0, 0, scores,
	    "是否好找、开放时间是否方便", NULL},
	[R_COMMENT] = {"comment", "意见建议", F_TEXTAREA, 0, 0, 200, NULL,
	    "选填,最多 200 字", NULL},
	[R_PHONE] = {"phone", "手机号", F_PHONE, 0, 0, 0, NULL,
	    "选填。留下手机号即参加本月“驿站体验官”抽奖,中奖后工会将与您联系;"
	    "同一手机号每月在同一驿站只计一次抽奖机会。", NULL},
};

/* In the job: the station as it is now, whether this page was stored,
 * whether the phone already has its draw entry here this month. */
static const char sql_station_now[] =
    "SELECT coalesce(district_id, 0) FROM stations WHERE id = ?1 AND active = 1";
static const char sql_again[] =
    "SELECT 1 FROM station_ratings WHERE form_nonce = ?1";
static const char sql_phone_taken[] =
    "SELECT 1 FROM station_ratings WHERE station_id = ?1 AND month = ?2 AND phone = ?3";
static const char sql_insert[] =
    "INSERT INTO station_ratings (station_id, district_id, month, facilities,"
    " hygiene, service, convenience, comment, phone, form_nonce, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* The active station of the path's {code}, exactly as its QR code prints
 * it; 0 (and the 404 page answered) when there is none. */
static int
station_of(struct req *r, struct station_ref *s)
{
	if (station_find(r, r->params[0], s) == 0 ||
	    strcmp(s->code, r->params[0]) != 0) {
		resp_error(r, 404, NULL);
		return 0;
	}
	return 1;
}

/* The four score fields' options as stars: [{value, stars, word, i,
 * selected}] (the radio partial's options, with the stars to show). */
static void
star_options(struct req *r, struct tval *view, const struct fresult *res)
{
	static const char *const names[] = {"facilities", "hygiene", "service", "convenience"};
	struct arena *a = r->a;
	for (size_t k = 0; k < ZJ_NELEM(names); k++) {
		struct tval *f = tv_get(view, names[k]), *opts = tv_list(a);
		const char *chosen = res ? res[k].value : "";
		for (int i = 0; i < 5; i++) {
			struct tval *o = tv_map(a);
			char stars[32] = "";
			for (int s = 0; s < 5; s++)
				strcat(stars, s <= i ? "★" : "☆");
			tv_puts(a, o, "value", scores[i]);
			tv_puts(a, o, "stars", stars);
			tv_puts(a, o, "word", score_words[i]);
			tv_puti(a, o, "i", i);
			tv_putb(a, o, "selected", strcmp(chosen, scores[i]) == 0);
			tv_push(a, opts, o);
		}
		tv_put(a, f, "options", opts);
	}
}

static void
show_form(struct req *r, int status, const struct station_ref *s,
    const struct fresult *res, const char *form_error)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	struct tval *view = form_view(r, rate_fields, R__N, res);
	star_options(r, view, res);
	tv_put(a, ctx, "f", view);
	tv_puts(a, ctx, "token", form_token(r, "rate"));
	if (form_error)
		tv_puts(a, ctx, "form_error", form_error);
	tv_puts(a, ctx, "station", s->name);
	tv_puts(a, ctx, "code", s->code);
	resp_render(r, status, "rate/form", ctx);
}

static void
rate_get(struct req *r)
{
	struct station_ref s;
	if (station_of(r, &s))
		show_form(r, 200, &s, NULL, NULL);
}

/* 1 when the bound statement st finds a row; 0 when not; minus the
 * SQLite code on failure.  Resets st. */
static int
exists(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -rc;
}

/*
 * Job "rating.store": the page's fields, "station" and "nonce".  Stores
 * the rating in the station's district and this Shanghai month; without
 * its phone when that phone rated the station this month already (its
 * first rating is its draw entry).  SQLITE_DONE (also, storing nothing,
 * when this page was stored before); SQLITE_CONSTRAINT with "why" =
 * "station" when the station is gone; or the failing code.
 */
static int
rating_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	const struct fresult *res = job_form(a, in, rate_fields, R__N);
	long long station = job_int(in, "station", 0);
	const char *nonce = job_text(in, "nonce");
	char month[16], now[32];
	sqlite3_stmt *st;
	int found;
	shanghai_month(month, sizeof(month));
	utc_now_iso(now, sizeof(now));

	if (nonce && *nonce) {
		if ((st = db_prep(db, sql_again)) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, nonce);
		if ((found = exists(st)) != 0)
			return found > 0 ? SQLITE_DONE : -found;
	}
	if ((st = db_prep(db, sql_station_now)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, station);
	int rc = sqlite3_step(st);
	long long district = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		job_put_text(out, "why", "station");
		return SQLITE_CONSTRAINT;
	}
	if (rc != SQLITE_ROW)
		return rc;
	const char *phone = res[R_PHONE].value;
	if (*phone) {
		if ((st = db_prep(db, sql_phone_taken)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, station);
		db_bind_text(st, 2, month);
		db_bind_text(st, 3, phone);
		if ((found = exists(st)) < 0)
			return -found;
		if (found)
			phone = "";     /* anonymous: the first one is in the draw */
	}
	if ((st = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, station);
	if (district)
		db_bind_int(st, 2, district);
	db_bind_text(st, 3, month);
	for (int i = R_FACILITIES; i <= R_CONVENIENCE; i++)
		db_bind_int(st, 4 + i, atoi(res[i].value));
	db_bind_text(st, 8, res[R_COMMENT].value);
	db_bind_text(st, 9, phone);
	db_bind_text(st, 10, nonce ? nonce : "");
	db_bind_text(st, 11, now);
	return db_exec_stmt(db, st);
}

static void
rate_post(struct req *r)
{
	struct station_ref s;
	if (!station_of(r, &s))
		return;
	struct fresult res[R__N];
	const char *guard = pubform_guard(r, "rate");
	int errors = form_check(r, rate_fields, R__N, res);
	if (guard || errors) {
		show_form(r, 422, &s, res, guard);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "rating.store");
	job_put_form(&in, rate_fields, R__N, res);
	job_put_int(&in, "station", s.id);
	job_put_text(&in, "nonce", form_token_nonce(r->a, req_field(r, "_token")));
	int rc = store_job(r, &in, &out);
	const char *why = job_text(&out, "why");
	if ((rc & 0xff) == SQLITE_CONSTRAINT && why && strcmp(why, "station") == 0) {
		resp_error(r, 404, NULL);   /* retired while the form was open */
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	struct buf b = {0};
	buf_puts(&b, "/s/");
	buf_put_pct(&b, s.code, "-");
	buf_puts(&b, res[R_PHONE].value[0] ? "/rate/done?draw=1" : "/rate/done");
	const char *to = arena_strdup(r->a, b.p);
	buf_free(&b);
	resp_redirect(r, 303, to);
}

static void
rate_done(struct req *r)
{
	struct station_ref s;
	if (!station_of(r, &s))
		return;
	struct tval *ctx = tv_map(r->a);
	char month[16];
	shanghai_month(month, sizeof(month));
	const char *draw = req_query(r, "draw");
	tv_puts(r->a, ctx, "station", s.name);
	tv_puts(r->a, ctx, "code", s.code);
	if (draw && strcmp(draw, "1") == 0)
		tv_putf(r->a, ctx, "draw_month", "%.4s年%d月", month, atoi(month + 5));
	resp_render(r, 200, "rate/done", ctx);
}

const struct job_type page_rate_jobs[] = {
	{"rating.store", rating_job},
	{0},
};

const struct route page_rate_routes[] = {
	{"GET", "/s/{code}/rate", rate_get, ACCESS_PUBLIC, NULL},
	{"POST", "/s/{code}/rate", rate_post, ACCESS_PUBLIC, NULL},
	{"GET", "/s/{code}/rate/done", rate_done, ACCESS_PUBLIC, NULL},
	{0},
};
