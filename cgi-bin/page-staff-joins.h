/*
 * page-staff-joins.h - what the two files of 入会审核 on the staff desk share;
 * private to them.  page-staff-joins.c has the queue, the CSV export and
 * the route table; page-staff-join-record.c has an application's own page
 * and its workflow (approve, reject, note), whose handlers the table names.
 */
#ifndef ZJ_PAGE_STAFF_JOINS_H
#define ZJ_PAGE_STAFF_JOINS_H

struct arena;
struct queue_filter;
struct req;
struct tval;

/* ---- page-staff-joins.c ---- */

/*
 * An application's 期限 into m, as of f's today and calendar: while it
 * is 待审核, "due" (剩余 N 个工作日 / 今天到期 / 已逾期 N 个工作日),
 * "due_date" and "overdue"; once decided (decided a stored time), "kept"
 * (已答复,按期 / 已答复,超期 N 个工作日) and "late".  Nothing when there
 * is no due date.
 */
void join_due_view(struct arena *a, const struct queue_filter *f, struct tval *m,
    const char *status, const char *due_on, const char *decided);

/* ---- route handlers of page-staff-join-record.c ---- */

/*
 * GET /staff/joins/{ref}: the application's page with the full ID number
 * (each showing audited), its history, suspected duplicates and the
 * forms.  404 for a malformed or unknown reference, or one outside the
 * person's district; 500 when the database fails.
 */
void joins_record(struct req *r);

/*
 * POST /staff/joins/{ref}/approve: 待审核 → 已通过 and the next 会员编号 of
 * the district and year, with the public event and the audit entry in one
 * transaction; 303 to the record.  409 with the page when the application
 * is no longer 待审核 (nothing changed); 404 as joins_record; 503 or 500
 * when the database fails (rolled back).
 */
void joins_approve(struct req *r);

/*
 * POST /staff/joins/{ref}/reject: 待审核 → 未通过 with the reason the
 * applicant sees at /status, in one transaction; 303 to the record.  422
 * with the page and the form's message when the reason fails its checks
 * (nothing changed); 409 / 404 / 503 / 500 as joins_approve.
 */
void joins_reject(struct req *r);

/*
 * POST /staff/joins/{ref}/note: an internal note (an event /status does
 * not show) and its audit entry in one transaction; 303 to the record.
 * 422 with the page and the form's message when the note fails its
 * checks; 404 as joins_record; 503 or 500 when the database fails
 * (rolled back).
 */
void joins_note(struct req *r);

#endif
