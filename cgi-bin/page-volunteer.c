/*
 * page-volunteer.c - 志愿服务: sign up for a union volunteer activity.
 *
 *   GET  /volunteer                          open activities, upcoming first
 *   GET  /volunteer/{id}                     the activity and its sign-up form
 *   POST /volunteer/{id}/signup              validate, store, 303 to the confirmation
 *   GET  /volunteer/signup/{ref}?t=TOKEN     the confirmation (private link)
 *   GET  /volunteer/signup/{ref}/cancel?t=…  "cancel this sign-up?" page
 *   POST /volunteer/signup/{ref}/cancel      cancel; the first wait-listed moves up
 *
 * The area is two files: this one (the list, the activity page with its
 * sign-up form, the route table and the sample activities) and
 * page-volunteer-signup.c (signing up and after: the sign-up transaction,
 * the private confirmation and cancel pages); page-volunteer.h is what they
 * share.
 */
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "page-volunteer.h"
#include "text.h"
#include "when.h"
#include "vocab.h"

static const char *const skills[] = {
	"法律", "心理", "医疗", "教育培训", "文艺", "其他", NULL,
};

/* The sign-up form, shown here and checked by volunteer_signup. */
const struct field vol_signup_fields[V__N] = {
	[V_NAME] = {"name", "姓名", F_TEXT, 1, 1, 50, NULL, NULL, NULL},
	[V_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "用于活动通知和查询报名状态", NULL},
	[V_SKILLS] = {"skills", "特长", F_MULTI, 0, 0, 0, skills,
	    "可多选,方便我们安排合适的岗位", NULL},
	[V_NOTE] = {"note", "备注", F_TEXTAREA, 0, 0, 500, NULL,
	    "例如可以参加的时间段、需要说明的情况", NULL},
	[V_CONSENT] = {"consent", "同意处理个人信息", F_CHECK, 1, 0, 0, NULL,
	    "您的信息仅用于组织本次活动和联系您", NULL},
};

/* ---- SQL ---- */

static const char sql_open[] =
    "SELECT " ACTIVITY_COLS("a.description")
    " WHERE a.cancelled = 0 AND a.deadline > ?1 AND a.starts_at > ?1"
    " ORDER BY a.starts_at, a.id";
static const char sql_closed[] =
    "SELECT " ACTIVITY_COLS("a.description")
    " WHERE a.cancelled = 1 OR a.deadline <= ?1 OR a.starts_at <= ?1"
    " ORDER BY a.starts_at DESC, a.id DESC LIMIT 10";

/* ---- times: stored UTC ISO-8601, shown in Asia/Shanghai (UTC+8) ---- */

/* NULL while sign-ups are open at now, else why they are closed. */
const char *
vol_closed_reason(struct req *r, const struct activity *act,
    const char *now)
{
	if (act->cancelled)
		return act->cancel_reason[0] ?
		    arena_printf(r->a, "本活动已取消:%s。报名已关闭。", act->cancel_reason) :
		    "本活动已取消,报名已关闭。";
	if (strcmp(act->starts_at, now) <= 0)
		return strcmp(act->ends_at, now) <= 0 ? "本活动已结束,报名已关闭。" :
		    "本活动已经开始,报名已关闭。";
	if (strcmp(act->deadline, now) <= 0)
		return arena_printf(r->a, "报名已于 %s 截止。",
		    show_time(r->a, act->deadline, 0));
	return NULL;
}

/* What the templates show of an activity. */
struct tval *
vol_activity_view(struct req *r, const struct activity *act,
    const char *now)
{
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	long long left = act->capacity - act->confirmed;
	tv_puti(a, m, "id", act->id);
	tv_putf(a, m, "url", "/volunteer/%lld", act->id);
	tv_puts(a, m, "title", act->title);
	tv_puts(a, m, "when", show_span(a, act->starts_at, act->ends_at));
	tv_puts(a, m, "place", act->place);
	if (act->district[0])
		tv_puts(a, m, "district", act->district);
	tv_puti(a, m, "capacity", act->capacity);
	tv_puti(a, m, "confirmed", act->confirmed);
	tv_puti(a, m, "waiting", act->waiting);
	tv_puti(a, m, "left", left > 0 ? left : 0);
	tv_putb(a, m, "full", left <= 0);
	tv_putb(a, m, "sample", act->sample);
	tv_puts(a, m, "deadline", show_time(a, act->deadline, 0));
	const char *why = vol_closed_reason(r, act, now);
	if (why) {
		tv_puts(a, m, "closed", why);
		tv_puts(a, m, "state", activity_state(act, now));
	}
	tv_put(a, m, "paragraphs", paragraphs(a, act->description));
	return m;
}

/* ---- GET /volunteer ---- */

static int
list_into(struct req *r, const char *sql, const char *now, struct tval *list)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, now);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct activity act;
		activity_row(r, st, &act);
		tv_push(r->a, list, vol_activity_view(r, &act, now));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
volunteer_list(struct req *r)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	struct tval *open = tv_list(r->a), *closed = tv_list(r->a);
	if (list_into(r, sql_open, now, open) != 0 ||
	    list_into(r, sql_closed, now, closed) != 0) {
		resp_error(r, 503, NULL);
		return;
	}
	tv_put(r->a, ctx, "open", open);
	tv_putb(r->a, ctx, "has_open", open->n > 0);
	tv_put(r->a, ctx, "past", closed);
	tv_putb(r->a, ctx, "has_past", closed->n > 0);
	resp_render(r, 200, "volunteer/list", ctx);
}

/* ---- GET /volunteer/{id}, and the page POST /volunteer/{id}/signup shows
 * again ---- */

/* The activity page: its sign-up form, or why sign-ups are closed. */
void
vol_detail_show(struct req *r, int status, const struct activity *act,
    const struct fresult *res, const char *form_error)
{
	char now[32];
	utc_now_iso(now, sizeof(now));
	struct tval *ctx = tv_map(r->a);
	struct tval *av = vol_activity_view(r, act, now);
	tv_put(r->a, ctx, "a", av);
	tv_putf(r->a, ctx, "action", "/volunteer/%lld/signup", act->id);
	if (tv_get(av, "closed")) {
		tv_puts(r->a, ctx, "closed", tv_get(av, "closed")->str);
		resp_render(r, status, "volunteer/detail", ctx);
		return;
	}
	pubform_render(r, status, "volunteer/detail", "volunteer",
	    vol_signup_fields, V__N, res, ctx, form_error);
}

/* The activity of the route, or NULL after answering 404/503. */
struct activity *
vol_route_activity(struct req *r)
{
	struct activity *act = arena_calloc(r->a, 1, sizeof(*act));
	long long id = req_param_id(r, 0);
	int rc = SQLITE_ERROR;
	int found = id > 0 ? activity_load(r, id, act, &rc) : 0;
	if (found < 0)
		answer_db_failure(r, rc);
	else if (found == 0)
		resp_error(r, 404, NULL);
	return found > 0 ? act : NULL;
}

static void
volunteer_detail(struct req *r)
{
	struct activity *act = vol_route_activity(r);
	if (act)
		vol_detail_show(r, 200, act, NULL, NULL);
}

/* Every route of the public 志愿服务 pages; the POST routes and the
 * private pages are handled in page-volunteer-signup.c. */
const struct route page_volunteer_routes[] = {
	{"GET", "/volunteer", volunteer_list, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/{id}", volunteer_detail, ACCESS_PUBLIC, NULL},
	{"POST", "/volunteer/{id}/signup", volunteer_signup, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/signup/{ref}", volunteer_signup_done, ACCESS_PUBLIC,
	    NULL},
	{"GET", "/volunteer/signup/{ref}/cancel", volunteer_cancel_get,
	    ACCESS_PUBLIC, NULL},
	{"POST", "/volunteer/signup/{ref}/cancel", volunteer_cancel_post,
	    ACCESS_PUBLIC, NULL},
	{0},
};

/* ---- sample activities ---- */

static const struct sample {
	const char *title, *description, *place, *district;
	int days, hour, minutes, capacity;
} samples[] = {
	{"骑手安全骑行培训",
	 "面向外卖骑手、快递员的安全骑行公益培训,由交警和工会安全员讲解电动自行车"
	 "安全驾驶、头盔佩戴、雨雪天气骑行和事故后的处置。\n"
	 "志愿者协助签到、分发头盔和反光背心、维持现场秩序。",
	 "朝阳区总工会职工服务中心三楼培训室", "朝阳区", 6, 14, 120, 30},
	{"劳动法律咨询进驿站",
	 "工会律师和法律志愿者走进工会驿站,为新就业形态劳动者解答欠薪、工伤、"
	 "劳动合同、社会保险等问题。\n"
	 "欢迎有法律专业背景的志愿者报名,协助登记咨询问题、引导来访者。",
	 "海淀区中关村工会驿站", "海淀区", 9, 10, 150, 3},
	{"户外劳动者送清凉",
	 "为环卫工人、快递员、外卖骑手、建筑工人等户外劳动者送去防暑降温物品"
	 "(绿豆汤、藿香正气水、毛巾等)。\n"
	 "志愿者分组到各驿站发放物品,请穿着方便行动的衣服,注意防晒。",
	 "东城区北新桥户外劳动者服务站", "东城区", 13, 9, 150, 20},
	{"新就业形态劳动者健康义诊",
	 "工会联合社区医院为快递员、外卖骑手、网约车司机等提供免费体检和健康咨询,"
	 "包括血压、血糖测量和颈肩腰腿常见劳损的康复指导。\n"
	 "欢迎有医疗、心理特长的志愿者报名;其他志愿者协助排队引导和登记。",
	 "丰台区职工之家活动室", "丰台区", 20, 9, 180, 10},
};

/* UTC ISO-8601 of Shanghai local time days ahead of today at h:m. */
static void
sample_time(char *out, size_t len, int days, int h, int m)
{
	time_t t = shanghai_now();
	t -= t % 86400;                                   /* Shanghai midnight */
	t += (time_t)days * 86400 + h * 3600 + m * 60;
	shanghai_to_utc_iso(t, out, len);
}

int
volunteer_samples(struct db *db)
{
	static const char sql_count[] = "SELECT count(*) FROM activities";
	static const char sql_add[] =
	    "INSERT INTO activities (title, description, starts_at, ends_at, place,"
	    " district_id, capacity, deadline, sample, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5,"
	    " (SELECT id FROM districts WHERE name = ?6), ?7, ?8, 1, ?9, ?9)";
	sqlite3_stmt *st = db_prep(db, sql_count);
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		LOG_ERR("cannot count activities");
		return -1;
	}
	long long have = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (have > 0)
		return 0;
	char now[32];
	utc_now_iso(now, sizeof(now));
	for (size_t i = 0; i < ZJ_NELEM(samples); i++) {
		const struct sample *s = &samples[i];
		char start[32], end[32], deadline[32];
		sample_time(start, sizeof(start), s->days, s->hour, 0);
		sample_time(end, sizeof(end), s->days, s->hour, s->minutes);
		/* Sign-ups close at 18:00 the evening before. */
		sample_time(deadline, sizeof(deadline), s->days - 1, 18, 0);
		if ((st = db_prep(db, sql_add)) == NULL)
			return -1;
		db_bind_text(st, 1, s->title);
		db_bind_text(st, 2, s->description);
		db_bind_text(st, 3, start);
		db_bind_text(st, 4, end);
		db_bind_text(st, 5, s->place);
		db_bind_text(st, 6, s->district);
		db_bind_int(st, 7, s->capacity);
		db_bind_text(st, 8, deadline);
		db_bind_text(st, 9, now);
		if (db_exec_stmt(db, st) != SQLITE_DONE) {
			LOG_ERR("cannot add sample activity %s", s->title);
			return -1;
		}
	}
	LOG_INFO("loaded %zu sample volunteer activities", ZJ_NELEM(samples));
	return 0;
}
