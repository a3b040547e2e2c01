/*
 * csv.c - streamed, spreadsheet-safe CSV.
 */
#include "csv.h"

#include <string.h>

#include "http.h"

void
csv_cell(struct buf *b, const char *s)
{
	if (s == NULL)
		s = "";
	/* A cell a spreadsheet would run as a formula gets an apostrophe. */
	int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	if (quote)
		buf_putc(b, '"');
}

static int
flush(struct csv *c)
{
	if (c->b.len > 0 && !c->failed && resp_write(c->r, c->b.p, c->b.len) != 0)
		c->failed = 1;
	buf_reset(&c->b);
	return c->failed ? -1 : 0;
}

int
csv_begin(struct csv *c, struct req *r, const char *filename)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	resp_header(r, "Content-Disposition",
	    arena_printf(r->a, "attachment; filename=\"%s\"", filename));
	if (resp_begin(r, 200, "text/csv; charset=utf-8") != 0) {
		c->failed = 1;
		return -1;
	}
	buf_put(&c->b, "\xef\xbb\xbf", 3);
	return 0;
}

void
csv_row(struct csv *c, const char *const *cells, size_t n)
{
	if (c->failed)
		return;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&c->b, ',');
		csv_cell(&c->b, cells[i]);
	}
	buf_puts(&c->b, "\r\n");
	c->rows++;
	if (c->b.len >= CSV_CHUNK)
		flush(c);
}

int
csv_end(struct csv *c)
{
	int rc = flush(c);
	buf_free(&c->b);
	return rc;
}
