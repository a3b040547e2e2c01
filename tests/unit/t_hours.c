/*
 * t_hours.c - opening hours as people type them (hours.c): one day, a
 * week in one line (the CSV import), what is shown, and the job encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "tap.h"
#include "util.h"

/* Day d of w as people read it. */
static const char *
day(const struct week_hours *w, int d)
{
	static struct buf b;
	buf_reset(&b);
	hours_day_text(w, d, &b);
	return b.p;
}

static void
test_day(void)
{
	struct week_hours w;
	hours_clear(&w);
	ok(hours_parse_day(&w, 1, "08:00-20:00") == NULL && strcmp(day(&w, 1), "08:00–20:00") == 0,
	    "one period");
	ok(hours_parse_day(&w, 2, " 8:00 – 12:00，14：00～18:00 ") == NULL &&
	    strcmp(day(&w, 2), "08:00–12:00、14:00–18:00") == 0,
	    "two periods, full-width marks and a one-digit hour");
	ok(hours_parse_day(&w, 3, "14:00-18:00, 08:00-12:00") == NULL &&
	    strcmp(w.day[3][0].opens, "08:00") == 0, "periods sorted");
	ok(hours_parse_day(&w, 4, "24小时") == NULL && strcmp(day(&w, 4), "24 小时") == 0 &&
	    strcmp(w.day[4][0].closes, "24:00") == 0, "24 小时 is 00:00–24:00");
	ok(hours_parse_day(&w, 5, "") == NULL && w.n[5] == 0 && strcmp(day(&w, 5), "休息") == 0,
	    "empty: closed");
	ok(hours_parse_day(&w, 6, "休息") == NULL && w.n[6] == 0, "休息: closed");
	ok(hours_parse_day(&w, 1, "20:00-08:00") != NULL && w.n[1] == 1,
	    "over midnight refused, the day kept");
	ok(hours_parse_day(&w, 1, "08:00-12:00, 11:00-13:00") != NULL, "overlap refused");
	ok(hours_parse_day(&w, 1, "8点到20点") != NULL, "not a time");
	ok(hours_parse_day(&w, 1, "08:00-24:30") != NULL, "past 24:00 refused");
	ok(hours_parse_day(&w, 1, "08:00 20:00") != NULL, "no dash");
	ok(hours_parse_day(&w, 1, "1:00-2:00,3:00-4:00,5:00-6:00,7:00-8:00,9:00-10:00") != NULL,
	    "five periods refused");
	struct buf b = {0};
	hours_day_input(&w, 2, &b);
	ok(strcmp(b.p, "08:00-12:00, 14:00-18:00") == 0, "the edit form's text reads back");
	buf_free(&b);
}

static void
test_week(void)
{
	struct week_hours w;
	ok(hours_parse_week(&w, "每天 08:00-20:00") == NULL && w.n[1] == 1 && w.n[7] == 1,
	    "every day");
	ok(hours_parse_week(&w, "24小时") == NULL && strcmp(day(&w, 3), "24 小时") == 0,
	    "24 小时 every day");
	ok(hours_parse_week(&w, "周一至周五 08:00-20:00; 周六、周日 09:00-12:00, 14:00-17:00")
	    == NULL && strcmp(day(&w, 5), "08:00–20:00") == 0 && w.n[6] == 2 && w.n[7] == 2,
	    "weekdays and a weekend");
	ok(hours_parse_week(&w, "工作日 9:00-17:00") == NULL && w.n[5] == 1 && w.n[6] == 0,
	    "工作日, the weekend closed");
	ok(hours_parse_week(&w, "周六至周一：10:00-16:00") == NULL && w.n[6] == 1 && w.n[7] == 1 &&
	    w.n[1] == 1 && w.n[2] == 0, "a range that wraps, a colon after the days");
	ok(hours_parse_week(&w, "星期一,星期三 08:00-09:00") == NULL && w.n[1] && w.n[3] && !w.n[2],
	    "a list of days");
	ok(hours_parse_week(&w, "") == NULL && hours_empty(&w), "empty: closed every day");
	ok(hours_parse_week(&w, "周一 08:00-20:00; 周一 09:00-10:00") != NULL, "a day twice");
	ok(hours_parse_week(&w, "周一 08:00") != NULL, "half a period");
	struct buf b = {0};
	hours_parse_week(&w, "周一至周五 08:00-20:00; 周日 24小时");
	hours_encode(&w, &b);
	struct week_hours back;
	ok(hours_decode(&back, b.p) == 0 && memcmp(back.n, w.n, sizeof(w.n)) == 0 &&
	    strcmp(day(&back, 7), "24 小时") == 0, "encode and decode");
	ok(hours_decode(&back, "8 08:00 20:00\n") != 0, "a weekday 8 is refused");
	ok(hours_decode(&back, "1 08:00\n") != 0, "a half line is refused");
	buf_free(&b);
}

int
main(void)
{
	test_day();
	test_week();
	return tap_done();
}
