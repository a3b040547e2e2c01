/*
 * form-multipart.c - multipart/form-data bodies, read as a stream: text
 * parts become fields, file parts are written to temp files in chunks.
 * Contracts are in form.h; what this file shares with form.c is in
 * form-impl.h.
 *
 * A parse that fails puts the counts of f back to what they were before
 * the call and removes the temp files it wrote: the caller never sees half
 * a form.
 *
 * Multipart is read through a fixed window of MP_WINDOW bytes.  The
 * delimiter "\r\n--boundary" is searched in what the window holds; when it
 * is not there, all but the last (delimiter length - 1) bytes are passed on,
 * because those may be the start of a delimiter cut by a read.  A virtual
 * "\r\n" put ahead of the body makes the first delimiter (which RFC 2046
 * allows at the very start) look like every other one.
 */
#include "form.h"
#include "form-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MP_WINDOW    (64 * 1024)   /* multipart read window */
#define MP_HDR_MAX   (8 * 1024)    /* one part's header block, blank line incl. */
#define MP_PAD_MAX   256           /* spaces/tabs allowed after a delimiter */
#define BOUNDARY_MAX 70            /* RFC 2046 */
#define TMP_TRIES    8             /* fresh random names tried on EEXIST */

/* ---- small text helpers ---- */

/* 1 when [s, e) is word, ignoring case and surrounding spaces/tabs. */
static int
token_is(const char *s, const char *e, const char *word)
{
	size_t wlen = strlen(word);

	s = form_skip_ows(s, e);
	e = form_trim_end(s, e);
	return (size_t)(e - s) == wlen && strncasecmp(s, word, wlen) == 0;
}

/* ---- header parameters (Content-Type, Content-Disposition) ---- */

/*
 * Scan a quoted string starting at the quote *sp; set *sp past the closing
 * quote.  Returns 0, or -1 when there is none.  \" and \\ are escapes; any
 * other backslash is an ordinary character, because browsers send Windows
 * paths unescaped (C:\dir\a.txt).
 */
static int
quoted_end(const char **sp, const char *e)
{
	const char *s = *sp + 1;

	while (s < e && *s != '"')
		s += (*s == '\\' && e - s >= 2 && (s[1] == '"' || s[1] == '\\')) ? 2 : 1;
	if (s == e)
		return -1;
	*sp = s + 1;
	return 0;
}

/* Copy a value (token, or quoted string with its quotes) into the arena. */
static char *
param_value(struct arena *a, const char *s, size_t len)
{
	char *out;
	size_t n = 0;

	if (len < 2 || s[0] != '"')
		return arena_strndup(a, s, len);
	out = arena_alloc(a, len);
	for (size_t i = 1; i < len - 1; i++) {
		if (s[i] == '\\' && i + 2 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

struct param {
	const char *name, *val; /* val: raw token, or quoted string with quotes */
	size_t nlen, vlen;
};

/* Parse the next "; name=value" at *sp.  1: p filled, 0: end, -1: malformed. */
static int
param_next(const char **sp, const char *e, struct param *p)
{
	const char *s = form_skip_ows(*sp, e);
	int rc = -1;

	if (s == e || (*s == ';' && form_skip_ows(s + 1, e) == e)) {
		rc = 0;  /* the end, perhaps after a trailing ';' */
		goto out;
	}
	if (*s != ';')
		goto out;
	p->name = s = form_skip_ows(s + 1, e);
	while (s < e && *s != '=' && *s != ';' && !form_is_ows(*s))
		s++;
	p->nlen = (size_t)(s - p->name);
	s = form_skip_ows(s, e);
	if (p->nlen == 0 || s == e || *s != '=')
		goto out;
	p->val = s = form_skip_ows(s + 1, e);
	if (s < e && *s == '"') {
		if (quoted_end(&s, e) != 0)
			goto out;
	} else {
		while (s < e && *s != ';')
			s++;
	}
	p->vlen = (size_t)(form_trim_end(p->val, s) - p->val);
	*sp = s;
	rc = 1;
out:
	return rc;
}

/*
 * Find parameter want (ignoring case) in the parameter list [s, e) and copy
 * its value to *out (arena).  The first occurrence wins; "filename*" is a
 * name of its own.  Returns 1 found, 0 absent, -1 malformed list.
 */
static int
param_get(struct arena *a, const char *s, const char *e, const char *want,
    char **out)
{
	size_t wlen = strlen(want);
	struct param p;
	int r, found = 0;

	*out = NULL;
	while ((r = param_next(&s, e, &p)) == 1) {
		if (!found && p.nlen == wlen && strncasecmp(p.name, want, wlen) == 0) {
			*out = param_value(a, p.val, p.vlen);
			found = 1;
		}
	}
	return r < 0 ? -1 : found;
}

/* ---- multipart ---- */

enum part_kind { PART_TEXT, PART_FILE, PART_OVER };

struct part_hdr {
	int has_cd, has_ct;
	char *name, *filename, *ctype;
};

struct mp {
	struct arena *a;
	const struct form_limits *lim;
	struct form *f;
	form_read_fn rd;
	void *ctx;
	long long clen;           /* -1: until the callback returns 0 */
	unsigned long long got;   /* body bytes read */
	int eof;                  /* nothing more to read */
	char *win;                /* MP_WINDOW bytes */
	size_t start, end;        /* unconsumed bytes: win[start..end) */
	char delim[4 + BOUNDARY_MAX]; /* "\r\n--" boundary */
	size_t dlen;
	/* the part being read */
	enum part_kind kind;
	const char *name, *filename;
	struct buf text;          /* PART_TEXT value so far */
	size_t size;              /* data bytes so far */
	size_t fi;                /* PART_FILE: index in f->files */
	int fd;                   /* PART_FILE: temp file, -1 before data */
};

/* RFC 2046 bchars, 1-70 of them, not ending in a space. */
static int
boundary_ok(const char *b)
{
	static const char extra[] = "'()+_,-./:=? ";
	size_t n = strlen(b);

	if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (!(c >= '0' && c <= '9') && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    strchr(extra, c) == NULL)
			return 0;
	}
	return 1;
}

/* Take the delimiter from "multipart/form-data; boundary=…". */
static int
mp_boundary(struct mp *m, const char *ct)
{
	const char *e, *semi;
	char *b;
	int rc = FORM_BAD;

	if (ct == NULL)
		goto out;
	e = ct + strlen(ct);
	semi = memchr(ct, ';', (size_t)(e - ct));
	if (semi == NULL || !token_is(ct, semi, "multipart/form-data"))
		goto out;
	if (param_get(m->a, semi, e, "boundary", &b) != 1 || !boundary_ok(b))
		goto out;
	m->dlen = 4 + strlen(b);
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, b, m->dlen - 4);
	rc = FORM_OK;
out:
	return rc;
}

/*
 * Move the unconsumed bytes to the front of the window and read more after
 * them; sets m->eof at the end of the body.  Returns FORM_OK, FORM_BAD (read
 * error, body shorter than announced) or FORM_TOO_LARGE (over max_body).
 */
static int
mp_fill(struct mp *m)
{
	size_t want;
	ssize_t r;
	int rc = FORM_OK;

	memmove(m->win, m->win + m->start, m->end - m->start);
	m->end -= m->start;
	m->start = 0;
	if (m->clen >= 0 && (unsigned long long)m->clen == m->got)
		m->eof = 1;
	if (m->eof)
		goto out;
	want = MP_WINDOW - m->end;
	if (m->clen >= 0 && (unsigned long long)m->clen - m->got < want)
		want = (size_t)((unsigned long long)m->clen - m->got);
	else if (m->clen < 0 && m->lim->max_body - m->got < want)
		want = (size_t)(m->lim->max_body - m->got) + 1;
	rc = FORM_BAD;
	if (want == 0)
		goto out;  /* cannot happen: callers never fill a full window */
	r = m->rd(m->ctx, m->win + m->end, want);
	if (r < 0 || (size_t)r > want || (r == 0 && m->clen >= 0))
		goto out;  /* read error, or shorter than announced */
	m->eof = r == 0;
	m->got += (size_t)r;
	m->end += (size_t)r;
	rc = m->got > m->lim->max_body ? FORM_TOO_LARGE : FORM_OK;
out:
	return rc;
}

/*
 * Create the temp file of the current part: a random name under tmpdir,
 * O_EXCL and mode 0600, so nothing else can have it open or replace it.
 */
static int
mp_tmpfile(struct mp *m, struct form_file *ff)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char rnd[16];
	char hex[2 * sizeof(rnd) + 1];
	char *path = NULL;
	int rc = FORM_IOERR;

	for (int i = 0; i < TMP_TRIES && m->lim->tmpdir != NULL; i++) {
		if (random_bytes(rnd, sizeof(rnd)) != 0) {
			LOG_ERR("random_bytes: %s", strerror(errno));
			goto out;
		}
		for (size_t k = 0; k < sizeof(rnd); k++) {
			hex[2 * k] = hexd[rnd[k] >> 4];
			hex[2 * k + 1] = hexd[rnd[k] & 15];
		}
		hex[sizeof(hex) - 1] = '\0';
		path = arena_printf(m->a, "%s/upload-%s", m->lim->tmpdir, hex);
		m->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (m->fd >= 0) {
			ff->path = path;
			rc = FORM_OK;
			goto out;
		}
		if (errno != EEXIST)
			break;
	}
	LOG_ERR("cannot create a temp file in %s: %s",
	    m->lim->tmpdir ? m->lim->tmpdir : "(no tmpdir)", strerror(errno));
out:
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	int rc = FORM_OK;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			LOG_ERR("write: %s", strerror(errno));
			rc = FORM_IOERR;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	return rc;
}

/* Close and remove the current part's temp file, if any. */
static void
mp_drop_file(struct mp *m, struct form_file *ff)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	if (ff->path != NULL && unlink(ff->path) != 0)
		LOG_ERR("unlink %s: %s", ff->path, strerror(errno));
	ff->path = NULL;
}

/* Data of a file part: to disk until it passes max_file_size. */
static int
mp_file_data(struct mp *m, const char *p, size_t n)
{
	struct form_file *ff = &m->f->files[m->fi];
	int rc = FORM_OK;

	ff->size = m->size;
	if (ff->too_big)
		goto out;
	if (m->size > m->lim->max_file_size) {
		ff->too_big = 1;
		mp_drop_file(m, ff);
		goto out;
	}
	if (m->fd < 0 && (rc = mp_tmpfile(m, ff)) != FORM_OK)
		goto out;
	rc = write_all(m->fd, p, n);
out:
	return rc;
}

/* Take n data bytes of the current part. */
static int
mp_sink(struct mp *m, const char *p, size_t n)
{
	int rc = FORM_OK;

	m->size += n;
	switch (m->kind) {
	case PART_TEXT:
		if (m->size > m->lim->max_field_len)
			rc = FORM_TOO_LARGE;
		else
			buf_put(&m->text, p, n);
		break;
	case PART_FILE:
		rc = mp_file_data(m, p, n);
		break;
	case PART_OVER:
		break;
	}
	return rc;
}

/*
 * Pass the bytes up to the next delimiter to the part (or drop them when
 * sink is 0: the preamble) and consume the delimiter.  A body that ends
 * first is FORM_BAD.
 */
static int
mp_until_delim(struct mp *m, int sink)
{
	int rc = FORM_OK;

	for (;;) {
		const char *s = m->win + m->start;
		size_t avail = m->end - m->start;
		const char *d = memmem(s, avail, m->delim, m->dlen);
		size_t n = d != NULL ? (size_t)(d - s) :
		    avail >= m->dlen ? avail - (m->dlen - 1) : 0;

		if (n > 0 && sink && (rc = mp_sink(m, s, n)) != FORM_OK)
			break;
		m->start += n;
		if (d != NULL) {
			m->start += m->dlen;
			break;
		}
		if (m->eof) {
			rc = FORM_BAD;
			break;
		}
		if ((rc = mp_fill(m)) != FORM_OK)
			break;
	}
	return rc;
}

/*
 * After a delimiter: "--" ends the body (*last = 1); else optional spaces
 * and tabs, then CR LF, and a part follows.
 */
static int
mp_after_delim(struct mp *m, int *last)
{
	size_t pad = 0;
	int rc = FORM_OK;

	*last = 0;
	while (m->end - m->start < 2 && !m->eof)
		if ((rc = mp_fill(m)) != FORM_OK)
			goto out;
	if (m->end - m->start >= 2 && memcmp(m->win + m->start, "--", 2) == 0) {
		m->start += 2;
		*last = 1;
		goto out;
	}
	for (;;) {
		for (; m->start < m->end && form_is_ows(m->win[m->start]); m->start++)
			if (++pad > MP_PAD_MAX) {
				rc = FORM_BAD;
				goto out;
			}
		if (m->end - m->start >= 2 || m->eof)
			break;
		if ((rc = mp_fill(m)) != FORM_OK)
			goto out;
	}
	if (m->end - m->start < 2 || memcmp(m->win + m->start, "\r\n", 2) != 0) {
		rc = FORM_BAD;
		goto out;
	}
	m->start += 2;
out:
	return rc;
}

/* One header line (no CR LF) of a part. */
static int
mp_header_line(struct mp *m, const char *s, size_t len, struct part_hdr *h)
{
	const char *e = s + len, *colon = memchr(s, ':', len), *v, *semi;
	int rc = FORM_BAD;

	if (colon == NULL || memchr(s, '\r', len) || memchr(s, '\n', len))
		goto out;
	v = form_skip_ows(colon + 1, e);
	e = form_trim_end(v, e);
	if (token_is(s, colon, "content-disposition")) {
		semi = memchr(v, ';', (size_t)(e - v));
		if (h->has_cd++ || semi == NULL || !token_is(v, semi, "form-data") ||
		    param_get(m->a, semi, e, "name", &h->name) < 0 ||
		    param_get(m->a, semi, e, "filename", &h->filename) < 0)
			goto out;
	} else if (token_is(s, colon, "content-type")) {
		if (h->has_ct++ || !utf8_text_ok(v, (size_t)(e - v)))
			goto out;
		h->ctype = arena_strndup(m->a, v, (size_t)(e - v));
	}
	rc = FORM_OK;
out:
	return rc;
}

/* The display name of an uploaded file: no directories, Unix or Windows. */
static const char *
base_name(const char *s)
{
	const char *b = s;

	for (; *s != '\0'; s++)
		if (*s == '/' || *s == '\\')
			b = s + 1;
	return b;
}

/* Headers are read: decide what the part is and where its data goes. */
static int
mp_part_begin(struct mp *m, const struct part_hdr *h)
{
	struct form *f = m->f;
	int rc = FORM_BAD;

	if (h->name == NULL || !utf8_text_ok(h->name, strlen(h->name)) ||
	    (h->filename != NULL && !utf8_text_ok(h->filename, strlen(h->filename))))
		goto out;
	m->name = h->name;
	m->size = 0;
	if (h->filename == NULL) {
		m->kind = PART_TEXT;
		buf_reset(&m->text);
		rc = f->nfields >= m->lim->max_fields ? FORM_TOO_LARGE : FORM_OK;
		goto out;
	}
	m->filename = base_name(h->filename);
	m->kind = f->nfiles >= m->lim->max_files ? PART_OVER : PART_FILE;
	if (m->kind == PART_FILE) {
		f->files = form_grow(m->a, f->files, f->nfiles, sizeof(*f->files));
		m->fi = f->nfiles++;
		f->files[m->fi] = (struct form_file){ .field = m->name,
		    .filename = m->filename, .ctype = h->ctype ? h->ctype : "" };
	}
	rc = FORM_OK;
out:
	return rc;
}

/*
 * Find the end of the header block at the start of the window: *blen gets
 * the length of its lines (each with its CR LF, 0 when there are none), the
 * blank line follows them.  At most MP_HDR_MAX bytes in all, else FORM_BAD.
 */
static int
mp_header_block(struct mp *m, size_t *blen)
{
	const char *s, *p;
	size_t avail;
	int rc = FORM_OK;

	for (;;) {
		s = m->win + m->start;
		avail = m->end - m->start;
		if (avail >= 2 && s[0] == '\r' && s[1] == '\n') {
			*blen = 0;
			goto out;
		}
		p = memmem(s, avail, "\r\n\r\n", 4);
		if (p != NULL || avail >= MP_HDR_MAX || m->eof)
			break;
		if ((rc = mp_fill(m)) != FORM_OK)
			goto out;
	}
	if (p == NULL || p + 4 - s > MP_HDR_MAX) {
		rc = FORM_BAD;
		goto out;
	}
	*blen = (size_t)(p + 2 - s);
out:
	return rc;
}

/* Read one part's header block and begin the part. */
static int
mp_headers(struct mp *m)
{
	struct part_hdr h = { 0 };
	const char *s, *line;
	size_t blen;
	int rc;

	if ((rc = mp_header_block(m, &blen)) != FORM_OK)
		goto out;
	s = m->win + m->start;
	for (line = s; rc == FORM_OK && line < s + blen; ) {
		const char *eol = memmem(line, (size_t)(s + blen - line), "\r\n", 2);
		rc = mp_header_line(m, line, (size_t)(eol - line), &h);
		line = eol + 2;
	}
	m->start += blen + 2;
	if (rc == FORM_OK)
		rc = mp_part_begin(m, &h);
out:
	return rc;
}

/* The part's delimiter was seen: store what it was. */
static int
mp_part_end(struct mp *m)
{
	struct form *f = m->f;
	const char *v;
	int rc = FORM_OK;

	switch (m->kind) {
	case PART_TEXT:
		v = m->text.p != NULL ? m->text.p : "";
		if (!utf8_text_ok(v, m->text.len))
			rc = FORM_BAD;
		else
			form_add_field(m->a, f, m->name, arena_strndup(m->a, v, m->text.len),
			    m->text.len);
		break;
	case PART_FILE:
		if (m->fd >= 0 && close(m->fd) != 0) {
			LOG_ERR("close %s: %s", f->files[m->fi].path, strerror(errno));
			rc = FORM_IOERR;
		}
		m->fd = -1;
		/* An empty file input: the browser sends filename="" and no data. */
		if (m->size == 0 && m->filename[0] == '\0')
			f->nfiles--;
		break;
	case PART_OVER:
		if (m->size > 0 || m->filename[0] != '\0')
			f->files_over++;
		break;
	}
	return rc;
}

/* Undo this call: remove its temp files and put the counts back. */
static void
mp_rollback(struct mp *m, size_t nfields, size_t nfiles, size_t over)
{
	struct form *f = m->f;

	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	for (size_t i = nfiles; i < f->nfiles; i++)
		if (f->files[i].path != NULL) {
			if (unlink(f->files[i].path) != 0)
				LOG_ERR("unlink %s: %s", f->files[i].path, strerror(errno));
			f->files[i].path = NULL;
		}
	f->nfields = nfields;
	f->nfiles = nfiles;
	f->files_over = over;
}

/* The parts, the closing delimiter, and the epilogue (read and dropped). */
static int
mp_body(struct mp *m)
{
	int rc, last = 0;

	rc = mp_until_delim(m, 0);  /* the preamble */
	while (rc == FORM_OK && (rc = mp_after_delim(m, &last)) == FORM_OK && !last) {
		rc = mp_headers(m);
		if (rc == FORM_OK)
			rc = mp_until_delim(m, 1);
		if (rc == FORM_OK)
			rc = mp_part_end(m);
	}
	while (rc == FORM_OK && !m->eof) {
		m->start = m->end;
		rc = mp_fill(m);
	}
	return rc;
}

int
form_read_multipart(struct arena *a, const char *content_type,
    form_read_fn rd, void *ctx, long long content_length,
    const struct form_limits *lim, struct form *f)
{
	struct mp m = { .a = a, .lim = lim, .f = f, .rd = rd, .ctx = ctx,
	    .clen = content_length, .fd = -1 };
	size_t nfields = f->nfields, nfiles = f->nfiles, over = f->files_over;
	int rc;

	if ((rc = form_check_length(content_length, lim)) != FORM_OK)
		goto out;
	if ((rc = mp_boundary(&m, content_type)) != FORM_OK)
		goto out;
	m.win = xmalloc(MP_WINDOW);
	memcpy(m.win, "\r\n", 2);  /* see the top of this file */
	m.end = 2;
	rc = mp_body(&m);
out:
	if (rc != FORM_OK)
		mp_rollback(&m, nfields, nfiles, over);
	buf_free(&m.text);
	free(m.win);
	return rc;
}

