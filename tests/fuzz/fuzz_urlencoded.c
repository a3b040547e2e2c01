/*
 * fuzz_urlencoded.c - libFuzzer harness: the input as a query string
 * (form_parse_urlencoded), as a body read in chunks (form_read_urlencoded,
 * must agree with the former) and as a Cookie header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

struct src {
	const uint8_t *p;
	size_t len, off;
};

/* Chunk sizes 1..13 that vary with the data. */
static ssize_t
src_read(void *ctx, char *p, size_t len)
{
	struct src *s = ctx;
	size_t n = s->len - s->off;
	size_t chunk = 1 + (s->off < s->len ? s->p[s->off] % 13 : 0);

	if (n > chunk)
		n = chunk;
	if (n > len)
		n = len;
	memcpy(p, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void
check_fields(const struct form *f)
{
	for (size_t i = 0; i < f->nfields; i++) {
		const struct form_field *x = &f->fields[i];
		if (strlen(x->value) != x->len || !utf8_text_ok(x->name, strlen(x->name)) ||
		    !utf8_text_ok(x->value, x->len) || form_get(f, x->name) == NULL ||
		    form_count(f, x->name) == 0)
			abort();
	}
}

static int
same_fields(const struct form *a, const struct form *b)
{
	if (a->nfields != b->nfields)
		return 0;
	for (size_t i = 0; i < a->nfields; i++)
		if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
		    a->fields[i].len != b->fields[i].len ||
		    memcmp(a->fields[i].value, b->fields[i].value, a->fields[i].len) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	struct form_limits lim = { .max_body = 32768, .max_fields = 64,
	    .max_field_len = 512, .max_files = 0, .max_file_size = 0 };
	struct form f = { 0 }, g = { 0 }, c = { 0 };
	struct src s = { data, size, 0 };
	int rc, rc2;

	if (a == NULL)
		a = arena_new();
	rc = form_parse_urlencoded(a, (const char *)data, size, &lim, &f);
	if (rc != FORM_OK && rc != FORM_BAD && rc != FORM_TOO_LARGE)
		abort();
	if ((rc != FORM_OK && f.nfields != 0) || f.nfields > lim.max_fields)
		abort();
	check_fields(&f);

	rc2 = form_read_urlencoded(a, src_read, &s, size % 2 ? -1 : (long long)size,
	    &lim, &g);
	if (rc2 != rc || !same_fields(&f, &g))
		abort();

	form_parse_cookies(a, arena_strndup(a, (const char *)data, size), &c);
	for (size_t i = 0; i < c.nfields; i++)
		if (c.fields[i].name[0] == '\0')
			abort();
	check_fields(&c);
	arena_reset(a);
	return 0;
}
