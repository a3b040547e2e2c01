/*
 * page-feedback.c - 回访评价: the private link a person is texted when
 * their service has ended (feedback.h).
 *
 *   GET  /feedback/thanks    the thank-you page
 *   GET  /feedback/{token}   the questions: only the service and its date
 *   POST /feedback/{token}   validate, store (once), 303 to the thank-you
 *
 * No login: the token is the key.  It opens its own follow-up and nothing
 * else, once, for FEEDBACK_VALID_DAYS.  An unknown, used or expired token
 * gets one and the same page ("this link can no longer be used", 404), so
 * the page tells nobody which of the three it was.  The page shows no
 * name, ID number, fact or amount: a forwarded link gives none away.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "pubform.h"
#include "sign.h"
#include "store.h"
#include "vocab.h"
#include "when.h"
#include "writer.h"

static const char sql_open[] =
    "SELECT service, service_date FROM followups WHERE token_hash = ?1"
    " AND status = '" FOLLOWUP_OPEN "'"
    " AND created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-"
    ZJ_STR(FEEDBACK_VALID_DAYS) " days')";

struct opened {
	char hash[65];
	const char *service, *date;   /* "法律援助", "2026年12月1日" */
};

/* The link's page when it is gone (or never was): always the same. */
static void
gone(struct req *r)
{
	resp_render(r, 404, "feedback/gone", NULL);
}

/*
 * The open follow-up of r's {token} into *o: 1; 0 when there is none
 * (unknown, used, expired); -1 when the database failed (answered).
 */
static int
open_link(struct req *r, struct opened *o)
{
	if (feedback_token_hash(r->params[0], o->hash) != 0)
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_open);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return -1;
	}
	db_bind_text(st, 1, o->hash);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->service = feedback_service_label(db_col_text(st, 0));
		o->date = show_day(r->a, db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return -1;
	}
	return 0;
}

static void
show_form(struct req *r, int status, const struct opened *o,
    const struct fresult *res, const char *form_error)
{
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "service", o->service);
	tv_puts(r->a, ctx, "date", o->date);
	tv_puts(r->a, ctx, "action", arena_printf(r->a, "/feedback/%s", r->params[0]));
	pubform_render(r, status, "feedback/form", "feedback", feedback_fields, FB__N,
	    res, ctx, form_error);
}

static void
feedback_get(struct req *r)
{
	struct opened o;
	int found = open_link(r, &o);
	if (found == 0)
		gone(r);
	else if (found > 0)
		show_form(r, 200, &o, NULL, NULL);
}

static void
feedback_post(struct req *r)
{
	struct opened o;
	struct fresult res[FB__N];
	const char *nonce = form_token_nonce(r->a, req_field(r, "_token"));
	int found = open_link(r, &o);
	if (found < 0)
		return;
	if (found == 0) {
		/* This very page sent again after it was stored: its thanks. */
		struct job in, out;
		if (*nonce == '\0' || pubform_guard(r, "feedback") != NULL ||
		    feedback_token_hash(r->params[0], o.hash) != 0) {
			gone(r);
			return;
		}
		job_init(&in, "feedback.answer");
		job_put_text(&in, "hash", o.hash);
		job_put_text(&in, "nonce", nonce);
		int rc = store_job(r, &in, &out);
		if (rc == SQLITE_DONE && job_int(&out, "again", 0))
			resp_redirect(r, 303, "/feedback/thanks");
		else if (rc == SQLITE_DONE || rc == SQLITE_NOTFOUND)
			gone(r);
		else
			answer_db_failure(r, rc);
		return;
	}
	const char *guard = pubform_guard(r, "feedback");
	int errors = form_check(r, feedback_fields, FB__N, res);
	if (guard || errors) {
		show_form(r, 422, &o, res, guard);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "feedback.answer");
	job_put_form(&in, feedback_fields, FB__N, res);
	job_put_text(&in, "hash", o.hash);
	job_put_text(&in, "nonce", nonce);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_DONE)
		resp_redirect(r, 303, "/feedback/thanks");
	else if (rc == SQLITE_NOTFOUND || rc == SQLITE_MISMATCH)
		gone(r);   /* answered or expired a moment ago */
	else
		answer_db_failure(r, rc);
}

static void
feedback_thanks(struct req *r)
{
	resp_render(r, 200, "feedback/thanks", NULL);
}

const struct route page_feedback_routes[] = {
	{"GET", "/feedback/thanks", feedback_thanks, ACCESS_PUBLIC, NULL},
	{"GET", "/feedback/{token}", feedback_get, ACCESS_PUBLIC, NULL},
	{"POST", "/feedback/{token}", feedback_post, ACCESS_PUBLIC, NULL},
	{0},
};
