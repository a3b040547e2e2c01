/*
 * fuzz_template.c - libFuzzer harness for the Mustache compiler and
 * renderer: the input is compiled as template "t"; if it compiles it is
 * rendered against a fixed data tree that has every value kind, a map
 * that contains itself, and partials/parents the input may call (and "t"
 * itself, so recursion is reachable).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mustache.h"

static struct tmpl_set *set;
static struct tval *root;

static void
add(const char *name, const char *src)
{
	char err[256];

	if (tmpl_add(set, name, src, strlen(src), err, sizeof(err)) < 0)
		__builtin_trap();       /* the fixed templates must compile */
}

static void
setup(void)
{
	static struct arena *a;
	struct tval *list, *inner, *sub;

	a = arena_new();
	set = tmpl_new();
	root = tv_map(a);
	tv_puts(a, root, "name", "<b>&\"'</b>");
	tv_puts(a, root, "empty", "");
	tv_puts(a, root, "nil", NULL);
	tv_puti(a, root, "n", 85);
	tv_put(a, root, "f", tv_num(a, 1.1));
	tv_puti(a, root, "zero", 0);
	tv_putb(a, root, "yes", 1);
	tv_putb(a, root, "no", 0);
	list = tv_list(a);
	tv_push(a, list, tv_str(a, "a"));
	tv_push(a, list, tv_int(a, 2));
	inner = tv_map(a);
	tv_puts(a, inner, "name", "inner\nline");
	tv_push(a, list, inner);
	tv_push(a, list, tv_list(a));
	tv_put(a, root, "list", list);
	sub = tv_map(a);
	tv_puts(a, sub, "x", "y");
	tv_put(a, inner, "sub", sub);
	tv_put(a, root, "map", inner);
	tv_put(a, root, "self", root);
	add("p", "{{name}}\n{{#list}}\n  - {{.}}\n{{/list}}\n");
	add("layout", "<h1>{{$title}}T{{/title}}</h1>\n"
	    "  {{$content}}{{/content}}\n{{>p}}\n");
	add("call", "  {{>t}}\n{{<t}}{{$content}}\n  c\n{{/content}}{{/t}}");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct buf out = { 0 };

	if (set == NULL)
		setup();
	if (tmpl_add(set, "t", (const char *)data, size, err, sizeof(err)) < 0)
		return 0;
	tmpl_render(set, "t", root, &out);
	if (out.len < 65536)    /* skip inputs that already hit the budget */
		tmpl_render(set, "call", root, &out);
	buf_free(&out);
	return 0;
}
