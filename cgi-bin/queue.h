/*
 * queue.h - what the staff review queues share: the filter in the query
 * string (status, district, kind, search, date range), scoped to the
 * member of staff's district, and stable paging by id (?before=ID, 50 a
 * page, newest first), so a page never shifts while new submissions come.
 */
#ifndef ZJ_QUEUE_H
#define ZJ_QUEUE_H

#include "mustache.h"

struct req;

#define QUEUE_PAGE 50

struct queue_filter {
	const char *status;     /* "" for any */
	const char *kind;       /* occupation / dispute type, "" for any */
	const char *q;          /* search text, trimmed, "" for none */
	const char *from, *to;  /* dates as typed, YYYY-MM-DD, "" for none */
	const char *from_utc;   /* created_at >= this ("" for none) */
	const char *to_utc;     /* created_at <  this ("" for none) */
	long long district_id;  /* 0 for every district the person may see */
	long long before;       /* paging cursor: ids below this; 0 = first */
	enum { Q_NONE, Q_REF, Q_PHONE, Q_NAME } q_kind;
	const char *error;      /* a bad date or district, for the page */
};

/*
 * Read the filter from r's query string.  A member of staff bound to a
 * district always gets their own district, whatever the URL says.
 * Never fails: a bad value is ignored and described in f->error.
 */
void queue_filter_parse(struct req *r, struct queue_filter *f);

/*
 * The filter form's data: {status, kind, q, from, to, district,
 * statuses: [{value, selected}], kinds: […], districts: […] (empty when
 * the person is bound to one), error}.
 */
struct tval *queue_filter_view(struct req *r, const struct queue_filter *f,
    const char *const *statuses, const char *const *kinds);

/*
 * The query string of f (without ?), for export links and the next page;
 * before: the cursor to put (0: none).  From the arena.
 */
const char *queue_query(struct req *r, const struct queue_filter *f,
    long long before);

/*
 * Put the pager into ctx: "next" (URL of the next page when more) and
 * "first" (URL of the first page when this is not it).  base: "/staff/joins".
 */
void queue_pager(struct req *r, struct tval *ctx, const char *base,
    const struct queue_filter *f, long long last_id, int more);

#endif
