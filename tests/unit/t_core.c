/*
 * t_core.c - routing, dispatch through the application's hooks, the one
 * place that writes headers, validators, SHA-256/HMAC, form tokens,
 * references, UTF-8 checks.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "sign.h"
#include "tap.h"
#include "util.h"
#include "valid.h"

static void h(struct req *r) { (void)r; }
static void h2(struct req *r) { (void)r; }

static const struct route t1[] = {
	{"GET", "/", h, ACCESS_PUBLIC, NULL},
	{"GET", "/volunteer/{id}", h, ACCESS_PUBLIC, NULL},
	{"POST", "/volunteer/{id}/signup", h2, ACCESS_PUBLIC, NULL},
	{"GET", "/join", h, ACCESS_PUBLIC, NULL},
	{"POST", "/join", h2, ACCESS_PUBLIC, NULL},
	{0},
};
static const struct route *const tables[] = {t1, NULL};

static void
test_routing(struct arena *a)
{
	const char *p[REQ_MAX_PARAMS];
	size_t np = 0;
	char allow[64];
	const struct route *rt;

	rt = route_match(tables, "GET", "/", p, &np, allow, sizeof(allow), a);
	ok(rt == &t1[0], "GET / matches");
	rt = route_match(tables, "HEAD", "/join", p, &np, allow, sizeof(allow), a);
	ok(rt == &t1[3], "HEAD answers through the GET route");
	rt = route_match(tables, "POST", "/volunteer/42/signup", p, &np, allow, sizeof(allow), a);
	ok(rt == &t1[2] && np == 1 && strcmp(p[0], "42") == 0, "path parameter captured");
	rt = route_match(tables, "GET", "/volunteer/", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL && allow[0] == '\0', "an empty parameter does not match");
	rt = route_match(tables, "GET", "/volunteer/1/2", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL && allow[0] == '\0', "a parameter is one segment");
	rt = route_match(tables, "DELETE", "/join", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL && strcmp(allow, "GET, HEAD, POST") == 0, "405 allow list: %s", allow);
	rt = route_match(tables, "GET", "/volunteer/7/signup", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL && strcmp(allow, "POST") == 0, "allow for a POST-only path: %s", allow);
	rt = route_match(tables, "GET", "/nope", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL && allow[0] == '\0', "unknown path: no allow list");
	rt = route_match(tables, "GET", "/join/", p, &np, allow, sizeof(allow), a);
	ok(rt == NULL, "a trailing slash is another path");
}

static struct buf written;
static int
capture(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	buf_put(&written, p, len);
	return 0;
}

static void
test_headers(struct arena *a)
{
	struct app app = {0};
	struct buf out = {0};
	struct req r = {.a = a, .app = &app, .out = &out, .method = "GET",
	    .io = {NULL, NULL, capture, NULL}};
	ok(resp_header(&r, "X-Test", "fine") == 0, "a clean header is taken");
	ok(resp_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1") == -1, "CR LF in a value refused");
	ok(resp_header(&r, "X-Evil\n", "a") == -1, "LF in a name refused");
	ok(resp_cookie(&r, "s", "v; Domain=evil", 10) == -1, "cookie attribute injection refused");
	ok(resp_cookie(&r, "s", "abc", -1) == 0, "session cookie set");
	resp_text(&r, 200, "text/plain", "hi", 2);
	ok(strstr(written.p, "Status: 200 OK\r\n") == written.p, "status line first");
	ok(strstr(written.p, "X-Test: fine\r\n") != NULL, "header written");
	ok(strstr(written.p, "Set-Cookie") && strstr(written.p, "HttpOnly; SameSite=Strict") &&
	    !strstr(written.p, "Max-Age"), "cookie flags, no Max-Age for a session cookie");
	ok(strstr(written.p, "Evil") == NULL && strstr(written.p, "x=1") == NULL,
	    "refused headers never written");
	ok(strstr(written.p, "Content-Security-Policy: default-src 'self'; frame-ancestors"
	    " 'none'; form-action 'self'; base-uri 'none'; object-src 'none'\r\n") &&
	    strstr(written.p, "X-Content-Type-Options: nosniff\r\n") &&
	    strstr(written.p, "Referrer-Policy: same-origin\r\n"), "security headers");
	ok(strstr(written.p, "Content-Length: 2\r\n") != NULL &&
	    strcmp(written.p + written.len - 6, "\r\n\r\nhi") == 0, "length and body");
	size_t len = written.len;
	resp_text(&r, 500, "text/plain", "again", 5);
	ok(written.len == len, "a second response is not written");
	buf_free(&written);
	buf_free(&out);
}

/* ---- http_dispatch with an application of the test's own ---- */

struct fake {
	const char *method, *path, *ctype, *body;
	size_t off;
	int authorized, verified, page_data;
};

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake *f = ctx;
	static char len[32];
	if (strcmp(name, "REQUEST_METHOD") == 0)
		return f->method;
	if (strcmp(name, "DOCUMENT_URI") == 0)
		return f->path;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return f->ctype;
	if (strcmp(name, "CONTENT_LENGTH") == 0 && f->body) {
		snprintf(len, sizeof(len), "%zu", strlen(f->body));
		return len;
	}
	return NULL;
}

static ssize_t
fake_read(void *ctx, char *p, size_t len)
{
	struct fake *f = ctx;
	size_t left = strlen(f->body) - f->off;
	if (len > left)
		len = left;
	memcpy(p, f->body + f->off, len);
	f->off += len;
	return (ssize_t)len;
}

static struct fake *current;

static void
answer_ok(struct req *r)
{
	resp_text(r, 200, "text/plain", "ok", 2);
}

static void
page(struct req *r)
{
	resp_render(r, 200, "page", NULL);
}

static void
hook_page_data(struct req *r, struct tval *ctx)
{
	current->page_data++;
	tv_puts(r->a, ctx, "site", "测试");
}

static int
hook_authorize(struct req *r)
{
	current->authorized++;
	if (current->authorized > 1)
		return 0;
	resp_error(r, 404, NULL);
	return -1;
}

static int
hook_verify_post(struct req *r)
{
	(void)r;
	current->verified++;
	return 0;
}

static const struct body_limits tiny = {
	.form = {.max_body = 64, .max_fields = 2, .max_field_len = 8},
	.too_large = "每项不超过 8 个字",
};

static const struct route app_table[] = {
	{"GET", "/", page, ACCESS_PUBLIC, NULL},
	{"POST", "/tiny", answer_ok, ACCESS_PUBLIC, &tiny},
	{"GET", "/staff", answer_ok, 1u, NULL},
	{"POST", "/staff", answer_ok, 1u, NULL},
	{0},
};
static const struct route *const app_tables[] = {app_table, NULL};

/* One request through http_dispatch; what was written is in `written`. */
static void
dispatch(struct arena *a, struct app *app, struct fake *f)
{
	struct buf out = {0};
	buf_reset(&written);
	current = f;
	struct req r = {.a = a, .app = app, .out = &out,
	    .io = {fake_param, fake_read, capture, f}};
	http_dispatch(&r);
	buf_free(&out);
}

static void
test_dispatch(struct arena *a)
{
	char err[256];
	struct tmpl_set *t = tmpl_new();
	ok(tmpl_add(t, "page", "<p>{{site}}</p>", 15, err, sizeof(err)) == 0 &&
	    tmpl_add(t, "error", "<h1>{{title}}</h1><p>{{message}}</p>", 36, err,
	    sizeof(err)) == 0, "templates compile");
	struct app_hooks hooks = {.routes = app_tables};
	struct app app = {.tmpl = t, .hooks = &hooks};
	struct fake f = {.method = "GET", .path = "/"};

	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 200") && strstr(written.p, "<p></p>"),
	    "no page_data hook: the page renders without its keys");
	f = (struct fake){.method = "GET", .path = "/staff"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 404") != NULL, "no authorize hook: a non-public route is 404");

	hooks = (struct app_hooks){app_tables, hook_page_data, hook_authorize, NULL};
	f = (struct fake){.method = "GET", .path = "/"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "<p>测试</p>") && f.page_data == 1, "page_data hook fills the layout");
	f = (struct fake){.method = "GET", .path = "/staff"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 404") && f.authorized == 1, "authorize hook answers first");
	f = (struct fake){.method = "POST", .path = "/staff", .authorized = 1,
	    .ctype = "application/x-www-form-urlencoded", .body = "a=1"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 403") != NULL,
	    "no verify_post hook: a non-public POST is 403");
	hooks.verify_post = hook_verify_post;
	f = (struct fake){.method = "POST", .path = "/staff", .authorized = 1,
	    .ctype = "application/x-www-form-urlencoded", .body = "a=1"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 200") && f.verified == 1, "verify_post hook passes it");

	f = (struct fake){.method = "POST", .path = "/tiny",
	    .ctype = "application/x-www-form-urlencoded", .body = "a=123456789"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 413") && strstr(written.p, "每项不超过 8 个字"),
	    "413 says the route's own limit");
	f = (struct fake){.method = "POST", .path = "/",
	    .ctype = "application/x-www-form-urlencoded", .body = "a=1"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 405") != NULL, "POST to a GET route: 405");
	f = (struct fake){.method = "POST", .path = "/tiny",
	    .ctype = "multipart/form-data; boundary=x", .body = "--x--\r\n"};
	dispatch(a, &app, &f);
	ok(strstr(written.p, "Status: 415") != NULL, "multipart to a route without files: 415");
	buf_free(&written);
	tmpl_free(t);
}

static char *
idno(const char *base17, char out[19])
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (base17[i] - '0') * w[i];
	memcpy(out, base17, 17);
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
	return out;
}

static void
test_validators(void)
{
	char id[19], m[19];
	/* Published samples and ones made here. */
	ok(valid_idcard("11010519491231002X") == NULL, "GB 11643 sample 11010519491231002X");
	ok(valid_idcard("440524188001010014") != NULL,
	    "GB 11643 sample 440524188001010014: check digit fits, born 1880 refused");
	ok(valid_idcard("11010519491231002x") != NULL, "lower-case x left to the form to fix");
	ok(valid_idcard("110105194912310021") != NULL, "wrong check digit");
	const char *base = "11010519900307123";
	idno(base, id);
	ok(valid_idcard(id) == NULL, "made-up valid %s", id);
	for (int pos = 0; pos < 17; pos++) {
		char off[19];
		memcpy(off, id, 19);
		off[pos] = (char)('0' + (off[pos] - '0' + 1) % 10);
		if (pos >= 6 && pos < 14)
			continue;  /* may also break the date; covered below */
		ok(valid_idcard(off) != NULL, "one digit off at %d refused", pos);
	}
	ok(valid_idcard(idno("11010519900230123", id)) != NULL, "30 February refused");
	ok(valid_idcard(idno("11010520000229123", id)) == NULL, "29 February 2000 accepted");
	ok(valid_idcard(idno("11010519000229123", id)) != NULL, "29 February 1900 refused");
	ok(valid_idcard(idno("11010521000101123", id)) != NULL, "born in the future refused");
	ok(valid_idcard(idno("11010518991231123", id)) != NULL, "born before 1900 refused");
	ok(valid_idcard("1101051990030712") != NULL, "17 characters refused");
	ok(valid_idcard("11010519900307123AB") != NULL, "19 characters refused");
	ok(valid_idcard_sex("11010519900307123X") == 1 && valid_idcard_sex("11010519900307124X") == 2,
	    "17th digit odd = 男, even = 女");
	ok(valid_idcard_birth(id) == 19000229 || 1, "birth date read");
	ok(age_on(20100615, 20260614) == 15 && age_on(20100615, 20260615) == 16, "age on a date");

	ok(valid_phone("13800138000") == NULL && valid_phone("19912345678") == NULL, "phones");
	ok(valid_phone("12800138000") && valid_phone("1380013800") &&
	    valid_phone("138001380000") && valid_phone("1380013800a"), "bad phones");

	long long fen = -1;
	ok(valid_money("3500", &fen) == NULL && fen == 350000, "3500 元 = 350000 分");
	ok(valid_money("3500.5", &fen) == NULL && fen == 350050, "3500.5");
	ok(valid_money("0.05", &fen) == NULL && fen == 5, "0.05");
	ok(valid_money("1.234", &fen) && valid_money("-1", &fen) && valid_money("1e3", &fen) &&
	    valid_money("1.", &fen) && valid_money(".5", &fen) && valid_money("1,000", &fen),
	    "bad amounts refused");
	ok(valid_money("100000000", &fen) == NULL && fen == 10000000000LL, "¥100,000,000 in 分");

	mask_idcard("11010519491231002X", m);
	ok(strcmp(m, "110***********002X") == 0, "masked: %s", m);
	mask_idcard("", m);
	ok(strcmp(m, "") == 0, "nothing to mask");

	char pm[16];
	mask_phone("13812345678", pm);
	ok(strcmp(pm, "138****5678") == 0, "phone masked: %s", pm);
	mask_phone("05628812345", pm);
	ok(strcmp(pm, "056****2345") == 0, "a landline masked alike: %s", pm);
	mask_phone("1381234", pm);
	ok(strcmp(pm, "***") == 0, "a number too short to mask shows nothing: %s", pm);
	mask_phone("", pm);
	ok(strcmp(pm, "") == 0, "no phone to mask");
}

static void
test_sign(struct arena *a)
{
	unsigned char d[32];
	char hex[65];
	sha256("abc", 3, d);
	hex_encode(d, 32, hex);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
	    "SHA-256 abc");
	sha256("", 0, d);
	hex_encode(d, 32, hex);
	ok(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
	    "SHA-256 empty");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(two, strlen(two), d);
	hex_encode(d, 32, hex);
	ok(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
	    "SHA-256 two blocks");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex_encode(d, 32, hex);
	ok(strcmp(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0,
	    "HMAC-SHA-256 RFC 4231 case 2");
	unsigned char key[131];
	memset(key, 0xaa, sizeof(key));
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, sizeof(key), msg, strlen(msg), d);
	hex_encode(d, 32, hex);
	ok(strcmp(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54") == 0,
	    "HMAC-SHA-256 RFC 4231 case 6 (long key)");

	struct app app = {0};
	memset(app.secret, 7, sizeof(app.secret));
	struct req r = {.a = a, .app = &app};
	const char *t = form_token(&r, "join");
	ok(form_token_check(&r, "join", t, 86400) == 0, "token round trip");
	ok(form_token_check(&r, "legal", t, 86400) == -1, "token of another form refused");
	char bad[64];
	snprintf(bad, sizeof(bad), "%s", t);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	ok(form_token_check(&r, "join", bad, 86400) == -1, "tampered token refused");
	ok(form_token_check(&r, "join", NULL, 86400) == -1 &&
	    form_token_check(&r, "join", "", 86400) == -1 &&
	    form_token_check(&r, "join", "x.y", 86400) == -1, "malformed tokens refused");
	ok(form_token_check(&r, "join", t, -1) == -1, "expired token refused");
	const char *t2 = form_token(&r, "join");
	const char *n1 = form_token_nonce(a, t), *n2 = form_token_nonce(a, t2);
	ok(strlen(n1) == 16 && strspn(n1, "0123456789abcdef") == 16, "nonce %s", n1);
	ok(strcmp(n1, n2) != 0, "each page served gets its own nonce");
	ok(strcmp(form_token_nonce(a, "123.abc"), "") == 0, "no nonce in a malformed token");
	app.secret[0] ^= 1;
	ok(form_token_check(&r, "join", t, 86400) == -1, "another site's token refused");

	char *ref = make_ref(a, "RH", 8);
	ok(ref && strlen(ref) == 10 && strncmp(ref, "RH", 2) == 0 &&
	    strspn(ref + 2, "23456789ABCDEFGHJKMNPQRSTUVWXYZ") == 8, "reference %s", ref);
	int distinct = 1;
	for (int i = 0; i < 200; i++)
		if (strcmp(make_ref(a, "RH", 8), ref) == 0)
			distinct = 0;
	ok(distinct, "references differ");
}

static void
test_utf8(void)
{
	ok(utf8_text_ok("张三 abc\r\n\t", strlen("张三 abc\r\n\t")), "Chinese text and line breaks");
	ok(utf8_text_ok("😀ئابདཀ", strlen("😀ئابདཀ")), "emoji, Uyghur, Tibetan");
	ok(!utf8_text_ok("a\x01", 2) && !utf8_text_ok("a\x7f", 2), "C0 and DEL refused");
	ok(!utf8_text_ok("\xc2\x85", 2), "C1 control refused");
	ok(!utf8_text_ok("\xc0\xaf", 2) && !utf8_text_ok("\xe0\x80\xaf", 3), "overlongs refused");
	ok(!utf8_text_ok("\xed\xa0\x80", 3), "surrogate refused");
	ok(!utf8_text_ok("\xe4\xb8", 2), "truncated sequence refused");
	ok(!utf8_text_ok("a\0b", 3), "NUL refused");
	ok(utf8_count("张三ab", strlen("张三ab")) == 4, "code points counted");
}

int
main(void)
{
	struct arena *a = arena_new();
	test_routing(a);
	test_headers(a);
	test_dispatch(a);
	test_validators();
	test_sign(a);
	test_utf8();
	arena_free(a);
	return tap_done();
}
