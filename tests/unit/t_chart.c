/*
 * t_chart.c - the dashboard's inline SVG bar charts: labels and titles
 * escaped, bars scaled to the largest, empty data, long labels, and the
 * number formats.
 */
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "tap.h"
#include "util.h"

#define AREA (CHART_WIDTH - CHART_LABEL_W - CHART_VALUE_W)

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The width="…" of the i-th <rect>, or -1. */
static int
rect_width(const char *svg, int i)
{
	const char *p = svg;
	int w = -1;
	for (int k = 0; k <= i; k++)
		if ((p = strstr(p, "<rect ")) == NULL)
			return -1;
		else
			p++;
	const char *wp = strstr(p, "width=\"");
	if (wp && sscanf(wp, "width=\"%d\"", &w) == 1)
		return w;
	return -1;
}

static void
test_escaping(struct arena *a)
{
	struct chart_bar bars[] = {
		{"<script>alert(1)</script>", 5},
		{"A & B \"q\" 'x'", 3},
	};
	const char *svg = chart_svg(a, "职业 <b>&", bars, 2);
	ok(strstr(svg, "<script") == NULL, "a label cannot open a tag");
	ok(strstr(svg, "&lt;script&gt;") != NULL, "the label is shown escaped");
	ok(strstr(svg, "A &amp; B &quot;q&quot; &#39;x&#39;") != NULL ||
	    strstr(svg, "A &amp; B &quot;q&quot; &#x27;x&#x27;") != NULL,
	    "& \" ' escaped in a label");
	ok(strstr(svg, "<b>") == NULL && strstr(svg, "职业 &lt;b&gt;&amp;") != NULL,
	    "the title is escaped");
	ok(strstr(svg, "aria-label=\"职业 &lt;b&gt;&amp;\"") != NULL,
	    "aria-label carries the escaped title");
	ok(count(svg, "<svg ") == 1 && count(svg, "</svg>") == 1, "one svg element");
}

static void
test_accessible(struct arena *a)
{
	struct chart_bar bars[] = {{"快递员", 12}, {"网约送餐员", 30}};
	const char *svg = chart_svg(a, "入会申请按职业", bars, 2);
	ok(strncmp(svg, "<svg class=\"chart\" role=\"img\"", 29) == 0, "role=img: %.40s", svg);
	ok(strstr(svg, "<title>入会申请按职业</title>") != NULL, "the chart has a title");
	ok(strstr(svg, "<title>快递员:12</title>") != NULL, "each bar has its own title");
	ok(strstr(svg, ">12</text>") && strstr(svg, ">30</text>"), "values printed as text");
	ok(strstr(svg, "style=") == NULL, "no inline style (the CSP forbids it)");
	ok(strstr(svg, "http") == NULL, "no reference to any other host");
	ok(strstr(svg, "viewBox=\"0 0 640 56\"") != NULL, "height follows the rows: %s",
	    strstr(svg, "viewBox"));
}

static void
test_scaling(struct arena *a)
{
	struct chart_bar bars[] = {{"a", 100}, {"b", 50}, {"c", 0}, {"d", 1}, {"e", -5}};
	const char *svg = chart_svg(a, "t", bars, 5);
	ok(count(svg, "<rect ") == 5, "one bar per row");
	ok(rect_width(svg, 0) == AREA, "the largest fills the bar area (%d)", rect_width(svg, 0));
	ok(rect_width(svg, 1) == AREA / 2, "half the value, half the length (%d)",
	    rect_width(svg, 1));
	ok(rect_width(svg, 2) == 0, "zero draws nothing");
	ok(rect_width(svg, 3) == (AREA * 2 + 100) / 200, "1 of 100: %d", rect_width(svg, 3));
	ok(chart_bar_width(1, 1000000) == 1, "a tiny value is still visible");
	ok(rect_width(svg, 4) == 0 && strstr(svg, ">-5<") == NULL, "negative drawn as 0");
	ok(chart_bar_width(1, 3) == (AREA + 1) / 3, "rounded: %d", chart_bar_width(1, 3));
	ok(chart_bar_width(5, 0) == 0, "no max: no bar");
	ok(chart_bar_width(3000000000000000LL, 6000000000000000LL) == AREA / 2,
	    "huge values do not overflow");
	ok(chart_bar_width(7, 5) == AREA, "above max is clipped");
	/* Bars keep the order given. */
	ok(strstr(svg, ">a</text>") < strstr(svg, ">b</text>"), "order kept");
}

static void
test_empty(struct arena *a)
{
	const char *svg = chart_svg(a, "按驿站", NULL, 0);
	ok(strstr(svg, "暂无数据") != NULL && strstr(svg, "<rect") == NULL,
	    "no bars: says so");
	ok(strstr(svg, "<title>按驿站</title>") != NULL, "the empty chart keeps its title");
	struct chart_bar zeros[] = {{"a", 0}, {"b", 0}};
	svg = chart_svg(a, "z", zeros, 2);
	ok(strstr(svg, "暂无数据") != NULL, "all zero: no data");
	svg = chart_svg(a, NULL, zeros, 0);
	ok(strstr(svg, "<title></title>") != NULL, "no title is an empty one");
	struct chart_bar nolabel[] = {{NULL, 2}};
	svg = chart_svg(a, "n", nolabel, 1);
	ok(strstr(svg, "<title>:2</title>") != NULL, "a missing label is empty");
}

static void
test_long_labels(struct arena *a)
{
	struct chart_bar bars[] = {
		{"朝阳区望京街道工会驿站第一服务点", 3},   /* 16 characters */
		{"一二三四五六七八九十", 2},               /* exactly 10 */
	};
	const char *svg = chart_svg(a, "t", bars, 2);
	ok(strstr(svg, ">朝阳区望京街道工会…</text>") != NULL, "shortened to 10 with …");
	ok(strstr(svg, "<title>朝阳区望京街道工会驿站第一服务点:3</title>") != NULL,
	    "the full name stays in the bar's title");
	ok(strstr(svg, ">一二三四五六七八九十</text>") != NULL, "10 characters fit");
	struct chart_bar amp[] = {{"&&&&&&&&&&&&&&", 1}};
	svg = chart_svg(a, "t", amp, 1);
	ok(strstr(svg, ">&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;…</text>") != NULL,
	    "shortening never splits an entity");
}

static void
test_numbers(struct arena *a)
{
	ok(strcmp(chart_num(a, 0), "0") == 0, "0");
	ok(strcmp(chart_num(a, 999), "999") == 0, "999");
	ok(strcmp(chart_num(a, 1000), "1,000") == 0, "1,000");
	ok(strcmp(chart_num(a, 1234567), "1,234,567") == 0, "1,234,567");
	ok(strcmp(chart_num(a, -1234), "-1,234") == 0, "-1,234");
	ok(strcmp(chart_num(a, -9223372036854775807LL - 1), "-9,223,372,036,854,775,808") == 0,
	    "the smallest long long");
	struct chart_bar big[] = {{"x", 1234567}};
	ok(strstr(chart_svg(a, "t", big, 1), ">1,234,567</text>") != NULL,
	    "bar values use separators");
}

int
main(void)
{
	struct arena *a = arena_new();
	test_escaping(a);
	test_accessible(a);
	test_scaling(a);
	test_empty(a);
	test_long_labels(a);
	test_numbers(a);
	arena_free(a);
	return tap_done();
}
