/*
 * page-staff-join-record.c - 入会审核: one application's page on the staff
 * desk and its workflow (the routes are in page-staff-joins.c's table).
 *
 *   GET  /staff/joins/{ref}            one application, full ID number (audited)
 *   POST /staff/joins/{ref}/approve    待审核 → 已通过, assigns the 会员编号
 *   POST /staff/joins/{ref}/reject     待审核 → 未通过 with a reason
 *   POST /staff/joins/{ref}/note       an internal note (not shown at /status)
 *
 * Admins and reviewers; a reviewer bound to a district sees only its
 * applications (another district's record answers 404).
 *
 * 会员编号: district code, year of approval (Shanghai), a sequence per
 * district and year from member_seq taken in the approving job:
 * 110105-2026-000123.
 */
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "feedback.h"
#include "http.h"
#include "outbox.h"
#include "pubform.h"
#include "page-staff-joins.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"
#include "workday.h"
#include "queue.h"

enum { R_REASON, R__N };
static const struct field reject_fields[R__N] = {
	[R_REASON] = {"reason", "未通过原因", F_TEXTAREA, 1, 1, 500, NULL,
	    "申请人查询进度时会看到这段话:请写明原因,以及怎样重新申请", NULL},
};
enum { N_NOTE, N__N };
static const struct field note_fields[N__N] = {
	[N_NOTE] = {"note", "内部备注", F_TEXTAREA, 1, 1, 1000, NULL,
	    "只有工作人员能看到,不会显示给申请人", NULL},
};

static const char sql_record[] =
    "SELECT j.id, j.ref, j.district_id, j.status, coalesce(j.member_no, ''),"
    "  coalesce(d.code, ''), j.id_number, j.phone, j.name, j.gender,"
    "  j.ethnicity, j.education, j.employment, j.occupation, j.employer,"
    "  coalesce(d.name, ''), j.address, j.prev_union, j.reason,"
    "  coalesce(s.name, ''), coalesce(s.code, ''), j.was_member,"
    "  j.created_at, j.updated_at, coalesce(j.due_on, ''),"
    "  coalesce(j.decided_at, '')"
    " FROM join_applications j"
    " LEFT JOIN districts d ON d.id = j.district_id"
    " LEFT JOIN stations s ON s.id = j.station_id WHERE j.ref = ?1";
static const char sql_dups[] =
    "SELECT x.ref, x.name, x.status, x.district_id, coalesce(d.name, ''),"
    "  x.created_at, x.id_number = ?2, x.phone = ?3 AND x.name = ?4"
    " FROM join_applications x LEFT JOIN districts d ON d.id = x.district_id"
    " WHERE x.id IN (SELECT id FROM join_applications WHERE id_number = ?2"
    "   UNION SELECT id FROM join_applications WHERE phone = ?3 AND name = ?4)"
    " AND x.id <> ?1 ORDER BY x.id DESC LIMIT 20";  /* the newest 20 */
static const char sql_next_seq[] =
    "INSERT INTO member_seq (district_id, year, last) VALUES (?1, ?2, 1)"
    " ON CONFLICT (district_id, year) DO UPDATE SET last = last + 1"
    " RETURNING last";
static const char sql_decide_load[] =
    "SELECT j.id, j.district_id, coalesce(d.code, ''), j.phone"
    " FROM join_applications j LEFT JOIN districts d ON d.id = j.district_id"
    " WHERE j.ref = ?1";
/* Never two members with one ID number: another approved application of
 * it leaves this one 待审核 (refuse_state says why). */
static const char sql_approve[] =
    "UPDATE join_applications SET status = '" JOIN_APPROVED "', member_no = ?2,"
    " reason = '', updated_at = ?3, decided_at = ?3"
    " WHERE id = ?1 AND status = '" JOIN_PENDING "'"
    " AND NOT EXISTS (SELECT 1 FROM join_applications x"
    "  WHERE x.id_number = join_applications.id_number"
    "  AND x.status = '" JOIN_APPROVED "')";
static const char sql_reject[] =
    "UPDATE join_applications SET status = '" JOIN_REJECTED "', reason = ?2,"
    " updated_at = ?3, decided_at = ?3 WHERE id = ?1 AND status = '" JOIN_PENDING "'";

/* One application as its page and its actions need it. */
struct jrec {
	long long id, district_id;
	const char *ref, *status, *member_no, *district_code;
	const char *id_number, *phone, *name;
	struct tval *view;
};

/* Columns of sql_record shown as they are, from column 8 on. */
static const char *const record_keys[] = {
	"name", "gender", "ethnicity", "education", "employment", "occupation",
	"employer", "district", "address", "prev_union", "reason", "station",
	"station_code",
};

/* ---- one application ---- */

/*
 * Load the application of r's {ref} into j.  Returns 0; or -1 after
 * answering 404 (no such reference, or outside the person's district) or
 * 500.
 */
static int
load(struct req *r, struct jrec *j)
{
	struct arena *a = r->a;
	const char *ref = r->params[0];
	sqlite3_stmt *st = staff_record(r, sql_record, ref, "RH");
	if (st == NULL)
		return -1;
	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	j->ref = arena_strdup(a, db_col_text(st, 1));
	j->district_id = sqlite3_column_int64(st, 2);
	j->status = arena_strdup(a, db_col_text(st, 3));
	j->member_no = arena_strdup(a, db_col_text(st, 4));
	j->district_code = arena_strdup(a, db_col_text(st, 5));
	j->id_number = arena_strdup(a, db_col_text(st, 6));
	j->phone = arena_strdup(a, db_col_text(st, 7));
	j->name = arena_strdup(a, db_col_text(st, 8));
	j->view = tv_map(a);
	for (size_t i = 0; i < ZJ_NELEM(record_keys); i++)
		tv_puts(a, j->view, record_keys[i], db_col_text(st, 8 + (int)i));
	tv_puts(a, j->view, "was_member", sqlite3_column_int(st, 21) ? "是" : "否");
	tv_puts(a, j->view, "created", show_datetime(a, db_col_text(st, 22)));
	tv_puts(a, j->view, "updated", show_datetime(a, db_col_text(st, 23)));
	struct queue_filter qf = {.cal = workday_calendar(r->app->db),
	    .day = day_today()};
	join_due_view(a, &qf, j->view, j->status, db_col_text(st, 24),
	    db_col_text(st, 25));
	long due;
	if (day_parse(db_col_text(st, 24), &due) == 0)
		tv_puts(a, j->view, "due_on", day_show(a, due));
	sqlite3_reset(st);
	return 0;
}

/* Other applications with the same ID number, or the same phone and name:
 * those of the person's districts listed, the others only counted into
 * *elsewhere (the district wall: not even their names cross it). */
static struct tval *
duplicates(struct req *r, const struct jrec *j, long long *elsewhere)
{
	struct arena *a = r->a;
	struct tval *list = tv_list(a);
	*elsewhere = 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_dups);
	if (st == NULL)
		return list;
	db_bind_int(st, 1, j->id);
	db_bind_text(st, 2, j->id_number);
	db_bind_text(st, 3, j->phone);
	db_bind_text(st, 4, j->name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!staff_sees_district(staff_of(r), sqlite3_column_int64(st, 3))) {
			(*elsewhere)++;
			continue;
		}
		struct tval *d = tv_map(a);
		int same_id = sqlite3_column_int(st, 6);
		int same_pn = sqlite3_column_int(st, 7);
		tv_puts(a, d, "ref", db_col_text(st, 0));
		tv_puts(a, d, "name", db_col_text(st, 1));
		tv_puts(a, d, "status", db_col_text(st, 2));
		tv_puts(a, d, "district", db_col_text(st, 4));
		tv_puts(a, d, "at", show_datetime(a, db_col_text(st, 5)));
		tv_puts(a, d, "why", same_id && same_pn ? "身份证号、手机号和姓名都相同" :
		    same_id ? "身份证号相同" : "手机号和姓名相同");
		tv_push(a, list, d);
	}
	sqlite3_reset(st);
	return list;
}

/* Birth date and age from the ID number, when it is a valid one. */
static void
birth_view(struct req *r, const struct jrec *j)
{
	if (valid_idcard(j->id_number) != NULL)
		return;
	long b = valid_idcard_birth(j->id_number);
	tv_putf(r->a, j->view, "birth", "%ld年%ld月%ld日(%d 岁)", b / 10000,
	    b / 100 % 100, b % 100, age_on(b, today_shanghai()));
}

/*
 * The application's page with the full ID number — each showing is
 * audited.  reject/note: the results of a refused form (NULL: empty
 * forms); message: why an action was refused.
 */
static void
show_record(struct req *r, int status, const struct jrec *j,
    const struct fresult *reject, const struct fresult *note,
    const char *message)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	tv_puts(a, j->view, "ref", j->ref);
	tv_puts(a, j->view, "status", j->status);
	tv_puts(a, j->view, "member_no", j->member_no);
	store_show_idcard(r, j->view, "id_number", j->ref, j->id_number);
	tv_puts(a, j->view, "phone", j->phone);
	tv_putb(a, j->view, "pending", strcmp(j->status, JOIN_PENDING) == 0);
	tv_putb(a, j->view, "rejected", strcmp(j->status, JOIN_REJECTED) == 0);
	birth_view(r, j);
	tv_put(a, ctx, "rec", j->view);
	tv_put(a, ctx, "history", event_history(r, j->ref, 1));
	outbox_history(r, ctx, j->ref, j->phone);
	long long elsewhere;
	struct tval *dups = duplicates(r, j, &elsewhere);
	tv_put(a, ctx, "dups", dups);
	if (elsewhere)
		tv_putf(a, ctx, "dups_elsewhere", "%lld", elsewhere);
	tv_putb(a, ctx, "has_dups", dups->n > 0 || elsewhere > 0);
	tv_put(a, ctx, "reject", form_view(r, reject_fields, R__N, reject));
	tv_put(a, ctx, "note", form_view(r, note_fields, N__N, note));
	if (message)
		tv_puts(a, ctx, "message", message);
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "approve") == 0)
		tv_putf(a, ctx, "notice", "已通过,会员编号 %s。", j->member_no);
	else if (done && strcmp(done, "reject") == 0)
		tv_puts(a, ctx, "notice", "已标记为未通过,申请人查询进度时会看到原因。");
	else if (done && strcmp(done, "note") == 0)
		tv_puts(a, ctx, "notice", "备注已保存。");
	resp_render(r, status, "staff/joins/record", ctx);
}

void
joins_record(struct req *r)
{
	struct jrec j;
	if (load(r, &j) == 0)
		show_record(r, 200, &j, NULL, NULL, NULL);
}

/* The two decisions on a 待审核 application. */
enum decision { APPROVE, REJECT };
static const struct {
	const char *status, *action, *done, *verb;
} decisions[] = {
	[APPROVE] = {JOIN_APPROVED, AUDIT_JOIN_APPROVE, "approve", "通过"},
	[REJECT] = {JOIN_REJECTED, AUDIT_JOIN_REJECT, "reject", "标记为" JOIN_REJECTED},
};

/* Answer an action on an application that is no longer 待审核 — or, still
 * 待审核, cannot be approved: its ID number has an approved one. */
static void
refuse_state(struct req *r, const struct jrec *j, enum decision d)
{
	if (strcmp(j->status, JOIN_PENDING) == 0) {
		show_record(r, 409, j, NULL, NULL, "这个身份证号已有一份" JOIN_APPROVED
		    "的入会申请(见“疑似重复申请”),不能再通过,没有做任何更改。");
		return;
	}
	show_record(r, 409, j, NULL, NULL, arena_printf(r->a,
	    "这份申请现在的状态是“%s”,不能再%s,没有做任何更改。", j->status,
	    decisions[d].verb));
}

/* The Shanghai year now. */
static int
year_now(void)
{
	time_t t = shanghai_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* What join_decide decides, on plain data. */
struct decide_input {
	const char *ref;
	enum decision d;
	const char *reason;   /* REJECT: what the applicant is told */
	long long district_id;          /* looked up by join_decide */
	const char *district_code;
	const char *note;     /* out: the applicant's note (APPROVE: 会员编号 …) */
};

/* fresh_fn: the district's next 会员编号 of the year (member_seq), ctx the
 * decide_input. */
static int
next_member_no(struct db *db, struct arena *a, void *ctx, const char **value)
{
	const struct decide_input *in = ctx;
	int year = year_now();
	sqlite3_stmt *st = db_prep(db, sql_next_seq);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, in->district_id);
	db_bind_int(st, 2, year);
	int rc = sqlite3_step(st);
	long long seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	*value = arena_printf(a, "%s-%d-%06lld", in->district_code, year, seq);
	return SQLITE_OK;
}

/*
 * store_fn: decide application in->ref if it is still 待审核 and within
 * who's district (both read again here, in the write transaction) — the
 * row (APPROVE: the district's next sequence number of the year, skipping
 * a number someone already holds, typed in by hand; REJECT: the reason),
 * the applicant's public event (the member number or the reason), the
 * text telling them (outbox), the audit entry, the follow-up (回访) offered
 * to the applicant.  Returns SQLITE_DONE; SQLITE_MISMATCH when it was no
 * longer 待审核, SQLITE_AUTH when there is no such application in who's
 * district (nothing changed either way); or the failing code.
 */
static int
join_decide(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct decide_input *in = arg;
	char now[32];
	int rc;
	sqlite3_stmt *st = db_prep(db, sql_decide_load);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->ref);
	long long id = 0;
	const char *phone = "";
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		in->district_id = sqlite3_column_int64(st, 1);
		in->district_code = arena_strdup(a, db_col_text(st, 2));
		phone = arena_strdup(a, db_col_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	if ((rc = store_district_wall(db, who, in->district_id)) != SQLITE_OK)
		return rc;
	utc_now_iso(now, sizeof(now));
	st = db_prep(db, in->d == APPROVE ? sql_approve : sql_reject);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 3, now);
	in->note = in->reason;
	if (in->d == APPROVE) {
		const char *no = NULL;
		rc = store_fresh(db, a, st, 2, next_member_no, in, &no);
		if (no != NULL)
			in->note = arena_printf(a, "会员编号 %s", no);
	} else {
		db_bind_text(st, 2, in->reason);
		rc = db_exec_stmt(db, st);
	}
	if (rc == SQLITE_DONE && sqlite3_changes(db_handle(db)) != 1)
		rc = SQLITE_MISMATCH;
	if (rc == SQLITE_DONE)
		rc = event_add(db, who, in->ref, decisions[in->d].status, in->note, 1);
	if (rc == SQLITE_DONE) {
		/* the text: never the reason (it may tell facts), only where
		 * to read it */
		const char *vars[] = {"ref", in->ref, NULL};
		rc = outbox_put(db, who, in->d == APPROVE ? MSG_JOIN_APPROVED :
		    MSG_JOIN_REFUSED, in->ref, phone, vars);
	}
	if (rc == SQLITE_DONE)
		rc = audit(db, who, decisions[in->d].action, in->ref, in->note);
	/* Decided either way: the applicant is asked how it went (回访). */
	if (rc == SQLITE_DONE)
		rc = feedback_offer(db, who, SERVICE_JOIN, in->ref, NULL);
	return rc;
}

/* Job "join.decide": join_decide from "ref", "decision" (APPROVE or
 * REJECT) and "reason", by the job's actor. */
static int
join_decide_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)out;
	long long d = job_int(in, "decision", -1);
	const char *ref = job_text(in, "ref");
	if ((d != APPROVE && d != REJECT) || ref == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	struct decide_input di = {.ref = ref, .d = (enum decision)d,
	    .reason = job_text(in, "reason")};
	return join_decide(db, &who, a, &di);
}

/* POST approve / reject: refused from any state but 待审核; a refusal
 * needs its reason (422 beside the field); else 303 to the record. */
static void
act(struct req *r, enum decision d)
{
	struct jrec j;
	struct fresult res[R__N];
	if (load(r, &j) != 0)
		return;
	if (strcmp(j.status, JOIN_PENDING) != 0) {
		refuse_state(r, &j, d);
		return;
	}
	if (d == REJECT && form_check(r, reject_fields, R__N, res) != 0) {
		show_record(r, 422, &j, res, NULL, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "join.decide");
	job_put_text(&in, "ref", j.ref);
	job_put_int(&in, "decision", d);
	if (d == REJECT)
		job_put_text(&in, "reason", res[R_REASON].value);
	int rc = store_job(r, &in, &out);
	if (rc != SQLITE_MISMATCH)
		store_answer(r, rc, arena_printf(r->a, "/staff/joins/%s?done=%s",
		    j.ref, decisions[d].done));
	else if (load(r, &j) == 0)   /* decided by someone else meanwhile */
		refuse_state(r, &j, d);
}

void
joins_approve(struct req *r)
{
	act(r, APPROVE);
}

void
joins_reject(struct req *r)
{
	act(r, REJECT);
}

/* An internal note on an application. */
struct note_input {
	const char *ref, *note;
};

/* store_fn: the note as an internal event, and its audit entry, when the
 * application is within who's district (read again here).  SQLITE_DONE,
 * SQLITE_AUTH (nothing stored), or the failing code. */
static int
join_note(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	const struct note_input *in = arg;
	(void)a;
	sqlite3_stmt *st = db_prep(db, sql_decide_load);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->ref);
	int rc = sqlite3_step(st);
	long long district = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_AUTH : rc;
	if ((rc = store_district_wall(db, who, district)) != SQLITE_OK)
		return rc;
	rc = event_add(db, who, in->ref, EVENT_NOTE, in->note, 0);
	if (rc == SQLITE_DONE)
		rc = audit(db, who, AUDIT_JOIN_NOTE, in->ref, in->note);
	return rc;
}

/* Job "join.note": join_note from "ref" and "note", by the job's actor. */
static int
join_note_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	(void)out;
	struct note_input ni = {job_text(in, "ref"), job_text(in, "note")};
	if (ni.ref == NULL || ni.note == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	return join_note(db, &who, a, &ni);
}

void
joins_note(struct req *r)
{
	struct jrec j;
	struct fresult res[N__N];
	if (load(r, &j) != 0)
		return;
	if (form_check(r, note_fields, N__N, res) != 0) {
		show_record(r, 422, &j, NULL, res, NULL);
		return;
	}
	struct job in, out;   /* large: 17 KB each, on the worker's stack */
	job_init(&in, "join.note");
	job_put_text(&in, "ref", j.ref);
	job_put_text(&in, "note", res[N_NOTE].value);
	store_answer(r, store_job(r, &in, &out), arena_printf(r->a,
	    "/staff/joins/%s?done=note", j.ref));
}

const struct job_type page_staff_join_record_jobs[] = {
	{"join.decide", join_decide_job},
	{"join.note", join_note_job},
	{0},
};
