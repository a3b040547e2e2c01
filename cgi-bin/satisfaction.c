/*
 * satisfaction.c - 满意度 tables (satisfaction.h).
 */
#include "satisfaction.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "staff.h"
#include "vocab.h"
#include "when.h"

/* Rows of the services ?4 (ROLE_* bits) works on, in district ?3 (0:
 * all), answered in [?1, ?2) (UTC instants; '' and '~' for open). */
#define SAT_WHERE \
    " WHERE f.answered_at IS NOT NULL AND f.answered_at >= ?1 AND f.answered_at < ?2" \
    " AND (?3 = 0 OR f.district_id = ?3) AND " SATISFACTION_ROLES("?4")
#define SAT_GOOD_SUM SATISFACTION_GOOD

static const char *const sat_sql[] = {
	[SAT_BY_SERVICE] =
	    "SELECT f.service, count(*), " SAT_GOOD_SUM " FROM followups f" SAT_WHERE
	    " GROUP BY f.service ORDER BY 2 DESC, 1",
	[SAT_BY_DISTRICT] =
	    "SELECT coalesce(d.name, '全市'), count(*), " SAT_GOOD_SUM
	    " FROM followups f LEFT JOIN districts d ON d.id = f.district_id" SAT_WHERE
	    " GROUP BY f.district_id ORDER BY coalesce(d.code, ''), 1",
	[SAT_BY_HANDLER] =
	    "SELECT CASE WHEN s.id IS NULL THEN '未指定'"
	    "  WHEN s.display_name = '' THEN s.username"
	    "  ELSE s.display_name || '(' || s.username || ')' END,"
	    " count(*), " SAT_GOOD_SUM
	    " FROM followups f LEFT JOIN staff s ON s.id = f.handler_id" SAT_WHERE
	    " GROUP BY f.handler_id ORDER BY 2 DESC, 1",
	[SAT_BY_MONTH] =
	    "SELECT strftime('%Y-%m', f.answered_at, '+8 hours'), count(*), " SAT_GOOD_SUM
	    " FROM followups f" SAT_WHERE " GROUP BY 1 ORDER BY 1 DESC LIMIT 24",
};
static const char *const sat_keys[] = {
	[SAT_BY_SERVICE] = "service", [SAT_BY_DISTRICT] = "district",
	[SAT_BY_HANDLER] = "handler", [SAT_BY_MONTH] = "month",
};

#define REVIEWS_SHOWN 10
static const char sql_reviews[] =
    "SELECT f.id, f.service, f.ref, coalesce(d.name, '全市')"
    " FROM followups f LEFT JOIN districts d ON d.id = f.district_id"
    " WHERE f.review = 1 AND (?1 = 0 OR f.district_id = ?1)"
    " AND " SATISFACTION_ROLES("?2")
    " ORDER BY f.id";

const char *
satisfaction_pct(struct arena *a, long long good, long long n, int *low)
{
	*low = n > 0 && good * 100 < (long long)FEEDBACK_RULE_PCT * n;
	if (n <= 0)
		return "—";
	long long permille = (good * 1000 + n / 2) / n;
	return arena_printf(a, "%lld.%lld%%", permille / 10, permille % 10);
}

const char *
satisfaction_rate(struct req *r, long long good, long long n, int *low)
{
	return satisfaction_pct(r->a, good, n, low);
}

/* One grouped row into a template map. */
static struct tval *
row(struct req *r, const char *label, long long n, long long good)
{
	struct tval *m = tv_map(r->a);
	int low;
	tv_puts(r->a, m, "label", label);
	tv_puti(r->a, m, "n", n);
	tv_puti(r->a, m, "good", good);
	tv_puts(r->a, m, "rate", satisfaction_rate(r, good, n, &low));
	tv_putb(r->a, m, "low", low);
	return m;
}

/* "2026-11-01" (a Shanghai date) → the UTC instant it starts, into out. */
static const char *
day_start(struct req *r, const char *date, const char *open)
{
	char out[32];
	if (shanghai_day_utc(date, 0, out, sizeof(out)) != 0)
		return open;
	return arena_strdup(r->a, out);
}

struct tval *
satisfaction_view(struct req *r, long long district, const char *from,
    const char *to)
{
	struct arena *a = r->a;
	const struct staff *s = staff_of(r);
	unsigned mine = s ? s->roles : 0;
	const char *lo = day_start(r, from, ""), *hi = day_start(r, to, "~");
	struct tval *v = tv_map(a);
	long long total_n = 0, total_good = 0;
	for (size_t k = 0; k < ZJ_NELEM(sat_sql); k++) {
		struct tval *t = tv_map(a), *rows = tv_list(a);
		sqlite3_stmt *st = db_prep(r->app->db, sat_sql[k]);
		if (st != NULL) {
			db_bind_text(st, 1, lo);
			db_bind_text(st, 2, hi);
			db_bind_int(st, 3, district);
			db_bind_int(st, 4, mine);
			while (sqlite3_step(st) == SQLITE_ROW) {
				long long n = sqlite3_column_int64(st, 1);
				long long good = sqlite3_column_int64(st, 2);
				tv_push(a, rows, row(r, db_col_text(st, 0), n, good));
				if (k == SAT_BY_SERVICE)
					total_n += n, total_good += good;
			}
			sqlite3_reset(st);
		}
		tv_put(a, t, "rows", rows);
		tv_putb(a, t, "has_rows", rows->n > 0);
		tv_put(a, v, sat_keys[k], t);
	}
	tv_put(a, v, "total", row(r, "合计", total_n, total_good));
	tv_putb(a, v, "has_answers", total_n > 0);
	tv_puts(a, v, "rule", ZJ_STR(FEEDBACK_RULE_PCT) "%");

	struct tval *reviews = tv_list(a);
	long long pending = 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_reviews);
	if (st != NULL) {
		db_bind_int(st, 1, district);
		db_bind_int(st, 2, mine);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (pending++ >= REVIEWS_SHOWN)
				continue;
			struct tval *m = tv_map(a);
			tv_puti(a, m, "id", sqlite3_column_int64(st, 0));
			tv_puts(a, m, "service", db_col_text(st, 1));
			tv_puts(a, m, "ref", db_col_text(st, 2));
			tv_puts(a, m, "district", db_col_text(st, 3));
			tv_push(a, reviews, m);
		}
		sqlite3_reset(st);
	}
	tv_puti(a, v, "pending_review", pending);
	tv_put(a, v, "reviews", reviews);
	return v;
}
