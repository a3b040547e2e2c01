/*
 * hours.h - a station's opening hours as people write them and as
 * station_hours stores them (weekday 1 = Monday … 7 = Sunday, periods
 * "HH:MM"–"HH:MM" in Beijing time, "00:00"–"24:00" being 24 小时).  Pure:
 * no database, no request.
 *
 * One day:   "08:00-20:00", "8:00-12:00, 14:00-18:00", "24小时", and
 *            "" or "休息" for closed.
 * A week:    "每天 08:00-20:00", "24小时",
 *            "周一至周五 08:00-20:00; 周六、周日 09:00-17:00" (groups split
 *            by ";", each "days periods"; without days: every day; days
 *            not named are closed).  The CSV import's 开放时间 column.
 */
#ifndef ZJ_HOURS_H
#define ZJ_HOURS_H

#include <stddef.h>

struct buf;

#define HOURS_DAY_PERIODS 4   /* periods in one day at most */

struct hours_period {
	char opens[6], closes[6];   /* "08:00", "20:00"; closes up to "24:00" */
};

struct week_hours {
	struct hours_period day[8][HOURS_DAY_PERIODS];  /* [1..7] */
	int n[8];                                       /* periods of each day */
};

/* Weekday names for people, [1..7]: 周一 … 周日. */
extern const char *const weekday_names[8];

/* Empty week (closed every day). */
void hours_clear(struct week_hours *w);

/*
 * Set weekday (1..7) from one day's text, replacing what it had.  Returns
 * NULL, or a message in Chinese (w's day unchanged).
 */
const char *hours_parse_day(struct week_hours *w, int weekday, const char *text);

/* Set every day from a week's text.  NULL, or a message (w undefined). */
const char *hours_parse_week(struct week_hours *w, const char *text);

/* Add one stored period (from station_hours); -1 when it does not fit or
 * is not well formed. */
int hours_add(struct week_hours *w, int weekday, const char *opens, const char *closes);

/* 1 when every day is closed. */
int hours_empty(const struct week_hours *w);

/* One day as people read it, appended to b: "08:00–20:00",
 * "08:00–12:00、14:00–18:00", "24 小时", or "休息". */
void hours_day_text(const struct week_hours *w, int weekday, struct buf *b);

/* One day as the edit form shows it (the form hours_parse_day reads):
 * "08:00-20:00", "24小时", "" when closed. */
void hours_day_input(const struct week_hours *w, int weekday, struct buf *b);

/* The week as a job field: "1 08:00 20:00\n…"; and back (-1 on a
 * malformed text). */
void hours_encode(const struct week_hours *w, struct buf *b);
int hours_decode(struct week_hours *w, const char *text);

#endif
