/*
 * page-staff-messages.c - 短信: what the union texts people, on the staff
 * desk (admins only), and the messages part of every record's page.
 *
 *   GET   /staff/messages                 the kinds and their texts, quiet hours,
 *                                         opt-outs, the outbox (by state, paged)
 *   GET   /staff/messages/kind/{kind}     one kind's text: edit, count, preview
 *   POST  /staff/messages/kind/{kind}     预览 / 保存 / 恢复默认
 *   POST  /staff/messages/quiet           免打扰时段
 *   POST  /staff/messages/optout          退订 / 恢复接收 of a phone
 *
 * The length counter is the server's (sms_count): characters and SMS
 * segments of the text as it would go out with the example values; the
 * few lines of static/sms-count.js only update it while typing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

#define LIST_PAGE 50

enum { T_BODY, T__N };
static const struct field template_fields[T__N] = {
	[T_BODY] = {"body", "短信内容", F_TEXTAREA, 1, 1, MSG_BODY_MAX, NULL,
	    "变量写成 {{ref}} 这样,只能用下表列出的;不要写身份证号、案情或金额。"
	    "70 字以内为 1 条短信,更长的按每条 67 字分条发送并计费", NULL},
};

enum { Q_FROM, Q_TO, Q__N };
static const struct field quiet_fields[Q__N] = {
	[Q_FROM] = {"quiet_from", "免打扰开始", F_TEXT, 1, 5, 5, NULL,
	    "北京时间,例如 21:00", "21:00"},
	[Q_TO] = {"quiet_to", "免打扰结束", F_TEXT, 1, 5, 5, NULL,
	    "例如 08:00。开始和结束相同表示不设免打扰时段", "08:00"},
};

enum { O_PHONE, O_NOTE, O__N };
static const struct field optout_fields[O__N] = {
	[O_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "本人回复 TD 或退订,或当面、电话要求不再接收短信", NULL},
	[O_NOTE] = {"note", "说明", F_TEXT, 0, 0, 100, NULL,
	    "选填,例如“电话要求不再发短信”", NULL},
};

/* ---- SQL ---- */

static const char sql_template_one[] =
    "SELECT t.body, t.updated_at, coalesce(s.display_name, s.username, '')"
    " FROM outbox_templates t LEFT JOIN staff s ON s.id = t.staff_id"
    " WHERE t.kind = ?1";
static const char sql_counts[] =
    "SELECT state, count(*) FROM outbox GROUP BY state";
static const char sql_page[] =
    "SELECT id, state, kind, ref, phone, body, attempts, last_error,"
    " created_at, sent_at, coalesce(batch, '') FROM outbox"
    " WHERE (?1 = '' OR state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_optouts[] =
    "SELECT phone, source, note, created_at FROM outbox_optouts"
    " ORDER BY created_at DESC LIMIT 50";
static const char sql_optout_count[] = "SELECT count(*) FROM outbox_optouts";
static const char sql_by_ref[] =
    "SELECT id, state, kind, ref, phone, body, attempts, last_error,"
    " created_at, sent_at, coalesce(batch, '') FROM outbox"
    " WHERE ref = ?1 ORDER BY id";
static const char sql_by_activity[] =
    "SELECT o.id, o.state, o.kind, o.ref, o.phone, o.body, o.attempts,"
    " o.last_error, o.created_at, o.sent_at, coalesce(o.batch, '')"
    " FROM signups s JOIN outbox o ON o.ref = s.ref"
    " WHERE s.activity_id = ?1 ORDER BY o.id";
static const char sql_is_optout[] =
    "SELECT 1 FROM outbox_optouts WHERE phone = ?1";

/* ---- one message as lists show it ---- */

/* A row of sql_page / sql_by_ref / sql_by_activity. */
static struct tval *
message_view(struct arena *a, sqlite3_stmt *st, int full_phone)
{
	struct tval *m = tv_map(a);
	const char *state = db_col_text(st, 1);
	const struct msg_kind *k = msg_kind(db_col_text(st, 2));
	char phone[16];
	tv_puti(a, m, "id", sqlite3_column_int64(st, 0));
	tv_puts(a, m, "state", state);
	tv_putb(a, m, "failed", strcmp(state, OUTBOX_FAILED) == 0);
	tv_putb(a, m, "sent", strcmp(state, OUTBOX_SENT) == 0);
	tv_puts(a, m, "kind", k ? k->label : db_col_text(st, 2));
	tv_puts(a, m, "ref", db_col_text(st, 3));
	if (full_phone)
		tv_puts(a, m, "phone", db_col_text(st, 4));
	else {
		mask_phone(db_col_text(st, 4), phone);
		tv_puts(a, m, "phone", phone);
	}
	/* a 回访 link is the person's own: staff see that it went, not it */
	tv_puts(a, m, "body", feedback_redact(a, db_col_text(st, 5)));
	tv_puti(a, m, "attempts", sqlite3_column_int64(st, 6));
	tv_puts(a, m, "error", db_col_text(st, 7));
	tv_puts(a, m, "created", show_datetime(a, db_col_text(st, 8)));
	tv_puts(a, m, "created_iso", db_col_text(st, 8));
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		tv_puts(a, m, "sent_at", show_datetime(a, db_col_text(st, 9)));
	tv_puts(a, m, "batch", db_col_text(st, 10));
	return m;
}

/* ---- the messages part of a record's page ---- */

static int
history(struct req *r, struct tval *ctx, const char *sql, const char *ref,
    long long id, const char *phone)
{
	struct arena *a = r->a;
	struct tval *sms = tv_map(a), *list = tv_list(a);
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	if (ref)
		db_bind_text(st, 1, ref);
	else
		db_bind_int(st, 1, id);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n++ < 500)
		tv_push(a, list, message_view(a, st, ref != NULL));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rc;
	tv_put(a, sms, "list", list);
	tv_putb(a, sms, "has", n > 0);
	tv_putb(a, sms, "per_person", ref == NULL);
	if (phone && *phone && (st = db_prep(r->app->db, sql_is_optout)) != NULL) {
		db_bind_text(st, 1, phone);
		tv_putb(a, sms, "optout", sqlite3_step(st) == SQLITE_ROW);
		sqlite3_reset(st);
	}
	tv_put(a, ctx, "sms", sms);
	return SQLITE_DONE;
}

int
outbox_history(struct req *r, struct tval *ctx, const char *ref,
    const char *phone)
{
	return history(r, ctx, sql_by_ref, ref, 0, phone);
}

int
outbox_history_activity(struct req *r, struct tval *ctx, long long activity_id)
{
	return history(r, ctx, sql_by_activity, NULL, activity_id, NULL);
}

/* ---- GET /staff/messages ---- */

/* ?state= when it is one of outbox_states, else "" (every state). */
static const char *
state_wanted(struct req *r)
{
	const char *s = req_query(r, "state");
	for (size_t i = 0; s && outbox_states[i]; i++)
		if (strcmp(outbox_states[i], s) == 0)
			return outbox_states[i];
	return "";
}

/* The kind's current text (edited, else its default) and when edited. */
static const char *
current_text(struct req *r, const struct msg_kind *k, const char **edited,
    const char **by)
{
	const char *body = k->body;
	*edited = NULL;
	if (by)
		*by = "";
	sqlite3_stmt *st = db_prep(r->app->db, sql_template_one);
	if (st == NULL)
		return body;
	db_bind_text(st, 1, k->kind);
	if (sqlite3_step(st) == SQLITE_ROW) {
		body = arena_strdup(r->a, db_col_text(st, 0));
		*edited = show_datetime(r->a, db_col_text(st, 1));
		if (by)
			*by = arena_strdup(r->a, db_col_text(st, 2));
	}
	sqlite3_reset(st);
	return body;
}

/* The example values of every variable, as vars for msg_render. */
static const char **
example_vars(struct arena *a)
{
	const char **v = arena_calloc(a, 2 * nmsg_vars + 1, sizeof(*v));
	for (size_t i = 0; i < nmsg_vars; i++) {
		v[2 * i] = msg_vars[i].name;
		v[2 * i + 1] = msg_vars[i].example;
	}
	return v;
}

/* {chars, segments, preview} of body rendered with the examples. */
static void
count_view(struct arena *a, struct tval *m, const char *body)
{
	size_t chars, segments;
	const char *text = msg_render(a, body, example_vars(a));
	sms_count(text, &chars, &segments);
	tv_puts(a, m, "preview", text);
	tv_puti(a, m, "chars", (long long)chars);
	tv_puti(a, m, "segments", (long long)segments);
	tv_putb(a, m, "multi", segments > 1);
}

static struct tval *
quiet_view(struct req *r, const struct fresult *res)
{
	int from, to;
	struct fresult def[Q__N];
	if (res == NULL) {
		outbox_quiet(r->app->db, &from, &to);
		memset(def, 0, sizeof(def));
		def[Q_FROM].value = arena_printf(r->a, "%02d:%02d", from / 60, from % 60);
		def[Q_TO].value = arena_printf(r->a, "%02d:%02d", to / 60, to % 60);
		res = def;
	}
	return form_view(r, quiet_fields, Q__N, res);
}

static void
show_overview(struct req *r, int status, const struct fresult *quiet,
    const struct fresult *optout, const char *notice)
{
	struct arena *a = r->a;
	struct db *db = r->app->db;
	struct tval *ctx = tv_map(a), *kinds = tv_list(a);
	for (size_t i = 0; i < nmsg_kinds; i++) {
		const struct msg_kind *k = &msg_kinds[i];
		const char *edited;
		struct tval *m = tv_map(a);
		const char *body = current_text(r, k, &edited, NULL);
		tv_puts(a, m, "kind", k->kind);
		tv_puts(a, m, "label", k->label);
		tv_puts(a, m, "when", k->when);
		tv_puts(a, m, "body", body);
		if (edited)
			tv_puts(a, m, "edited", edited);
		count_view(a, m, body);
		tv_push(a, kinds, m);
	}
	tv_put(a, ctx, "kinds", kinds);

	int from, to;
	outbox_quiet(db, &from, &to);
	if (from != to)
		tv_putf(a, ctx, "quiet_now", "北京时间 %02d:%02d 至 %02d:%02d",
		    from / 60, from % 60, to / 60, to % 60);
	tv_put(a, ctx, "quiet", quiet_view(r, quiet));
	tv_put(a, ctx, "optout", form_view(r, optout_fields, O__N, optout));

	/* counts per state, and the state filter */
	const char *want = state_wanted(r);
	struct tval *states = tv_list(a);
	sqlite3_stmt *st = db_prep(db, sql_counts);
	long long counts[8] = {0};
	if (st == NULL) {
		answer_db_failure(r, SQLITE_ERROR);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		for (size_t i = 0; outbox_states[i] && i < 8; i++)
			if (strcmp(outbox_states[i], db_col_text(st, 0)) == 0)
				counts[i] = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	for (size_t i = 0; outbox_states[i] && i < 8; i++) {
		struct tval *m = tv_map(a);
		tv_puts(a, m, "value", outbox_states[i]);
		tv_puti(a, m, "count", counts[i]);
		tv_putb(a, m, "selected", strcmp(want, outbox_states[i]) == 0);
		tv_push(a, states, m);
	}
	tv_put(a, ctx, "states", states);
	tv_puts(a, ctx, "state", want);

	/* the outbox, newest first, by id pages */
	long long before = req_query(r, "before") ? atoll(req_query(r, "before")) : 0;
	struct tval *rows = tv_list(a);
	if ((st = db_prep(db, sql_page)) == NULL) {
		answer_db_failure(r, SQLITE_ERROR);
		return;
	}
	db_bind_text(st, 1, want);
	db_bind_int(st, 2, before > 0 ? before : INT64_MAX);
	db_bind_int(st, 3, LIST_PAGE + 1);
	int n = 0, rc;
	long long last = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == LIST_PAGE)
			break;
		last = sqlite3_column_int64(st, 0);
		tv_push(a, rows, message_view(a, st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		answer_db_failure(r, rc);
		return;
	}
	tv_put(a, ctx, "rows", rows);
	tv_putb(a, ctx, "has_rows", n > 0);
	struct buf q = {0};
	buf_put_urlencoded(&q, want, 0);
	if (n > LIST_PAGE)
		tv_putf(a, ctx, "next", "/staff/messages?state=%s&before=%lld#outbox",
		    q.p ? q.p : "", last);
	if (before > 0)
		tv_putf(a, ctx, "first", "/staff/messages?state=%s#outbox", q.p ? q.p : "");
	buf_free(&q);

	/* opt-outs: the newest 50, masked */
	struct tval *outs = tv_list(a);
	int nouts = 0;
	if ((st = db_prep(db, sql_optouts)) != NULL) {
		while (sqlite3_step(st) == SQLITE_ROW && ++nouts) {
			struct tval *m = tv_map(a);
			char phone[16];
			mask_phone(db_col_text(st, 0), phone);
			tv_puts(a, m, "phone", phone);
			tv_puts(a, m, "source", strcmp(db_col_text(st, 1), "reply") == 0 ?
			    "短信回复" : strcmp(db_col_text(st, 1), "cli") == 0 ?
			    "命令行" : "工作人员登记");
			tv_puts(a, m, "note", db_col_text(st, 2));
			tv_puts(a, m, "at", show_datetime(a, db_col_text(st, 3)));
			tv_push(a, outs, m);
		}
		sqlite3_reset(st);
	}
	if ((st = db_prep(db, sql_optout_count)) != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW)
			tv_puti(a, ctx, "optout_count", sqlite3_column_int64(st, 0));
		sqlite3_reset(st);
	}
	tv_put(a, ctx, "optouts", outs);
	tv_putb(a, ctx, "has_optouts", nouts > 0);
	if (notice)
		tv_puts(a, ctx, "notice", notice);
	resp_render(r, status, "staff/messages/list", ctx);
}

static const struct {
	const char *done, *notice;
} notices[] = {
	{"quiet", "免打扰时段已保存。"},
	{"optout", "已登记退订:这个手机号不会再收到短信,待发送的也不再发送。"},
	{"optin", "这个手机号恢复接收短信。"},
	{"same", "没有变化:这个手机号本来就是这样。"},
};

static void
overview(struct req *r)
{
	const char *done = req_query(r, "done"), *notice = NULL;
	for (size_t i = 0; done && i < ZJ_NELEM(notices); i++)
		if (strcmp(notices[i].done, done) == 0)
			notice = notices[i].notice;
	show_overview(r, 200, NULL, NULL, notice);
}

/* ---- one kind ---- */

static const struct msg_kind *
route_kind(struct req *r)
{
	const struct msg_kind *k = msg_kind(r->params[0]);
	if (k == NULL)
		resp_error(r, 404, NULL);
	return k;
}

/*
 * The kind's page: the form with body (NULL: the current text), its
 * count and preview, the variables it may use; error: the form's
 * message beside the field.
 */
static void
show_kind(struct req *r, int status, const struct msg_kind *k,
    const char *body, const char *error, const char *notice)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a), *vars = tv_list(a);
	const char *edited, *by;
	const char *current = current_text(r, k, &edited, &by);
	struct fresult res[T__N];
	memset(res, 0, sizeof(res));
	res[T_BODY].value = body ? body : current;
	res[T_BODY].error = error;
	tv_put(a, ctx, "f", form_view(r, template_fields, T__N, res));
	tv_puts(a, ctx, "kind", k->kind);
	tv_puts(a, ctx, "label", k->label);
	tv_puts(a, ctx, "when", k->when);
	tv_puts(a, ctx, "default", k->body);
	if (edited) {
		tv_puts(a, ctx, "edited", edited);
		tv_puts(a, ctx, "edited_by", by);
	}
	for (size_t i = 0; i < nmsg_vars; i++) {
		size_t len = strlen(msg_vars[i].name);
		const char *p = k->vars;
		int offered = 0;
		while (*p) {
			size_t n = strcspn(p, " ");
			offered |= n == len && strncmp(p, msg_vars[i].name, n) == 0;
			p += n;
			p += strspn(p, " ");
		}
		if (!offered)
			continue;
		struct tval *m = tv_map(a);
		tv_putf(a, m, "name", "{{%s}}", msg_vars[i].name);
		tv_puts(a, m, "label", msg_vars[i].label);
		tv_puts(a, m, "example", msg_vars[i].example);
		tv_push(a, vars, m);
	}
	tv_put(a, ctx, "vars", vars);
	if (error == NULL)
		count_view(a, ctx, res[T_BODY].value);
	if (notice)
		tv_puts(a, ctx, "notice", notice);
	resp_render(r, status, "staff/messages/kind", ctx);
}

static void
kind_get(struct req *r)
{
	const struct msg_kind *k = route_kind(r);
	if (k == NULL)
		return;
	const char *done = req_query(r, "done");
	show_kind(r, 200, k, NULL, NULL, done == NULL ? NULL :
	    strcmp(done, "saved") == 0 ? "已保存:以后的短信按新内容发送。" :
	    strcmp(done, "reset") == 0 ? "已恢复默认内容。" : NULL);
}

static void
kind_post(struct req *r)
{
	const struct msg_kind *k = route_kind(r);
	if (k == NULL)
		return;
	const char *action = req_field(r, "action");
	int reset = action && strcmp(action, "reset") == 0;
	int preview = action && strcmp(action, "preview") == 0;
	struct fresult res[T__N];
	if (!reset) {
		const char *bad = NULL;
		if (form_check(r, template_fields, T__N, res) == 0)
			bad = msg_template_check(r->a, k, res[T_BODY].value);
		else
			bad = res[T_BODY].error;
		if (bad != NULL) {
			show_kind(r, 422, k, res[T_BODY].value, bad, NULL);
			return;
		}
		if (preview) {
			show_kind(r, 200, k, res[T_BODY].value, NULL,
			    "这是预览,还没有保存。");
			return;
		}
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "outbox.template");
	job_put_text(&in, "kind", k->kind);
	job_put_text(&in, "body", reset ? "" : res[T_BODY].value);
	int rc = store_job(r, &in, &out);
	const char *error = job_text(&out, "error");
	if (rc == SQLITE_DONE && error) {
		show_kind(r, 422, k, res[T_BODY].value, error, NULL);
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/messages/kind/%s?done=%s",
	    k->kind, reset ? "reset" : "saved"));
}

/* ---- POST /staff/messages/quiet ---- */

static void
quiet_post(struct req *r)
{
	struct fresult res[Q__N];
	int from, to;
	int errors = form_check(r, quiet_fields, Q__N, res);
	for (int i = 0; i < Q__N; i++) {
		char probe[16];
		snprintf(probe, sizeof(probe), "%s-00:00", res[i].value);
		if (!res[i].error && outbox_quiet_parse(probe, &from, &to) != 0) {
			res[i].error = "请按 21:00 这样写(北京时间,24 小时制)";
			errors++;
		}
	}
	if (errors) {
		show_overview(r, 422, res, NULL, NULL);
		return;
	}
	struct job in, out;
	job_init(&in, "outbox.quiet");
	job_put_text(&in, "quiet", arena_printf(r->a, "%s-%s", res[Q_FROM].value,
	    res[Q_TO].value));
	store_answer(r, store_job(r, &in, &out), "/staff/messages?done=quiet");
}

/* ---- POST /staff/messages/optout ---- */

static void
optout_post(struct req *r)
{
	struct fresult res[O__N];
	const char *action = req_field(r, "action");
	int optin = action && strcmp(action, "optin") == 0;
	if (form_check(r, optout_fields, O__N, res) != 0) {
		show_overview(r, 422, NULL, res, NULL);
		return;
	}
	struct job in, out;
	job_init(&in, "outbox.optout");
	job_put_text(&in, "phone", res[O_PHONE].value);
	job_put_int(&in, "optin", optin);
	job_put_text(&in, "source", "staff");
	job_put_text(&in, "note", res[O_NOTE].value);
	int rc = store_job(r, &in, &out);
	store_answer(r, rc, arena_printf(r->a, "/staff/messages?done=%s",
	    !job_int(&out, "changed", 1) ? "same" : optin ? "optin" : "optout"));
}

const struct route page_staff_messages_routes[] = {
	{"GET", "/staff/messages", overview, ROLE_ADMIN, NULL},
	{"GET", "/staff/messages/kind/{kind}", kind_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/messages/kind/{kind}", kind_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/messages/quiet", quiet_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/messages/optout", optout_post, ROLE_ADMIN, NULL},
	{0},
};
