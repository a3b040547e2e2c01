/*
 * form.h - parsers for what a browser sends: query strings and
 * application/x-www-form-urlencoded bodies, multipart/form-data bodies
 * (files streamed to disk in chunks), and the Cookie header.
 *
 * Pure of HTTP plumbing: bodies are read through a callback, so the unit
 * tests and fuzzers drive them from memory.  All memory comes from the
 * caller's arena.
 */
#ifndef ZJ_FORM_H
#define ZJ_FORM_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct form_limits {
	size_t max_body;      /* whole body, bytes */
	size_t max_fields;    /* text fields (files not counted) */
	size_t max_field_len; /* one text value, bytes after decoding */
	size_t max_files;     /* file parts kept; more are counted, dropped */
	size_t max_file_size; /* one file, bytes; larger is flagged, dropped */
	const char *tmpdir;   /* where file parts are written (multipart) */
};

struct form_field {
	const char *name;     /* NUL-terminated, decoded */
	const char *value;    /* NUL-terminated, decoded */
	size_t len;           /* value length in bytes */
};

struct form_file {
	const char *field;    /* form field name */
	const char *filename; /* as the browser sent it (may be ""); only for
	                         display, never used as a path */
	const char *ctype;    /* declared Content-Type, "" if none: untrusted */
	const char *path;     /* temp file under tmpdir (mode 0600), NULL when
	                         too_big or empty; the caller renames or
	                         unlinks it (form_cleanup unlinks what is left) */
	size_t size;          /* bytes received (counted even when too_big) */
	int too_big;          /* larger than max_file_size: data discarded */
};

struct form {
	struct form_field *fields;
	size_t nfields;
	struct form_file *files;
	size_t nfiles;
	size_t files_over;    /* file parts beyond max_files, discarded */
};

/* Outcome of a parse; the values are the HTTP status a caller answers. */
enum {
	FORM_OK = 0,
	FORM_BAD = 400,       /* malformed escape/structure, bad UTF-8/control */
	FORM_TOO_LARGE = 413, /* body, field count or a field over its limit */
	FORM_IOERR = 500      /* temp file could not be written */
};

/* Reads up to len bytes into p; returns bytes read, 0 at end, -1 error. */
typedef ssize_t (*form_read_fn)(void *ctx, char *p, size_t len);

/*
 * Parse "a=1&b=%E4%B8%AD" (a query string or a urlencoded body held in
 * memory), appending fields to f.  '+' decodes to a space.  Every name and
 * value must pass utf8_text_ok.  Returns FORM_OK, FORM_BAD, or
 * FORM_TOO_LARGE (field count or length over the limits).
 */
int form_parse_urlencoded(struct arena *a, const char *s, size_t len,
    const struct form_limits *lim, struct form *f);

/*
 * Read a urlencoded body of content_length bytes (-1 when unknown: read to
 * end) and parse it as above.  Over max_body is FORM_TOO_LARGE without
 * reading further.
 */
int form_read_urlencoded(struct arena *a, form_read_fn rd, void *ctx,
    long long content_length, const struct form_limits *lim, struct form *f);

/*
 * Read a multipart/form-data body; content_type is the full header value
 * (the boundary is taken from it).  Text parts become fields, parts with a
 * filename become files written to lim->tmpdir in chunks (never held whole
 * in memory).  On any error the temp files written so far are removed.
 */
int form_read_multipart(struct arena *a, const char *content_type,
    form_read_fn rd, void *ctx, long long content_length,
    const struct form_limits *lim, struct form *f);

/* Unlink every temp file of f still present (path not NULL). */
void form_cleanup(struct form *f);

/* First value of name, or NULL.  Also for query strings. */
const char *form_get(const struct form *f, const char *name);
/* Number of values of name (check boxes, multi-selects). */
size_t form_count(const struct form *f, const char *name);

/*
 * Parse a Cookie header ("a=1; b=2") into fields (no percent-decoding,
 * values kept as sent).  Malformed pairs are skipped.  Never fails.
 */
void form_parse_cookies(struct arena *a, const char *header, struct form *f);

#endif
