/*
 * outbox.c - the message outbox's words and its one way in, outbox_put
 * (outbox.h says what a message may hold and who may be texted).
 *
 * A template is plain text with {{name}} placeholders and nothing else of
 * Mustache: a message is not HTML (nothing is escaped) and has no
 * sections, so a tiny renderer of our own is clearer and safer than the
 * page engine — its only way to put a value in is a name the kind offers.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "outbox.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

const char *const outbox_states[] = {
	OUTBOX_WAITING, OUTBOX_EXPORTED, OUTBOX_SENT, OUTBOX_FAILED, NULL,
};

const char *const outbox_optout_words[] = {
	"TD", "T", "N", "退订", "退定", "取消", "退", "STOP", "UNSUBSCRIBE", NULL,
};

/*
 * The variables, each a value the calling job takes from the record's
 * plain, public side: never a name, an ID number, a fact or an amount.
 */
const struct msg_var msg_vars[] = {
	{"ref", "编号(入会、法律援助、报名、诉求、心愿的编号)", "RH7K2M9QXA"},
	{"title", "活动名称", "城市骑手安全骑行培训"},
	{"date", "日期(活动开始的日期)", "12月6日"},
	{"time", "时间(活动开始的时刻)", "09:30"},
	{"place", "活动地点", "铜官区总工会二楼会议室"},
	{"service", "服务名称(入会申请、法律援助……)", "法律援助"},
	{"link", "回访链接(只对本人有效)", "https://zhijia.example.org/feedback/3Fh8…"},
};
const size_t nmsg_vars = ZJ_NELEM(msg_vars);

/* The texts end with how to stop them: the reply words the platform
 * forwards to `zhijia outbox optout`. */
#define SIGN "【职工之家】"
#define STOP "回复TD退订"

const struct msg_kind msg_kinds[] = {
	{MSG_JOIN_APPROVED, "入会申请通过", "入会审核通过时", "ref",
	    SIGN "您的入会申请(编号{{ref}})已审核通过,欢迎加入工会!"
	    "会员权益和活动请留意工会通知。" STOP, 0, 0},
	{MSG_JOIN_REFUSED, "入会申请未通过", "入会审核未通过时", "ref",
	    SIGN "您的入会申请(编号{{ref}})未通过审核。原因和重新申请的办法,"
	    "请在职工之家“查询进度”中用编号和手机号查看。" STOP, 0, 0},
	{MSG_LEGAL_ACCEPTED, "法律援助已受理", "法律援助案件受理时", "ref",
	    SIGN "您的法律援助申请(编号{{ref}})已受理,工作人员会按您方便的时间"
	    "与您联系。" STOP, 0, 0},
	{MSG_LEGAL_REFUSED, "法律援助不予受理", "法律援助申请不予受理时", "ref",
	    SIGN "您的法律援助申请(编号{{ref}})未予受理。原因和可以求助的地方,"
	    "请在职工之家“查询进度”中用编号和手机号查看。" STOP, 0, 0},
	{MSG_LEGAL_ASSIGNED, "法律援助已指派", "法律援助案件指派承办人时", "ref",
	    SIGN "您的法律援助申请(编号{{ref}})已安排专人承办,承办人会尽快与您"
	    "联系。" STOP, 0, 0},
	{MSG_LEGAL_CLOSED, "法律援助已办结", "法律援助案件办结时", "ref",
	    SIGN "您的法律援助申请(编号{{ref}})已办结,办理情况请在职工之家"
	    "“查询进度”中用编号和手机号查看。" STOP, 0, 0},
	{MSG_SIGNUP_PROMOTED, "候补转为正式报名", "有人取消、候补依次递补时",
	    "ref title date time place",
	    SIGN "您报名的“{{title}}”({{date}} {{time}})有了空位,您已由候补转为"
	    "正式报名(编号{{ref}})。不能参加请用报名时的取消链接取消。" STOP, 0, 0},
	{MSG_ACTIVITY_CHANGED, "活动变更", "工作人员修改活动时间或地点时",
	    "ref title date time place",
	    SIGN "您报名的“{{title}}”有变更:{{date}} {{time}},地点:{{place}}。"
	    "不能参加请用报名时的取消链接取消。" STOP, 0, 0},
	{MSG_ACTIVITY_CANCELLED, "活动取消", "工作人员取消活动时",
	    "ref title date",
	    SIGN "很抱歉,您报名的“{{title}}”({{date}})已取消。" STOP, 0, 0},
	{MSG_ACTIVITY_REMIND, "活动前一天提醒", "活动前一天(zhijia remind)",
	    "ref title date time place",
	    SIGN "提醒:您报名的“{{title}}”明天({{date}}){{time}}开始,地点:"
	    "{{place}}。" STOP, 1, 0},
	{MSG_APPEAL_ANSWERED, "诉求已答复", "诉求答复时(本人勾选方便联系)", "ref",
	    SIGN "您提的诉求(编号{{ref}})已有答复,请在职工之家“查询进度”中用"
	    "编号和手机号查看。" STOP, 0, 0},
	{MSG_WISH_CLAIMED, "微心愿已认领", "微心愿被认领时", "ref",
	    SIGN "您的微心愿(编号{{ref}})已有人认领,工会会与您联系。" STOP, 0, 0},
	{MSG_WISH_FULFILLED, "微心愿已实现", "微心愿实现时", "ref",
	    SIGN "您的微心愿(编号{{ref}})已实现,感谢您的信任。" STOP, 0, 0},
	/* not once: each follow-up has its own link (feedback_offer makes
	 * one at a time; a 诉求 answered again after a 不满意 is asked again).
	 * Two hours later: the same change often texts its own news (诉求
	 * answered, wish fulfilled), and the person reads it before being
	 * asked how it went. */
	{MSG_FEEDBACK, "回访评价", "办结两小时后请本人评价(链接30天内有效)",
	    "ref service link",
	    SIGN "您的{{service}}(编号{{ref}})已办理完毕,请花1分钟评价我们的"
	    "服务:{{link}} 链接30天内有效。" STOP, 0, 2 * 3600},
};
const size_t nmsg_kinds = ZJ_NELEM(msg_kinds);

const struct msg_kind *
msg_kind(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < nmsg_kinds; i++)
		if (strcmp(msg_kinds[i].kind, name) == 0)
			return &msg_kinds[i];
	return NULL;
}

/* 1 when the space-separated list has the name of len bytes. */
static int
offers(const char *list, const char *name, size_t len)
{
	for (const char *p = list; *p; ) {
		size_t n = strcspn(p, " ");
		if (n == len && memcmp(p, name, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

const char *
msg_template_check(struct arena *a, const struct msg_kind *k, const char *body)
{
	size_t len = strlen(body);
	if (len == 0 || strspn(body, " \t\r\n") == len)
		return "请填写短信内容";
	if (!utf8_text_ok(body, len))
		return "短信内容含有无法识别的字符";
	if (utf8_count(body, len) > MSG_BODY_MAX)
		return arena_printf(a, "短信内容最多 %d 个字", MSG_BODY_MAX);
	for (const char *p = body; ; ) {
		const char *open = strstr(p, "{{"), *close = strstr(p, "}}");
		if (close != NULL && (open == NULL || close < open))
			return "“}}”没有对应的“{{”:变量要写成 {{ref}} 这样";
		if (open == NULL)
			break;
		const char *name = open + 2;
		const char *end = strstr(name, "}}");
		if (end == NULL)
			return "“{{”没有对应的“}}”:变量要写成 {{ref}} 这样";
		size_t n = (size_t)(end - name);
		int plain = n > 0;
		for (size_t i = 0; i < n; i++)
			if (!islower((unsigned char)name[i]) && name[i] != '_')
				plain = 0;
		if (!plain)
			return arena_printf(a, "不能使用“{{%.*s}}”:只能用下面列出的变量,"
			    "写成 {{ref}} 这样", (int)(n > 40 ? 40 : n), name);
		if (!offers(k->vars, name, n))
			return arena_printf(a, "这类短信不能使用变量 {{%.*s}}:可用的是 %s",
			    (int)n, name, k->vars);
		p = end + 2;
	}
	if (msg_has_idno(body))
		return "短信里不能有身份证号";
	return NULL;
}

const char *
msg_render(struct arena *a, const char *body, const char *const *vars)
{
	struct buf b = {0};
	const char *p = body;
	for (const char *open; (open = strstr(p, "{{")) != NULL; ) {
		const char *end = strstr(open + 2, "}}");
		if (end == NULL)
			break;
		buf_put(&b, p, (size_t)(open - p));
		size_t n = (size_t)(end - open - 2);
		for (const char *const *v = vars; v && v[0] && v[1]; v += 2)
			if (strlen(v[0]) == n && memcmp(v[0], open + 2, n) == 0) {
				buf_puts(&b, v[1]);
				break;
			}
		p = end + 2;
	}
	buf_puts(&b, p);
	char *out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

/* Where the ID-number shape starts in text, or NULL. */
static const char *
idno_at(const char *text)
{
	size_t run = 0;
	for (const char *p = text; ; p++) {
		if (isdigit((unsigned char)*p)) {
			run++;
			continue;
		}
		if (run == 18 || (run == 17 && (*p == 'X' || *p == 'x') &&
		    !isdigit((unsigned char)p[1])))
			return p - run;
		if (*p == '\0')
			return NULL;
		run = 0;
	}
}

int
msg_has_idno(const char *text)
{
	return idno_at(text) != NULL;
}

void
sms_count(const char *text, size_t *chars, size_t *segments)
{
	size_t n = utf8_count(text, strlen(text));
	*chars = n;
	*segments = n == 0 ? 0 : n <= 70 ? 1 : (n + 66) / 67;
}

/* ---- quiet hours ---- */

/* "HH:MM" at s as minutes of the day, or -1. */
static int
hhmm(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (i == 2 ? s[i] != ':' : !isdigit((unsigned char)s[i]))
			return -1;
	int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

int
outbox_quiet_parse(const char *s, int *from, int *to)
{
	if (s == NULL || strlen(s) != 11 || s[5] != '-')
		return -1;
	int f = hhmm(s), t = hhmm(s + 6);
	if (f < 0 || t < 0)
		return -1;
	*from = f;
	*to = t;
	return 0;
}

int
outbox_quiet_at(int from, int to, int m)
{
	if (from == to)
		return 0;
	return from < to ? m >= from && m < to : m >= from || m < to;
}

static const char sql_quiet[] =
    "SELECT CAST(value AS TEXT) FROM settings WHERE key = 'outbox.quiet'";

int
outbox_quiet(struct db *db, int *from, int *to)
{
	outbox_quiet_parse(OUTBOX_QUIET_DEFAULT, from, to);
	sqlite3_stmt *st = db_prep(db, sql_quiet);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		outbox_quiet_parse(db_col_text(st, 0), from, to);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- outbox_put ---- */

static const char sql_optout[] =
    "SELECT 1 FROM outbox_optouts WHERE phone = ?1";
static const char sql_had[] =
    "SELECT 1 FROM outbox WHERE ref = ?1 AND kind = ?2";
static const char sql_template[] =
    "SELECT body FROM outbox_templates WHERE kind = ?1";
static const char sql_put[] =
    "INSERT INTO outbox (kind, ref, phone, body, state, attempts, last_error,"
    " not_before, staff_id, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?10, ?9, ?8, ?8)";

/*
 * Whether the record a reference names lets us text its person: a SELECT
 * of one boolean by ref (法律援助: see OUTBOX_LEGAL_MAY_CONTACT).
 * References of other prefixes (入会, sign-ups, wishes) are the person's
 * own submission: they may be told about it.
 */
static const struct {
	const char *prefix;
	const char *sql;
} consent[] = {
	{"SQ", "SELECT may_contact FROM appeals WHERE ref = ?1"},
	{"FY", "SELECT " OUTBOX_LEGAL_MAY_CONTACT},
};

/* SQLITE_ROW when a statement says yes, SQLITE_DONE when no, else the
 * failing code. */
static int
ask(struct db *db, const char *sql, const char *a1, const char *a2)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, a1);
	if (a2 != NULL)
		db_bind_text(st, 2, a2);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
	    sqlite3_column_int(st, 0) == 0)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	return rc;
}

/* 1 when the person behind ref and phone may be texted, 0 when not, or
 * -rc when the database failed. */
static int
may_text(struct db *db, const char *ref, const char *phone)
{
	int rc = ask(db, sql_optout, phone, NULL);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return -rc;
	for (size_t i = 0; i < ZJ_NELEM(consent); i++) {
		if (strncmp(ref, consent[i].prefix, strlen(consent[i].prefix)) != 0)
			continue;
		rc = ask(db, consent[i].sql, ref, NULL);
		if (rc == SQLITE_ROW)
			return 1;
		return rc == SQLITE_DONE ? 0 : -rc;
	}
	return 1;
}

/* The kind's template: the edited one, else the default.  From a. */
static int
template_of(struct db *db, struct arena *a, const struct msg_kind *k,
    const char **body)
{
	*body = k->body;
	sqlite3_stmt *st = db_prep(db, sql_template);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, k->kind);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*body = arena_strdup(a, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
outbox_put(struct db *db, const struct actor *who, const char *kind,
    const char *ref, const char *phone, const char *const *vars)
{
	const struct msg_kind *k = msg_kind(kind);
	if (k == NULL) {
		LOG_ERR("unknown message kind %s", kind ? kind : "(null)");
		return SQLITE_MISUSE;
	}
	if (ref == NULL)
		ref = "";
	if (phone == NULL || valid_phone(phone) != NULL) {
		LOG_WARN("%s of %s: no mobile number to text", kind, ref);
		return SQLITE_DONE;
	}
	int may = may_text(db, ref, phone);
	if (may < 0)
		return -may;
	if (may == 0)
		return SQLITE_DONE;
	if (k->once && *ref) {
		int rc = ask(db, sql_had, ref, kind);
		if (rc == SQLITE_ROW)
			return SQLITE_DONE;
		if (rc != SQLITE_DONE)
			return rc;
	}

	struct arena *a = arena_new();
	const char *body;
	int rc = template_of(db, a, k, &body);
	if (rc != SQLITE_OK)
		goto out;
	const char *text = msg_render(a, body, vars);
	const char *state = OUTBOX_WAITING, *why = "";
	int attempts = 0;
	const char *id = idno_at(text);
	if (id != NULL) {
		/* never sent, never stored: the digits are masked */
		char *masked = arena_strdup(a, text);
		memset(masked + (id - text) + 3, '*', 11);
		text = masked;
		state = OUTBOX_FAILED;
		why = "内容含疑似身份证号,已拒绝发送";
		attempts = OUTBOX_MAX_ATTEMPTS;
		LOG_ERR("%s of %s: the text holds an ID number; refused", kind, ref);
	}
	char now[32], after[32];
	time_t t = time(NULL);
	utc_iso(t, now, sizeof(now));
	utc_iso(t + k->delay, after, sizeof(after));
	sqlite3_stmt *st = db_prep(db, sql_put);
	rc = SQLITE_ERROR;
	if (st == NULL)
		goto out;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, ref);
	db_bind_text(st, 3, phone);
	db_bind_text(st, 4, text);
	db_bind_text(st, 5, state);
	db_bind_int(st, 6, attempts);
	db_bind_text(st, 7, why);
	db_bind_text(st, 8, now);
	if (who != NULL && who->staff_id > 0)
		db_bind_int(st, 9, who->staff_id);
	else
		sqlite3_bind_null(st, 9);
	db_bind_text(st, 10, after);
	rc = db_exec_stmt(db, st);
out:
	arena_free(a);
	return rc;
}

void
msg_when(const char *iso, char *date, char *hm)
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0) {
		snprintf(date, 32, "%.15s", iso);
		hm[0] = '\0';
		return;
	}
	snprintf(date, 32, "%d月%d日", tm.tm_mon + 1, tm.tm_mday);
	snprintf(hm, 32, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

int
outbox_put_activity(struct db *db, const struct actor *who, const char *kind,
    const char *ref, const char *phone, const char *title,
    const char *starts_at, const char *place)
{
	char date[32], hm[32];
	msg_when(starts_at, date, hm);
	const char *vars[] = {"ref", ref, "title", title, "date", date,
	    "time", hm, "place", place, NULL};
	return outbox_put(db, who, kind, ref, phone, vars);
}

/* ---- the settings' jobs ---- */

/* Inside a job: is who an admin (or the command line, staff id 0)?
 * SQLITE_OK, SQLITE_AUTH, or the failing code. */
static int
may_admin(struct db *db, const struct actor *who)
{
	static const char sql[] =
	    "SELECT role = '" ROLE_NAME_ADMIN "' AND disabled = 0 AND ?2 = 0"
	    " FROM staff WHERE id = ?1";
	if (who->staff_id == 0)
		return SQLITE_OK;
	return store_staff_may(db, who, sql, 0);
}

static const char sql_template_put[] =
    "INSERT INTO outbox_templates (kind, body, staff_id, updated_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind) DO UPDATE"
    " SET body = excluded.body, staff_id = excluded.staff_id,"
    " updated_at = excluded.updated_at";
static const char sql_template_drop[] =
    "DELETE FROM outbox_templates WHERE kind = ?1";

/*
 * Job "outbox.template": kind "kind" gets the text "body" (checked again
 * here), or its default back when "body" is "" — by an admin, audited.
 * Out: "error" when the text was refused (nothing changed).  SQLITE_AUTH
 * when who is no admin.
 */
static int
template_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char now[32];
	const struct msg_kind *k = msg_kind(job_text(in, "kind"));
	const char *body = job_text(in, "body");
	if (k == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = may_admin(db, &who);
	if (rc != SQLITE_OK)
		return rc;
	const char *bad = body && *body ? msg_template_check(a, k, body) : NULL;
	if (bad != NULL) {
		job_put_text(out, "error", bad);
		return SQLITE_DONE;
	}
	sqlite3_stmt *st = db_prep(db, body && *body ? sql_template_put :
	    sql_template_drop);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, k->kind);
	if (body && *body) {
		db_bind_text(st, 2, body);
		if (who.staff_id > 0)
			db_bind_int(st, 3, who.staff_id);
		db_bind_text(st, 4, now);
	}
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_MSG_TEMPLATE, k->kind,
	    body && *body ? body : "恢复默认内容");
}

static const char sql_quiet_put[] =
    "INSERT OR REPLACE INTO settings (key, value)"
    " VALUES ('outbox.quiet', CAST(?1 AS BLOB))";

/* Job "outbox.quiet": the quiet hours "quiet" ("HH:MM-HH:MM"), by an
 * admin, audited.  SQLITE_MISUSE when it is no such text. */
static int
quiet_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	int from, to;
	const char *quiet = job_text(in, "quiet");
	(void)a, (void)out;
	if (outbox_quiet_parse(quiet, &from, &to) != 0)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	int rc = may_admin(db, &who);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_stmt *st = db_prep(db, sql_quiet_put);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, quiet);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	return audit(db, &who, AUDIT_MSG_QUIET, "outbox.quiet",
	    from == to ? "不设免打扰时段" : quiet);
}

static const char sql_optout_put[] =
    "INSERT INTO outbox_optouts (phone, source, note, staff_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (phone) DO NOTHING";
static const char sql_optout_drop_waiting[] =
    "UPDATE outbox SET state = '" OUTBOX_FAILED "', last_error = '已退订',"
    " updated_at = ?2 WHERE phone = ?1 AND state = '" OUTBOX_WAITING "'";
static const char sql_optin[] =
    "DELETE FROM outbox_optouts WHERE phone = ?1";

/*
 * Job "outbox.optout": phone "phone" (a valid mobile number) wants no
 * more texts — recorded with "source" and "note"; its messages still
 * waiting become 失败 "已退订" (an exported batch is out of our hands);
 * audited with the phone masked.  "optin" 1: the opposite (the person
 * asked to be texted again).  Out: "changed" 0 when it was so already,
 * "dropped" the messages no longer sent.
 */
static int
optout_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char now[32], masked[16];
	const char *phone = job_text(in, "phone");
	int optin = job_int(in, "optin", 0) != 0;
	(void)a;
	if (phone == NULL || valid_phone(phone) != NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, optin ? sql_optin : sql_optout_put);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, phone);
	if (!optin) {
		const char *source = job_text(in, "source");
		db_bind_text(st, 2, source ? source : "staff");
		db_bind_text(st, 3, job_text(in, "note") ? job_text(in, "note") : "");
		if (who.staff_id > 0)
			db_bind_int(st, 4, who.staff_id);
		db_bind_text(st, 5, now);
	}
	int rc = db_exec_stmt(db, st);
	if (rc != SQLITE_DONE)
		return rc;
	int changed = sqlite3_changes(db_handle(db));
	job_put_int(out, "changed", changed);
	if (!changed)
		return SQLITE_DONE;
	int dropped = 0;
	if (!optin) {
		if ((st = db_prep(db, sql_optout_drop_waiting)) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, phone);
		db_bind_text(st, 2, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
		dropped = sqlite3_changes(db_handle(db));
	}
	job_put_int(out, "dropped", dropped);
	mask_phone(phone, masked);
	return audit(db, &who, optin ? AUDIT_MSG_OPTIN : AUDIT_MSG_OPTOUT, masked,
	    optin ? "恢复接收" : arena_printf(a, "%s%s%s;%d 条待发送短信不再发送",
	    job_text(in, "source") ? job_text(in, "source") : "staff",
	    job_text(in, "note") && *job_text(in, "note") ? ":" : "",
	    job_text(in, "note") ? job_text(in, "note") : "", dropped));
}

const char *
outbox_optout_phone(const char *s, char out[16])
{
	/* what a platform sends: "+86 138 0013 8000", "8613800138000" */
	size_t n = 0;
	for (const char *p = s; *p && n < 15; p++)
		if (isdigit((unsigned char)*p))
			out[n++] = *p;
		else if (*p != ' ' && *p != '-' && !(*p == '+' && p == s))
			return NULL;
	out[n] = '\0';
	if (n == 13 && strncmp(out, "86", 2) == 0)
		memmove(out, out + 2, 12);
	return valid_phone(out) == NULL ? out : NULL;
}

int
outbox_optout_word(const char *reply)
{
	size_t len = strlen(reply);
	while (len && isspace((unsigned char)reply[len - 1]))
		len--;
	while (len && isspace((unsigned char)*reply))
		reply++, len--;
	for (const char *const *w = outbox_optout_words; *w; w++)
		if (strlen(*w) == len && strncasecmp(*w, reply, len) == 0)
			return 1;
	return 0;
}

const struct job_type outbox_jobs[] = {
	{"outbox.template", template_job},
	{"outbox.quiet", quiet_job},
	{"outbox.optout", optout_job},
	{NULL, NULL},
};
