/*
 * qr.c - a QR code as SVG markup, from libqrencode.
 *
 * The dark modules are one <path>: every horizontal run of dark modules in
 * a row is one rectangle "M{x} {y}h{n}v1h-{n}z", so a 33×33 code is a few
 * hundred short commands and scales without blur (crispEdges).
 */
#include "qr.h"

#include <string.h>

#include <qrencode.h>

#include "util.h"

/* Append the path commands of QR code q's dark modules to b. */
static void
dark_runs(struct buf *b, const QRcode *q)
{
	int w = q->width;
	for (int y = 0; y < w; y++) {
		const unsigned char *row = q->data + (size_t)y * (size_t)w;
		int x = 0;
		while (x < w) {
			if (!(row[x] & 1)) {
				x++;
				continue;
			}
			int start = x;
			while (x < w && (row[x] & 1))
				x++;
			buf_printf(b, "M%d %dh%dv1h-%dz", start + QR_QUIET, y + QR_QUIET,
			    x - start, x - start);
		}
	}
}

const char *
qr_svg(struct arena *a, const char *text, const char *label)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return NULL;
	int size = q->width + 2 * QR_QUIET;
	struct buf b = {0};
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\""
	    " viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" role=\"img\"",
	    size, size);
	if (label) {
		buf_puts(&b, " aria-label=\"");
		buf_put_html(&b, label, strlen(label));
		buf_putc(&b, '"');
	}
	buf_printf(&b, "><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", size, size);
	dark_runs(&b, q);
	buf_puts(&b, "\"/></svg>");
	QRcode_free(q);
	const char *svg = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return svg;
}
