/*
 * t_workday.c - the working-day clock (workday.c): dates, the shipped 2026
 * calendar across 春节 and 国庆, a 调休 Saturday, counting both ways, the
 * 剩余 / 已逾期 words, the CSV format, and the calendar read from a
 * database (reloaded when it changes, also after a change rolled back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"
#include "util.h"
#include "workday.h"

static long
D(const char *s)
{
	long d = -1;
	if (day_parse(s, &d) != 0) {
		fprintf(stderr, "bad date in test: %s\n", s);
		abort();
	}
	return d;
}

static const char *
iso(long d)
{
	static char out[4][16];
	static int i;
	i = (i + 1) % 4;
	return day_iso(d, out[i], sizeof(out[i]));
}

static void
test_days(void)
{
	ok(D("1970-01-01") == 0, "1970-01-01 is day 0");
	ok(D("2026-10-01") - D("2026-09-30") == 1, "consecutive days");
	ok(D("2027-01-01") - D("2026-01-01") == 365, "2026 has 365 days");
	ok(D("2028-03-01") - D("2028-02-28") == 2, "2028 is a leap year");
	ok(day_weekday(D("2026-10-01")) == 4, "2026-10-01 is a Thursday");
	ok(day_weekday(D("2026-02-14")) == 6, "2026-02-14 is a Saturday");
	ok(day_weekday(D("1969-12-28")) == 0, "1969-12-28 was a Sunday (before day 0)");
	long d;
	ok(day_parse("2026-02-30", &d) != 0, "2026-02-30 is refused");
	ok(day_parse("2026-2-3", &d) != 0, "2026-2-3 is refused (not zero-padded)");
	ok(day_parse("2026-02-03x", &d) != 0, "trailing text is refused");
	ok(day_parse("", &d) != 0 && day_parse(NULL, &d) != 0, "empty and NULL are refused");
	ok(day_parse("2024-02-29", &d) == 0 && strcmp(iso(d), "2024-02-29") == 0,
	    "2024-02-29 round-trips");
	int bad = 0;
	for (long x = D("1999-12-01"); x < D("2031-01-31"); x++) {
		long y;
		if (day_parse(iso(x), &y) != 0 || y != x)
			bad++;
	}
	ok(bad == 0, "every day 1999–2031 round-trips through its text (%d bad)", bad);
	ok(day_of_utc("2026-09-30T16:30:00Z", &d) == 0 && strcmp(iso(d), "2026-10-01") == 0,
	    "16:30 UTC on 30 Sept is 1 Oct in Shanghai");
	ok(day_of_utc("nonsense", &d) != 0, "an unparsable time is refused");
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *p = xmalloc(1 << 16);
	*len = fread(p, 1, (1 << 16) - 1, f);
	p[*len] = '\0';
	fclose(f);
	return p;
}

/* The shipped 2026 calendar as a workday_cal; 0 or -1. */
static int
shipped(struct arena *a, struct workday_cal *c)
{
	size_t len, n;
	char err[256] = "";
	struct calendar_row *rows;
	char *text = slurp("db/calendar/cn-holidays-2026.csv", &len);
	ok(text != NULL, "the shipped calendar file is there");
	if (text == NULL)
		return -1;
	int rc = calendar_csv_parse(a, text, len, &rows, &n, err, sizeof(err));
	free(text);
	ok(rc == 0 && n == 39, "it parses: %zu days (%s)", n, err);
	if (rc != 0)
		return -1;
	struct workday_entry *e = xcalloc(n, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		e[i].day = rows[i].day;
		e[i].work = strcmp(rows[i].kind, DAY_WORK) == 0;
	}
	rc = workday_cal_set(c, e, n);
	free(e);
	return rc;
}

static void
test_2026(struct arena *a)
{
	struct workday_cal c;
	if (shipped(a, &c) != 0)
		return;
	ok(!workday_is(&c, D("2026-10-01")), "国庆: 1 Oct (a Thursday) is a rest day");
	ok(!workday_is(&c, D("2026-10-07")), "国庆: 7 Oct (a Wednesday) is a rest day");
	ok(workday_is(&c, D("2026-10-08")), "8 Oct is a working day");
	ok(workday_is(&c, D("2026-10-10")), "调休: Saturday 10 Oct is a working day");
	ok(workday_is(&c, D("2026-09-20")), "调休: Sunday 20 Sept is a working day");
	ok(!workday_is(&c, D("2026-09-25")), "中秋: Friday 25 Sept is a rest day");
	ok(workday_is(&c, D("2026-02-14")), "调休: Saturday 14 Feb (春节) is a working day");
	ok(!workday_is(&c, D("2026-02-16")), "春节: Monday 16 Feb is a rest day");
	ok(!workday_is(&c, D("2026-10-17")), "an ordinary Saturday rests");
	ok(workday_is(&c, D("2026-11-02")), "an ordinary Monday works");

	/* Across 国庆 and its 调休 Saturday. */
	ok(strcmp(iso(workday_add(&c, D("2026-09-30"), 1)), "2026-10-08") == 0,
	    "the 1st working day after 30 Sept is 8 Oct");
	ok(strcmp(iso(workday_add(&c, D("2026-09-30"), 3)), "2026-10-10") == 0,
	    "the 3rd is Saturday 10 Oct (调休)");
	ok(strcmp(iso(workday_add(&c, D("2026-09-30"), 4)), "2026-10-12") == 0,
	    "the 4th is Monday 12 Oct (Sunday 11 rests)");
	/* 15 working days after Friday 18 Sept: 20 (Sun, 班), 21–24 (25 is
	 * 中秋), 28–30, 8, 9, 10 (Sat, 班), 12–15. */
	ok(strcmp(iso(workday_add(&c, D("2026-09-18"), JOIN_ANSWER_DAYS)), "2026-10-15") == 0,
	    "入会 answer of 18 Sept is due 15 Oct, 27 calendar days later (not 9 Oct)");
	/* Across 春节. */
	ok(strcmp(iso(workday_add(&c, D("2026-02-12"), 2)), "2026-02-14") == 0,
	    "2 working days after Thursday 12 Feb: Friday 13, Saturday 14 (调休)");
	ok(strcmp(iso(workday_add(&c, D("2026-02-13"), LEGAL_CONTACT_DAYS)), "2026-02-27") == 0,
	    "first contact of a case of 13 Feb is due 27 Feb (14, 24, 25, 26, 27)");
	ok(strcmp(iso(workday_add(&c, D("2026-02-26"), 2)), "2026-02-28") == 0,
	    "Saturday 28 Feb (调休) counts");
	/* 元旦: 1–3 Jan rest, Sunday 4 Jan works. */
	ok(strcmp(iso(workday_add(&c, D("2025-12-31"), 1)), "2026-01-04") == 0,
	    "after 31 Dec 2025 the next working day is Sunday 4 Jan");

	/* Counting. */
	ok(workday_count(&c, D("2026-09-30"), D("2026-10-08")) == 1,
	    "one working day in (30 Sept, 8 Oct]");
	ok(workday_count(&c, D("2026-10-08"), D("2026-09-30")) == -1, "and -1 the other way");
	ok(workday_count(&c, D("2025-12-31"), D("2026-12-31")) == 248,
	    "2026 has 248 working days: 261 weekdays, 19 of them off, 6 weekend days worked");
	ok(workday_count(&c, D("2026-01-01"), D("2026-12-31")) == 248,
	    "…all of them after 1 Jan, itself a rest day");

	/* Brute force: counting agrees with walking, and add with count. */
	int bad = 0;
	for (long from = D("2025-12-20"); from < D("2027-01-10"); from += 3) {
		long walked = 0;
		for (long to = from; to < from + 90; to++) {
			if (to > from && workday_is(&c, to))
				walked++;
			if (workday_count(&c, from, to) != walked)
				bad++;
		}
		for (int n = 1; n <= 70; n++) {
			long d = workday_add(&c, from, n);
			if (!workday_is(&c, d) || workday_count(&c, from, d) != n)
				bad++;
		}
	}
	ok(bad == 0, "count equals a day-by-day walk, add(n) lands on the n-th working day (%d bad)",
	    bad);

	/* 剩余 / 已逾期. */
	struct due d;
	int rc = workday_due(a, &c, "2026-10-09", D("2026-09-30"), &d);
	ok(rc == 0 && !d.over && d.days == 2 && strcmp(d.text, "剩余 2 个工作日") == 0,
	    "due 9 Oct, seen 30 Sept: 剩余 2 个工作日 (%s)", rc == 0 ? d.text : "");
	ok(workday_due(a, &c, "2026-10-09", D("2026-10-09"), &d) == 0 && !d.over &&
	    strcmp(d.text, "今天到期") == 0, "on the day: 今天到期");
	rc = workday_due(a, &c, "2026-10-09", D("2026-10-10"), &d);
	ok(rc == 0 && d.over && d.days == 1 && strcmp(d.text, "已逾期 1 个工作日") == 0,
	    "due Friday 9 Oct, seen Saturday 10 Oct (调休): 已逾期 1 个工作日 (%s)",
	    rc == 0 ? d.text : "");
	ok(workday_due(a, &c, "2026-10-16", D("2026-10-17"), &d) == 0 && d.over &&
	    d.days == 1, "due Friday 16 Oct, seen Saturday 17: overdue 1 (the coming Monday)");
	ok(workday_due(a, &c, "2026-10-16", D("2026-10-20"), &d) == 0 && d.over &&
	    d.days == 2, "…seen Tuesday 20: overdue 2");
	ok(workday_due(a, &c, "2026-09-30", D("2026-10-05"), &d) == 0 && d.over &&
	    d.days == 1, "due 30 Sept, seen in the 国庆 week: overdue 1 (8 Oct)");
	ok(strcmp(d.date, "2026年9月30日") == 0, "the due date in words: %s", d.date);
	ok(workday_due(a, &c, "", D("2026-10-05"), &d) != 0, "no date: no state");
	char out[16];
	ok(workday_due_after(&c, "2026-09-30T16:30:00Z", 1, out, sizeof(out)) == 0 &&
	    strcmp(out, "2026-10-08") == 0,
	    "a submission at 00:30 on 1 Oct (Shanghai): 1 working day → 8 Oct (%s)", out);

	/* Which year is missing. */
	ok(workday_has_year(&c, 2026) && !workday_has_year(&c, 2027) &&
	    !workday_has_year(&c, 2025), "the shipped file has 2026 only");
	ok(workday_missing_year(&c, D("2026-10-31")) == 0, "on 31 Oct 2026 nothing is missing");
	ok(workday_missing_year(&c, D("2026-11-01")) == 2027, "from 1 Nov 2026, 2027 is missing");
	ok(workday_missing_year(&c, D("2026-12-31")) == 2027, "…still on 31 Dec");
	ok(workday_missing_year(&c, D("2027-03-01")) == 2027, "in 2027 without it: 2027");
	ok(workday_missing_year(&c, D("2025-06-01")) == 2025, "in 2025: 2025 (none entered)");
	ok(workday_missing_year(NULL, D("2026-06-01")) == 2026, "no calendar: this year");

	/* Without a calendar: weekends only. */
	ok(strcmp(iso(workday_add(NULL, D("2026-09-30"), 1)), "2026-10-01") == 0,
	    "no calendar: the weekday rule");
	workday_cal_free(&c);

	/* A day listed twice: the last wins. */
	struct workday_entry twice[] = {{D("2026-10-10"), 1}, {D("2026-10-10"), 0}};
	ok(workday_cal_set(&c, twice, 2) == 0 && c.n == 1 &&
	    !workday_is(&c, D("2026-10-10")), "a day listed twice keeps the last");
	workday_cal_free(&c);
}

static void
test_csv(struct arena *a)
{
	struct calendar_row *rows;
	size_t n;
	char err[256];
	const char *good = "\xEF\xBB\xBF# comment\r\ndate,kind,holiday\r\n"
	    "2027-01-01, 休 ,\"元旦\"\r\n\r\n2027-02-06,班,\"春节, 调休\"\r\n";
	err[0] = '\0';
	int rc = calendar_csv_parse(a, good, strlen(good), &rows, &n, err, sizeof(err));
	ok(rc == 0 && n == 2 && strcmp(rows[0].kind, DAY_REST) == 0 &&
	    strcmp(rows[0].holiday, "元旦") == 0 && strcmp(rows[1].holiday, "春节, 调休") == 0,
	    "BOM, CRLF, spaces and quotes are accepted (%s)", rc == 0 ? rows[0].holiday : err);
	const char *cases[][2] = {
		{"2027-02-30,休,x\n", "第 1 行"},
		{"date,kind,holiday\n2027-01-01,放假,元旦\n", "第 2 行"},
		{"2027-01-01,休\n", "三栏"},
		{"2027-01-01,休,a\n2027-01-01,班,b\n", "两次"},
		{"# nothing\n", "没有日期"},
		{"2027-01-01,休,\"broken\n", "三栏"},
		{"2027-01-01,休,一二三四五六七八九十一二三四五六七八九十一\n", "20"},
		{"2027-01-01,休,\x01\n", "UTF-8"},
		{"2027-01-01,休,\xff\n", "UTF-8"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = calendar_csv_parse(a, cases[i][0], strlen(cases[i][0]), &rows, &n,
		    err, sizeof(err));
		ok(rc != 0 && strstr(err, cases[i][1]) != NULL, "refused with “%s”: %s",
		    cases[i][1], err);
	}
}

static void
test_db(void)
{
	char dir[] = "/tmp/t_workday.XXXXXX", path[64], err[256] = "";
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	struct db *db = db_open(path, err, sizeof(err));
	ok(db && db_migrate(db, "db/migrations", err, sizeof(err)) > 0, "migrated: %s", err);
	if (db == NULL)
		return;
	sqlite3 *h = db_handle(db);
	const struct workday_cal *c = workday_calendar(db);
	ok(c->n == 0 && workday_is(c, D("2026-10-01")), "an empty table: weekdays work");
	const struct workday_cal *again = workday_calendar(db);
	ok(again == c && again->n == 0, "asked again unchanged: the same calendar");
	sqlite3_exec(h, "INSERT INTO calendar_days (day, kind, holiday, updated_at)"
	    " VALUES ('2026-10-01', '休', '国庆节', 'x'), ('2026-10-10', '班', '国庆节', 'x')",
	    NULL, NULL, NULL);
	c = workday_calendar(db);
	ok(c->n == 2 && !workday_is(c, D("2026-10-01")) && workday_is(c, D("2026-10-10")),
	    "a change is seen at the next call");
	sqlite3_exec(h, "BEGIN; DELETE FROM calendar_days;", NULL, NULL, NULL);
	c = workday_calendar(db);
	ok(c->n == 0, "inside a transaction its own change is seen");
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	c = workday_calendar(db);
	ok(c->n == 2 && !workday_is(c, D("2026-10-01")),
	    "after the rollback the committed calendar is back");
	sqlite3_exec(h, "UPDATE calendar_days SET kind = '班' WHERE day = '2026-10-01'",
	    NULL, NULL, NULL);
	c = workday_calendar(db);
	ok(workday_is(c, D("2026-10-01")), "an update is seen");
	db_close(db);
	char rm[128];
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	struct arena *a = arena_new();
	test_days();
	test_2026(a);
	test_csv(a);
	test_db();
	arena_free(a);
	return tap_done();
}
