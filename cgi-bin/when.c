/*
 * when.c - stored UTC times shown in Asia/Shanghai.
 */
#include "when.h"

#include <stdio.h>
#include <time.h>

#include "util.h"

time_t
shanghai_now(void)
{
	return time(NULL) + SHANGHAI_OFFSET;
}

long
today_shanghai(void)
{
	time_t t = shanghai_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday;
}

void
shanghai_to_utc_iso(time_t local, char *out, size_t len)
{
	utc_iso(local - SHANGHAI_OFFSET, out, len);
}

int
shanghai_day_utc(const char *date, int days, char *out, size_t len)
{
	struct tm tm = {0};
	char *end = date ? strptime(date, "%Y-%m-%d", &tm) : NULL;
	if (end == NULL || *end != '\0' || tm.tm_year < 100 || tm.tm_year > 300)
		return -1;
	shanghai_to_utc_iso(timegm(&tm) + (time_t)days * 86400, out, len);
	return 0;
}

void
shanghai_month(char *out, size_t len)
{
	time_t t = shanghai_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m", &tm);
}

const char *
show_day(struct arena *a, const char *ymd)
{
	int y, m, d;
	if (ymd == NULL)
		return "";
	if (sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return arena_strdup(a, ymd);
	return arena_printf(a, "%d年%d月%d日", y, m, d);
}

/* "2026-12-01T01:00:00Z" → Shanghai wall-clock broken down in *tm. */
int
shanghai_tm(const char *iso, struct tm *tm)
{
	struct tm u = {0};
	int n = 0;
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &u.tm_year, &u.tm_mon,
	    &u.tm_mday, &u.tm_hour, &u.tm_min, &u.tm_sec, &n) != 6 ||
	    iso[n] != '\0')
		return -1;
	u.tm_year -= 1900;
	u.tm_mon -= 1;
	time_t t = timegm(&u) + SHANGHAI_OFFSET;
	gmtime_r(&t, tm);
	return 0;
}

/* "12月1日 周二 09:00" (the year added when it is not this year);
 * "09:00" alone when time_only.  Unparsable text is shown as it is. */
const char *
show_time(struct arena *a, const char *iso, int time_only)
{
	static const char *const wd[] = {"日", "一", "二", "三", "四", "五", "六"};
	struct tm tm, now;
	if (shanghai_tm(iso, &tm) != 0)
		return iso;
	if (time_only)
		return arena_printf(a, "%02d:%02d", tm.tm_hour, tm.tm_min);
	time_t t = shanghai_now();
	gmtime_r(&t, &now);
	return arena_printf(a, "%.0d%s%d月%d日 周%s %02d:%02d",
	    tm.tm_year != now.tm_year ? tm.tm_year + 1900 : 0,
	    tm.tm_year != now.tm_year ? "年" : "", tm.tm_mon + 1, tm.tm_mday,
	    wd[tm.tm_wday], tm.tm_hour, tm.tm_min);
}

/* "12月1日 周二 09:00–11:30", or "… 至 12月2日 周三 17:00" over days. */
const char *
show_span(struct arena *a, const char *start, const char *end)
{
	struct tm s, e;
	if (shanghai_tm(start, &s) == 0 && shanghai_tm(end, &e) == 0 &&
	    s.tm_year == e.tm_year && s.tm_yday == e.tm_yday)
		return arena_printf(a, "%s–%s", show_time(a, start, 0),
		    show_time(a, end, 1));
	return arena_printf(a, "%s 至 %s", show_time(a, start, 0),
	    show_time(a, end, 0));
}

const char *
show_datetime(struct arena *a, const char *iso)
{
	struct tm tm;
	if (shanghai_tm(iso, &tm) != 0)
		return iso;
	return arena_printf(a, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

const char *
short_time(const char *iso, char *out, size_t len)
{
	struct tm tm;
	if (*iso == '\0' || shanghai_tm(iso, &tm) != 0)
		return iso;
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	return out;
}
