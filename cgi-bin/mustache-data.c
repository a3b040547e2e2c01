/*
 * mustache-data.c - the data pages build for templates: a JSON-like tree of
 * struct tval allocated from the request's arena (see mustache.h).  A map
 * keeps a hash of each key beside it; the lookup that uses it is shared
 * with the renderer through mustache-impl.h.
 */
#include "mustache.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mustache-impl.h"

static struct tval *
tv_new(struct arena *a, enum tv_kind kind)
{
	struct tval *v = arena_calloc(a, 1, sizeof(*v));
	v->kind = kind;
	return v;
}

struct tval *
tv_null(struct arena *a)
{
	return tv_new(a, TV_NULL);
}

struct tval *
tv_bool(struct arena *a, int b)
{
	struct tval *v = tv_new(a, TV_BOOL);
	v->b = b != 0;
	return v;
}

struct tval *
tv_num(struct arena *a, double d)
{
	struct tval *v = tv_new(a, TV_NUM);
	v->num = d;
	v->str = arena_printf(a, "%.15g", d);
	v->len = strlen(v->str);
	return v;
}

struct tval *
tv_int(struct arena *a, long long i)
{
	struct tval *v = tv_new(a, TV_NUM);
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

	/* Pages print many small numbers: no printf on this path. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (i < 0)
		*--p = '-';
	v->num = (double)i;
	v->len = (size_t)(digits + sizeof(digits) - p);
	v->str = arena_strndup(a, p, v->len);
	return v;
}

struct tval *
tv_lit(struct arena *a, const char *s)
{
	struct tval *v;

	if (s == NULL)
		return tv_null(a);
	v = tv_new(a, TV_STR);
	v->str = s;
	v->len = strlen(s);
	return v;
}

struct tval *
tv_str(struct arena *a, const char *s)
{
	return s == NULL ? tv_null(a) : tv_strn(a, s, strlen(s));
}

struct tval *
tv_strn(struct arena *a, const char *s, size_t len)
{
	struct tval *v;

	if (s == NULL)
		return tv_null(a);
	v = tv_new(a, TV_STR);
	v->str = arena_strndup(a, s, len);
	v->len = len;
	return v;
}

struct tval *
tv_list(struct arena *a)
{
	return tv_new(a, TV_LIST);
}

struct tval *
tv_map(struct arena *a)
{
	return tv_new(a, TV_MAP);
}

/* Make room for one more item (and key, for a map); the old arrays stay
 * in the arena until it is reset. */
static void
tv_grow(struct arena *a, struct tval *v)
{
	size_t cap = v->cap ? v->cap * 2 : 8;
	struct tval **items = arena_alloc(a, cap * sizeof(*items));

	if (v->n > 0)
		memcpy(items, v->items, v->n * sizeof(*items));
	v->items = items;
	if (v->kind == TV_MAP) {
		const char **keys = arena_alloc(a, cap * sizeof(*keys));
		unsigned *khash = arena_alloc(a, cap * sizeof(*khash));
		if (v->n > 0) {
			memcpy(keys, v->keys, v->n * sizeof(*keys));
			memcpy(khash, v->khash, v->n * sizeof(*khash));
		}
		v->keys = keys;
		v->khash = khash;
	}
	v->cap = cap;
}

void
tv_push(struct arena *a, struct tval *list, struct tval *v)
{
	if (list == NULL || list->kind != TV_LIST)
		return;
	if (list->n == list->cap)
		tv_grow(a, list);
	list->items[list->n++] = v != NULL ? v : tv_null(a);
}

void
tv_put(struct arena *a, struct tval *map, const char *key, struct tval *v)
{
	size_t i;

	if (map == NULL || map->kind != TV_MAP || key == NULL)
		return;
	if (v == NULL)
		v = tv_null(a);
	unsigned h = mu_key_hash(key);
	i = mu_tv_find(map, key, h);
	if (i == map->n) {
		if (map->n == map->cap)
			tv_grow(a, map);
		map->khash[map->n] = h;
		map->keys[map->n++] = arena_strdup(a, key);
	}
	map->items[i] = v;
}

struct tval *
tv_puts(struct arena *a, struct tval *map, const char *key, const char *s)
{
	struct tval *v = tv_str(a, s);
	tv_put(a, map, key, v);
	return v;
}

struct tval *
tv_putb(struct arena *a, struct tval *map, const char *key, int b)
{
	struct tval *v = tv_bool(a, b);
	tv_put(a, map, key, v);
	return v;
}

struct tval *
tv_puti(struct arena *a, struct tval *map, const char *key, long long i)
{
	struct tval *v = tv_int(a, i);
	tv_put(a, map, key, v);
	return v;
}

struct tval *
tv_putf(struct arena *a, struct tval *map, const char *key,
    const char *fmt, ...)
{
	char small[256];
	struct tval *v;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		v = tv_str(a, "");
	} else if ((size_t)n < sizeof(small)) {
		v = tv_strn(a, small, (size_t)n);
	} else {
		char *p = arena_alloc(a, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
		v = tv_new(a, TV_STR);
		v->str = p;
		v->len = (size_t)n;
	}
	tv_put(a, map, key, v);
	return v;
}

struct tval *
tv_get(const struct tval *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != TV_MAP || map->keys == NULL ||
	    key == NULL)
		return NULL;
	i = mu_tv_find(map, key, mu_key_hash(key));
	return i < map->n ? map->items[i] : NULL;
}
