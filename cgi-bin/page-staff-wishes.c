/*
 * page-staff-wishes.c - 微心愿 on the staff desk: the queue, the CSV
 * export, a wish's own page, and the route table of the area.  The
 * workflow (the step table and its forms, the POST handler) is
 * page-staff-wish-steps.c; what the two share is in page-staff-wishes.h.
 *
 *   GET  /staff/wishes                 the queue: filters, search, 50 a page
 *   GET  /staff/wishes.csv             the whole filtered queue, streamed
 *   GET  /staff/wishes/{ref}           one wish: every field, its history,
 *                                      what may be done next
 *   POST /staff/wishes/{ref}/{step}    publish, reject, claim, release,
 *                                      fulfil, hardship, note
 *
 * Admins and reviewers (审核员 review what the public sends); a reviewer
 * bound to a district sees and acts on its wishes only (another
 * district's answers 404, as an unknown one does).  Phone numbers are
 * masked in the list and the export (138****5678); the wish's own page
 * shows the number, as the other records' pages do, so staff can call.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "queue.h"
#include "page-staff-wishes.h"
#include "staff.h"
#include "text.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

#define ACCESS_WISHES (ROLE_ADMIN | ROLE_REVIEWER)
/* Characters of a wish the list shows before "…". */
#define LIST_CHARS 30

/* ---- SQL ---- */

/* One column list for the queue, the export and a wish (enum WC_*). */
#define WISH_COLS \
    "SELECT w.id, w.ref, w.created_at, w.updated_at, w.category, w.content," \
    " coalesce(d.name, ''), w.name, w.phone, w.public_ok, w.status, w.reason," \
    " w.hardship, coalesce(w.published_at, ''), w.claimer_kind, w.claimer_name," \
    " coalesce(w.claimed_at, ''), coalesce(w.fulfilled_on, ''), w.fulfilled_how," \
    " coalesce(s.name, ''), coalesce(s.code, ''), w.district_id," \
    " coalesce(w.claimer_staff_id, 0), coalesce(w.review_due_on, '')"
#define WISH_JOINS " LEFT JOIN districts d ON d.id = w.district_id" \
    " LEFT JOIN stations s ON s.id = w.station_id"
enum {
	WC_ID, WC_REF, WC_CREATED, WC_UPDATED, WC_CATEGORY, WC_CONTENT,
	WC_DISTRICT, WC_NAME, WC_PHONE, WC_PUBLIC, WC_STATUS, WC_REASON,
	WC_HARDSHIP, WC_PUBLISHED, WC_CKIND, WC_CNAME, WC_CLAIMED, WC_FON,
	WC_FHOW, WC_STATION, WC_SCODE, WC_DISTRICT_ID, WC_CSTAFF, WC_REVIEW_DUE,
};

/*
 * The queue (parameters: queue.h).  A reference or a phone walks its own
 * index, a district wishes_by_district (id order), anything else the
 * table in id order; the rest of the filter is checked on the way.  The
 * wishes of a union are thousands a year, not millions: no more plans
 * than that.
 */
#define Q_CHECKS \
    " AND w.id < :below AND (:status = '' OR w.status = :status)" \
    " AND (:district = 0 OR w.district_id = :district)" \
    " AND (:kind = '' OR w.category = :kind) AND (:flag = 0 OR w.hardship = 1)" \
    " AND (:from = '' OR w.created_at >= :from) AND (:to = '' OR w.created_at < :to)" \
    " AND (:due_hi = '' OR (w.status = '" WISH_PENDING "'" \
    "  AND w.review_due_on >= :due_lo AND w.review_due_on < :due_hi))"
#define WALK(drive) \
    WISH_COLS " FROM wishes w" WISH_JOINS " WHERE " drive Q_CHECKS \
    " ORDER BY w.id DESC LIMIT :limit"

static const char sql_by_ref[] = WALK("w.ref = :q");
static const char sql_by_phone[] = WALK("w.phone = :q");
/* Name prefix: every name starting with :q sorts below :q + U+10FFFF. */
static const char sql_by_name[] = WALK("w.name >= :q AND w.name < :q || char(1114111)");
static const char sql_by_district[] = WALK("w.district_id = :district");
static const char sql_all[] = WALK("1");

static const char sql_wish[] = WISH_COLS " FROM wishes w" WISH_JOINS " WHERE w.ref = ?1";

static const struct queue_plan plans[] = {
	{QF_REF, NULL, sql_by_ref},
	{QF_PHONE, NULL, sql_by_phone},
	{QF_NAME, NULL, sql_by_name},
	{QF_DISTRICT, NULL, sql_by_district},
	{0, NULL, sql_all},
};

/* ---- a wish as read from a row ---- */

static void
read_wish(struct arena *a, sqlite3_stmt *st, struct wrec *w)
{
	const char **text[] = {
		[WC_REF] = &w->ref, [WC_CREATED] = &w->created,
		[WC_UPDATED] = &w->updated, [WC_CATEGORY] = &w->category,
		[WC_CONTENT] = &w->content, [WC_DISTRICT] = &w->district,
		[WC_NAME] = &w->name, [WC_PHONE] = &w->phone,
		[WC_STATUS] = &w->status, [WC_REASON] = &w->reason,
		[WC_PUBLISHED] = &w->published, [WC_CKIND] = &w->claimer_kind,
		[WC_CNAME] = &w->claimer_name, [WC_CLAIMED] = &w->claimed,
		[WC_FON] = &w->fulfilled_on, [WC_FHOW] = &w->fulfilled_how,
		[WC_STATION] = &w->station, [WC_SCODE] = &w->station_code,
	};
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < ZJ_NELEM(text); i++)
		if (text[i])
			*text[i] = a ? arena_strdup(a, db_col_text(st, (int)i)) :
			    db_col_text(st, (int)i);
	w->id = sqlite3_column_int64(st, WC_ID);
	w->district_id = sqlite3_column_int64(st, WC_DISTRICT_ID);
	w->claimer_staff_id = sqlite3_column_int64(st, WC_CSTAFF);
	w->public_ok = sqlite3_column_int(st, WC_PUBLIC);
	w->hardship = sqlite3_column_int(st, WC_HARDSHIP);
}

int
wish_load(struct req *r, const char *ref, struct wrec *w)
{
	if (!ref_ok(ref, "XY"))
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_wish);
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, ref);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		read_wish(r->a, st, w);
	sqlite3_reset(st);
	return found && staff_sees_district(staff_of(r), w->district_id);
}

/* "企业:某某公司", "工作人员:张三"; "" when nobody has claimed it.  From a,
 * or (a NULL, for the export) in buf: len 512 holds any (a name is at
 * most 100 characters). */
static const char *
claimer_words(struct arena *a, const struct wrec *w, char *buf, size_t len)
{
	if (*w->claimer_kind == '\0')
		return "";
	if (a)
		return arena_printf(a, "%s:%s", w->claimer_kind, w->claimer_name);
	snprintf(buf, len, "%s:%s", w->claimer_kind, w->claimer_name);
	return buf;
}

/* The first n characters of s, and "…" when there was more. */
static const char *
shorten(struct arena *a, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	while (*p && chars < n) {
		p++;
		while ((*p & 0xC0) == 0x80)
			p++;
		chars++;
	}
	if (*p == '\0')
		return s;
	return arena_printf(a, "%.*s…", (int)((const char *)p - s), s);
}

/* ---- the queue ---- */

/* When a wish was reviewed: published, or refused (its last change). */
static const char *
review_done(const struct wrec *w)
{
	if (*w->published)
		return w->published;
	return strcmp(w->status, WISH_REFUSED) == 0 ? w->updated : "";
}

static struct tval *
row_view(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	struct wrec w;
	char phone[16], when[32];
	read_wish(a, st, &w);
	mask_phone(w.phone, phone);
	tv_puts(a, m, "ref", w.ref);
	tv_puts(a, m, "at", short_time(w.created, when, sizeof(when)));
	tv_puts(a, m, "category", w.category);
	tv_puts(a, m, "content", shorten(a, w.content, LIST_CHARS));
	tv_puts(a, m, "district", w.district);
	tv_puts(a, m, "name", w.name);
	tv_puts(a, m, "phone", phone);
	tv_puts(a, m, "public", w.public_ok ? "是" : "否");
	tv_puts(a, m, "status", w.status);
	tv_putb(a, m, "pending", strcmp(w.status, WISH_PENDING) == 0);
	tv_puts(a, m, "claimer", claimer_words(a, &w, NULL, 0));
	tv_putb(a, m, "hardship", w.hardship);
	queue_due_view(a, f, m, strcmp(w.status, WISH_PENDING) == 0,
	    db_col_text(st, WC_REVIEW_DUE), review_done(&w), "已审核");
	return m;
}

static const char *const csv_head[] = {
	"编号", "提交时间", "心愿类别", "心愿内容", "区县", "驿站", "姓名", "手机号",
	"同意公开", "状态", "未通过原因", "疑似困难职工", "发布时间", "认领方",
	"认领时间", "实现日期", "实现情况", "审核期限", "期限情况",
};

/* One wish as a CSV row: nothing from the arena.  full: the admin's
 * export with whole phone numbers. */
static void
csv_wish(struct csv *out, sqlite3_stmt *st, int full)
{
	char created[32], published[32], claimed[32], phone[16], claimer[512], state[48];
	struct wrec w;
	read_wish(NULL, st, &w);
	if (full)
		snprintf(phone, sizeof(phone), "%s", w.phone);
	else
		mask_phone(w.phone, phone);
	const char *cells[] = {
		w.ref, short_time(w.created, created, sizeof(created)), w.category,
		w.content, w.district, w.station, w.name, phone,
		w.public_ok ? "是" : "否", w.status, w.reason, w.hardship ? "是" : "",
		short_time(w.published, published, sizeof(published)),
		claimer_words(NULL, &w, claimer, sizeof(claimer)),
		short_time(w.claimed, claimed, sizeof(claimed)), w.fulfilled_on,
		w.fulfilled_how, db_col_text(st, WC_REVIEW_DUE),
		queue_due_words(queue_export_filter(), strcmp(w.status, WISH_PENDING) == 0,
		    db_col_text(st, WC_REVIEW_DUE), review_done(&w), state, sizeof(state)),
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static const struct queue wishes = {
	.name = "wishes", .path = "/staff/wishes", .tmpl = "staff/wishes/list",
	.statuses = wish_statuses, .kinds = wish_categories, .kind_label = "心愿类别",
	.flag_label = "疑似困难职工", .full_words = "完整手机号",
	.plans = plans, .row = row_view,
	.csv_head = csv_head, .csv_cols = ZJ_NELEM(csv_head), .csv_row = csv_wish,
	.due = 1,
};

static void
wishes_list(struct req *r)
{
	queue_list(r, &wishes);
}

static void
wishes_csv(struct req *r)
{
	queue_export(r, &wishes);
}

/* ---- a wish's page ---- */

static struct tval *
wish_view(struct req *r, const struct wrec *w)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	tv_puts(a, m, "ref", w->ref);
	tv_puts(a, m, "created", show_datetime(a, w->created));
	tv_puts(a, m, "updated", show_datetime(a, w->updated));
	tv_puts(a, m, "category", w->category);
	tv_put(a, m, "content", paragraphs(a, w->content));
	tv_puts(a, m, "district", w->district);
	tv_puts(a, m, "name", w->name);
	tv_puts(a, m, "phone", w->phone);
	tv_putb(a, m, "public_ok", w->public_ok);
	tv_putb(a, m, "on_wall", w->public_ok && *w->published &&
	    (strcmp(w->status, WISH_PUBLISHED) == 0 || strcmp(w->status, WISH_CLAIMED) == 0 ||
	    strcmp(w->status, WISH_DONE) == 0));
	tv_puts(a, m, "status", w->status);
	tv_puts(a, m, "reason", w->reason);
	tv_putb(a, m, "refused", strcmp(w->status, WISH_REFUSED) == 0);
	tv_putb(a, m, "hardship", w->hardship);
	if (*w->published)
		tv_puts(a, m, "published", show_datetime(a, w->published));
	if (*w->claimer_kind) {
		tv_puts(a, m, "claimer_kind", w->claimer_kind);
		tv_puts(a, m, "claimer_name", w->claimer_name);
		tv_puts(a, m, "claimed", show_datetime(a, w->claimed));
	}
	tv_puts(a, m, "fulfilled_on", w->fulfilled_on);
	tv_put(a, m, "fulfilled_how", paragraphs(a, w->fulfilled_how));
	if (*w->station)
		tv_putf(a, m, "station", "%s(%s)", w->station, w->station_code);
	return m;
}

void
wish_show(struct req *r, int status, const struct wrec *w, const char *failed,
    const struct fresult *res, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_put(a, ctx, "w", wish_view(r, w));
	tv_put(a, ctx, "history", event_history(r, w->ref, 1));
	outbox_history(r, ctx, w->ref, w->phone);
	tv_putf(a, ctx, "base", "/staff/wishes/%s", w->ref);
	wish_workflow_view(r, ctx, w, failed, res, status == 200);
	if (message)
		tv_puts(a, ctx, "refused", message);
	resp_render(r, status, "staff/wishes/record", ctx);
}

static void
wishes_record(struct req *r)
{
	struct wrec w;
	if (!wish_load(r, r->params[0], &w)) {
		resp_error(r, 404, NULL);
		return;
	}
	wish_show(r, 200, &w, NULL, NULL, NULL);
}

const struct route page_staff_wishes_routes[] = {
	{"GET", "/staff/wishes", wishes_list, ACCESS_WISHES, NULL},
	{"GET", "/staff/wishes.csv", wishes_csv, ACCESS_WISHES, NULL},
	{"GET", "/staff/wishes/{ref}", wishes_record, ACCESS_WISHES, NULL},
	{"POST", "/staff/wishes/{ref}/{step}", wish_step, ACCESS_WISHES, NULL},
	{0},
};
