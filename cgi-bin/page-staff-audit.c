/*
 * page-staff-audit.c - 审计日志: who did what, when, from where.  Admin only.
 *
 *   GET /staff/audit   newest first, 50 a page (?before=ID), filtered by
 *                      操作 (action), 账号 (username), 对象 (target: a
 *                      reference or an account) and a date range.
 *
 * Read-only: there is no route that changes an entry, and the table's
 * triggers refuse UPDATE and DELETE.  Each filter walks its own index in
 * id order (0007_staff_admin.sql), and a date range becomes a range of
 * ids first (entries are written in time order; the times are checked
 * again on each entry), so a page costs the same however long the log
 * grows.
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
#include "staff.h"
#include "vocab.h"
#include "when.h"

#define AUDIT_COLS "SELECT id, at, username, addr, action, target, detail FROM audit"
#define AUDIT_REST \
    " AND (?1 = '' OR action = ?1) AND (?2 = '' OR username = ?2)" \
    " AND (?3 = '' OR target = ?3) AND id < ?4 AND id BETWEEN ?5 AND ?6" \
    " AND at >= ?8 AND (?9 = '' OR at < ?9) ORDER BY id DESC LIMIT ?7"

/* One statement per driving index: the most selective filter given. */
static const char sql_by_target[] = AUDIT_COLS " WHERE target = ?3" AUDIT_REST;
static const char sql_by_user[] = AUDIT_COLS " WHERE username = ?2" AUDIT_REST;
static const char sql_by_action[] = AUDIT_COLS " WHERE action = ?1" AUDIT_REST;
static const char sql_all[] = AUDIT_COLS " WHERE 1" AUDIT_REST;
/* The first entry at or after a time, the last one before a time. */
static const char sql_first_at[] =
    "SELECT id FROM audit WHERE at >= ?1 ORDER BY at, id LIMIT 1";
static const char sql_last_before[] =
    "SELECT id FROM audit WHERE at < ?1 ORDER BY at DESC, id DESC LIMIT 1";

struct audit_filter {
	const char *action, *user, *target;
	struct queue_filter q;   /* from/to dates, the before cursor, error */
	long long lo, hi;        /* id range of the dates */
};

static void
filter_parse(struct req *r, struct audit_filter *f)
{
	f->action = queue_param(r, "action", 200);
	f->user = queue_param(r, "user", 200);
	f->target = queue_param(r, "target", 200);
	queue_filter_parse(r, &f->q);
	f->lo = 0;
	f->hi = INT64_MAX;
	if (*f->q.from_utc)
		f->lo = db_int_by_text(r->app->db, sql_first_at, f->q.from_utc, INT64_MAX);
	if (*f->q.to_utc)
		f->hi = db_int_by_text(r->app->db, sql_last_before, f->q.to_utc, 0);
}

static void
add_param(struct buf *b, const char *name, const char *value)
{
	if (*value == '\0')
		return;
	buf_putc(b, b->len ? '&' : '?');
	buf_puts(b, name);
	buf_putc(b, '=');
	buf_put_urlencoded(b, value, 0);
}

/* "/staff/audit?…" keeping the filter; before 0 for the first page. */
static const char *
page_link(struct req *r, const struct audit_filter *f, long long before)
{
	struct buf b = {0};
	char cursor[24] = "";
	add_param(&b, "action", f->action);
	add_param(&b, "user", f->user);
	add_param(&b, "target", f->target);
	add_param(&b, "from", f->q.from);
	add_param(&b, "to", f->q.to);
	if (before)
		snprintf(cursor, sizeof(cursor), "%lld", before);
	add_param(&b, "before", cursor);
	const char *out = arena_printf(r->a, "/staff/audit%s", b.p ? b.p : "");
	buf_free(&b);
	return out;
}

/* "2026-11-23 16:05:03", Shanghai time. */
static const char *
when_exact(struct arena *a, const char *iso)
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0)
		return iso;
	return arena_printf(a, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Where a target may be opened: a join or legal-aid reference. */
static const char *
target_link(struct arena *a, const char *target)
{
	if (strlen(target) == 10 && strncmp(target, "RH", 2) == 0)
		return arena_printf(a, "/staff/joins/%s", target);
	if (strlen(target) == 10 && strncmp(target, "FY", 2) == 0)
		return arena_printf(a, "/staff/legal-aid/%s", target);
	return NULL;
}

static struct tval *
entry(struct arena *a, sqlite3_stmt *st)
{
	struct tval *e = tv_map(a);
	const char *action = db_col_text(st, 4), *target = db_col_text(st, 5);
	tv_puti(a, e, "id", sqlite3_column_int64(st, 0));
	tv_puts(a, e, "at", when_exact(a, db_col_text(st, 1)));
	tv_puts(a, e, "user", db_col_text(st, 2));
	tv_puts(a, e, "addr", db_col_text(st, 3));
	tv_puts(a, e, "action", action);
	tv_puts(a, e, "label", audit_action_label(action));
	tv_puts(a, e, "target", target);
	tv_puts(a, e, "target_link", target_link(a, target));
	tv_puts(a, e, "detail", db_col_text(st, 6));
	return e;
}

static void
audit_get(struct req *r)
{
	struct arena *a = r->a;
	struct audit_filter f;
	filter_parse(r, &f);
	const char *sql = *f.target ? sql_by_target : *f.user ? sql_by_user :
	    *f.action ? sql_by_action : sql_all;
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	db_bind_text(st, 1, f.action);
	db_bind_text(st, 2, f.user);
	db_bind_text(st, 3, f.target);
	db_bind_int(st, 4, f.q.before ? f.q.before : INT64_MAX);
	db_bind_int(st, 5, f.lo);
	db_bind_int(st, 6, f.hi);
	db_bind_int(st, 7, QUEUE_PAGE + 1);
	db_bind_text(st, 8, f.q.from_utc);
	db_bind_text(st, 9, f.q.to_utc);
	struct tval *ctx = tv_map(a), *rows = tv_list(a);
	long long last = 0;
	int n = 0, more = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > QUEUE_PAGE) {
			more = 1;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		tv_push(a, rows, entry(a, st));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}

	struct tval *fv = tv_map(a), *known = tv_list(a);
	tv_puts(a, fv, "action", f.action);
	tv_puts(a, fv, "user", f.user);
	tv_puts(a, fv, "target", f.target);
	tv_puts(a, fv, "from", f.q.from);
	tv_puts(a, fv, "to", f.q.to);
	if (f.q.error)
		tv_puts(a, fv, "error", f.q.error);
	for (size_t i = 0; i < naudit_actions; i++) {
		struct tval *o = tv_map(a);
		tv_puts(a, o, "value", audit_actions[i].action);
		tv_puts(a, o, "label", audit_actions[i].label);
		tv_push(a, known, o);
	}
	tv_put(a, fv, "actions", known);
	tv_put(a, ctx, "filter", fv);
	tv_put(a, ctx, "rows", rows);
	tv_putb(a, ctx, "has_rows", rows->n > 0);
	if (more)
		tv_puts(a, ctx, "next", page_link(r, &f, last));
	if (f.q.before)
		tv_puts(a, ctx, "first", page_link(r, &f, 0));
	resp_render(r, 200, "staff/audit", ctx);
}

const struct route page_staff_audit_routes[] = {
	{"GET", "/staff/audit", audit_get, ROLE_ADMIN, NULL},
	{0},
};
