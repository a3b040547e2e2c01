/*
 * t_qr.c - the QR code SVG: the modules drawn are exactly libqrencode's
 * for the same text, inside a 4-module quiet zone, as one path; labels
 * escaped; text too long for any QR version refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "tap.h"
#include "util.h"

/* Fill grid (size×size, zeroed) from the path of svg; returns the number
 * of runs read, or -1 when the path holds anything else. */
static int
parse_path(const char *svg, unsigned char *grid, int size)
{
	const char *p = strstr(svg, "<path fill=\"#000\" d=\"");
	int runs = 0;
	if (p == NULL)
		return -1;
	p += strlen("<path fill=\"#000\" d=\"");
	while (*p == 'M') {
		int x, y, n, n2, used = 0;
		if (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used) != 4 ||
		    used == 0 || n != n2 || n <= 0 || x < 0 || y < 0 || y >= size ||
		    x + n > size)
			return -1;
		for (int i = 0; i < n; i++)
			grid[y * size + x + i]++;
		p += used;
		runs++;
	}
	return strncmp(p, "\"/></svg>", 9) == 0 ? runs : -1;
}

static void
test_matrix(struct arena *a, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	const char *svg = qr_svg(a, text, "扫码加入");
	if (!ok(q != NULL && svg != NULL, "encoded: %s", text)) {
		QRcode_free(q);
		return;
	}
	int w = q->width, size = w + 2 * QR_QUIET;
	char want[80];
	snprintf(want, sizeof(want), "viewBox=\"0 0 %d %d\"", size, size);
	ok(strstr(svg, want) != NULL, "viewBox is the code plus the quiet zone (%s)", want);
	ok(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0,
	    "an svg element in the SVG namespace");
	snprintf(want, sizeof(want), "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>",
	    size, size);
	ok(strstr(svg, want) != NULL, "a white background the size of the whole code");

	unsigned char *grid = xcalloc((size_t)size * (size_t)size, 1);
	int runs = parse_path(svg, grid, size);
	ok(runs > 0, "the path is only runs of dark modules (%d runs)", runs);
	int same = 1, overlaps = 0, quiet = 1, dark = 0;
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			unsigned char g = grid[y * size + x];
			int inside = x >= QR_QUIET && y >= QR_QUIET &&
			    x < QR_QUIET + w && y < QR_QUIET + w;
			overlaps += g > 1;
			if (!inside) {
				quiet &= g == 0;
				continue;
			}
			int d = q->data[(y - QR_QUIET) * w + (x - QR_QUIET)] & 1;
			dark += d;
			same &= (g != 0) == d;
		}
	ok(same, "every module matches libqrencode's matrix (%d dark of %d)", dark, w * w);
	ok(overlaps == 0, "no module is drawn twice");
	ok(quiet, "nothing is drawn in the %d-module quiet zone", QR_QUIET);
	/* The three finder patterns: a 7×7 dark ring at three corners. */
	int finders = 1;
	for (int i = 0; i < 7; i++) {
		int o = QR_QUIET;
		finders &= grid[o * size + o + i] && grid[(o + i) * size + o];
		finders &= grid[o * size + o + w - 1 - i] && grid[(o + w - 1 - i) * size + o];
	}
	ok(finders, "finder patterns at the corners");
	free(grid);
	QRcode_free(q);
}

static void
test_label_and_limits(struct arena *a)
{
	const char *svg = qr_svg(a, "x", "<b>\"驿站\" & 'co'</b>");
	ok(svg && strstr(svg, "aria-label=\"&lt;b&gt;&quot;驿站&quot; &amp; &#39;co&#39;&lt;/b&gt;\""),
	    "the label is escaped: %.70s", svg ? strstr(svg, "aria-label") : "(null)");
	ok(svg && strstr(svg, "<b>") == NULL, "no markup from the label");
	svg = qr_svg(a, "https://example.org/join?src=A", NULL);
	ok(svg && strstr(svg, "aria-label") == NULL, "no label: no aria-label");
	ok(svg && strstr(svg, "viewBox=\"0 0 37 37\""),
	    "30 bytes take version 3 at level M (29 + 8 modules)");
	size_t n = 4000;
	char *big = xmalloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	ok(qr_svg(a, big, NULL) == NULL, "text longer than version 40 holds is refused");
	free(big);
}

int
main(void)
{
	struct arena *a = arena_new();
	test_matrix(a, "https://example.org/join?src=CY001");
	test_matrix(a, "http://127.0.0.1:8080/join?src=zj-haidian-zhongguancun-2026");
	test_matrix(a, "工会驿站 · 职工之家");
	test_label_and_limits(a);
	arena_free(a);
	return tap_done();
}
