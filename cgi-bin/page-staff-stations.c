/*
 * page-staff-stations.c - 工会驿站: the union's service stations, where
 * they are, when open, what they offer, who keeps them; and the QR
 * posters that open a station's own page (/s/CODE).
 *
 *   GET       /staff/stations               stations, with the applications each brought
 *   GET|POST  /staff/stations/new           add a station
 *   GET|POST  /staff/stations/{id}          the station, its history, and its edit form
 *   GET       /staff/stations/{id}/poster   a printable A4 poster with the QR code
 *   GET|POST  /staff/stations/import        import a CSV (admin)
 *
 * Admins act on every station; a reviewer on the stations of their
 * district (another district's station is the 404 page).  The writes are
 * station-store.c's jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "hours.h"
#include "http.h"
#include "imports.h"
#include "pubform.h"
#include "qr.h"
#include "queue.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "valid.h"
#include "when.h"

#define HOST_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-"

enum {
	S_NAME, S_DISTRICT, S_CODE, S_ADDRESS, S_LANDMARK, S_MOTTO, S_PHONE, S_KEEPER,
	S_AMENITIES, S_ALLDAYS, S_DAY1, S_DAY7 = S_DAY1 + 6, S_ACTIVE, S__N
};

#define DAY_FIELD(i, nm, lb) [S_DAY1 + (i)] = {.name = nm, .label = lb, .kind = F_TEXT, \
	.max = 60, .placeholder = "例如 08:00-20:00"}

static const struct field station_fields[S__N] = {
	[S_NAME] = {.name = "name", .label = "驿站名称", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 100,
	    .placeholder = "例如:朝阳望京户外劳动者驿站"},
	[S_DISTRICT] = {.name = "district", .label = "所在区县", .kind = F_SELECT,
	    .required = 1},
	[S_CODE] = {.name = "code", .label = "驿站代码", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = STATION_CODE_MAX,
	    .hint = "字母、数字或 -,最多 32 个字符;印在二维码的链接里,添加后不能修改",
	    .placeholder = "例如:CY-WJ-01"},
	[S_ADDRESS] = {.name = "address", .label = "地址", .kind = F_TEXT, .max = 200,
	    .placeholder = "例如:望京街道阜通东大街 6 号"},
	[S_LANDMARK] = {.name = "landmark", .label = "地标", .kind = F_TEXT, .max = 100,
	    .hint = "让人一眼找到:在哪个路口、哪家店旁边", .placeholder = "例如:地铁望京站 B 口向东 50 米"},
	[S_MOTTO] = {.name = "motto", .label = "一站一品", .kind = F_TEXT, .max = 100,
	    .hint = "这个驿站的特色服务", .placeholder = "例如:夏季免费绿豆汤"},
	[S_PHONE] = {.name = "phone", .label = "联系电话", .kind = F_TEXT, .max = 20,
	    .hint = "公开显示,方便劳动者打电话问询", .placeholder = "例如 010-64701234"},
	[S_KEEPER] = {.name = "keeper", .label = "负责人", .kind = F_SELECT,
	    .hint = "本区县的一位工作人员(不公开显示)"},
	[S_AMENITIES] = {.name = "amenities", .label = "服务", .kind = F_MULTI,
	    .options = station_amenities},
	[S_ALLDAYS] = {.name = "hours_all", .label = "每天相同", .kind = F_TEXT, .max = 60,
	    .hint = "填了这一项,周一到周日都按它开放,下面七天不用填。例如 08:00-20:00;"
	    "全天开放填“24小时”;午休分两段:08:00-12:00, 14:00-18:00",
	    .placeholder = "例如 08:00-20:00"},
	DAY_FIELD(0, "hours_mon", "周一"), DAY_FIELD(1, "hours_tue", "周二"),
	DAY_FIELD(2, "hours_wed", "周三"), DAY_FIELD(3, "hours_thu", "周四"),
	DAY_FIELD(4, "hours_fri", "周五"), DAY_FIELD(5, "hours_sat", "周六"),
	DAY_FIELD(6, "hours_sun", "周日"),
	[S_ACTIVE] = {.name = "active", .label = "开放使用(不勾选即停用:公众页面不再显示这个驿站)",
	    .kind = F_CHECK},
};

static const char sql_all[] =
    "SELECT s.id, s.name, s.code, coalesce(d.name, ''), s.created_at, s.active,"
    " (SELECT count(*) FROM join_applications j WHERE j.station_id = s.id),"
    " s.address"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.id < :below AND (:q = '' OR instr(s.name, :q) > 0"
    "  OR s.code = :q COLLATE NOCASE)"
    " ORDER BY s.id DESC LIMIT :limit";
static const char sql_by_district[] =
    "SELECT s.id, s.name, s.code, coalesce(d.name, ''), s.created_at, s.active,"
    " (SELECT count(*) FROM join_applications j WHERE j.station_id = s.id),"
    " s.address"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " WHERE s.district_id = :district AND s.id < :below AND (:q = ''"
    "  OR instr(s.name, :q) > 0 OR s.code = :q COLLATE NOCASE)"
    " ORDER BY s.id DESC LIMIT :limit";
static const char sql_station[] =
    "SELECT s.id, s.name, s.code, coalesce(d.name, ''), coalesce(s.district_id, 0),"
    " s.address, s.landmark, s.motto, s.phone, coalesce(s.keeper_id, 0), s.active,"
    " s.created_at, s.updated_at,"
    " (SELECT count(*) FROM join_applications j WHERE j.station_id = s.id),"
    " coalesce(k.display_name, ''), coalesce(k.username, '')"
    " FROM stations s LEFT JOIN districts d ON d.id = s.district_id"
    " LEFT JOIN staff k ON k.id = s.keeper_id WHERE s.id = ?1";
static const char sql_hours[] =
    "SELECT weekday, opens, closes FROM station_hours WHERE station_id = ?1"
    " ORDER BY weekday, opens";
static const char sql_amenities[] =
    "SELECT amenity FROM station_amenities WHERE station_id = ?1";
static const char sql_keepers[] =
    "SELECT id, display_name, username FROM staff WHERE disabled = 0"
    " AND (?1 = 0 OR district_id IS NULL OR district_id = ?1) ORDER BY username";
static const char sql_history[] =
    "SELECT a.at, a.username, a.action, a.detail FROM audit a"
    " WHERE a.action IN ('" AUDIT_STATION_CREATE "', '" AUDIT_STATION_EDIT "', '"
    AUDIT_STATION_RETIRE "', '" AUDIT_STATION_ACTIVATE "', '" AUDIT_STATION_IMPORT "')"
    " AND a.target = ?1 ORDER BY a.id";

/* ---- GET /staff/stations ---- */

static struct tval *
station_row(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	(void)f;
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	long long id = sqlite3_column_int64(st, 0);
	tv_puts(a, m, "name", db_col_text(st, 1));
	tv_puts(a, m, "code", db_col_text(st, 2));
	tv_puts(a, m, "district", db_col_text(st, 3));
	tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 4)));
	tv_putb(a, m, "active", sqlite3_column_int(st, 5));
	tv_puti(a, m, "applications", sqlite3_column_int64(st, 6));
	tv_puts(a, m, "address", db_col_text(st, 7));
	tv_putf(a, m, "url", "/staff/stations/%lld", id);
	tv_putf(a, m, "poster", "/staff/stations/%lld/poster", id);
	return m;
}

static const struct queue_plan list_plans[] = {
	{QF_DISTRICT, NULL, sql_by_district},
	{0, NULL, sql_all},
};
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
	tv_put(a, ctx, "filter", queue_filter_view(r, &f, NULL, NULL));
	tv_putb(a, ctx, "admin", (staff_of(r)->roles & ROLE_ADMIN) != 0);
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "created") == 0)
		tv_puts(a, ctx, "notice", "驿站已添加。点“二维码海报”打印,贴在驿站显眼处。");
	if (done && strcmp(done, "imported") == 0) {
		const char *n = req_query(r, "n"), *u = req_query(r, "u");
		if (n && u && strlen(n) < 8 && strlen(u) < 8 && strspn(n, "0123456789") == strlen(n) &&
		    strspn(u, "0123456789") == strlen(u))
			tv_putf(a, ctx, "notice", "导入完成:新增 %s 个驿站,更新 %s 个。", n, u);
	}
	resp_render(r, 200, "staff/stations/list", ctx);
}

/* ---- the form ---- */

/* "显示名(username)", the keeper select's text for an account. */
static const char *
keeper_label(struct arena *a, const char *display, const char *user)
{
	return arena_printf(a, "%s\xef\xbc\x88%s\xef\xbc\x89", *display ? display : user, user);
}

/* The form's table for r: 所在区县 offers the person's own district when
 * they are bound to one; 负责人 the staff who may keep a station there. */
static struct field *
form_fields(struct req *r, int editing)
{
	const struct staff *s = staff_of(r);
	struct field *f = arena_alloc(r->a, sizeof(station_fields));
	memcpy(f, station_fields, sizeof(station_fields));
	if (s->district_id) {
		const char **opts = arena_calloc(r->a, 2, sizeof(*opts));
		opts[0] = s->district;
		f[S_DISTRICT].options = opts;
	} else {
		int sample;
		f[S_DISTRICT].options = district_options(r, &sample);
	}
	sqlite3_stmt *st = db_prep(r->app->db, sql_keepers);
	size_t n = 0, cap = 16;
	const char **k = arena_calloc(r->a, cap + 1, sizeof(*k));
	if (st) {
		db_bind_int(st, 1, s->district_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == cap) {
				const char **more = arena_calloc(r->a, cap * 2 + 1, sizeof(*k));
				memcpy(more, k, n * sizeof(*k));
				k = more;
				cap *= 2;
			}
			k[n++] = keeper_label(r->a, db_col_text(st, 1), db_col_text(st, 2));
		}
		sqlite3_reset(st);
	}
	f[S_KEEPER].options = k;
	if (editing)
		f[S_CODE].required = 0;
	return f;
}

/* The staff id of a keeper select's text "显示名(username)", or 0. */
static long long
keeper_id(struct req *r, const char *label)
{
	static const char sql[] = "SELECT id FROM staff WHERE username = ?1";
	const char *user = NULL;
	size_t len = strlen(label);
	if (len < 4 || strcmp(label + len - 3, "\xef\xbc\x89") != 0)   /* ")" */
		return 0;
	/* After the last "(": a name may hold one, a user name cannot. */
	for (const char *p = strstr(label, "\xef\xbc\x88"); p; p = strstr(p + 3, "\xef\xbc\x88"))
		user = p + 3;
	if (user == NULL || user > label + len - 3)
		return 0;
	const char *name = arena_strndup(r->a, user, (size_t)(label + len - 3 - user));
	return db_int_by_text(r->app->db, sql, name, 0);
}

/* The station read back from the form, checked beyond form_check: the
 * code, the phone, the district, the keeper, the hours.  Errors go into
 * res; returns how many. */
static int
read_station(struct req *r, struct fresult *res, struct station_in *s, int editing)
{
	int errors = 0;
	const char *why;
	memset(s, 0, sizeof(*s));
	s->name = res[S_NAME].value;
	s->code = res[S_CODE].value;
	s->address = res[S_ADDRESS].value;
	s->landmark = res[S_LANDMARK].value;
	s->motto = res[S_MOTTO].value;
	s->phone = res[S_PHONE].value;
	s->active = res[S_ACTIVE].num != 0;
	if (!editing && !res[S_CODE].error && (why = station_code_problem(s->code))) {
		res[S_CODE].error = why;
		errors++;
	}
	if (!res[S_PHONE].error && (why = station_phone_problem(s->phone))) {
		res[S_PHONE].error = why;
		errors++;
	}
	if (!res[S_DISTRICT].error &&
	    (s->district = district_id(r, res[S_DISTRICT].value)) == 0) {
		res[S_DISTRICT].error = "请从列表中选择所在区县";
		errors++;
	}
	if (!res[S_KEEPER].error && res[S_KEEPER].value[0] &&
	    (s->keeper = keeper_id(r, res[S_KEEPER].value)) == 0) {
		res[S_KEEPER].error = "请从列表中选择负责人";
		errors++;
	}
	for (size_t i = 0; i < res[S_AMENITIES].nmulti && i < STATION_AMENITIES_MAX; i++)
		s->amenities[s->namenities++] = res[S_AMENITIES].multi[i];
	hours_clear(&s->hours);
	if (res[S_ALLDAYS].value[0]) {
		if (!res[S_ALLDAYS].error &&
		    (why = hours_parse_day(&s->hours, 1, res[S_ALLDAYS].value)) != NULL) {
			res[S_ALLDAYS].error = why;
			errors++;
		}
		for (int d = 2; d <= 7; d++) {
			memcpy(s->hours.day[d], s->hours.day[1], sizeof(s->hours.day[1]));
			s->hours.n[d] = s->hours.n[1];
		}
	} else
		for (int d = 1; d <= 7; d++) {
			struct fresult *x = &res[S_DAY1 + d - 1];
			if (!x->error && (why = hours_parse_day(&s->hours, d, x->value)) != NULL) {
				x->error = why;
				errors++;
			}
		}
	return errors;
}

/* A stored station's hours and its amenities (in the vocabulary's order). */
struct station_extra {
	struct week_hours w;
	const char *amen[STATION_AMENITIES_MAX];
	size_t namen;
};

/* The form's values of a stored station (for the edit form). */
static struct fresult *
stored_values(struct req *r, sqlite3_stmt *st, const struct station_extra *x)
{
	struct arena *a = r->a;
	struct fresult *res = arena_calloc(a, S__N, sizeof(*res));
	for (size_t i = 0; i < S__N; i++)
		res[i].value = "";
	res[S_NAME].value = arena_strdup(a, db_col_text(st, 1));
	res[S_CODE].value = arena_strdup(a, db_col_text(st, 2));
	res[S_DISTRICT].value = arena_strdup(a, db_col_text(st, 3));
	res[S_ADDRESS].value = arena_strdup(a, db_col_text(st, 5));
	res[S_LANDMARK].value = arena_strdup(a, db_col_text(st, 6));
	res[S_MOTTO].value = arena_strdup(a, db_col_text(st, 7));
	res[S_PHONE].value = arena_strdup(a, db_col_text(st, 8));
	if (sqlite3_column_int64(st, 9))
		res[S_KEEPER].value = keeper_label(a, db_col_text(st, 14), db_col_text(st, 15));
	res[S_ACTIVE].value = sqlite3_column_int(st, 10) ? "1" : "";
	res[S_AMENITIES].multi = arena_calloc(a, x->namen + 1, sizeof(char *));
	for (size_t i = 0; i < x->namen; i++)
		res[S_AMENITIES].multi[i] = x->amen[i];
	res[S_AMENITIES].nmulti = x->namen;
	struct buf b = {0};
	for (int d = 1; d <= 7; d++) {
		buf_reset(&b);
		hours_day_input(&x->w, d, &b);
		res[S_DAY1 + d - 1].value = arena_strdup(a, b.p ? b.p : "");
	}
	buf_free(&b);
	return res;
}

/* ---- GET|POST /staff/stations/new ---- */

static void
show_new(struct req *r, int status, const struct field *f, const struct fresult *res)
{
	struct tval *ctx = tv_map(r->a);
	tv_put(r->a, ctx, "f", form_view(r, f, S__N, res));
	resp_render(r, status, "staff/stations/form", ctx);
}

static void
new_get(struct req *r)
{
	struct fresult res[S__N];
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < S__N; i++)
		res[i].value = "";
	res[S_ACTIVE].value = "1";
	show_new(r, 200, form_fields(r, 0), res);
}

static void
new_post(struct req *r)
{
	struct field *f = form_fields(r, 0);
	struct fresult res[S__N];
	struct station_in s;
	int errors = form_check(r, f, S__N, res);
	errors += read_station(r, res, &s, 0);
	if (errors) {
		show_new(r, 422, f, res);
		return;
	}
	struct job in, out;   /* large (writer.h): on the worker's stack */
	job_init(&in, "station.save");
	station_put(&in, &s);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_CONSTRAINT && job_text(&out, "taken")) {
		res[S_CODE].error = arena_printf(r->a,
		    "驿站代码 %s 已被“%s”使用,请换一个", s.code, job_text(&out, "taken"));
		show_new(r, 422, f, res);
		return;
	}
	if (rc == SQLITE_CONSTRAINT && job_text(&out, "error")) {
		res[S_KEEPER].error = arena_strdup(r->a, job_text(&out, "error"));
		show_new(r, 422, f, res);
		return;
	}
	store_answer(r, rc, "/staff/stations?done=created");
}

/* ---- GET|POST /staff/stations/{id} ---- */

/*
 * The station of r's {id} that r's member of staff may see, stepped to
 * its row (sql_station) with its hours and amenities; NULL after
 * answering (404, or a database failure).  Reset st when done.
 */
static sqlite3_stmt *
load(struct req *r, struct station_extra *x)
{
	long long id = req_param_id(r, 0);
	sqlite3_stmt *st = id > 0 ? db_prep(r->app->db, sql_station) : NULL;
	if (id <= 0 || st == NULL) {
		resp_error(r, id <= 0 ? 404 : 500, NULL);
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || !staff_sees_district(staff_of(r), sqlite3_column_int64(st, 4))) {
		sqlite3_reset(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			resp_error(r, 404, NULL);
		else
			answer_db_failure(r, rc);
		return NULL;
	}
	hours_clear(&x->w);
	x->namen = 0;
	sqlite3_stmt *h = db_prep(r->app->db, sql_hours);
	if (h) {
		db_bind_int(h, 1, id);
		while (sqlite3_step(h) == SQLITE_ROW)
			hours_add(&x->w, sqlite3_column_int(h, 0), db_col_text(h, 1), db_col_text(h, 2));
		sqlite3_reset(h);
	}
	const char *have[STATION_AMENITIES_MAX];
	size_t nhave = 0;
	sqlite3_stmt *am = db_prep(r->app->db, sql_amenities);
	if (am) {
		db_bind_int(am, 1, id);
		while (sqlite3_step(am) == SQLITE_ROW && nhave < STATION_AMENITIES_MAX)
			have[nhave++] = arena_strdup(r->a, db_col_text(am, 0));
		sqlite3_reset(am);
	}
	/* In the vocabulary's order, as every page lists them. */
	for (const char *const *v = station_amenities; *v; v++)
		for (size_t i = 0; i < nhave; i++)
			if (strcmp(*v, have[i]) == 0)
				x->amen[x->namen++] = *v;
	return st;
}

static void
show_record(struct req *r, int status, sqlite3_stmt *st, const struct station_extra *x,
    const struct field *f, const struct fresult *res)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	long long id = sqlite3_column_int64(st, 0);
	const char *code = arena_strdup(a, db_col_text(st, 2));
	tv_puti(a, ctx, "id", id);
	tv_puts(a, ctx, "name", db_col_text(st, 1));
	tv_puts(a, ctx, "code", code);
	tv_puts(a, ctx, "district", db_col_text(st, 3));
	tv_puts(a, ctx, "address", db_col_text(st, 5));
	tv_puts(a, ctx, "landmark", db_col_text(st, 6));
	tv_puts(a, ctx, "motto", db_col_text(st, 7));
	tv_puts(a, ctx, "phone", db_col_text(st, 8));
	if (sqlite3_column_int64(st, 9))
		tv_puts(a, ctx, "keeper", keeper_label(a, db_col_text(st, 14), db_col_text(st, 15)));
	tv_putb(a, ctx, "active", sqlite3_column_int(st, 10));
	tv_puts(a, ctx, "created", show_datetime(a, db_col_text(st, 11)));
	tv_puti(a, ctx, "applications", sqlite3_column_int64(st, 13));
	struct tval *days = tv_list(a);
	struct buf b = {0};
	for (int d = 1; d <= 7; d++) {
		struct tval *m = tv_map(a);
		buf_reset(&b);
		hours_day_text(&x->w, d, &b);
		tv_puts(a, m, "day", weekday_names[d]);
		tv_puts(a, m, "hours", b.p);
		tv_push(a, days, m);
	}
	buf_free(&b);
	tv_put(a, ctx, "days", days);
	tv_putb(a, ctx, "has_hours", !hours_empty(&x->w));
	struct tval *al = tv_list(a);
	for (size_t i = 0; i < x->namen; i++)
		tv_push(a, al, tv_str(a, x->amen[i]));
	tv_put(a, ctx, "amenities", al);
	tv_putb(a, ctx, "has_amenities", x->namen > 0);
	sqlite3_reset(st);
	struct tval *hist = tv_list(a);
	sqlite3_stmt *h = db_prep(r->app->db, sql_history);
	if (h) {
		db_bind_text(h, 1, code);
		while (sqlite3_step(h) == SQLITE_ROW) {
			struct tval *m = tv_map(a);
			tv_puts(a, m, "at", show_datetime(a, db_col_text(h, 0)));
			tv_puts(a, m, "who", db_col_text(h, 1));
			tv_puts(a, m, "what", audit_action_label(db_col_text(h, 2)));
			tv_puts(a, m, "detail", db_col_text(h, 3));
			tv_push(a, hist, m);
		}
		sqlite3_reset(h);
	}
	tv_put(a, ctx, "history", hist);
	tv_put(a, ctx, "f", form_view(r, f, S__N, res));
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "saved") == 0)
		tv_puts(a, ctx, "notice", "已保存。");
	resp_render(r, status, "staff/stations/record", ctx);
}

static void
record_get(struct req *r)
{
	struct station_extra x;
	sqlite3_stmt *st = load(r, &x);
	if (st == NULL)
		return;
	struct fresult *res = stored_values(r, st, &x);
	show_record(r, 200, st, &x, form_fields(r, 1), res);
}

static void
record_post(struct req *r)
{
	struct station_extra x;
	sqlite3_stmt *st = load(r, &x);
	if (st == NULL)
		return;
	long long id = sqlite3_column_int64(st, 0);
	const char *code = arena_strdup(r->a, db_col_text(st, 2));
	struct field *f = form_fields(r, 1);
	struct fresult res[S__N];
	struct station_in s;
	int errors = form_check(r, f, S__N, res);
	errors += read_station(r, res, &s, 1);
	if (errors) {
		show_record(r, 422, st, &x, f, res);
		return;
	}
	sqlite3_reset(st);
	s.id = id;
	s.code = code;
	struct job in, out;   /* large (writer.h): on the worker's stack */
	job_init(&in, "station.save");
	station_put(&in, &s);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_CONSTRAINT && job_text(&out, "error")) {
		if ((st = load(r, &x)) == NULL)
			return;
		res[S_KEEPER].error = arena_strdup(r->a, job_text(&out, "error"));
		show_record(r, 422, st, &x, f, res);
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/stations/%lld?done=saved", id));
}

/* ---- GET|POST /staff/stations/import ---- */

static void
show_import(struct req *r, int status, const char *message, const struct import_errors *e,
    const char *text)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	if (message)
		tv_puts(a, ctx, "message", message);
	if (e && e->n) {
		struct tval *list = tv_list(a);
		for (size_t i = 0; i < e->n; i++)
			tv_push(a, list, tv_str(a, e->msg[i]));
		tv_put(a, ctx, "import_errors", list);
		tv_putb(a, ctx, "has_import_errors", 1);
		if (e->more)
			tv_putf(a, ctx, "import_more", "另有 %zu 处问题没有列出。", e->more);
	}
	if (text && strlen(text) <= 64 * 1024)
		tv_puts(a, ctx, "text", text);
	resp_render(r, status, "staff/stations/import", ctx);
}

static void
import_get(struct req *r)
{
	show_import(r, 200, NULL, NULL, NULL);
}

static void
import_post(struct req *r)
{
	const char *why;
	const char *csv = import_read(r, "file", &why);
	if (csv == NULL) {
		show_import(r, 422, why, NULL, NULL);
		return;
	}
	struct station_in *list;
	size_t n;
	struct import_errors e = {0};
	const char *pasted = req_field(r, "file_text");
	if (station_csv(r->app->db, r->a, csv, &list, &n, &e) != 0) {
		show_import(r, 422, "文件里有需要修改的地方,没有导入任何驿站:", &e, pasted);
		return;
	}
	struct job in, out;   /* large (writer.h): on the worker's stack */
	job_init(&in, "station.import");
	job_init(&out, "station.import");
	int rc = import_put_text(r->app->db, actor_of(r), &in, csv);
	if (rc == SQLITE_DONE)
		rc = store_job(r, &in, &out);
	if (rc == SQLITE_CONSTRAINT && job_text(&out, "errors")) {
		import_errors_parse(r->a, job_text(&out, "errors"), &e);
		show_import(r, 422, "文件里有需要修改的地方,没有导入任何驿站:", &e, pasted);
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/stations?done=imported&n=%lld&u=%lld",
	    job_int(&out, "added", 0), job_int(&out, "updated", 0)));
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
	struct station_extra x;
	sqlite3_stmt *st = load(r, &x);
	if (st == NULL)
		return;
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_puts(a, ctx, "name", db_col_text(st, 1));
	const char *code = arena_strdup(a, db_col_text(st, 2));
	tv_puts(a, ctx, "code", code);
	tv_puts(a, ctx, "district", db_col_text(st, 3));
	tv_puts(a, ctx, "motto", db_col_text(st, 7));
	tv_putb(a, ctx, "active", sqlite3_column_int(st, 10));
	tv_puti(a, ctx, "id", sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	/* Codes were checked to be [A-Za-z0-9-] when added: no escaping. */
	const char *url = arena_printf(a, "%s/s/%s", site_origin(r), code);
	const char *svg = qr_svg(a, url, "扫码进入工会驿站");
	if (svg == NULL) {
		LOG_ERR("cannot encode %s as a QR code", url);
		resp_error(r, 500, NULL);
		return;
	}
	tv_puts(a, ctx, "url", url);
	tv_puts(a, ctx, "qr_svg", svg);
	resp_render(r, 200, "staff/stations/poster", ctx);
}

#define STATION_STAFF (ROLE_ADMIN | ROLE_REVIEWER)

const struct route page_staff_stations_routes[] = {
	{"GET", "/staff/stations", stations_list, STATION_STAFF, NULL},
	{"GET", "/staff/stations/new", new_get, STATION_STAFF, NULL},
	{"POST", "/staff/stations/new", new_post, STATION_STAFF, NULL},
	{"GET", "/staff/stations/import", import_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/stations/import", import_post, ROLE_ADMIN, &import_limits},
	{"GET", "/staff/stations/{id}", record_get, STATION_STAFF, NULL},
	{"POST", "/staff/stations/{id}", record_post, STATION_STAFF, NULL},
	{"GET", "/staff/stations/{id}/poster", poster, STATION_STAFF, NULL},
	{0},
};
