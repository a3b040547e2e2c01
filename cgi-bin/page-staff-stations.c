/*
 * page-staff-stations.c - 工会驿站: union service stations and the QR
 * posters that bring workers from a station to the joining form.
 *
 *   GET       /staff/stations               stations, with the applications each brought
 *   GET|POST  /staff/stations/new           add a station (name, district, code)
 *   GET       /staff/stations/{id}/poster   a printable A4 poster with the QR code
 *
 * Admin only.  A station's QR code points at <scheme>://<host>/join?src=CODE;
 * page-join.c records the station on the application.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "qr.h"
#include "queue.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "when.h"

#define CODE_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
#define HOST_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-"

enum { S_NAME, S_DISTRICT, S_CODE, S__N };

static const struct field station_fields[S__N] = {
	[S_NAME] = {.name = "name", .label = "驿站名称", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 100,
	    .placeholder = "例如:朝阳望京户外劳动者驿站"},
	[S_DISTRICT] = {.name = "district", .label = "所在区县", .kind = F_SELECT,
	    .required = 1},
	[S_CODE] = {.name = "code", .label = "驿站代码", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 32,
	    .hint = "字母、数字或 -,最多 32 个字符;印在二维码的链接里,添加后不能修改",
	    .placeholder = "例如:CY-WJ-01"},
};

static const char sql_list[] =
    "SELECT s.id, s.name, s.code, coalesce(d.name, ''), s.created_at,"
    " (SELECT count(*) FROM join_applications j WHERE j.station_id = s.id)"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.id < :below ORDER BY s.id DESC LIMIT :limit";
static const char sql_station[] =
    "SELECT s.id, s.name, s.code, coalesce(d.name, '')"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.id = ?1";
/* Codes that differ only in case would confuse people reading a poster. */
static const char sql_code_taken[] =
    "SELECT name FROM stations WHERE code = ?1 COLLATE NOCASE";
static const char sql_insert[] =
    "INSERT INTO stations (code, name, district_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";

/* ---- GET /staff/stations ---- */

static struct tval *
station_row(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	(void)f;
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	tv_puts(a, m, "name", db_col_text(st, 1));
	tv_puts(a, m, "code", db_col_text(st, 2));
	tv_puts(a, m, "district", db_col_text(st, 3));
	tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 4)));
	tv_puti(a, m, "applications", sqlite3_column_int64(st, 5));
	tv_putf(a, m, "poster", "/staff/stations/%lld/poster",
	    (long long)sqlite3_column_int64(st, 0));
	return m;
}

static const struct queue_plan list_plans[] = {{0, NULL, sql_list}};
static const struct queue stations = {
	.name = "stations", .path = "/staff/stations", .tmpl = "staff/stations/list",
	.plans = list_plans, .row = station_row,
};

static void
stations_list(struct req *r)
{
	struct arena *a = r->a;
	struct queue_filter f;
	queue_filter_parse(r, &f);
	struct tval *ctx = tv_map(a);
	int rc = queue_page(r, &stations, &f, ctx);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "created") == 0)
		tv_puts(a, ctx, "notice", "驿站已添加。点“二维码海报”打印,贴在驿站显眼处。");
	resp_render(r, 200, "staff/stations/list", ctx);
}

/* ---- GET|POST /staff/stations/new ---- */

static struct field *
form_fields(struct req *r)
{
	int sample;
	struct field *f = arena_alloc(r->a, sizeof(station_fields));
	memcpy(f, station_fields, sizeof(station_fields));
	f[S_DISTRICT].options = district_options(r, &sample);
	return f;
}

static void
show_form(struct req *r, int status, const struct field *f,
    const struct fresult *res)
{
	struct tval *ctx = tv_map(r->a);
	tv_put(r->a, ctx, "f", form_view(r, f, S__N, res));
	resp_render(r, status, "staff/stations/form", ctx);
}

static void
new_get(struct req *r)
{
	show_form(r, 200, form_fields(r), NULL);
}

/* The name of the station using code (any case), "" when free, or NULL
 * on a database error (*rc). */
static const char *
code_taken(struct db *db, struct arena *a, const char *code, int *rc)
{
	sqlite3_stmt *st = db_prep(db, sql_code_taken);
	const char *name = "";
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return NULL;
	}
	db_bind_text(st, 1, code);
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW)
		name = arena_strdup(a, db_col_text(st, 0));
	sqlite3_reset(st);
	if (*rc != SQLITE_ROW && *rc != SQLITE_DONE)
		return NULL;
	return name;
}

/*
 * Job "station.create": the station "code", "name", "district", the code
 * checked here, in the writer's transaction (so two people adding the
 * same code cannot both succeed), with its audit entry.  Returns
 * SQLITE_DONE; out "taken" is the name of the station that already has
 * the code (nothing stored), or absent.
 */
static int
create_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	char now[32];
	const char *code = job_text(in, "code"), *name = job_text(in, "name");
	if (code == NULL || name == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc;
	const char *taken = code_taken(db, a, code, &rc);
	if (taken == NULL)
		return rc;
	if (*taken) {
		job_put_text(out, "taken", taken);
		return SQLITE_DONE;
	}
	sqlite3_stmt *st = db_prep(db, sql_insert);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name);
	db_bind_int(st, 3, job_int(in, "district", 0));
	db_bind_text(st, 4, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_STATION_CREATE, code, name);
}

const struct job_type page_staff_stations_jobs[] = {
	{"station.create", create_job},
	{0},
};

static void
new_post(struct req *r)
{
	struct field *f = form_fields(r);
	struct fresult res[S__N];
	int errors = form_check(r, f, S__N, res);
	const char *code = res[S_CODE].value;
	if (!res[S_CODE].error && strspn(code, CODE_CHARS) != strlen(code)) {
		res[S_CODE].error = "驿站代码只能使用英文字母、数字和 -";
		errors++;
	}
	long long district = 0;
	if (!res[S_DISTRICT].error &&
	    (district = district_id(r, res[S_DISTRICT].value)) == 0) {
		res[S_DISTRICT].error = "请从列表中选择所在区县";
		errors++;
	}
	if (errors) {
		show_form(r, 422, f, res);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "station.create");
	job_put_text(&in, "code", code);
	job_put_text(&in, "name", res[S_NAME].value);
	job_put_int(&in, "district", district);
	int rc = store_job(r, &in, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	const char *taken = job_text(&out, "taken");
	if (taken) {
		res[S_CODE].error = arena_printf(r->a,
		    "驿站代码 %s 已被“%s”使用,请换一个", code, taken);
		show_form(r, 422, f, res);
		return;
	}
	resp_redirect(r, 303, "/staff/stations?done=created");
}

/* ---- GET /staff/stations/{id}/poster ---- */

static int
host_ok(const char *h)
{
	return h != NULL && *h != '\0' && strlen(h) <= 255 &&
	    strspn(h, HOST_CHARS) == strlen(h);
}

/*
 * "<scheme>://<host>[:port]" of this request, as the person's browser
 * reached us: the Host header when it is a plain host name, else the
 * server's name.  Debian's fastcgi_params pass HTTP_HOST as nginx's $host,
 * without the port: the server's port is added when it is not the
 * scheme's default.
 */
static const char *
site_origin(struct req *r)
{
	const char *scheme = r->https ? "https" : "http";
	const char *host = r->io.param(r->io.ctx, "HTTP_HOST");
	const char *port = r->io.param(r->io.ctx, "SERVER_PORT");
	if (!host_ok(host)) {
		host = r->io.param(r->io.ctx, "SERVER_NAME");
		if (!host_ok(host) || strchr(host, ':'))
			host = "localhost";
	}
	if (strchr(host, ':') == NULL && port && *port && strlen(port) <= 5 &&
	    strspn(port, "0123456789") == strlen(port) &&
	    strcmp(port, r->https ? "443" : "80") != 0)
		return arena_printf(r->a, "%s://%s:%s", scheme, host, port);
	return arena_printf(r->a, "%s://%s", scheme, host);
}

static void
poster(struct req *r)
{
	long long id = req_param_id(r, 0);
	if (id <= 0) {
		resp_error(r, 404, NULL);
		return;
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql_station);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_int(st, 1, id);
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	int rc = sqlite3_step(st);
	const char *code = "";
	if (rc == SQLITE_ROW) {
		tv_puts(a, ctx, "name", db_col_text(st, 1));
		code = arena_strdup(a, db_col_text(st, 2));
		tv_puts(a, ctx, "code", code);
		tv_puts(a, ctx, "district", db_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			resp_error(r, 404, NULL);
		else
			answer_db_failure(r, rc);
		return;
	}
	/* Codes were checked to be [A-Za-z0-9-] when added: no escaping. */
	const char *url = arena_printf(a, "%s/join?src=%s", site_origin(r), code);
	const char *svg = qr_svg(a, url, "扫码加入工会");
	if (svg == NULL) {
		LOG_ERR("cannot encode %s as a QR code", url);
		resp_error(r, 500, NULL);
		return;
	}
	tv_puts(a, ctx, "url", url);
	tv_puts(a, ctx, "qr_svg", svg);
	resp_render(r, 200, "staff/stations/poster", ctx);
}

const struct route page_staff_stations_routes[] = {
	{"GET", "/staff/stations", stations_list, ROLE_ADMIN, NULL},
	{"GET", "/staff/stations/new", new_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/stations/new", new_post, ROLE_ADMIN, NULL},
	{"GET", "/staff/stations/{id}/poster", poster, ROLE_ADMIN, NULL},
	{0},
};
