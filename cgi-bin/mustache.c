/*
 * mustache.c - the Mustache engine: tval constructors, a compiler from
 * template text to a flat node array, and a renderer over that array.
 *
 * Compiling runs three passes over one template (see compile()):
 *   1. tokenize: cut the source into pieces - runs of text that end at a
 *      newline or a tag, and tags - obeying set-delimiter tags on the way;
 *   2. mark_standalone: a line holding only whitespace and tags that print
 *      nothing of their own ({{#}} {{^}} {{/}} {{!}} {{=}} {{>}} {{<}} {{$}})
 *      is standalone: its whitespace and its line end are dropped.  Several
 *      such tags may share the line ({{<layout}}{{/layout}} is standalone);
 *   3. build: turn pieces into nodes.  A section, parent or block node
 *      records the index after its last child, so rendering walks the
 *      array forward and skips a subtree in one step; names are split at
 *      the dots once, here.
 *
 * Indentation.  A standalone partial or parent is indented by the
 * whitespace before it: that prefix goes before every line of the
 * template it brings in (not inside interpolated values).  A block
 * ({{$b}}) has an indentation too, and when the text of one block is put
 * in the place of another, its lines lose the indentation they had where
 * they were written and take the one of the place they go to (the
 * ~inheritance "reindentation" tests).  A block's indentation is:
 *   - opening tag on a standalone line of its own: the indentation of the
 *     next non-blank line (its content's, "intrinsic");
 *   - opening and closing tag on one standalone line: that line's;
 *   - opening tag after nothing but whitespace: that whitespace;
 *   - otherwise (mid-line): the enclosing block's, so nothing moves.
 * The compiler strips a block's indentation from the lines inside it; the
 * renderer adds the indentation of the place a block is rendered, relative
 * to the enclosing block.  A block opened on a standalone line and closed
 * at the end of a line with text ("two{{/b}}\n") keeps that line end: its
 * content is whole lines.  Blank lines get no indentation.
 *
 * Rendering allocates nothing but the output: the context stack, the
 * indentation prefix and the chain of parent calls live in a fixed struct
 * on the C stack, with limits that stop runaway recursion (a partial that
 * includes itself, a map that contains itself): past a depth limit that
 * branch renders nothing.  A budget of nodes visited and bytes written
 * stops templates whose work grows exponentially (a partial including
 * itself twice, nested sections over one list): the render ends there.
 * Either way the output is cut, a warning is logged once, and the render
 * still returns 0 - the contract keeps -1 for a missing template.
 */
#include "mustache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- data ---- */

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

/* FNV-1a: keys are short names; comparing hashes first spares almost
 * every strcmp of a lookup (the hot path of rendering). */
static unsigned
key_hash(const char *key)
{
	unsigned h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* Index of key (whose hash is h) in map, or map->n when absent. */
static size_t
tv_find(const struct tval *map, const char *key, unsigned h)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (map->khash[i] == h && map->keys[i] != NULL &&
		    strcmp(map->keys[i], key) == 0)
			break;
	return i;
}

void
tv_put(struct arena *a, struct tval *map, const char *key, struct tval *v)
{
	size_t i;

	if (map == NULL || map->kind != TV_MAP || key == NULL)
		return;
	if (v == NULL)
		v = tv_null(a);
	unsigned h = key_hash(key);
	i = tv_find(map, key, h);
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
	i = tv_find(map, key, key_hash(key));
	return i < map->n ? map->items[i] : NULL;
}

/* tv_get with the key's hash already known (lookups up a context stack). */
static const struct tval *
tv_get_h(const struct tval *map, const char *key, unsigned h)
{
	if (map == NULL || map->kind != TV_MAP || map->keys == NULL)
		return NULL;
	size_t i = tv_find(map, key, h);
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

static void
tmpl_destroy(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->nodes);
	free(t->pool);
	free(t);
}

/* Position of name in set->v, or where it would go; *found says which. */
static size_t
set_pos(const struct tmpl_set *set, const char *name, int *found)
{
	size_t lo = 0, hi = set->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, set->v[mid]->name);
		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static const struct tmpl *
set_find(const struct tmpl_set *set, const char *name)
{
	int found;
	size_t i = set_pos(set, name, &found);
	return found ? set->v[i] : NULL;
}

/* Add t to the set, freeing a template of the same name. */
static void
set_insert(struct tmpl_set *set, struct tmpl *t)
{
	int found;
	size_t i = set_pos(set, t->name, &found);

	if (found) {
		tmpl_destroy(set->v[i]);
		set->v[i] = t;
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	memmove(set->v + i + 1, set->v + i, (set->n - i) * sizeof(*set->v));
	set->v[i] = t;
	set->n++;
}

/* ---- compiler: pass 1, pieces ---- */

enum kind {
	K_TEXT, K_VAR, K_RAW, K_SECTION, K_INVERTED, K_CLOSE, K_PARTIAL,
	K_PARENT, K_BLOCK, K_COMMENT, K_DELIM,
};

static const struct {
	char sigil;
	enum kind kind;
} sigils[] = {
	{ '{', K_RAW }, { '&', K_RAW }, { '#', K_SECTION },
	{ '^', K_INVERTED }, { '/', K_CLOSE }, { '>', K_PARTIAL },
	{ '<', K_PARENT }, { '$', K_BLOCK }, { '!', K_COMMENT },
	{ '=', K_DELIM },
};

struct piece {
	size_t start, end;      /* the text, or the whole tag */
	size_t nstart, nend;    /* tag: its content, trimmed */
	size_t line;            /* source line the piece starts on */
	size_t group;           /* index of the first piece on its line */
	enum kind kind;
	int sa;                 /* on a standalone line; text is dropped */
};

struct delims {
	const char *open, *close;
	size_t olen, clen;
};

struct cframe {                 /* an open section, parent or block */
	uint32_t node;
	size_t piece;           /* its opening tag */
	size_t strip;           /* the enclosing strip, restored on close */
};

struct compiler {
	const char *label;      /* template name or file, for messages */
	const char *src;
	size_t len;
	char *err;
	size_t errlen;
	struct piece *pc;
	size_t npc, cappc;
	int newline;            /* the next piece starts a line */
	size_t group;           /* first piece of the current line */
	struct node *nodes;
	uint32_t nnodes, capnodes;
	char *pool;
	size_t npool, cappool;
	struct cframe stack[TMPL_MAX_NEST];
	size_t depth;
	size_t strip;           /* whitespace dropped from the lines here */
	uint32_t last_text;     /* text node that may still grow */
};

#define NO_NODE UINT32_MAX

static int cerr(struct compiler *, size_t, const char *, ...) ZJ_PRINTF(3, 4);

/* Write "label:line: reason" into the caller's err; returns -1. */
static int
cerr(struct compiler *c, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errlen == 0)
		return -1;
	n = snprintf(c->err, c->errlen, "%s:%zu: ", c->label, line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* A piece's content for a message, cut short and NUL-terminated. */
static const char *
shown(const struct compiler *c, const struct piece *p, char *buf, size_t size)
{
	size_t n = p->nend - p->nstart;

	if (n >= size)
		n = size - 1;
	memcpy(buf, c->src + p->nstart, n);
	buf[n] = '\0';
	return buf;
}

static struct piece *
add_piece(struct compiler *c, enum kind kind, size_t start, size_t end,
    size_t line)
{
	struct piece *p;

	if (c->npc == c->cappc) {
		c->cappc = c->cappc ? c->cappc * 2 : 64;
		c->pc = xrealloc(c->pc, c->cappc * sizeof(*c->pc));
	}
	if (c->newline) {
		c->group = c->npc;
		c->newline = 0;
	}
	p = &c->pc[c->npc++];
	*p = (struct piece){ .start = start, .end = end, .nstart = start,
	    .nend = start, .line = line, .group = c->group, .kind = kind };
	return p;
}

/* Text from..to, one piece per line. */
static void
add_text(struct compiler *c, size_t from, size_t to, size_t *line)
{
	while (from < to) {
		const char *nl = memchr(c->src + from, '\n', to - from);
		size_t end = nl != NULL ? (size_t)(nl - c->src) + 1 : to;

		add_piece(c, K_TEXT, from, end, *line);
		if (nl != NULL) {
			(*line)++;
			c->newline = 1;
		}
		from = end;
	}
}

static enum kind
kind_of(char sigil)
{
	for (size_t i = 0; i < ZJ_NELEM(sigils); i++)
		if (sigils[i].sigil == sigil)
			return sigils[i].kind;
	return K_VAR;
}

/* {{=<% %>=}}: two non-empty delimiters without '=' or whitespace. */
static int
set_delims(struct compiler *c, const struct piece *p, struct delims *d)
{
	const char *s = c->src + p->nstart, *e = c->src + p->nend;
	const char *o = s, *cl;
	size_t olen, clen;

	while (s < e && !is_space(*s))
		s++;
	olen = (size_t)(s - o);
	while (s < e && is_space(*s))
		s++;
	cl = s;
	while (s < e && !is_space(*s))
		s++;
	clen = (size_t)(s - cl);
	if (olen == 0 || clen == 0 || s != e || olen > TMPL_MAX_DELIM ||
	    clen > TMPL_MAX_DELIM || memchr(o, '=', olen) != NULL ||
	    memchr(cl, '=', clen) != NULL)
		return cerr(c, p->line, "bad delimiter change");
	*d = (struct delims){ o, cl, olen, clen };
	return 0;
}

/* A name is printable and unspaced; a dotted one has no empty part. */
static int
check_name(struct compiler *c, const struct piece *p)
{
	const char *s = c->src + p->nstart;
	size_t n = p->nend - p->nstart;
	char buf[48];

	if (n == 0)
		return cerr(c, p->line, "empty tag name");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return cerr(c, p->line, "bad character in tag name '%s'",
			    shown(c, p, buf, sizeof(buf)));
	if (p->kind != K_VAR && p->kind != K_RAW && p->kind != K_SECTION &&
	    p->kind != K_INVERTED)
		return 0;
	if (n == 1 && s[0] == '.')
		return 0;
	if (s[0] == '.' || s[n - 1] == '.' || memmem(s, n, "..", 2) != NULL)
		return cerr(c, p->line, "bad dotted name '%s'",
		    shown(c, p, buf, sizeof(buf)));
	return 0;
}

/*
 * The tag whose opening delimiter is at `at`: add it as a piece, follow a
 * delimiter change, and set *next to the first byte after it.
 */
static int
scan_tag(struct compiler *c, size_t at, struct delims *d, size_t *line,
    size_t *next)
{
	char needle[TMPL_MAX_DELIM + 2];
	size_t p = at + d->olen, nlen = 0, end, q;
	char sigil = p < c->len ? c->src[p] : '\0';
	enum kind kind = kind_of(sigil);
	const char *hit;
	struct piece *pc;

	if (kind != K_VAR)
		p++;
	if (sigil == '{' || sigil == '=')  /* {{{x}}} and {{=a b=}} */
		needle[nlen++] = sigil == '{' ? '}' : '=';
	memcpy(needle + nlen, d->close, d->clen);
	nlen += d->clen;
	hit = p <= c->len ? memmem(c->src + p, c->len - p, needle, nlen) : NULL;
	if (hit == NULL)
		return cerr(c, *line, sigil == '=' ? "bad delimiter change" :
		    "unclosed tag");
	q = (size_t)(hit - c->src);
	end = q + nlen;
	pc = add_piece(c, kind, at, end, *line);
	while (p < q && is_space(c->src[p]))
		p++;
	while (q > p && is_space(c->src[q - 1]))
		q--;
	pc->nstart = p;
	pc->nend = q;
	for (size_t i = at; i < end; i++)
		if (c->src[i] == '\n')
			(*line)++;
	*next = end;
	if (kind == K_DELIM)
		return set_delims(c, pc, d);
	if (kind == K_COMMENT)
		return 0;
	return check_name(c, pc);
}

static int
tokenize(struct compiler *c)
{
	struct delims d = { "{{", "}}", 2, 2 };
	size_t pos = 0, line = 1;

	c->newline = 1;
	while (pos < c->len) {
		const char *o = memmem(c->src + pos, c->len - pos, d.open, d.olen);
		size_t at = o != NULL ? (size_t)(o - c->src) : c->len;

		add_text(c, pos, at, &line);
		if (o == NULL)
			break;
		if (scan_tag(c, at, &d, &line, &pos) < 0)
			return -1;
	}
	return 0;
}

/* ---- compiler: pass 2, standalone lines ---- */

/* Only blanks, then maybe the line end ("\n" or "\r\n"). */
static int
blank_text(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\n') {
		n--;
		if (n > 0 && s[n - 1] == '\r')
			n--;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return 0;
	return 1;
}

/* Pieces g..h-1 form one line: standalone when it has a tag, no
 * interpolation and no text but blanks. */
static int
line_standalone(const struct compiler *c, size_t g, size_t h)
{
	int tags = 0;

	for (size_t k = g; k < h; k++) {
		const struct piece *p = &c->pc[k];
		if (p->kind == K_TEXT) {
			if (!blank_text(c->src + p->start, p->end - p->start))
				return 0;
		} else if (p->kind == K_VAR || p->kind == K_RAW) {
			return 0;
		} else {
			tags++;
		}
	}
	return tags > 0;
}

static void
mark_standalone(struct compiler *c)
{
	size_t g = 0;

	while (g < c->npc) {
		size_t h = g + 1;
		while (h < c->npc && c->pc[h].group == g)
			h++;
		if (line_standalone(c, g, h))
			for (size_t k = g; k < h; k++)
				c->pc[k].sa = 1;
		g = h;
	}
}

/* ---- compiler: pass 3, nodes ---- */

static uint32_t
pool_put(struct compiler *c, const char *s, size_t n)
{
	size_t at = c->npool;

	if (c->cappool - c->npool < n + 1) {
		while (c->cappool - c->npool < n + 1)
			c->cappool *= 2;
		c->pool = xrealloc(c->pool, c->cappool);
	}
	if (n > 0)
		memcpy(c->pool + at, s, n);
	c->npool += n;
	return (uint32_t)at;
}

/* A new node (end = just after it); ends any text node still growing. */
static uint32_t
new_node(struct compiler *c, enum op op)
{
	if (c->nnodes == c->capnodes) {
		c->capnodes = c->capnodes ? c->capnodes * 2 : 32;
		c->nodes = xrealloc(c->nodes, c->capnodes * sizeof(*c->nodes));
	}
	c->nodes[c->nnodes] = (struct node){ .op = op, .end = c->nnodes + 1 };
	c->last_text = NO_NODE;
	return c->nnodes++;
}

/* Text of piece k; a line start loses up to `strip` blanks. */
static void
emit_text(struct compiler *c, size_t k, size_t strip)
{
	const struct piece *p = &c->pc[k];
	const char *s = c->src + p->start;
	size_t n = p->end - p->start;
	uint32_t at;

	if (p->group == k)
		for (; strip > 0 && n > 0 && is_blank(*s); strip--) {
			s++;
			n--;
		}
	if (n == 0)
		return;
	at = pool_put(c, s, n);
	if (c->last_text != NO_NODE) {
		c->nodes[c->last_text].len += (uint32_t)n;
		return;
	}
	c->last_text = new_node(c, OP_TEXT);
	c->nodes[c->last_text].str = at;
	c->nodes[c->last_text].len = (uint32_t)n;
}

/* The name of piece p into node i: dotted names become "a\0b\0". */
static void
emit_name(struct compiler *c, uint32_t i, const struct piece *p, int dotted)
{
	const char *s = c->src + p->nstart;
	size_t n = p->nend - p->nstart;
	uint32_t at;

	if (dotted && n == 1 && s[0] == '.')
		return;         /* nparts 0: the top of the context stack */
	at = pool_put(c, s, n);
	c->pool[c->npool++] = '\0';
	c->nodes[i].str = at;
	c->nodes[i].len = (uint32_t)n;
	c->nodes[i].nparts = 1;
	if (!dotted)
		return;
	for (size_t j = at; j < at + n; j++)
		if (c->pool[j] == '.') {
			c->pool[j] = '\0';
			c->nodes[i].nparts++;
		}
}

/* The node's indentation: from..to of the source, less what the enclosing
 * block strips from its lines. */
static void
emit_indent(struct compiler *c, uint32_t i, size_t from, size_t to)
{
	size_t n = to - from, skip = n < c->strip ? n : c->strip;

	c->nodes[i].ind = pool_put(c, c->src + from + skip, n - skip);
	c->nodes[i].indlen = (uint32_t)(n - skip);
}

/* The blanks that start the line of piece k, before any other piece. */
static void
line_indent(const struct compiler *c, size_t k, size_t *from, size_t *to)
{
	const struct piece *g = &c->pc[c->pc[k].group];

	*from = *to = c->pc[k].start;
	if (c->pc[k].group == k || g->kind != K_TEXT)
		return;
	*from = *to = g->start;
	while (*to < g->end && is_blank(c->src[*to]))
		(*to)++;
}

/* Only blanks before piece k on its line. */
static int
line_leads(const struct compiler *c, size_t k)
{
	size_t g = c->pc[k].group;
	const struct piece *p = &c->pc[g];

	return g == k || (g + 1 == k && p->kind == K_TEXT &&
	    blank_text(c->src + p->start, p->end - p->start));
}

/* The standalone line of opening tag k also holds its closing tag. */
static int
closes_on_line(const struct compiler *c, size_t k)
{
	int open = 0;

	for (size_t j = k + 1; j < c->npc && c->pc[j].group == c->pc[k].group;
	    j++) {
		enum kind kind = c->pc[j].kind;
		if (kind == K_SECTION || kind == K_INVERTED ||
		    kind == K_PARENT || kind == K_BLOCK)
			open++;
		else if (kind == K_CLOSE && open-- == 0)
			return 1;
	}
	return 0;
}

/* The indentation of the first non-blank line after the line of piece k. */
static void
intrinsic_indent(const struct compiler *c, size_t k, size_t *from,
    size_t *to)
{
	size_t j = k, pos;

	while (j + 1 < c->npc && c->pc[j + 1].group == c->pc[k].group)
		j++;
	pos = c->pc[j].end;
	while (pos < c->len) {
		size_t ws = pos;
		while (ws < c->len && is_blank(c->src[ws]))
			ws++;
		if (ws < c->len && c->src[ws] == '\n') {
			pos = ws + 1;
		} else if (ws + 1 < c->len && c->src[ws] == '\r' &&
		    c->src[ws + 1] == '\n') {
			pos = ws + 2;
		} else {
			*from = pos;
			*to = ws;
			return;
		}
	}
	line_indent(c, k, from, to);
}

/* Indentation of block node i, opened by piece k; sets c->strip for the
 * lines inside it (see the top of the file). */
static void
open_block(struct compiler *c, uint32_t i, size_t k)
{
	const struct piece *p = &c->pc[k];
	size_t from, to;

	if (p->sa && !closes_on_line(c, k))
		intrinsic_indent(c, k, &from, &to);
	else if (p->sa || line_leads(c, k))
		line_indent(c, k, &from, &to);
	else
		return;         /* mid-line: the enclosing indentation */
	emit_indent(c, i, from, to);
	c->strip = to - from;
}

static int
in_parent(const struct compiler *c)
{
	return c->depth > 0 &&
	    c->nodes[c->stack[c->depth - 1].node].op == OP_PARENT;
}

static enum op
op_of(enum kind kind)
{
	switch (kind) {
	case K_VAR: return OP_VAR;
	case K_RAW: return OP_RAW;
	case K_SECTION: return OP_SECTION;
	case K_INVERTED: return OP_INVERTED;
	case K_PARENT: return OP_PARENT;
	case K_BLOCK: return OP_BLOCK;
	default: return OP_PARTIAL;
	}
}

static const char *
kind_word(enum kind kind)
{
	switch (kind) {
	case K_INVERTED: return "inverted section";
	case K_PARENT: return "parent";
	case K_BLOCK: return "block";
	default: return "section";
	}
}

/* A leaf: interpolation or partial. */
static void
emit_leaf(struct compiler *c, size_t k)
{
	const struct piece *p = &c->pc[k];
	uint32_t i;
	size_t from, to;

	i = new_node(c, op_of(p->kind));
	emit_name(c, i, p, p->kind != K_PARTIAL);
	if (p->kind == K_PARTIAL && p->sa) {
		line_indent(c, k, &from, &to);
		emit_indent(c, i, from, to);
	}
}

static int
open_section(struct compiler *c, size_t k)
{
	const struct piece *p = &c->pc[k];
	struct cframe *f;
	size_t from, to;
	uint32_t i;

	if (c->depth == TMPL_MAX_NEST)
		return cerr(c, p->line, "sections nested deeper than %d",
		    TMPL_MAX_NEST);
	i = new_node(c, op_of(p->kind));
	emit_name(c, i, p, p->kind == K_SECTION || p->kind == K_INVERTED);
	f = &c->stack[c->depth++];
	*f = (struct cframe){ .node = i, .piece = k, .strip = c->strip };
	if (p->kind == K_PARENT && p->sa) {
		line_indent(c, k, &from, &to);
		emit_indent(c, i, from, to);
	} else if (p->kind == K_BLOCK) {
		open_block(c, i, k);
	}
	return 0;
}

/* A block opened on a standalone line and closed at the end of a line of
 * text takes that line end (piece k + 1) into its content. */
static int
block_takes_eol(const struct compiler *c, size_t open, size_t k)
{
	const struct piece *n;

	if (k + 1 >= c->npc)
		return 0;
	n = &c->pc[k + 1];
	return c->pc[open].sa && !c->pc[k].sa &&
	    c->pc[open].group != c->pc[k].group &&
	    n->kind == K_TEXT && n->group == c->pc[k].group &&
	    c->src[n->end - 1] == '\n' &&
	    blank_text(c->src + n->start, n->end - n->start);
}

static int
close_section(struct compiler *c, size_t *k)
{
	const struct piece *p = &c->pc[*k], *o;
	const struct cframe *f;
	char b1[48], b2[48];

	if (c->depth == 0)
		return cerr(c, p->line, "closing tag '%s' without an open section",
		    shown(c, p, b1, sizeof(b1)));
	f = &c->stack[c->depth - 1];
	o = &c->pc[f->piece];
	if (o->nend - o->nstart != p->nend - p->nstart ||
	    memcmp(c->src + o->nstart, c->src + p->nstart,
	    p->nend - p->nstart) != 0)
		return cerr(c, p->line,
		    "closing tag '%s' does not match %s '%s' opened on line %zu",
		    shown(c, p, b1, sizeof(b1)), kind_word(o->kind),
		    shown(c, o, b2, sizeof(b2)), o->line);
	if (o->kind == K_BLOCK && block_takes_eol(c, f->piece, *k)) {
		emit_text(c, *k + 1, 0);
		(*k)++;
	}
	c->nodes[f->node].end = c->nnodes;
	c->strip = f->strip;
	c->depth--;
	c->last_text = NO_NODE;
	return 0;
}

/* Inside a parent only blocks count: refuse tags that would be ignored. */
static int
check_in_parent(struct compiler *c, size_t k)
{
	const struct piece *p = &c->pc[k], *o;
	char b1[48], b2[48];

	if (!in_parent(c) || p->kind == K_TEXT || p->kind == K_BLOCK ||
	    p->kind == K_CLOSE || p->kind == K_COMMENT || p->kind == K_DELIM)
		return 0;
	o = &c->pc[c->stack[c->depth - 1].piece];
	return cerr(c, p->line, "tag '%s' inside parent '%s': only blocks "
	    "go there", shown(c, p, b1, sizeof(b1)),
	    shown(c, o, b2, sizeof(b2)));
}

static int
build(struct compiler *c)
{
	char buf[48];

	for (size_t k = 0; k < c->npc; k++) {
		const struct piece *p = &c->pc[k];
		int rc = check_in_parent(c, k);

		if (rc < 0)
			return -1;
		switch (p->kind) {
		case K_TEXT:
			if (!p->sa && !in_parent(c))
				emit_text(c, k, c->strip);
			break;
		case K_VAR:
		case K_RAW:
		case K_PARTIAL:
			emit_leaf(c, k);
			break;
		case K_SECTION:
		case K_INVERTED:
		case K_PARENT:
		case K_BLOCK:
			rc = open_section(c, k);
			break;
		case K_CLOSE:
			rc = close_section(c, &k);
			break;
		case K_COMMENT:
		case K_DELIM:
			break;
		}
		if (rc < 0)
			return -1;
	}
	if (c->depth > 0) {
		const struct piece *o = &c->pc[c->stack[c->depth - 1].piece];
		return cerr(c, o->line, "unclosed %s '%s'", kind_word(o->kind),
		    shown(c, o, buf, sizeof(buf)));
	}
	return 0;
}

/*
 * Compile src into a template called name; errors name `label`.  Returns
 * the template (caller frees with tmpl_destroy) or NULL with err set.
 */
static struct tmpl *
compile(const char *name, const char *label, const char *src, size_t len,
    char *err, size_t errlen)
{
	struct compiler c = { .label = label, .src = src, .len = len,
	    .err = err, .errlen = errlen, .last_text = NO_NODE };
	struct tmpl *t = NULL;

	c.cappool = 256;
	c.pool = xmalloc(c.cappool);
	if (len > TMPL_MAX_SRC) {
		cerr(&c, 1, "template larger than %u bytes", TMPL_MAX_SRC);
		goto out;
	}
	if (tokenize(&c) < 0)
		goto out;
	mark_standalone(&c);
	if (build(&c) < 0)
		goto out;
	t = xmalloc(sizeof(*t));
	t->name = xstrdup(name);
	t->nodes = c.nodes;
	t->nnodes = c.nnodes;
	t->pool = c.pool;
	c.nodes = NULL;
	c.pool = NULL;
out:
	free(c.pc);
	free(c.nodes);
	free(c.pool);
	return t;
}

/* ---- renderer ---- */

struct scope {                  /* a parent tag being rendered */
	const struct tmpl *t;
	uint32_t node;          /* its OP_PARENT: children are overrides */
	const struct scope *outer;
};

enum { LIM_DEPTH = 1, LIM_CTX = 2, LIM_WORK = 4 };   /* rstate.hit bits */

static const char *const lim_names[] = {
	"partial depth", "context depth", "work",
};

struct rstate {
	const struct tmpl_set *set;
	struct buf *out;
	const struct tval *ctx[TMPL_MAX_CTX];
	size_t nctx;
	const struct scope *scope;
	char ind[TMPL_MAX_INDENT]; /* goes before each template line */
	size_t indlen;
	int depth;              /* partials, parents, overrides entered */
	int bol;                /* the last template text ended a line */
	unsigned hit;           /* limits reached (LIM_*), logged at the end */
	int stop;               /* budget spent: render nothing more */
	size_t steps;           /* nodes visited */
	size_t out_max;         /* out->len the render may reach */
};

static void render_nodes(struct rstate *, const struct tmpl *, uint32_t,
    uint32_t);

static int
truthy(const struct tval *v)
{
	if (v == NULL)
		return 0;
	switch (v->kind) {
	case TV_BOOL: return v->b != 0;
	case TV_NUM: return v->num != 0;
	case TV_STR: return v->len > 0;
	case TV_LIST: return v->n > 0;
	case TV_MAP: return 1;
	default: return 0;
	}
}

/* The first part up the context stack, the rest inside what was found. */
static const struct tval *
lookup(const struct rstate *st, const struct tmpl *t, const struct node *n)
{
	const char *part = t->pool + n->str;
	const struct tval *v = NULL;

	if (n->nparts == 0)
		return st->nctx > 0 ? st->ctx[st->nctx - 1] : NULL;
	unsigned h = key_hash(part);
	for (size_t k = st->nctx; k-- > 0 && v == NULL;)
		v = tv_get_h(st->ctx[k], part, h);
	for (uint32_t i = 1; i < n->nparts && v != NULL; i++) {
		part += strlen(part) + 1;
		v = tv_get(v, part);
	}
	return v;
}

static void
put_indent(struct rstate *st)
{
	if (st->bol && st->indlen > 0)
		buf_put(st->out, st->ind, st->indlen);
}

/* Template text: the indentation goes before each non-blank line. */
static void
put_text(struct rstate *st, const char *s, size_t n)
{
	if (st->indlen == 0) {
		buf_put(st->out, s, n);
		st->bol = s[n - 1] == '\n';
		return;
	}
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t k = nl != NULL ? (size_t)(nl - s) + 1 : n;

		if (nl == NULL || k > 2 || (k == 2 && s[0] != '\r'))
			put_indent(st);
		buf_put(st->out, s, k);
		st->bol = nl != NULL;
		s += k;
		n -= k;
	}
}

static void
put_value(struct rstate *st, const struct tval *v, int escape)
{
	const char *s;
	size_t n;

	if (v == NULL)
		return;
	if ((v->kind == TV_STR || v->kind == TV_NUM) && v->str != NULL) {
		s = v->str;
		n = v->len;
	} else if (v->kind == TV_BOOL) {
		s = v->b ? "true" : "false";
		n = strlen(s);
	} else {
		return;
	}
	if (n == 0)
		return;
	put_indent(st);
	st->bol = 0;
	if (escape)
		buf_put_html(st->out, s, n);
	else
		buf_put(st->out, s, n);
}

/* Returns the indentation length to restore. */
static size_t
push_indent(struct rstate *st, const struct tmpl *t, const struct node *n)
{
	size_t saved = st->indlen;

	if (n->indlen > 0 && n->indlen <= sizeof(st->ind) - st->indlen) {
		memcpy(st->ind + st->indlen, t->pool + n->ind, n->indlen);
		st->indlen += n->indlen;
	}
	return saved;
}

static int
enter(struct rstate *st)
{
	if (st->depth >= TMPL_MAX_DEPTH) {
		st->hit |= LIM_DEPTH;
		return 0;
	}
	st->depth++;
	return 1;
}

/* Section i's children with v on top of the context stack. */
static void
render_with(struct rstate *st, const struct tmpl *t, uint32_t i,
    const struct tval *v)
{
	if (st->nctx == TMPL_MAX_CTX) {
		st->hit |= LIM_CTX;
		return;
	}
	st->ctx[st->nctx++] = v;
	render_nodes(st, t, i + 1, t->nodes[i].end);
	st->nctx--;
}

static void
render_section(struct rstate *st, const struct tmpl *t, uint32_t i)
{
	const struct tval *v = lookup(st, t, &t->nodes[i]);

	if (!truthy(v))
		return;
	if (v->kind != TV_LIST) {
		render_with(st, t, i, v);
		return;
	}
	for (size_t k = 0; k < v->n; k++)
		render_with(st, t, i, v->items[k]);
}

/* {{>x}} or {{<x}}: a parent adds its blocks to the overrides in force
 * (which an outer parent's blocks take precedence over). */
static void
render_call(struct rstate *st, const struct tmpl *t, uint32_t i)
{
	const struct node *n = &t->nodes[i];
	const struct tmpl *p = set_find(st->set, t->pool + n->str);
	struct scope sc = { t, i, st->scope };
	size_t saved;

	if (p == NULL || !enter(st))
		return;
	saved = push_indent(st, t, n);
	if (n->op == OP_PARENT)
		st->scope = &sc;
	render_nodes(st, p, 0, p->nnodes);
	st->scope = sc.outer;
	st->indlen = saved;
	st->depth--;
}

/* The outermost parent's block called name, if any parent has one. */
static int
find_override(const struct rstate *st, const char *name,
    const struct tmpl **t, uint32_t *i)
{
	int found = 0;

	for (const struct scope *s = st->scope; s != NULL; s = s->outer) {
		const struct node *pn = &s->t->nodes[s->node];
		for (uint32_t j = s->node + 1; j < pn->end;
		    j = s->t->nodes[j].end) {
			const struct node *b = &s->t->nodes[j];
			if (b->op == OP_BLOCK &&
			    strcmp(s->t->pool + b->str, name) == 0) {
				*t = s->t;
				*i = j;
				found = 1;
				break;
			}
		}
	}
	return found;
}

/* {{$x}}: an override's content if a parent gives one, else the default,
 * either way at this block's indentation. */
static void
render_block(struct rstate *st, const struct tmpl *t, uint32_t i)
{
	const struct node *n = &t->nodes[i];
	const struct tmpl *bt = t;
	uint32_t bi = i;
	int over = find_override(st, t->pool + n->str, &bt, &bi);
	size_t saved;

	if (over && !enter(st))
		return;
	saved = push_indent(st, t, n);
	render_nodes(st, bt, bi + 1, bt->nodes[bi].end);
	st->indlen = saved;
	if (over)
		st->depth--;
}

/* Room for one more node in the budget of this render? */
static int
budget(struct rstate *st)
{
	if (!st->stop && (++st->steps > TMPL_MAX_STEPS ||
	    st->out->len > st->out_max)) {
		st->hit |= LIM_WORK;
		st->stop = 1;
	}
	return !st->stop;
}

static void
render_nodes(struct rstate *st, const struct tmpl *t, uint32_t i,
    uint32_t end)
{
	while (i < end && budget(st)) {
		const struct node *n = &t->nodes[i];

		switch (n->op) {
		case OP_TEXT:
			put_text(st, t->pool + n->str, n->len);
			break;
		case OP_VAR:
		case OP_RAW:
			put_value(st, lookup(st, t, n), n->op == OP_VAR);
			break;
		case OP_SECTION:
			render_section(st, t, i);
			break;
		case OP_INVERTED:
			if (!truthy(lookup(st, t, n)))
				render_nodes(st, t, i + 1, n->end);
			break;
		case OP_PARTIAL:
		case OP_PARENT:
			render_call(st, t, i);
			break;
		case OP_BLOCK:
			render_block(st, t, i);
			break;
		}
		i = n->end;
	}
}

/* ---- sets ---- */

struct tmpl_set *
tmpl_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

void
tmpl_free(struct tmpl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_destroy(set->v[i]);
	free(set->v);
	free(set);
}

static int
add_labelled(struct tmpl_set *set, const char *name, const char *label,
    const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl *t;

	if (set == NULL || name == NULL || (src == NULL && len > 0)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: no template given",
			    name != NULL ? name : "(null)");
		return -1;
	}
	t = compile(name, label, src != NULL ? src : "", len, err, errlen);
	if (t == NULL)
		return -1;
	set_insert(set, t);
	return 0;
}

int
tmpl_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	return add_labelled(set, name, name, src, len, err, errlen);
}

int
tmpl_has(const struct tmpl_set *set, const char *name)
{
	return set != NULL && name != NULL && set_find(set, name) != NULL;
}

int
tmpl_render(const struct tmpl_set *set, const char *name,
    const struct tval *ctx, struct buf *out)
{
	const struct tmpl *t;
	struct rstate st;

	if (set == NULL || name == NULL || out == NULL)
		return -1;
	t = set_find(set, name);
	if (t == NULL)
		return -1;
	st.set = set;
	st.out = out;
	st.nctx = 0;
	st.scope = NULL;
	st.indlen = 0;
	st.depth = 0;
	st.bol = 1;
	st.hit = 0;
	st.stop = 0;
	st.steps = 0;
	st.out_max = out->len + TMPL_MAX_OUT;
	if (ctx != NULL)
		st.ctx[st.nctx++] = ctx;
	render_nodes(&st, t, 0, t->nnodes);
	for (size_t i = 0; i < ZJ_NELEM(lim_names); i++)
		if (st.hit & 1u << i)
			LOG_WARN("%s: %s limit reached, output cut", name,
			    lim_names[i]);
	return 0;
}

/* ---- loading a folder ---- */

static int
ioerr(char *err, size_t errlen, const char *path, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

/* path/name.mustache becomes template path+base without the extension. */
static int
load_file(struct tmpl_set *set, const char *path, size_t base, char *err,
    size_t errlen)
{
	int rc = -1, fd;
	struct stat sb;
	char *src = NULL, *name = NULL;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ioerr(err, errlen, path, strerror(errno));
	if (fstat(fd, &sb) < 0) {
		ioerr(err, errlen, path, strerror(errno));
		goto out;
	}
	if (sb.st_size > (off_t)TMPL_MAX_SRC) {
		ioerr(err, errlen, path, "file too large");
		goto out;
	}
	src = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		ssize_t r = read(fd, src + len, (size_t)sb.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ioerr(err, errlen, path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	name = xstrdup(path + base);
	name[strlen(name) - strlen(TMPL_EXT)] = '\0';
	rc = add_labelled(set, name, path, src, len, err, errlen);
out:
	free(name);
	free(src);
	close(fd);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_template_file(const char *name)
{
	size_t n = strlen(name), e = strlen(TMPL_EXT);
	return n > e && strcmp(name + n - e, TMPL_EXT) == 0;
}

/* Entry names of the folder at path, sorted, without hidden ones; NULL
 * with err set when it cannot be read.  Caller frees each and the array. */
static char **
list_dir(const char *path, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL) {
		ioerr(err, errlen, path, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names != NULL ? names : xcalloc(1, sizeof(*names));
}

/* Every template below the folder in path (a buf, restored on return). */
static int
load_tree(struct tmpl_set *set, struct buf *path, size_t base, int depth,
    char *err, size_t errlen)
{
	size_t n = 0, keep = path->len;
	char **names;
	int rc = 0;

	if (depth > TMPL_MAX_DIRS)
		return ioerr(err, errlen, path->p, "folders nested too deeply");
	names = list_dir(path->p, &n, err, errlen);
	if (names == NULL)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat sb;

		path->len = keep;
		buf_putc(path, '/');
		buf_puts(path, names[i]);
		if (stat(path->p, &sb) < 0)
			rc = ioerr(err, errlen, path->p, strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = load_tree(set, path, base, depth + 1, err, errlen);
		else if (S_ISREG(sb.st_mode) && is_template_file(names[i]))
			rc = load_file(set, path->p, base, err, errlen);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	path->len = keep;
	path->p[keep] = '\0';
	return rc;
}

struct tmpl_set *
tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *set;
	struct buf path = { 0 };
	size_t n;

	if (dir == NULL) {
		ioerr(err, errlen, "(null)", "no folder given");
		return NULL;
	}
	set = tmpl_new();
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	buf_put(&path, dir, n);
	if (load_tree(set, &path, path.len + 1, 0, err, errlen) < 0) {
		tmpl_free(set);
		set = NULL;
	}
	buf_free(&path);
	return set;
}
