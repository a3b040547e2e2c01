/*
 * page-volunteer.h - what the two files of the public 志愿服务 pages share, and
 * nothing else includes: page-volunteer.c (the list, the activity page with
 * its sign-up form, the route table, the sample activities) and
 * page-volunteer-signup.c (what a person posts: the sign-up transaction,
 * then the private confirmation and cancel pages).
 *
 * The activity itself (struct activity, its columns and loader) is
 * activity.h, shared with the staff pages.  Every name here carries vol_
 * or volunteer_: the staff pages have their own activity_view and
 * route_activity (page-staff-volunteer.h), and both headers must be able
 * to meet in one file.
 */
#ifndef ZJ_PAGE_VOLUNTEER_H
#define ZJ_PAGE_VOLUNTEER_H

#include "activity.h"
#include "valid.h"   /* struct field, struct fresult */

struct req;
struct tval;

/* ---- page-volunteer.c ---- */

/* The sign-up form: vol_signup_fields[] indexed by this enum. */
enum { V_NAME, V_PHONE, V_SKILLS, V_NOTE, V_CONSENT, V__N };
extern const struct field vol_signup_fields[V__N];

/*
 * NULL while sign-ups for act are open at now (UTC ISO text), else the
 * sentence saying why they are closed (static or from r's arena).  Cannot
 * fail.
 */
const char *vol_closed_reason(struct req *r, const struct activity *act,
    const char *now);

/*
 * What the templates show of act at now (UTC ISO text): a map from r's
 * arena, with "closed" and "state" when sign-ups are closed.  Cannot fail.
 */
struct tval *vol_activity_view(struct req *r, const struct activity *act,
    const char *now);

/*
 * The route's activity ({id}, path parameter 0), from r's arena; NULL after
 * answering 404 (no such activity) or the database failure.
 */
struct activity *vol_route_activity(struct req *r);

/*
 * Answer with the activity page of act at the given status: the sign-up
 * form (res: the values posted, or NULL for an empty form; form_error: a
 * message for the whole form, or NULL), or, when sign-ups are closed, why.
 * Always answers.
 */
void vol_detail_show(struct req *r, int status, const struct activity *act,
    const struct fresult *res, const char *form_error);

/* ---- route handlers of page-volunteer-signup.c, for the table ---- */

/* POST /volunteer/{id}/signup */
void volunteer_signup(struct req *r);
/* GET /volunteer/signup/{ref}?t=TOKEN */
void volunteer_signup_done(struct req *r);
/* GET /volunteer/signup/{ref}/cancel?t=TOKEN */
void volunteer_cancel_get(struct req *r);
/* POST /volunteer/signup/{ref}/cancel */
void volunteer_cancel_post(struct req *r);

#endif
