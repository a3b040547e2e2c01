/*
 * page-staff-appeal-record.c - one 诉求 on the staff desk: its page (the
 * routes are in page-staff-appeals.c's table; the workflow, its forms and
 * its POST handler are page-staff-appeal-steps.c).
 *
 *   GET  /staff/appeals/{ref}   the appeal: every field, the full phone
 *                               number, the station, the legal case it
 *                               became, its history and its next steps
 *
 * An appeal outside the person's district answers 404, as an unknown one.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "page-staff-appeals.h"
#include "pubform.h"
#include "staff.h"
#include "text.h"
#include "vocab.h"
#include "when.h"

static const char sql_record[] =
    "SELECT a.id, a.ref, a.district_id, coalesce(a.assignee_id, 0), a.may_contact,"
    "  a.kind, a.matter, a.content, coalesce(d.name, ''), coalesce(o.name, ''),"
    "  a.name, a.phone, coalesce(st.name, ''), coalesce(st.code, ''), a.status,"
    "  coalesce(a.due_on, ''), coalesce(s.display_name, ''), coalesce(s.username, ''),"
    "  a.reply, coalesce(a.replied_at, ''), a.reason, coalesce(a.legal_ref, ''),"
    "  coalesce(a.closed_at, ''), a.created_at, a.updated_at"
    " FROM appeals a"
    " LEFT JOIN districts d ON d.id = a.district_id"
    " LEFT JOIN districts o ON o.id = a.origin_district_id"
    " LEFT JOIN stations st ON st.id = a.station_id"
    " LEFT JOIN staff s ON s.id = a.assignee_id"
    " WHERE a.ref = ?1";
/* Who may handle appeals of district ?1 (0: of any district): enabled
 * admins and reviewers bound to it or to none. */

int
appeal_load(struct req *r, const char *ref, struct arec *c)
{
	struct arena *a = r->a;
	sqlite3_stmt *st = staff_record(r, sql_record, ref, "SQ");
	if (st == NULL)
		return -1;
	int i = 0;
	c->id = sqlite3_column_int64(st, i++);
	c->ref = arena_strdup(a, db_col_text(st, i++));
	c->district_id = sqlite3_column_int64(st, i++);
	c->assignee_id = sqlite3_column_int64(st, i++);
	c->may_contact = sqlite3_column_int(st, i++);
	const char **text[] = {
		&c->kind, &c->matter, &c->content, &c->district, &c->origin,
		&c->name, &c->phone, &c->station, &c->station_code, &c->status,
		&c->due_on,
	};
	for (size_t k = 0; k < ZJ_NELEM(text); k++)
		*text[k] = arena_strdup(a, db_col_text(st, i++));
	const char *display = db_col_text(st, i++), *user = db_col_text(st, i++);
	c->assignee = *user == '\0' ? "" : *display == '\0' ? arena_strdup(a, user) :
	    arena_printf(a, "%s(%s)", display, user);
	const char **more[] = {
		&c->reply, &c->replied_at, &c->reason, &c->legal_ref, &c->closed_at,
		&c->created, &c->updated,
	};
	for (size_t k = 0; k < ZJ_NELEM(more); k++)
		*more[k] = arena_strdup(a, db_col_text(st, i++));
	sqlite3_reset(st);
	return 0;
}


/* ---- the page ---- */

void
appeal_show(struct req *r, int status, const struct arec *c, const char *failed,
    const struct fresult *res, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a), *m = tv_map(a);
	tv_puts(a, m, "ref", c->ref);
	tv_puts(a, m, "status", c->status);
	tv_puts(a, m, "kind", c->kind);
	tv_puts(a, m, "matter", c->matter);
	tv_put(a, m, "content", paragraphs(a, c->content));
	tv_puts(a, m, "district", c->district);
	if (strcmp(c->district, c->origin) != 0)
		tv_puts(a, m, "origin", c->origin);
	tv_puts(a, m, "name", c->name);
	tv_puts(a, m, "phone", c->phone);
	tv_puts(a, m, "contact", c->may_contact ? "可以打电话或发短信联系" :
	    "不方便:不要主动联系,只在进度查询中答复");
	tv_putb(a, m, "no_contact", !c->may_contact);
	tv_puts(a, m, "station", c->station);
	tv_puts(a, m, "station_code", c->station_code);
	if (*c->due_on)
		tv_puts(a, m, "due", show_day(a, c->due_on));
	long today = today_shanghai();
	const char *today_iso = arena_printf(a, "%04ld-%02ld-%02ld", today / 10000,
	    today / 100 % 100, today % 100);
	tv_putb(a, m, "overdue", strcmp(c->status, APPEAL_DISPATCHED) == 0 &&
	    *c->due_on && strcmp(c->due_on, today_iso) < 0);
	tv_puts(a, m, "assignee", c->assignee);
	if (*c->reply) {
		tv_putb(a, m, "has_reply", 1);
		tv_put(a, m, "reply", paragraphs(a, c->reply));
		tv_puts(a, m, "replied", show_datetime(a, c->replied_at));
	}
	tv_puts(a, m, "reason", c->reason);
	tv_puts(a, m, "legal_ref", c->legal_ref);
	if (*c->closed_at)
		tv_puts(a, m, "closed", show_datetime(a, c->closed_at));
	tv_puts(a, m, "created", show_datetime(a, c->created));
	tv_puts(a, m, "updated", show_datetime(a, c->updated));
	tv_put(a, ctx, "rec", m);
	tv_put(a, ctx, "history", event_history(r, c->ref, 1));
	outbox_history(r, ctx, c->ref, c->phone);
	tv_puts(a, ctx, "base", arena_printf(a, "/staff/appeals/%s", c->ref));

	appeal_workflow_view(r, ctx, c, failed, res, status == 200);
	if (message)
		tv_puts(a, ctx, "message", message);
	resp_render(r, status, "staff/appeals/record", ctx);
}

void
appeals_record(struct req *r)
{
	struct arec c;
	if (appeal_load(r, r->params[0], &c) == 0)
		appeal_show(r, 200, &c, NULL, NULL, NULL);
}
