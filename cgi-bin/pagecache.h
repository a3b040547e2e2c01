/*
 * pagecache.h - a worker's copies of public pages that depend only on the
 * database and on what their key says (the filters, the page, the minute
 * when "open now" is on it).  A copy is answered again while no commit has
 * touched the database since it was made (PRAGMA data_version), so a page
 * is never older than the data it shows; any write, of any table, makes
 * the next request render it afresh.  Public pages only (the layout shows
 * nothing of who asks).  A few copies a worker, the oldest replaced.
 */
#ifndef ZJ_PAGECACHE_H
#define ZJ_PAGECACHE_H

struct req;

/*
 * Answer r with the copy of key (200, HTML) when it is current: 1.
 * Otherwise 0, and *version is what page_keep needs (-1: the database did
 * not say; nothing is kept).
 */
int page_cached(struct req *r, const char *key, long long *version);

/* After resp_render: keep r's page as key's copy when it was a 200. */
void page_keep(struct req *r, const char *key, long long version);

#endif
