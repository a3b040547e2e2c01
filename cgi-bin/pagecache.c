/*
 * pagecache.c - see pagecache.h.
 */
#include "pagecache.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "util.h"

/* Copies a worker keeps: a public page is at most 30 KB. */
#define PAGE_COPIES 8

static struct copy {
	char *key;
	char *body;
	size_t len;
	long long version;
} copies[PAGE_COPIES];
static size_t next_slot;

/* The database's data version on this connection: it changes when another
 * connection (the writer) commits.  -1 when it cannot be read. */
static long long
data_version(struct req *r)
{
	static const char sql[] = "PRAGMA data_version";
	sqlite3_stmt *st = db_prep(r->app->db, sql);
	long long v = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
page_cached(struct req *r, const char *key, long long *version)
{
	*version = data_version(r);
	if (*version < 0)
		return 0;
	for (size_t i = 0; i < PAGE_COPIES; i++) {
		struct copy *c = &copies[i];
		if (c->key && c->version == *version && strcmp(c->key, key) == 0) {
			resp_text(r, 200, "text/html; charset=utf-8", c->body, c->len);
			return 1;
		}
	}
	return 0;
}

void
page_keep(struct req *r, const char *key, long long version)
{
	if (version < 0 || r->status != 200 || r->out->p == NULL)
		return;
	struct copy *c = NULL;
	for (size_t i = 0; i < PAGE_COPIES && c == NULL; i++)
		if (copies[i].key && strcmp(copies[i].key, key) == 0)
			c = &copies[i];
	if (c == NULL) {
		c = &copies[next_slot];
		next_slot = (next_slot + 1) % PAGE_COPIES;
	}
	free(c->key);
	free(c->body);
	c->key = xstrdup(key);
	c->body = xmalloc(r->out->len);
	memcpy(c->body, r->out->p, r->out->len);
	c->len = r->out->len;
	c->version = version;
}
