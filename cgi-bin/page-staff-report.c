/*
 * page-staff-report.c - 周报: the weekly figures the union works from, by
 * type and district ("按问题诉求类型及所在行政区域").
 *
 *   GET /staff/reports/week       ?week=2026-W49 (ISO week; default: the
 *                                 last complete week), printable on A4
 *   GET /staff/reports/week.csv   the same numbers as CSV (audited)
 *
 * A week is Monday 00:00 to the next Monday 00:00, Beijing time.  Every
 * member of staff may read it; each sees the sections of the services
 * their role works on (as on the dashboard), and a person bound to a
 * district only their district's figures; admins see every district and
 * the totals.
 *
 * The report is a table of sections, each a list of tables, each table
 * one query and its labels (struct report_table).  To add a figure, add
 * an entry: the query returns, per district (and per row label for a
 * breakdown), raw numbers; the columns say how to show them (a count, 元
 * from 分, an average or a percentage of two of them), and totals are
 * made from the raw numbers, never from rounded ones.
 *
 * 满意度 (satisfaction.h) is such a section: the follow-ups answered in
 * the week, by service and by district, with the union's 80% rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "lists.h"
#include "pubform.h"
#include "satisfaction.h"
#include "staff.h"
#include "store.h"
#include "text.h"
#include "vocab.h"
#include "when.h"

/* ---- the report as tables ---- */

enum col_kind {
	COL_COUNT,   /* raw value num, a whole number */
	COL_YUAN,    /* raw value num in 分, shown in 元 */
	COL_AVG,     /* num / den, two decimals ("—" when den is 0) */
	COL_PCT,     /* 100 × num / den, one decimal and "%" */
	COL_RATE,    /* 满意率 of num satisfied among den (satisfaction_pct) */
	COL_RULE,    /* "低于 80%" when that rate is below the rule, else "" */
};

struct report_col {
	const char *label;
	enum col_kind kind;
	int num, den;        /* indexes of the query's raw values */
};

/*
 * One table: a query with named parameters
 *   :from :to          the week as UTC instants [from, to)
 *   :from_day :to_day  the same as Beijing dates 'YYYY-MM-DD'
 *   :today             today's Beijing date (for "overdue now")
 *   :district          the person's district id, 0 for every district
 *   :roles             the person's ROLE_* bits
 * returning, for a summary (labels == NULL and !breakdown), rows of
 * (district_id, raw values …) — the table shows one row per district and
 * one column per cols entry; for a breakdown, rows of (district_id, label,
 * raw values …) — one row per label (labels first, in their order, then
 * any other the query gives) and one column per district, showing cols[0];
 * for a BY_LABEL breakdown the same rows, summed over the person's
 * districts: one row per label and one column per cols entry.
 */
#define BY_LABEL 2

struct report_table {
	const char *id;          /* HTML id and the CSV's table name */
	const char *caption;
	const char *row_head;    /* what a row is: 区县, 职业, … */
	int breakdown;           /* 0, 1 (label × district) or BY_LABEL */
	const char *const *labels;   /* a breakdown's rows, shown even when 0 */
	const char *sql;
	const struct report_col *cols;
	size_t ncols;
	const char *note;        /* a line under the table, or NULL */
};

struct report_section {
	const char *id, *title;
	unsigned roles;          /* who sees it (ROLE_*) */
	const struct report_table *tables;   /* ends with a NULL id */
};

#define WEEK(col) col " >= :from AND " col " < :to"
#define IN_DISTRICT " AND (:district = 0 OR district_id = :district)"

/* 按期办结率 (the working-day clock, workday.h): of what was completed
 * in the week with a due date, how much by the due day. */
static const struct report_col ontime_cols[] = {
	{"办完(有期限)", COL_COUNT, 0, 0},
	{"按期", COL_COUNT, 1, 0},
	{"按期办结率", COL_PCT, 1, 0},
};
#define ON_TIME(done, due) "coalesce(date(" done ", '+8 hours') <= " due ", 0)"

/* ---- 入会 ---- */
static const struct report_col join_cols[] = {
	{"新申请", COL_COUNT, 0, 0},
	{"审核通过", COL_COUNT, 1, 0},
	{"未通过", COL_COUNT, 2, 0},
};
static const struct report_col join_new[] = {{"新申请", COL_COUNT, 0, 0}};
/* An application leaves 待审核 once: its updated_at is when it was decided. */
static const struct report_table join_tables[] = {
	{"join-summary", "入会:新申请与审核结果", "区县", 0, NULL,
	    "SELECT district_id, sum(n), sum(ok), sum(no) FROM ("
	    " SELECT district_id, 1 AS n, 0 AS ok, 0 AS no FROM join_applications"
	    "  WHERE " WEEK("created_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, status = '" JOIN_APPROVED "',"
	    "  status = '" JOIN_REJECTED "' FROM join_applications"
	    "  WHERE status IN ('" JOIN_APPROVED "', '" JOIN_REJECTED "') AND "
	    WEEK("updated_at") IN_DISTRICT ") GROUP BY district_id",
	    join_cols, ZJ_NELEM(join_cols),
	    "新申请按提交时间计;审核通过、未通过按审核时间计(不论何时提交)。"},
	{"join-occupation", "入会新申请按职业", "职业", 1, occupations,
	    "SELECT district_id, occupation, count(*) FROM join_applications"
	    " WHERE " WEEK("created_at") IN_DISTRICT " GROUP BY 1, 2",
	    join_new, 1, NULL},
	{"join-station", "经工会驿站二维码提交的入会新申请", "驿站", 1, NULL,
	    "SELECT j.district_id, s.name || CASE WHEN (SELECT count(*) FROM stations x"
	    "  WHERE x.name = s.name) > 1 THEN '(' || s.code || ')' ELSE '' END, count(*)"
	    " FROM join_applications j JOIN stations s ON s.id = j.station_id"
	    " WHERE j.created_at >= :from AND j.created_at < :to"
	    " AND (:district = 0 OR j.district_id = :district) GROUP BY 1, s.id",
	    join_new, 1, "按申请人所在区县分列;没有经驿站提交的不列出。"},
	{"join-ontime", "入会:按期答复(提交后 15 个工作日内)", "区县", 0, NULL,
	    "SELECT district_id, count(*), sum(" ON_TIME("decided_at", "due_on") ")"
	    " FROM join_applications WHERE " WEEK("decided_at") " AND due_on IS NOT NULL"
	    IN_DISTRICT " GROUP BY district_id",
	    ontime_cols, ZJ_NELEM(ontime_cols), "按审核时间计;期限按放假安排中的工作日计。"},
	{0},
};

/* ---- 法律援助 ---- */
static const struct report_col legal_ontime_cols[] = {
	{"首次联系", COL_COUNT, 0, 0},
	{"按期联系率", COL_PCT, 1, 0},
	{"结案(受理过)", COL_COUNT, 2, 0},
	{"按期结案率", COL_PCT, 3, 2},
	{"平均办结工作日", COL_AVG, 5, 4},
};
static const struct report_col legal_cols[] = {
	{"新申请", COL_COUNT, 0, 0},
	{"办结", COL_COUNT, 1, 0},
	{"追回金额(元)", COL_YUAN, 2, 0},
};
static const struct report_table legal_tables[] = {
	{"legal-summary", "法律援助:新申请、办结与追回金额", "区县", 0, NULL,
	    "SELECT district_id, sum(n), sum(closed), sum(fen) FROM ("
	    " SELECT district_id, 1 AS n, 0 AS closed, 0 AS fen FROM legal_cases"
	    "  WHERE " WEEK("created_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 1, coalesce(recovered_fen, 0) FROM legal_cases"
	    "  WHERE " WEEK("closed_at") IN_DISTRICT ") GROUP BY district_id",
	    legal_cols, ZJ_NELEM(legal_cols),
	    "办结含调解成功、转仲裁、转诉讼、撤回和不予受理,按结案时间计;追回金额为本周办结案件的。"},
	{"legal-type", "法律援助新申请按纠纷类型", "纠纷类型", 1, dispute_types,
	    "SELECT district_id, dispute_type, count(*) FROM legal_cases"
	    " WHERE " WEEK("created_at") IN_DISTRICT " GROUP BY 1, 2",
	    join_new, 1, NULL},
	{"legal-ontime", "法律援助:按期首次联系、按期结案与平均办结工作日", "区县", 0, NULL,
	    "SELECT district_id, sum(c), sum(c_ok), sum(k), sum(k_ok), sum(n), sum(days) FROM ("
	    " SELECT district_id, 1 AS c, " ON_TIME("first_contact_at", "contact_due_on")
	    "  AS c_ok, 0 AS k, 0 AS k_ok, 0 AS n, 0 AS days FROM legal_cases"
	    "  WHERE " WEEK("first_contact_at") " AND contact_due_on IS NOT NULL" IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 0, close_due_on IS NOT NULL,"
	    "  " ON_TIME("closed_at", "close_due_on") ", 1, coalesce(close_workdays, 0)"
	    "  FROM legal_cases WHERE " WEEK("closed_at") IN_DISTRICT ") GROUP BY district_id",
	    legal_ontime_cols, ZJ_NELEM(legal_ontime_cols),
	    "首次联系期限为提交后 5 个工作日,结案目标为受理后 60 个工作日;按联系、结案的时间计。"
	    "平均办结工作日为本周办结(含不予受理)的案件从提交到结案的工作日。"},
	{0},
};

/* ---- 诉求 ---- */
static const struct report_col appeal_cols[] = {
	{"新提交", COL_COUNT, 0, 0},
	{"已答复", COL_COUNT, 1, 0},
	{"目前逾期", COL_COUNT, 2, 0},
};
static const struct report_col appeal_new[] = {{"新提交", COL_COUNT, 0, 0}};
static const struct report_table appeal_tables[] = {
	{"appeal-summary", "诉求:新提交、答复与逾期", "区县", 0, NULL,
	    "SELECT district_id, sum(n), sum(answered), sum(late) FROM ("
	    " SELECT district_id, 1 AS n, 0 AS answered, 0 AS late FROM appeals"
	    "  WHERE " WEEK("created_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 1, 0 FROM appeals"
	    "  WHERE " WEEK("replied_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 0, 1 FROM appeals"
	    "  WHERE status IN ('" APPEAL_NEW "', '" APPEAL_DISPATCHED "')"
	    "  AND due_on < :today" IN_DISTRICT ") GROUP BY district_id",
	    appeal_cols, ZJ_NELEM(appeal_cols),
	    "按办理区县计;已答复按答复时间计;“目前逾期”为截至今天已过答复期限仍未答复的,与所选周无关。"},
	{"appeal-ontime", "诉求:按期答复(派单时定的期限)", "区县", 0, NULL,
	    "SELECT district_id, count(*), sum(" ON_TIME("replied_at", "due_on") ")"
	    " FROM appeals WHERE " WEEK("replied_at") " AND due_on IS NOT NULL"
	    IN_DISTRICT " GROUP BY district_id",
	    ontime_cols, ZJ_NELEM(ontime_cols), "按答复时间计。"},
	{"appeal-kind", "诉求新提交按类型", "诉求类型", 1, appeal_kinds,
	    "SELECT district_id, kind, count(*) FROM appeals"
	    " WHERE " WEEK("created_at") IN_DISTRICT " GROUP BY 1, 2",
	    appeal_new, 1, NULL},
	{"appeal-matter", "诉求新提交按事项", "事项", 1, appeal_matters,
	    "SELECT district_id, matter, count(*) FROM appeals"
	    " WHERE " WEEK("created_at") IN_DISTRICT " GROUP BY 1, 2",
	    appeal_new, 1, NULL},
	{0},
};

/* ---- 微心愿 ---- */
static const struct report_col wish_cols[] = {
	{"新提交", COL_COUNT, 0, 0},
	{"发布", COL_COUNT, 1, 0},
	{"认领", COL_COUNT, 2, 0},
	{"实现", COL_COUNT, 3, 0},
};
static const struct report_table wish_tables[] = {
	{"wish-summary", "微心愿:新提交、发布、认领与实现", "区县", 0, NULL,
	    "SELECT district_id, sum(n), sum(pub), sum(claimed), sum(done) FROM ("
	    " SELECT district_id, 1 AS n, 0 AS pub, 0 AS claimed, 0 AS done FROM wishes"
	    "  WHERE " WEEK("created_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 1, 0, 0 FROM wishes"
	    "  WHERE " WEEK("published_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 0, 1, 0 FROM wishes"
	    "  WHERE " WEEK("claimed_at") IN_DISTRICT
	    " UNION ALL SELECT district_id, 0, 0, 0, 1 FROM wishes"
	    "  WHERE fulfilled_on >= :from_day AND fulfilled_on < :to_day" IN_DISTRICT
	    ") GROUP BY district_id",
	    wish_cols, ZJ_NELEM(wish_cols), "各项按发生的日期计。"},
	{"wish-category", "微心愿新提交按类别", "心愿类别", 1, wish_categories,
	    "SELECT district_id, category, count(*) FROM wishes"
	    " WHERE " WEEK("created_at") IN_DISTRICT " GROUP BY 1, 2",
	    appeal_new, 1, NULL},
	{0},
};

/* ---- 驿站评价 ---- */
static const struct report_col rating_cols[] = {
	{"评价数", COL_COUNT, 0, 0},
	{"设施", COL_AVG, 1, 0},
	{"卫生", COL_AVG, 2, 0},
	{"服务", COL_AVG, 3, 0},
	{"便利", COL_AVG, 4, 0},
	{"综合", COL_AVG, 5, 6},
};
static const struct report_table rating_tables[] = {
	{"rating-summary", "驿站评价:评价数与平均分(1–5 分)", "区县", 0, NULL,
	    "SELECT district_id, count(*), sum(facilities), sum(hygiene), sum(service),"
	    " sum(convenience), sum(facilities + hygiene + service + convenience),"
	    " 4 * count(*) FROM station_ratings WHERE " WEEK("created_at") IN_DISTRICT
	    " GROUP BY district_id",
	    rating_cols, ZJ_NELEM(rating_cols), "按驿站所在区县计。"},
	{0},
};

/* ---- 满意度 ---- */
static const struct report_col sat_cols[] = {
	{"回访答复", COL_COUNT, 0, 0},
	{"满意+基本满意", COL_COUNT, 1, 0},
	{"满意率", COL_RATE, 1, 0},
	{"标记", COL_RULE, 1, 0},
};
/* Follow-ups answered in the week (by link or call) of the services the
 * person works on, in their district: (district_id, [service,] answered,
 * satisfied). */
#define SAT_WEEK \
    " FROM followups f WHERE f.answered_at >= :from AND f.answered_at < :to" \
    " AND (:district = 0 OR f.district_id = :district) AND " SATISFACTION_ROLES(":roles")
static const struct report_table sat_tables[] = {
	{"satisfaction-service", "满意度:按服务", "服务", BY_LABEL, NULL,
	    "SELECT f.district_id, f.service, count(*), " SATISFACTION_GOOD SAT_WEEK
	    " GROUP BY 1, 2 ORDER BY CASE f.service WHEN '" SERVICE_JOIN "' THEN 1"
	    " WHEN '" SERVICE_LEGAL "' THEN 2 WHEN '" SERVICE_VOLUNTEER "' THEN 3"
	    " WHEN '" SERVICE_APPEAL "' THEN 4 ELSE 5 END, 1",
	    sat_cols, ZJ_NELEM(sat_cols),
	    "本周答复的回访(评价链接或回访电话),不论服务何时办结;满意率 = (满意 + 基本满意)÷ 回访答复,"
	    "低于 " ZJ_STR(FEEDBACK_RULE_PCT) "% 的标出。没有回访答复的服务不列出。"},
	{"satisfaction-district", "满意度:按区县", "区县", 0, NULL,
	    "SELECT f.district_id, count(*), " SATISFACTION_GOOD SAT_WEEK " GROUP BY 1",
	    sat_cols, ZJ_NELEM(sat_cols), "按记录所在区县计。"},
	{0},
};

static const struct report_section sections[] = {
	{"join", "入会", ROLE_ADMIN | ROLE_REVIEWER, join_tables},
	{"legal", "法律援助", ROLE_ADMIN | ROLE_LEGAL, legal_tables},
	{"appeal", "诉求", ROLE_ADMIN | ROLE_REVIEWER, appeal_tables},
	{"wish", "微心愿", ROLE_ADMIN | ROLE_REVIEWER, wish_tables},
	{"rating", "驿站评价", ROLE_ADMIN | ROLE_REVIEWER, rating_tables},
	{"satisfaction", "满意度", ROLE_ADMIN | ROLE_REVIEWER | ROLE_LEGAL, sat_tables},
};

/* ---- weeks ---- */

struct week {
	int year, num;              /* ISO year and week */
	time_t monday;              /* Beijing wall clock, 00:00 */
	char from[32], to[32];      /* UTC instants */
	char from_day[16], to_day[16], today[16];
	char label[16];             /* "2026-W49" */
};

/* Monday 00:00 (a Beijing wall-clock time_t) of ISO week num of year. */
static time_t
iso_monday(int year, int num)
{
	struct tm jan4 = {.tm_year = year - 1900, .tm_mon = 0, .tm_mday = 4};
	time_t t = timegm(&jan4);
	struct tm tm;
	gmtime_r(&t, &tm);
	return t - (time_t)((tm.tm_wday + 6) % 7) * 86400 + (time_t)(num - 1) * 7 * 86400;
}

/* The ISO week of a Beijing wall-clock time. */
static void
iso_week_of(time_t local, int *year, int *num)
{
	struct tm tm;
	gmtime_r(&local, &tm);
	time_t thursday = local + (time_t)(3 - (tm.tm_wday + 6) % 7) * 86400;
	gmtime_r(&thursday, &tm);
	*year = tm.tm_year + 1900;
	*num = tm.tm_yday / 7 + 1;
}

static void
week_fill(struct week *w, int year, int num)
{
	struct tm tm;
	w->year = year;
	w->num = num;
	w->monday = iso_monday(year, num);
	shanghai_to_utc_iso(w->monday, w->from, sizeof(w->from));
	shanghai_to_utc_iso(w->monday + 7 * 86400, w->to, sizeof(w->to));
	gmtime_r(&w->monday, &tm);
	strftime(w->from_day, sizeof(w->from_day), "%Y-%m-%d", &tm);
	time_t next = w->monday + 7 * 86400;
	gmtime_r(&next, &tm);
	strftime(w->to_day, sizeof(w->to_day), "%Y-%m-%d", &tm);
	time_t now = shanghai_now();
	gmtime_r(&now, &tm);
	strftime(w->today, sizeof(w->today), "%Y-%m-%d", &tm);
	snprintf(w->label, sizeof(w->label), "%04d-W%02d", year, num);
}

/* The week ?week= names (default: the last complete one).  0, or the
 * HTTP status to answer (400 unreadable, 404 not begun yet). */
static int
week_parse(struct req *r, struct week *w)
{
	const char *s = req_query(r, "week");
	time_t now = shanghai_now();
	int year, num, cy, cn;
	iso_week_of(now, &cy, &cn);
	if (s == NULL || *s == '\0') {
		iso_week_of(now - 7 * 86400, &year, &num);
		week_fill(w, year, num);
		return 0;
	}
	char tail;
	if (strlen(s) != 8 || s[5] != 'W' || strspn(s + 6, "0123456789") != 2 ||
	    sscanf(s, "%4d-W%2d%c", &year, &num, &tail) != 2 ||
	    s[4] != '-' || year < 2000 || year > 2999 || num < 1 || num > 53)
		return 400;
	int y2, n2;
	iso_week_of(iso_monday(year, num), &y2, &n2);
	if (y2 != year || n2 != num)   /* a W53 the year does not have */
		return 400;
	if (year > cy || (year == cy && num > cn))
		return 404;
	week_fill(w, year, num);
	return 0;
}

/* ---- running the tables ---- */

struct district {
	long long id;
	const char *name;
	int active;
};

/* The districts a person sees, by code; for every-district scope also a
 * last entry (id 0) for records of a station without a district. */
static struct district *
districts_in_scope(struct req *r, long long scope, size_t *n)
{
	static const char sql[] =
	    "SELECT id, name, active FROM districts WHERE (?1 = 0 OR id = ?1) ORDER BY code";
	size_t cap = 16;
	struct district *d = arena_alloc(r->a, cap * sizeof(*d));
	*n = 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st != NULL) {
		db_bind_int(st, 1, scope);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (*n + 1 >= cap) {
				struct district *more = arena_alloc(r->a, 2 * cap * sizeof(*d));
				memcpy(more, d, *n * sizeof(*d));
				d = more;
				cap *= 2;
			}
			d[*n].id = sqlite3_column_int64(st, 0);
			d[*n].name = arena_strdup(r->a, db_col_text(st, 1));
			d[*n].active = sqlite3_column_int(st, 2);
			(*n)++;
		}
		sqlite3_reset(st);
	}
	if (scope == 0)
		d[(*n)++] = (struct district){0, "未指定区县", 0};
	return d;
}

/* A table's numbers: raw[label][district][value]. */
struct grid_data {
	size_t nlabels, nvals;
	const char **labels;
	long long *raw;          /* nlabels × nd × nvals */
	int *seen;               /* per district: any row */
};

static size_t
nvals_of(const struct report_table *t)
{
	size_t n = 1;
	for (size_t i = 0; i < t->ncols; i++) {
		if ((size_t)t->cols[i].num + 1 > n)
			n = (size_t)t->cols[i].num + 1;
		if ((size_t)t->cols[i].den + 1 > n)
			n = (size_t)t->cols[i].den + 1;
	}
	return n;
}

static void
bind_week(sqlite3_stmt *st, const struct week *w, long long scope, unsigned bits)
{
	static const char *const names[] = {":from", ":to", ":from_day", ":to_day", ":today"};
	const char *vals[] = {w->from, w->to, w->from_day, w->to_day, w->today};
	for (size_t i = 0; i < ZJ_NELEM(names); i++) {
		int k = sqlite3_bind_parameter_index(st, names[i]);
		if (k > 0)
			db_bind_text(st, k, vals[i]);
	}
	int k = sqlite3_bind_parameter_index(st, ":district");
	if (k > 0)
		db_bind_int(st, k, scope);
	if ((k = sqlite3_bind_parameter_index(st, ":roles")) > 0)
		db_bind_int(st, k, bits);
}

/* Run t for week w; SQLITE_DONE or the failing code. */
static int
grid_run(struct req *r, const struct report_table *t, const struct week *w,
    long long scope, const struct district *d, size_t nd, struct grid_data *g)
{
	struct arena *a = r->a;
	size_t cap = 8;
	g->nvals = nvals_of(t);
	g->nlabels = 0;
	if (t->labels)
		for (const char *const *l = t->labels; *l; l++)
			cap++;
	g->labels = arena_alloc(a, cap * sizeof(*g->labels));
	if (t->labels)
		for (const char *const *l = t->labels; *l; l++)
			g->labels[g->nlabels++] = *l;
	if (!t->breakdown)
		g->labels[g->nlabels++] = "";
	size_t rowcap = cap;
	g->raw = arena_calloc(a, rowcap * nd * g->nvals, sizeof(*g->raw));
	g->seen = arena_calloc(a, nd, sizeof(*g->seen));
	sqlite3_stmt *st = db_prep(r->app->db, t->sql);
	if (st == NULL)
		return SQLITE_ERROR;
	bind_week(st, w, scope, staff_of(r)->roles);
	int rc, first = t->breakdown ? 2 : 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);   /* NULL reads 0 */
		size_t di = 0, li = 0;
		while (di < nd && d[di].id != id)
			di++;
		if (di == nd)
			continue;    /* outside the person's districts */
		if (t->breakdown) {
			const char *label = db_col_text(st, 1);
			while (li < g->nlabels && strcmp(g->labels[li], label) != 0)
				li++;
			if (li == g->nlabels) {
				if (g->nlabels == rowcap) {
					const char **ml = arena_alloc(a, 2 * rowcap * sizeof(*ml));
					long long *mr = arena_calloc(a, 2 * rowcap * nd * g->nvals,
					    sizeof(*mr));
					memcpy(ml, g->labels, rowcap * sizeof(*ml));
					memcpy(mr, g->raw, rowcap * nd * g->nvals * sizeof(*mr));
					g->labels = ml;
					g->raw = mr;
					rowcap *= 2;
				}
				g->labels[g->nlabels++] = arena_strdup(a, label);
			}
		}
		long long *cell = g->raw + (li * nd + di) * g->nvals;
		for (size_t v = 0; v < g->nvals; v++)
			cell[v] += sqlite3_column_int64(st, first + (int)v);
		g->seen[di] = 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_DONE : rc;
}

/* One column of raw values as text: for people (grouping) or CSV. */
static const char *
show(struct arena *a, const struct report_col *c, const long long *v, int people)
{
	char y[32];
	long long den = v[c->den];
	switch (c->kind) {
	case COL_COUNT:
		return arena_printf(a, "%lld", v[c->num]);
	case COL_YUAN:
		return arena_strdup(a, yuan(y, sizeof(y), v[c->num], people));
	case COL_AVG:
		return den ? arena_printf(a, "%.2f", (double)v[c->num] / (double)den) : "—";
	case COL_PCT:
		return den ? arena_printf(a, "%.1f%%", 100.0 * (double)v[c->num] / (double)den) :
		    "—";
	case COL_RATE:
	case COL_RULE: {
		int low;
		const char *rate = satisfaction_pct(a, v[c->num], den, &low);
		return c->kind == COL_RATE ? rate : low ? "低于 " ZJ_STR(FEEDBACK_RULE_PCT) "%" : "";
	}
	}
	return "";
}

/* One row of cols from raw values v: {label, total, cells: [{v}]}. */
static struct tval *
cols_row(struct arena *a, const struct report_table *t, const char *label,
    const long long *v, int total, int people)
{
	struct tval *row = tv_map(a), *cells = tv_list(a);
	tv_puts(a, row, "label", label);
	tv_putb(a, row, "total", total);
	for (size_t c = 0; c < t->ncols; c++) {
		struct tval *cell = tv_map(a);
		tv_puts(a, cell, "v", show(a, &t->cols[c], v, people));
		tv_push(a, cells, cell);
	}
	tv_put(a, row, "cells", cells);
	return row;
}

/* The grid a table shows: {id, caption, note, row_head, head: [{label}],
 * rows: [{label, cells: [{v}]}], span}; totals (when total) as the last
 * row of a summary or a BY_LABEL table, the last column of a breakdown. */
static struct tval *
grid_view(struct req *r, const struct report_table *t, const struct grid_data *g,
    const struct district *d, size_t nd, int total, int people)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a), *head = tv_list(a), *rows = tv_list(a);
	size_t nv = g->nvals;
	long long *sum = arena_calloc(a, nv, sizeof(*sum));
	tv_puts(a, m, "id", t->id);
	tv_puts(a, m, "caption", t->caption);
	tv_puts(a, m, "row_head", t->row_head);
	if (t->note)
		tv_puts(a, m, "note", t->note);
	/* A district is shown when active, or when it has figures. */
#define SHOWN(i) (d[i].active || g->seen[i])
	if (t->breakdown == BY_LABEL) {
		for (size_t c = 0; c < t->ncols; c++) {
			struct tval *h = tv_map(a);
			tv_puts(a, h, "label", t->cols[c].label);
			tv_push(a, head, h);
		}
		long long *all = arena_calloc(a, nv, sizeof(*all));
		for (size_t l = 0; l < g->nlabels; l++) {
			memset(sum, 0, nv * sizeof(*sum));
			for (size_t i = 0; i < nd; i++)
				for (size_t k = 0; k < nv; k++)
					sum[k] += g->raw[(l * nd + i) * nv + k];
			for (size_t k = 0; k < nv; k++)
				all[k] += sum[k];
			tv_push(a, rows, cols_row(a, t, g->labels[l], sum, 0, people));
		}
		if (total)
			tv_push(a, rows, cols_row(a, t, "合计", all, 1, people));
	} else if (!t->breakdown) {
		for (size_t c = 0; c < t->ncols; c++) {
			struct tval *h = tv_map(a);
			tv_puts(a, h, "label", t->cols[c].label);
			tv_push(a, head, h);
		}
		long long *all = arena_calloc(a, nv, sizeof(*all));
		for (size_t i = 0; i < nd; i++) {
			if (!SHOWN(i))
				continue;
			const long long *v = g->raw + i * nv;
			struct tval *row = tv_map(a), *cells = tv_list(a);
			tv_puts(a, row, "label", d[i].name);
			for (size_t c = 0; c < t->ncols; c++) {
				struct tval *cell = tv_map(a);
				tv_puts(a, cell, "v", show(a, &t->cols[c], v, people));
				tv_push(a, cells, cell);
			}
			for (size_t k = 0; k < nv; k++)
				all[k] += v[k];
			tv_put(a, row, "cells", cells);
			tv_push(a, rows, row);
		}
		if (total) {
			struct tval *row = tv_map(a), *cells = tv_list(a);
			tv_puts(a, row, "label", "合计");
			tv_putb(a, row, "total", 1);
			for (size_t c = 0; c < t->ncols; c++) {
				struct tval *cell = tv_map(a);
				tv_puts(a, cell, "v", show(a, &t->cols[c], all, people));
				tv_push(a, cells, cell);
			}
			tv_put(a, row, "cells", cells);
			tv_push(a, rows, row);
		}
	} else {
		for (size_t i = 0; i < nd; i++) {
			if (!SHOWN(i))
				continue;
			struct tval *h = tv_map(a);
			tv_puts(a, h, "label", d[i].name);
			tv_push(a, head, h);
		}
		if (total) {
			struct tval *h = tv_map(a);
			tv_puts(a, h, "label", "合计");
			tv_push(a, head, h);
		}
		for (size_t l = 0; l < g->nlabels; l++) {
			struct tval *row = tv_map(a), *cells = tv_list(a);
			memset(sum, 0, nv * sizeof(*sum));
			tv_puts(a, row, "label", g->labels[l]);
			for (size_t i = 0; i < nd; i++) {
				const long long *v = g->raw + (l * nd + i) * nv;
				for (size_t k = 0; k < nv; k++)
					sum[k] += v[k];
				if (!SHOWN(i))
					continue;
				struct tval *cell = tv_map(a);
				tv_puts(a, cell, "v", show(a, &t->cols[0], v, people));
				tv_push(a, cells, cell);
			}
			if (total) {
				struct tval *cell = tv_map(a);
				tv_puts(a, cell, "v", show(a, &t->cols[0], sum, people));
				tv_push(a, cells, cell);
			}
			tv_put(a, row, "cells", cells);
			tv_push(a, rows, row);
		}
		tv_puts(a, m, "measure", t->cols[0].label);
	}
#undef SHOWN
	tv_puti(a, m, "span", (long long)head->n + 1);
	tv_put(a, m, "head", head);
	tv_put(a, m, "rows", rows);
	return m;
}

/* Every section the person sees, as [{id, title, tables: [grid]}].
 * SQLITE_DONE or the failing code. */
static int
report_build(struct req *r, const struct week *w, int people, struct tval **out)
{
	struct arena *a = r->a;
	const struct staff *who = staff_of(r);
	long long scope = who->district_id;
	size_t nd;
	struct district *d = districts_in_scope(r, scope, &nd);
	struct tval *list = tv_list(a);
	for (size_t s = 0; s < ZJ_NELEM(sections); s++) {
		if ((who->roles & sections[s].roles) == 0)
			continue;
		struct tval *sec = tv_map(a), *tables = tv_list(a);
		tv_puts(a, sec, "id", sections[s].id);
		tv_puts(a, sec, "title", sections[s].title);
		for (const struct report_table *t = sections[s].tables; t->id; t++) {
			struct grid_data g;
			int rc = grid_run(r, t, w, scope, d, nd, &g);
			if (rc != SQLITE_DONE)
				return rc;
			tv_push(a, tables, grid_view(r, t, &g, d, nd, scope == 0, people));
		}
		tv_put(a, sec, "tables", tables);
		tv_push(a, list, sec);
	}
	*out = list;
	return SQLITE_DONE;
}

/* "12月1日(周一)至 12月7日(周日)". */
static const char *
week_span(struct arena *a, const struct week *w)
{
	struct tm m, s;
	time_t sunday = w->monday + 6 * 86400;
	gmtime_r(&w->monday, &m);
	gmtime_r(&sunday, &s);
	return arena_printf(a, "%d年%d月%d日(周一)至 %d年%d月%d日(周日)",
	    m.tm_year + 1900, m.tm_mon + 1, m.tm_mday, s.tm_year + 1900, s.tm_mon + 1,
	    s.tm_mday);
}

static void
week_get(struct req *r)
{
	struct arena *a = r->a;
	struct week w;
	int bad = week_parse(r, &w);
	if (bad) {
		resp_error(r, bad, bad == 404 ? "这一周还没有开始。" :
		    "周次应写作“2026-W49”(ISO 周,年份-W周数)。");
		return;
	}
	const struct staff *who = staff_of(r);
	struct tval *ctx = tv_map(a), *sections_v;
	int rc = report_build(r, &w, 1, &sections_v);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	int cy, cn, py, pn, ny, nn;
	iso_week_of(shanghai_now(), &cy, &cn);
	iso_week_of(w.monday - 7 * 86400, &py, &pn);
	iso_week_of(w.monday + 7 * 86400, &ny, &nn);
	tv_puts(a, ctx, "week", w.label);
	tv_puts(a, ctx, "span", week_span(a, &w));
	tv_puts(a, ctx, "scope", who->district_id ? who->district : "全部区县");
	tv_putf(a, ctx, "prev", "/staff/reports/week?week=%04d-W%02d", py, pn);
	if (ny < cy || (ny == cy && nn <= cn))
		tv_putf(a, ctx, "next", "/staff/reports/week?week=%04d-W%02d", ny, nn);
	tv_putb(a, ctx, "current", w.year == cy && w.num == cn);
	tv_putf(a, ctx, "csv", "/staff/reports/week.csv?week=%s", w.label);
	char made[32];
	utc_now_iso(made, sizeof(made));
	tv_puts(a, ctx, "made", show_datetime(a, made));
	tv_put(a, ctx, "sections", sections_v);
	resp_render(r, 200, "staff/reports/week", ctx);
}

static const char *
text_of(const struct tval *m, const char *key)
{
	const struct tval *v = tv_get(m, key);
	return v && v->str ? v->str : "";
}

static void
week_csv(struct req *r)
{
	struct arena *a = r->a;
	struct week w;
	int bad = week_parse(r, &w);
	if (bad) {
		resp_error(r, bad, NULL);
		return;
	}
	const struct staff *who = staff_of(r);
	struct tval *secs;
	int rc = report_build(r, &w, 0, &secs);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	/* Audited before the first byte goes, as every export. */
	if (store_audit(r, AUDIT_EXPORT, "report-week", arena_printf(a, "周=%s 区县=%s",
	    w.label, who->district_id ? who->district : "全部")) != SQLITE_DONE) {
		store_audit_refused(r);
		return;
	}
	static const char *const head[] = {"周次", "板块", "统计表", "行", "列", "数值"};
	struct csv out;
	if (csv_begin(&out, r, arena_printf(a, "week-report-%s.csv", w.label)) == 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		csv_row(&out, head, ZJ_NELEM(head));
		for (size_t s = 0; s < secs->n; s++) {
			const struct tval *sec = secs->items[s], *tables = tv_get(sec, "tables");
			for (size_t t = 0; t < tables->n; t++) {
				const struct tval *g = tables->items[t];
				const struct tval *hd = tv_get(g, "head"), *rows = tv_get(g, "rows");
				for (size_t i = 0; i < rows->n; i++) {
					const struct tval *row = rows->items[i];
					const struct tval *cells = tv_get(row, "cells");
					for (size_t c = 0; c < cells->n && c < hd->n; c++) {
						const char *cells_out[] = {
							w.label, text_of(sec, "title"), text_of(g, "caption"),
							text_of(row, "label"), text_of(hd->items[c], "label"),
							text_of(cells->items[c], "v"),
						};
						csv_row(&out, cells_out, ZJ_NELEM(cells_out));
					}
				}
			}
		}
	}
	if (csv_end(&out) != 0)
		LOG_INFO("week report export ended early: the client went away");
}

const struct route page_staff_report_routes[] = {
	{"GET", "/staff/reports/week", week_get, ROLES_ALL, NULL},
	{"GET", "/staff/reports/week.csv", week_csv, ROLES_ALL, NULL},
	{0},
};
