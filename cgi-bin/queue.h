/*
 * queue.h - the staff queues.  Application code (it knows staff, their
 * districts and our reference prefixes), not core.
 *
 * A queue is a table (struct queue): its statements, each with the filter
 * parts it needs, a row view, and its export; queue_list and queue_export
 * are its whole GET handlers.  What they share: the filter in the query
 * string (status, district, kind, search, date range), scoped to the
 * member of staff's district, and stable paging by id (?before=ID, 50 a
 * page, newest first), so a page never shifts while new submissions come.
 *
 * Statements name their parameters; queue_bind binds every one it knows:
 *   :status :kind      the filter's status and kind ('' for any)
 *   :district          district id (0 for every district the person sees)
 *   :own_district      1 when the person is bound to one district
 *   :roles             the person's ROLE_* bits (a queue of several services)
 *   :from :to          created_at range in UTC ('' for open)
 *   :to_end            the range's end, '~' when open (sorts after any time)
 *   :q                 the search text ('' for none)
 *   :q_end             a name search's prefix end: [:q, :q_end) holds every
 *                      name starting with :q ('' unless a name search)
 *   :below             ids below this (the cursor; INT64_MAX on a first page)
 *   :before            the cursor as given (0 on a first page)
 *   :limit             rows wanted (-1: all, for an export)
 *   :now               the current UTC time (ISO-8601)
 *   :due_lo :due_hi    the 期限 filter: open items due on a day in
 *                      [:due_lo, :due_hi) ('YYYY-MM-DD'); :due_hi '' for
 *                      no such filter
 *   :flag              1 when the filter asks for flagged rows only
 *                      (?flag=1, a queue with a flag_label), else 0
 *   :today             today in Shanghai, 'YYYY-MM-DD' (due dates)
 *   :<extra>           a filter of the queue's own (struct queue_extra)
 *                      by its name: the choice, '' for any
 * Any other name is a programming error: the request answers 500.
 */
#ifndef ZJ_QUEUE_H
#define ZJ_QUEUE_H

#include <stddef.h>

#include "db.h"
#include "mustache.h"

struct arena;
struct csv;
struct req;

#define QUEUE_PAGE 50

/*
 * A filter a queue has beyond the common ones (e.g. 诉求's 事项, or only
 * what is overdue): ?name=CHOICE, one of options — anything else is
 * dropped — offered as a select labelled label, bound as :name.
 */
struct queue_extra {
	const char *name;              /* query and SQL parameter name */
	const char *label;             /* the select's label, the audit's word */
	const char *const *options;    /* NULL-terminated */
};
#define QUEUE_EXTRAS 4             /* at most this many per queue */

struct queue_filter {
	const char *status;     /* "" for any */
	const char *kind;       /* occupation / dispute type, "" for any */
	const char *q;          /* search text, trimmed, "" for none */
	const char *from, *to;  /* dates as typed, YYYY-MM-DD, "" for none */
	const char *from_utc;   /* created_at >= this ("" for none) */
	const char *to_utc;     /* created_at <  this ("" for none) */
	long long district_id;  /* 0 for every district the person may see */
	long long before;       /* paging cursor: ids below this; 0 = first */
	/* Q_IDNO: 18 characters an ID number could be (a trailing x is
	 * written X, as stored); a queue without an ID-number statement
	 * searches it as a name. */
	enum { Q_NONE, Q_REF, Q_PHONE, Q_NAME, Q_IDNO } q_kind;
	const char *error;      /* a bad date or district, for the page */
	const char *now;        /* the UTC time the request is judged at */
	/* 期限 (the working-day clock, workday.h): "" for any, "overdue"
	 * (已逾期: due before today) or "soon" (due today or within
	 * DUE_SOON_DAYS working days); as the range [due_lo, due_hi) of due
	 * dates, due_hi "" when none. */
	const char *due, *due_lo, *due_hi;
	long day;                            /* today: workday.h's day */
	const struct workday_cal *cal;       /* for a row's 剩余 / 已逾期 */
	int flag;               /* ?flag=1: only the rows the queue flags */
	const char *today;      /* its Shanghai date, YYYY-MM-DD */
	/* The queue's own filters (struct queue.extras) and their choices
	 * ("" for any); set by queue_list and queue_export. */
	const struct queue_extra *extras;
	size_t nextras;
	const char *extra[QUEUE_EXTRAS];
};

/* The parts of a filter a statement needs (struct queue_plan.needs). */
enum {
	QF_STATUS = 1 << 0, QF_KIND = 1 << 1, QF_DISTRICT = 1 << 2,
	QF_DATES = 1 << 3,                        /* from or to given */
	QF_REF = 1 << 4, QF_PHONE = 1 << 5,
	QF_NAME = 1 << 6,                         /* also set for Q_IDNO */
	QF_IDNO = 1 << 7,
	QF_EXTRA0 = 1 << 8,                       /* extra[i] chosen: QF_EXTRA0 << i */
	QF_DUE = 1 << 16,                         /* a 期限 filter */
};

/*
 * One way to find a queue's rows.  A queue lists its plans from the most
 * particular to the most general; the first whose needs the filter has,
 * and whose fits (when given) agrees, is used.  page: 1 for a page of
 * QUEUE_PAGE rows, 0 for an export of every row.  The last plan needs
 * nothing.  Each statement walks one index (see the migrations), so which
 * plan is picked is what keeps a queue fast.
 */
struct queue_plan {
	unsigned needs;
	int (*fits)(struct req *r, const struct queue_filter *f, int page);
	const char *sql;
};

/* A queue: what queue_list and queue_export need to serve it. */
struct queue {
	const char *name;        /* "joins": audit target, export file name */
	const char *path;        /* "/staff/joins"; the export is path + ".csv" */
	const char *tmpl;        /* the page's template, "staff/joins/list" */
	const char *const *statuses;   /* the status choices; others are dropped */
	const char *const *kinds;      /* the kind choices (NULL: none) */
	const char *kind_label;        /* what a kind is, "职业", for the audit */
	/* What a flagged row is ("疑似困难职工"), when the queue's filter
	 * offers "flagged only" (:flag); NULL: it does not. */
	const char *flag_label;
	const struct queue_plan *plans;
	/* One row's view; column 0 of every statement is the row's id. */
	struct tval *(*row)(struct req *r, const struct queue_filter *f,
	    sqlite3_stmt *st);
	/* The export (queue_export), when there is one: its head and one row.
	 * csv_row takes nothing from the arena, so any number of rows keeps
	 * the worker's memory flat. */
	const char *const *csv_head;
	size_t csv_cols;
	void (*csv_row)(struct csv *out, sqlite3_stmt *st, int full);
	/* 1: its rows have due dates (the 期限 filter is offered).  An export
	 * row that shows them reads the filter's cal and day from
	 * queue_export_filter(). */
	int due;
	/* Filters of its own (NULL: none), and what an admin's full export
	 * shows unmasked, in the audit's words (NULL: "完整身份证号"). */
	const struct queue_extra *extras;
	size_t nextras;
	const char *full_words;
};

/* The filter of the export being written (for csv_row's 期限 cells), or
 * NULL outside queue_export. */
const struct queue_filter *queue_export_filter(void);

/*
 * A row's 期限 as the staff/due partial shows it, into a new map put in m
 * under "clock", as of f's day on f's calendar: while open (open set,
 * due_on a date), "due" (剩余 N 个工作日 / 今天到期 / 已逾期 N 个工作日),
 * "due_date" and "overdue"; once done (done a stored time, due_on a
 * date), "kept" (done_word + ",按期" or ",超期 N 个工作日") and "late".
 * Nothing else when neither applies.  From r's arena; never fails.
 */
void queue_due_view(struct arena *a, const struct queue_filter *f, struct tval *m,
    int open, const char *due_on, const char *done, const char *done_word);

/* The same as words for an export cell into out (len ≥ 48): "已逾期 2 个工作日",
 * "剩余 3 个工作日", "按期", "超期 1 个工作日", or "". */
const char *queue_due_words(const struct queue_filter *f, int open,
    const char *due_on, const char *done, char *out, size_t len);

/*
 * Read the filter from r's query string.  A member of staff bound to a
 * district always gets their own district, whatever the URL says.
 * Never fails: a bad value is ignored and described in f->error.
 */
void queue_filter_parse(struct req *r, struct queue_filter *f);

/* A query-string value trimmed of spaces, from the arena; "" when absent
 * or longer than max bytes. */
const char *queue_param(struct req *r, const char *name, size_t max);

/*
 * The filter form's data: {status, kind, q, from, to, district,
 * statuses: [{value, selected}], kinds: […] and has_kinds, districts: […] and
 * pick_district (only when the person is not bound to one), flag, extras:
 * [{name, label, options: […]}] (f's own filters), dues: [{value, label,
 * selected}] (the 期限 choices), error} (queue_list adds has_flag and
 * flag_label for a queue with a flag, has_due for one with due dates).
 */
struct tval *queue_filter_view(struct req *r, const struct queue_filter *f,
    const char *const *statuses, const char *const *kinds);

/*
 * The query string of f (without ?), for export links and the next page;
 * before: the cursor to put (0: none).  From the arena.
 */
const char *queue_query(struct req *r, const struct queue_filter *f,
    long long before);

/* The end of a name prefix range [lo, hi): lo with its last byte raised,
 * which no UTF-8 text starting with lo reaches ("" when none). */
const char *queue_prefix_end(struct arena *a, const char *lo);

/*
 * The statement of the first of plans that fits f, prepared and bound
 * (see the top of this file); limit -1 for every row.  NULL when it does
 * not compile or names a parameter queue_bind does not know (logged).
 */
sqlite3_stmt *queue_stmt(struct req *r, const struct queue_plan *plans,
    const struct queue_filter *f, long long limit);

/*
 * One page of q's rows for f into ctx: "rows" (q->row of each),
 * "has_rows", "count", and the pager: "next" (the next page's URL, when
 * there are more) and "first" (when this is not the first page).
 * Returns SQLITE_DONE, or the SQLite code of the failure (answer it with
 * answer_db_failure: a page cut short is never served).
 */
int queue_page(struct req *r, const struct queue *q,
    const struct queue_filter *f, struct tval *ctx);

/*
 * GET q->path: the filter, one page, links to the export (with full ID
 * numbers for an admin), rendered with q->tmpl; 500/503 on a database
 * failure.
 */
void queue_list(struct req *r, const struct queue *q);

/*
 * GET q->path.csv: every row of the filtered queue as CSV, streamed,
 * "<name>-YYYYMMDD.csv" ("-full" with ?full=1: an admin gets full ID
 * numbers).  The export, and a full one once more as "export.full", is
 * audited first with the filter in words.
 */
void queue_export(struct req *r, const struct queue *q);

#endif
