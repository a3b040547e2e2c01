/*
 * t_text.c - the text helpers the pages share: 元 from 分 (text.c),
 * paragraphs, Shanghai time (when.c), percent-encoding (util.c) and the
 * name prefix range of the queues' search (queue.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mustache.h"
#include "queue.h"
#include "tap.h"
#include "text.h"
#include "util.h"
#include "when.h"

static void
test_yuan(struct arena *a)
{
	char s[32];
	ok(strcmp(yuan(s, sizeof(s), 0, 0), "0.00") == 0, "0 分");
	ok(strcmp(yuan(s, sizeof(s), 5, 1), "0.05") == 0, "5 分");
	ok(strcmp(yuan(s, sizeof(s), 123456, 0), "1234.56") == 0, "no grouping for CSV");
	ok(strcmp(yuan(s, sizeof(s), 123456, 1), "1,234.56") == 0, "grouping for people");
	ok(strcmp(yuan(s, sizeof(s), 12345678, 1), "123,456.78") == 0, "123,456.78 元");
	ok(strcmp(yuan(s, sizeof(s), 100000000, 1), "1,000,000.00") == 0, "a million 元");
	ok(strcmp(yuan(s, sizeof(s), 99999, 1), "999.99") == 0, "no separator below 1,000");
	ok(strcmp(yuan(s, sizeof(s), -50, 1), "-0.50") == 0, "negative cents");
	ok(strcmp(yuan(s, sizeof(s), -123456, 1), "-1,234.56") == 0, "negative 元");
	ok(strcmp(yuan(s, sizeof(s), -9223372036854775807LL - 1, 1),
	    "-92,233,720,368,547,758.08") == 0, "the smallest long long fits 32 bytes");
	char tiny[5];
	ok(strcmp(yuan(tiny, sizeof(tiny), 123456, 0), "1234") == 0,
	    "a short buffer is cut and terminated");
	ok(strcmp(show_yuan(a, 12345678), "123,456.78") == 0, "show_yuan groups");
}

static const char *
text_at(const struct tval *list, size_t i)
{
	const struct tval *m = list->n > i ? list->items[i] : NULL;
	const struct tval *t = m ? tv_get(m, "text") : NULL;
	return t ? t->str : NULL;
}

static void
test_paragraphs(struct arena *a)
{
	const struct tval *p = paragraphs(a, "第一段\r\n\r\n  第二段 \n   \n第三段");
	ok(p->n == 3, "blank and space-only lines are not paragraphs (%zu)", p->n);
	ok(text_at(p, 0) && strcmp(text_at(p, 0), "第一段") == 0, "CR dropped");
	ok(text_at(p, 1) && strcmp(text_at(p, 1), "  第二段") == 0,
	    "leading spaces kept, trailing dropped");
	ok(text_at(p, 2) && strcmp(text_at(p, 2), "第三段") == 0, "last line without LF");
	ok(paragraphs(a, "")->n == 0, "empty text: no paragraph");
	ok(paragraphs(a, "\n\n")->n == 0, "only line ends: no paragraph");
}

static void
test_shanghai(void)
{
	char s[32];
	struct tm tm;
	time_t before = time(NULL);
	time_t local = shanghai_now();
	ok(local - before >= SHANGHAI_OFFSET && local - before <= SHANGHAI_OFFSET + 2,
	    "shanghai_now is UTC + 8 hours");
	gmtime_r(&local, &tm);
	long today = today_shanghai();
	ok(today == (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday,
	    "today_shanghai is the Shanghai date (%ld)", today);
	struct tm d = {.tm_year = 126, .tm_mon = 11, .tm_mday = 1, .tm_hour = 9};
	shanghai_to_utc_iso(timegm(&d), s, sizeof(s));
	ok(strcmp(s, "2026-12-01T01:00:00Z") == 0, "09:00 in Shanghai is 01:00Z (%s)", s);
	struct tm m = {.tm_year = 126, .tm_mon = 0, .tm_mday = 1};
	shanghai_to_utc_iso(timegm(&m), s, sizeof(s));
	ok(strcmp(s, "2025-12-31T16:00:00Z") == 0, "midnight is the day before in UTC (%s)", s);
	ok(shanghai_tm("2025-12-31T16:00:00Z", &tm) == 0 && tm.tm_year == 126 &&
	    tm.tm_mon == 0 && tm.tm_mday == 1 && tm.tm_hour == 0,
	    "and back: the stored time is 1 January in Shanghai");
	ok(strcmp(short_time("2026-11-23T08:05:00Z", s, sizeof(s)), "2026-11-23 16:05") == 0,
	    "short_time in Shanghai");
	ok(strcmp(short_time("2026-12-31T16:30:00Z", s, sizeof(s)), "2027-01-01 00:30") == 0,
	    "short_time over the new year");
	const char *odd = "not a time";
	ok(short_time(odd, s, sizeof(s)) == odd, "unparsable text is returned as it is");
	ok(strcmp(short_time("", s, sizeof(s)), "") == 0, "empty stays empty");
}

static void
test_pct(void)
{
	struct buf b = {0};
	buf_put_urlencoded(&b, "a b/工&=~", 0);
	ok(b.p && strcmp(b.p, "a%20b%2F%E5%B7%A5%26%3D~") == 0, "query value (%s)", b.p);
	buf_reset(&b);
	buf_put_urlencoded(&b, "/staff/joins?x", 1);
	ok(b.p && strcmp(b.p, "/staff/joins%3Fx") == 0, "path keeps its slashes (%s)", b.p);
	buf_reset(&b);
	buf_put_pct(&b, "工资 条!#$&+-.^_`|~(1).png", "!#$&+-.^_`|~");
	ok(b.p && strcmp(b.p, "%E5%B7%A5%E8%B5%84%20%E6%9D%A1!#$&+-.^_`|~%281%29.png") == 0,
	    "RFC 8187 attr-chars kept (%s)", b.p);
	buf_reset(&b);
	buf_put_pct(&b, "a-b", "");
	ok(b.p && strcmp(b.p, "a%2Db") == 0, "only letters and digits when keep is empty");
	buf_free(&b);
}

static void
test_prefix_end(struct arena *a)
{
	ok(strcmp(queue_prefix_end(a, "ab"), "ac") == 0, "last byte raised");
	ok(strcmp(queue_prefix_end(a, "王"), "\xe7\x8e\x8c") == 0,
	    "a UTF-8 name: its last byte raised");
	ok(strcmp(queue_prefix_end(a, "a\xff"), "b") == 0, "0xff bytes carried over");
	ok(strcmp(queue_prefix_end(a, "\xff\xff"), "") == 0, "none past all 0xff");
	ok(strcmp(queue_prefix_end(a, ""), "") == 0, "none for empty text");
}

int
main(void)
{
	struct arena *a = arena_new();
	test_yuan(a);
	test_paragraphs(a);
	test_shanghai();
	test_pct();
	test_prefix_end(a);
	arena_free(a);
	return tap_done();
}
