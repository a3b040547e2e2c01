/*
 * page-wish.c - 微心愿: a worker makes a small wish the union or a donor
 * fulfils, and the wish wall (心愿墙) where published wishes are shown.
 *
 *   GET  /wish             the form (?src=CODE: a station's QR code)
 *   POST /wish             validate, store, 303 to the confirmation
 *   GET  /wish/done/{ref}  the confirmation: the XY reference, what comes next
 *   GET  /wishes           the wall: published wishes whose makers agreed,
 *                          anonymised; filters, totals, 12 a page
 *
 * The wall shows what a wish is, never who made it: category, text,
 * district, the date it was published and where it stands (待认领 /
 * 已认领 / 已实现).  Of a claimer it names a union or a company — they
 * claim in public, and saying so is the point of a donation drive — but
 * never a person: a member of staff is "工会工作人员" and a private donor
 * "爱心人士".  A wish whose maker did not tick the consent is handled all
 * the same (staff publish, claim and fulfil it) but never shown here.
 *
 * The wall is kept per worker until the next commit (pagecache.h): its
 * totals count every wish on it, which costs milliseconds once there are
 * thousands, on every visit otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pagecache.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "text.h"
#include "valid.h"
#include "vocab.h"
#include "workday.h"
#include "when.h"
#include "writer.h"

/* Wishes a page of the wall shows: a full page of 200-character wishes,
 * each escaped, stays well under the 30 KB a public page may weigh. */
#define WALL_PAGE 12
/* Working days within which staff review a wish (the confirmation says). */
#define REVIEW_DAYS 5

enum { W_CATEGORY, W_CONTENT, W_DISTRICT, W_NAME, W_PHONE, W_PUBLIC, W__N };

static const struct field wish_fields[W__N] = {
	[W_CATEGORY] = {"category", "心愿类别", F_RADIO, 1, 0, 0, wish_categories,
	    NULL, NULL},
	[W_CONTENT] = {"content", "心愿内容", F_TEXTAREA, 1, 2, 200, NULL,
	    "想要什么、为什么需要,200 字以内。请不要在这里写姓名、电话或住址", NULL},
	[W_DISTRICT] = {"district", "所在区县", F_SELECT, 1, 0, 0, NULL,
	    "您工作或居住所在的区县,由这个区县的工会办理", NULL},
	[W_NAME] = {"name", "姓名", F_TEXT, 1, 1, 50, NULL, NULL, NULL},
	[W_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "用于联系您和查询进度,不会公开", NULL},
	[W_PUBLIC] = {"public_ok", "同意在心愿墙公开心愿内容(不公开姓名和手机号)",
	    F_CHECK, 0, 0, 0, NULL,
	    "选填。不同意也会照常办理,只是心愿不在心愿墙上展示", NULL},
};

/* The same page sent again (after an error page, a double tap). */
static const char sql_again[] =
    "SELECT ref, 1 FROM wishes WHERE form_nonce = ?1 AND form_nonce <> ''";
static const char sql_insert[] =
    "INSERT INTO wishes (ref, category, content, district_id, name, phone,"
    " public_ok, station_id, form_nonce, created_at, updated_at, review_due_on)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)";

/*
 * The wall.  What it may show is one condition, written once; the page is
 * newest published first, paged by (published_at, id) below the cursor
 * (:at '~' sorts after any time), walking the wishes_wall index.
 */
#define WALL_WHERE \
    " w.published_at IS NOT NULL AND w.public_ok = 1" \
    " AND w.status IN ('" WISH_PUBLISHED "', '" WISH_CLAIMED "', '" WISH_DONE "')" \
    " AND (:district = 0 OR w.district_id = :district)" \
    " AND (:category = '' OR w.category = :category)"
static const char sql_wall[] =
    "SELECT w.id, w.category, w.content, coalesce(d.name, ''), w.published_at,"
    "  w.status, w.claimer_kind, w.claimer_name, coalesce(w.fulfilled_on, '')"
    " FROM wishes w LEFT JOIN districts d ON d.id = w.district_id"
    " WHERE" WALL_WHERE " AND (:status = '' OR w.status = :status)"
    " AND (w.published_at < :at OR (w.published_at = :at AND w.id < :id))"
    " ORDER BY w.published_at DESC, w.id DESC LIMIT :limit";
static const char sql_totals[] =
    "SELECT count(*), coalesce(sum(w.status = '" WISH_PUBLISHED "'), 0),"
    "  coalesce(sum(w.status = '" WISH_CLAIMED "'), 0),"
    "  coalesce(sum(w.status = '" WISH_DONE "'), 0)"
    " FROM wishes w WHERE" WALL_WHERE;

/* The wall's three words, in the order its filter offers them. */
static const char *const wall_states[] = {WISH_OPEN, WISH_CLAIMED, WISH_DONE, NULL};

/* ---- the form ---- */

static const struct pubform wish_form = {
	"wish/form", "wish", wish_fields, W__N, W_DISTRICT, 0,
};

static void
wish_get(struct req *r)
{
	pubform_get(r, &wish_form);
}

/* What wish_store stores: the checked form and what was looked up. */
struct wish_input {
	const struct fresult *res;   /* W__N values */
	long long district, station;
	const char *nonce;           /* the page's form-token nonce ("" none) */
	const char *ref;             /* out: the reference */
};

/* store_fn: the wish with a fresh XY reference and its first public
 * event.  SQLITE_DONE (storing nothing new when this very page was sent
 * again: in->ref is the earlier reference), or the failing code. */
static int
wish_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct wish_input *in = arg;
	const struct fresult *res = in->res;
	struct new_ref nr = {
		.prefix = "XY",
		.status = EVENT_SUBMITTED,
		.note = "微心愿已提交,等待工会审核",
	};
	char now[32];
	if ((nr.again = db_prep(db, sql_again)) == NULL ||
	    (nr.insert = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(nr.again, 1, in->nonce);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = nr.insert;
	db_bind_text(st, 2, res[W_CATEGORY].value);
	db_bind_text(st, 3, res[W_CONTENT].value);
	db_bind_int(st, 4, in->district);
	db_bind_text(st, 5, res[W_NAME].value);
	db_bind_text(st, 6, res[W_PHONE].value);
	db_bind_int(st, 7, res[W_PUBLIC].num ? 1 : 0);
	if (in->station)
		db_bind_int(st, 8, in->station);
	db_bind_text(st, 9, in->nonce);
	db_bind_text(st, 10, now);
	/* Reviewed by this day (the working-day clock). */
	char due[16];
	if (workday_due_after(workday_calendar(db), now, WISH_REVIEW_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 11, due);
	int rc = store_new_ref(db, who, a, &nr);
	in->ref = nr.ref;
	return rc;
}

/* Job "wish.store": wish_store in the writer, from the page's fields,
 * "district", "station" and "nonce"; answers "ref". */
static int
wish_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	const char *nonce = job_text(in, "nonce");
	struct wish_input wi = {
		.res = job_form(a, in, wish_fields, W__N),
		.district = job_int(in, "district", 0),
		.station = job_int(in, "station", 0),
		.nonce = nonce ? nonce : "",
	};
	int rc = wish_store(db, &who, a, &wi);
	job_put_text(out, "ref", wi.ref);
	return rc;
}

static void
wish_post(struct req *r)
{
	int sample;
	struct field *f = pubform_now(r, &wish_form, &sample);
	struct fresult res[W__N];
	const char *src = req_field(r, "src");
	const char *guard = pubform_guard(r, "wish");
	int errors = form_check(r, f, W__N, res);
	long long district = 0;
	if (!res[W_DISTRICT].error &&
	    (district = district_id(r, res[W_DISTRICT].value)) == 0) {
		res[W_DISTRICT].error = "请从列表中选择所在区县";
		errors++;
	}
	if (guard || errors) {
		pubform_show(r, &wish_form, 422, f, res, src, sample, guard);
		return;
	}
	const char *nonce = form_token_nonce(r->a, req_field(r, "_token"));
	struct job in;   /* large: 17 KB, on the worker's stack */
	job_init(&in, "wish.store");
	job_put_form(&in, wish_fields, W__N, res);
	job_put_int(&in, "district", district);
	job_put_int(&in, "station", station_find(r, src, NULL));
	job_put_text(&in, "nonce", nonce ? nonce : "");
	pubform_store(r, &in, "/wish/done/");
}

static void
wish_done(struct req *r)
{
	pubform_done(r, "XY", REVIEW_DAYS, "wish/done");
}

/* ---- the wall ---- */

/* The wall's filter, from the query string; what is not one of the
 * choices is ignored (a public page has no error to show for it). */
struct wall_filter {
	const char *district, *category, *state;  /* as chosen, "" for all */
	long long district_id;
	const char *status;        /* the stored status the state means */
	const char *at;            /* the cursor: published_at, '~' first page */
	long long id;              /* and id */
};

static const char *
one_of(const char *v, const char *const *opts)
{
	for (; v && opts && *opts; opts++)
		if (strcmp(v, *opts) == 0)
			return *opts;
	return "";
}

/* A cursor "2026-05-01T02:03:04Z.123" (published_at and id) into f; 0 when
 * it is not one (the first page is shown). */
static int
parse_cursor(struct req *r, const char *s, struct wall_filter *f)
{
	static const char iso[] = "0000-00-00T00:00:00Z";
	size_t n = sizeof(iso) - 1;
	if (s == NULL || strlen(s) < n + 2 || strlen(s) > n + 20 || s[n] != '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (iso[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != iso[i])
			return 0;
	const char *digits = s + n + 1;
	if (strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 18)
		return 0;
	f->at = arena_strndup(r->a, s, n);
	f->id = atoll(digits);
	return 1;
}

static void
wall_filter_parse(struct req *r, struct wall_filter *f, const char *const *districts)
{
	memset(f, 0, sizeof(*f));
	f->district = one_of(req_query(r, "district"), districts);
	f->category = one_of(req_query(r, "category"), wish_categories);
	f->state = one_of(req_query(r, "state"), wall_states);
	f->district_id = *f->district ? district_id(r, f->district) : 0;
	f->status = strcmp(f->state, WISH_OPEN) == 0 ? WISH_PUBLISHED : f->state;
	if (!parse_cursor(r, req_query(r, "before"), f)) {
		f->at = "~";
		f->id = INT64_MAX;
	}
}

/* The query string of f with the cursor before (NULL: none), for links. */
static const char *
wall_query(struct req *r, const struct wall_filter *f, const char *state,
    const char *before)
{
	struct buf b = {0};
	const char *names[] = {"district", "category", "state", "before"};
	const char *values[] = {f->district, f->category, state, before};
	for (size_t i = 0; i < ZJ_NELEM(names); i++) {
		if (values[i] == NULL || *values[i] == '\0')
			continue;
		buf_putc(&b, b.len ? '&' : '?');
		buf_puts(&b, names[i]);
		buf_putc(&b, '=');
		buf_put_urlencoded(&b, values[i], 0);
	}
	const char *out = arena_printf(r->a, "/wishes%s", b.p ? b.p : "");
	buf_free(&b);
	return out;
}

/* Bind the wall's named parameters of st from f. */
static void
wall_bind(sqlite3_stmt *st, const struct wall_filter *f, long long limit)
{
	int i;
	if ((i = sqlite3_bind_parameter_index(st, ":district")) > 0)
		db_bind_int(st, i, f->district_id);
	if ((i = sqlite3_bind_parameter_index(st, ":category")) > 0)
		db_bind_text(st, i, f->category);
	if ((i = sqlite3_bind_parameter_index(st, ":status")) > 0)
		db_bind_text(st, i, f->status);
	if ((i = sqlite3_bind_parameter_index(st, ":at")) > 0)
		db_bind_text(st, i, f->at);
	if ((i = sqlite3_bind_parameter_index(st, ":id")) > 0)
		db_bind_int(st, i, f->id);
	if ((i = sqlite3_bind_parameter_index(st, ":limit")) > 0)
		db_bind_int(st, i, limit);
}

/* Who claimed a wish, as the public may read it (see the top). */
static const char *
public_claimer(const char *kind, const char *name)
{
	if (strcmp(kind, WISH_BY_UNION) == 0 || strcmp(kind, WISH_BY_FIRM) == 0)
		return name;
	if (strcmp(kind, WISH_BY_STAFF) == 0)
		return "工会工作人员";
	return "爱心人士";
}

/* "2026年5月1日" of a stored UTC time, in Shanghai. */
static const char *
show_date(struct arena *a, const char *iso)
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0)
		return iso;
	return arena_printf(a, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

static struct tval *
wall_item(struct req *r, sqlite3_stmt *st)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	const char *status = db_col_text(st, 5);
	tv_puts(a, m, "category", db_col_text(st, 1));
	tv_put(a, m, "content", paragraphs(a, db_col_text(st, 2)));
	tv_puts(a, m, "district", db_col_text(st, 3));
	tv_puts(a, m, "iso", db_col_text(st, 4));
	tv_puts(a, m, "published", show_date(a, db_col_text(st, 4)));
	tv_puts(a, m, "state", strcmp(status, WISH_PUBLISHED) == 0 ? WISH_OPEN : status);
	tv_putb(a, m, "open", strcmp(status, WISH_PUBLISHED) == 0);
	tv_putb(a, m, "done", strcmp(status, WISH_DONE) == 0);
	if (strcmp(status, WISH_PUBLISHED) != 0 && *db_col_text(st, 6))
		tv_puts(a, m, "claimer", public_claimer(db_col_text(st, 6),
		    db_col_text(st, 7)));
	if (*db_col_text(st, 8))
		tv_puts(a, m, "fulfilled", show_day(a, db_col_text(st, 8)));
	return m;
}

/* The totals of the wall under f's district and category into ctx, each
 * with the link that filters the wall to it.  SQLite's code. */
static int
wall_totals(struct req *r, const struct wall_filter *f, struct tval *ctx)
{
	struct arena *a = r->a;
	sqlite3_stmt *st = db_prep(r->app->db, sql_totals);
	if (st == NULL)
		return SQLITE_ERROR;
	wall_bind(st, f, 0);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct tval *t = tv_map(a);
		tv_puti(a, t, "all", sqlite3_column_int64(st, 0));
		tv_puts(a, t, "all_url", wall_query(r, f, NULL, NULL));
		const char *keys[] = {"open", "claimed", "done"};
		for (int i = 0; i < 3; i++) {
			tv_puti(a, t, keys[i], sqlite3_column_int64(st, i + 1));
			tv_puts(a, t, arena_printf(a, "%s_url", keys[i]),
			    wall_query(r, f, wall_states[i], NULL));
		}
		tv_put(a, ctx, "totals", t);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc;
}

static void
wishes_wall(struct req *r)
{
	struct arena *a = r->a;
	struct wall_filter f;
	int sample;
	const char *const *districts = district_options(r, &sample);
	wall_filter_parse(r, &f, districts);
	const char *key = arena_printf(a, "/wishes\n%s\n%s\n%s\n%s.%lld", f.district,
	    f.category, f.state, f.at, f.id);
	long long version;
	if (page_cached(r, key, &version))
		return;
	struct tval *ctx = tv_map(a);
	int rc = wall_totals(r, &f, ctx);
	sqlite3_stmt *st = rc == SQLITE_DONE ? db_prep(r->app->db, sql_wall) : NULL;
	if (st == NULL) {
		answer_db_failure(r, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
		return;
	}
	wall_bind(st, &f, WALL_PAGE + 1);
	struct tval *items = tv_list(a);
	const char *last = NULL;
	int more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (items->n == WALL_PAGE) {
			more = 1;
			break;
		}
		last = arena_printf(a, "%s.%lld", db_col_text(st, 4),
		    sqlite3_column_int64(st, 0));
		tv_push(a, items, wall_item(r, st));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	tv_put(a, ctx, "wishes", items);
	tv_putb(a, ctx, "has_wishes", items->n > 0);
	if (more)
		tv_puts(a, ctx, "next", wall_query(r, &f, f.state, last));
	if (f.id != INT64_MAX)
		tv_puts(a, ctx, "first", wall_query(r, &f, f.state, NULL));
	tv_putb(a, ctx, "pager", more || f.id != INT64_MAX);
	tv_putb(a, ctx, "filtered", *f.district || *f.category || *f.state);
	struct tval *fv = tv_map(a);
	tv_put(a, fv, "districts", select_options(r, districts, f.district));
	tv_put(a, fv, "categories", select_options(r, wish_categories, f.category));
	tv_put(a, fv, "states", select_options(r, wall_states, f.state));
	tv_put(a, ctx, "filter", fv);
	resp_render(r, 200, "wish/wall", ctx);
	page_keep(r, key, version);
}

const struct job_type page_wish_jobs[] = {
	{"wish.store", wish_job},
	{0},
};

const struct route page_wish_routes[] = {
	{"GET", "/wish", wish_get, ACCESS_PUBLIC, NULL},
	{"POST", "/wish", wish_post, ACCESS_PUBLIC, NULL},
	{"GET", "/wish/done/{ref}", wish_done, ACCESS_PUBLIC, NULL},
	{"GET", "/wishes", wishes_wall, ACCESS_PUBLIC, NULL},
	{0},
};
