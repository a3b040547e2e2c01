/*
 * page-staff-appeals.h - what the three files of 诉求 on the staff desk
 * share; private to them.  page-staff-appeals.c has the queue, the CSV
 * export and the route table; page-staff-appeal-record.c an appeal's own
 * page; page-staff-appeal-steps.c its workflow (the step table, its forms,
 * the job, the POST handler).
 */
#ifndef ZJ_PAGE_STAFF_APPEALS_H
#define ZJ_PAGE_STAFF_APPEALS_H

#include "vocab.h"

struct req;

/* Who works on 诉求: admins, and reviewers of their districts. */
#define ACCESS_APPEALS (ROLE_ADMIN | ROLE_REVIEWER)

struct arena;
struct fresult;
struct tval;

/* ---- page-staff-appeal-record.c ---- */

/* An appeal as its page and its steps read it (r's arena). */
struct arec {
	long long id, district_id, assignee_id;   /* assignee_id 0: none */
	int may_contact;
	const char *ref, *kind, *matter, *content, *district, *origin, *name, *phone,
	    *station, *station_code, *status, *due_on, *assignee, *reply,
	    *replied_at, *reason, *legal_ref, *closed_at, *created, *updated;
};

/*
 * The appeal of reference ref that r's member of staff may see, into *c.
 * Returns 0; or -1 after answering 404 (malformed, unknown, or outside
 * their district) or 500.
 */
int appeal_load(struct req *r, const char *ref, struct arec *c);

/*
 * Answer r with the appeal's page at this HTTP status.  failed: the step
 * whose form is shown with res (its messages beside the fields), or NULL;
 * message: a refusal shown at the top, or NULL.  Never fails: a list that
 * cannot be read is shown empty.
 */
void appeal_show(struct req *r, int status, const struct arec *c,
    const char *failed, const struct fresult *res, const char *message);

/*
 * GET /staff/appeals/{ref}: the appeal's page — every field, the full
 * phone number, the station, the legal case it became, its history and
 * the forms of the steps its state allows.  404 for a malformed or unknown
 * reference, or one outside the person's district; 500 when the database
 * fails.
 */
void appeals_record(struct req *r);

/* ---- page-staff-appeal-steps.c ---- */

/*
 * The workflow's part of the appeal's page, into ctx: can_<step> for each
 * step c allows; forms {dispatch, answer, close, refuse, legal, note}
 * (failed's — a step name, or NULL — with res, the others with their
 * first values); no_assignees; redispatch; f, the failed form; and, when
 * notice is set, the notice after ?done=<step>.  Allocates in r's arena;
 * never fails.
 */
void appeal_workflow_view(struct req *r, struct tval *ctx, const struct arec *c,
    const char *failed, const struct fresult *res, int notice);

/*
 * POST /staff/appeals/{ref}/{step}: dispatch, answer, close, refuse,
 * legal (turn it into a 法律援助 case) or note, in one job (the state,
 * the district wall and the assignee checked again inside it) with its
 * event and audit entry; 303 to the record.  404 for an unknown step or
 * an appeal the person may not see; 409 when its state does not allow
 * the step; 422 with the form's messages (nothing changed either way);
 * 503 or 500 when the database fails (rolled back).
 */
void appeals_step(struct req *r);

#endif
