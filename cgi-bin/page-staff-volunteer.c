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
 * The area is three files: this one (the list, the route table, and the
 * activity every page loads), page-staff-activity.c (the activity form:
 * new, edit) and page-staff-roster.c (the roster and what is posted from
 * it: cancel, attend, remove); page-staff-volunteer.h is what they share.
 *
 * Who: admin everything.  A reviewer sees the activities of their district
 * and the city-wide ones (no district), and changes only their district's;
 * any other activity answers 404, as if it did not exist.
 *
 * Times are typed in Beijing time (datetime-local inputs) and stored as
 * UTC ISO-8601 text, so stored times compare as strings.  Every change is
 * one job (writer.h) with its events and its audit entry, and reads the
 * activity again there: still there, still the person's to change.
 */
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "queue.h"
#include "staff.h"
#include "store.h"
#include "page-staff-volunteer.h"
#include "when.h"
#include "vocab.h"


/* ---- SQL ---- */

/* Who may see a row: ?D = a district (0: all), ?C = city-wide ones too. */
#define SEES(d, c) \
    " (" d " = 0 OR a.district_id = " d " OR (" c " AND a.district_id IS NULL))"

/* The list, newest start first (parameters: queue.h). */
static const char sql_list[] =
    "SELECT " ACTIVITY_COLS("''") " WHERE" SEES(":district", ":own_district")
    " AND (:status = '' OR (:status = '" ACTIVITY_CANCELLED "' AND a.cancelled = 1)"
    "  OR (a.cancelled = 0 AND ("
    "   (:status = '" ACTIVITY_OPEN "' AND a.deadline > :now AND a.starts_at > :now)"
    "   OR (:status = '" ACTIVITY_CLOSED "' AND a.deadline <= :now AND a.starts_at > :now)"
    "   OR (:status = '" ACTIVITY_RUNNING "' AND a.starts_at <= :now AND a.ends_at > :now)"
    "   OR (:status = '" ACTIVITY_ENDED "' AND a.ends_at <= :now))))"
    " AND (:from = '' OR a.starts_at >= :from) AND (:to = '' OR a.starts_at < :to)"
    " AND a.starts_at <= coalesce((SELECT starts_at FROM activities"
    "   WHERE id = :before), '9999')"   /* lets the index seek to the cursor */
    " AND (:before = 0 OR (a.starts_at, a.id) <"
    "   (SELECT starts_at, id FROM activities WHERE id = :before))"
    " ORDER BY a.starts_at DESC, a.id DESC LIMIT :limit";
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
/* may_edit_activity on the staff table: ?1 the member, ?2 the district. */
static const char sql_may_edit[] =
    "SELECT role = '" ROLE_NAME_ADMIN "' OR (?2 <> 0 AND"
    " (district_id IS NULL OR district_id = ?2)) FROM staff WHERE id = ?1";
static const char sql_live_refs[] =
    "SELECT ref, phone FROM signups WHERE activity_id = ?1"
    " AND status <> '" SIGNUP_CANCELLED "'"
    " ORDER BY id";

/* ---- activities ---- */



static int
may_see(const struct staff *s, const struct activity *act)
{
	return act->district_id == 0 || staff_sees_district(s, act->district_id);
}

/* City-wide activities are the admin's; the rest their district's. */
int
may_edit_activity(const struct staff *s, const struct activity *act)
{
	if (s->roles & ROLE_ADMIN)
		return 1;
	return act->district_id != 0 && staff_sees_district(s, act->district_id);
}

/* The route's activity when the person may see it (edit: change it), or
 * NULL after answering 404 / 503. */
struct activity *
route_activity(struct req *r, int edit)
{
	const struct staff *s = staff_of(r);
	struct activity *act = arena_calloc(r->a, 1, sizeof(*act));
	long long id = req_param_id(r, 0);
	int rc = SQLITE_ERROR;
	int found = id > 0 ? activity_load(r, id, act, &rc) : 0;
	if (found > 0 && !(edit ? may_edit_activity(s, act) : may_see(s, act)))
		found = 0;
	if (found < 0)
		answer_db_failure(r, rc);
	else if (found == 0)
		resp_error(r, 404, NULL);
	return found > 0 ? act : NULL;
}

/* What the list and the roster show of an activity. */
struct tval *
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
	tv_puts(a, m, "state", activity_state(act, now));
	tv_putb(a, m, "cancelled", act->cancelled);
	tv_puts(a, m, "cancel_reason", act->cancel_reason);
	tv_putb(a, m, "sample", act->sample);
	tv_putb(a, m, "started", strcmp(act->starts_at, now) <= 0);
	tv_putb(a, m, "editable", may_edit_activity(s, act));
	tv_putb(a, m, "city_wide", act->district_id == 0);
	return m;
}

/*
 * Inside the caller's transaction: a public event on every live sign-up
 * of act (what /status shows them).  Returns SQLITE_DONE or the code;
 * *n (may be NULL) gets how many were told.
 */
int
tell_everyone(struct db *db, const struct actor *who, struct arena *a,
    const struct activity *act, const char *status, const char *note,
    const char *kind, size_t *n)
{
	sqlite3_stmt *st = db_prep(db, sql_live_refs);
	size_t k = 0, cap = (size_t)(act->confirmed + act->waiting) + 1;
	int rc;
	if (st == NULL)
		return SQLITE_ERROR;
	/* Read every reference first, then write their events. */
	db_bind_int(st, 1, act->id);
	const char **refs = arena_calloc(a, cap, sizeof(*refs));
	const char **phones = arena_calloc(a, cap, sizeof(*phones));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < cap) {
		phones[k] = arena_strdup(a, db_col_text(st, 1));
		refs[k++] = arena_strdup(a, db_col_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rc;
	rc = SQLITE_DONE;
	for (size_t i = 0; i < k && rc == SQLITE_DONE; i++) {
		rc = event_add(db, who, refs[i], status, note, 1);
		if (rc == SQLITE_DONE && kind != NULL)
			rc = outbox_put_activity(db, who, kind, refs[i], phones[i],
			    act->title, act->starts_at, act->place);
	}
	if (n)
		*n = k;
	return rc;
}

int
activity_wall(struct db *db, const struct actor *who, long long district_id)
{
	return store_staff_may(db, who, sql_may_edit, district_id);
}

int
activity_for_job(struct db *db, const struct actor *who, struct arena *a,
    long long id, struct activity *act, enum outcome *outcome)
{
	int rc = SQLITE_ERROR;
	int found = activity_read(db, a, id, act, &rc);
	*outcome = OUT_GONE;
	if (found < 0)
		return rc;
	if (found == 0)
		return SQLITE_DONE;
	if ((rc = activity_wall(db, who, act->district_id)) == SQLITE_AUTH)
		return SQLITE_DONE;
	if (rc != SQLITE_OK)
		return rc;
	*outcome = act->cancelled ? OUT_CANCELLED : OUT_DONE;
	return SQLITE_DONE;
}

/* Count of "、"-joined references in s. */
int
count_refs(const char *s)
{
	int n = *s != '\0';
	for (; (s = strstr(s, "、")) != NULL; s += strlen("、"))
		n++;
	return n;
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

static struct tval *
activity_item(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	struct activity act;
	activity_row(r, st, &act);
	return activity_view(r, &act, f->now);
}

static const struct queue_plan list_plans[] = {{0, NULL, sql_list}};
static const struct queue activities = {
	.name = "volunteer", .path = "/staff/volunteer", .tmpl = "staff/volunteer/list",
	.statuses = activity_states, .plans = list_plans, .row = activity_item,
};

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
	tv_put(r->a, ctx, "filter", queue_filter_view(r, &f, activity_states, NULL));
	int rc = queue_page(r, &activities, &f, ctx);
	if (rc == SQLITE_DONE && f.q_kind != Q_NONE)
		rc = find_volunteers(r, &f, ctx);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_render(r, 200, "staff/volunteer/list", ctx);
}

#define WHO (ROLE_ADMIN | ROLE_REVIEWER)

const struct route page_staff_volunteer_routes[] = {
	{"GET", "/staff/volunteer", volunteer_list, WHO, NULL},
	{"GET", "/staff/volunteer/new", activity_new_get, WHO, NULL},
	{"POST", "/staff/volunteer/new", activity_new_post, WHO, NULL},
	{"GET", "/staff/volunteer/{id}", roster_get, WHO, NULL},
	{"GET", "/staff/volunteer/{id}/edit", activity_edit_get, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/edit", activity_edit_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/cancel", roster_cancel_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/signups/{ref}/attend", roster_attend_post, WHO, NULL},
	{"POST", "/staff/volunteer/{id}/signups/{ref}/remove", roster_remove_post, WHO, NULL},
	{0},
};
