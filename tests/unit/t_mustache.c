/*
 * t_mustache.c - the template engine: every case of the official spec
 * files we claim (read from $MUSTACHE_SPEC, default ../shared/mustache-spec),
 * then our own: escaping, value types, compile errors and their lines,
 * loading a folder with a layout, recursion limits.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "mustache.h"
#include "tap.h"

static const char *spec_files[] = {
	"comments.json", "delimiters.json", "interpolation.json",
	"inverted.json", "partials.json", "sections.json", "~inheritance.json",
};

static int spec_passed, spec_failed;
static struct arena *A;

/* ---- helpers ---- */

/* Print s on one line with C escapes, as a TAP comment. */
static void
diag(const char *label, const char *s, size_t n)
{
	printf("#   %-8s \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	puts("\"");
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	buf_putc(&b, '\0');
	*len = b.len - 1;
	return b.p;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* Render name and compare with want; prints both when they differ. */
static int
renders(const struct tmpl_set *set, const char *name, const struct tval *ctx,
    const char *want, const char *what)
{
	struct buf out = { 0 };
	int rc = tmpl_render(set, name, ctx, &out);
	const char *got = out.p != NULL ? out.p : "";
	int pass = rc == 0 && strcmp(got, want) == 0;

	ok(pass, "%s", what);
	if (!pass) {
		diag("expected", want, strlen(want));
		diag("got", got, out.len);
	}
	buf_free(&out);
	return pass;
}

/* Add a template that must compile. */
static void
add(struct tmpl_set *set, const char *name, const char *src)
{
	char err[256] = "";

	if (tmpl_add(set, name, src, strlen(src), err, sizeof(err)) < 0)
		ok(0, "template %s compiles: %s", name, err);
}

/* One template called "t" in a fresh set, rendered against ctx. */
static void
renders1(const char *src, const struct tval *ctx, const char *want,
    const char *what)
{
	struct tmpl_set *set = tmpl_new();
	char err[256] = "";

	if (tmpl_add(set, "t", src, strlen(src), err, sizeof(err)) < 0) {
		ok(0, "%s (compile: %s)", what, err);
	} else {
		renders(set, "t", ctx, want, what);
	}
	tmpl_free(set);
}

/* ---- the official spec ---- */

static const char *
str_of(const struct tval *v)
{
	return v != NULL && v->kind == TV_STR ? v->str : NULL;
}

static void
spec_case(const char *file, const struct tval *tc)
{
	const char *name = str_of(tv_get(tc, "name"));
	const struct tval *tmpl = tv_get(tc, "template");
	const struct tval *want = tv_get(tc, "expected");
	const struct tval *partials = tv_get(tc, "partials");
	struct tmpl_set *set = tmpl_new();
	struct buf out = { 0 };
	char err[256] = "";
	int rc = 0, pass;

	if (name == NULL || str_of(tmpl) == NULL || str_of(want) == NULL) {
		ok(0, "spec %s: malformed case", file);
		spec_failed++;
		tmpl_free(set);
		return;
	}
	for (size_t i = 0; partials != NULL && partials->kind == TV_MAP &&
	    i < partials->n && rc == 0; i++) {
		const struct tval *p = partials->items[i];
		rc = tmpl_add(set, partials->keys[i], p->str, p->len, err,
		    sizeof(err));
	}
	if (rc == 0)
		rc = tmpl_add(set, "(spec)", tmpl->str, tmpl->len, err,
		    sizeof(err));
	if (rc == 0)
		rc = tmpl_render(set, "(spec)", tv_get(tc, "data"), &out);
	pass = rc == 0 && out.len == want->len &&
	    (out.len == 0 || memcmp(out.p, want->str, out.len) == 0);
	ok(pass, "spec %s: %s", file, name);
	if (!pass) {
		diag("template", tmpl->str, tmpl->len);
		diag("expected", want->str, want->len);
		if (rc == 0)
			diag("got", out.p != NULL ? out.p : "", out.len);
		else
			printf("#   error    %s\n", err);
	}
	if (pass)
		spec_passed++;
	else
		spec_failed++;
	buf_free(&out);
	tmpl_free(set);
}

static void
spec_file(const char *dir, const char *file)
{
	char path[4096];
	const char *error = NULL;
	const struct tval *root, *tests;
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	text = read_file(path, &len);
	if (text == NULL) {
		ok(0, "spec file %s readable: %s", path, strerror(errno));
		spec_failed++;
		return;
	}
	root = json_parse(A, text, len, &error);
	tests = tv_get(root, "tests");
	if (tests == NULL || tests->kind != TV_LIST || tests->n == 0) {
		ok(0, "spec file %s parses (%s)", path,
		    error != NULL ? error : "no tests");
		spec_failed++;
	} else {
		for (size_t i = 0; i < tests->n; i++)
			spec_case(file, tests->items[i]);
	}
	free(text);
	arena_reset(A);
}

static void
test_spec(void)
{
	const char *dir = getenv("MUSTACHE_SPEC");
	struct stat sb;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/mustache-spec";
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		ok(0, "spec folder %s exists (set MUSTACHE_SPEC)", dir);
		spec_failed++;
		return;
	}
	for (size_t i = 0; i < ZJ_NELEM(spec_files); i++)
		spec_file(dir, spec_files[i]);
}

/* ---- our own cases ---- */

static void
test_escaping(void)
{
	struct tval *m = tv_map(A);

	tv_puts(A, m, "x", "& < > \" '");
	tv_puts(A, m, "js", "</script><script>alert('x')</script>");
	renders1("{{x}}|{{{x}}}|{{&x}}", m,
	    "&amp; &lt; &gt; &quot; &#39;|& < > \" '|& < > \" '",
	    "{{x}} escapes & < > \" ', {{{x}}} and {{&x}} do not");
	renders1("<p title=\"{{js}}\">", m,
	    "<p title=\"&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt;\">", "a script in a value stays text");
	renders1("{{=<% %>=}}<%x%> <%{x}%> <%&x%>", m,
	    "&amp; &lt; &gt; &quot; &#39; & < > \" ' & < > \" '",
	    "custom delimiters escape the same, <%{x}%> is raw");
}

static void
test_values(void)
{
	struct tval *m = tv_map(A), *l = tv_list(A), *inner = tv_map(A);

	tv_put(A, m, "f", tv_num(A, 1.10));
	tv_put(A, m, "g", tv_num(A, 0.1 + 0.2));
	tv_puti(A, m, "i", 85);
	tv_puti(A, m, "neg", -12345678901234LL);
	tv_putb(A, m, "yes", 1);
	tv_putb(A, m, "no", 0);
	tv_puts(A, m, "empty", "");
	tv_puts(A, m, "nil", NULL);
	tv_put(A, m, "zero", tv_int(A, 0));
	tv_put(A, m, "list", l);
	tv_put(A, m, "map", inner);
	tv_push(A, l, tv_str(A, "a"));
	tv_push(A, l, tv_int(A, 2));
	tv_push(A, l, tv_bool(A, 1));
	tv_push(A, l, NULL);
	tv_puts(A, inner, "k", "v");

	renders1("{{f}} {{g}} {{i}} {{neg}}", m,
	    "1.1 0.3 85 -12345678901234", "numbers print like %.15g");
	renders1("{{yes}} {{no}} [{{list}}{{map}}{{nil}}{{missing}}]", m,
	    "true false []", "booleans print, lists/maps/null/missing do not");
	renders1("{{#empty}}E{{/empty}}{{^empty}}not-e{{/empty}}"
	    "|{{#zero}}Z{{/zero}}{{^zero}}zero{{/zero}}"
	    "|{{#nil}}N{{/nil}}{{^nil}}null{{/nil}}"
	    "|{{#no}}B{{/no}}{{^no}}false{{/no}}", m,
	    "not-e|zero|null|false", "\"\", 0, null and false are falsy");
	renders1("{{#list}}({{.}}){{/list}}|{{#map}}{{k}}{{/map}}|{{map.k}}",
	    m, "(a)(2)(true)()|v|v", "lists iterate, maps push, dots descend");
	renders1("[{{f.x}}{{i.x}}{{list.k}}{{#f.x}}no{{/f.x}}]", m, "[]",
	    "dotted names through scalars are missing");
	renders1("{{x}}{{#x}}no{{/x}}{{^x}}none{{/x}}", NULL, "none",
	    "a NULL root context renders");

	tv_puts(A, m, "i", "replaced");
	ok(tv_get(m, "i") != NULL && tv_get(m, "i")->kind == TV_STR &&
	    strcmp(tv_get(m, "i")->str, "replaced") == 0,
	    "tv_put replaces the value of an existing key");
	size_t n = m->n;
	tv_puti(A, m, "i", 7);
	ok(m->n == n, "a replaced key is not added twice");
	struct tval *v = tv_putf(A, m, "fmt", "%s-%03d", "RH", 7);
	ok(v->kind == TV_STR && strcmp(v->str, "RH-007") == 0 && v->len == 6,
	    "tv_putf formats");
	ok(tv_get(l, "k") == NULL && tv_get(NULL, "k") == NULL &&
	    tv_get(m, "absent") == NULL, "tv_get of a non-map or absent key");
	ok(tv_get(m, "nil")->kind == TV_NULL, "tv_puts(NULL) puts TV_NULL");

	struct tval *big = tv_map(A);
	char key[16];
	for (int k = 0; k < 40; k++) {
		snprintf(key, sizeof(key), "k%d", k);
		tv_puti(A, big, key, k);
	}
	ok(big->n == 40 && strcmp(tv_get(big, "k39")->str, "39") == 0 &&
	    strcmp(tv_get(big, "k0")->str, "0") == 0, "a map of 40 keys");
}

/* pages rely on {{#error}} showing only when a message is set */
static void
test_error_section(void)
{
	const char *src = "{{#error}}<p class=\"error\">{{error}}</p>{{/error}}";
	struct tval *m = tv_map(A);

	renders1(src, m, "", "no error: nothing");
	tv_puts(A, m, "error", "");
	renders1(src, m, "", "empty error: nothing");
	tv_puts(A, m, "error", "请填写姓名");
	renders1(src, m, "<p class=\"error\">请填写姓名</p>", "error shown");
}

static void
test_errors(void)
{
	static const struct {
		const char *src, *err;
	} cases[] = {
		{ "a\n{{x", "t:2: unclosed tag" },
		{ "a\n\nb {{{x}} c", "t:3: unclosed tag" },
		{ "a\n\n{{#s}}\nx\n", "t:3: unclosed section 's'" },
		{ "{{#a}}{{^b}}\n", "t:1: unclosed inverted section 'b'" },
		{ "{{<layout}}\n{{$content}}\n{{/layout}}\n",
		  "t:3: closing tag 'layout' does not match block 'content' "
		  "opened on line 2" },
		{ "{{#a}}\nx\n{{/b}}",
		  "t:3: closing tag 'b' does not match section 'a' opened on "
		  "line 1" },
		{ "x\n{{/a}}", "t:2: closing tag 'a' without an open section" },
		{ "{{=<% =}}", "t:1: bad delimiter change" },
		{ "\n{{=a b c=}}", "t:2: bad delimiter change" },
		{ "{{=a= b=}}", "t:1: bad delimiter change" },
		{ "x\n{{ }}", "t:2: empty tag name" },
		{ "{{#}}{{/}}", "t:1: empty tag name" },
		{ "{{a b}}", "t:1: bad character in tag name 'a b'" },
		{ "{{a..b}}", "t:1: bad dotted name 'a..b'" },
		{ "{{#.a}}{{/.a}}", "t:1: bad dotted name '.a'" },
		{ "{{<layout}}\n{{#admin}}{{$nav}}x{{/nav}}{{/admin}}\n"
		  "{{/layout}}", "t:2: tag 'admin' inside parent 'layout': "
		  "only blocks go there" },
		{ "{{<a}} {{x}} {{/a}}",
		  "t:1: tag 'x' inside parent 'a': only blocks go there" },
		{ "{{=<% %>}}", "t:1: bad delimiter change" },
		{ "{{! a\nb }}\n{{=<% %>=}}\n{{x}}\n<%/x%>",
		  "t:5: closing tag 'x' without an open section" },
	};
	struct tmpl_set *set = tmpl_new();
	struct buf deep = { 0 };
	char err[256];

	for (size_t i = 0; i < ZJ_NELEM(cases); i++) {
		strcpy(err, "(none)");
		int rc = tmpl_add(set, "t", cases[i].src, strlen(cases[i].src),
		    err, sizeof(err));
		ok(rc == -1 && strcmp(err, cases[i].err) == 0,
		    "compile error: %s", cases[i].err);
		if (rc != -1 || strcmp(err, cases[i].err) != 0)
			diag("got", err, strlen(err));
	}
	for (int i = 0; i < 65; i++)
		buf_puts(&deep, "{{#a}}");
	ok(tmpl_add(set, "t", deep.p, deep.len, err, sizeof(err)) == -1 &&
	    strcmp(err, "t:1: sections nested deeper than 64") == 0,
	    "nesting deeper than the limit is refused");
	buf_free(&deep);
	ok(!tmpl_has(set, "t"), "failed compiles add nothing");

	ok(tmpl_add(set, "keep", "old", 3, err, sizeof(err)) == 0,
	    "add a template");
	ok(tmpl_add(set, "keep", "{{#x}}", 6, err, sizeof(err)) == -1,
	    "a broken replacement fails");
	renders(set, "keep", NULL, "old", "and leaves the old one in place");
	ok(tmpl_add(set, "keep", "new", 3, err, sizeof(err)) == 0,
	    "a good replacement");
	renders(set, "keep", NULL, "new", "replaces it");

	char small[8];
	ok(tmpl_add(set, "long-name", "{{", 2, small, sizeof(small)) == -1 &&
	    strlen(small) == sizeof(small) - 1, "a short err buffer is cut");
	ok(tmpl_add(set, "n", "{{", 2, NULL, 0) == -1, "err may be NULL");
	tmpl_free(set);
}

static void
test_render_api(void)
{
	struct tmpl_set *set = tmpl_new();
	struct buf out = { 0 };
	char err[128];

	buf_puts(&out, "pre");
	ok(tmpl_render(set, "nope", NULL, &out) == -1 && out.len == 3 &&
	    strcmp(out.p, "pre") == 0, "missing template: -1, out unchanged");
	add(set, "a", "B{{>missing}}");
	ok(tmpl_render(set, "a", NULL, &out) == 0 &&
	    strcmp(out.p, "preB") == 0, "render appends; missing partial: empty");
	ok(tmpl_has(set, "a") && !tmpl_has(set, "b") && !tmpl_has(NULL, "a"),
	    "tmpl_has");
	ok(tmpl_add(set, "empty", "", 0, err, sizeof(err)) == 0 &&
	    tmpl_render(set, "empty", NULL, &out) == 0 &&
	    strcmp(out.p, "preB") == 0, "an empty template renders nothing");
	buf_free(&out);
	tmpl_free(set);
	tmpl_free(NULL);
}

static void
test_indentation(void)
{
	struct tmpl_set *set = tmpl_new();
	struct tval *m = tv_map(A);

	tv_puts(A, m, "v", "1\n2");
	add(set, "p", "a\n\nb {{v}}\n");
	add(set, "q", "<ul>\n  {{>p}}\n</ul>\n");
	add(set, "t", "<div>\n  {{>q}}\n</div>\n");
	renders(set, "t", m,
	    "<div>\n  <ul>\n    a\n\n    b 1\n2\n  </ul>\n</div>\n",
	    "nested partials add up indentation; blank lines and values not");

	const char *lay = "<main>\n  {{$body}}{{/body}}\n</main>\n";
	const char *page = "{{<lay}}\n{{$body}}\n    <p>\n      x\n    </p>\n"
	    "{{/body}}\n{{/lay}}\n";
	add(set, "lay", lay);
	add(set, "page", page);
	renders(set, "page", m, "<main>\n  <p>\n    x\n  </p>\n</main>\n",
	    "a block is re-indented to where the layout puts it");
	tmpl_free(set);
}

static void
test_recursion(void)
{
	struct tmpl_set *set = tmpl_new();
	struct tval *m = tv_map(A);
	struct buf out = { 0 }, src = { 0 };
	char err[128];
	int rc;

	tv_put(A, m, "self", m);        /* a map that contains itself */
	add(set, "self", "x{{>self}}");
	rc = tmpl_render(set, "self", m, &out);
	ok(rc == 0 && out.len > 1 && out.len <= 64 &&
	    strspn(out.p, "x") == out.len,
	    "a partial including itself stops (%zu levels)", out.len);

	buf_reset(&out);
	add(set, "par", "y{{<par}}{{/par}}");
	rc = tmpl_render(set, "par", m, &out);
	ok(rc == 0 && out.len > 1 && out.len <= 64,
	    "a parent of itself stops (%zu levels)", out.len);

	buf_reset(&out);
	add(set, "slot", "{{$a}}{{/a}}");
	add(set, "blk", "{{<slot}}{{$a}}[{{$a}}{{/a}}]{{/a}}{{/slot}}");
	rc = tmpl_render(set, "blk", m, &out);
	ok(rc == 0 && out.len > 2 && out.len <= 128,
	    "a block overriding itself stops (%zu bytes)", out.len);

	buf_reset(&out);
	add(set, "cyc", "{{#self}}.{{>cyc}}{{/self}}");
	rc = tmpl_render(set, "cyc", m, &out);
	ok(rc == 0 && out.len > 1 && out.len <= 64,
	    "a section over a cyclic map stops (%zu levels)", out.len);

	buf_reset(&out);
	for (int i = 0; i < 60; i++)
		buf_puts(&src, "{{#self}}");
	buf_puts(&src, "z{{>ctx}}");
	for (int i = 0; i < 60; i++)
		buf_puts(&src, "{{/self}}");
	ok(tmpl_add(set, "ctx", src.p, src.len, err, sizeof(err)) == 0,
	    "60 nested sections compile");
	rc = tmpl_render(set, "ctx", m, &out);
	ok(rc == 0 && strcmp(out.p, "z") == 0,
	    "the context stack limit stops deeper sections");

	/* exponential work: a partial twice in itself, sections in sections
	 * over one list; both must end, within the work budget */
	buf_reset(&out);
	add(set, "exp", "ab{{>exp}}{{>exp}}");
	rc = tmpl_render(set, "exp", m, &out);
	ok(rc == 0 && out.len > 1000 && out.len <= (10u << 20),
	    "a partial including itself twice stops (%zu bytes)", out.len);
	struct tval *l = tv_list(A);
	for (int i = 0; i < 8; i++)
		tv_push(A, l, tv_int(A, i));
	tv_put(A, m, "l", l);
	buf_reset(&src);
	for (int i = 0; i < 40; i++)
		buf_puts(&src, "{{#l}}");
	buf_puts(&src, "{{.}}");
	for (int i = 0; i < 40; i++)
		buf_puts(&src, "{{/l}}");
	add(set, "lists", src.p);
	buf_reset(&out);
	rc = tmpl_render(set, "lists", m, &out);
	ok(rc == 0 && out.len > 1000 && out.len <= (10u << 20),
	    "sections nested over one list stop (%zu bytes)", out.len);
	buf_free(&src);
	buf_free(&out);
	tmpl_free(set);
}

/* ---- tmpl_load_dir ---- */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char LAYOUT[] =
    "<!doctype html>\n"
    "<title>{{$title}}Zhijia{{/title}}</title>\n"
    "<body>\n"
    "  <main>\n"
    "    {{$content}}{{/content}}\n"
    "  </main>\n"
    "</body>\n";

static const char FORM[] =
    "{{<layout}}\n"
    "{{$title}}网上入会{{/title}}\n"
    "{{$content}}\n"
    "<h1>网上入会</h1>\n"
    "{{#error}}\n"
    "<p class=\"error\">{{error}}</p>\n"
    "{{/error}}\n"
    "<form method=\"post\">\n"
    "  {{>join/parts/field}}\n"
    "</form>\n"
    "{{/content}}\n"
    "{{/layout}}\n";

static const char FIELD[] =
    "<label for=\"name\">姓名</label>\n"
    "<input id=\"name\" name=\"name\" value=\"{{name}}\">\n";

static const char PAGE[] =
    "<!doctype html>\n"
    "<title>网上入会</title>\n"
    "<body>\n"
    "  <main>\n"
    "    <h1>网上入会</h1>\n"
    "    <p class=\"error\">请填写&lt;姓名&gt;</p>\n"
    "    <form method=\"post\">\n"
    "      <label for=\"name\">姓名</label>\n"
    "      <input id=\"name\" name=\"name\" value=\"O&#39;Brien\">\n"
    "    </form>\n"
    "  </main>\n"
    "</body>\n";

static void
test_load_dir(void)
{
	char dir[] = "/tmp/t_mustache.XXXXXX", path[512], want[1024];
	char err[512] = "";
	struct tmpl_set *set;
	struct tval *m = tv_map(A);

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/join", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/join/parts", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/layout.mustache", dir);
	write_file(path, LAYOUT);
	snprintf(path, sizeof(path), "%s/join/form.mustache", dir);
	write_file(path, FORM);
	snprintf(path, sizeof(path), "%s/join/parts/field.mustache", dir);
	write_file(path, FIELD);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "{{not a template");
	snprintf(path, sizeof(path), "%s/.hidden.mustache", dir);
	write_file(path, "{{#broken");

	set = tmpl_load_dir(dir, err, sizeof(err));
	ok(set != NULL, "tmpl_load_dir loads a folder (%s)", err);
	ok(tmpl_has(set, "layout") && tmpl_has(set, "join/form") &&
	    tmpl_has(set, "join/parts/field"), "names are relative paths");
	ok(!tmpl_has(set, "notes") && !tmpl_has(set, ".hidden") &&
	    !tmpl_has(set, "join/form.mustache"), "other files are skipped");
	tv_puts(A, m, "error", "请填写<姓名>");
	tv_puts(A, m, "name", "O'Brien");
	if (set != NULL)
		renders(set, "join/form", m, PAGE,
		    "a page in a layout, with a nested partial");
	tmpl_free(set);

	snprintf(path, sizeof(path), "%s/join/parts/bad.mustache", dir);
	write_file(path, "ok\n{{#a}}\n");
	set = tmpl_load_dir(dir, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:2: unclosed section 'a'", path);
	ok(set == NULL && strcmp(err, want) == 0,
	    "a compile error fails the load with path:line: reason");
	if (set != NULL || strcmp(err, want) != 0)
		diag("got", err, strlen(err));
	tmpl_free(set);

	rm_tree(dir);
	set = tmpl_load_dir(dir, err, sizeof(err));
	ok(set == NULL && strstr(err, dir) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL,
	    "a missing folder fails with the I/O error (%s)", err);
	tmpl_free(set);
}

int
main(void)
{
	A = arena_new();
	test_spec();
	test_escaping();
	test_values();
	test_error_section();
	test_errors();
	test_render_api();
	test_indentation();
	test_recursion();
	test_load_dir();
	arena_free(A);
	printf("mustache spec: %d passed, %d failed\n", spec_passed,
	    spec_failed);
	return tap_done();
}
