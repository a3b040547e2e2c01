/*
 * fuzz_multipart.c - libFuzzer harness for form_read_multipart.  The first
 * line of the input is the boundary, the rest the body.  Each body is parsed
 * twice: in one read with its length known, and in reads of sizes taken
 * from the data with the length unknown.  Both must give the same outcome,
 * fields and file contents (the delimiter search must not depend on where
 * reads end); after form_cleanup the temp directory must be empty, and it
 * must be empty after a failed parse without it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "form.h"

static char tmpdir[64];

struct src {
	const uint8_t *p;
	size_t len, off;
	int chunked;
};

static ssize_t
src_read(void *ctx, char *p, size_t len)
{
	struct src *s = ctx;
	size_t n = s->len - s->off;

	if (s->chunked && s->off < s->len) {
		/* 1..16 bytes mostly; sometimes up to ~4 KiB. */
		unsigned c = s->p[s->off];
		size_t chunk = c >= 0xf0 ? (size_t)(c - 0xef) * 257 : 1 + c % 16;
		if (n > chunk)
			n = chunk;
	}
	if (n > len)
		n = len;
	memcpy(p, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

/* libFuzzer ends with exit(): take the (then empty) directory away. */
static void
rm_tmpdir(void)
{
	rmdir(tmpdir);
}

static size_t
count_dir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Contents of path (at most max bytes, which the limits guarantee). */
static size_t
slurp(const char *path, char *buf, size_t max)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		abort();
	n = fread(buf, 1, max + 1, fp);
	fclose(fp);
	if (n > max)
		abort();
	return n;
}

static int
same_file(const struct form_file *x, const struct form_file *y, size_t max)
{
	static char bx[4096], by[4096];
	size_t nx, ny;

	if (strcmp(x->field, y->field) != 0 || strcmp(x->filename, y->filename) != 0 ||
	    strcmp(x->ctype, y->ctype) != 0 || x->size != y->size ||
	    x->too_big != y->too_big || (x->path == NULL) != (y->path == NULL) ||
	    (x->path == NULL) != (x->too_big || x->size == 0) ||
	    strchr(x->filename, '/') != NULL || strchr(x->filename, '\\') != NULL)
		return 0;
	if (x->path == NULL)
		return 1;
	nx = slurp(x->path, bx, max);
	ny = slurp(y->path, by, max);
	return nx == x->size && nx == ny && memcmp(bx, by, nx) == 0;
}

static int
same_form(const struct form *a, const struct form *b, size_t max)
{
	if (a->nfields != b->nfields || a->nfiles != b->nfiles ||
	    a->files_over != b->files_over)
		return 0;
	for (size_t i = 0; i < a->nfields; i++)
		if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
		    a->fields[i].len != b->fields[i].len ||
		    memcmp(a->fields[i].value, b->fields[i].value, a->fields[i].len) != 0 ||
		    !utf8_text_ok(a->fields[i].value, a->fields[i].len))
			return 0;
	for (size_t i = 0; i < a->nfiles; i++)
		if (!same_file(&a->files[i], &b->files[i], max))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	struct form_limits lim = { .max_body = 1 << 20, .max_fields = 16,
	    .max_field_len = 1024, .max_files = 3, .max_file_size = 2048,
	    .tmpdir = tmpdir };
	const uint8_t *nl = memchr(data, '\n', size);
	struct form f = { 0 }, g = { 0 };
	struct src s1, s2;
	const char *ct;
	size_t blen;
	int rc1, rc2;

	if (a == NULL) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/fuzz_multipart.XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			abort();
		atexit(rm_tmpdir);
		a = arena_new();
	}
	if (nl == NULL)
		return 0;
	ct = arena_printf(a, "multipart/form-data; boundary=%s",
	    arena_strndup(a, (const char *)data, (size_t)(nl - data)));
	blen = size - (size_t)(nl + 1 - data);
	s1 = (struct src){ nl + 1, blen, 0, 0 };
	s2 = (struct src){ nl + 1, blen, 0, 1 };

	rc1 = form_read_multipart(a, ct, src_read, &s1, (long long)blen, &lim, &f);
	if (rc1 != FORM_OK && (f.nfields || f.nfiles || f.files_over || count_dir()))
		abort();
	rc2 = form_read_multipart(a, ct, src_read, &s2, -1, &lim, &g);
	if (rc1 != rc2 || (rc1 == FORM_OK && !same_form(&f, &g, lim.max_file_size)))
		abort();
	form_cleanup(&f);
	form_cleanup(&g);
	if (count_dir() != 0)
		abort();
	arena_reset(a);
	return 0;
}
