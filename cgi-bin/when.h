/*
 * when.h - times as people read them.  Stored times are UTC ISO-8601 text
 * ("2026-12-01T01:00:00Z"); they are shown in Asia/Shanghai (UTC+8, no
 * daylight saving).  All text comes from the arena; unparsable input is
 * returned as it is.
 */
#ifndef ZJ_WHEN_H
#define ZJ_WHEN_H

#include <time.h>

struct arena;

/* Parse a stored UTC time into Shanghai's broken-down time.  0 or -1. */
int shanghai_tm(const char *iso, struct tm *tm);

/* "12月1日 周二 09:00" (with the year when not this year); "09:00" alone
 * when time_only. */
const char *show_time(struct arena *a, const char *iso, int time_only);

/* "12月1日 周二 09:00–11:30", or "… 至 12月2日 周三 17:00" over days. */
const char *show_span(struct arena *a, const char *start, const char *end);

/* "2026年11月23日 16:05": for histories and records. */
const char *show_datetime(struct arena *a, const char *iso);

#endif
