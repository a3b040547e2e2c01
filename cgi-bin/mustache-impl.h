/*
 * mustache-impl.h - what the parts of the Mustache engine share and no
 * page sees: its limits, the compiled form of a template, and the key
 * lookup of a tval map.  Only the mustache*.c files include it.
 *
 *   mustache-data.c     the data pages build (tv_*)
 *   mustache-compile.c  template text to a flat node array (mu_compile)
 *   mustache-render.c   the renderer over that array (tmpl_render)
 *   mustache.c          template sets and tmpl_load_dir
 */
#ifndef ZJ_MUSTACHE_IMPL_H
#define ZJ_MUSTACHE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mustache.h"

#define TMPL_MAX_NEST   64          /* sections open at once in a template */
#define TMPL_MAX_CTX    64          /* contexts on the stack while rendering */
#define TMPL_MAX_DEPTH  32          /* partials, parents, blocks nested */
#define TMPL_MAX_STEPS  (1u << 21)  /* nodes visited by one render */
#define TMPL_MAX_OUT    (8u << 20)  /* bytes one render may add */
#define TMPL_MAX_INDENT 256         /* bytes of indentation prefix */
#define TMPL_MAX_DELIM  16          /* bytes of a custom delimiter */
#define TMPL_MAX_SRC    (8u << 20)  /* bytes of one template */
#define TMPL_MAX_DIRS   16          /* folder depth under tmpl_load_dir */
#define TMPL_EXT        ".mustache"

/* ---- data: key lookup, shared by mustache-data.c and the renderer ---- */

/* FNV-1a: keys are short names; comparing hashes first spares almost
 * every strcmp of a lookup (the hot path of rendering). */
static inline unsigned
mu_key_hash(const char *key)
{
	unsigned h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* Index of key (whose hash is h) in map, or map->n when absent. */
static inline size_t
mu_tv_find(const struct tval *map, const char *key, unsigned h)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (map->khash[i] == h && map->keys[i] != NULL &&
		    strcmp(map->keys[i], key) == 0)
			break;
	return i;
}

/* tv_get with the key's hash already known (lookups up a context stack). */
static inline const struct tval *
mu_tv_get_h(const struct tval *map, const char *key, unsigned h)
{
	if (map == NULL || map->kind != TV_MAP || map->keys == NULL)
		return NULL;
	size_t i = mu_tv_find(map, key, h);
	return i < map->n ? map->items[i] : NULL;
}

/* ---- compiled templates ---- */

enum op {
	OP_TEXT,        /* str/len: text in the pool */
	OP_VAR,         /* {{x}}: name parts in the pool, escaped */
	OP_RAW,         /* {{{x}}} {{&x}} */
	OP_SECTION,     /* {{#x}}: children are the section */
	OP_INVERTED,    /* {{^x}} */
	OP_PARTIAL,     /* {{>x}}: name, indentation */
	OP_PARENT,      /* {{<x}}: name, indentation; its blocks are children */
	OP_BLOCK,       /* {{$x}}: name, indentation; children: the default */
};

struct node {
	uint32_t op;
	uint32_t nparts;    /* VAR..INVERTED: name parts; 0 is "." */
	uint32_t str, len;  /* text, or the name ("a\0b\0" when dotted) */
	uint32_t ind, indlen; /* PARTIAL, PARENT, BLOCK: indentation */
	uint32_t end;       /* index of the node after this one's children */
};

struct tmpl {
	char *name;
	struct node *nodes;
	uint32_t nnodes;
	char *pool;         /* text, names, indentation; NUL after each name */
};

struct tmpl_set {
	struct tmpl **v;    /* sorted by name */
	size_t n, cap;
};

/*
 * Compile src (len bytes, need not be NUL-terminated) into a template
 * called name.  Returns a new template, owned by the caller (mustache.c
 * puts it in a set, and tmpl_free frees it); or NULL on a syntax error,
 * with "label:line: reason" in err (errlen bytes).  (mustache-compile.c)
 */
struct tmpl *mu_compile(const char *name, const char *label, const char *src,
    size_t len, char *err, size_t errlen);

/* The template called name in set, or NULL.  Never fails.  (mustache.c) */
const struct tmpl *mu_set_find(const struct tmpl_set *set, const char *name);

#endif
