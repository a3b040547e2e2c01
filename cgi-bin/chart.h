/*
 * chart.h - horizontal bar charts as inline SVG, drawn on the server (no
 * JavaScript), and the number formats the dashboard shows.
 *
 * The SVG is built here, in C, with every piece of text escaped by
 * buf_put_html: it is the one kind of markup a template may insert raw
 * ({{{chart}}}).  It carries role="img", an aria-label and a <title>, and
 * each bar has its own <title> and a printed value; pages still show the
 * same figures in a table beside it.
 */
#ifndef ZJ_CHART_H
#define ZJ_CHART_H

#include <stddef.h>

struct arena;

struct chart_bar {
	const char *label;   /* UTF-8; shortened with "…" when long */
	long long value;     /* below 0 is drawn as 0 */
};

/* Geometry, in SVG user units (the chart scales to its box). */
#define CHART_WIDTH 640
#define CHART_LABEL_W 150   /* the label column, right-aligned */
#define CHART_VALUE_W 80    /* room for the value after the longest bar */
#define CHART_ROW_H 26
#define CHART_BAR_H 18
#define CHART_LABEL_CHARS 10 /* code points of a label before "…" */

/*
 * An SVG bar chart of bars[0..n) titled title, bars in the order given,
 * each as long as its value relative to the largest (a non-zero value gets
 * at least one unit).  With no bars, or all of them 0, a small SVG saying
 * "暂无数据".  Returns text from the arena; never fails.
 */
const char *chart_svg(struct arena *a, const char *title,
    const struct chart_bar *bars, size_t n);

/* Width in user units of the bar for value when max is the largest
 * (0..CHART_WIDTH - CHART_LABEL_W - CHART_VALUE_W).  Pure. */
int chart_bar_width(long long value, long long max);

/* 1234567 → "1,234,567" (arena). */
const char *chart_num(struct arena *a, long long n);

#endif
