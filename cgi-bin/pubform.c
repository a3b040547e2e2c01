/*
 * pubform.c - shared by the public form pages.
 */
#include "pubform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "sign.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "util.h"
#include "writer.h"
#include "when.h"
#include "workday.h"

void
pubform_render(struct req *r, int status, const char *tmpl, const char *form,
    const struct field *fields, size_t n, const struct fresult *res,
    struct tval *ctx, const char *form_error)
{
	if (ctx == NULL)
		ctx = tv_map(r->a);
	tv_put(r->a, ctx, "f", form_view(r, fields, n, res));
	tv_puts(r->a, ctx, "token", form_token(r, form));
	if (form_error)
		tv_puts(r->a, ctx, "form_error", form_error);
	resp_render(r, status, tmpl, ctx);
}

/* Stands for the token in a cached page; tokens are [0-9a-f.] only. */
#define TOKEN_HOLE "@@form-token@@"

struct field *
pubform_now(struct req *r, const struct pubform *pf, int *sample)
{
	return pubform_fields(r, pf->table, pf->n, pf->district, sample);
}

/* pubform_show with the station already looked up (s->id 0: none). */
static void
show_at(struct req *r, const struct pubform *pf, int status, const struct field *f,
    const struct fresult *res, const struct station_ref *s, int sample,
    const char *form_error)
{
	struct tval *ctx = tv_map(r->a);
	if (s->id) {
		tv_puts(r->a, ctx, "src", s->code);
		tv_puts(r->a, ctx, "station", s->name);
	}
	tv_putb(r->a, ctx, "sample_districts", sample);
	pubform_render(r, status, pf->tmpl, pf->form, f, pf->n, res, ctx, form_error);
}

void
pubform_show(struct req *r, const struct pubform *pf, int status,
    const struct field *f, const struct fresult *res, const char *src, int sample,
    const char *form_error)
{
	struct station_ref s;
	station_find(r, src, &s);
	show_at(r, pf, status, f, res, &s, sample, form_error);
}

void
pubform_get(struct req *r, const struct pubform *pf)
{
	int sample;
	struct field *f = pubform_now(r, pf, &sample);
	struct station_ref s;
	if (station_find(r, req_query(r, "src"), &s)) {
		struct fresult *res = NULL;
		if (pf->station_district) {
			/* From a station: its district is the likely one. */
			res = arena_calloc(r->a, pf->n, sizeof(*res));
			for (size_t i = 0; i < pf->n; i++)
				res[i].value = "";
			res[pf->district].value = s.district;
		}
		show_at(r, pf, 200, f, res, &s, sample, NULL);
		return;
	}
	/* Most visits: the same page but for its token. */
	struct tval *ctx = tv_map(r->a);
	tv_putb(r->a, ctx, "sample_districts", sample);
	pubform_render_fresh(r, pf->tmpl, pf->form, f, pf->n, NULL, ctx,
	    options_variant(r, f[pf->district].options, sample));
}

void
pubform_render_fresh(struct req *r, const char *tmpl, const char *form,
    const struct field *fields, size_t n, const struct fresult *defaults,
    struct tval *ctx, const char *variant)
{
	static struct {
		const char *tmpl;   /* a template name literal: compared by address */
		char *variant, *page;
		size_t len, hole;   /* the token goes at page + hole */
	} cache[8];
	size_t i;
	for (i = 0; i < ZJ_NELEM(cache) - 1; i++)
		if (cache[i].tmpl == NULL || (cache[i].tmpl == tmpl &&
		    strcmp(cache[i].variant, variant) == 0))
			break;
	if (cache[i].tmpl == NULL || cache[i].tmpl != tmpl ||
	    strcmp(cache[i].variant, variant) != 0) {
		/* Render once with a hole where the token goes. */
		struct buf page = {0};
		if (ctx == NULL)
			ctx = tv_map(r->a);
		tv_put(r->a, ctx, "f", form_view(r, fields, n, defaults));
		tv_puts(r->a, ctx, "token", TOKEN_HOLE);
		app_page_data(r, ctx);
		const char *hole = NULL;
		if (tmpl_render(r->app->tmpl, tmpl, ctx, &page) == 0 && page.p != NULL)
			hole = strstr(page.p, TOKEN_HOLE);
		if (hole == NULL || strstr(hole + 1, TOKEN_HOLE) != NULL) {
			buf_free(&page);  /* not one hole: render as usual */
			pubform_render(r, 200, tmpl, form, fields, n, defaults, ctx, NULL);
			return;
		}
		free(cache[i].variant);
		free(cache[i].page);
		cache[i].tmpl = tmpl;
		cache[i].variant = xstrdup(variant);
		cache[i].hole = (size_t)(hole - page.p);
		cache[i].len = page.len;
		cache[i].page = page.p;
	}
	const char *token = form_token(r, form);
	size_t tl = strlen(token), hl = strlen(TOKEN_HOLE);
	buf_reset(r->out);
	buf_put(r->out, cache[i].page, cache[i].hole);
	buf_put(r->out, token, tl);
	buf_put(r->out, cache[i].page + cache[i].hole + hl, cache[i].len - cache[i].hole - hl);
	resp_text(r, 200, "text/html; charset=utf-8", r->out->p, r->out->len);
}

const char *
pubform_guard(struct req *r, const char *form)
{
	const char *hp = req_field(r, "website");
	if (hp != NULL && hp[0] != '\0')
		return "提交未成功:请不要填写隐藏的“网址”一栏,清空后再提交。";
	if (form_token_check(r, form, req_field(r, "_token"), FORM_TOKEN_MAX_AGE) != 0)
		return "页面已过期或来源无法确认。您填写的内容已保留,请检查后再次提交。";
	return NULL;
}

const char *const *
column_options(struct req *r, sqlite3_stmt *st, int *flag)
{
	size_t n = 0, cap = 16;
	const char **opts = arena_calloc(r->a, cap + 1, sizeof(*opts));
	if (flag)
		*flag = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			const char **more = arena_calloc(r->a, cap * 2 + 1, sizeof(*opts));
			memcpy(more, opts, n * sizeof(*opts));
			opts = more;
			cap *= 2;
		}
		opts[n++] = arena_strdup(r->a, db_col_text(st, 0));
		if (flag)
			*flag |= sqlite3_column_int(st, 1);
	}
	if (st)
		sqlite3_reset(st);
	opts[n] = NULL;
	return opts;
}

const char *const *
district_options(struct req *r, int *sample)
{
	static const char sql[] =
	    "SELECT name, sample FROM districts WHERE active = 1 ORDER BY code";
	return column_options(r, db_prep(r->app->db, sql), sample);
}

struct tval *
select_options(struct req *r, const char *const *opts, const char *chosen)
{
	struct tval *list = tv_list(r->a);
	for (; opts && *opts; opts++) {
		struct tval *m = tv_map(r->a);
		tv_puts(r->a, m, "value", *opts);
		tv_putb(r->a, m, "selected", chosen && strcmp(*opts, chosen) == 0);
		tv_push(r->a, list, m);
	}
	return list;
}

const char *
options_variant(struct req *r, const char *const *options, int flag)
{
	struct buf b = {0};
	buf_putc(&b, flag ? '1' : '0');
	for (; options && *options; options++) {
		buf_putc(&b, '\n');
		buf_puts(&b, *options);
	}
	const char *v = arena_strdup(r->a, b.p);
	buf_free(&b);
	return v;
}

struct field *
pubform_fields(struct req *r, const struct field *table, size_t n, size_t district,
    int *sample)
{
	struct field *f = arena_alloc(r->a, n * sizeof(*f));
	memcpy(f, table, n * sizeof(*f));
	f[district].options = district_options(r, sample);
	return f;
}

long long
district_id(struct req *r, const char *name)
{
	static const char sql[] =
	    "SELECT id FROM districts WHERE name = ?1 AND active = 1";
	return db_int_by_text(r->app->db, sql, name, 0);
}

struct tval *
event_history(struct req *r, const char *ref, int staff)
{
	static const char sql[] =
	    "SELECT e.status, e.note, e.public, e.created_at,"
	    "  coalesce(t.display_name, ''), coalesce(t.username, '')"
	    " FROM events e LEFT JOIN staff t ON t.id = e.staff_id"
	    " WHERE e.ref = ?1 AND (?2 OR e.public = 1) ORDER BY e.id";
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return list;
	db_bind_text(st, 1, ref);
	db_bind_int(st, 2, staff);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tval *e = tv_map(a);
		const char *iso = db_col_text(st, 3);
		tv_puts(a, e, "status", db_col_text(st, 0));
		tv_puts(a, e, "note", db_col_text(st, 1));
		tv_puts(a, e, "at", show_datetime(a, iso));
		tv_puts(a, e, "iso", iso);
		if (staff) {
			const char *display = db_col_text(st, 4), *user = db_col_text(st, 5);
			tv_putb(a, e, "internal", sqlite3_column_int(st, 2) == 0);
			tv_puts(a, e, "who", *user == '\0' ? "申请人" : *display == '\0' ? user :
			    arena_printf(a, "%s(%s)", display, user));
		}
		tv_push(a, list, e);
	}
	sqlite3_reset(st);
	return list;
}

int
event_add(struct db *db, const struct actor *who, const char *ref,
    const char *status, const char *note, int public)
{
	static const char sql[] =
	    "INSERT INTO events (ref, status, note, public, staff_id, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	char now[32];
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, note ? note : "");
	db_bind_int(st, 4, public);
	if (who->staff_id)
		db_bind_int(st, 5, who->staff_id);
	db_bind_text(st, 6, now);
	return db_exec_stmt(db, st);
}

void
answer_db_failure(struct req *r, int rc)
{
	db_rollback(r->app->db);
	resp_error(r, db_unavailable(rc) ? 503 : 500, rc == JOB_LOST ?
	    "服务器刚才没有完成回应,您的信息可能已经保存。请稍等片刻后再提交一次:"
	    "如果已经保存,会显示您原来的编号,不会重复登记。" : NULL);
}

void
pubform_store(struct req *r, struct job *in, const char *done)
{
	struct job out;   /* large (writer.h): on the worker's stack */
	int rc = store_job(r, in, &out);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "%s%s", done, job_text(&out, "ref")));
}

const char *
working_days_ahead(struct req *r, int n)
{
	return day_show(r->a, workday_add(workday_calendar(r->app->db), day_today(), n));
}

const char *
working_days_ahead_iso(struct req *r, int n)
{
	char out[16];
	day_iso(workday_add(workday_calendar(r->app->db), day_today(), n), out, sizeof(out));
	return arena_strdup(r->a, out);
}

int
ref_ok(const char *s, const char *prefix)
{
	size_t p = strlen(prefix);
	return s != NULL && strncmp(s, prefix, p) == 0 && strlen(s) == p + 8 &&
	    strspn(s + p, "23456789ABCDEFGHJKMNPQRSTUVWXYZ") == 8;
}

void
pubform_done(struct req *r, const char *prefix, int days, const char *tmpl)
{
	const char *ref = r->params[0];
	if (!ref_ok(ref, prefix)) {
		resp_error(r, 404, NULL);
		return;
	}
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "ref", ref);
	tv_puts(r->a, ctx, "answer_by", working_days_ahead(r, days));
	resp_render(r, 200, tmpl, ctx);
}
