/*
 * json.h - a small JSON reader for the tests: parses a document into a
 * tval tree (objects become TV_MAP, arrays TV_LIST, numbers TV_NUM) in an
 * arena.  Strict enough for the Mustache spec files; not for input from
 * the network.
 */
#ifndef ZJ_TEST_JSON_H
#define ZJ_TEST_JSON_H

#include <stdlib.h>
#include <string.h>

#include "mustache.h"

#define JSON_MAX_DEPTH 64

struct json {
	struct arena *a;
	const char *s, *end;
	int depth;
	const char *error;      /* first problem met, NULL when fine */
};

static struct tval *json_value(struct json *j);

static void
json_ws(struct json *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' ||
	    *j->s == '\n' || *j->s == '\r'))
		j->s++;
}

static struct tval *
json_fail(struct json *j, const char *why)
{
	if (j->error == NULL)
		j->error = why;
	return NULL;
}

static int
json_lit(struct json *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->s) < n || memcmp(j->s, word, n) != 0)
		return 0;
	j->s += n;
	return 1;
}

static int
json_hex4(struct json *j, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++, j->s++) {
		char c = j->s < j->end ? *j->s : '\0';
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return 0;
		*cp = *cp << 4 | d;
	}
	return 1;
}

static void
json_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (int)(0xc0 | cp >> 6));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (int)(0xe0 | cp >> 12));
		buf_putc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (int)(0xf0 | cp >> 18));
		buf_putc(b, (int)(0x80 | (cp >> 12 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX, with a following low surrogate when it is a high one. */
static int
json_escape_u(struct json *j, struct buf *b)
{
	unsigned cp, lo;

	if (!json_hex4(j, &cp))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (!json_lit(j, "\\u") || !json_hex4(j, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		return 0;
	}
	json_utf8(b, cp);
	return 1;
}

/* A string after its opening quote, into b. */
static int
json_string_into(struct json *j, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	while (j->s < j->end && *j->s != '"') {
		char c = *j->s++;
		const char *e;
		if ((unsigned char)c < 0x20)
			return 0;
		if (c != '\\') {
			buf_putc(b, c);
			continue;
		}
		if (j->s == j->end)
			return 0;
		c = *j->s++;
		if (c == 'u') {
			if (!json_escape_u(j, b))
				return 0;
		} else if (c != '\0' && (e = strchr(from, c)) != NULL) {
			buf_putc(b, to[e - from]);
		} else {
			return 0;
		}
	}
	if (j->s == j->end)
		return 0;
	j->s++;
	return 1;
}

static struct tval *
json_string(struct json *j)
{
	struct buf b = { 0 };
	struct tval *v = NULL;

	j->s++;
	if (json_string_into(j, &b))
		v = tv_strn(j->a, b.p != NULL ? b.p : "", b.len);
	else
		json_fail(j, "bad string");
	buf_free(&b);
	return v;
}

static struct tval *
json_number(struct json *j)
{
	char tmp[64];
	size_t n = 0;
	char *stop;
	double d;

	while (j->s + n < j->end && n < sizeof(tmp) - 1 &&
	    strchr("+-0123456789.eE", j->s[n]) != NULL && j->s[n] != '\0')
		n++;
	memcpy(tmp, j->s, n);
	tmp[n] = '\0';
	d = strtod(tmp, &stop);
	if (n == 0 || *stop != '\0')
		return json_fail(j, "bad number");
	j->s += n;
	return tv_num(j->a, d);
}

static struct tval *
json_array(struct json *j)
{
	struct tval *list = tv_list(j->a);

	j->s++;
	json_ws(j);
	if (json_lit(j, "]"))
		return list;
	for (;;) {
		struct tval *v = json_value(j);
		if (v == NULL)
			return NULL;
		tv_push(j->a, list, v);
		json_ws(j);
		if (json_lit(j, "]"))
			return list;
		if (!json_lit(j, ","))
			return json_fail(j, "expected , or ]");
	}
}

static struct tval *
json_object(struct json *j)
{
	struct tval *map = tv_map(j->a);

	j->s++;
	json_ws(j);
	if (json_lit(j, "}"))
		return map;
	for (;;) {
		struct buf key = { 0 };
		struct tval *v = NULL;
		json_ws(j);
		if (json_lit(j, "\"") && json_string_into(j, &key)) {
			json_ws(j);
			if (json_lit(j, ":"))
				v = json_value(j);
		}
		if (v != NULL)
			tv_put(j->a, map, key.p != NULL ? key.p : "", v);
		buf_free(&key);
		if (v == NULL)
			return json_fail(j, "bad member");
		json_ws(j);
		if (json_lit(j, "}"))
			return map;
		if (!json_lit(j, ","))
			return json_fail(j, "expected , or }");
	}
}

static struct tval *
json_value(struct json *j)
{
	struct tval *v = NULL;

	json_ws(j);
	if (j->s == j->end)
		return json_fail(j, "unexpected end");
	if (++j->depth > JSON_MAX_DEPTH)
		return json_fail(j, "nested too deeply");
	switch (*j->s) {
	case '{': v = json_object(j); break;
	case '[': v = json_array(j); break;
	case '"': v = json_string(j); break;
	default:
		if (json_lit(j, "true"))
			v = tv_bool(j->a, 1);
		else if (json_lit(j, "false"))
			v = tv_bool(j->a, 0);
		else if (json_lit(j, "null"))
			v = tv_null(j->a);
		else
			v = json_number(j);
	}
	j->depth--;
	return v;
}

/*
 * Parse the JSON document s (len bytes) into a tval tree allocated from a.
 * Returns the root, or NULL with *error set to a short reason.
 */
static struct tval *
json_parse(struct arena *a, const char *s, size_t len, const char **error)
{
	struct json j = { a, s, s + len, 0, NULL };
	struct tval *v = json_value(&j);

	json_ws(&j);
	if (v != NULL && j.s != j.end)
		v = json_fail(&j, "trailing data");
	*error = j.error;
	return v;
}

#endif
