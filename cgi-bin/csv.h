/*
 * csv.h - streamed CSV for spreadsheet users: UTF-8 with a BOM so Excel
 * reads Chinese, RFC 4180 quoting, and cells that would start a formula
 * (= + - @, TAB, CR) neutralised with a leading apostrophe.  Rows are
 * written in chunks as they come, so an export of any size keeps a
 * worker's memory flat.
 */
#ifndef ZJ_CSV_H
#define ZJ_CSV_H

#include <stddef.h>

#include "util.h"

struct req;

struct csv {
	struct req *r;
	struct buf b;     /* pending bytes, flushed at CSV_CHUNK */
	long long rows;
	int failed;       /* the client went away: stop producing rows */
};

#define CSV_CHUNK (64 * 1024)

/* Send the headers (attachment; filename) and the BOM.  0 or -1. */
int csv_begin(struct csv *c, struct req *r, const char *filename);
/* Append one row of n cells (NULL is an empty cell). */
void csv_row(struct csv *c, const char *const *cells, size_t n);
/* Flush what is pending; returns 0, or -1 if any write failed. */
int csv_end(struct csv *c);

/* Append one escaped cell to b (exposed for the unit tests). */
void csv_cell(struct buf *b, const char *s);

#endif
