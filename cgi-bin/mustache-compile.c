/*
 * mustache-compile.c - the Mustache compiler: template text to the flat
 * node array of mustache-impl.h, which mustache-render.c walks.
 *
 * Compiling runs three passes over one template (see mu_compile()):
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
 */
#include "mustache-impl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct tmpl *
mu_compile(const char *name, const char *label, const char *src, size_t len,
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
