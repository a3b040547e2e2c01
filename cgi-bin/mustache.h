/*
 * mustache.h - our Mustache engine: the data model pages build (tval) and
 * the compiled template sets they render.
 *
 * Conformant to the official spec (comments, delimiters, interpolation,
 * inverted, partials, sections, ~inheritance; no lambdas).  {{x}} escapes
 * & < > " '; {{{x}}} and {{&x}} do not.  Rendering never fails on missing
 * data: a missing name renders as nothing / a false section.
 */
#ifndef ZJ_MUSTACHE_H
#define ZJ_MUSTACHE_H

#include <stddef.h>

#include "util.h"

/* ---- data: a JSON-like tree, allocated from an arena ---- */

enum tv_kind { TV_NULL, TV_BOOL, TV_NUM, TV_STR, TV_LIST, TV_MAP };

struct tval {
	enum tv_kind kind;
	int b;              /* TV_BOOL */
	double num;         /* TV_NUM: truthiness (0 is false) */
	const char *str;    /* TV_STR text; TV_NUM its printed form */
	size_t len;         /* length of str */
	struct tval **items;/* TV_LIST items; TV_MAP values */
	const char **keys;  /* TV_MAP keys, parallel to items */
	unsigned *khash;    /* TV_MAP: a hash of each key, compared first */
	size_t n, cap;
};

/* Constructors.  Strings are copied into the arena.  Never fail. */
struct tval *tv_null(struct arena *a);
struct tval *tv_bool(struct arena *a, int b);
struct tval *tv_num(struct arena *a, double v);  /* printed like %.15g */
struct tval *tv_int(struct arena *a, long long v);
struct tval *tv_str(struct arena *a, const char *s);
struct tval *tv_strn(struct arena *a, const char *s, size_t len);
/* A string that is not copied: s must live until the render is done
 * (a literal, or text already in the request's arena). */
struct tval *tv_lit(struct arena *a, const char *s);
struct tval *tv_list(struct arena *a);
struct tval *tv_map(struct arena *a);

/* Append v to a TV_LIST. */
void tv_push(struct arena *a, struct tval *list, struct tval *v);
/* Set key in a TV_MAP (key copied; a later put of the same key wins). */
void tv_put(struct arena *a, struct tval *map, const char *key,
    struct tval *v);
/* Shorthands for tv_put with a fresh value; return the value put. */
struct tval *tv_puts(struct arena *a, struct tval *map, const char *key,
    const char *s);       /* s NULL puts TV_NULL */
struct tval *tv_putb(struct arena *a, struct tval *map, const char *key,
    int b);
struct tval *tv_puti(struct arena *a, struct tval *map, const char *key,
    long long v);
struct tval *tv_putf(struct arena *a, struct tval *map, const char *key,
    const char *fmt, ...) ZJ_PRINTF(4, 5);
/* Look up key in a TV_MAP; NULL when absent or map is not a map. */
struct tval *tv_get(const struct tval *map, const char *key);

/* ---- templates ---- */

struct tmpl_set;

/* An empty set.  Never fails. */
struct tmpl_set *tmpl_new(void);
/* Frees the set and every template in it; NULL is fine. */
void tmpl_free(struct tmpl_set *set);

/*
 * Compile src (len bytes, need not be NUL-terminated) and add it as name,
 * replacing any template of that name.  Returns 0; on a syntax error
 * returns -1 and writes "name:line: reason" into err (errlen bytes), and
 * the set is unchanged.
 */
int tmpl_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen);

/*
 * Load every *.mustache file below dir; a file dir/join/form.mustache is
 * named "join/form".  Returns a new set, or NULL with "path:line: reason"
 * (or the I/O error) in err.
 */
struct tmpl_set *tmpl_load_dir(const char *dir, char *err, size_t errlen);

/* 1 when the set holds a template of that name. */
int tmpl_has(const struct tmpl_set *set, const char *name);

/*
 * Render template name with ctx as the root context, appending to out.
 * Partials and parents ({{>x}}, {{<x}}) are looked up in the same set; a
 * missing partial renders as nothing.  Returns 0, or -1 when name is not
 * in the set (out unchanged).
 */
int tmpl_render(const struct tmpl_set *set, const char *name,
    const struct tval *ctx, struct buf *out);

#endif
