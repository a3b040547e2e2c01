/*
 * page-staff-volunteer.c - 志愿服务 for staff: activities and their rosters.
 *
 *   GET       /staff/volunteer               activities, newest start first, 50 a page;
 *                                            filter; find a volunteer by 编号/手机号/姓名
 *   GET|POST  /staff/volunteer/new           create an activity
 *   GET       /staff/volunteer/{id}          the activity and its roster
 *   GET|POST  /staff/volunteer/{id}/edit     edit; more 名额 moves the wait-list up
 *   POST      /staff/volunteer/{id}/cancel   cancel with a reason; every sign-up told
 *   POST      /staff/volunteer/{id}/signups/{ref}/attend   出席 and 服务时长
 *   POST      /staff/volunteer/{id}/signups/{ref}/remove   remove; the wait-list moves up
 *
 * Who: admin everything.  A reviewer sees the activities of their district
 * and the city-wide ones (no district), and changes only their district's;
 * any other activity answers 404, as if it did not exist.
 *
 * Times are typed in Beijing time (datetime-local inputs) and stored as
 * UTC ISO-8601 text, so stored times compare as strings.  Every change runs
 * in one BEGIN IMMEDIATE transaction with its events and its audit entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "queue.h"
#include "roster.h"
#include "staff.h"
#include "valid.h"
#include "when.h"

#define CITY_WIDE "全市(不限区县)"

/* ---- forms ---- */

enum { A_TITLE, A_DESC, A_START, A_END, A_PLACE, A_DISTRICT, A_CAPACITY,
	A_DEADLINE, A__N };

static const struct field activity_fields[A__N] = {
	[A_TITLE] = {.name = "title", .label = "标题", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 100},
	[A_DESC] = {.name = "description", .label = "活动介绍", .kind = F_TEXTAREA,
	    .required = 1, .min = 10, .max = 5000,
	    .hint = "活动内容、志愿者要做的事、需要的特长;每行是一段"},
	[A_START] = {.name = "starts_at", .label = "开始时间", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 20, .hint = "北京时间"},
	[A_END] = {.name = "ends_at", .label = "结束时间", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 20, .hint = "北京时间,须晚于开始时间"},
	[A_PLACE] = {.name = "place", .label = "地点", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 200},
	[A_DISTRICT] = {.name = "district", .label = "所在区县", .kind = F_SELECT,
	    .required = 1,
	    .hint = "全市活动各区县的工作人员都能看到,只有管理员可以修改"},
	[A_CAPACITY] = {.name = "capacity", .label = "名额", .kind = F_INT,
	    .required = 1, .min = 1, .max = 10000,
	    .hint = "报满后可以报名候补;增加名额时,候补按报名先后转为正式"},
	[A_DEADLINE] = {.name = "deadline", .label = "报名截止", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 20, .hint = "北京时间,须早于开始时间"},
};

enum { C_REASON, C__N };
static const struct field cancel_fields[C__N] = {
	[C_REASON] = {.name = "reason", .label = "取消原因", .kind = F_TEXT,
	    .required = 1, .min = 1, .max = 200,
	    .hint = "报名人在活动页面和进度查询中可以看到"},
};

enum { T_ATTENDED, T_HOURS, T__N };
static const struct field attend_fields[T__N] = {
	[T_ATTENDED] = {.name = "attended", .label = "出席", .kind = F_CHECK},
	[T_HOURS] = {.name = "hours", .label = "服务时长(小时)", .kind = F_INT,
	    .min = 0, .max = 24},
};

enum { R_REASON, R__N };
static const struct field remove_fields[R__N] = {
	[R_REASON] = {.name = "reason", .label = "移出原因", .kind = F_TEXT,
	    .min = 0, .max = 200},
};

static const char *const states[] = {
	"报名中", "报名已截止", "进行中", "已结束", "已取消", NULL,
};

/* ---- SQL ---- */

#define ACT_COLS(desc) \
    "a.id, a.title, " desc ", a.starts_at, a.ends_at, a.place," \
    " coalesce(a.district_id, 0), coalesce(d.name, ''), a.capacity," \
    " a.deadline, a.cancelled, a.cancel_reason, a.sample," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '已确认')," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '候补')" \
    " FROM activities a LEFT JOIN districts d ON d.id = a.district_id"

/* Who may see a row: ?D = a district (0: all), ?C = city-wide ones too. */
#define SEES(d, c) \
    " (" d " = 0 OR a.district_id = " d " OR (" c " AND a.district_id IS NULL))"

static const char sql_activity[] =
    "SELECT " ACT_COLS("a.description") " WHERE a.id = ?1";
static const char sql_list[] =
    "SELECT " ACT_COLS("''") " WHERE" SEES("?1", "?2")
    " AND (?3 = '' OR (?3 = '已取消' AND a.cancelled = 1) OR (a.cancelled = 0 AND ("
    "   (?3 = '报名中' AND a.deadline > ?4 AND a.starts_at > ?4)"
    "   OR (?3 = '报名已截止' AND a.deadline <= ?4 AND a.starts_at > ?4)"
    "   OR (?3 = '进行中' AND a.starts_at <= ?4 AND a.ends_at > ?4)"
    "   OR (?3 = '已结束' AND a.ends_at <= ?4))))"
    " AND (?5 = '' OR a.starts_at >= ?5) AND (?6 = '' OR a.starts_at < ?6)"
    " AND a.starts_at <= coalesce((SELECT starts_at FROM activities"
    "   WHERE id = ?7), '9999')"   /* lets the index seek to the cursor */
    " AND (?7 = 0 OR (a.starts_at, a.id) <"
    "   (SELECT starts_at, id FROM activities WHERE id = ?7))"
    " ORDER BY a.starts_at DESC, a.id DESC LIMIT 51";
#define FIND_COLS \
    "SELECT s.ref, s.name, s.phone, s.status, s.created_at, a.id, a.title," \
    " a.starts_at FROM signups s JOIN activities a ON a.id = s.activity_id"
static const char sql_find_ref[] =
    FIND_COLS " WHERE s.ref = ?1 AND" SEES("?2", "?3");
static const char sql_find_phone[] =
    FIND_COLS " WHERE s.phone = ?1 AND" SEES("?2", "?3")
    " ORDER BY s.id DESC LIMIT 50";
static const char sql_find_name[] =
    FIND_COLS " WHERE s.name = ?1 AND"
    SEES("?2", "?3") " ORDER BY s.id DESC LIMIT 50";
static const char sql_insert[] =
    "INSERT INTO activities (title, description, starts_at, ends_at, place,"
    " district_id, capacity, deadline, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
static const char sql_update[] =
    "UPDATE activities SET title = ?2, description = ?3, starts_at = ?4,"
    " ends_at = ?5, place = ?6, district_id = ?7, capacity = ?8,"
    " deadline = ?9, updated_at = ?10 WHERE id = ?1";
static const char sql_cancel[] =
    "UPDATE activities SET cancelled = 1, cancel_reason = ?2, updated_at = ?3"
    " WHERE id = ?1 AND cancelled = 0";
static const char sql_roster[] =
    "SELECT id, ref, name, phone, skills, note, status, attended, hours,"
    " created_at FROM signups WHERE activity_id = ?1 AND status = ?2"
    " ORDER BY id";
static const char sql_live_refs[] =
    "SELECT ref FROM signups WHERE activity_id = ?1 AND status <> '已取消'"
    " ORDER BY id";
static const char sql_signup[] =
    "SELECT id, activity_id, status FROM signups WHERE ref = ?1";
static const char sql_attend[] =
    "UPDATE signups SET attended = ?2, hours = ?3, updated_at = ?4"
    " WHERE id = ?1 AND status = '已确认'";
static const char sql_remove[] =
    "UPDATE signups SET status = '已取消', updated_at = ?2"
    " WHERE id = ?1 AND status <> '已取消'";

/* ---- activities ---- */

struct activity {
	long long id, district_id, capacity, confirmed, waiting;
	const char *title, *description, *starts_at, *ends_at, *place;
	const char *district, *deadline, *cancel_reason;
	int cancelled, sample;
};

static void
activity_row(struct req *r, sqlite3_stmt *st, struct activity *act)
{
	struct arena *a = r->a;
	act->id = sqlite3_column_int64(st, 0);
	act->title = arena_strdup(a, db_col_text(st, 1));
	act->description = arena_strdup(a, db_col_text(st, 2));
	act->starts_at = arena_strdup(a, db_col_text(st, 3));
	act->ends_at = arena_strdup(a, db_col_text(st, 4));
	act->place = arena_strdup(a, db_col_text(st, 5));
	act->district_id = sqlite3_column_int64(st, 6);
	act->district = arena_strdup(a, db_col_text(st, 7));
	act->capacity = sqlite3_column_int64(st, 8);
	act->deadline = arena_strdup(a, db_col_text(st, 9));
	act->cancelled = sqlite3_column_int(st, 10);
	act->cancel_reason = arena_strdup(a, db_col_text(st, 11));
	act->sample = sqlite3_column_int(st, 12);
	act->confirmed = sqlite3_column_int64(st, 13);
	act->waiting = sqlite3_column_int64(st, 14);
}

/* Load activity id: 1 found, 0 not there, -1 with the SQLite code in *rc. */
static int
activity_load(struct req *r, long long id, struct activity *act, int *rc)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_activity);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_int(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		activity_row(r, st, act);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		*rc = step;
		return -1;
	}
	return step == SQLITE_ROW;
}

static int
may_see(const struct staff *s, const struct activity *act)
{
	return act->district_id == 0 || staff_sees_district(s, act->district_id);
}

/* City-wide activities are the admin's; the rest their district's. */
static int
may_edit(const struct staff *s, const struct activity *act)
{
	if (s->roles & ROLE_ADMIN)
		return 1;
	return act->district_id != 0 && staff_sees_district(s, act->district_id);
}

/* A path segment of digits as a number, else 0. */
/* The route's activity when the person may see it (edit: change it), or
 * NULL after answering 404 / 503. */
static struct activity *
route_activity(struct req *r, int edit)
{
	const struct staff *s = staff_of(r);
	struct activity *act = arena_calloc(r->a, 1, sizeof(*act));
	long long id = req_param_id(r, 0);
	int rc = SQLITE_ERROR;
	int found = id > 0 ? activity_load(r, id, act, &rc) : 0;
	if (found > 0 && !(edit ? may_edit(s, act) : may_see(s, act)))
		found = 0;
	if (found < 0)
		answer_db_failure(r, rc);
	else if (found == 0)
		resp_error(r, 404, NULL);
	return found > 0 ? act : NULL;
}

static const char *
state_of(const struct activity *act, const char *now)
{
	if (act->cancelled)
		return "已取消";
	if (strcmp(act->ends_at, now) <= 0)
		return "已结束";
	if (strcmp(act->starts_at, now) <= 0)
		return "进行中";
	if (strcmp(act->deadline, now) <= 0)
		return "报名已截止";
	return "报名中";
}

/* What the list and the roster show of an activity. */
static struct tval *
activity_view(struct req *r, const struct activity *act, const char *now)
{
	struct arena *a = r->a;
	const struct staff *s = staff_of(r);
	struct tval *m = tv_map(a);
	tv_puti(a, m, "id", act->id);
	tv_putf(a, m, "url", "/staff/volunteer/%lld", act->id);
	tv_putf(a, m, "edit_url", "/staff/volunteer/%lld/edit", act->id);
	tv_putf(a, m, "public_url", "/volunteer/%lld", act->id);
	tv_puts(a, m, "title", act->title);
	tv_puts(a, m, "when", show_span(a, act->starts_at, act->ends_at));
	tv_puts(a, m, "deadline", show_time(a, act->deadline, 0));
	tv_puts(a, m, "place", act->place);
	tv_puts(a, m, "district", act->district_id ? act->district : "全市");
	tv_puti(a, m, "capacity", act->capacity);
	tv_puti(a, m, "confirmed", act->confirmed);
	tv_puti(a, m, "waiting", act->waiting);
	tv_puts(a, m, "state", state_of(act, now));
	tv_putb(a, m, "cancelled", act->cancelled);
	tv_puts(a, m, "cancel_reason", act->cancel_reason);
	tv_putb(a, m, "sample", act->sample);
	tv_putb(a, m, "started", strcmp(act->starts_at, now) <= 0);
	tv_putb(a, m, "editable", may_edit(s, act));
	tv_putb(a, m, "city_wide", act->district_id == 0);
	return m;
}

/* ---- times typed in Beijing time ---- */

static int
num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "2026-05-01T09:00" (or with a space, or with :SS) in Beijing time →
 * stored UTC text in *iso.  NULL when good, else what is wrong. */
static const char *
local_to_utc(struct req *r, const char *s, const char **iso)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t len = strlen(s);
	if ((len != 16 && len != 19) || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
	    (len == 19 && s[16] != ':'))
		return "格式应为 2026-05-01 09:00";
	int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
	int h = num(s + 11, 2), mi = num(s + 14, 2);
	int sec = len == 19 ? num(s + 17, 2) : 0;
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0)
		return "格式应为 2026-05-01 09:00";
	if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ||
	    h > 23 || mi > 59 || sec > 59)
		return "不是有效的日期和时间";
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	time_t t = timegm(&tm) - 8 * 3600;
	struct tm u;
	char out[32];
	gmtime_r(&t, &u);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &u);
	*iso = arena_strdup(r->a, out);
	return NULL;
}

/* Stored UTC text → the datetime-local value in Beijing time. */
static const char *
utc_to_local(struct req *r, const char *iso)
{
	struct tm tm;
	char out[32];
	if (shanghai_tm(iso, &tm) != 0)
		return "";
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M", &tm);
	return arena_strdup(r->a, out);
}

/*
 * Inside the caller's transaction: a public event on every live sign-up
 * of act (what /status shows them).  Returns SQLITE_DONE or the code;
 * *n (may be NULL) gets how many were told.
 */
static int
tell_everyone(struct req *r, const struct activity *act, const char *status,
    const char *note, size_t *n)
{
	struct db *db = r->app->db;
	sqlite3_stmt *st = db_prep(db, sql_live_refs);
	size_t k = 0, cap = (size_t)(act->confirmed + act->waiting) + 1;
	int rc;
	if (st == NULL)
		return SQLITE_ERROR;
	/* Read every reference first, then write their events. */
	db_bind_int(st, 1, act->id);
	const char **refs = arena_calloc(r->a, cap, sizeof(*refs));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < cap)
		refs[k++] = arena_strdup(r->a, db_col_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rc;
	rc = SQLITE_DONE;
	for (size_t i = 0; i < k && rc == SQLITE_DONE; i++)
		rc = event_add(r, refs[i], status, note, 1, staff_of(r)->id);
	if (n)
		*n = k;
	return rc;
}

/* ---- GET /staff/volunteer ---- */

/* Bind the person's district scope at ?d and ?d+1 (see SEES). */
static void
bind_scope(struct req *r, sqlite3_stmt *st, int d, long long district)
{
	const struct staff *s = staff_of(r);
	db_bind_int(st, d, district);
	db_bind_int(st, d + 1, s->district_id != 0);
}

static int
list_activities(struct req *r, const struct queue_filter *f, struct tval *ctx)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(r->app->db, sql_list);
	if (st == NULL)
		return SQLITE_ERROR;
	bind_scope(r, st, 1, f->district_id);
	db_bind_text(st, 3, f->status);
	db_bind_text(st, 4, now);
	db_bind_text(st, 5, f->from_utc);
	db_bind_text(st, 6, f->to_utc);
	db_bind_int(st, 7, f->before);
	struct tval *list = tv_list(r->a);
	long long last = 0;
	int rc, more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (list->n == QUEUE_PAGE) {
			more = 1;
			break;
		}
		struct activity act;
		activity_row(r, st, &act);
		tv_push(r->a, list, activity_view(r, &act, now));
		last = act.id;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	tv_put(r->a, ctx, "activities", list);
	tv_putb(r->a, ctx, "has_activities", list->n > 0);
	queue_pager(r, ctx, "/staff/volunteer", f, last, more);
	return SQLITE_DONE;
}

/* The sign-ups the search box names (编号, 手机号 or 姓名, exactly). */
static int
find_volunteers(struct req *r, const struct queue_filter *f, struct tval *ctx)
{
	const char *sql = f->q_kind == Q_REF ? sql_find_ref :
	    f->q_kind == Q_PHONE ? sql_find_phone : sql_find_name;
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, f->q);
	bind_scope(r, st, 2, f->district_id);
	struct tval *list = tv_list(r->a);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct arena *a = r->a;
		struct tval *m = tv_map(a);
		tv_puts(a, m, "ref", db_col_text(st, 0));
		tv_puts(a, m, "name", db_col_text(st, 1));
		tv_puts(a, m, "phone", db_col_text(st, 2));
		tv_puts(a, m, "status", db_col_text(st, 3));
		tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 4)));
		tv_putf(a, m, "url", "/staff/volunteer/%lld#%s",
		    (long long)sqlite3_column_int64(st, 5), db_col_text(st, 0));
		tv_puts(a, m, "title", db_col_text(st, 6));
		tv_puts(a, m, "starts", show_time(a, db_col_text(st, 7), 0));
		tv_push(a, list, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	struct tval *found = tv_map(r->a);
	tv_put(r->a, found, "rows", list);
	tv_putb(r->a, found, "any", list->n > 0);
	tv_put(r->a, ctx, "found", found);
	return SQLITE_DONE;
}

static void
volunteer_list(struct req *r)
{
	struct queue_filter f;
	queue_filter_parse(r, &f);
	struct tval *ctx = tv_map(r->a);
	tv_put(r->a, ctx, "filter", queue_filter_view(r, &f, states, NULL));
	tv_putb(r->a, ctx, "pick_district", staff_of(r)->district_id == 0);
	int rc = list_activities(r, &f, ctx);
	if (rc == SQLITE_DONE && f.q_kind != Q_NONE)
		rc = find_volunteers(r, &f, ctx);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_render(r, 200, "staff/volunteer/list", ctx);
}

/* ---- the activity form: GET|POST /staff/volunteer/new, …/{id}/edit ---- */

/* The form's fields for this person: 所在区县 offers their own district
 * when they are bound to one; else every district, and 全市 for admin. */
static struct field *
form_fields(struct req *r)
{
	const struct staff *s = staff_of(r);
	struct field *f = arena_alloc(r->a, sizeof(activity_fields));
	memcpy(f, activity_fields, sizeof(activity_fields));
	const char **opts;
	if (s->district_id) {
		opts = arena_calloc(r->a, 2, sizeof(*opts));
		opts[0] = s->district;
	} else {
		int sample;
		const char *const *d = district_options(r, &sample);
		size_t n = 0, k = 0;
		while (d[n])
			n++;
		opts = arena_calloc(r->a, n + 2, sizeof(*opts));
		if (s->roles & ROLE_ADMIN)
			opts[k++] = CITY_WIDE;
		for (size_t i = 0; i < n; i++)
			opts[k++] = d[i];
	}
	f[A_DISTRICT].options = opts;
	return f;
}

static void
show_form(struct req *r, int status, const struct field *f,
    const struct fresult *res, const struct activity *act, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	struct tval *view = form_view(r, f, A__N, res);
	static const int times[] = {A_START, A_END, A_DEADLINE};
	for (size_t i = 0; i < ZJ_NELEM(times); i++)
		tv_puts(a, tv_get(view, f[times[i]].name), "type", "datetime-local");
	tv_put(a, ctx, "f", view);
	if (act) {
		tv_putf(a, ctx, "action", "/staff/volunteer/%lld/edit", act->id);
		tv_putf(a, ctx, "back", "/staff/volunteer/%lld", act->id);
		tv_puts(a, ctx, "heading", "修改志愿活动");
		tv_puts(a, ctx, "title", act->title);
		tv_puti(a, ctx, "confirmed", act->confirmed);
		tv_puti(a, ctx, "waiting", act->waiting);
		tv_putb(a, ctx, "edit", 1);
	} else {
		tv_puts(a, ctx, "action", "/staff/volunteer/new");
		tv_puts(a, ctx, "back", "/staff/volunteer");
		tv_puts(a, ctx, "heading", "新建志愿活动");
	}
	if (message)
		tv_puts(a, ctx, "form_error", message);
	resp_render(r, status, "staff/volunteer/form", ctx);
}

struct checked {
	const char *starts_at, *ends_at, *deadline;
	long long district_id;   /* 0: city-wide */
};

/* form_check plus what one field cannot check alone.  Returns the number
 * of fields in error; c is filled when there are none. */
static int
check_activity(struct req *r, const struct field *f, struct fresult *res,
    struct checked *c, int is_new)
{
	static const int times[] = {A_START, A_END, A_DEADLINE};
	const char **out[] = {&c->starts_at, &c->ends_at, &c->deadline};
	const char *why;
	char now[32];
	int errors = form_check(r, f, A__N, res);
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ZJ_NELEM(times); i++) {
		struct fresult *x = &res[times[i]];
		if (x->error == NULL &&
		    (why = local_to_utc(r, x->value, out[i])) != NULL) {
			x->error = arena_printf(r->a, "%s%s", f[times[i]].label, why);
			errors++;
		}
	}
	if (c->starts_at && c->ends_at && strcmp(c->ends_at, c->starts_at) <= 0) {
		res[A_END].error = "结束时间须晚于开始时间";
		errors++;
	}
	if (c->starts_at && c->deadline && strcmp(c->deadline, c->starts_at) >= 0) {
		res[A_DEADLINE].error = "报名截止须早于开始时间";
		errors++;
	}
	utc_now_iso(now, sizeof(now));
	if (is_new && c->starts_at && strcmp(c->starts_at, now) <= 0) {
		res[A_START].error = "开始时间须晚于现在";
		errors++;
	}
	if (res[A_DISTRICT].error == NULL &&
	    strcmp(res[A_DISTRICT].value, CITY_WIDE) != 0 &&
	    (c->district_id = district_id(r, res[A_DISTRICT].value)) == 0) {
		res[A_DISTRICT].error = "请从列表中选择所在区县";
		errors++;
	}
	return errors;
}

/* Bind the form's values to the INSERT or UPDATE: title at ?first. */
static void
bind_activity(sqlite3_stmt *st, int first, const struct fresult *res,
    const struct checked *c)
{
	db_bind_text(st, first, res[A_TITLE].value);
	db_bind_text(st, first + 1, res[A_DESC].value);
	db_bind_text(st, first + 2, c->starts_at);
	db_bind_text(st, first + 3, c->ends_at);
	db_bind_text(st, first + 4, res[A_PLACE].value);
	if (c->district_id)
		db_bind_int(st, first + 5, c->district_id);
	db_bind_int(st, first + 6, res[A_CAPACITY].num);
	db_bind_text(st, first + 7, c->deadline);
}

static void
new_get(struct req *r)
{
	show_form(r, 200, form_fields(r), NULL, NULL, NULL);
}

static void
new_post(struct req *r)
{
	struct db *db = r->app->db;
	struct field *f = form_fields(r);
	struct fresult res[A__N];
	struct checked c;
	char now[32];
	if (check_activity(r, f, res, &c, 1)) {
		show_form(r, 422, f, res, NULL, NULL);
		return;
	}
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st;
	long long id = 0;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		goto fail;
	if ((st = db_prep(db, sql_insert)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	bind_activity(st, 1, res, &c);
	db_bind_text(st, 9, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db_handle(db));
	audit(r, "activity.create", arena_printf(r->a, "activity:%lld", id),
	    res[A_TITLE].value);
	if ((rc = db_commit(db)) != SQLITE_OK)
		goto fail;
	resp_redirect(r, 303, arena_printf(r->a, "/staff/volunteer/%lld?done=created", id));
	return;
fail:
	answer_db_failure(r, rc);
}

static void
edit_get(struct req *r)
{
	struct activity *act = route_activity(r, 1);
	if (act == NULL)
		return;
	if (act->cancelled) {
		resp_redirect(r, 302, arena_printf(r->a, "/staff/volunteer/%lld", act->id));
		return;
	}
	struct fresult res[A__N];
	memset(res, 0, sizeof(res));
	res[A_TITLE].value = act->title;
	res[A_DESC].value = act->description;
	res[A_START].value = utc_to_local(r, act->starts_at);
	res[A_END].value = utc_to_local(r, act->ends_at);
	res[A_PLACE].value = act->place;
	res[A_DISTRICT].value = act->district_id ? act->district : CITY_WIDE;
	res[A_CAPACITY].value = arena_printf(r->a, "%lld", act->capacity);
	res[A_DEADLINE].value = utc_to_local(r, act->deadline);
	show_form(r, 200, form_fields(r), res, act, NULL);
}

enum outcome { OUT_DONE, OUT_GONE, OUT_CANCELLED, OUT_TOO_FEW };

/*
 * Save the edited activity in one transaction: re-read it (still there,
 * still ours, not cancelled, 名额 not below the confirmed count), update,
 * let the wait-list move into new places, audit.  Returns SQLITE_DONE
 * with *outcome (nothing changed unless OUT_DONE), or the failing code.
 */
static int
edit_store(struct req *r, struct activity *act, const struct fresult *res,
    const struct checked *c, enum outcome *outcome, const char **moved)
{
	struct db *db = r->app->db;
	const struct staff *s = staff_of(r);
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	int found = activity_load(r, act->id, act, &rc);
	if (found < 0)
		goto fail;
	*outcome = !found || !may_edit(s, act) ? OUT_GONE :
	    act->cancelled ? OUT_CANCELLED :
	    res[A_CAPACITY].num < act->confirmed ? OUT_TOO_FEW : OUT_DONE;
	if (*outcome != OUT_DONE) {
		db_rollback(db);
		return SQLITE_DONE;
	}
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_update)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, act->id);
	bind_activity(st, 2, res, c);
	db_bind_text(st, 10, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	/* People who signed up hear of a new time or place at /status. */
	int moved_time = strcmp(act->starts_at, c->starts_at) != 0 ||
	    strcmp(act->ends_at, c->ends_at) != 0;
	int moved_place = strcmp(act->place, res[A_PLACE].value) != 0;
	if ((moved_time || moved_place) &&
	    (rc = tell_everyone(r, act, "活动变更", arena_printf(r->a,
	    "“%s”%s有变化,现在是:%s,%s", res[A_TITLE].value,
	    moved_time && moved_place ? "时间和地点" : moved_time ? "时间" : "地点",
	    show_span(r->a, c->starts_at, c->ends_at), res[A_PLACE].value),
	    NULL)) != SQLITE_DONE)
		goto fail;
	if ((rc = roster_fill(r, act->id, s->id, moved)) != SQLITE_DONE)
		goto fail;
	audit(r, "activity.edit", arena_printf(r->a, "activity:%lld", act->id),
	    arena_printf(r->a, "%s%s%s;名额 %lld→%lld%s%s", res[A_TITLE].value,
	    moved_time ? ";时间变更" : "", moved_place ? ";地点变更" : "",
	    act->capacity, res[A_CAPACITY].num, **moved ? ";候补转正:" : "", *moved));
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
fail:
	db_rollback(db);
	return rc;
}

/* Count of "、"-joined references in s. */
static int
count_refs(const char *s)
{
	int n = *s != '\0';
	for (; (s = strstr(s, "、")) != NULL; s += strlen("、"))
		n++;
	return n;
}

static void
edit_post(struct req *r)
{
	struct activity *act = route_activity(r, 1);
	if (act == NULL)
		return;
	struct field *f = form_fields(r);
	struct fresult res[A__N];
	struct checked c;
	if (check_activity(r, f, res, &c, 0)) {
		show_form(r, 422, f, res, act, NULL);
		return;
	}
	enum outcome outcome = OUT_GONE;
	const char *moved = "";
	int rc = edit_store(r, act, res, &c, &outcome, &moved);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	switch (outcome) {
	case OUT_GONE:
		resp_error(r, 404, NULL);
		return;
	case OUT_CANCELLED:
		show_form(r, 422, f, res, act, "本活动已经取消,不能再修改。");
		return;
	case OUT_TOO_FEW:
		res[A_CAPACITY].error = arena_printf(r->a,
		    "已有 %lld 人确认报名,名额不能少于 %lld。如确需减少,请先在名单中移除报名",
		    act->confirmed, act->confirmed);
		show_form(r, 422, f, res, act, NULL);
		return;
	case OUT_DONE:
		break;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/volunteer/%lld?done=edited&n=%d",
	    act->id, count_refs(moved)));
}

/* ---- GET /staff/volunteer/{id}: the roster ---- */

/* A problem to show beside one row's form (422), or none. */
struct row_error {
	const char *ref, *action, *message;
	const struct fresult *res;   /* that form's values, kept */
};

static struct tval *
signup_row(struct req *r, sqlite3_stmt *st, long long aid, long long position,
    const struct row_error *e)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	const char *ref = db_col_text(st, 1);
	tv_puts(a, m, "ref", ref);
	tv_puts(a, m, "name", db_col_text(st, 2));
	tv_puts(a, m, "phone", db_col_text(st, 3));
	tv_puts(a, m, "skills", db_col_text(st, 4));
	tv_puts(a, m, "note", db_col_text(st, 5));
	tv_puts(a, m, "status", db_col_text(st, 6));
	int attended = sqlite3_column_int(st, 7);
	long long hours = sqlite3_column_int64(st, 8);
	tv_putb(a, m, "attended", attended);
	tv_puts(a, m, "hours", arena_printf(a, "%lld", hours));
	tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 9)));
	if (position)
		tv_puti(a, m, "position", position);
	tv_putf(a, m, "attend_action", "/staff/volunteer/%lld/signups/%s/attend", aid, ref);
	tv_putf(a, m, "remove_action", "/staff/volunteer/%lld/signups/%s/remove", aid, ref);
	if (e && e->ref && strcmp(e->ref, ref) == 0) {
		struct tval *err = tv_map(a);
		tv_puts(a, err, "message", e->message);
		tv_put(a, m, strcmp(e->action, "attend") == 0 ? "attend_error" :
		    "remove_error", err);
		if (strcmp(e->action, "attend") == 0 && e->res) {
			tv_putb(a, m, "attended", e->res[T_ATTENDED].num);
			tv_puts(a, m, "hours", e->res[T_HOURS].value);
		}
	}
	return m;
}

/* The sign-ups of act with status into ctx[key]; attended/hours summed. */
static int
roster_list(struct req *r, const struct activity *act, const char *status,
    struct tval *ctx, const char *key, const struct row_error *e,
    long long sums[2])
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_roster);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, act->id);
	db_bind_text(st, 2, status);
	struct tval *list = tv_list(r->a);
	int waiting = strcmp(status, "候补") == 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tv_push(r->a, list, signup_row(r, st, act->id,
		    waiting ? (long long)list->n + 1 : 0, e));
		if (sums && sqlite3_column_int(st, 7)) {
			sums[0]++;
			sums[1] += sqlite3_column_int64(st, 8);
		}
	}
	sqlite3_reset(st);
	tv_put(r->a, ctx, key, list);
	return rc == SQLITE_DONE ? SQLITE_DONE : rc;
}

static const char *
done_message(struct req *r)
{
	const char *done = req_query(r, "done"), *n = req_query(r, "n");
	int moved = n && strspn(n, "0123456789") == strlen(n) && strlen(n) < 6 ?
	    atoi(n) : 0;
	const char *more = moved ? arena_printf(r->a,
	    "有 %d 位候补按报名先后转为正式,他们在进度查询中可以看到。", moved) : "";
	if (done == NULL)
		return NULL;
	if (strcmp(done, "created") == 0)
		return "活动已创建,已出现在公开的志愿服务页面上。";
	if (strcmp(done, "edited") == 0)
		return arena_printf(r->a, "修改已保存。%s", more);
	if (strcmp(done, "cancelled") == 0)
		return "活动已取消。每位报名人的进度查询中都记下了“活动取消”和原因。";
	if (strcmp(done, "attend") == 0)
		return "出席情况已保存。";
	if (strcmp(done, "removed") == 0)
		return arena_printf(r->a, "已移出这份报名。%s", more);
	return NULL;
}

static void
show_roster(struct req *r, int status, const struct activity *act,
    const struct row_error *e, const struct fresult *cancel_res)
{
	struct arena *a = r->a;
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(a);
	struct tval *av = activity_view(r, act, now);
	tv_put(a, ctx, "a", av);
	struct tval *paras = tv_list(a);
	for (const char *p = act->description; *p;) {
		size_t n = strcspn(p, "\n"), k = n;
		while (k && (p[k - 1] == '\r' || p[k - 1] == ' '))
			k--;
		if (k) {
			struct tval *pm = tv_map(a);
			tv_put(a, pm, "text", tv_strn(a, p, k));
			tv_push(a, paras, pm);
		}
		p += n + (p[n] == '\n');
	}
	tv_put(a, ctx, "paragraphs", paras);
	long long sums[2] = {0, 0};
	int rc = roster_list(r, act, "已确认", ctx, "confirmed", e, sums);
	if (rc == SQLITE_DONE)
		rc = roster_list(r, act, "候补", ctx, "waiting", e, NULL);
	if (rc == SQLITE_DONE)
		rc = roster_list(r, act, "已取消", ctx, "cancelled", e, NULL);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	tv_puti(a, ctx, "attended", sums[0]);
	tv_puti(a, ctx, "hours", sums[1]);
	tv_puti(a, ctx, "n_cancelled", (long long)tv_get(ctx, "cancelled")->n);
	tv_putf(a, ctx, "cancel_action", "/staff/volunteer/%lld/cancel", act->id);
	tv_put(a, ctx, "cf", form_view(r, cancel_fields, C__N, cancel_res));
	const char *msg = done_message(r);
	if (msg && status == 200)
		tv_puts(a, ctx, "notice", msg);
	resp_render(r, status, "staff/volunteer/roster", ctx);
}

static void
roster_get(struct req *r)
{
	struct activity *act = route_activity(r, 0);
	if (act)
		show_roster(r, 200, act, NULL, NULL);
}

/* ---- POST /staff/volunteer/{id}/cancel ---- */

/* Cancel act and tell every live sign-up, in one transaction.  Returns
 * SQLITE_DONE (*outcome OUT_GONE / OUT_CANCELLED: nothing changed) or the
 * failing code. */
static int
cancel_store(struct req *r, struct activity *act, const char *reason,
    enum outcome *outcome)
{
	struct db *db = r->app->db;
	const struct staff *s = staff_of(r);
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	int found = activity_load(r, act->id, act, &rc);
	if (found < 0)
		goto fail;
	*outcome = !found || !may_edit(s, act) ? OUT_GONE :
	    act->cancelled ? OUT_CANCELLED : OUT_DONE;
	if (*outcome != OUT_DONE) {
		db_rollback(db);
		return SQLITE_DONE;
	}
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_cancel)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, act->id);
	db_bind_text(st, 2, reason);
	db_bind_text(st, 3, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	const char *note = arena_printf(r->a, "“%s”已取消:%s", act->title, reason);
	size_t n = 0;
	if ((rc = tell_everyone(r, act, "活动取消", note, &n)) != SQLITE_DONE)
		goto fail;
	audit(r, "activity.cancel", arena_printf(r->a, "activity:%lld", act->id),
	    arena_printf(r->a, "%s;原因:%s;通知 %zu 份报名", act->title, reason, n));
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
fail:
	db_rollback(db);
	return rc;
}

static void
cancel_post(struct req *r)
{
	struct activity *act = route_activity(r, 1);
	if (act == NULL)
		return;
	struct fresult res[C__N];
	if (form_check(r, cancel_fields, C__N, res)) {
		show_roster(r, 422, act, NULL, res);
		return;
	}
	enum outcome outcome = OUT_GONE;
	int rc = cancel_store(r, act, res[C_REASON].value, &outcome);
	if (rc != SQLITE_DONE)
		answer_db_failure(r, rc);
	else if (outcome == OUT_GONE)
		resp_error(r, 404, NULL);
	else
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=cancelled", act->id));
}

/* ---- one sign-up: attend, remove ---- */

struct signup {
	long long id;
	const char *ref, *status;
};

/* The route's {ref} when it is a sign-up of act: 1; 0 not; -1 (*rc). */
static int
signup_load(struct req *r, const struct activity *act, struct signup *s, int *rc)
{
	const char *ref = r->params[1];
	if (!ref_ok(ref, "ZY"))
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_signup);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st), found = 0;
	if (step == SQLITE_ROW && sqlite3_column_int64(st, 1) == act->id) {
		s->id = sqlite3_column_int64(st, 0);
		s->status = arena_strdup(r->a, db_col_text(st, 2));
		s->ref = ref;
		found = 1;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		*rc = step;
		return -1;
	}
	return found;
}

/* The route's activity (to change) and sign-up, or NULL after answering. */
static struct activity *
route_signup(struct req *r, struct signup *s)
{
	struct activity *act = route_activity(r, 1);
	int rc = SQLITE_ERROR, found;
	if (act == NULL)
		return NULL;
	if ((found = signup_load(r, act, s, &rc)) > 0)
		return act;
	if (found < 0)
		answer_db_failure(r, rc);
	else
		resp_error(r, 404, NULL);
	return NULL;
}

static void
attend_post(struct req *r)
{
	struct signup s;
	struct activity *act = route_signup(r, &s);
	if (act == NULL)
		return;
	struct fresult res[T__N];
	char now[32];
	utc_now_iso(now, sizeof(now));
	int errors = form_check(r, attend_fields, T__N, res);
	const char *why = res[T_HOURS].error;
	if (!errors && strcmp(s.status, "已确认") != 0)
		why = "只有已确认的报名可以登记出席";
	else if (!errors && strcmp(act->starts_at, now) > 0)
		why = "活动开始后才能登记出席和服务时长";
	else if (!errors && !res[T_ATTENDED].num && res[T_HOURS].num > 0)
		why = "未出席时服务时长应为 0;如已出席,请勾选“出席”";
	if (why) {
		struct row_error e = {s.ref, "attend", why, res};
		show_roster(r, 422, act, &e, NULL);
		return;
	}
	struct db *db = r->app->db;
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		goto fail;
	if ((st = db_prep(db, sql_attend)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, s.id);
	db_bind_int(st, 2, res[T_ATTENDED].num);
	db_bind_int(st, 3, res[T_HOURS].num);
	db_bind_text(st, 4, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	audit(r, "signup.attend", s.ref, res[T_ATTENDED].num ?
	    arena_printf(r->a, "出席,服务 %lld 小时", res[T_HOURS].num) : "未出席");
	if ((rc = db_commit(db)) != SQLITE_OK)
		goto fail;
	resp_redirect(r, 303, arena_printf(r->a, "/staff/volunteer/%lld?done=attend#%s",
	    act->id, s.ref));
	return;
fail:
	answer_db_failure(r, rc);  /* rolls back */
}

/*
 * Remove sign-up s of act in one transaction: re-read both, mark it
 * 已取消 with a public event, and when it held a place of an activity
 * still to come, let the wait-list move up.  Returns SQLITE_DONE (*outcome
 * OUT_GONE: gone meanwhile; OUT_CANCELLED: already removed) or the code.
 */
static int
remove_store(struct req *r, struct activity *act, struct signup *s,
    const char *reason, enum outcome *outcome, const char **moved)
{
	struct db *db = r->app->db;
	const struct staff *me = staff_of(r);
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	int found = activity_load(r, act->id, act, &rc);
	if (found > 0)
		found = may_edit(me, act) ? signup_load(r, act, s, &rc) : 0;
	if (found < 0)
		goto fail;
	*outcome = !found ? OUT_GONE :
	    strcmp(s->status, "已取消") == 0 ? OUT_CANCELLED : OUT_DONE;
	if (*outcome != OUT_DONE) {
		db_rollback(db);
		return SQLITE_DONE;
	}
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_remove)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	const char *note = *reason ?
	    arena_printf(r->a, "工作人员取消了您的报名:%s", reason) :
	    "工作人员取消了您的报名";
	if ((rc = event_add(r, s->ref, "已取消", note, 1, me->id)) != SQLITE_DONE)
		goto fail;
	*moved = "";
	if (strcmp(s->status, "已确认") == 0 && !act->cancelled &&
	    strcmp(act->starts_at, now) > 0 &&
	    (rc = roster_fill(r, act->id, me->id, moved)) != SQLITE_DONE)
		goto fail;
	audit(r, "signup.remove", s->ref, arena_printf(r->a, "activity:%lld;原为%s%s%s%s%s",
	    act->id, s->status, *reason ? ";原因:" : "", reason,
	    **moved ? ";候补转正:" : "", *moved));
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
fail:
	db_rollback(db);
	return rc;
}

static void
remove_post(struct req *r)
{
	struct signup s;
	struct activity *act = route_signup(r, &s);
	if (act == NULL)
		return;
	struct fresult res[R__N];
	if (form_check(r, remove_fields, R__N, res)) {
		struct row_error e = {s.ref, "remove", res[R_REASON].error, NULL};
		show_roster(r, 422, act, &e, NULL);
		return;
	}
	enum outcome outcome = OUT_GONE;
	const char *moved = "";
	int rc = remove_store(r, act, &s, res[R_REASON].value, &outcome, &moved);
	if (rc != SQLITE_DONE)
		answer_db_failure(r, rc);
	else if (outcome == OUT_GONE)
		resp_error(r, 404, NULL);
	else
		resp_redirect(r, 303, arena_printf(r->a,
		    "/staff/volunteer/%lld?done=removed&n=%d", act->id, count_refs(moved)));
}

#define WHO (ROLE_ADMIN | ROLE_REVIEWER)

const struct route page_staff_volunteer_routes[] = {
	{"GET", "/staff/volunteer", volunteer_list, WHO, NULL},
	{"GET", "/staff/volunteer/new", new_get, WHO, NULL},
	{"POST", "/staff/volunteer/new", new_post, WHO, NULL},
	{"GET", "/staff/volunteer/{id}", roster_get, WHO, NULL},
	{"GET", "/staff/volunteer/{id}/edit", edit_get, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/edit", edit_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/cancel", cancel_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/signups/{ref}/attend", attend_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/signups/{ref}/remove", remove_post, WHO, NULL},
	{0},
};
