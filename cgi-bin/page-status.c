/*
 * page-status.c - 进度查询: reference number + phone → the submission's
 * kind, its status in plain words and its dated history.
 *
 *   GET  /status   the form
 *   POST /status   the lookup (rate-limited per address)
 *
 * The count of lookups per address is a write: the job "status.count".
 * It fails closed: when it cannot be written, the lookup is refused with
 * the 503 page, never answered unthrottled.
 *
 * A wrong pair answers the same 未找到 whatever was wrong, so nobody can
 * probe which numbers exist; the phone is compared in constant time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "text.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"
#include "writer.h"

#define LOOKUP_WINDOW 600   /* seconds */
#define LOOKUP_MAX 20       /* lookups per address per window */

enum { S_REF, S_PHONE, S__N };

static const struct field status_fields[S__N] = {
	[S_REF] = {"ref", "编号", F_TEXT, 1, 1, 20, NULL,
	    "提交成功后页面上显示的编号,如 RH7K2M9QXA", NULL},
	[S_PHONE] = {"phone", "手机号", F_TEXT, 1, 1, 20, NULL,
	    "提交时填写的手机号", NULL},
};

/* One query per kind: status, reason/detail, phone, created_at, a detail
 * of the kind, the union's reply, and the date (Shanghai, YYYY-MM-DD) the
 * union promised its next answer by while it still owes one ('' when
 * none). */
static const char sql_join[] =
    "SELECT status, reason, phone, created_at, coalesce(member_no, ''), '',"
    "  CASE WHEN status = '" JOIN_PENDING "' THEN coalesce(due_on, '') ELSE '' END"
    " FROM join_applications WHERE ref = ?1";
static const char sql_legal[] =
    "SELECT status, reason, phone, created_at, dispute_type, '',"
    "  CASE WHEN first_contact_at IS NULL AND closed_at IS NULL"
    "   THEN coalesce(contact_due_on, '') ELSE '' END"
    " FROM legal_cases WHERE ref = ?1";
static const char sql_signup[] =
    "SELECT CASE WHEN a.cancelled AND s.status <> '" SIGNUP_CANCELLED "'"
    "  THEN '" SIGNUP_ACTIVITY_CANCELLED "'"
    "  ELSE s.status END, a.title, s.phone, s.created_at,"
    "  (SELECT count(*) FROM signups w WHERE w.activity_id = s.activity_id"
    "   AND w.status = '" SIGNUP_WAITING "' AND w.id <= s.id), '', ''"
    " FROM signups s JOIN activities a ON a.id = s.activity_id WHERE s.ref = ?1";
/* 诉求 and 微心愿: the union's reply (or how a wish came true) as "reply". */
static const char sql_appeal[] =
    "SELECT status, reason, phone, created_at, kind || ' · ' || matter, reply,"
    "  CASE WHEN status = '" APPEAL_DISPATCHED "' THEN coalesce(due_on, '') ELSE '' END"
    " FROM appeals WHERE ref = ?1";
static const char sql_wish[] =
    "SELECT status, reason, phone, created_at, category,"
    "  CASE WHEN status = '" WISH_DONE "' THEN fulfilled_how ELSE '' END,"
    "  CASE WHEN status = '" WISH_PENDING "' THEN coalesce(review_due_on, '') ELSE '' END"
    " FROM wishes WHERE ref = ?1";
static const char sql_count[] =
    "INSERT INTO lookup_counts (addr, window, n) VALUES (?1, ?2, 1)"
    " ON CONFLICT (addr, window) DO UPDATE SET n = n + 1 RETURNING n";
static const char sql_prune[] =
    "DELETE FROM lookup_counts WHERE window < ?1";

static const struct {
	const char *prefix, *kind, *sql;
} kinds[] = {
	{"RH", "网上入会", sql_join},
	{"FY", "法律援助", sql_legal},
	{"ZY", "志愿服务报名", sql_signup},
	{"SQ", "诉求", sql_appeal},
	{"XY", "微心愿", sql_wish},
};
enum { K_JOIN, K_LEGAL, K_SIGNUP, K_APPEAL, K_WISH };

/* What a status means, in the applicant's words, by kind: the same word
 * (不予受理, 待审核, 未通过) means different things in different services. */
static const struct {
	int kind;
	const char *status, *words;
} plain[] = {
	{K_JOIN, JOIN_PENDING, "已收到您的入会申请,正在审核"},
	{K_JOIN, JOIN_APPROVED, "入会申请已通过,欢迎加入工会"},
	{K_JOIN, JOIN_REJECTED, "入会申请未通过"},
	{K_LEGAL, LEGAL_NEW, "已收到您的法律援助申请,等待受理"},
	{K_LEGAL, LEGAL_ACCEPTED, "已受理,正在安排律师或调解员"},
	{K_LEGAL, LEGAL_ASSIGNED, "已指派专人负责,他们会与您联系"},
	{K_LEGAL, LEGAL_MEDIATING, "正在调解"},
	{K_LEGAL, LEGAL_SETTLED, "调解成功,案件已办结"},
	{K_LEGAL, LEGAL_ARBITRATION, "已转劳动仲裁,案件在工会的办理已结束"},
	{K_LEGAL, LEGAL_LAWSUIT, "已转诉讼,案件在工会的办理已结束"},
	{K_LEGAL, LEGAL_WITHDRAWN, "申请已撤回"},
	{K_LEGAL, LEGAL_REFUSED, "不予受理"},
	{K_SIGNUP, SIGNUP_CONFIRMED, "报名成功,名额已确认"},
	{K_SIGNUP, SIGNUP_WAITING, "名额已满,正在候补"},
	{K_SIGNUP, SIGNUP_CANCELLED, "报名已取消"},
	{K_SIGNUP, SIGNUP_ACTIVITY_CANCELLED, "活动已取消,报名不再有效"},
	{K_APPEAL, APPEAL_NEW, "已收到您的诉求,正在分派给负责的工作人员"},
	{K_APPEAL, APPEAL_DISPATCHED, "已派给负责的工作人员办理"},
	{K_APPEAL, APPEAL_ANSWERED, "工会已答复,请看下面的答复内容"},
	{K_APPEAL, APPEAL_CLOSED, "诉求已办结"},
	{K_APPEAL, APPEAL_REFUSED, "诉求不予受理"},
	{K_WISH, WISH_PENDING, "已收到您的微心愿,正在审核"},
	{K_WISH, WISH_PUBLISHED, "心愿已发布,等待认领"},
	{K_WISH, WISH_CLAIMED, "心愿已有人认领,正在帮您实现"},
	{K_WISH, WISH_DONE, "心愿已实现"},
	{K_WISH, WISH_REFUSED, "心愿未通过审核"},
};

static const char *
plain_words(int kind, const char *status)
{
	for (size_t i = 0; i < ZJ_NELEM(plain); i++)
		if (plain[i].kind == kind && strcmp(plain[i].status, status) == 0)
			return plain[i].words;
	return status;
}

/* Job "status.count": count one lookup of "addr" in the current window,
 * pruning earlier windows as a new one starts; answers "n", the lookups of
 * the address in this window so far. */
static int
count_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	long long window = (long long)time(NULL) / LOOKUP_WINDOW;
	long long n = 0;
	(void)a;
	sqlite3_stmt *st = db_prep(db, sql_count);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, job_text(in, "addr"));
	db_bind_int(st, 2, window);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	if (n == 1) {
		if ((st = db_prep(db, sql_prune)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, window - 1);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	job_put_int(out, "n", n);
	return SQLITE_DONE;
}

/* Count this lookup; 1 when the address is over its allowance, -1 when
 * the count could not be written (fail closed: the caller refuses). */
static int
over_limit(struct req *r)
{
	struct job in, out;
	job_init(&in, "status.count");
	job_put_text(&in, "addr", r->remote_addr);
	int rc = job_run(r->app->db, &in, &out);
	if (rc != SQLITE_DONE) {
		LOG_ERR("lookup count of %s not written (%d): lookup refused",
		    r->remote_addr, rc);
		return -1;
	}
	return job_int(&out, "n", 0) > LOOKUP_MAX;
}

/* Fill ctx with the submission, or return 0 when the pair is not ours. */
static int
lookup(struct req *r, const char *ref, const char *phone, struct tval *ctx)
{
	size_t k;
	for (k = 0; k < ZJ_NELEM(kinds); k++)
		if (ref_ok(ref, kinds[k].prefix))
			break;
	if (k == ZJ_NELEM(kinds))
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, kinds[k].sql);
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, ref);
	int found = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *stored = db_col_text(st, 2);
		found = strlen(stored) == strlen(phone) && strlen(phone) == 11 &&
		    ct_equal(stored, phone, 11);
	}
	if (found) {
		struct arena *a = r->a;
		const char *status = db_col_text(st, 0);
		const char *detail = db_col_text(st, 1);
		const char *extra = db_col_text(st, 4);
		struct tval *res = tv_map(a);
		tv_puts(a, res, "ref", ref);
		tv_puts(a, res, "kind", kinds[k].kind);
		tv_puts(a, res, "status", status);
		tv_puts(a, res, "words", plain_words((int)k, status));
		tv_puts(a, res, "submitted", show_datetime(r->a, db_col_text(st, 3)));
		if (k == K_JOIN && strcmp(status, JOIN_REJECTED) == 0 && detail[0]) {
			tv_puts(a, res, "reason", detail);
			tv_putb(a, res, "may_reapply", 1);
		}
		if (k == K_JOIN && extra[0])
			tv_puts(a, res, "member_no", extra);
		if ((k == K_LEGAL || k == K_APPEAL) && strcmp(status, LEGAL_REFUSED) == 0 &&
		    detail[0])
			tv_puts(a, res, "reason", detail);
		if (k == K_WISH && strcmp(status, WISH_REFUSED) == 0 && detail[0])
			tv_puts(a, res, "reason", detail);
		if (k == K_LEGAL || k == K_APPEAL || k == K_WISH)
			tv_puts(a, res, "subject", extra);
		if ((k == K_APPEAL || k == K_WISH) && db_col_text(st, 5)[0]) {
			tv_putb(a, res, "has_reply", 1);
			tv_put(a, res, "reply", paragraphs(a, db_col_text(st, 5)));
		}
		tv_putb(a, res, "wish", k == K_WISH);
		const char *promise = db_col_text(st, 6);
		if (*promise)
			tv_puts(a, res, "promise", show_day(a, promise));
		tv_puts(a, res, "promise_what", k == K_LEGAL ? "与您首次联系" :
		    k == K_WISH ? "完成审核" : "答复");
		if (k == K_SIGNUP) {
			tv_puts(a, res, "subject", detail);
			if (strcmp(status, SIGNUP_WAITING) == 0)
				tv_puts(a, res, "position", extra);
		}
		tv_put(a, ctx, "result", res);
	}
	sqlite3_reset(st);
	if (found)
		tv_put(r->a, tv_get(ctx, "result"), "history", event_history(r, ref, 0));
	return found;
}

static void
status_get(struct req *r)
{
	pubform_render_fresh(r, "status/form", "status", status_fields, S__N, NULL,
	    NULL, "");
}

static void
status_post(struct req *r)
{
	struct fresult res[S__N];
	struct tval *ctx = tv_map(r->a);
	const char *guard = pubform_guard(r, "status");
	int errors = form_check(r, status_fields, S__N, res);
	if (guard || errors) {
		pubform_render(r, 422, "status/form", "status", status_fields, S__N,
		    res, ctx, guard);
		return;
	}
	int over = over_limit(r);
	if (over < 0) {
		resp_error(r, 503, "暂时无法查询,请稍后再试。");
		return;
	}
	if (over) {
		resp_error(r, 429, "查询过于频繁,请 10 分钟后再试。");
		return;
	}
	/* People copy numbers with lower case or spaces: forgive that. */
	char ref[21];
	size_t n = 0;
	for (const char *p = res[S_REF].value; *p && n < sizeof(ref) - 1; p++)
		if (*p != ' ' && *p != '-')
			ref[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	ref[n] = '\0';
	if (!lookup(r, ref, res[S_PHONE].value, ctx))
		tv_putb(r->a, ctx, "not_found", 1);
	pubform_render(r, 200, "status/form", "status", status_fields, S__N, res,
	    ctx, NULL);
}

const struct job_type page_status_jobs[] = {
	{"status.count", count_job},
	{0},
};

const struct route page_status_routes[] = {
	{"GET", "/status", status_get, ACCESS_PUBLIC, NULL},
	{"POST", "/status", status_post, ACCESS_PUBLIC, NULL},
	{0},
};
