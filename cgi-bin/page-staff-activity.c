/*
 * page-staff-activity.c - 志愿服务 for staff: the activity form (its
 * routes are in the table in page-staff-volunteer.c).
 *
 *   GET|POST  /staff/volunteer/new           create an activity
 *   GET|POST  /staff/volunteer/{id}/edit     edit; more 名额 moves the wait-list up
 *
 * Who may see or change which activity: see page-staff-volunteer.c.
 *
 * Times are typed in Beijing time (datetime-local inputs) and stored as
 * UTC ISO-8601 text, so stored times compare as strings.  Every change is
 * one job with its events and its audit entry ("activity.create",
 * "activity.edit"), which checks again who may make it.
 */
#include <string.h>
#include <time.h>

#include "db.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "roster.h"
#include "staff.h"
#include "store.h"
#include "page-staff-volunteer.h"
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

/* ---- SQL ---- */

static const char sql_insert[] =
    "INSERT INTO activities (title, description, starts_at, ends_at, place,"
    " district_id, capacity, deadline, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
static const char sql_update[] =
    "UPDATE activities SET title = ?2, description = ?3, starts_at = ?4,"
    " ends_at = ?5, place = ?6, district_id = ?7, capacity = ?8,"
    " deadline = ?9, updated_at = ?10 WHERE id = ?1";

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
	char out[32];
	shanghai_to_utc_iso(timegm(&tm), out, sizeof(out));
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

void
activity_new_get(struct req *r)
{
	show_form(r, 200, form_fields(r), NULL, NULL, NULL);
}

/* The form's checked values as job inputs, and back (in a job). */
static void
put_activity(struct job *j, const struct fresult *res, const struct checked *c)
{
	job_put_form(j, activity_fields, A__N, res);
	job_put_text(j, "starts_at", c->starts_at);
	job_put_text(j, "ends_at", c->ends_at);
	job_put_text(j, "deadline", c->deadline);
	job_put_int(j, "district", c->district_id);
}

static struct fresult *
get_activity(struct arena *a, const struct job *j, struct checked *c)
{
	c->starts_at = job_text(j, "starts_at");
	c->ends_at = job_text(j, "ends_at");
	c->deadline = job_text(j, "deadline");
	c->district_id = job_int(j, "district", 0);
	if (c->starts_at == NULL || c->ends_at == NULL || c->deadline == NULL)
		return NULL;
	return job_form(a, j, activity_fields, A__N);
}

/* Job "activity.create": the activity of the form's values (put_activity),
 * when the actor may make one in its district (checked again here), with
 * its audit entry.  Out: "id".  SQLITE_DONE, SQLITE_AUTH (not theirs:
 * nothing stored), or the failing code. */
static int
create_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct checked c;
	char now[32];
	const struct fresult *res = get_activity(a, in, &c);
	if (res == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = activity_wall(db, &who, c.district_id);
	if (rc != SQLITE_OK)
		return rc;
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_insert);
	if (st == NULL)
		return SQLITE_ERROR;
	bind_activity(st, 1, res, &c);
	db_bind_text(st, 9, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	long long id = sqlite3_last_insert_rowid(db_handle(db));
	job_put_int(out, "id", id);
	return audit(db, &who, AUDIT_ACTIVITY_CREATE,
	    arena_printf(a, "activity:%lld", id), res[A_TITLE].value);
}

void
activity_new_post(struct req *r)
{
	struct field *f = form_fields(r);
	struct fresult res[A__N];
	struct checked c;
	if (check_activity(r, f, res, &c, 1)) {
		show_form(r, 422, f, res, NULL, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "activity.create");
	put_activity(&in, res, &c);
	int rc = store_job(r, &in, &out);
	store_answer(r, rc, arena_printf(r->a, "/staff/volunteer/%lld?done=created",
	    job_int(&out, "id", 0)));
}

void
activity_edit_get(struct req *r)
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


/*
 * Job "activity.edit": activity "id" saved with the form's values
 * (put_activity) after reading it again (still there, still the actor's,
 * not cancelled, 名额 not below the confirmed count); people who signed up
 * told of a new time or place; the wait-list moves into new places; the
 * audit entry.  Out: "outcome" (nothing changed unless OUT_DONE; with
 * OUT_TOO_FEW "confirmed") and "moved".  SQLITE_DONE or the failing code.
 */
static int
edit_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct activity act = {0};
	struct checked c;
	enum outcome outcome;
	char now[32];
	const struct fresult *res = get_activity(a, in, &c);
	if (res == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = activity_for_job(db, &who, a, job_int(in, "id", 0), &act, &outcome);
	if (rc == SQLITE_DONE && outcome == OUT_DONE &&
	    res[A_CAPACITY].num < act.confirmed)
		outcome = OUT_TOO_FEW;
	job_put_int(out, "outcome", outcome);
	job_put_int(out, "confirmed", act.confirmed);
	if (rc != SQLITE_DONE || outcome != OUT_DONE)
		return rc;
	/* moving it to another district is a change of that district too */
	if ((rc = activity_wall(db, &who, c.district_id)) != SQLITE_OK) {
		job_put_int(out, "outcome", OUT_GONE);
		return rc == SQLITE_AUTH ? SQLITE_DONE : rc;
	}
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_update);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, act.id);
	bind_activity(st, 2, res, &c);
	db_bind_text(st, 10, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	/* People who signed up hear of a new time or place at /status. */
	int moved_time = strcmp(act.starts_at, c.starts_at) != 0 ||
	    strcmp(act.ends_at, c.ends_at) != 0;
	int moved_place = strcmp(act.place, res[A_PLACE].value) != 0;
	struct activity now_is = act;   /* as the texts must tell it */
	now_is.title = res[A_TITLE].value;
	now_is.starts_at = c.starts_at;
	now_is.place = res[A_PLACE].value;
	if ((moved_time || moved_place) &&
	    (rc = tell_everyone(db, &who, a, &now_is, "活动变更", arena_printf(a,
	    "“%s”%s有变化,现在是:%s,%s", res[A_TITLE].value,
	    moved_time && moved_place ? "时间和地点" : moved_time ? "时间" : "地点",
	    show_span(a, c.starts_at, c.ends_at), res[A_PLACE].value),
	    MSG_ACTIVITY_CHANGED, NULL)) != SQLITE_DONE)
		return rc;
	const char *moved = "";
	if ((rc = roster_fill(db, &who, a, act.id, &moved)) != SQLITE_DONE)
		return rc;
	job_put_text(out, "moved", moved);
	return audit(db, &who, AUDIT_ACTIVITY_EDIT,
	    arena_printf(a, "activity:%lld", act.id),
	    arena_printf(a, "%s%s%s;名额 %lld→%lld%s%s", res[A_TITLE].value,
	    moved_time ? ";时间变更" : "", moved_place ? ";地点变更" : "",
	    act.capacity, res[A_CAPACITY].num, *moved ? ";候补转正:" : "", moved));
}

const struct job_type page_staff_activity_jobs[] = {
	{"activity.create", create_job},
	{"activity.edit", edit_job},
	{0},
};

void
activity_edit_post(struct req *r)
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
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "activity.edit");
	job_put_int(&in, "id", act->id);
	put_activity(&in, res, &c);
	int rc = store_job(r, &in, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	enum outcome outcome = (enum outcome)job_int(&out, "outcome", OUT_GONE);
	const char *moved = job_text(&out, "moved");
	long long confirmed = job_int(&out, "confirmed", act->confirmed);
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
		    confirmed, confirmed);
		show_form(r, 422, f, res, act, NULL);
		return;
	case OUT_DONE:
		break;
	default:  /* what only a sign-up finds: not from edit_job */
		resp_error(r, 500, NULL);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/volunteer/%lld?done=edited&n=%d",
	    act->id, count_refs(moved ? moved : "")));
}

