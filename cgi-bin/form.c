/*
 * form.c - query strings, urlencoded bodies, the Cookie header, and the
 * lookups and cleanup of a parsed form.  Contracts are in form.h; the
 * multipart reader is in form-multipart.c, and what the two share is in
 * form-impl.h.
 *
 * Fields and files are appended to arena arrays whose capacity is implied
 * by their length (see form_grow()), so struct form needs no capacity
 * fields.  A parse that fails puts the counts of f back to what they were
 * before the call: the caller never sees half a form.
 */
#include "form.h"
#include "form-impl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define URL_CHUNK    (16 * 1024)   /* read size for urlencoded bodies */

/* ---- arrays in the arena ---- */

/*
 * Capacity is implicit: 8, then doubled whenever n reaches a power of two
 * (contract in form-impl.h).
 */
void *
form_grow(struct arena *a, void *arr, size_t n, size_t sz)
{
	void *p = arr;

	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
		p = arena_calloc(a, n ? 2 * n : 8, sz);
		if (n != 0)
			memcpy(p, arr, n * sz);
	}
	return p;
}

void
form_add_field(struct arena *a, struct form *f, const char *name,
    const char *value, size_t len)
{
	f->fields = form_grow(a, f->fields, f->nfields, sizeof(*f->fields));
	f->fields[f->nfields++] = (struct form_field){ name, value, len };
}

/* ---- small text helpers (also for form-multipart.c) ---- */

int
form_is_ows(int c)
{
	return c == ' ' || c == '\t';
}

const char *
form_skip_ows(const char *s, const char *e)
{
	while (s < e && form_is_ows(*s))
		s++;
	return s;
}

const char *
form_trim_end(const char *s, const char *e)
{
	while (e > s && form_is_ows(e[-1]))
		e--;
	return e;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- urlencoded ---- */

/*
 * Decode s[0..len) ('+' is a space, %XX one byte) into a new arena string.
 * Returns FORM_OK, FORM_BAD (malformed escape, or the result fails
 * utf8_text_ok) or FORM_TOO_LARGE (result longer than max).
 */
static int
url_decode(struct arena *a, const char *s, size_t len, size_t max,
    const char **out, size_t *outlen)
{
	char *d = arena_alloc(a, len + 1);
	size_t n = 0;
	int rc = FORM_BAD;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi = i + 2 < len ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				goto out;
			c = hi << 4 | lo;
			i += 2;
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (n > max) {
		rc = FORM_TOO_LARGE;
		goto out;
	}
	if (!utf8_text_ok(d, n))
		goto out;
	*out = d;
	*outlen = n;
	rc = FORM_OK;
out:
	return rc;
}

/* One "name=value" (or "name") of len > 0 bytes. */
static int
url_pair(struct arena *a, const char *p, size_t len,
    const struct form_limits *lim, struct form *f)
{
	const char *eq = memchr(p, '=', len);
	size_t nlen = eq != NULL ? (size_t)(eq - p) : len;
	const char *name, *value = "";
	size_t junk, vlen = 0;
	int rc;

	if (f->nfields >= lim->max_fields) {
		rc = FORM_TOO_LARGE;
		goto out;
	}
	rc = url_decode(a, p, nlen, lim->max_field_len, &name, &junk);
	if (rc == FORM_OK && eq != NULL)
		rc = url_decode(a, eq + 1, len - nlen - 1, lim->max_field_len,
		    &value, &vlen);
	if (rc == FORM_OK)
		form_add_field(a, f, name, value, vlen);
out:
	return rc;
}

int
form_parse_urlencoded(struct arena *a, const char *s, size_t len,
    const struct form_limits *lim, struct form *f)
{
	size_t n0 = f->nfields;
	const char *e;
	int rc = FORM_OK;

	if (len > lim->max_body) {
		rc = FORM_TOO_LARGE;
		goto out;
	}
	if (len == 0)
		goto out;
	e = s + len;
	while (s < e && rc == FORM_OK) {
		const char *amp = memchr(s, '&', (size_t)(e - s));
		const char *pe = amp != NULL ? amp : e;
		if (pe > s)
			rc = url_pair(a, s, (size_t)(pe - s), lim, f);
		s = amp != NULL ? amp + 1 : e;
	}
out:
	if (rc != FORM_OK)
		f->nfields = n0;
	return rc;
}

/*
 * Read the whole body into b: exactly clen bytes, or (clen -1) until the
 * callback returns 0.  At most max + 1 bytes are read, the extra one to tell
 * a body of max bytes from a longer one.
 */
static int
read_all(form_read_fn rd, void *ctx, long long clen, size_t max,
    struct buf *b)
{
	size_t total = clen >= 0 ? (size_t)clen : max == SIZE_MAX ? max : max + 1;
	int rc = FORM_OK;

	while (b->len < total) {
		size_t want = total - b->len < URL_CHUNK ? total - b->len : URL_CHUNK;
		buf_grow(b, want);
		ssize_t r = rd(ctx, b->p + b->len, want);
		if (r < 0 || (size_t)r > want || (r == 0 && clen >= 0)) {
			rc = FORM_BAD;  /* read error, or shorter than announced */
			goto out;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	if (b->len > max)
		rc = FORM_TOO_LARGE;
out:
	return rc;
}

int
form_check_length(long long content_length, const struct form_limits *lim)
{
	if (content_length < -1)
		return FORM_BAD;
	if (content_length > 0 &&
	    (unsigned long long)content_length > lim->max_body)
		return FORM_TOO_LARGE;
	return FORM_OK;
}

int
form_read_urlencoded(struct arena *a, form_read_fn rd, void *ctx,
    long long content_length, const struct form_limits *lim, struct form *f)
{
	struct buf b = { 0 };
	int rc;

	if ((rc = form_check_length(content_length, lim)) != FORM_OK)
		goto out;
	rc = read_all(rd, ctx, content_length, lim->max_body, &b);
	if (rc == FORM_OK)
		rc = form_parse_urlencoded(a, b.p, b.len, lim, f);
out:
	buf_free(&b);
	return rc;
}

/* ---- temp files left over ---- */

void
form_cleanup(struct form *f)
{
	for (size_t i = 0; i < f->nfiles; i++) {
		struct form_file *ff = &f->files[i];
		if (ff->path != NULL && unlink(ff->path) != 0 && errno != ENOENT)
			LOG_ERR("unlink %s: %s", ff->path, strerror(errno));
		ff->path = NULL;
	}
}

/* ---- lookups ---- */

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return f->fields[i].value;
	return NULL;
}

size_t
form_count(const struct form *f, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			n++;
	return n;
}

/* ---- cookies ---- */

/* One "name=value" of a Cookie header; skipped when malformed. */
static void
cookie_pair(struct arena *a, const char *s, const char *e, struct form *f)
{
	const char *eq, *ne, *v;

	s = form_skip_ows(s, e);
	e = form_trim_end(s, e);
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL)
		return;
	ne = form_trim_end(s, eq);
	v = form_skip_ows(eq + 1, e);
	if (e - v >= 2 && v[0] == '"' && e[-1] == '"') {
		v++;
		e--;
	}
	if (ne == s || !utf8_text_ok(s, (size_t)(ne - s)) ||
	    !utf8_text_ok(v, (size_t)(e - v)))
		return;
	form_add_field(a, f, arena_strndup(a, s, (size_t)(ne - s)),
	    arena_strndup(a, v, (size_t)(e - v)), (size_t)(e - v));
}

void
form_parse_cookies(struct arena *a, const char *header, struct form *f)
{
	const char *s = header, *e, *semi;

	if (header == NULL)
		return;
	e = s + strlen(s);
	while (s < e) {
		semi = memchr(s, ';', (size_t)(e - s));
		cookie_pair(a, s, semi != NULL ? semi : e, f);
		s = semi != NULL ? semi + 1 : e;
	}
}
