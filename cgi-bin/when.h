/*
 * when.h - times as people read them.  Stored times are UTC ISO-8601 text
 * ("2026-12-01T01:00:00Z"); they are shown in Asia/Shanghai (UTC+8, no
 * daylight saving).  All text comes from the arena; unparsable input is
 * returned as it is.
 */
#ifndef ZJ_WHEN_H
#define ZJ_WHEN_H

#include <stddef.h>
#include <time.h>

struct arena;

/* Shanghai is UTC+8 all year: this many seconds ahead of UTC.  Use the
 * functions below rather than the number. */
#define SHANGHAI_OFFSET (8 * 3600)

/* Shanghai's wall clock now, as a time_t to break down with gmtime_r (a
 * local time, not an instant).  Never fails. */
time_t shanghai_now(void);

/* Today in Shanghai as YYYYMMDD, e.g. 20261202.  Never fails. */
long today_shanghai(void);

/* The instant a Shanghai wall-clock time (a local time_t, as shanghai_now
 * or timegm of a broken-down Shanghai time gives) is, as stored:
 * "2026-12-01T01:00:00Z" into out (len ≥ 21).  Never fails. */
void shanghai_to_utc_iso(time_t local, char *out, size_t len);

/* The instant a Shanghai date "2026-11-23" plus days starts, as stored,
 * into out (len ≥ 21).  0, or -1 when date is no such date. */
int shanghai_day_utc(const char *date, int days, char *out, size_t len);

/* This Shanghai month, "2026-12", into out (len ≥ 8). */
void shanghai_month(char *out, size_t len);

/* "2026年5月1日" of a date "2026-05-01", or a copy of ymd when it is no
 * date ("" for NULL); from the arena either way. */
const char *show_day(struct arena *a, const char *ymd);

/* Parse a stored UTC time into Shanghai's broken-down time.  0 or -1. */
int shanghai_tm(const char *iso, struct tm *tm);

/* "12月1日 周二 09:00" (with the year when not this year); "09:00" alone
 * when time_only. */
const char *show_time(struct arena *a, const char *iso, int time_only);

/* "12月1日 周二 09:00–11:30", or "… 至 12月2日 周三 17:00" over days. */
const char *show_span(struct arena *a, const char *start, const char *end);

/* "2026年11月23日 16:05": for histories and records. */
const char *show_datetime(struct arena *a, const char *iso);

/* "2026-11-23 16:05" into out (len ≥ 17), for lists and CSV cells: no
 * arena, so an export may call it for every row.  Returns out, or iso
 * itself when it is empty or unparsable. */
const char *short_time(const char *iso, char *out, size_t len);

#endif
