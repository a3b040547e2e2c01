/*
 * page-staff-legal.h - what the two files of 法律援助 on the staff desk share;
 * private to them.  page-staff-legal.c has the queue, the export, the case
 * page, evidence files and the route table; page-staff-legal-steps.c has
 * the workflow (the step table, its forms, the POST handler).
 */
#ifndef ZJ_PAGE_STAFF_LEGAL_H
#define ZJ_PAGE_STAFF_LEGAL_H

struct arena;
struct fresult;
struct req;
struct tval;

/* ---- page-staff-legal.c ---- */

/* A case as read from a row of legal_cases. */
struct lcase {
	long long id, district_id, people, amount, recovered;
	int has_amount, has_recovered, may_call;
	int review;   /* 复核: a 不满意 回访 answer awaits its review */
	const char *ref, *created, *name, *phone, *idno, *district, *employer,
	    *kind, *status, *reason, *assignee, *handler, *member, *contact,
	    *closed, *facts, *claims, *updated;
	/* The working-day clock: dates "YYYY-MM-DD" and times, "" when none;
	 * due is the promise the case waits on now (0013_calendar.sql). */
	const char *contact_due, *first_contact, *accepted, *close_due, *due;
};

/* "显示名(username)", or the username alone; "" when there is no
 * username.  The label is in a (or static); never fails. */
const char *legal_staff_label(struct arena *a, const char *display,
    const char *username);

/*
 * The case of reference ref that r's member of staff may see.  Returns 1
 * with *c filled (r's arena), or 0 when there is none or it is outside
 * their district: the caller answers 404 either way.
 */
int legal_load_case(struct req *r, const char *ref, struct lcase *c);

/*
 * Answer r with the case page at this HTTP status: every field (the full
 * ID number, audited), evidence, history and the workflow's forms.
 * failed: the name of the step whose form is shown with res (its messages
 * beside the fields), or NULL; message: a refusal shown at the top, or
 * NULL.  Never fails: a list that cannot be read is shown empty.
 */
void legal_show_case(struct req *r, int status, const struct lcase *c,
    const char *failed, const struct fresult *res, const char *message);

struct workday_cal;
/*
 * A case's 期限 for a list row into m, as of today on cal: while a
 * promise is open, "due_what" (首次联系 or 结案), "due" (剩余 N 个工作日 /
 * 今天到期 / 已逾期 N 个工作日), "due_date", "overdue"; once closed,
 * "kept" (已结案,按期 / 超期 N 个工作日, or 已办结) and "late"; contacted
 * but not yet accepted, "kept" 已联系,待受理.
 */
void legal_due_view(struct arena *a, const struct workday_cal *cal, long today,
    const struct lcase *c, struct tval *m);

/* ---- page-staff-legal-steps.c ---- */

/*
 * The workflow's part of the case page, put into ctx: can_<step> for each
 * step c's status allows; forms {reject, assign, close, note}, failed's
 * (a step name, or NULL) with res; no_assignees; f, the failed form; and,
 * when notice is set, the notice after ?done=<step>.  Allocates in r's
 * arena; never fails.
 */
void legal_workflow_view(struct req *r, struct tval *ctx, const struct lcase *c,
    const char *failed, const struct fresult *res, int notice);

/*
 * The handler of POST /staff/legal-aid/{ref}/{step}.  Makes the step in
 * one transaction and answers 303 to the case page; 404 for an unknown
 * step or a case the person may not see, 409 when the case's status does
 * not allow the step, 422 with the form's messages (nothing changed
 * either way), 503 or 500 when the database fails (rolled back).
 */
void legal_step(struct req *r);

#endif
