/*
 * pubform.h - what the public form pages share: bot guards, rendering a
 * form with its token, districts, the progress history, and turning a
 * database failure into the right page.
 */
#ifndef ZJ_PUBFORM_H
#define ZJ_PUBFORM_H

#include <stddef.h>

#include "valid.h"

struct actor;
struct db;
struct job;
struct req;
struct sqlite3_stmt;
struct tval;

/* A form token older than this is refused (seconds). */
#define FORM_TOKEN_MAX_AGE (24 * 3600)

/*
 * Render tmpl with the form: ctx (may be NULL) gets "f" (form_view), a
 * fresh "token" for form, and "form_error" when given.
 */
void pubform_render(struct req *r, int status, const char *tmpl,
    const char *form, const struct field *fields, size_t n,
    const struct fresult *res, struct tval *ctx, const char *form_error);

/*
 * A public form a station's QR code may lead to (?src=CODE): its template
 * (one literal: pubform_render_fresh caches by its address), the token's
 * form name, its table of n fields with the district select at index
 * district, and whether a station's district is chosen in advance.
 */
struct pubform {
	const char *tmpl, *form;
	const struct field *table;
	size_t n, district;
	int station_district;
};

/* The form's table with today's district list (pubform_fields). */
struct field *pubform_now(struct req *r, const struct pubform *pf, int *sample);

/*
 * pubform_render of pf's form f with "src" (the code as stored) and
 * "station" (its name) when src is an active station's code, and
 * "sample_districts".
 */
void pubform_show(struct req *r, const struct pubform *pf, int status,
    const struct field *f, const struct fresult *res, const char *src, int sample,
    const char *form_error);

/*
 * GET of pf's form: with the station when ?src names an active one (and
 * its district chosen when pf->station_district), else the page as first
 * served (pubform_render_fresh).
 */
void pubform_get(struct req *r, const struct pubform *pf);

/*
 * A form as first served (nothing typed, no messages) looks the same on
 * every request but for its token.  Each worker renders it once per
 * variant — a string naming whatever else the page shows from the
 * database (e.g. the district list) — and afterwards only puts in a fresh
 * token.  Same output as pubform_render(r, 200, tmpl, form, fields, n,
 * defaults, ctx, NULL); defaults (NULL: empty) and ctx must hold nothing
 * that varies by request except what variant names.
 */
void pubform_render_fresh(struct req *r, const char *tmpl, const char *form,
    const struct field *fields, size_t n, const struct fresult *defaults,
    struct tval *ctx, const char *variant);

/*
 * The bot guards of a POST: NULL when the honeypot is empty and the token
 * is ours and younger than a day; else the message for the top of the
 * form (the person's input is kept).
 */
const char *pubform_guard(struct req *r, const char *form);

/*
 * Column 0 of the rows of st (bound; NULL: none) as a NULL-terminated
 * option list (arena); st is reset.  *flag (unless flag is NULL) is set
 * when column 1 of any row is nonzero.
 */
const char *const *column_options(struct req *r, struct sqlite3_stmt *st, int *flag);

/*
 * The active districts' names as a NULL-terminated option list (arena);
 * *sample set when the list is the shipped sample.
 */
const char *const *district_options(struct req *r, int *sample);
/* The options as one string (a cache variant: the same list, the same
 * string).  From the arena. */
const char *options_variant(struct req *r, const char *const *options, int flag);
/* A filter's select for a template: [{value, selected}] of the
 * NULL-terminated opts, chosen (NULL: none) selected.  From the arena. */
struct tval *select_options(struct req *r, const char *const *opts,
    const char *chosen);

/* A copy of a form's table of n fields (arena) whose select at index
 * district offers today's district_options (*sample as there). */
struct field *pubform_fields(struct req *r, const struct field *table, size_t n,
    size_t district, int *sample);

/* The id of the active district named name, or 0. */
long long district_id(struct req *r, const char *name);

/*
 * The dated history of ref for a template, oldest first:
 * [{status, note, at (Shanghai), iso (UTC), internal, who}].  staff 0:
 * what the applicant may see (public events, no names); staff 1: every
 * event, internal ones flagged, who = "显示名(username)" of the member of
 * staff, or "申请人" when none.
 */
struct tval *event_history(struct req *r, const char *ref, int staff);

/*
 * Append to a reference's history: status, note (NULL is ""), public (1:
 * the applicant sees it at /status), made by who (a member of staff, or
 * nobody: who->staff_id 0).  Returns SQLITE_DONE or the failing SQLite
 * code.
 */
int event_add(struct db *db, const struct actor *who, const char *ref,
    const char *status, const char *note, int public);

/* Answer after a failed write: 503 "暂时无法提交" when the database was
 * busy, locked or full (nothing stored; for JOB_LOST: may be stored, send
 * it again), else 500. */
void answer_db_failure(struct req *r, int rc);

/* Send in (a form's store job, which answers "ref") to the writer and
 * answer the POST: 303 to done followed by the reference, or
 * answer_db_failure. */
void pubform_store(struct req *r, struct job *in, const char *done);

/* The n-th working day after today (the official calendar, workday.h),
 * in Shanghai, as text "2026年12月14日" (arena).  Never fails. */
const char *working_days_ahead(struct req *r, int n);
/* The same date as "2026-12-14", as a date input and a due_on column
 * hold it (arena). */
const char *working_days_ahead_iso(struct req *r, int n);

/*
 * A confirmation page: r->params[0] must look like a reference with this
 * prefix (else 404); tmpl gets "ref" and "answer_by" (days working days
 * from today).  Nothing is looked up, so it tells nobody what exists.
 */
void pubform_done(struct req *r, const char *prefix, int days, const char *tmpl);

/* 1 when s looks like a reference with this prefix (prefix + 8 chars). */
int ref_ok(const char *s, const char *prefix);

#endif
