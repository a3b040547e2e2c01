/*
 * queue.c - filters and paging of the staff queues.  Application code,
 * not core: it knows districts, staff and the RH/FY/ZY references.
 */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "pubform.h"
#include "staff.h"
#include "util.h"

static const char *
qget(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	if (v == NULL)
		return "";
	while (*v == ' ')
		v++;
	size_t n = strlen(v);
	while (n && v[n - 1] == ' ')
		n--;
	return arena_strndup(r->a, v, n);
}

/* "2026-11-23" (a Shanghai date) + days → the UTC instant it starts. */
static const char *
date_to_utc(struct req *r, const char *d, int days)
{
	struct tm tm = {0};
	char *end = strptime(d, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 100 || tm.tm_year > 300)
		return NULL;
	time_t t = timegm(&tm) + (time_t)days * 86400 - 8 * 3600;
	struct tm u;
	gmtime_r(&t, &u);
	char out[32];
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &u);
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
	/* References are copied by hand: forgive lower case. */
	if (strlen(f->q) == 10 && strchr("rRfFzZ", f->q[0])) {
		char *up = arena_strdup(r->a, f->q);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (strncmp(up, "RH", 2) == 0 || strncmp(up, "FY", 2) == 0 ||
		    strncmp(up, "ZY", 2) == 0)
			f->q = up;
	}
	if (*f->q == '\0')
		f->q_kind = Q_NONE;
	else if (strlen(f->q) == 10 && (strncmp(f->q, "RH", 2) == 0 ||
	    strncmp(f->q, "FY", 2) == 0 || strncmp(f->q, "ZY", 2) == 0))
		f->q_kind = Q_REF;
	else if (strlen(f->q) == 11 && strspn(f->q, "0123456789") == 11)
		f->q_kind = Q_PHONE;
	else
		f->q_kind = Q_NAME;
}

static struct tval *
options(struct req *r, const char *const *opts, const char *chosen)
{
	struct tval *list = tv_list(r->a);
	for (; opts && *opts; opts++) {
		struct tval *m = tv_map(r->a);
		tv_puts(r->a, m, "value", *opts);
		tv_putb(r->a, m, "selected", strcmp(*opts, chosen) == 0);
		tv_push(r->a, list, m);
	}
	return list;
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
	tv_put(a, v, "statuses", options(r, statuses, f->status));
	tv_put(a, v, "kinds", options(r, kinds, f->kind));
	if (s == NULL || s->district_id == 0) {
		int sample;
		tv_put(a, v, "districts", options(r, district_options(r, &sample),
		    req_query(r, "district") ? req_query(r, "district") : ""));
	}
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

void
queue_pager(struct req *r, struct tval *ctx, const char *base,
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
