/*
 * page-staff-followups.c - 回访 on the staff desk: the follow-ups nobody
 * answered by link, the calls staff make about them, and the reviews a
 * 不满意 answer opens (feedback.h).
 *
 *   GET  /staff/followups              the queue (?status=待回访: no answer
 *                                      FEEDBACK_CALL_DAYS after the link;
 *                                      待复核: 不满意 answers to review)
 *   GET  /staff/followups.csv          the same, as CSV (audited)
 *   GET  /staff/followups/{id}         one follow-up: the record, the phone,
 *                                      the answers, the call and review forms
 *   POST /staff/followups/{id}/call    接通 with the answers, or 未接通; the
 *                                      FEEDBACK_MISSED_MAX-th closes it 无法联系
 *   POST /staff/followups/{id}/review  close a 不满意 answer's review
 *
 * Every role reaches the queue; each sees the follow-ups of the services
 * it works on (法律援助: admins and legal officers; the others: admins and
 * reviewers) within its district — any other answers 404, as an unknown
 * one does.  Phones are masked in the list (138****5678) and shown whole
 * on the follow-up's page, where staff call from.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "csv.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "pubform.h"
#include "queue.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

/* ---- the queue ---- */

/* Due for a call: sent FEEDBACK_CALL_DAYS ago and still unanswered. */
#define DUE_SINCE "strftime('%Y-%m-%dT%H:%M:%SZ', :now, '-" \
    ZJ_STR(FEEDBACK_CALL_DAYS) " days')"
#define F_COLS \
    "SELECT f.id, f.service, f.ref, coalesce(d.name, ''), f.phone," \
    "  f.service_date, f.created_at, f.status, f.missed_calls, f.review," \
    "  f.overall, coalesce(s.display_name, ''), coalesce(s.username, '')," \
    "  f.status = '" FOLLOWUP_OPEN "' AND f.created_at <= " DUE_SINCE "," \
    "  f.channel, coalesce(f.answered_at, '')"
enum {
	FC_ID, FC_SERVICE, FC_REF, FC_DISTRICT, FC_PHONE, FC_DATE, FC_SENT,
	FC_STATUS, FC_MISSED, FC_REVIEW, FC_OVERALL, FC_HNAME, FC_HUSER, FC_DUE,
	FC_CHANNEL, FC_ANSWERED,
};
#define F_FROM " FROM followups f LEFT JOIN districts d ON d.id = f.district_id" \
    " LEFT JOIN staff s ON s.id = f.handler_id WHERE "
/* The services the person works on: ROLE_* bits in :roles. */
#define F_ROLES \
    " AND ((:roles & " ZJ_STR(1) ") <> 0" \
    "  OR (f.service = '" SERVICE_LEGAL "' AND (:roles & " ZJ_STR(4) ") <> 0)" \
    "  OR (f.service <> '" SERVICE_LEGAL "' AND (:roles & " ZJ_STR(2) ") <> 0))"
#define F_CHECKS \
    " AND f.id < :below AND (:district = 0 OR f.district_id = :district)" \
    " AND (:kind = '' OR f.service = :kind)" \
    " AND (:status = ''" \
    "  OR (:status = '" FOLLOWUP_OPEN "' AND f.status = '" FOLLOWUP_OPEN "'" \
    "   AND f.created_at <= " DUE_SINCE ")" \
    "  OR (:status = '" FOLLOWUP_REVIEW "' AND f.review = 1)" \
    "  OR (:status IN ('" FOLLOWUP_DONE "', '" FOLLOWUP_UNREACHABLE "')" \
    "   AND f.status = :status))" \
    " AND (:from = '' OR f.created_at >= :from) AND (:to = '' OR f.created_at < :to)" \
    F_ROLES " ORDER BY f.id DESC LIMIT :limit"
#define WALK(drive) F_COLS F_FROM drive F_CHECKS

_Static_assert(ROLE_ADMIN == 1 && ROLE_REVIEWER == 2 && ROLE_LEGAL == 4,
    "F_ROLES spells the role bits out");

static const char sql_by_ref[] = WALK("f.ref = :q");
static const char sql_by_phone[] = WALK("f.phone = :q");
static const char sql_all[] = WALK("1");

/* Any other search text: a reference the filter does not know as one
 * (SQ…, XY…) typed whole, else nothing — never every row. */
static const struct queue_plan plans[] = {
	{QF_REF, NULL, sql_by_ref},
	{QF_PHONE, NULL, sql_by_phone},
	{QF_NAME, NULL, sql_by_ref},
	{0, NULL, sql_all},
};

/* A phone as lists show it: 138****5678. */
static void
phone_masked(const char *phone, char out[16])
{
	size_t n = strlen(phone);
	if (n != 11) {
		snprintf(out, 16, "%s", n > 4 ? "****" : phone);
		return;
	}
	snprintf(out, 16, "%.3s****%.4s", phone, phone + 7);
}

/* "显示名(username)", the username alone, or "—" for nobody. */
static const char *
staff_label(struct arena *a, const char *display, const char *username)
{
	if (*username == '\0')
		return "—";
	if (*display == '\0')
		return arena_strdup(a, username);
	return arena_printf(a, "%s(%s)", display, username);
}

/* What the row's state is, in words. */
static const char *
state_words(struct arena *a, sqlite3_stmt *st)
{
	const char *status = db_col_text(st, FC_STATUS);
	long long missed = sqlite3_column_int64(st, FC_MISSED);
	if (strcmp(status, FOLLOWUP_OPEN) != 0)
		return arena_strdup(a, status);
	if (!sqlite3_column_int(st, FC_DUE))
		return "等待回复(链接已发送)";
	return missed ? arena_printf(a, "待电话回访(未接通 %lld 次)", missed) :
	    "待电话回访";
}

static struct tval *
row_view(struct req *r, const struct queue_filter *f, sqlite3_stmt *st)
{
	(void)f;
	struct arena *a = r->a;
	struct tval *m = tv_map(a);
	char masked[16], when[32];
	phone_masked(db_col_text(st, FC_PHONE), masked);
	tv_puti(a, m, "id", sqlite3_column_int64(st, FC_ID));
	tv_puts(a, m, "service", db_col_text(st, FC_SERVICE));
	tv_puts(a, m, "ref", db_col_text(st, FC_REF));
	tv_puts(a, m, "district", db_col_text(st, FC_DISTRICT));
	tv_puts(a, m, "phone", masked);
	tv_puts(a, m, "date", db_col_text(st, FC_DATE));
	tv_puts(a, m, "sent", short_time(db_col_text(st, FC_SENT), when, sizeof(when)));
	tv_puts(a, m, "state", state_words(a, st));
	tv_putb(a, m, "due", sqlite3_column_int(st, FC_DUE));
	tv_puts(a, m, "overall", db_col_text(st, FC_OVERALL));
	tv_putb(a, m, "review", sqlite3_column_int(st, FC_REVIEW) == 1);
	tv_puts(a, m, "handler", staff_label(a, db_col_text(st, FC_HNAME),
	    db_col_text(st, FC_HUSER)));
	return m;
}

static const char *const csv_head[] = {
	"服务", "编号", "区县", "承办人", "手机号", "办结日期", "链接发送时间", "状态",
	"未接通次数", "总体评价", "回访方式", "评价时间", "待复核",
};

static void
csv_line(struct csv *out, sqlite3_stmt *st, int full)
{
	(void)full;
	char masked[16], sent[32], answered[32], handler[160];
	phone_masked(db_col_text(st, FC_PHONE), masked);
	const char *hn = db_col_text(st, FC_HNAME), *hu = db_col_text(st, FC_HUSER);
	snprintf(handler, sizeof(handler), *hu && *hn ? "%s(%s)" : "%s%s", hn, hu);
	char missed[24];
	snprintf(missed, sizeof(missed), "%lld", sqlite3_column_int64(st, FC_MISSED));
	const char *cells[] = {
		db_col_text(st, FC_SERVICE), db_col_text(st, FC_REF),
		db_col_text(st, FC_DISTRICT), handler, masked, db_col_text(st, FC_DATE),
		short_time(db_col_text(st, FC_SENT), sent, sizeof(sent)),
		db_col_text(st, FC_STATUS), missed, db_col_text(st, FC_OVERALL),
		db_col_text(st, FC_CHANNEL),
		short_time(db_col_text(st, FC_ANSWERED), answered, sizeof(answered)),
		sqlite3_column_int(st, FC_REVIEW) == 1 ? "是" : "",
	};
	csv_row(out, cells, ZJ_NELEM(cells));
}

static const struct queue followups = {
	.name = "followups", .path = "/staff/followups",
	.tmpl = "staff/followups/list",
	.statuses = followup_statuses, .kinds = followup_services, .kind_label = "服务",
	.plans = plans, .row = row_view,
	.csv_head = csv_head, .csv_cols = ZJ_NELEM(csv_head), .csv_row = csv_line,
};

static void
followups_list(struct req *r)
{
	queue_list(r, &followups);
}

static void
followups_csv(struct req *r)
{
	queue_export(r, &followups);
}

/* ---- one follow-up ---- */

static const char sql_one[] =
    "SELECT f.id, f.service, f.ref, coalesce(f.district_id, 0), f.phone,"
    "  f.service_date, f.created_at, f.status, f.missed_calls, f.review,"
    "  f.overall, f.timely, f.attitude, f.resolved, f.comment, f.channel,"
    "  coalesce(f.answered_at, ''), f.review_note, coalesce(d.name, '全市'),"
    "  coalesce(s.display_name, ''), coalesce(s.username, ''),"
    "  f.created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-"
    ZJ_STR(FEEDBACK_VALID_DAYS) " days')"
    " FROM followups f LEFT JOIN districts d ON d.id = f.district_id"
    " LEFT JOIN staff s ON s.id = f.handler_id WHERE f.id = ?1";

struct fup {
	long long id, district_id, missed;
	int review;
	const char *service, *ref, *status;
	struct tval *view;
};

/* Where a record of a service is on the desk (NULL: no page of its own). */
static const char *
record_url(struct arena *a, const char *service, const char *ref)
{
	if (strcmp(service, SERVICE_JOIN) == 0)
		return arena_printf(a, "/staff/joins/%s", ref);
	if (strcmp(service, SERVICE_LEGAL) == 0)
		return arena_printf(a, "/staff/legal-aid/%s", ref);
	if (strcmp(service, SERVICE_APPEAL) == 0)
		return arena_printf(a, "/staff/appeals/%s", ref);
	if (strcmp(service, SERVICE_WISH) == 0)
		return arena_printf(a, "/staff/wishes/%s", ref);
	return NULL;
}

/* 1 when r's member of staff works on this service in this district. */
static int
may_see(struct req *r, const char *service, long long district_id)
{
	const struct staff *s = staff_of(r);
	return (s->roles & feedback_service_roles(service)) != 0 &&
	    staff_sees_district(s, district_id);
}

/* Load r's {id} into *f; -1 after answering 404 (none, or not theirs) or
 * 500. */
static int
load(struct req *r, struct fup *f)
{
	struct arena *a = r->a;
	long long id = req_param_id(r, 0);
	sqlite3_stmt *st = id ? db_prep(r->app->db, sql_one) : NULL;
	if (st == NULL) {
		resp_error(r, id ? 500 : 404, NULL);
		return -1;
	}
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW && may_see(r, db_col_text(st, 1),
	    sqlite3_column_int64(st, 3));
	if (found) {
		memset(f, 0, sizeof(*f));
		f->id = id;
		f->service = arena_strdup(a, db_col_text(st, 1));
		f->ref = arena_strdup(a, db_col_text(st, 2));
		f->district_id = sqlite3_column_int64(st, 3);
		f->status = arena_strdup(a, db_col_text(st, 7));
		f->missed = sqlite3_column_int64(st, 8);
		f->review = sqlite3_column_int(st, 9);
		struct tval *v = f->view = tv_map(a);
		tv_puti(a, v, "id", id);
		tv_puts(a, v, "service", f->service);
		tv_puts(a, v, "ref", f->ref);
		const char *url = record_url(a, f->service, f->ref);
		if (url)
			tv_puts(a, v, "record_url", url);
		tv_puts(a, v, "phone", db_col_text(st, 4));
		tv_puts(a, v, "date", db_col_text(st, 5));
		tv_puts(a, v, "sent", show_datetime(a, db_col_text(st, 6)));
		tv_puts(a, v, "status", f->status);
		tv_puti(a, v, "missed", f->missed);
		tv_puts(a, v, "overall", db_col_text(st, 10));
		tv_puts(a, v, "timely", db_col_text(st, 11));
		tv_puts(a, v, "attitude", db_col_text(st, 12));
		tv_puts(a, v, "resolved", db_col_text(st, 13));
		tv_puts(a, v, "comment", db_col_text(st, 14));
		tv_puts(a, v, "channel", db_col_text(st, 15));
		const char *answered = db_col_text(st, 16);
		if (*answered)
			tv_puts(a, v, "answered", show_datetime(a, answered));
		tv_puts(a, v, "review_note", db_col_text(st, 17));
		tv_puts(a, v, "district", db_col_text(st, 18));
		tv_puts(a, v, "handler", staff_label(a, db_col_text(st, 19),
		    db_col_text(st, 20)));
		tv_putb(a, v, "link_valid", sqlite3_column_int(st, 21));
		tv_putb(a, v, "open", strcmp(f->status, FOLLOWUP_OPEN) == 0);
		tv_putb(a, v, "review_open", f->review == 1);
		tv_putb(a, v, "review_done", f->review == 2);
	}
	sqlite3_reset(st);
	if (!found)
		resp_error(r, rc == SQLITE_ROW || rc == SQLITE_DONE ? 404 : 500, NULL);
	return found ? 0 : -1;
}

/* The call form: 通话结果, then the questions (needed when 接通). */
enum { C_OUTCOME, C_FIRST_Q, C__N = C_FIRST_Q + FB__N };
static const struct field *
call_fields(struct req *r)
{
	struct field *f = arena_calloc(r->a, C__N, sizeof(*f));
	f[C_OUTCOME] = (struct field){"outcome", "通话结果", F_RADIO, 1, 0, 0,
	    call_outcomes, "接通时请按申请人的回答填写下面的问题", NULL};
	for (int i = 0; i < FB__N; i++) {
		f[C_FIRST_Q + i] = feedback_fields[i];
		f[C_FIRST_Q + i].required = 0;
	}
	f[C_FIRST_Q + FB_COMMENT].hint = "选填,申请人的原话,最多 300 字";
	return f;
}

enum { V_NOTE, V__N };
static const struct field review_fields[V__N] = {
	[V_NOTE] = {"review_note", "复核说明", F_TEXTAREA, 1, 2, 500, NULL,
	    "写明复核了什么、怎样处理的(内部记录,申请人看不到)", NULL},
};

static void
show(struct req *r, int status, const struct fup *f, const struct fresult *call,
    const struct fresult *review, const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_put(a, ctx, "fup", f->view);
	tv_put(a, ctx, "call", form_view(r, call_fields(r), C__N, call));
	tv_put(a, ctx, "review", form_view(r, review_fields, V__N, review));
	tv_put(a, ctx, "history", event_history(r, f->ref, 1));
	tv_puti(a, ctx, "missed_max", FEEDBACK_MISSED_MAX);
	if (message)
		tv_puts(a, ctx, "message", message);
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "call") == 0)
		tv_puts(a, ctx, "notice", "通话结果已记录。");
	else if (done && strcmp(done, "review") == 0)
		tv_puts(a, ctx, "notice", "复核已完成。");
	resp_render(r, status, "staff/followups/record", ctx);
}

static void
followup_page(struct req *r)
{
	struct fup f;
	if (load(r, &f) == 0)
		show(r, 200, &f, NULL, NULL, NULL);
}

/* ---- the jobs ---- */

static const char sql_job_load[] =
    "SELECT service, ref, coalesce(district_id, 0), status, missed_calls, review"
    " FROM followups WHERE id = ?1";
static const char sql_may_legal[] =
    "SELECT role IN ('" ROLE_NAME_ADMIN "', '" ROLE_NAME_LEGAL "')"
    " AND (district_id IS NULL OR district_id = ?2) FROM staff"
    " WHERE id = ?1 AND disabled = 0";
static const char sql_may_review[] =
    "SELECT role IN ('" ROLE_NAME_ADMIN "', '" ROLE_NAME_REVIEWER "')"
    " AND (district_id IS NULL OR district_id = ?2) FROM staff"
    " WHERE id = ?1 AND disabled = 0";
static const char sql_missed[] =
    "UPDATE followups SET missed_calls = missed_calls + 1, updated_at = ?2,"
    " status = CASE WHEN missed_calls + 1 >= " ZJ_STR(FEEDBACK_MISSED_MAX)
    "  THEN '" FOLLOWUP_UNREACHABLE "' ELSE status END"
    " WHERE id = ?1 AND status = '" FOLLOWUP_OPEN "' RETURNING missed_calls";
static const char sql_review_done[] =
    "UPDATE followups SET review = 2, review_note = ?2, updated_at = ?3"
    " WHERE id = ?1 AND review = 1";
static const char sql_legal_unmark[] =
    "UPDATE legal_cases SET review = 0, updated_at = ?2 WHERE ref = ?1"
    " AND NOT EXISTS (SELECT 1 FROM followups WHERE ref = ?1 AND review = 1)";

struct fjob {
	const char *service, *ref, *status;
	long long missed;
	int review;
};

/* In the job: follow-up id as it is now, and may who act on it (its
 * service's roles, its district)?  SQLITE_OK, SQLITE_AUTH (404), or the
 * failing code. */
static int
job_load(struct db *db, struct arena *a, const struct actor *who, long long id,
    struct fjob *f)
{
	sqlite3_stmt *st = db_prep(db, sql_job_load);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	long long district = 0;
	if (rc == SQLITE_ROW) {
		f->service = arena_strdup(a, db_col_text(st, 0));
		f->ref = arena_strdup(a, db_col_text(st, 1));
		district = sqlite3_column_int64(st, 2);
		f->status = arena_strdup(a, db_col_text(st, 3));
		f->missed = sqlite3_column_int64(st, 4);
		f->review = sqlite3_column_int(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	return store_staff_may(db, who, strcmp(f->service, SERVICE_LEGAL) == 0 ?
	    sql_may_legal : sql_may_review, district);
}

/*
 * Job "followup.call": the call on follow-up "id" — "outcome" 接通 with
 * the answers (the call form's question fields), or 未接通 (the
 * FEEDBACK_MISSED_MAX-th closes it as 无法联系) — with its event on the
 * record and its audit entry.  SQLITE_DONE; SQLITE_MISMATCH when it is no
 * longer 待回访; SQLITE_AUTH when it is not who's; or the failing code.
 */
static int
call_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct fjob f;
	(void)out;
	long long id = job_int(in, "id", 0);
	const char *outcome = job_text(in, "outcome");
	if (id == 0 || outcome == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = job_load(db, a, &who, id, &f);
	if (rc != SQLITE_OK)
		return rc;
	if (strcmp(f.status, FOLLOWUP_OPEN) != 0)
		return SQLITE_MISMATCH;
	if (strcmp(outcome, CALL_REACHED) == 0) {
		const struct fresult *res = job_form(a, in, feedback_fields, FB__N);
		const char *ans[FB__N];
		for (int i = 0; i < FB__N; i++)
			ans[i] = res[i].value;
		rc = feedback_store_answer(db, &who, id, "电话", ans, NULL);
		if (rc == SQLITE_DONE)
			rc = audit(db, &who, AUDIT_FOLLOWUP_CALL, f.ref, arena_printf(a,
			    "接通;总体评价 %s", ans[FB_OVERALL]));
		return rc;
	}
	char now[32];
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_missed);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, now);
	rc = sqlite3_step(st);
	long long n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_MISMATCH : rc;
	const char *note = n >= FEEDBACK_MISSED_MAX ?
	    arena_printf(a, "回访电话未接通(第 %lld 次),回访结束:" FOLLOWUP_UNREACHABLE, n) :
	    arena_printf(a, "回访电话未接通(第 %lld 次)", n);
	rc = event_add(db, &who, f.ref, EVENT_FOLLOWUP, note, 0);
	if (rc == SQLITE_DONE)
		rc = audit(db, &who, AUDIT_FOLLOWUP_CALL, f.ref, note);
	return rc;
}

/*
 * Job "followup.review": close the review of follow-up "id" with "note"
 * (a legal case loses its 复核 mark when no other review of it is open),
 * its internal event and audit entry.  SQLITE_DONE; SQLITE_MISMATCH when
 * there is no open review; SQLITE_AUTH when it is not who's.
 */
static int
review_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct fjob f;
	(void)out;
	long long id = job_int(in, "id", 0);
	const char *note = job_text(in, "note");
	if (id == 0 || note == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = job_load(db, a, &who, id, &f);
	if (rc != SQLITE_OK)
		return rc;
	if (f.review != 1)
		return SQLITE_MISMATCH;
	char now[32];
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_review_done);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, note);
	db_bind_text(st, 3, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if (strcmp(f.service, SERVICE_LEGAL) == 0) {
		if ((st = db_prep(db, sql_legal_unmark)) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, f.ref);
		db_bind_text(st, 2, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	const char *what = arena_printf(a, "回访不满意的复核已完成:%s", note);
	rc = event_add(db, &who, f.ref, EVENT_REVIEW, what, 0);
	if (rc == SQLITE_DONE)
		rc = audit(db, &who, AUDIT_FOLLOWUP_REVIEW, f.ref, note);
	return rc;
}

/* ---- the POST handlers ---- */

static void
refuse(struct req *r, const char *why)
{
	struct fup f;
	if (load(r, &f) == 0)
		show(r, 409, &f, NULL, NULL, why);
}

static void
followup_call(struct req *r)
{
	struct fup f;
	struct fresult res[C__N];
	if (load(r, &f) != 0)
		return;
	if (strcmp(f.status, FOLLOWUP_OPEN) != 0) {
		show(r, 409, &f, NULL, NULL, arena_printf(r->a, "这条回访现在是“%s”,"
		    "不能再记录通话,没有做任何更改。", f.status));
		return;
	}
	const struct field *fields = call_fields(r);
	int errors = form_check(r, fields, C__N, res);
	int reached = strcmp(res[C_OUTCOME].value, CALL_REACHED) == 0;
	for (int i = 0; reached && i < FB__N; i++)
		if (fields[C_FIRST_Q + i].kind == F_RADIO && !res[C_FIRST_Q + i].error &&
		    res[C_FIRST_Q + i].value[0] == '\0') {
			res[C_FIRST_Q + i].error = arena_printf(r->a, "接通时请选择“%s”",
			    fields[C_FIRST_Q + i].label);
			errors++;
		}
	if (errors) {
		show(r, 422, &f, res, NULL, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "followup.call");
	job_put_int(&in, "id", f.id);
	job_put_text(&in, "outcome", res[C_OUTCOME].value);
	if (reached)
		job_put_form(&in, feedback_fields, FB__N, res + C_FIRST_Q);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_MISMATCH)
		refuse(r, "这条回访刚刚已被其他工作人员处理,没有做任何更改。");
	else
		store_answer(r, rc, arena_printf(r->a, "/staff/followups/%lld?done=call",
		    f.id));
}

static void
followup_review(struct req *r)
{
	struct fup f;
	struct fresult res[V__N];
	if (load(r, &f) != 0)
		return;
	if (f.review != 1) {
		show(r, 409, &f, NULL, NULL, "这条回访没有待复核的不满意评价,没有做任何更改。");
		return;
	}
	if (form_check(r, review_fields, V__N, res) != 0) {
		show(r, 422, &f, NULL, res, NULL);
		return;
	}
	struct job in, out;
	job_init(&in, "followup.review");
	job_put_int(&in, "id", f.id);
	job_put_text(&in, "note", res[V_NOTE].value);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_MISMATCH)
		refuse(r, "这条回访的复核刚刚已由其他工作人员完成,没有做任何更改。");
	else
		store_answer(r, rc, arena_printf(r->a, "/staff/followups/%lld?done=review",
		    f.id));
}

const struct job_type page_staff_followups_jobs[] = {
	{"followup.call", call_job},
	{"followup.review", review_job},
	{0},
};

const struct route page_staff_followups_routes[] = {
	{"GET", "/staff/followups", followups_list, ROLES_ALL, NULL},
	{"GET", "/staff/followups.csv", followups_csv, ROLES_ALL, NULL},
	{"GET", "/staff/followups/{id}", followup_page, ROLES_ALL, NULL},
	{"POST", "/staff/followups/{id}/call", followup_call, ROLES_ALL, NULL},
	{"POST", "/staff/followups/{id}/review", followup_review, ROLES_ALL, NULL},
	{0},
};
