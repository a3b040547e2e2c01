/*
 * feedback.c - 回访: offering feedback when a service ends, storing an
 * answer and the review a 不满意 opens, the activity sweep (feedback.h).
 * The public page is page-feedback.c, the staff queue
 * page-staff-followups.c.
 */
#include "feedback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "outbox.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"
#include "when.h"

const struct field feedback_fields[FB__N] = {
	[FB_OVERALL] = {"overall", "总体评价", F_RADIO, 1, 0, 0, sat_overall, NULL, NULL},
	[FB_TIMELY] = {"timely", "办理是否及时", F_RADIO, 1, 0, 0, sat_timely, NULL, NULL},
	[FB_ATTITUDE] = {"attitude", "工作人员态度", F_RADIO, 1, 0, 0, sat_attitude,
	    NULL, NULL},
	[FB_RESOLVED] = {"resolved", "结果是否解决问题", F_RADIO, 1, 0, 0, sat_resolved,
	    NULL, NULL},
	[FB_COMMENT] = {"comment", "意见", F_TEXTAREA, 0, 0, FEEDBACK_COMMENT_MAX, NULL,
	    "选填,最多 300 字。请不要填写身份证号等个人信息", NULL},
};

/* Each service: its name to the person, who works on it, and how its
 * record is read — (district_id, handler, phone, may we contact) by ref. */
static const struct {
	const char *service, *label;
	unsigned roles;
	const char *sql;
} services[] = {
	{SERVICE_JOIN, "入会申请", ROLE_ADMIN | ROLE_REVIEWER,
	    "SELECT district_id, NULL, phone, 1 FROM join_applications WHERE ref = ?1"},
	{SERVICE_LEGAL, "法律援助", ROLE_ADMIN | ROLE_LEGAL,
	    "SELECT district_id, assignee_id, phone, " OUTBOX_LEGAL_MAY_CONTACT
	    " FROM legal_cases WHERE ref = ?1"},
	{SERVICE_VOLUNTEER, "志愿服务活动", ROLE_ADMIN | ROLE_REVIEWER,
	    "SELECT a.district_id, NULL, s.phone, 1 FROM signups s"
	    " JOIN activities a ON a.id = s.activity_id WHERE s.ref = ?1"},
	{SERVICE_APPEAL, "诉求", ROLE_ADMIN | ROLE_REVIEWER,
	    "SELECT district_id, assignee_id, phone, may_contact FROM appeals WHERE ref = ?1"},
	{SERVICE_WISH, "微心愿", ROLE_ADMIN | ROLE_REVIEWER,
	    "SELECT district_id, claimer_staff_id, phone, 1 FROM wishes WHERE ref = ?1"},
};

static int
service_index(const char *service)
{
	for (size_t i = 0; service && i < ZJ_NELEM(services); i++)
		if (strcmp(services[i].service, service) == 0)
			return (int)i;
	return -1;
}

const char *
feedback_service_label(const char *service)
{
	int i = service_index(service);
	return i < 0 ? service : services[i].label;
}

unsigned
feedback_service_roles(const char *service)
{
	int i = service_index(service);
	return i < 0 ? ROLE_ADMIN : services[i].roles;
}

/* ---- tokens ---- */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* n bytes as unpadded base64url into out (4n/3 rounded up, + NUL). */
static void
b64url_encode(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64url[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
}

int
feedback_token_hash(const char *token, char hex[65])
{
	unsigned char h[32];
	if (token == NULL || strlen(token) != FEEDBACK_TOKEN_LEN ||
	    strspn(token, b64url) != FEEDBACK_TOKEN_LEN)
		return -1;
	sha256(token, FEEDBACK_TOKEN_LEN, h);
	hex_encode(h, sizeof(h), hex);
	return 0;
}

const char *
feedback_redact(struct arena *a, const char *text)
{
	static const char mark[] = "/feedback/";
	const char *p = strstr(text, mark);
	if (p == NULL)
		return text;
	struct buf b = {0};
	const char *from = text;
	for (; p != NULL; p = strstr(from, mark)) {
		p += sizeof(mark) - 1;
		size_t n = strspn(p, b64url);
		buf_put(&b, from, (size_t)(p - from));
		buf_puts(&b, n ? "…(仅本人可用)" : "");
		from = p + n;
	}
	buf_puts(&b, from);
	const char *out = arena_strdup(a, b.p);
	buf_free(&b);
	return out;
}

/* ---- offering feedback ---- */

static const char sql_open_for_ref[] =
    "SELECT EXISTS (SELECT 1 FROM followups WHERE ref = ?1"
    " AND status = '" FOLLOWUP_OPEN "')";
static const char sql_insert[] =
    "INSERT INTO followups (service, ref, district_id, handler_id, phone,"
    " service_date, token_hash, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";

/* The link the text carries: the site's public address, when the
 * installation says it (ZHIJIA_PUBLIC_URL), then the path. */
static const char *
feedback_link(struct arena *a, const char *token)
{
	const char *base = getenv("ZHIJIA_PUBLIC_URL");
	size_t n = base ? strlen(base) : 0;
	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s/feedback/%s", (int)n, base ? base : "", token);
}

int
feedback_offer(struct db *db, const struct actor *who, const char *service,
    const char *ref, const char *date)
{
	int i = service_index(service);
	if (i < 0 || ref == NULL)
		return SQLITE_MISUSE;
	struct arena *a = arena_new();
	int rc;
	long long district = 0, handler = 0;
	int may = 0;
	char *phone = NULL;
	sqlite3_stmt *st = db_prep(db, services[i].sql);
	if (st == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_text(st, 1, ref);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		district = sqlite3_column_int64(st, 0);
		handler = sqlite3_column_int64(st, 1);
		phone = arena_strdup(a, db_col_text(st, 2));
		may = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
		goto out;
	}
	rc = SQLITE_DONE;
	if (!may) {
		/* 方便联系 not chosen: /privacy promises calls and texts only
		 * to those who chose it, so there is no link and no call
		 * (no follow-up at all); the history says why, so nobody
		 * rings them to ask how it went. */
		rc = event_add(db, who, ref, EVENT_FOLLOWUP,
		    "申请人选择了不方便联系:不发送回访评价链接,也不电话回访", 0);
		goto out;
	}
	if ((st = db_prep(db, sql_open_for_ref)) == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_text(st, 1, ref);
	int step = sqlite3_step(st);
	int open = step == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW) {
		rc = step;
		goto out;
	}
	if (open)
		goto out;   /* asked already, not answered yet */
	if (handler == 0)
		handler = who->staff_id;

	unsigned char raw[FEEDBACK_TOKEN_BYTES];
	char token[FEEDBACK_TOKEN_LEN + 1], hex[65], now[32], today[40];
	if (random_bytes(raw, sizeof(raw)) != 0) {
		rc = SQLITE_ERROR;
		goto out;
	}
	b64url_encode(raw, sizeof(raw), token);
	explicit_bzero(raw, sizeof(raw));
	feedback_token_hash(token, hex);
	utc_now_iso(now, sizeof(now));
	if (date == NULL) {
		long t = today_shanghai();
		snprintf(today, sizeof(today), "%04ld-%02ld-%02ld", t / 10000,
		    t / 100 % 100, t % 100);
		date = today;
	}
	if ((st = db_prep(db, sql_insert)) == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_text(st, 1, services[i].service);
	db_bind_text(st, 2, ref);
	if (district)
		db_bind_int(st, 3, district);
	if (handler)
		db_bind_int(st, 4, handler);
	db_bind_text(st, 5, phone);
	db_bind_text(st, 6, date);
	db_bind_text(st, 7, hex);
	db_bind_text(st, 8, now);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		goto out;
	rc = event_add(db, who, ref, EVENT_FOLLOWUP,
	    "已向申请人发送回访评价链接(" ZJ_STR(FEEDBACK_VALID_DAYS) " 天内有效)", 0);
	if (rc != SQLITE_DONE)
		goto out;
	const char *vars[] = {
		"ref", ref, "service", services[i].label,
		"link", feedback_link(a, token), NULL,
	};
	rc = outbox_put(db, who, MSG_FEEDBACK, ref, phone, vars);
	explicit_bzero(token, sizeof(token));
out:
	arena_free(a);
	return rc;
}

/* ---- answers and the review they may open ---- */

static const char sql_followup[] =
    "SELECT service, ref, status FROM followups WHERE id = ?1";
static const char sql_answer[] =
    "UPDATE followups SET status = '" FOLLOWUP_DONE "', channel = ?2,"
    " overall = ?3, timely = ?4, attitude = ?5, resolved = ?6, comment = ?7,"
    " answered_at = ?8, updated_at = ?8, answer_nonce = coalesce(?9, ''),"
    " review = CASE WHEN ?3 = '" SAT_BAD "' THEN 1 ELSE review END"
    " WHERE id = ?1 AND status = '" FOLLOWUP_OPEN "'";
static const char sql_legal_review[] =
    "UPDATE legal_cases SET review = 1, updated_at = ?2 WHERE ref = ?1";
static const char sql_appeal_back[] =
    "UPDATE appeals SET status = '" APPEAL_DISPATCHED "', updated_at = ?2,"
    " closed_at = NULL WHERE ref = ?1"
    " AND status IN ('" APPEAL_ANSWERED "', '" APPEAL_CLOSED "')";

/* A 不满意 answer on follow-up ref of service: the record goes back for
 * review — its internal 复核 event, the legal case's mark or the 诉求's
 * way back to its handler (with a public event) — and the audit entry. */
static int
reopen(struct db *db, const struct actor *who, const char *service,
    const char *ref, const char *channel, const char *now)
{
	int rc = event_add(db, who, ref, EVENT_REVIEW, strcmp(channel, "电话") == 0 ?
	    "回访电话中申请人表示不满意,请复核办理情况" :
	    "申请人在回访评价中表示不满意,请复核办理情况", 0);
	if (rc != SQLITE_DONE)
		return rc;
	const char *what = "回访不满意,已标记待复核";
	sqlite3_stmt *st = NULL;
	if (strcmp(service, SERVICE_LEGAL) == 0)
		st = db_prep(db, sql_legal_review);
	else if (strcmp(service, SERVICE_APPEAL) == 0)
		st = db_prep(db, sql_appeal_back);
	if (strcmp(service, SERVICE_LEGAL) == 0 || strcmp(service, SERVICE_APPEAL) == 0) {
		if (st == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, ref);
		db_bind_text(st, 2, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
		if (strcmp(service, SERVICE_APPEAL) == 0 &&
		    sqlite3_changes(db_handle(db)) == 1) {
			what = "回访不满意,诉求退回承办人重新办理(" APPEAL_DISPATCHED ")";
			rc = event_add(db, who, ref, APPEAL_DISPATCHED,
			    "根据您的回访意见,已交承办人重新办理", 1);
			if (rc != SQLITE_DONE)
				return rc;
		} else if (strcmp(service, SERVICE_LEGAL) == 0)
			what = "回访不满意,案件标记为复核";
	}
	return audit(db, who, AUDIT_FOLLOWUP_REOPEN, ref, what);
}

int
feedback_store_answer(struct db *db, const struct actor *who, long long id,
    const char *channel, const char *const *ans, const char *nonce)
{
	char now[32], service[32], ref[32];
	sqlite3_stmt *st = db_prep(db, sql_followup);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	int open = 0;
	if (rc == SQLITE_ROW) {
		snprintf(service, sizeof(service), "%s", db_col_text(st, 0));
		snprintf(ref, sizeof(ref), "%s", db_col_text(st, 1));
		open = strcmp(db_col_text(st, 2), FOLLOWUP_OPEN) == 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
	if (!open)
		return SQLITE_MISMATCH;
	utc_now_iso(now, sizeof(now));
	if ((st = db_prep(db, sql_answer)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, channel);
	for (int i = 0; i < FB__N; i++)
		db_bind_text(st, 3 + i, ans[i] ? ans[i] : "");
	db_bind_text(st, 8, now);
	db_bind_text(st, 9, nonce);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if (sqlite3_changes(db_handle(db)) != 1)
		return SQLITE_MISMATCH;
	struct arena *a = arena_new();
	rc = event_add(db, who, ref, EVENT_FOLLOWUP, arena_printf(a,
	    "回访(%s):总体评价 %s;办理是否及时 %s;工作人员态度 %s;结果是否解决问题 %s%s%s",
	    channel, ans[FB_OVERALL], ans[FB_TIMELY], ans[FB_ATTITUDE],
	    ans[FB_RESOLVED], ans[FB_COMMENT] && *ans[FB_COMMENT] ? ";意见:" : "",
	    ans[FB_COMMENT] ? ans[FB_COMMENT] : ""), 0);
	arena_free(a);
	if (rc == SQLITE_DONE && strcmp(ans[FB_OVERALL], SAT_BAD) == 0)
		rc = reopen(db, who, service, ref, channel, now);
	return rc;
}

/* ---- the public answer, as a job ---- */

static const char sql_by_hash[] =
    "SELECT id, status, answer_nonce,"
    "  created_at > strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '-"
    ZJ_STR(FEEDBACK_VALID_DAYS) " days')"
    " FROM followups WHERE token_hash = ?1";

/*
 * Job "feedback.answer": the answers (the form's fields) to the follow-up
 * whose token has SHA-256 "hash", through the link, from the page whose
 * form nonce is "nonce".  SQLITE_DONE when stored now, or before by this
 * very page (out "again" 1: sent twice); SQLITE_NOTFOUND when the link no
 * longer opens anything (unknown, used, or older than
 * FEEDBACK_VALID_DAYS); or the failing code.
 */
static int
answer_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *hash = job_text(in, "hash"), *nonce = job_text(in, "nonce");
	char now[32];
	if (hash == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	sqlite3_stmt *st = db_prep(db, sql_by_hash);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, hash);
	db_bind_text(st, 2, now);
	int rc = sqlite3_step(st);
	long long id = 0;
	int open = 0, again = 0, fresh = 0;
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		open = strcmp(db_col_text(st, 1), FOLLOWUP_OPEN) == 0;
		again = !open && nonce && *nonce &&
		    strcmp(db_col_text(st, 2), nonce) == 0;
		fresh = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
	if (again) {
		job_put_int(out, "again", 1);
		return SQLITE_DONE;
	}
	if (!open || !fresh)
		return SQLITE_NOTFOUND;
	const struct fresult *res = job_form(a, in, feedback_fields, FB__N);
	const char *ans[FB__N];
	for (int i = 0; i < FB__N; i++)
		ans[i] = res[i].value;
	return feedback_store_answer(db, &who, id, "链接", ans, nonce);
}

/* ---- the activity sweep ---- */

#define SWEEP_BATCH 50

/* Attended sign-ups of activities that ended (not cancelled) in the last
 * FEEDBACK_SWEEP_DAYS, never offered feedback: (ref, Shanghai end date). */
static const char sql_due_signups[] =
    "SELECT s.ref, strftime('%Y-%m-%d', a.ends_at, '+8 hours')"
    " FROM activities a JOIN signups s ON s.activity_id = a.id"
    " WHERE a.ends_at <= ?1"
    " AND a.ends_at > strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-"
    ZJ_STR(FEEDBACK_SWEEP_DAYS) " days')"
    " AND a.cancelled = 0 AND s.attended = 1 AND s.status = '" SIGNUP_CONFIRMED "'"
    " AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.ref = s.ref)"
    " ORDER BY a.ends_at, s.id LIMIT ?2";

/*
 * Job "followup.sweep": feedback_offer for up to SWEEP_BATCH due
 * sign-ups, with one audit entry of the count.  Out "offered": how many
 * (0: nothing left).
 */
static int
sweep_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	char now[32];
	const char *refs[SWEEP_BATCH], *dates[SWEEP_BATCH];
	int n = 0;
	job_actor(in, &who);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_due_signups);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, now);
	db_bind_int(st, 2, SWEEP_BATCH);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < SWEEP_BATCH) {
		refs[n] = arena_strdup(a, db_col_text(st, 0));
		dates[n] = arena_strdup(a, db_col_text(st, 1));
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rc;
	rc = SQLITE_DONE;
	for (int i = 0; i < n && rc == SQLITE_DONE; i++)
		rc = feedback_offer(db, &who, SERVICE_VOLUNTEER, refs[i], dates[i]);
	if (rc == SQLITE_DONE && n > 0)
		rc = audit(db, &who, AUDIT_FOLLOWUP_SWEEP, "",
		    arena_printf(a, "%d 份已出勤的志愿服务报名", n));
	job_put_int(out, "offered", n);
	return rc;
}

/* Batches are bounded: at most this many jobs a run (50 000 sign-ups). */
#define SWEEP_MAX_JOBS 1000

int
feedback_sweep_main(struct db *db, const struct actor *who)
{
	long long total = 0;
	for (int i = 0; i < SWEEP_MAX_JOBS; i++) {
		struct job in, out;
		job_init(&in, "followup.sweep");
		job_put_actor(&in, who);
		int rc = job_run(db, &in, &out);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "zhijia: followup: %s\n", sqlite3_errstr(rc));
			printf("已发送回访链接 %lld 份(未完成)\n", total);
			return 1;
		}
		long long n = job_int(&out, "offered", 0);
		total += n;
		if (n == 0)
			break;
	}
	printf("已发送回访链接 %lld 份\n", total);
	return 0;
}

const struct job_type feedback_jobs[] = {
	{"feedback.answer", answer_job},
	{"followup.sweep", sweep_job},
	{0},
};
