/*
 * page-volunteer-signup.c - 志愿服务: what a person posts, and the private
 * pages of their sign-up.
 *
 *   POST /volunteer/{id}/signup              validate, store, 303 to the confirmation
 *   GET  /volunteer/signup/{ref}?t=TOKEN     the confirmation (private link)
 *   GET  /volunteer/signup/{ref}/cancel?t=…  "cancel this sign-up?" page
 *   POST /volunteer/signup/{ref}/cancel      cancel; the first wait-listed moves up
 *
 * page-volunteer.c has the list, the activity page with the sign-up form
 * and the route table; page-volunteer.h is what the two files share.
 *
 * Places are a hard limit: a sign-up is the job "volunteer.signup", which
 * counts the confirmed places and inserts itself as 已确认 or 候补 in the
 * writer's transaction, so the count and the insert are one step for
 * every worker; a cancel ("volunteer.cancel") moves the first wait-listed
 * person up in the same job.  The cancel token is random (128 bits), made
 * by the page, shown only in the person's private links, and stored as
 * its SHA-256.
 */
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "roster.h"
#include "sign.h"
#include "staff.h"
#include "store.h"
#include "page-volunteer.h"
#include "vocab.h"
#include "when.h"
#include "writer.h"

#define TOKEN_BYTES 16   /* the private cancel token: 32 hex characters */

/* ---- SQL ---- */

static const char sql_phone_taken[] =
    "SELECT 1 FROM signups WHERE activity_id = ?1 AND phone = ?2"
    " AND status <> '" SIGNUP_CANCELLED "'";
static const char sql_insert[] =
    "INSERT INTO signups (ref, activity_id, name, phone, skills, note, status,"
    " cancel_hash, consent_sensitive, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)";
static const char sql_signup[] =
    "SELECT id, activity_id, status, cancel_hash FROM signups WHERE ref = ?1";
static const char sql_position[] =
    "SELECT count(*) FROM signups WHERE activity_id = ?1"
    " AND status = '" SIGNUP_WAITING "'"
    " AND id <= ?2";
static const char sql_cancel[] =
    "UPDATE signups SET status = '" SIGNUP_CANCELLED "', updated_at = ?2"
    " WHERE id = ?1 AND status <> '" SIGNUP_CANCELLED "'";

/* ---- POST /volunteer/{id}/signup ---- */

/* What signup_store stores, and what it found. */
struct signup_input {
	long long activity_id;
	const struct fresult *res;   /* V__N values */
	const char *skills;          /* the chosen skills, joined */
	const char *token_hash;      /* SHA-256 hex of the private token */
	/* out */
	enum outcome outcome;        /* nothing stored unless OUT_DONE */
	const char *ref;
	struct activity act;         /* as it was inside the transaction */
};

/* The SHA-256 of token as hex into hex (65 bytes). */
static void
token_hash(const char *token, char *hex)
{
	unsigned char hash[32];
	sha256(token, strlen(token), hash);
	hex_encode(hash, sizeof(hash), hex);
}

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
 * store_fn: one sign-up.  Re-read the activity (still open?), refuse a
 * phone already signed up, count the confirmed places, insert as 已确认
 * or 候补 with a fresh ref, add its event: inside one BEGIN IMMEDIATE
 * transaction, SQLite's single writer makes the count and the insert one
 * step for every worker.  Returns SQLITE_DONE with in->outcome set
 * (nothing written unless OUT_DONE), or the failing SQLite code.
 */
static int
signup_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct signup_input *in = arg;
	const struct fresult *res = in->res;
	char now[32];
	sqlite3_stmt *st;
	int rc = SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	int found = activity_read(db, a, in->activity_id, &in->act, &rc);
	if (found <= 0) {
		in->outcome = OUT_GONE;
		return found < 0 ? rc : SQLITE_DONE;
	}
	in->outcome = OUT_CLOSED;
	if (!activity_open(&in->act, now))
		return SQLITE_DONE;
	if ((st = db_prep(db, sql_phone_taken)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, in->activity_id);
	db_bind_text(st, 2, res[V_PHONE].value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		in->outcome = OUT_DUPLICATE;
		return SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return rc;

	const struct activity *act = &in->act;
	int confirmed = act->confirmed < act->capacity;
	const char *when = show_span(a, act->starts_at, act->ends_at);
	struct new_ref nr = {
		.prefix = "ZY",
		.status = confirmed ? SIGNUP_CONFIRMED : SIGNUP_WAITING,
		.note = confirmed ?
		    arena_printf(a, "已报名“%s”(%s),名额已确认", act->title, when) :
		    arena_printf(a, "“%s”(%s)名额已满,已进入候补第 %lld 位;"
		    "有人取消时按报名先后递补", act->title, when, act->waiting + 1),
	};
	if (in->token_hash == NULL || strlen(in->token_hash) != 64 ||
	    (st = nr.insert = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 2, in->activity_id);
	db_bind_text(st, 3, res[V_NAME].value);
	db_bind_text(st, 4, res[V_PHONE].value);
	db_bind_text(st, 5, in->skills);
	db_bind_text(st, 6, res[V_NOTE].value);
	db_bind_text(st, 7, nr.status);
	db_bind_text(st, 8, in->token_hash);
	db_bind_text(st, 9, now);
	if ((rc = store_new_ref(db, who, a, &nr)) != SQLITE_DONE)
		return rc;
	in->ref = nr.ref;
	in->outcome = OUT_DONE;
	return SQLITE_DONE;
}

/* Job "volunteer.signup": signup_store in the writer, from the form's
 * fields, "activity", "skills" and "token_hash"; answers "outcome" (enum
 * outcome) and "ref". */
static int
signup_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	const char *skills = job_text(in, "skills");
	struct signup_input si = {
		.activity_id = job_int(in, "activity", 0),
		.res = job_form(a, in, vol_signup_fields, V__N),
		.skills = skills ? skills : "",
		.token_hash = job_text(in, "token_hash"),
	};
	int rc = signup_store(db, &who, a, &si);
	job_put_int(out, "outcome", si.outcome);
	job_put_text(out, "ref", si.ref);
	return rc;
}

/* Check the form, store the sign-up, 303 to its private page; else the
 * activity page again (422) saying what is wrong. */
void
volunteer_signup(struct req *r)
{
	struct activity *act = vol_route_activity(r);
	if (act == NULL)
		return;
	char now[32];
	utc_now_iso(now, sizeof(now));
	if (vol_closed_reason(r, act, now)) {
		/* Says why; nothing stored. */
		vol_detail_show(r, 422, act, NULL, NULL);
		return;
	}
	struct fresult res[V__N];
	const char *guard = pubform_guard(r, "volunteer");
	int errors = form_check(r, vol_signup_fields, V__N, res);
	if (guard || errors) {
		vol_detail_show(r, 422, act, res, guard);
		return;
	}
	const char *token = random_hex(r->a, TOKEN_BYTES);
	char hash[65];
	if (token == NULL) {
		answer_db_failure(r, SQLITE_ERROR);
		return;
	}
	token_hash(token, hash);
	struct job in, out;   /* large (writer.h): on the worker's stack */
	job_init(&in, "volunteer.signup");
	job_put_form(&in, vol_signup_fields, V__N, res);
	job_put_int(&in, "activity", act->id);
	job_put_text(&in, "skills", join_skills(r, &res[V_SKILLS]));
	job_put_text(&in, "token_hash", hash);
	int rc = store_job(r, &in, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	long long outcome = job_int(&out, "outcome", OUT_GONE);
	if (outcome != OUT_DONE) {
		/* The activity as it is now, for the page saying why. */
		int found = activity_load(r, act->id, act, &rc);
		if (found < 0) {
			answer_db_failure(r, rc);
			return;
		}
		if (found == 0)
			outcome = OUT_GONE;
	}
	switch (outcome) {
	case OUT_DONE:
		break;
	case OUT_GONE:
		resp_error(r, 404, NULL);
		return;
	case OUT_DUPLICATE:
		res[V_PHONE].error = "这个手机号已经报名了本活动,无需重复报名。"
		    "如需查看或取消,请使用报名成功页面上的链接,或在“进度查询”中查询。";
		vol_detail_show(r, 422, act, res, NULL);
		return;
	default:  /* closed meanwhile: the page says why */
		vol_detail_show(r, 422, act, NULL, NULL);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/volunteer/signup/%s?t=%s",
	    job_text(&out, "ref"), token));
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
	char hex[65];
	if (token == NULL || strlen(token) != 2 * TOKEN_BYTES ||
	    strspn(token, "0123456789abcdef") != 2 * TOKEN_BYTES ||
	    strlen(stored) != 64)
		return 0;
	token_hash(token, hex);
	return ct_equal(hex, stored, 64);
}

/* The sign-up ref when token opens it, strings in a: 1; 0 when there is
 * no such sign-up or the token is wrong (the caller answers 404 either
 * way); -1 on a database error (code in *rc). */
static int
signup_read(struct db *db, struct arena *a, const char *ref,
    const char *token, struct signup *s, int *rc)
{
	if (!ref_ok(ref, "ZY") || token == NULL)
		return 0;
	sqlite3_stmt *st = db_prep(db, sql_signup);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return -1;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st), ok = 0;
	if (step == SQLITE_ROW && token_matches(token, db_col_text(st, 3))) {
		s->id = sqlite3_column_int64(st, 0);
		s->activity_id = sqlite3_column_int64(st, 1);
		s->status = arena_strdup(a, db_col_text(st, 2));
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

/* The sign-up of the route's {ref}: signup_read on r's connection. */
static int
signup_load(struct req *r, const char *token, struct signup *s, int *rc)
{
	return signup_read(r->app->db, r->a, r->params[0], token, s, rc);
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
signup_view(struct req *r, const struct signup *s,
    const struct activity *act)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "ref", s->ref);
	tv_puts(r->a, ctx, "token", s->token);
	tv_put(r->a, ctx, "a", vol_activity_view(r, act, now));
	tv_putf(r->a, ctx, "self", "/volunteer/signup/%s?t=%s", s->ref, s->token);
	tv_putf(r->a, ctx, "cancel_url", "/volunteer/signup/%s/cancel?t=%s",
	    s->ref, s->token);
	tv_putf(r->a, ctx, "cancel_action", "/volunteer/signup/%s/cancel", s->ref);
	int started = strcmp(act->starts_at, now) <= 0;
	if (strcmp(s->status, SIGNUP_CONFIRMED) == 0)
		tv_putb(r->a, ctx, "confirmed", 1);
	else if (strcmp(s->status, SIGNUP_WAITING) == 0)
		tv_puti(r->a, ctx, "waiting", position(r, s));
	else
		tv_putb(r->a, ctx, "cancelled", 1);
	tv_putb(r->a, ctx, "can_cancel", strcmp(s->status, SIGNUP_CANCELLED) != 0 &&
	    !started);
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

/* The confirmation: status, wait-list place, the private links. */
void
volunteer_signup_done(struct req *r)
{
	struct signup s;
	struct tval *ctx = signup_page(r, req_query(r, "t"), &s);
	if (ctx)
		resp_render(r, 200, "volunteer/done", ctx);
}

/* "Cancel this sign-up?" */
void
volunteer_cancel_get(struct req *r)
{
	struct signup s;
	struct tval *ctx = signup_page(r, req_query(r, "t"), &s);
	if (ctx)
		resp_render(r, 200, "volunteer/cancel", ctx);
}

/* What a cancel found (job output "outcome"). */
enum cancel_outcome { CANCEL_DONE, CANCEL_GONE, CANCEL_TOO_LATE };

/*
 * Job "volunteer.cancel": cancel the sign-up "ref" that "token" opens
 * and, when it held a confirmed place of an activity still to come,
 * confirm the first person on the wait-list (lowest id) in the same job,
 * with an event for each.  Re-reads everything in the writer's
 * transaction: another request may have got there first.  Answers
 * "outcome" (enum cancel_outcome: nothing changed unless CANCEL_DONE; an
 * already cancelled sign-up is CANCEL_DONE with nothing changed).
 */
static int
cancel_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct signup s;
	struct activity act;
	char now[32];
	int rc = SQLITE_ERROR;
	job_actor(in, &who);
	const char *token = job_text(in, "token");
	int found = signup_read(db, a, job_text(in, "ref"), token, &s, &rc);
	if (found > 0)
		found = activity_read(db, a, s.activity_id, &act, &rc);
	if (found < 0)
		return rc;
	job_put_int(out, "outcome", found ? CANCEL_DONE : CANCEL_GONE);
	utc_now_iso(now, sizeof(now));
	if (found == 0 || strcmp(s.status, SIGNUP_CANCELLED) == 0)
		return SQLITE_DONE;
	if (strcmp(act.starts_at, now) <= 0) {
		job_put_int(out, "outcome", CANCEL_TOO_LATE);
		return SQLITE_DONE;
	}
	sqlite3_stmt *st = db_prep(db, sql_cancel);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, s.id);
	db_bind_text(st, 2, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	rc = event_add(db, &who, s.ref, SIGNUP_CANCELLED, "报名人通过私人链接取消了报名", 1);
	if (rc != SQLITE_DONE)
		return rc;
	/* A freed place goes to the first wait-listed person, in this same
	 * job. */
	if (strcmp(s.status, SIGNUP_CONFIRMED) == 0 && !act.cancelled)
		return roster_fill(db, &who, a, s.activity_id, NULL);
	return SQLITE_DONE;
}

/* Cancel (token from the form or the query), 303 back to the confirmation;
 * 422 with the cancel page once the activity has started. */
void
volunteer_cancel_post(struct req *r)
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
	struct job in, out;   /* large (writer.h): on the worker's stack */
	job_init(&in, "volunteer.cancel");
	job_put_text(&in, "ref", s.ref);
	job_put_text(&in, "token", s.token);
	rc = store_job(r, &in, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	long long outcome = job_int(&out, "outcome", CANCEL_GONE);
	if (outcome == CANCEL_GONE) {
		resp_error(r, 404, NULL);
		return;
	}
	if (outcome == CANCEL_TOO_LATE) {
		struct tval *ctx = signup_page(r, token, &s);
		if (ctx)
			resp_render(r, 422, "volunteer/cancel", ctx);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/volunteer/signup/%s?t=%s",
	    s.ref, s.token));
}

const struct job_type page_volunteer_jobs[] = {
	{"volunteer.signup", signup_job},
	{"volunteer.cancel", cancel_job},
	{0},
};
