/*
 * mustache-render.c - the Mustache renderer: walks the node array of a
 * compiled template (mustache-impl.h) and appends to a buf.
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
#include "mustache-impl.h"

#include <stdint.h>
#include <string.h>

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
	unsigned h = mu_key_hash(part);
	for (size_t k = st->nctx; k-- > 0 && v == NULL;)
		v = mu_tv_get_h(st->ctx[k], part, h);
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
	const struct tmpl *p = mu_set_find(st->set, t->pool + n->str);
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

int
tmpl_render(const struct tmpl_set *set, const char *name,
    const struct tval *ctx, struct buf *out)
{
	const struct tmpl *t;
	struct rstate st;

	if (set == NULL || name == NULL || out == NULL)
		return -1;
	t = mu_set_find(set, name);
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
