/*
 * page-staff-wish-steps.c - the workflow of a 微心愿 on the staff desk: the
 * step table, the forms of its steps, their part of the wish's page, the
 * POST handler and its job (the route is in page-staff-wishes.c's table).
 *
 *   POST /staff/wishes/{ref}/{step}   publish, reject, claim, release,
 *                                     fulfil, hardship, note
 *
 * The workflow: 待审核 → 已发布 (published_at; on the wall when the maker
 * agreed) → 已认领 (by a member of staff — 我来认领 — or a union, a
 * company or a person staff enter) → 已实现 (the date, and how: the maker
 * reads it at /status); or 未通过 with a reason (shown at /status), from
 * 待审核 or an unclaimed 已发布.  A claimer who cannot follow through is
 * released (已认领 → 已发布, the reason kept internal) and the wish waits
 * for another.  疑似困难职工 marks a wish for staff follow-up, at any
 * state; notes too.  Both are internal events.
 *
 * Each step runs as one job ("wish.step"): the wish, its district (the
 * person's wall) and its state are read again inside the writer's
 * transaction, and the UPDATE itself is conditional on the state it
 * starts from; the row, the event and the audit entry are written
 * together.  So of any number of claims sent at once exactly one wins,
 * and the others are told who did.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "page-staff-wishes.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

/* ---- SQL ---- */

static const char sql_state[] =
    "SELECT id, status, district_id, public_ok, claimer_kind, claimer_name,"
    " hardship, phone FROM wishes WHERE ref = ?1";
static const char sql_staff_name[] =
    "SELECT CASE WHEN display_name <> '' THEN display_name ELSE username END"
    " FROM staff WHERE id = ?1";

/* Each step's UPDATE, conditional on the state it starts from (:from, or
 * written out), with named parameters (step_bind). */
static const char sql_publish[] =
    "UPDATE wishes SET status = :to, published_at = :at, updated_at = :at"
    " WHERE id = :id AND status = :from";
static const char sql_reject[] =
    "UPDATE wishes SET status = :to, reason = :reason, updated_at = :at"
    " WHERE id = :id AND status = :from";
/* One claim wins: only a wish still 已发布 is claimed. */
static const char sql_claim[] =
    "UPDATE wishes SET status = '" WISH_CLAIMED "', claimer_kind = :kind,"
    " claimer_name = :name, claimer_staff_id = :staff, claimed_at = :at,"
    " updated_at = :at WHERE id = :id AND status = '" WISH_PUBLISHED "'";
static const char sql_release[] =
    "UPDATE wishes SET status = :to, claimer_kind = '', claimer_name = '',"
    " claimer_staff_id = NULL, claimed_at = NULL, updated_at = :at"
    " WHERE id = :id AND status = :from";
static const char sql_fulfil[] =
    "UPDATE wishes SET status = :to, fulfilled_on = :on, fulfilled_how = :how,"
    " updated_at = :at WHERE id = :id AND status = :from";
static const char sql_hardship[] =
    "UPDATE wishes SET hardship = :mark, updated_at = :at"
    " WHERE id = :id AND hardship <> :mark";

/* ---- the forms of the steps ---- */

enum { R_REASON, R__N };
static const struct field reject_fields[R__N] = {
	[R_REASON] = {"reason", "未通过原因", F_TEXTAREA, 1, 2, 500, NULL,
	    "许愿人在进度查询中可以看到,请写清楚原因,以及可以去哪里求助", NULL},
};

enum { C_KIND, C_NAME, C__N };
static const struct field claim_fields[C__N] = {
	[C_KIND] = {"claimer_kind", "认领方", F_RADIO, 1, 0, 0, wish_claimer_kinds,
	    "选“" WISH_BY_STAFF "”即由您本人认领", NULL},
	[C_NAME] = {"claimer_name", "认领方名称", F_TEXT, 0, 0, 100, NULL,
	    "工会或企业的名称、个人的姓名;心愿墙上显示工会和企业的名称,"
	    "不显示个人和工作人员的姓名", NULL},
};

enum { L_REASON, L__N };
static const struct field release_fields[L__N] = {
	[L_REASON] = {"release_reason", "撤销原因", F_TEXTAREA, 1, 2, 500, NULL,
	    "内部记录,许愿人看不到。撤销后心愿重新等待认领", NULL},
};

enum { F_ON, F_HOW, F__N };
static const struct field fulfil_fields[F__N] = {
	[F_ON] = {"fulfilled_on", "实现日期", F_TEXT, 1, 0, 10, NULL, NULL,
	    "2026-05-01"},
	[F_HOW] = {"fulfilled_how", "实现情况", F_TEXTAREA, 1, 2, 500, NULL,
	    "许愿人在进度查询中可以看到,例如:已将新书包送到孩子手中", NULL},
};

enum { H_MARK, H__N };
static const char *const marks[] = {"1", "0", NULL};
static const struct field hardship_fields[H__N] = {
	[H_MARK] = {"mark", "疑似困难职工", F_SELECT, 1, 0, 0, marks, NULL, NULL},
};

enum { N_NOTE, N__N };
static const struct field note_fields[N__N] = {
	[N_NOTE] = {"note", "备注", F_TEXTAREA, 1, 1, 2000, NULL,
	    "内部备注,只有工作人员可以看到", NULL},
};

/* ---- the workflow ---- */

/* What a step changes, as the page checked it. */
struct change {
	const char *reason;       /* 未通过原因, or 撤销原因 (audit only) */
	const char *kind, *name;  /* the claimer */
	const char *on, *how;     /* 实现日期, 实现情况 */
	int mark;                 /* hardship: 1 mark, 0 unmark */
	const char *note;         /* a note's text */
};

struct step;
typedef int (*check_fn)(struct req *r, const struct wrec *w,
    struct fresult *res, struct change *ch);

struct step {
	const char *name;         /* the URL's last segment */
	const char *action;       /* its audit entry's */
	const char *verb;         /* what it does, for messages */
	const char *from[2];      /* states it starts from; none listed: any */
	const char *to;           /* the state it leads to; NULL: none */
	const char *sql;          /* its UPDATE; NULL: none (a note) */
	check_fn check;
	const char *done;         /* the notice after it */
	const char *message;      /* the text the person gets (MSG_*), or NULL */
};

static int
check_nothing(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)r, (void)w, (void)res, (void)ch;
	return 0;
}

static int
check_reject(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)w;
	int errors = form_check(r, reject_fields, R__N, res);
	ch->reason = res[R_REASON].value;
	return errors;
}

static int
check_claim(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)w;
	int errors = form_check(r, claim_fields, C__N, res);
	ch->kind = res[C_KIND].value;
	ch->name = res[C_NAME].value;
	if (!res[C_KIND].error && strcmp(ch->kind, WISH_BY_STAFF) == 0)
		ch->name = "";    /* the job writes the member's own name */
	else if (!res[C_KIND].error && !res[C_NAME].error && *ch->name == '\0') {
		res[C_NAME].error = "请填写认领方名称(工会、企业的名称或个人的姓名)";
		errors++;
	}
	return errors;
}

static int
check_release(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)w;
	int errors = form_check(r, release_fields, L__N, res);
	ch->reason = res[L_REASON].value;
	return errors;
}

/* YYYYMMDD of a date typed as "2026-05-01", or 0 when it is not a real
 * date. */
static long
ymd(const char *s)
{
	struct tm tm = {0};
	char *end;
	if (strlen(s) != 10 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
	    *end != '\0')
		return 0;
	struct tm back = tm;
	time_t t = timegm(&back);
	gmtime_r(&t, &back);
	if (back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
		return 0;   /* 2026-02-30 */
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* YYYYMMDD of a stored UTC time, in Shanghai; 0 when unparsable. */
static long
ymd_of(const char *iso)
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0)
		return 0;
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int
check_fulfil(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	int errors = form_check(r, fulfil_fields, F__N, res);
	const char *on = res[F_ON].value;
	long day = *on ? ymd(on) : 0;
	if (!res[F_ON].error && *on) {
		const char *why = NULL;
		if (day == 0)
			why = "实现日期格式应为 2026-05-01";
		else if (day > today_shanghai())
			why = "实现日期不能晚于今天";
		else if (day < ymd_of(w->created))
			why = "实现日期不能早于许愿的日期";
		if (why) {
			res[F_ON].error = why;
			errors++;
		}
	}
	ch->on = on;
	ch->how = res[F_HOW].value;
	return errors;
}

static int
check_hardship(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)w;
	int errors = form_check(r, hardship_fields, H__N, res);
	ch->mark = strcmp(res[H_MARK].value, "1") == 0;
	return errors;
}

static int
check_note(struct req *r, const struct wrec *w, struct fresult *res,
    struct change *ch)
{
	(void)w;
	int errors = form_check(r, note_fields, N__N, res);
	ch->note = res[N_NOTE].value;
	return errors;
}

static const struct step steps[] = {
	{"publish", AUDIT_WISH_PUBLISH, "发布", {WISH_PENDING}, WISH_PUBLISHED,
	    sql_publish, check_nothing, "心愿已发布", NULL},
	{"reject", AUDIT_WISH_REJECT, "设为未通过", {WISH_PENDING, WISH_PUBLISHED},
	    WISH_REFUSED, sql_reject, check_reject, "已记为" WISH_REFUSED, NULL},
	{"claim", AUDIT_WISH_CLAIM, "认领", {WISH_PUBLISHED}, WISH_CLAIMED,
	    sql_claim, check_claim, "认领成功", MSG_WISH_CLAIMED},
	{"release", AUDIT_WISH_RELEASE, "撤销认领", {WISH_CLAIMED}, WISH_PUBLISHED,
	    sql_release, check_release, "已撤销认领,心愿重新等待认领", NULL},
	{"fulfil", AUDIT_WISH_FULFIL, "登记实现", {WISH_CLAIMED}, WISH_DONE,
	    sql_fulfil, check_fulfil, "已登记为" WISH_DONE, MSG_WISH_FULFILLED},
	{"hardship", AUDIT_WISH_HARDSHIP, "标记", {NULL}, NULL, sql_hardship,
	    check_hardship, "疑似困难职工标记已更新", NULL},
	{"note", AUDIT_WISH_NOTE, "添加备注", {NULL}, NULL, NULL, check_note,
	    "备注已添加", NULL},
};

static const struct step *
step_named(const char *name)
{
	for (size_t i = 0; name && i < ZJ_NELEM(steps); i++)
		if (strcmp(steps[i].name, name) == 0)
			return &steps[i];
	return NULL;
}

static int
allowed(const struct step *s, const char *status)
{
	if (s->from[0] == NULL)
		return 1;
	for (size_t i = 0; i < ZJ_NELEM(s->from) && s->from[i]; i++)
		if (strcmp(s->from[i], status) == 0)
			return 1;
	return 0;
}

/*
 * A date field's value for <input type="date">, "date_value" in its view:
 * what was typed when it is a real date, else "" (the control cannot hold
 * anything else; the message beside it says what was wrong).
 */
static void
date_value(struct req *r, struct tval *form, const char *name)
{
	struct tval *f = tv_get(form, name);
	const struct tval *v = f ? tv_get(f, "value") : NULL;
	const char *typed = v && v->kind == TV_STR ? v->str : "";
	if (f)
		tv_puts(r->a, f, "date_value", ymd(typed) ? typed : "");
}

void
wish_workflow_view(struct req *r, struct tval *ctx, const struct wrec *w,
    const char *failed, const struct fresult *res, int notice)
{
	struct arena *a = r->a;
	const char *which = failed ? failed : "";
	for (size_t i = 0; i < ZJ_NELEM(steps); i++)
		tv_putb(a, ctx, arena_printf(a, "can_%s", steps[i].name),
		    allowed(&steps[i], w->status));
	static const struct {
		const char *name;
		const struct field *fields;
		size_t n;
	} forms[] = {
		{"reject", reject_fields, R__N},
		{"claim", claim_fields, C__N},
		{"release", release_fields, L__N},
		{"fulfil", fulfil_fields, F__N},
		{"note", note_fields, N__N},
	};
	struct tval *fv = tv_map(a);
	for (size_t i = 0; i < ZJ_NELEM(forms); i++) {
		int mine = strcmp(which, forms[i].name) == 0;
		struct tval *v = form_view(r, forms[i].fields, forms[i].n,
		    mine ? res : NULL);
		tv_put(a, fv, forms[i].name, v);
		if (forms[i].fields == fulfil_fields)
			date_value(r, v, "fulfilled_on");
		if (mine && res)
			tv_put(a, ctx, "f", v);
	}
	tv_put(a, ctx, "forms", fv);
	const struct step *done = step_named(req_query(r, "done"));
	if (done && notice)
		tv_puts(a, ctx, "notice", done->done);
}

/* ---- the job ---- */

/* What wish_apply makes: a step on a wish, as checked by the page. */
struct apply_input {
	const char *ref;
	const struct step *step;
	const struct change *ch;
	/* out: what the wish was inside the transaction */
	const char *now;          /* its status */
	const char *claimer;      /* who had claimed it ("企业:某某公司"), or "" */
};

/* Bind st's named parameters that it has; the rest are not its. */
static void
bind_named(sqlite3_stmt *st, const char *name, const char *text, long long num,
    int is_text)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i <= 0)
		return;
	if (is_text)
		db_bind_text(st, i, text);
	else
		db_bind_int(st, i, num);
}

/* The member of staff's name as a claimer ("" when none: refused). */
static int
staff_name(struct db *db, struct arena *a, long long id, const char **name)
{
	sqlite3_stmt *st = db_prep(db, sql_staff_name);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*name = arena_strdup(a, db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_AUTH : rc;
}

/* The public's words for a claimer (the wall's, page-wish.c). */
static const char *
claimer_public(const char *kind, const char *name)
{
	if (strcmp(kind, WISH_BY_UNION) == 0 || strcmp(kind, WISH_BY_FIRM) == 0)
		return name;
	return strcmp(kind, WISH_BY_STAFF) == 0 ? "工会工作人员" : "爱心人士";
}

/*
 * The event of a step: its status word, what the maker reads (public) or
 * staff do (internal), and the audit entry's detail.
 */
static void
describe(struct arena *a, const struct apply_input *in, int public_ok,
    const char *kind, const char *name, const char **status, const char **note,
    int *public, const char **detail)
{
	const struct change *ch = in->ch;
	const char *s = in->step->name;
	*status = in->step->to ? in->step->to : in->now;
	*public = in->step->to != NULL;
	*detail = "";
	if (strcmp(s, "publish") == 0) {
		*note = public_ok ? "心愿已发布在心愿墙上(不显示您的姓名和手机号),等待认领" :
		    "心愿已发布,等待认领(您没有同意公开,心愿墙上不显示)";
		*detail = public_ok ? "上心愿墙" : "本人未同意公开,不上心愿墙";
	} else if (strcmp(s, "reject") == 0) {
		*note = *detail = ch->reason;
	} else if (strcmp(s, "claim") == 0) {
		*note = arena_printf(a, "心愿已由%s认领,工会将与您联系,帮您实现",
		    claimer_public(kind, name));
		*detail = arena_printf(a, "认领方 %s:%s", kind, name);
	} else if (strcmp(s, "release") == 0) {
		*note = "原认领方未能实现这个心愿,心愿重新等待认领";
		*detail = arena_printf(a, "撤销 %s:原因 %s", in->claimer, ch->reason);
	} else if (strcmp(s, "fulfil") == 0) {
		*note = arena_printf(a, "心愿已于 %s 实现:%s", ch->on, ch->how);
		*detail = arena_printf(a, "%s:%s", ch->on, ch->how);
	} else if (strcmp(s, "hardship") == 0) {
		*status = EVENT_HARDSHIP;
		*note = *detail = ch->mark ? "标记为疑似困难职工,请跟进帮扶" :
		    "取消疑似困难职工标记";
	} else {
		*status = EVENT_NOTE;
		*note = *detail = ch->note;
	}
}

/*
 * store_fn: make the step.  The wish, its district (who's wall) and its
 * state are read again inside the transaction and the UPDATE is
 * conditional on that state; then the event, the person's text (the
 * step's message: claimed, fulfilled) and the audit entry.
 * Returns SQLITE_DONE (also for a hardship mark that was already so:
 * nothing to write); SQLITE_MISMATCH when the state no longer allows the
 * step (in->now and in->claimer set), SQLITE_AUTH when there is no such
 * wish in who's district (nothing changed in either); or the failing code.
 */
static int
wish_apply(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct apply_input *in = arg;
	const struct change *ch = in->ch;
	const struct step *s = in->step;
	char at[32];
	utc_now_iso(at, sizeof(at));
	sqlite3_stmt *st = db_prep(db, sql_state);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->ref);
	int rc = sqlite3_step(st);
	long long id = 0, district_id = 0;
	int public_ok = 0;
	const char *phone = "";
	if (rc == SQLITE_ROW) {
		phone = arena_strdup(a, db_col_text(st, 7));
		id = sqlite3_column_int64(st, 0);
		in->now = arena_strdup(a, db_col_text(st, 1));
		district_id = sqlite3_column_int64(st, 2);
		public_ok = sqlite3_column_int(st, 3);
		if (*db_col_text(st, 4))
			in->claimer = arena_printf(a, "%s:%s", db_col_text(st, 4),
			    db_col_text(st, 5));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	if ((rc = store_district_wall(db, who, district_id)) != SQLITE_OK)
		return rc;
	if (!allowed(s, in->now))
		return SQLITE_MISMATCH;
	const char *kind = ch->kind ? ch->kind : "", *name = ch->name ? ch->name : "";
	int by_staff = strcmp(s->name, "claim") == 0 && strcmp(kind, WISH_BY_STAFF) == 0;
	if (by_staff && (rc = staff_name(db, a, who->staff_id, &name)) != SQLITE_OK)
		return rc;
	if (s->sql) {
		if ((st = db_prep(db, s->sql)) == NULL)
			return SQLITE_ERROR;
		bind_named(st, ":id", NULL, id, 0);
		bind_named(st, ":from", in->now, 0, 1);
		bind_named(st, ":to", s->to, 0, 1);
		bind_named(st, ":at", at, 0, 1);
		bind_named(st, ":reason", ch->reason, 0, 1);
		bind_named(st, ":kind", kind, 0, 1);
		bind_named(st, ":name", name, 0, 1);
		if (by_staff)
			bind_named(st, ":staff", NULL, who->staff_id, 0);
		bind_named(st, ":on", ch->on, 0, 1);
		bind_named(st, ":how", ch->how, 0, 1);
		bind_named(st, ":mark", NULL, ch->mark, 0);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
		if (sqlite3_changes(db_handle(db)) == 0)
			/* the hardship mark already so; any other step: the
			 * state moved under us (cannot, the writer is one, but
			 * the UPDATE's condition is what guarantees it) */
			return strcmp(s->name, "hardship") == 0 ? SQLITE_DONE :
			    SQLITE_MISMATCH;
	}
	const char *status, *note, *detail;
	int public;
	describe(a, in, public_ok, kind, name, &status, &note, &public, &detail);
	if ((rc = event_add(db, who, in->ref, status, note, public)) != SQLITE_DONE)
		return rc;
	if (s->message) {
		/* only the reference: never who claimed it or how it came true */
		const char *vars[] = {"ref", in->ref, NULL};
		if ((rc = outbox_put(db, who, s->message, in->ref, phone, vars)) !=
		    SQLITE_DONE)
			return rc;
	}
	if (s->to)
		detail = arena_printf(a, "%s → %s%s%s", in->now, s->to, *detail ? ":" : "",
		    detail);
	return audit(db, who, s->action, in->ref, detail);
}

/*
 * Job "wish.step": wish_apply of the step named "step" on wish "ref",
 * the change as the page checked it ("reason", "kind", "name", "on",
 * "how", "mark", "note"), by the job's actor; a fulfilment also offers
 * the 回访 (feedback_offer).  Out: "now", the state it
 * found, and "claimer", who had claimed the wish.
 */
static int
wish_step_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	const struct step *s = step_named(job_text(in, "step"));
	const char *ref = job_text(in, "ref");
	if (s == NULL || ref == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	struct change ch = {
		.reason = job_text(in, "reason"),
		.kind = job_text(in, "kind"), .name = job_text(in, "name"),
		.on = job_text(in, "on"), .how = job_text(in, "how"),
		.mark = (int)job_int(in, "mark", 0),
		.note = job_text(in, "note"),
	};
	struct apply_input ai = {.ref = ref, .step = s, .ch = &ch, .now = "", .claimer = ""};
	int rc = wish_apply(db, &who, a, &ai);
	/* 回访: a fulfilled wish asks its maker how it went, in this same
	 * transaction, dated the day it came true. */
	if (rc == SQLITE_DONE && strcmp(s->name, "fulfil") == 0)
		rc = feedback_offer(db, &who, SERVICE_WISH, ref, ch.on);
	job_put_text(out, "now", ai.now);
	job_put_text(out, "claimer", ai.claimer);
	return rc;
}

const struct job_type page_staff_wish_steps_jobs[] = {
	{"wish.step", wish_step_job},
	{0},
};

/* ---- the handler ---- */

/* Why the step was refused: the wish is "status" now (claimed by
 * claimer, when it is). */
static const char *
refusal(struct req *r, const struct step *s, const char *status,
    const char *claimer)
{
	if (strcmp(s->name, "claim") == 0 && *claimer)
		return arena_printf(r->a, "这个心愿已被认领(认领方:%s),"
		    "您的认领没有记录。请看下方的最新状态。", claimer);
	return arena_printf(r->a, "这个心愿现在是“%s”状态,不能%s,什么也没有改变。"
	    "可能其他工作人员刚刚处理过,请看下方的最新状态。", status, s->verb);
}

static const char *
claimer_of(struct req *r, const struct wrec *w)
{
	return *w->claimer_kind ? arena_printf(r->a, "%s:%s", w->claimer_kind,
	    w->claimer_name) : "";
}

void
wish_step(struct req *r)
{
	struct wrec w;
	struct fresult res[2];   /* room for any step's form */
	struct change ch = {0};
	const struct step *s = step_named(r->params[1]);
	if (s == NULL || !wish_load(r, r->params[0], &w)) {
		resp_error(r, 404, NULL);
		return;
	}
	if (!allowed(s, w.status)) {
		wish_show(r, 409, &w, NULL, NULL, refusal(r, s, w.status,
		    claimer_of(r, &w)));
		return;
	}
	memset(res, 0, sizeof(res));
	if (s->check(r, &w, res, &ch) > 0) {
		wish_show(r, 422, &w, s->name, res, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "wish.step");
	job_put_text(&in, "step", s->name);
	job_put_text(&in, "ref", w.ref);
	job_put_text(&in, "reason", ch.reason);
	job_put_text(&in, "kind", ch.kind);
	job_put_text(&in, "name", ch.name);
	job_put_text(&in, "on", ch.on);
	job_put_text(&in, "how", ch.how);
	job_put_int(&in, "mark", ch.mark);
	job_put_text(&in, "note", ch.note);
	int rc = store_job(r, &in, &out);
	if (rc == SQLITE_MISMATCH) {
		const char *now = job_text(&out, "now");
		const char *claimer = job_text(&out, "claimer");
		if (!wish_load(r, w.ref, &w))
			resp_error(r, 404, NULL);
		else
			wish_show(r, 409, &w, NULL, NULL, refusal(r, s, now ? now : w.status,
			    claimer ? claimer : claimer_of(r, &w)));
		return;
	}
	store_answer(r, rc, arena_printf(r->a, "/staff/wishes/%s?done=%s", w.ref,
	    s->name));
}
