/*
 * page-staff-wishes.h - what the two files of 微心愿 on the staff desk
 * share; private to them.  page-staff-wishes.c has the queue, the export,
 * a wish's page and the route table; page-staff-wish-steps.c has the
 * workflow (the step table, its forms, the POST handler and its job).
 */
#ifndef ZJ_PAGE_STAFF_WISHES_H
#define ZJ_PAGE_STAFF_WISHES_H

struct fresult;
struct req;
struct tval;

/* A wish as read from a row of wishes. */
struct wrec {
	long long id, district_id, claimer_staff_id;
	int public_ok, hardship;
	const char *ref, *created, *updated, *category, *content, *district,
	    *name, *phone, *status, *reason, *published, *claimer_kind,
	    *claimer_name, *claimed, *fulfilled_on, *fulfilled_how, *station,
	    *station_code;
};

/* ---- page-staff-wishes.c ---- */

/*
 * The wish of reference ref that r's member of staff may see.  Returns 1
 * with *w filled (r's arena), or 0 when there is none or it is outside
 * their district: the caller answers 404 either way.
 */
int wish_load(struct req *r, const char *ref, struct wrec *w);

/*
 * Answer r with the wish's page at this HTTP status: every field, the
 * history and the workflow's forms.  failed: the name of the step whose
 * form is shown with res (its messages beside the fields), or NULL;
 * message: a refusal shown at the top, or NULL.  Never fails: a list
 * that cannot be read is shown empty.
 */
void wish_show(struct req *r, int status, const struct wrec *w,
    const char *failed, const struct fresult *res, const char *message);

/* ---- page-staff-wish-steps.c ---- */

/*
 * The workflow's part of the wish's page, put into ctx: can_<step> for
 * each step w's status allows; forms {reject, claim, release, fulfil,
 * note}, failed's (a step name, or NULL) with res; and, when notice is
 * set, the notice after ?done=<step>.  Allocates in r's arena; never
 * fails.
 */
void wish_workflow_view(struct req *r, struct tval *ctx, const struct wrec *w,
    const char *failed, const struct fresult *res, int notice);

/*
 * POST /staff/wishes/{ref}/{step}: publish, reject, claim, release,
 * fulfil, hardship, note.  Makes the step in one job (the state read
 * again inside it: of any number of claims at once exactly one wins) and
 * answers 303 to the wish's page; 404 for an unknown step or a wish the
 * person may not see; 409 with the page when the state no longer allows
 * the step (a lost claim is told who won); 422 with the form's messages
 * (nothing changed either way); 503 or 500 when the database fails.
 */
void wish_step(struct req *r);

#endif
