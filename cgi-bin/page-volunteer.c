/*
 * page-volunteer.c - 志愿服务: sign up for a union volunteer activity.
 *
 *   GET  /volunteer                          open activities, upcoming first
 *   GET  /volunteer/{id}                     the activity and its sign-up form
 *   POST /volunteer/{id}/signup              validate, store, 303 to the confirmation
 *   GET  /volunteer/signup/{ref}?t=TOKEN     the confirmation (private link)
 *   GET  /volunteer/signup/{ref}/cancel?t=…  "cancel this sign-up?" page
 *   POST /volunteer/signup/{ref}/cancel      cancel; the first wait-listed moves up
 *
 * Places are a hard limit: a sign-up counts the confirmed places and
 * inserts itself as 已确认 or 候补 inside one BEGIN IMMEDIATE transaction,
 * so SQLite's single writer makes the count and the insert one step for
 * every worker.  The cancel token is random (128 bits), shown only in the
 * person's private links, and stored as its SHA-256.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "roster.h"
#include "sign.h"
#include "valid.h"
#include "when.h"

#define TOKEN_BYTES 16   /* the private cancel token: 32 hex characters */

static const char *const skills[] = {
	"法律", "心理", "医疗", "教育培训", "文艺", "其他", NULL,
};

enum { V_NAME, V_PHONE, V_SKILLS, V_NOTE, V_CONSENT, V__N };

static const struct field signup_fields[V__N] = {
	[V_NAME] = {"name", "姓名", F_TEXT, 1, 1, 50, NULL, NULL, NULL},
	[V_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "用于活动通知和查询报名状态", NULL},
	[V_SKILLS] = {"skills", "特长", F_MULTI, 0, 0, 0, skills,
	    "可多选,方便我们安排合适的岗位", NULL},
	[V_NOTE] = {"note", "备注", F_TEXTAREA, 0, 0, 500, NULL,
	    "例如可以参加的时间段、需要说明的情况", NULL},
	[V_CONSENT] = {"consent", "同意处理个人信息", F_CHECK, 1, 0, 0, NULL,
	    "您的信息仅用于组织本次活动和联系您", NULL},
};

/* ---- SQL ---- */

#define ACTIVITY_COLS \
    "a.id, a.title, a.description, a.starts_at, a.ends_at, a.place," \
    " coalesce(d.name, ''), a.capacity, a.deadline, a.cancelled," \
    " a.cancel_reason, a.sample," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '已确认')," \
    " (SELECT count(*) FROM signups s WHERE s.activity_id = a.id" \
    "  AND s.status = '候补')" \
    " FROM activities a LEFT JOIN districts d ON d.id = a.district_id"

static const char sql_activity[] =
    "SELECT " ACTIVITY_COLS " WHERE a.id = ?1";
static const char sql_open[] =
    "SELECT " ACTIVITY_COLS
    " WHERE a.cancelled = 0 AND a.deadline > ?1 AND a.starts_at > ?1"
    " ORDER BY a.starts_at, a.id";
static const char sql_closed[] =
    "SELECT " ACTIVITY_COLS
    " WHERE a.cancelled = 1 OR a.deadline <= ?1 OR a.starts_at <= ?1"
    " ORDER BY a.starts_at DESC, a.id DESC LIMIT 10";
static const char sql_phone_taken[] =
    "SELECT 1 FROM signups WHERE activity_id = ?1 AND phone = ?2"
    " AND status <> '已取消'";
static const char sql_insert[] =
    "INSERT INTO signups (ref, activity_id, name, phone, skills, note, status,"
    " cancel_hash, consent_sensitive, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)";
static const char sql_signup[] =
    "SELECT id, activity_id, status, cancel_hash FROM signups WHERE ref = ?1";
static const char sql_position[] =
    "SELECT count(*) FROM signups WHERE activity_id = ?1 AND status = '候补'"
    " AND id <= ?2";
static const char sql_cancel[] =
    "UPDATE signups SET status = '已取消', updated_at = ?2"
    " WHERE id = ?1 AND status <> '已取消'";

/* ---- activities ---- */

struct activity {
	long long id, capacity, confirmed, waiting;
	const char *title, *description, *starts_at, *ends_at, *place;
	const char *district, *deadline, *cancel_reason;
	int cancelled, sample;
};

/* Copy the ACTIVITY_COLS row st is on into act (arena strings). */
static void
activity_row(struct req *r, sqlite3_stmt *st, struct activity *act)
{
	act->id = sqlite3_column_int64(st, 0);
	act->title = arena_strdup(r->a, db_col_text(st, 1));
	act->description = arena_strdup(r->a, db_col_text(st, 2));
	act->starts_at = arena_strdup(r->a, db_col_text(st, 3));
	act->ends_at = arena_strdup(r->a, db_col_text(st, 4));
	act->place = arena_strdup(r->a, db_col_text(st, 5));
	act->district = arena_strdup(r->a, db_col_text(st, 6));
	act->capacity = sqlite3_column_int64(st, 7);
	act->deadline = arena_strdup(r->a, db_col_text(st, 8));
	act->cancelled = sqlite3_column_int(st, 9);
	act->cancel_reason = arena_strdup(r->a, db_col_text(st, 10));
	act->sample = sqlite3_column_int(st, 11);
	act->confirmed = sqlite3_column_int64(st, 12);
	act->waiting = sqlite3_column_int64(st, 13);
}

/* Load activity id.  Returns 1 found, 0 not there, or -1 (SQLite error,
 * code in *rc when rc is not NULL). */
static int
activity_load(struct req *r, long long id, struct activity *act, int *rc)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_activity);
	if (st == NULL) {
		if (rc)
			*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_int(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		activity_row(r, st, act);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		if (rc)
			*rc = step;
		return -1;
	}
	return step == SQLITE_ROW;
}

/* ---- times: stored UTC ISO-8601, shown in Asia/Shanghai (UTC+8) ---- */

/* NULL while sign-ups are open at now, else why they are closed. */
static const char *
closed_reason(struct req *r, const struct activity *act, const char *now)
{
	if (act->cancelled)
		return act->cancel_reason[0] ?
		    arena_printf(r->a, "本活动已取消:%s。报名已关闭。", act->cancel_reason) :
		    "本活动已取消,报名已关闭。";
	if (strcmp(act->starts_at, now) <= 0)
		return strcmp(act->ends_at, now) <= 0 ? "本活动已结束,报名已关闭。" :
		    "本活动已经开始,报名已关闭。";
	if (strcmp(act->deadline, now) <= 0)
		return arena_printf(r->a, "报名已于 %s 截止。",
		    show_time(r->a, act->deadline, 0));
	return NULL;
}

/* What the templates show of an activity. */
static struct tval *
activity_view(struct req *r, const struct activity *act, const char *now)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	long long left = act->capacity - act->confirmed;
	tv_puti(a, m, "id", act->id);
	tv_putf(a, m, "url", "/volunteer/%lld", act->id);
	tv_puts(a, m, "title", act->title);
	tv_puts(a, m, "when", show_span(a, act->starts_at, act->ends_at));
	tv_puts(a, m, "place", act->place);
	if (act->district[0])
		tv_puts(a, m, "district", act->district);
	tv_puti(a, m, "capacity", act->capacity);
	tv_puti(a, m, "confirmed", act->confirmed);
	tv_puti(a, m, "waiting", act->waiting);
	tv_puti(a, m, "left", left > 0 ? left : 0);
	tv_putb(a, m, "full", left <= 0);
	tv_putb(a, m, "sample", act->sample);
	tv_puts(a, m, "deadline", show_time(a, act->deadline, 0));
	const char *why = closed_reason(r, act, now);
	if (why) {
		tv_puts(a, m, "closed", why);
		tv_puts(a, m, "state", act->cancelled ? "已取消" :
		    strcmp(act->ends_at, now) <= 0 ? "已结束" :
		    strcmp(act->starts_at, now) <= 0 ? "进行中" : "报名已截止");
	}
	/* The description's lines as paragraphs. */
	struct tval *paras = tv_list(a);
	for (const char *p = act->description; *p;) {
		size_t n = strcspn(p, "\n");
		size_t k = n;
		while (k && (p[k - 1] == '\r' || p[k - 1] == ' '))
			k--;
		if (k) {
			struct tval *pm = tv_map(a);
			tv_put(a, pm, "text", tv_strn(a, p, k));
			tv_push(a, paras, pm);
		}
		p += n + (p[n] == '\n');
	}
	tv_put(a, m, "paragraphs", paras);
	return m;
}

/* ---- GET /volunteer ---- */

static int
list_into(struct req *r, const char *sql, const char *now, struct tval *list)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, now);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct activity act;
		activity_row(r, st, &act);
		tv_push(r->a, list, activity_view(r, &act, now));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
volunteer_list(struct req *r)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	struct tval *open = tv_list(r->a), *closed = tv_list(r->a);
	if (list_into(r, sql_open, now, open) != 0 ||
	    list_into(r, sql_closed, now, closed) != 0) {
		resp_error(r, 503, NULL);
		return;
	}
	tv_put(r->a, ctx, "open", open);
	tv_putb(r->a, ctx, "has_open", open->n > 0);
	tv_put(r->a, ctx, "past", closed);
	tv_putb(r->a, ctx, "has_past", closed->n > 0);
	resp_render(r, 200, "volunteer/list", ctx);
}

/* ---- GET /volunteer/{id} and POST /volunteer/{id}/signup ---- */

static void
show_detail(struct req *r, int status, const struct activity *act,
    const struct fresult *res, const char *form_error)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	struct tval *av = activity_view(r, act, now);
	tv_put(r->a, ctx, "a", av);
	tv_putf(r->a, ctx, "action", "/volunteer/%lld/signup", act->id);
	if (tv_get(av, "closed")) {
		tv_puts(r->a, ctx, "closed", tv_get(av, "closed")->str);
		resp_render(r, status, "volunteer/detail", ctx);
		return;
	}
	pubform_render(r, status, "volunteer/detail", "volunteer", signup_fields,
	    V__N, res, ctx, form_error);
}

/* The activity of the route, or NULL after answering 404/503. */
static struct activity *
route_activity(struct req *r)
{
	struct activity *act = arena_calloc(r->a, 1, sizeof(*act));
	long long id = req_param_id(r, 0);
	int rc = SQLITE_ERROR;
	int found = id > 0 ? activity_load(r, id, act, &rc) : 0;
	if (found < 0)
		answer_db_failure(r, rc);
	else if (found == 0)
		resp_error(r, 404, NULL);
	return found > 0 ? act : NULL;
}

static void
volunteer_detail(struct req *r)
{
	struct activity *act = route_activity(r);
	if (act)
		show_detail(r, 200, act, NULL, NULL);
}

enum outcome { OUT_STORED, OUT_DUPLICATE, OUT_CLOSED, OUT_GONE };

struct signup_result {
	enum outcome outcome;
	const char *ref, *token;
	struct activity act;     /* as it was inside the transaction */
};

static const char *
join_skills(struct req *r, const struct fresult *x)
{
	struct buf b = {0};
	for (size_t i = 0; i < x->nmulti; i++) {
		if (i)
			buf_puts(&b, "、");
		buf_puts(&b, x->multi[i]);
	}
	const char *s = arena_strdup(r->a, b.p ? b.p : "");
	buf_free(&b);
	return s;
}

/*
 * Store one sign-up for activity id in one BEGIN IMMEDIATE transaction:
 * re-read the activity (still open?), refuse a phone already signed up,
 * count the confirmed places, insert as 已确认 or 候补 with a fresh ref
 * (retried on a collision), add its event.  Returns SQLITE_DONE with
 * out->outcome set (nothing stored unless OUT_STORED), or the failing
 * SQLite code (rolled back).
 */
static int
store(struct req *r, long long id, const struct fresult *res,
    struct signup_result *out)
{
	struct db *db = r->app->db;
	char now[32], hash_hex[65];
	unsigned char hash[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	utc_now_iso(now, sizeof(now));
	int found = activity_load(r, id, &out->act, &rc);
	if (found < 0)
		goto fail;
	if (found == 0) {
		out->outcome = OUT_GONE;
		goto nothing;
	}
	if (closed_reason(r, &out->act, now) != NULL) {
		out->outcome = OUT_CLOSED;
		goto nothing;
	}
	if ((st = db_prep(db, sql_phone_taken)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, res[V_PHONE].value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		out->outcome = OUT_DUPLICATE;
		goto nothing;
	}
	if (rc != SQLITE_DONE)
		goto fail;

	int confirmed = out->act.confirmed < out->act.capacity;
	const char *status = confirmed ? "已确认" : "候补";
	if ((out->token = random_hex(r->a, TOKEN_BYTES)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	sha256(out->token, strlen(out->token), hash);
	hex_encode(hash, sizeof(hash), hash_hex);
	const char *skill_text = join_skills(r, &res[V_SKILLS]);
	for (int attempt = 0; attempt < 5; attempt++) {
		out->ref = make_ref(r->a, "ZY", 8);
		if ((st = db_prep(db, sql_insert)) == NULL || out->ref == NULL) {
			rc = SQLITE_ERROR;
			goto fail;
		}
		db_bind_text(st, 1, out->ref);
		db_bind_int(st, 2, id);
		db_bind_text(st, 3, res[V_NAME].value);
		db_bind_text(st, 4, res[V_PHONE].value);
		db_bind_text(st, 5, skill_text);
		db_bind_text(st, 6, res[V_NOTE].value);
		db_bind_text(st, 7, status);
		db_bind_text(st, 8, hash_hex);
		db_bind_text(st, 9, now);
		rc = db_exec_stmt(db, st);
		if (rc != SQLITE_CONSTRAINT_UNIQUE)  /* else: the ref was taken */
			break;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	const char *when = show_span(r->a, out->act.starts_at, out->act.ends_at);
	const char *note = confirmed ?
	    arena_printf(r->a, "已报名“%s”(%s),名额已确认", out->act.title, when) :
	    arena_printf(r->a, "“%s”(%s)名额已满,已进入候补第 %lld 位;"
	    "有人取消时按报名先后递补", out->act.title, when, out->act.waiting + 1);
	rc = event_add(r, out->ref, status, note, 1, 0);
	if (rc != SQLITE_DONE)
		goto fail;
	rc = db_commit(db);
	if (rc != SQLITE_OK)
		return rc;
	out->outcome = OUT_STORED;
	return SQLITE_DONE;
nothing:
	db_rollback(db);
	return SQLITE_DONE;
fail:
	db_rollback(db);
	return rc;
}

static void
volunteer_signup(struct req *r)
{
	struct activity *act = route_activity(r);
	if (act == NULL)
		return;
	char now[32];
	utc_now_iso(now, sizeof(now));
	if (closed_reason(r, act, now)) {
		show_detail(r, 422, act, NULL, NULL);  /* says why; nothing stored */
		return;
	}
	struct fresult res[V__N];
	const char *guard = pubform_guard(r, "volunteer");
	int errors = form_check(r, signup_fields, V__N, res);
	if (guard || errors) {
		show_detail(r, 422, act, res, guard);
		return;
	}
	struct signup_result out = {0};
	int rc = store(r, act->id, res, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	switch (out.outcome) {
	case OUT_GONE:
		resp_error(r, 404, NULL);
		return;
	case OUT_CLOSED:
		show_detail(r, 422, &out.act, NULL, NULL);
		return;
	case OUT_DUPLICATE:
		res[V_PHONE].error = "这个手机号已经报名了本活动,无需重复报名。"
		    "如需查看或取消,请使用报名成功页面上的链接,或在“进度查询”中查询。";
		show_detail(r, 422, &out.act, res, NULL);
		return;
	case OUT_STORED:
		break;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/volunteer/signup/%s?t=%s",
	    out.ref, out.token));
}

/* ---- the private pages of one sign-up ---- */

struct signup {
	long long id, activity_id;
	const char *ref, *token, *status;
};

/* 1 when token is the one whose SHA-256 hex is stored (constant time). */
static int
token_matches(const char *token, const char *stored)
{
	unsigned char hash[32];
	char hex[65];
	if (token == NULL || strlen(token) != 2 * TOKEN_BYTES ||
	    strspn(token, "0123456789abcdef") != 2 * TOKEN_BYTES ||
	    strlen(stored) != 64)
		return 0;
	sha256(token, strlen(token), hash);
	hex_encode(hash, sizeof(hash), hex);
	return ct_equal(hex, stored, 64);
}

/* The sign-up of the route's {ref} when token opens it: 1; 0 when there is
 * no such sign-up or the token is wrong (the caller answers 404 either
 * way); -1 on a database error (code in *rc). */
static int
signup_load(struct req *r, const char *token, struct signup *s, int *rc)
{
	const char *ref = r->params[0];
	if (!ref_ok(ref, "ZY") || token == NULL)
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_signup);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st), ok = 0;
	if (step == SQLITE_ROW && token_matches(token, db_col_text(st, 3))) {
		s->id = sqlite3_column_int64(st, 0);
		s->activity_id = sqlite3_column_int64(st, 1);
		s->status = arena_strdup(r->a, db_col_text(st, 2));
		s->ref = ref;
		s->token = token;
		ok = 1;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		*rc = step;
		return -1;
	}
	return ok;
}

/* Wait-list position of a 候补 sign-up (1 = next in line), 0 on error. */
static long long
position(struct req *r, const struct signup *s)
{
	long long n = 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_position);
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, s->activity_id);
	db_bind_int(st, 2, s->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* The context of the confirmation and cancel pages. */
static struct tval *
signup_view(struct req *r, const struct signup *s, const struct activity *act)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "ref", s->ref);
	tv_puts(r->a, ctx, "token", s->token);
	tv_put(r->a, ctx, "a", activity_view(r, act, now));
	tv_putf(r->a, ctx, "self", "/volunteer/signup/%s?t=%s", s->ref, s->token);
	tv_putf(r->a, ctx, "cancel_url", "/volunteer/signup/%s/cancel?t=%s",
	    s->ref, s->token);
	tv_putf(r->a, ctx, "cancel_action", "/volunteer/signup/%s/cancel", s->ref);
	int started = strcmp(act->starts_at, now) <= 0;
	if (strcmp(s->status, "已确认") == 0)
		tv_putb(r->a, ctx, "confirmed", 1);
	else if (strcmp(s->status, "候补") == 0)
		tv_puti(r->a, ctx, "waiting", position(r, s));
	else
		tv_putb(r->a, ctx, "cancelled", 1);
	tv_putb(r->a, ctx, "can_cancel", strcmp(s->status, "已取消") != 0 && !started);
	tv_putb(r->a, ctx, "started", started);
	return ctx;
}

/* Load the route's sign-up and its activity, or answer 404/503: NULL. */
static struct tval *
signup_page(struct req *r, const char *token, struct signup *s)
{
	struct activity act;
	int rc = SQLITE_ERROR;
	int found = signup_load(r, token, s, &rc);
	if (found > 0)
		found = activity_load(r, s->activity_id, &act, &rc);
	if (found < 0)
		answer_db_failure(r, rc);
	else if (found == 0)
		resp_error(r, 404, NULL);
	return found > 0 ? signup_view(r, s, &act) : NULL;
}

static void
signup_done(struct req *r)
{
	struct signup s;
	struct tval *ctx = signup_page(r, req_query(r, "t"), &s);
	if (ctx)
		resp_render(r, 200, "volunteer/done", ctx);
}

static void
cancel_get(struct req *r)
{
	struct signup s;
	struct tval *ctx = signup_page(r, req_query(r, "t"), &s);
	if (ctx)
		resp_render(r, 200, "volunteer/cancel", ctx);
}

/*
 * Cancel s (loaded, token checked) in one transaction and, when it held a
 * confirmed place of an activity still to come, confirm the first person
 * on the wait-list (lowest id), with an event for each.  Returns
 * SQLITE_DONE, or the failing code (rolled back).  *too_late is set, and
 * nothing changed, when the activity has already started.
 */
static int
cancel_store(struct req *r, struct signup *s, int *too_late)
{
	struct db *db = r->app->db;
	struct activity act;
	char now[32];
	sqlite3_stmt *st;
	int rc = db_begin(db);
	if (rc != SQLITE_OK)
		return rc;
	/* Re-read inside the transaction: another request may have got here
	 * first. */
	int found = signup_load(r, s->token, s, &rc);
	if (found > 0)
		found = activity_load(r, s->activity_id, &act, &rc);
	if (found <= 0) {
		if (found == 0)
			rc = SQLITE_NOTFOUND;
		goto fail;
	}
	utc_now_iso(now, sizeof(now));
	if (strcmp(s->status, "已取消") == 0)
		goto nothing;
	if (strcmp(act.starts_at, now) <= 0) {
		*too_late = 1;
		goto nothing;
	}
	if ((st = db_prep(db, sql_cancel)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto fail;
	rc = event_add(r, s->ref, "已取消", "报名人通过私人链接取消了报名", 1, 0);
	if (rc != SQLITE_DONE)
		goto fail;
	/* A freed place goes to the first wait-listed person, in this
	 * same transaction. */
	if (strcmp(s->status, "已确认") == 0 && !act.cancelled &&
	    (rc = roster_fill(r, s->activity_id, 0, NULL)) != SQLITE_DONE)
		goto fail;
	rc = db_commit(db);
	return rc == SQLITE_OK ? SQLITE_DONE : rc;
nothing:
	db_rollback(db);
	return SQLITE_DONE;
fail:
	db_rollback(db);
	return rc;
}

static void
cancel_post(struct req *r)
{
	struct signup s;
	const char *token = req_field(r, "t");
	if (token == NULL)
		token = req_query(r, "t");
	int rc = SQLITE_ERROR;
	int found = signup_load(r, token, &s, &rc);
	if (found <= 0) {
		if (found < 0)
			answer_db_failure(r, rc);
		else
			resp_error(r, 404, NULL);
		return;
	}
	int too_late = 0;
	rc = cancel_store(r, &s, &too_late);
	if (rc == SQLITE_NOTFOUND) {
		resp_error(r, 404, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	if (too_late) {
		struct tval *ctx = signup_page(r, token, &s);
		if (ctx)
			resp_render(r, 422, "volunteer/cancel", ctx);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/volunteer/signup/%s?t=%s",
	    s.ref, s.token));
}

const struct route page_volunteer_routes[] = {
	{"GET", "/volunteer", volunteer_list, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/{id}", volunteer_detail, ACCESS_PUBLIC, NULL},
	{"POST", "/volunteer/{id}/signup", volunteer_signup, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/signup/{ref}", signup_done, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/signup/{ref}/cancel", cancel_get, ACCESS_PUBLIC, NULL},
	{"POST", "/volunteer/signup/{ref}/cancel", cancel_post, ACCESS_PUBLIC, NULL},
	{0},
};

/* ---- sample activities ---- */

static const struct sample {
	const char *title, *description, *place, *district;
	int days, hour, minutes, capacity;
} samples[] = {
	{"骑手安全骑行培训",
	 "面向外卖骑手、快递员的安全骑行公益培训,由交警和工会安全员讲解电动自行车"
	 "安全驾驶、头盔佩戴、雨雪天气骑行和事故后的处置。\n"
	 "志愿者协助签到、分发头盔和反光背心、维持现场秩序。",
	 "朝阳区总工会职工服务中心三楼培训室", "朝阳区", 6, 14, 120, 30},
	{"劳动法律咨询进驿站",
	 "工会律师和法律志愿者走进工会驿站,为新就业形态劳动者解答欠薪、工伤、"
	 "劳动合同、社会保险等问题。\n"
	 "欢迎有法律专业背景的志愿者报名,协助登记咨询问题、引导来访者。",
	 "海淀区中关村工会驿站", "海淀区", 9, 10, 150, 3},
	{"户外劳动者送清凉",
	 "为环卫工人、快递员、外卖骑手、建筑工人等户外劳动者送去防暑降温物品"
	 "(绿豆汤、藿香正气水、毛巾等)。\n"
	 "志愿者分组到各驿站发放物品,请穿着方便行动的衣服,注意防晒。",
	 "东城区北新桥户外劳动者服务站", "东城区", 13, 9, 150, 20},
	{"新就业形态劳动者健康义诊",
	 "工会联合社区医院为快递员、外卖骑手、网约车司机等提供免费体检和健康咨询,"
	 "包括血压、血糖测量和颈肩腰腿常见劳损的康复指导。\n"
	 "欢迎有医疗、心理特长的志愿者报名;其他志愿者协助排队引导和登记。",
	 "丰台区职工之家活动室", "丰台区", 20, 9, 180, 10},
};

/* UTC ISO-8601 of Shanghai local time days ahead of today at h:m. */
static void
sample_time(char *out, size_t len, int days, int h, int m)
{
	time_t t = time(NULL) + 8 * 3600;
	t -= t % 86400;                                   /* Shanghai midnight */
	t += (time_t)days * 86400 + h * 3600 + m * 60 - 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
volunteer_samples(struct db *db)
{
	static const char sql_count[] = "SELECT count(*) FROM activities";
	static const char sql_add[] =
	    "INSERT INTO activities (title, description, starts_at, ends_at, place,"
	    " district_id, capacity, deadline, sample, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5,"
	    " (SELECT id FROM districts WHERE name = ?6), ?7, ?8, 1, ?9, ?9)";
	sqlite3_stmt *st = db_prep(db, sql_count);
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		LOG_ERR("cannot count activities");
		return -1;
	}
	long long have = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (have > 0)
		return 0;
	char now[32];
	utc_now_iso(now, sizeof(now));
	for (size_t i = 0; i < ZJ_NELEM(samples); i++) {
		const struct sample *s = &samples[i];
		char start[32], end[32], deadline[32];
		sample_time(start, sizeof(start), s->days, s->hour, 0);
		sample_time(end, sizeof(end), s->days, s->hour, s->minutes);
		/* Sign-ups close at 18:00 the evening before. */
		sample_time(deadline, sizeof(deadline), s->days - 1, 18, 0);
		if ((st = db_prep(db, sql_add)) == NULL)
			return -1;
		db_bind_text(st, 1, s->title);
		db_bind_text(st, 2, s->description);
		db_bind_text(st, 3, start);
		db_bind_text(st, 4, end);
		db_bind_text(st, 5, s->place);
		db_bind_text(st, 6, s->district);
		db_bind_int(st, 7, s->capacity);
		db_bind_text(st, 8, deadline);
		db_bind_text(st, 9, now);
		if (db_exec_stmt(db, st) != SQLITE_DONE) {
			LOG_ERR("cannot add sample activity %s", s->title);
			return -1;
		}
	}
	LOG_INFO("loaded %zu sample volunteer activities", ZJ_NELEM(samples));
	return 0;
}
