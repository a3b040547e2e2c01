/*
 * chart.c - inline SVG bar charts and dashboard number formats.
 */
#include "chart.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define BAR_AREA (CHART_WIDTH - CHART_LABEL_W - CHART_VALUE_W)

int
chart_bar_width(long long value, long long max)
{
	if (value <= 0 || max <= 0)
		return 0;
	if (value >= max)
		return BAR_AREA;
	/* Rounded to the nearest unit; never 0 for a value above 0.  Huge
	 * values go through double rather than overflow. */
	long long w;
	if (max < (1LL << 40))
		w = (value * BAR_AREA * 2 + max) / (max * 2);
	else
		w = (long long)((double)value / (double)max * BAR_AREA + 0.5);
	return w < 1 ? 1 : (int)w;
}

/* Append s escaped, shortened to max code points ("…" included). */
static void
put_label(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s), cut = len, count = 0;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (count == max - 1)
			cut = i;
		count++;
	}
	if (count <= max) {
		buf_put_html(b, s, len);
		return;
	}
	buf_put_html(b, s, cut);
	buf_puts(b, "…");
}

static void
put_num(struct buf *b, long long n)
{
	char digits[32];
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	int len = snprintf(digits, sizeof(digits), "%llu", u);
	if (n < 0)
		buf_putc(b, '-');
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf_putc(b, ',');
		buf_putc(b, digits[i]);
	}
}

static void
open_svg(struct buf *b, const char *title, int height)
{
	buf_puts(b, "<svg class=\"chart\" role=\"img\" aria-label=\"");
	buf_put_html(b, title, strlen(title));
	buf_printf(b, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\"><title>",
	    CHART_WIDTH, height, CHART_WIDTH, height);
	buf_put_html(b, title, strlen(title));
	buf_puts(b, "</title>");
}

static void
put_bar(struct buf *b, const struct chart_bar *bar, int row, long long max)
{
	long long v = bar->value > 0 ? bar->value : 0;
	int top = row * CHART_ROW_H;
	int w = chart_bar_width(v, max);
	int text_y = top + CHART_ROW_H / 2 + 4;
	const char *label = bar->label ? bar->label : "";
	buf_puts(b, "<g><title>");
	buf_put_html(b, label, strlen(label));
	buf_puts(b, ":");
	put_num(b, v);
	buf_printf(b, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
	    CHART_LABEL_W - 8, text_y);
	put_label(b, label, CHART_LABEL_CHARS);
	buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect>",
	    CHART_LABEL_W, top + (CHART_ROW_H - CHART_BAR_H) / 2, w, CHART_BAR_H);
	buf_printf(b, "<text x=\"%d\" y=\"%d\">", CHART_LABEL_W + w + 6, text_y);
	put_num(b, v);
	buf_puts(b, "</text></g>");
}

const char *
chart_svg(struct arena *a, const char *title, const struct chart_bar *bars,
    size_t n)
{
	struct buf b = {0};
	long long max = 0;
	if (title == NULL)
		title = "";
	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	if (max == 0) {
		open_svg(&b, title, 30);
		buf_puts(&b, "<text x=\"0\" y=\"20\">暂无数据</text></svg>");
	} else {
		open_svg(&b, title, (int)n * CHART_ROW_H + 4);
		for (size_t i = 0; i < n; i++)
			put_bar(&b, &bars[i], (int)i, max);
		buf_puts(&b, "</svg>");
	}
	const char *out = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return out;
}

const char *
chart_num(struct arena *a, long long n)
{
	struct buf b = {0};
	put_num(&b, n);
	const char *out = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return out;
}
