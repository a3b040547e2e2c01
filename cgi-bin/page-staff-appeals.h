/*
 * page-staff-appeals.h - what the two files of 诉求 on the staff desk share;
 * private to them.  page-staff-appeals.c has the queue, the CSV export and
 * the route table; page-staff-appeal-record.c has an appeal's own page and
 * its workflow (the step table, its forms, the POST handler, the job).
 */
#ifndef ZJ_PAGE_STAFF_APPEALS_H
#define ZJ_PAGE_STAFF_APPEALS_H

#include "vocab.h"

struct req;

/* Who works on 诉求: admins, and reviewers of their districts. */
#define ACCESS_APPEALS (ROLE_ADMIN | ROLE_REVIEWER)

/*
 * GET /staff/appeals/{ref}: the appeal's page — every field, the full
 * phone number, the station, the legal case it became, its history and
 * the forms of the steps its state allows.  404 for a malformed or unknown
 * reference, or one outside the person's district; 500 when the database
 * fails.
 */
void appeals_record(struct req *r);

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
