/*
 * queue.c - the staff queues: filters, the choice of statement, paging,
 * the page and the export (see queue.h).  Application code, not core: it
 * knows districts, staff and the RH/FY/ZY references.
 */
#include "queue.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "csv.h"
#include "http.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"
#include "when.h"
#include "workday.h"

/* The 期限 filter's choices: value, label. */
static const char *const due_choices[][2] = {
	{"overdue", "已逾期"},
	{"soon", "今天或 " ZJ_STR(DUE_SOON_DAYS) " 个工作日内到期"},
};

const char *
queue_param(struct req *r, const char *name, size_t max)
{
	const char *v = req_query(r, name);
	if (v == NULL)
		return "";
	while (*v == ' ')
		v++;
	size_t n = strlen(v);
	while (n && v[n - 1] == ' ')
		n--;
	return n > max ? "" : arena_strndup(r->a, v, n);
}

static const char *
qget(struct req *r, const char *name)
{
	return queue_param(r, name, SIZE_MAX);
}

/* 1 when s is written like a reference of ours: a prefix and 8 more. */
static int
is_ref(const char *s)
{
	static const char *const prefixes[] = {"RH", "FY", "ZY", "SQ", "XY"};
	if (strlen(s) != 10)
		return 0;
	for (size_t i = 0; i < ZJ_NELEM(prefixes); i++)
		if (strncmp(s, prefixes[i], 2) == 0)
			return 1;
	return 0;
}

/* "2026-11-23" (a Shanghai date) + days → the UTC instant it starts. */
static const char *
date_to_utc(struct req *r, const char *d, int days)
{
	char out[32];
	if (shanghai_day_utc(d, days, out, sizeof(out)) != 0)
		return NULL;
	return arena_strdup(r->a, out);
}

void
queue_filter_parse(struct req *r, struct queue_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->status = qget(r, "status");
	f->kind = qget(r, "kind");
	f->q = qget(r, "q");
	f->from = qget(r, "from");
	f->to = qget(r, "to");
	f->from_utc = f->to_utc = "";
	const char *before = qget(r, "before");
	if (*before && strspn(before, "0123456789") == strlen(before) && strlen(before) < 19)
		f->before = atoll(before);
	if (*f->from && (f->from_utc = date_to_utc(r, f->from, 0)) == NULL) {
		f->from_utc = "";
		f->error = "开始日期格式应为 2026-01-31";
	}
	if (*f->to && (f->to_utc = date_to_utc(r, f->to, 1)) == NULL) {
		f->to_utc = "";
		f->error = "结束日期格式应为 2026-01-31";
	}
	const char *district = qget(r, "district");
	if (*district && (f->district_id = district_id(r, district)) == 0)
		f->error = "没有这个区县";
	const struct staff *s = staff_of(r);
	if (s && s->district_id)
		f->district_id = s->district_id;
	f->flag = strcmp(qget(r, "flag"), "1") == 0;
	/* References are copied by hand: forgive lower case. */
	if (strlen(f->q) == 10) {
		char *up = arena_strdup(r->a, f->q);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (is_ref(up))
			f->q = up;
	}
	if (*f->q == '\0')
		f->q_kind = Q_NONE;
	else if (is_ref(f->q))
		f->q_kind = Q_REF;
	else if (strlen(f->q) == 11 && strspn(f->q, "0123456789") == 11)
		f->q_kind = Q_PHONE;
	else if (strlen(f->q) == 18 && strspn(f->q, "0123456789") >= 17 &&
	    (f->q[17] == 'X' || f->q[17] == 'x' || f->q[17] <= '9')) {
		f->q_kind = Q_IDNO;
		if (f->q[17] == 'x')
			f->q = arena_printf(r->a, "%.17sX", f->q);
	} else
		f->q_kind = Q_NAME;
	char now[32];
	utc_now_iso(now, sizeof(now));
	f->now = arena_strdup(r->a, now);
	/* 期限: a range of due dates, counted on today's calendar. */
	char lo[16], hi[16];
	f->cal = workday_calendar(r->app->db);
	f->day = day_today();
	f->today = arena_strdup(r->a, day_iso(f->day, lo, sizeof(lo)));
	f->due = qget(r, "due");
	f->due_lo = f->due_hi = "";
	if (strcmp(f->due, "overdue") == 0) {
		f->due_hi = f->today;
	} else if (strcmp(f->due, "soon") == 0) {
		f->due_lo = f->today;
		f->due_hi = arena_strdup(r->a, day_iso(workday_add(f->cal, f->day,
		    DUE_SOON_DAYS) + 1, hi, sizeof(hi)));
	} else
		f->due = "";
}

struct tval *
queue_filter_view(struct req *r, const struct queue_filter *f,
    const char *const *statuses, const char *const *kinds)
{
	struct arena *a = r->a;
	struct tval *v = tv_map(a);
	const struct staff *s = staff_of(r);
	tv_puts(a, v, "status", f->status);
	tv_puts(a, v, "kind", f->kind);
	tv_puts(a, v, "q", f->q);
	tv_puts(a, v, "from", f->from);
	tv_puts(a, v, "to", f->to);
	tv_putb(a, v, "flag", f->flag);
	tv_put(a, v, "statuses", select_options(r, statuses, f->status));
	tv_put(a, v, "kinds", select_options(r, kinds, f->kind));
	tv_putb(a, v, "has_kinds", kinds && *kinds);
	struct tval *dues = tv_list(a);
	for (size_t i = 0; i < ZJ_NELEM(due_choices); i++) {
		struct tval *m = tv_map(a);
		tv_puts(a, m, "value", due_choices[i][0]);
		tv_puts(a, m, "label", due_choices[i][1]);
		tv_putb(a, m, "selected", strcmp(f->due, due_choices[i][0]) == 0);
		tv_push(a, dues, m);
	}
	tv_put(a, v, "dues", dues);
	if (s == NULL || s->district_id == 0) {
		int sample;
		tv_put(a, v, "districts", select_options(r, district_options(r, &sample),
		    req_query(r, "district") ? req_query(r, "district") : ""));
		tv_putb(a, v, "pick_district", 1);
	}
	struct tval *extras = tv_list(a);
	for (size_t i = 0; i < f->nextras; i++) {
		struct tval *m = tv_map(a);
		tv_puts(a, m, "name", f->extras[i].name);
		tv_puts(a, m, "label", f->extras[i].label);
		tv_put(a, m, "options", select_options(r, f->extras[i].options, f->extra[i]));
		tv_push(a, extras, m);
	}
	tv_put(a, v, "extras", extras);
	if (f->error)
		tv_puts(a, v, "error", f->error);
	return v;
}

static void
add_param(struct buf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	if (b->len)
		buf_putc(b, '&');
	buf_puts(b, name);
	buf_putc(b, '=');
	buf_put_urlencoded(b, value, 0);
}

const char *
queue_query(struct req *r, const struct queue_filter *f, long long before)
{
	struct buf b = {0};
	char cursor[24];
	add_param(&b, "status", f->status);
	add_param(&b, "kind", f->kind);
	add_param(&b, "q", f->q);
	add_param(&b, "from", f->from);
	add_param(&b, "to", f->to);
	add_param(&b, "due", f->due);
	add_param(&b, "flag", f->flag ? "1" : NULL);
	for (size_t i = 0; i < f->nextras; i++)
		add_param(&b, f->extras[i].name, f->extra[i]);
	const struct staff *s = staff_of(r);
	if (s == NULL || s->district_id == 0)
		add_param(&b, "district", req_query(r, "district"));
	if (before) {
		snprintf(cursor, sizeof(cursor), "%lld", before);
		add_param(&b, "before", cursor);
	}
	const char *out = arena_strdup(r->a, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

/* The pager into ctx: "next" when more, "first" when not on the first. */
static void
pager(struct req *r, struct tval *ctx, const char *base,
    const struct queue_filter *f, long long last_id, int more)
{
	if (more) {
		const char *q = queue_query(r, f, last_id);
		tv_putf(r->a, ctx, "next", "%s?%s", base, q);
	}
	if (f->before) {
		const char *q = queue_query(r, f, 0);
		tv_putf(r->a, ctx, "first", "%s%s%s", base, *q ? "?" : "", q);
	}
}

/* ---- choosing and binding the statement ---- */

/* The parts f has, as QF_* bits. */
static unsigned
has(const struct queue_filter *f)
{
	unsigned h = 0;
	if (*f->status)
		h |= QF_STATUS;
	if (*f->kind)
		h |= QF_KIND;
	if (f->district_id)
		h |= QF_DISTRICT;
	if (*f->from_utc || *f->to_utc)
		h |= QF_DATES;
	if (*f->due_hi)
		h |= QF_DUE;
	switch (f->q_kind) {
	case Q_REF: h |= QF_REF; break;
	case Q_PHONE: h |= QF_PHONE; break;
	case Q_IDNO: h |= QF_IDNO | QF_NAME; break;
	case Q_NAME: h |= QF_NAME; break;
	case Q_NONE: break;
	}
	for (size_t i = 0; i < f->nextras; i++)
		if (*f->extra[i])
			h |= (unsigned)QF_EXTRA0 << i;
	return h;
}

static const char *
choose(struct req *r, const struct queue_plan *p, const struct queue_filter *f,
    int page)
{
	unsigned h = has(f);
	for (; p->needs; p++)
		if ((p->needs & h) == p->needs && (p->fits == NULL || p->fits(r, f, page)))
			return p->sql;
	return p->sql;
}

const char *
queue_prefix_end(struct arena *a, const char *lo)
{
	size_t n = strlen(lo);
	char *hi = arena_strndup(a, lo, n);
	while (n > 0 && (unsigned char)hi[n - 1] == 0xff)
		hi[--n] = '\0';
	if (n == 0)
		return "";
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	return hi;
}

/* The choice of the extra filter :name, or NULL when f has none such. */
static const char *
extra_value(const struct queue_filter *f, const char *name)
{
	for (size_t i = 0; i < f->nextras; i++)
		if (name[0] == ':' && strcmp(name + 1, f->extras[i].name) == 0)
			return f->extra[i];
	return NULL;
}

/* Bind every parameter of st by its name (queue.h); -1 on a name we do
 * not know. */
static int
queue_bind(struct req *r, sqlite3_stmt *st, const struct queue_filter *f,
    long long limit)
{
	const struct staff *s = staff_of(r);
	long long before = limit < 0 ? 0 : f->before;
	int n = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		const char *text = NULL;
		long long num = 0;
		if (name == NULL)
			name = "?";
		if (strcmp(name, ":status") == 0)
			text = f->status;
		else if (strcmp(name, ":kind") == 0)
			text = f->kind;
		else if (strcmp(name, ":from") == 0)
			text = f->from_utc;
		else if (strcmp(name, ":to") == 0)
			text = f->to_utc;
		else if (strcmp(name, ":to_end") == 0)
			text = *f->to_utc ? f->to_utc : "~";
		else if (strcmp(name, ":q") == 0)
			text = f->q;
		else if (strcmp(name, ":q_end") == 0)
			text = f->q_kind == Q_NAME ? queue_prefix_end(r->a, f->q) : "";
		else if (strcmp(name, ":now") == 0)
			text = f->now;
		else if (strcmp(name, ":due_lo") == 0)
			text = f->due_lo;
		else if (strcmp(name, ":due_hi") == 0)
			text = f->due_hi;
		else if (strcmp(name, ":today") == 0)
			text = f->today;
		else if ((text = extra_value(f, name)) != NULL)
			;
		else if (strcmp(name, ":district") == 0)
			num = f->district_id;
		else if (strcmp(name, ":own_district") == 0)
			num = s && s->district_id != 0;
		else if (strcmp(name, ":roles") == 0)
			num = s ? s->roles : 0;
		else if (strcmp(name, ":below") == 0)
			num = before > 0 ? before : INT64_MAX;
		else if (strcmp(name, ":before") == 0)
			num = before;
		else if (strcmp(name, ":limit") == 0)
			num = limit;
		else if (strcmp(name, ":flag") == 0)
			num = f->flag;
		else {
			LOG_ERR("unknown parameter %s in: %s", name, sqlite3_sql(st));
			return -1;
		}
		if (text)
			db_bind_text(st, i, text);
		else
			db_bind_int(st, i, num);
	}
	return 0;
}

sqlite3_stmt *
queue_stmt(struct req *r, const struct queue_plan *plans,
    const struct queue_filter *f, long long limit)
{
	sqlite3_stmt *st = db_prep(r->app->db, choose(r, plans, f, limit >= 0));
	if (st == NULL)
		return NULL;
	if (queue_bind(r, st, f, limit) != 0) {
		sqlite3_reset(st);
		return NULL;
	}
	return st;
}

/* ---- the page ---- */

int
queue_page(struct req *r, const struct queue *q, const struct queue_filter *f,
    struct tval *ctx)
{
	sqlite3_stmt *st = queue_stmt(r, q->plans, f, QUEUE_PAGE + 1);
	if (st == NULL)
		return SQLITE_ERROR;
	struct tval *rows = tv_list(r->a);
	long long last = 0;
	int more = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows->n == QUEUE_PAGE) {
			more = 1;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		tv_push(r->a, rows, q->row(r, f, st));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	tv_put(r->a, ctx, "rows", rows);
	tv_putb(r->a, ctx, "has_rows", rows->n > 0);
	tv_puti(r->a, ctx, "count", (long long)rows->n);
	pager(r, ctx, q->path, f, last, more);
	return SQLITE_DONE;
}

/* The filter of a queue's page or export: a status not one of q's dropped. */
static void
filter(struct req *r, const struct queue *q, struct queue_filter *f)
{
	queue_filter_parse(r, f);
	int known = 0;
	for (const char *const *s = q->statuses; s && *s; s++)
		known |= strcmp(*s, f->status) == 0;
	if (!known)
		f->status = "";
	f->extras = q->extras;
	f->nextras = q->nextras < QUEUE_EXTRAS ? q->nextras : QUEUE_EXTRAS;
	for (size_t i = 0; i < f->nextras; i++) {
		const char *v = qget(r, f->extras[i].name);
		f->extra[i] = "";
		for (const char *const *o = f->extras[i].options; o && *o; o++)
			if (strcmp(*o, v) == 0)
				f->extra[i] = *o;
	}
}

void
queue_list(struct req *r, const struct queue *q)
{
	struct queue_filter f;
	filter(r, q, &f);
	struct tval *ctx = tv_map(r->a);
	int rc = queue_page(r, q, &f, ctx);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	struct tval *fv = queue_filter_view(r, &f, q->statuses, q->kinds);
	tv_putb(r->a, fv, "has_due", q->due);
	if (q->flag_label) {
		tv_putb(r->a, fv, "has_flag", 1);
		tv_puts(r->a, fv, "flag_label", q->flag_label);
	}
	tv_put(r->a, ctx, "filter", fv);
	if (q->csv_row) {
		const char *qs = queue_query(r, &f, 0);
		tv_putf(r->a, ctx, "export", "%s.csv%s%s", q->path, *qs ? "?" : "", qs);
		if (staff_of(r)->roles & ROLE_ADMIN)
			tv_putf(r->a, ctx, "export_full", "%s.csv?%s%sfull=1", q->path,
			    qs, *qs ? "&" : "");
	}
	resp_render(r, 200, q->tmpl, ctx);
}

/* ---- the export ---- */

/* The filter in words, for the audit log. */
static const char *
filter_words(struct req *r, const struct queue *q, const struct queue_filter *f,
    int full)
{
	const struct staff *s = staff_of(r);
	const char *district = s->district_id ? s->district :
	    f->district_id ? req_query(r, "district") : "";
	const char *extras = "";
	for (size_t i = 0; i < f->nextras; i++)
		extras = arena_printf(r->a, "%s %s=%s", extras, f->extras[i].label,
		    *f->extra[i] ? f->extra[i] : "全部");
	const char *due = "";   /* said only when asked for */
	for (size_t i = 0; i < ZJ_NELEM(due_choices); i++)
		if (strcmp(f->due, due_choices[i][0]) == 0)
			due = due_choices[i][1];
	return arena_printf(r->a, "状态=%s 区县=%s %s=%s%s 搜索=%s 从=%s 到=%s%s%s%s%s%s%s",
	    *f->status ? f->status : "全部", *district ? district : "全部",
	    q->kind_label, *f->kind ? f->kind : "全部", extras, f->q, f->from, f->to,
	    *due ? " 期限=" : "", due,
	    q->flag_label && f->flag ? " 只看" : "",
	    q->flag_label && f->flag ? q->flag_label : "",
	    full ? " " : "", full ? (q->full_words ? q->full_words : "完整身份证号") : "");
}

/* The filter of the export being written (queue_export_filter). */
static const struct queue_filter *exporting;

const struct queue_filter *
queue_export_filter(void)
{
	return exporting;
}

void
queue_export(struct req *r, const struct queue *q)
{
	struct queue_filter f;
	filter(r, q, &f);
	const char *full_q = req_query(r, "full");
	int full = full_q && strcmp(full_q, "1") == 0 &&
	    (staff_of(r)->roles & ROLE_ADMIN);
	const char *words = filter_words(r, q, &f, full);
	/* Audited before the first byte streams: no entry, no export. */
	static const char *const actions[] = {AUDIT_EXPORT, AUDIT_EXPORT_FULL};
	int rc = store_audit_n(r, actions, full ? 2 : 1, q->name, words);
	if (rc != SQLITE_DONE) {
		store_audit_refused(r);
		return;
	}
	sqlite3_stmt *st = queue_stmt(r, q->plans, &f, -1);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	const char *name = arena_printf(r->a, "%s-%ld%s.csv", q->name,
	    today_shanghai(), full ? "-full" : "");
	struct csv out;
	rc = SQLITE_DONE;
	if (csv_begin(&out, r, name) == 0 && strcmp(r->method, "HEAD") != 0) {
		csv_row(&out, q->csv_head, q->csv_cols);
		exporting = &f;
		while (!out.failed && (rc = sqlite3_step(st)) == SQLITE_ROW)
			q->csv_row(&out, st, full);
		exporting = NULL;
	}
	sqlite3_reset(st);
	if (!out.failed && rc != SQLITE_DONE)
		LOG_ERR("%s export cut short after %lld rows: %s", q->name,
		    out.rows, sqlite3_errstr(rc));
	if (csv_end(&out) != 0)
		LOG_INFO("%s export ended early after %lld rows: the client went away",
		    q->name, out.rows);
}

/* ---- 期限 ---- */

void
queue_due_view(struct arena *a, const struct queue_filter *f, struct tval *m,
    int open, const char *due_on, const char *done, const char *done_word)
{
	struct tval *k = tv_map(a);
	struct due d;
	long late;
	const char *kept;
	if (open && workday_due(a, f->cal, due_on, f->day, &d) == 0) {
		tv_puts(a, k, "due", d.text);
		tv_puts(a, k, "due_date", d.date);
		tv_putb(a, k, "overdue", d.over);
	} else {
		/* Shadows a row's own "due" (its date) inside {{#clock}}. */
		tv_putb(a, k, "due", 0);
		if (!open && done && *done &&
		    (kept = workday_kept(a, f->cal, due_on, done, &late)) != NULL) {
			tv_puts(a, k, "kept", arena_printf(a, "%s,%s", done_word, kept));
			tv_putb(a, k, "late", late > 0);
		}
	}
	tv_put(a, m, "clock", k);
}

const char *
queue_due_words(const struct queue_filter *f, int open, const char *due_on,
    const char *done, char *out, size_t len)
{
	struct due d;
	long late;
	*out = '\0';
	if (f == NULL)
		return out;
	if (open && workday_due(NULL, f->cal, due_on, f->day, &d) == 0)
		snprintf(out, len, d.over ? "已逾期 %ld 个工作日" : "剩余 %ld 个工作日", d.days);
	else if (!open && done && *done && workday_kept(NULL, f->cal, due_on, done, &late))
		snprintf(out, len, late ? "超期 %ld 个工作日" : "按期", late);
	return out;
}
