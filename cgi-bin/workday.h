/*
 * workday.h - the working-day clock: which Shanghai calendar days are
 * working days, and counting them.  Every place that counts working days
 * (a promise's due date, 剩余 / 已逾期, the days a case took) uses this
 * module, never weekday arithmetic of its own.
 *
 * The rule: Monday to Friday work, Saturday and Sunday rest, except the
 * days the official calendar lists (table calendar_days): 休, an official
 * rest day (a holiday, or a weekday given off), and 班, a make-up working
 * day (调休: a Saturday or Sunday worked).  A year nobody entered counts
 * by the rule alone.
 *
 * Days are whole Shanghai calendar days, numbered from 1970-01-01 (day 0)
 * so that arithmetic is plain: a "day" below is such a number.
 *
 * Each process (worker or writer) keeps the calendar in memory and reads
 * one value per call of workday_calendar() to see whether it changed
 * (calendar_version, drawn afresh by a trigger on every change): never a
 * query per day counted.
 */
#ifndef ZJ_WORKDAY_H
#define ZJ_WORKDAY_H

#include <stddef.h>

struct arena;
struct db;

/* What the union promises, in working days (README, "The working-day
 * clock").  An answer or first contact is due that many working days
 * after the day the submission arrives (the day itself not counted); a
 * case's closing target counts from the day it is accepted. */
#define JOIN_ANSWER_DAYS 15     /* 入会: an answer */
#define LEGAL_CONTACT_DAYS 5    /* 法律援助: the first contact */
#define LEGAL_CLOSE_DAYS 60     /* 法律援助: closed, from acceptance */
#define WISH_REVIEW_DAYS 5      /* 微心愿: reviewed (published or not) */
/* The queues' "soon" filter: due within this many working days. */
#define DUE_SOON_DAYS 3

/* The kinds of day the calendar lists, as stored and typed. */
#define DAY_REST "休"
#define DAY_WORK "班"

/* One listed day. */
struct workday_entry {
	long day;
	int work;       /* 1: 班 (a working day), 0: 休 (a rest day) */
};

/* The calendar: listed days in ascending order with running sums. */
struct workday_cal {
	size_t n;
	struct workday_entry *e;
	long *shift;    /* shift[i]: working days the entries 0..i add (班 on
	                   a weekend +1) or take away (休 on a weekday -1) */
};

/* ---- days ---- */

/* The day of a proleptic Gregorian date (any y, 1 ≤ m ≤ 12, 1 ≤ d ≤ 31;
 * not checked).  Never fails. */
long day_of(int y, int m, int d);
/* The date of day into *y, *m, *d.  Never fails. */
void day_date(long day, int *y, int *m, int *d);
/* 0 Sunday … 6 Saturday. */
int day_weekday(long day);
/* "2026-12-14" (exactly, a real date) → *day; 0, or -1 when it is not. */
int day_parse(const char *s, long *day);
/* "2026-12-14" into out (len ≥ 11); returns out. */
char *day_iso(long day, char *out, size_t len);
/* "2026年12月14日" (arena). */
const char *day_show(struct arena *a, long day);
/* Today in Shanghai. */
long day_today(void);
/* The Shanghai day of a stored UTC time "2026-12-01T01:00:00Z"; 0, or -1
 * when unparsable. */
int day_of_utc(const char *iso, long *day);

/* ---- the calendar (pure: the unit tests build one) ---- */

/*
 * Make c from n entries in any order (copied; a day listed twice keeps
 * the last).  Returns 0, or -1 when out of memory (c is then empty).
 * Free with workday_cal_free.
 */
int workday_cal_set(struct workday_cal *c, const struct workday_entry *e,
    size_t n);
void workday_cal_free(struct workday_cal *c);

/* 1 when day is a working day.  c may be NULL or empty: the weekday rule. */
int workday_is(const struct workday_cal *c, long day);

/*
 * Working days in (from, to]: how many working days follow from up to
 * and including to; negative, the same count the other way, when to is
 * before from.  O(log n).
 */
long workday_count(const struct workday_cal *c, long from, long to);

/* The n-th working day after day (n ≥ 1); day itself for n ≤ 0. */
long workday_add(const struct workday_cal *c, long day, int n);

/* 1 when c lists any day of year. */
int workday_has_year(const struct workday_cal *c, int year);

/*
 * The year whose official arrangement is missing and should be entered
 * now, as of today: this year when c lists none of its days; from
 * November on, next year when it lists none of it (the State Council
 * publishes next year's around then).  0 when nothing is missing.
 */
int workday_missing_year(const struct workday_cal *c, long today);

/* ---- the calendar in the database ---- */

/*
 * The calendar of db as this process last read it, read again when the
 * table changed (one small query).  Never NULL: when the table cannot be
 * read, the last one read, or an empty calendar (the weekday rule), and
 * the failure is logged.  Valid until the next call.
 */
const struct workday_cal *workday_calendar(struct db *db);

/* A promise's state against today, for lists and records. */
struct due {
	int over;          /* 1: overdue */
	long days;         /* working days left (over 0), or overdue by (over 1) */
	const char *text;  /* "剩余 3 个工作日", "今天到期", "已逾期 2 个工作日" */
	const char *date;  /* "2026年12月14日" */
};

/*
 * The state of a promise due on due_on ("YYYY-MM-DD") as of today.  Left:
 * the working days after today up to the due day.  Overdue (today after
 * the due day): the working days after the due day up to today — on a
 * rest day, up to the next working day, so the weekend after a Friday
 * that passed already reads "已逾期 1 个工作日".  Returns 0, or -1 when
 * due_on is no date (d untouched).  Text from a; a NULL: the numbers
 * only (text and date NULL), for an export that allocates nothing.
 */
int workday_due(struct arena *a, const struct workday_cal *c,
    const char *due_on, long today, struct due *d);

/*
 * Whether a promise due on due_on was kept by the stored UTC time done:
 * *late gets the working days after the due day up to the Shanghai day
 * of done (0: kept).  Text from a: "按期" or "超期 2 个工作日" ("超期"
 * alone when a is NULL).  NULL when either is unparsable.
 */
const char *workday_kept(struct arena *a, const struct workday_cal *c,
    const char *due_on, const char *done, long *late);

/*
 * The due date n working days after the Shanghai day of the stored UTC
 * time iso, as "YYYY-MM-DD" into out (len ≥ 11).  Returns 0, or -1 when
 * iso is unparsable.
 */
int workday_due_after(const struct workday_cal *c, const char *iso, int n,
    char *out, size_t len);

/*
 * Parse a calendar in the shipped CSV format (db/calendar/cn-holidays-YYYY.csv): lines
 * starting with '#' and blank lines are comments; a header
 * "date,kind,holiday" (or 日期,类型,节日); then "2026-10-01,休,国庆节" rows
 * (kind 休 or 班, holiday at most 20 characters; a UTF-8 BOM, CRLF, spaces
 * around a cell and double-quoted cells are accepted).  Each day once.
 * *out gets the rows (arena) with the kinds and names, *n their number.
 * Returns 0, or -1 with a message for people in err naming the line.
 */
struct calendar_row {
	long day;
	const char *kind;     /* DAY_REST or DAY_WORK */
	const char *holiday;
};
int calendar_csv_parse(struct arena *a, const char *text, size_t len,
    struct calendar_row **out, size_t *n, char *err, size_t errlen);

#endif
