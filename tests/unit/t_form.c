/*
 * t_form.c - the request parsers: query strings and urlencoded bodies,
 * multipart/form-data (fed through reads of every size), cookies.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "form.h"
#include "tap.h"

/* form-multipart.c refuses a part header block (blank line included) longer than this. */
#define MP_HDR_TEST (8 * 1024)

static char tmpdir[64];
static struct arena *A;

/* ---- a body held in memory, handed out in reads of a chosen size ---- */

enum { RD_ALL = 0, RD_RANDOM = -1, RD_SPLIT = -2 };

struct src {
	const char *p;
	size_t len, off;
	int mode;            /* RD_*, or a fixed chunk size > 0 */
	unsigned long rnd;   /* RD_RANDOM state */
	size_t split;        /* RD_SPLIT: the first read stops here */
	size_t calls;
	int fail;            /* return -1 once the body is used up */
};

static ssize_t
src_read(void *ctx, char *p, size_t len)
{
	struct src *s = ctx;
	size_t n = s->len - s->off;

	s->calls++;
	if (n == 0 && s->fail)
		return -1;
	if (s->mode > 0 && n > (size_t)s->mode)
		n = (size_t)s->mode;
	if (s->mode == RD_RANDOM) {
		s->rnd = s->rnd * 6364136223846793005UL + 1442695040888963407UL;
		size_t r = (s->rnd >> 33) % 16 == 0 ? (s->rnd >> 20) % 70000 + 1 :
		    (s->rnd >> 33) % 97 + 1;
		if (n > r)
			n = r;
	}
	if (s->mode == RD_SPLIT && s->off < s->split && n > s->split - s->off)
		n = s->split - s->off;
	if (n > len)
		n = len;
	memcpy(p, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static struct src
src_of(const char *p, size_t len, int mode)
{
	return (struct src){ .p = p, .len = len, .mode = mode, .rnd = 42 };
}

static const char *
mode_name(int mode)
{
	static char s[32];
	if (mode == RD_ALL)
		return "one read";
	if (mode == RD_RANDOM)
		return "random-size reads";
	snprintf(s, sizeof(s), "%d-byte reads", mode);
	return s;
}

static struct form_limits
limits(void)
{
	return (struct form_limits){ .max_body = 1 << 20, .max_fields = 50,
	    .max_field_len = 1000, .max_files = 2, .max_file_size = 4096,
	    .tmpdir = tmpdir };
}

/* ---- files ---- */

static size_t
count_dir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* 1 when path holds exactly want[0..len) and has mode 0600. */
static int
file_is(const char *path, const char *want, size_t len)
{
	struct stat st;
	FILE *fp;
	char *got;
	int same;

	if (path == NULL || stat(path, &st) != 0 || (st.st_mode & 07777) != 0600 ||
	    (size_t)st.st_size != len || (fp = fopen(path, "rb")) == NULL)
		return 0;
	got = xmalloc(len + 1);
	same = fread(got, 1, len + 1, fp) == len && memcmp(got, want, len) == 0;
	fclose(fp);
	free(got);
	return same;
}

/* ---- urlencoded ---- */

static int
url(const char *s, struct form *f)
{
	struct form_limits lim = limits();
	*f = (struct form){ 0 };
	return form_parse_urlencoded(A, s, strlen(s), &lim, f);
}

static void
t_url_decoding(void)
{
	struct form f;

	ok(url("a=1&b=hello+world&c=%E4%B8%AD%E6%96%87", &f) == FORM_OK &&
	    f.nfields == 3, "urlencoded: three fields");
	ok(strcmp(form_get(&f, "a"), "1") == 0, "plain value");
	ok(strcmp(form_get(&f, "b"), "hello world") == 0, "'+' is a space");
	ok(strcmp(form_get(&f, "c"), "中文") == 0 && f.fields[2].len == 6,
	    "percent-encoded UTF-8 Chinese, len in bytes");
	ok(url("%e5%A7%93%E5%90%8D=%E5%BC%A0%E4%B8%89", &f) == FORM_OK &&
	    strcmp(form_get(&f, "姓名"), "张三") == 0, "encoded name, mixed-case hex");
	ok(url("name=张三&q=%2B%26%3D%25", &f) == FORM_OK &&
	    strcmp(form_get(&f, "name"), "张三") == 0 &&
	    strcmp(form_get(&f, "q"), "+&=%") == 0, "raw UTF-8 and escaped specials");
	ok(url("x=%3Cscript%3E'+OR+1%3D1", &f) == FORM_OK &&
	    strcmp(form_get(&f, "x"), "<script>' OR 1=1") == 0, "markup kept verbatim");
	ok(url("t=a%09b%0D%0Ac", &f) == FORM_OK &&
	    strcmp(form_get(&f, "t"), "a\tb\r\nc") == 0, "TAB, CR, LF allowed");
	ok(url("c=1&c=2&d=&c=3", &f) == FORM_OK && form_count(&f, "c") == 3 &&
	    strcmp(form_get(&f, "c"), "1") == 0 && form_count(&f, "zz") == 0 &&
	    form_get(&f, "zz") == NULL, "form_count / form_get of repeated names");
	ok(url("a=1&&b=2&", &f) == FORM_OK && f.nfields == 2 &&
	    strcmp(form_get(&f, "b"), "2") == 0, "empty pairs skipped");
	ok(url("&&&", &f) == FORM_OK && f.nfields == 0, "only separators");
	ok(url("", &f) == FORM_OK && f.nfields == 0, "empty string");
	ok(url("flag&x=1", &f) == FORM_OK && f.nfields == 2 &&
	    strcmp(form_get(&f, "flag"), "") == 0 && f.fields[0].len == 0,
	    "pair without '=' is a name with an empty value");
	ok(url("a==b", &f) == FORM_OK && strcmp(form_get(&f, "a"), "=b") == 0,
	    "value may hold '='");
}

static void
t_url_bad(void)
{
	static const struct { const char *s, *what; } bad[] = {
		{ "a=%", "lone %" }, { "a=%4", "%4" }, { "a=%ZZ", "%ZZ" },
		{ "a=%4G&b=1", "%4G" }, { "%=1", "% in a name" }, { "a=x%", "trailing %" },
		{ "a=%C0%AF", "overlong 2-byte" }, { "a=%E0%80%AF", "overlong 3-byte" },
		{ "a=%F0%80%80%AF", "overlong 4-byte" }, { "a=%ED%A0%80", "surrogate" },
		{ "a=%E4%B8", "truncated sequence" }, { "a=%E4%B8&b=1", "truncated mid-string" },
		{ "a=%F4%90%80%80", "above U+10FFFF" }, { "a=%FF", "byte 0xFF" },
		{ "a=%80", "lone continuation byte" }, { "a=\xE4\xB8", "raw truncated" },
		{ "a=%00", "NUL" }, { "a=%01", "SOH" }, { "a=%1B", "ESC" },
		{ "a=%7F", "DEL" }, { "a=%C2%85", "C1 control (NEL)" },
		{ "%01=x", "control char in a name" }, { "%C3%28=x", "bad UTF-8 in a name" },
	};
	struct form f;

	for (size_t i = 0; i < ZJ_NELEM(bad); i++)
		ok(url(bad[i].s, &f) == FORM_BAD && f.nfields == 0, "urlencoded %s -> 400",
		    bad[i].what);
}

static void
t_url_limits(void)
{
	struct form_limits lim = limits();
	struct form f = { 0 };
	char s[4096];
	size_t n;

	lim.max_fields = 3;
	ok(form_parse_urlencoded(A, "a=1&b&c=3", 9, &lim, &f) == FORM_OK &&
	    f.nfields == 3, "field count at the limit");
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "a&b&c&d", 7, &lim, &f) == FORM_TOO_LARGE &&
	    f.nfields == 0, "one field over the count -> 413, no fields kept");
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "a=1&&&&&&b=2&&&c", 16, &lim, &f) == FORM_OK,
	    "empty pairs not counted");

	lim = limits();
	lim.max_field_len = 10;
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "v=0123456789", 12, &lim, &f) == FORM_OK,
	    "value at max_field_len");
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "v=0123456789a", 13, &lim, &f) == FORM_TOO_LARGE,
	    "value one byte over -> 413");
	n = (size_t)snprintf(s, sizeof(s), "v=%s", "%E4%B8%AD%E4%B8%AD%E4%B8%AD");
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, s, n, &lim, &f) == FORM_OK,
	    "limit counts decoded bytes (27 encoded, 9 decoded)");
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "0123456789a=1", 13, &lim, &f) == FORM_TOO_LARGE,
	    "a name over max_field_len -> 413");

	lim = limits();
	lim.max_body = 8;
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, "a=1&b=22", 8, &lim, &f) == FORM_OK,
	    "string at max_body");
	ok(form_parse_urlencoded(A, "a=1&b=223", 9, &lim, &f) == FORM_TOO_LARGE,
	    "string over max_body -> 413");

	lim = limits();
	lim.max_fields = 1000;
	for (n = 0; n < 300; n++)
		snprintf(s + 4 * n, 5, "%03zu&", n);
	f = (struct form){ 0 };
	ok(form_parse_urlencoded(A, s, 4 * 300, &lim, &f) == FORM_OK &&
	    f.nfields == 300 && strcmp(f.fields[0].name, "000") == 0 &&
	    strcmp(f.fields[299].name, "299") == 0 && form_count(&f, "128") == 1,
	    "300 fields: the arrays grow and keep their order");

	f = (struct form){ 0 };
	form_parse_urlencoded(A, "a=1&b=2", 7, &lim, &f);
	ok(form_parse_urlencoded(A, "c=3&d=%ZZ", 9, &lim, &f) == FORM_BAD &&
	    f.nfields == 2 && form_get(&f, "c") == NULL,
	    "a failed parse leaves earlier fields as they were");
	ok(form_parse_urlencoded(A, "c=3", 3, &lim, &f) == FORM_OK && f.nfields == 3 &&
	    strcmp(form_get(&f, "a"), "1") == 0 && strcmp(form_get(&f, "c"), "3") == 0,
	    "and appends after it");
}

static void
t_url_read(void)
{
	static const char body[] = "name=%E5%BC%A0%E4%B8%89&phone=13800138000&msg=hi+there";
	static const int modes[] = { RD_ALL, 1, 7, RD_RANDOM };
	struct form_limits lim = limits();
	struct form f;
	struct src s;
	int rc;

	for (size_t i = 0; i < ZJ_NELEM(modes); i++) {
		for (int known = 0; known < 2; known++) {
			f = (struct form){ 0 };
			s = src_of(body, sizeof(body) - 1, modes[i]);
			rc = form_read_urlencoded(A, src_read, &s,
			    known ? (long long)s.len : -1, &lim, &f);
			ok(rc == FORM_OK && f.nfields == 3 &&
			    strcmp(form_get(&f, "name"), "张三") == 0 &&
			    strcmp(form_get(&f, "msg"), "hi there") == 0,
			    "read urlencoded, %s, length %s", mode_name(modes[i]),
			    known ? "known" : "unknown");
		}
	}
	f = (struct form){ 0 };
	s = src_of(body, 10, 3);
	ok(form_read_urlencoded(A, src_read, &s, 20, &lim, &f) == FORM_BAD &&
	    f.nfields == 0, "body shorter than Content-Length -> 400");
	s = src_of(body, 10, 3);
	s.fail = 1;
	ok(form_read_urlencoded(A, src_read, &s, -1, &lim, &f) == FORM_BAD,
	    "read error -> 400");
	s = src_of("", 0, RD_ALL);
	ok(form_read_urlencoded(A, src_read, &s, 0, &lim, &f) == FORM_OK &&
	    f.nfields == 0, "empty body");
	ok(form_read_urlencoded(A, src_read, &s, -5, &lim, &f) == FORM_BAD,
	    "negative Content-Length other than -1 -> 400");

	lim.max_body = 20;
	s = src_of(body, sizeof(body) - 1, RD_ALL);
	ok(form_read_urlencoded(A, src_read, &s, (long long)s.len, &lim, &f) ==
	    FORM_TOO_LARGE && s.calls == 0,
	    "Content-Length over max_body -> 413 without reading");
	s = src_of(body, sizeof(body) - 1, 1);
	ok(form_read_urlencoded(A, src_read, &s, -1, &lim, &f) == FORM_TOO_LARGE &&
	    s.off == 21, "unknown length over max_body -> 413 after max_body+1 bytes");
	s = src_of("a=1&b=2&c=3&d=4&e=55", 20, 7);
	f = (struct form){ 0 };
	ok(form_read_urlencoded(A, src_read, &s, -1, &lim, &f) == FORM_OK &&
	    f.nfields == 5, "unknown length exactly max_body is fine");
}

/* ---- multipart ---- */

#define BND "----zjFormBoundary7MA4YWxkTrZu0gW"
static const char CT[] = "multipart/form-data; boundary=" BND;

static struct buf bin1, bin2, std_body;

static void
make_bins(void)
{
	unsigned long r = 7;

	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 256; i++)
			buf_putc(&bin1, i);
	/* Things that look like the delimiter but are not. */
	buf_puts(&bin1, "\r\n--" BND);
	bin1.len--;            /* the boundary minus its last character */
	buf_puts(&bin1, "\r\n-\r\r\n--");
	buf_puts(&bin1, "x--" BND "\r\n");  /* no CR LF before the dashes */
	buf_puts(&bin1, "\n--" BND "\r\n"); /* LF only */
	buf_puts(&bin1, "\r\n");           /* the file ends in CR LF */
	for (int i = 0; i < 3000; i++) {
		r = r * 6364136223846793005UL + 1;
		buf_putc(&bin2, (int)(r >> 56));
	}
}

static void
part(struct buf *b, const char *headers, const char *data, size_t len)
{
	buf_puts(b, "--" BND "\r\n");
	buf_puts(b, headers);
	buf_puts(b, "\r\n");
	buf_put(b, data, len);
	buf_puts(b, "\r\n");
}

static void
make_std_body(void)
{
	struct buf *b = &std_body;

	buf_puts(b, "This preamble is ignored.\r\n");
	part(b, "Content-Disposition: form-data; name=\"title\"\r\n",
	    "工会 hello", strlen("工会 hello"));
	part(b, "Content-Disposition: form-data; name=\"f1\"; filename=\"a.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n", bin1.p, bin1.len);
	part(b, "Content-Disposition: form-data; name=\"note\"\r\n", "", 0);
	part(b, "content-disposition: FORM-DATA; filename=\"C:\\Users\\me\\a \\\"q\\\".txt\";"
	    " name=f2\r\n", bin2.p, bin2.len);
	buf_puts(b, "--" BND "--\r\nand an epilogue, ignored too\r\n");
}

/*
 * Parse body through src; returns NULL when the result is the expected one
 * for std_body, else what differs.
 */
static const char *
check_std(struct src *s, long long clen)
{
	struct form_limits lim = limits();
	struct form f = { 0 };
	const char *err = NULL;

	if (form_read_multipart(A, CT, src_read, s, clen, &lim, &f) != FORM_OK)
		return "parse failed";
	if (f.nfields != 2 || strcmp(form_get(&f, "title"), "工会 hello") != 0 ||
	    strcmp(form_get(&f, "note"), "") != 0 || f.fields[1].len != 0)
		err = "text fields differ";
	else if (f.nfiles != 2 || f.files_over != 0)
		err = "file count differs";
	else if (strcmp(f.files[0].field, "f1") != 0 ||
	    strcmp(f.files[0].filename, "a.bin") != 0 ||
	    strcmp(f.files[0].ctype, "application/octet-stream") != 0 ||
	    f.files[0].size != bin1.len || f.files[0].too_big)
		err = "file 1 metadata differs";
	else if (!file_is(f.files[0].path, bin1.p, bin1.len))
		err = "file 1 content or mode differs";
	else if (strcmp(f.files[1].field, "f2") != 0 ||
	    strcmp(f.files[1].filename, "a \"q\".txt") != 0 ||
	    strcmp(f.files[1].ctype, "") != 0 || f.files[1].size != bin2.len)
		err = "file 2 metadata differs";
	else if (!file_is(f.files[1].path, bin2.p, bin2.len))
		err = "file 2 content or mode differs";
	else if (count_dir() != 2)
		err = "not two files in tmpdir";
	form_cleanup(&f);
	if (err == NULL && (f.files[0].path != NULL || count_dir() != 0))
		err = "form_cleanup left a file";
	return err;
}

static void
t_mp_reads(void)
{
	static const int modes[] = { RD_ALL, 1, 2, 3, 7, 64, 4095, RD_RANDOM };
	const char *err;
	size_t bad = 0, first_bad = 0;
	struct src s;

	for (size_t i = 0; i < ZJ_NELEM(modes); i++) {
		s = src_of(std_body.p, std_body.len, modes[i]);
		err = check_std(&s, (long long)std_body.len);
		ok(err == NULL, "multipart text + two files, %s: %s", mode_name(modes[i]),
		    err ? err : "same result");
		s = src_of(std_body.p, std_body.len, modes[i]);
		err = check_std(&s, -1);
		ok(err == NULL, "multipart, %s, unknown length: %s", mode_name(modes[i]),
		    err ? err : "same result");
	}
	for (unsigned long seed = 1; seed <= 20; seed++) {
		s = src_of(std_body.p, std_body.len, RD_RANDOM);
		s.rnd = seed;
		if (check_std(&s, (long long)std_body.len) != NULL)
			bad++;
	}
	ok(bad == 0, "multipart, 20 random read patterns: %zu differ", bad);
	/* Two reads split at every offset: every delimiter, CR LF and header
	 * terminator is cut at every place once. */
	bad = 0;
	for (size_t k = 1; k < std_body.len; k++) {
		s = src_of(std_body.p, std_body.len, RD_SPLIT);
		s.split = k;
		if (check_std(&s, (long long)std_body.len) != NULL && bad++ == 0)
			first_bad = k;
	}
	ok(bad == 0, "multipart split in two reads at each of %zu offsets: %zu differ"
	    " (first at %zu)", std_body.len - 1, bad, first_bad);
}

/* Parse a body of one or more parts; *f gets the result. */
static int
mp(const char *ct, const struct buf *b, int mode, const struct form_limits *lim,
    struct form *f)
{
	struct src s = src_of(b->p, b->len, mode);
	*f = (struct form){ 0 };
	return form_read_multipart(A, ct, src_read, &s, (long long)b->len, lim, f);
}

static void
t_mp_file_limits(void)
{
	struct form_limits lim = limits();
	struct buf b = { 0 };
	char *data = xmalloc(lim.max_file_size + 1);
	struct form f;
	int modes[] = { RD_ALL, 1, 7 };

	for (size_t i = 0; i <= lim.max_file_size; i++)
		data[i] = (char)(i * 31 + 5);
	part(&b, "Content-Disposition: form-data; name=\"doc\"; filename=\"x.pdf\"\r\n",
	    data, lim.max_file_size);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, RD_ALL, &lim, &f) == FORM_OK && f.nfiles == 1 &&
	    !f.files[0].too_big && f.files[0].size == lim.max_file_size &&
	    file_is(f.files[0].path, data, lim.max_file_size),
	    "file exactly max_file_size is kept, byte-exact");
	form_cleanup(&f);

	for (size_t i = 0; i < ZJ_NELEM(modes); i++) {
		buf_reset(&b);
		part(&b, "Content-Disposition: form-data; name=\"doc\"; filename=\"x.pdf\"\r\n",
		    data, lim.max_file_size + 1);
		part(&b, "Content-Disposition: form-data; name=\"after\"\r\n", "yes", 3);
		buf_puts(&b, "--" BND "--");
		ok(mp(CT, &b, modes[i], &lim, &f) == FORM_OK && f.nfiles == 1 &&
		    f.files[0].too_big == 1 && f.files[0].path == NULL &&
		    f.files[0].size == lim.max_file_size + 1 &&
		    strcmp(form_get(&f, "after"), "yes") == 0 && count_dir() == 0,
		    "file one byte over, %s: too_big, size counted, nothing on disk,"
		    " later parts read", mode_name(modes[i]));
		form_cleanup(&f);
	}

	buf_reset(&b);
	for (int i = 0; i < 4; i++)
		part(&b, "Content-Disposition: form-data; name=\"pics\"; filename=\"p.jpg\"\r\n",
		    data, 100);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, 7, &lim, &f) == FORM_OK && f.nfiles == 2 && f.files_over == 2 &&
	    count_dir() == 2 && form_count(&f, "pics") == 0,
	    "files beyond max_files are counted in files_over and not written");
	form_cleanup(&f);
	ok(count_dir() == 0, "form_cleanup removes them");
	free(data);
	buf_free(&b);
}

static void
t_mp_empty_inputs(void)
{
	struct form_limits lim = limits();
	struct buf b = { 0 };
	struct form f;

	part(&b, "Content-Disposition: form-data; name=\"photo\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n", "", 0);
	part(&b, "Content-Disposition: form-data; name=\"name\"\r\n", "李四", strlen("李四"));
	buf_puts(&b, "--" BND "--\r\n");
	ok(mp(CT, &b, 1, &lim, &f) == FORM_OK && f.nfiles == 0 && f.files_over == 0 &&
	    f.nfields == 1 && count_dir() == 0,
	    "empty file input (filename=\"\", no data) records nothing");

	buf_reset(&b);
	part(&b, "Content-Disposition: form-data; name=\"a\"; filename=\"empty.txt\"\r\n", "", 0);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, RD_ALL, &lim, &f) == FORM_OK && f.nfiles == 1 &&
	    f.files[0].path == NULL && f.files[0].size == 0 && !f.files[0].too_big &&
	    strcmp(f.files[0].filename, "empty.txt") == 0 && count_dir() == 0,
	    "a chosen empty file: listed, no temp file");

	buf_reset(&b);
	for (int i = 0; i < 2; i++)
		part(&b, "Content-Disposition: form-data; name=\"a\"; filename=\"x\"\r\n", "1", 1);
	part(&b, "Content-Disposition: form-data; name=\"b\"; filename=\"\"\r\n", "", 0);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, RD_ALL, &lim, &f) == FORM_OK && f.nfiles == 2 && f.files_over == 0,
	    "an empty file input past max_files is not counted as over");
	form_cleanup(&f);
	buf_free(&b);
}

static void
t_mp_names(void)
{
	struct form_limits lim = limits();
	struct buf b = { 0 };
	struct form f;

	part(&b, "Content-Disposition: form-data; name=\"a\"; filename=\"/home/w/报告.pdf\"\r\n",
	    "%PDF", 4);
	part(&b, "Content-Disposition: form-data; name=\"b\"; filename=\"..\\\\..\\\\evil.sh\"\r\n",
	    "x", 1);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, RD_ALL, &lim, &f) == FORM_OK && f.nfiles == 2 &&
	    strcmp(f.files[0].filename, "报告.pdf") == 0 &&
	    strcmp(f.files[1].filename, "evil.sh") == 0,
	    "path prefixes (/ and \\) stripped from filenames");
	ok(f.nfiles == 2 && strncmp(f.files[0].path, tmpdir, strlen(tmpdir)) == 0 &&
	    strstr(f.files[0].path, "evil") == NULL && strstr(f.files[1].path, "evil") == NULL,
	    "temp names come from random bytes, not from the filename");
	form_cleanup(&f);

	buf_reset(&b);
	part(&b, "Content-Disposition:form-data ;name = \"sp ace\" ; filename*=UTF-8''x.txt\r\n"
	    "X-Other: ignored\r\n", "v", 1);
	buf_puts(&b, "--" BND "--");
	ok(mp(CT, &b, RD_ALL, &lim, &f) == FORM_OK && f.nfields == 1 && f.nfiles == 0 &&
	    strcmp(form_get(&f, "sp ace"), "v") == 0,
	    "spaces around ';' and '=', filename* ignored, unknown headers ignored");

	buf_reset(&b);
	buf_puts(&b, "--" BND "  \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--"
	    BND "--");
	ok(mp("Multipart/Form-Data; charset=utf-8; boundary=\"" BND "\"", &b, 3, &lim, &f) ==
	    FORM_OK && strcmp(form_get(&f, "a"), "1") == 0,
	    "quoted boundary, other parameters, padding after the delimiter");

	for (int over = 0; over < 2; over++) {
		buf_reset(&b);
		buf_puts(&b, "--" BND);
		for (int i = 0; i < 256 + over; i++)
			buf_putc(&b, ' ');
		buf_puts(&b, "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--" BND "--");
		ok(mp(CT, &b, 1, &lim, &f) == (over ? FORM_BAD : FORM_OK),
		    "%d spaces of padding after a delimiter -> %s", 256 + over,
		    over ? "400" : "ok");
	}
	buf_free(&b);
}

static void
t_mp_boundaries(void)
{
	static const char *bad_ct[] = {
		"multipart/form-data", "multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=a@b",
		"multipart/form-data; boundary=\"ab \"", "multipart/mixed; boundary=abc",
		"text/plain; boundary=abc", "multipart/form-data; boundary=\"abc",
		"multipart/form-data; boundary=a b", "multipart/form-data; =x; boundary=abc",
		"multipart/form-data; boundary=" "12345678901234567890123456789012345"
		"678901234567890123456789012345678901",
	};
	struct form_limits lim = limits();
	struct buf b = { 0 };
	char ct[128];
	struct form f;
	struct src s;
	int rc;

	buf_puts(&b, "--abc\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--abc--");
	for (size_t i = 0; i < ZJ_NELEM(bad_ct); i++) {
		s = src_of(b.p, b.len, RD_ALL);
		f = (struct form){ 0 };
		rc = form_read_multipart(A, bad_ct[i], src_read, &s, (long long)b.len, &lim, &f);
		ok(rc == FORM_BAD, "bad Content-Type '%.50s' -> 400", bad_ct[i]);
	}
	s = src_of(b.p, b.len, RD_ALL);
	ok(form_read_multipart(A, NULL, src_read, &s, (long long)b.len, &lim, &f) ==
	    FORM_BAD, "no Content-Type -> 400");

	buf_reset(&b);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s",
	    "'()+_,-./:=? 1234567890123456789012345678901234567890123456789012Zz");
	buf_puts(&b, "--'()+_,-./:=? 1234567890123456789012345678901234567890123456789012Zz\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\nok\r\n"
	    "--'()+_,-./:=? 1234567890123456789012345678901234567890123456789012Zz--");
	ok(mp(ct, &b, 5, &lim, &f) == FORM_OK && strcmp(form_get(&f, "a"), "ok") == 0,
	    "70-character boundary of every allowed kind");
	buf_free(&b);
}

/* Parse body with one file part first, expecting rc and no file left. */
static void
expect_error(const char *what, const char *tail, int want, const struct form_limits *lim)
{
	struct buf b = { 0 };
	struct form f;
	int modes[] = { RD_ALL, 1, RD_RANDOM }, rc[3];

	part(&b, "Content-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n",
	    bin2.p, bin2.len);
	buf_puts(&b, tail);
	for (size_t i = 0; i < ZJ_NELEM(modes); i++) {
		rc[i] = mp(CT, &b, modes[i], lim, &f);
		if (count_dir() != 0)
			rc[i] = -1;
	}
	ok(rc[0] == want && rc[1] == want && rc[2] == want && f.nfiles == 0 &&
	    f.nfields == 0, "%s -> %d, no temp file left (got %d %d %d)", what, want,
	    rc[0], rc[1], rc[2]);
	buf_free(&b);
}

static void
t_mp_errors(void)
{
	struct form_limits lim = limits();
	char big[MP_HDR_TEST];
	char tail[MP_HDR_TEST + 256];

	expect_error("missing closing boundary", "", FORM_BAD, &lim);
	expect_error("body ends inside a part",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc", FORM_BAD, &lim);
	expect_error("body ends inside headers", "--" BND "\r\nContent-Disp", FORM_BAD, &lim);
	expect_error("garbage after a delimiter", "--" BND "xyz\r\n", FORM_BAD, &lim);
	expect_error("part without Content-Disposition",
	    "--" BND "\r\nContent-Type: text/plain\r\n\r\nabc\r\n--" BND "--", FORM_BAD, &lim);
	expect_error("part without a name",
	    "--" BND "\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nabc\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("unterminated quoted name",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nabc\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("header line without a colon",
	    "--" BND "\r\nContent-Disposition: form-data; name=a\r\nbogus\r\n\r\nx\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("invalid UTF-8 in a text value",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\xC0\xAF\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("surrogate in a text value",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\xED\xA0\x80\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("control character in a text value",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\na\x01z\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("invalid UTF-8 in a field name",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"\xFF\"\r\n\r\nz\r\n--"
	    BND "--", FORM_BAD, &lim);
	expect_error("invalid UTF-8 in a filename",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"g\"; filename=\"a\xE4\xB8.txt\""
	    "\r\n\r\nz\r\n--" BND "--", FORM_BAD, &lim);
	expect_error("control character in a filename",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"g\"; filename=\"a\x1b.txt\""
	    "\r\n\r\nz\r\n--" BND "--", FORM_BAD, &lim);
	expect_error("text value over max_field_len",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nabc\r\n--" BND "--",
	    FORM_TOO_LARGE,
	    &(struct form_limits){ .max_body = 1 << 20, .max_fields = 5, .max_field_len = 2,
	    .max_files = 2, .max_file_size = 4096, .tmpdir = tmpdir });

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(tail, sizeof(tail), "--" BND "\r\nContent-Disposition: form-data; "
	    "name=\"t\"\r\nX-Pad: %s\r\n\r\nz\r\n--" BND "--", big);
	expect_error("part header block over 8 KiB", tail, FORM_BAD, &lim);
	lim.max_fields = 0;
	expect_error("a text field over max_fields",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nz\r\n--" BND "--",
	    FORM_TOO_LARGE, &lim);
	lim = limits();
	lim.max_body = 3500;
	expect_error("body over max_body",
	    "--" BND "\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	    "--" BND "--", FORM_TOO_LARGE, &lim);
	lim = limits();
	lim.tmpdir = "/nonexistent/zhijia-test";
	expect_error("tmpdir missing", "--" BND "--", FORM_IOERR, &lim);
}

/* The header block limit: MP_HDR_TEST bytes (lines and blank line) pass. */
static void
t_mp_header_limit(void)
{
	struct form_limits lim = limits();
	const char *cd = "Content-Disposition: form-data; name=\"t\"\r\nX-Pad: ";
	struct buf b = { 0 };
	struct form f;
	size_t pad;

	for (int over = 0; over < 2; over++) {
		buf_reset(&b);
		buf_puts(&b, "--" BND "\r\n");
		buf_puts(&b, cd);
		pad = MP_HDR_TEST - strlen(cd) - 4 + (size_t)over;
		for (size_t i = 0; i < pad; i++)
			buf_putc(&b, 'p');
		buf_puts(&b, "\r\n\r\nv\r\n--" BND "--");
		ok(mp(CT, &b, RD_ALL, &lim, &f) == (over ? FORM_BAD : FORM_OK) &&
		    mp(CT, &b, 1, &lim, &f) == (over ? FORM_BAD : FORM_OK) &&
		    mp(CT, &b, 4093, &lim, &f) == (over ? FORM_BAD : FORM_OK),
		    "header block of %d bytes -> %s", MP_HDR_TEST + over, over ? "400" : "ok");
	}
	buf_free(&b);
}

static void
t_mp_body(void)
{
	struct form_limits lim = limits();
	struct form f = { 0 };
	struct src s;
	size_t n0;

	lim.max_body = std_body.len - 1;
	s = src_of(std_body.p, std_body.len, RD_ALL);
	ok(form_read_multipart(A, CT, src_read, &s, (long long)std_body.len, &lim, &f) ==
	    FORM_TOO_LARGE && s.calls == 0 && count_dir() == 0,
	    "Content-Length over max_body -> 413 without reading");
	s = src_of(std_body.p, std_body.len, 7);
	ok(form_read_multipart(A, CT, src_read, &s, -1, &lim, &f) == FORM_TOO_LARGE &&
	    s.off == std_body.len && count_dir() == 0,
	    "unknown length one byte over max_body -> 413, no temp file left");
	lim.max_body = std_body.len;
	s = src_of(std_body.p, std_body.len, 7);
	ok(form_read_multipart(A, CT, src_read, &s, -1, &lim, &f) == FORM_OK &&
	    f.nfiles == 2, "unknown length exactly max_body is fine");
	form_cleanup(&f);

	lim = limits();
	s = src_of(std_body.p, std_body.len - 40, 7);
	ok(form_read_multipart(A, CT, src_read, &s, (long long)std_body.len, &lim, &f) ==
	    FORM_BAD && count_dir() == 0, "body shorter than Content-Length -> 400");
	s = src_of(std_body.p, std_body.len / 2, 7);
	s.fail = 1;
	ok(form_read_multipart(A, CT, src_read, &s, -1, &lim, &f) == FORM_BAD &&
	    count_dir() == 0, "read error mid-file -> 400, no temp file left");

	f = (struct form){ 0 };
	form_parse_urlencoded(A, "q=1", 3, &lim, &f);
	s = src_of(std_body.p, std_body.len, RD_ALL);
	form_read_multipart(A, CT, src_read, &s, (long long)std_body.len, &lim, &f);
	n0 = f.nfiles;
	s = src_of(std_body.p, std_body.len - 80, RD_ALL);  /* no closing delimiter */
	ok(n0 == 2 && form_read_multipart(A, CT, src_read, &s, -1, &lim, &f) == FORM_BAD &&
	    f.nfields == 3 && f.nfiles == 2 && f.files_over == 0 && count_dir() == 2 &&
	    f.files[0].path != NULL, "a failed parse leaves the earlier form as it was");
	form_cleanup(&f);
	ok(count_dir() == 0 && f.files[1].path == NULL, "form_cleanup unlinks, paths NULL");
	form_cleanup(&f);
	ok(1, "form_cleanup twice is harmless");
}

/* A file much larger than the read window, in reads of odd sizes. */
static void
t_mp_large(void)
{
	struct form_limits lim = limits();
	size_t size = 3 * 1024 * 1024 + 17;
	struct buf body = { 0 };
	char *data = xmalloc(size);
	unsigned long r = 99;
	struct form f = { 0 };
	size_t before;
	struct src s;

	for (size_t i = 0; i < size; i++) {
		r = r * 6364136223846793005UL + 1;
		data[i] = (char)(r >> 56);
	}
	for (size_t at = 1000; at + 64 < size; at += 65536 - 37) {
		/* The delimiter but its last character, then another one. */
		memcpy(data + at, "\r\n--" BND, strlen(BND) + 3);
		data[at + strlen(BND) + 3] = '!';
	}
	part(&body, "Content-Disposition: form-data; name=\"big\"; filename=\"big.bin\"\r\n",
	    data, size);
	buf_puts(&body, "--" BND "--");
	lim.max_body = lim.max_file_size = 8 * 1024 * 1024;
	arena_reset(A);
	before = arena_size(A);
	s = src_of(body.p, body.len, RD_RANDOM);
	ok(form_read_multipart(A, CT, src_read, &s, -1, &lim, &f) == FORM_OK &&
	    f.nfiles == 1 && f.files[0].size == size && file_is(f.files[0].path, data, size),
	    "3 MiB file with near-delimiters, random reads: byte-exact");
	ok(arena_size(A) == before, "arena did not grow with the file (%zu -> %zu bytes)",
	    before, arena_size(A));
	form_cleanup(&f);
	f = (struct form){ 0 };
	s = src_of(body.p, body.len, 65537);
	ok(form_read_multipart(A, CT, src_read, &s, (long long)body.len, &lim, &f) ==
	    FORM_OK && file_is(f.files[0].path, data, size), "same in 65537-byte reads");
	form_cleanup(&f);
	free(data);
	buf_free(&body);
}

/* ---- cookies ---- */

static void
t_cookies(void)
{
	struct form f = { 0 };

	form_parse_cookies(A, "a=1; b=2", &f);
	ok(f.nfields == 2 && strcmp(form_get(&f, "a"), "1") == 0 &&
	    strcmp(form_get(&f, "b"), "2") == 0, "cookies: a=1; b=2");
	f = (struct form){ 0 };
	form_parse_cookies(A, "  sid = abc%20+x ;theme=\"dark\";; =nameless; novalue;"
	    " c=; tok=ab==; q=\"", &f);
	ok(f.nfields == 5 && strcmp(form_get(&f, "sid"), "abc%20+x") == 0 &&
	    strcmp(form_get(&f, "theme"), "dark") == 0 &&
	    strcmp(form_get(&f, "c"), "") == 0 && strcmp(form_get(&f, "tok"), "ab==") == 0 &&
	    strcmp(form_get(&f, "q"), "\"") == 0 && form_get(&f, "novalue") == NULL,
	    "cookies: spaces, quotes stripped, no decoding, nameless/valueless skipped");
	f = (struct form){ 0 };
	form_parse_cookies(A, "x=\xFF\xFE; y=ok; \x01=z", &f);
	ok(f.nfields == 1 && strcmp(form_get(&f, "y"), "ok") == 0,
	    "cookies: pairs with bad UTF-8 or control characters skipped");
	f = (struct form){ 0 };
	form_parse_cookies(A, NULL, &f);
	form_parse_cookies(A, "", &f);
	form_parse_cookies(A, ";;; ;", &f);
	ok(f.nfields == 0, "cookies: NULL, empty and separator-only headers");
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/t_form.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	A = arena_new();
	make_bins();
	make_std_body();

	t_url_decoding();
	t_url_bad();
	t_url_limits();
	t_url_read();
	t_mp_reads();
	t_mp_file_limits();
	t_mp_empty_inputs();
	t_mp_names();
	t_mp_boundaries();
	t_mp_errors();
	t_mp_header_limit();
	t_mp_body();
	t_mp_large();
	t_cookies();

	ok(count_dir() == 0, "tmpdir is empty at the end");
	buf_free(&bin1);
	buf_free(&bin2);
	buf_free(&std_body);
	arena_free(A);
	if (rmdir(tmpdir) != 0)
		perror("rmdir");
	return tap_done();
}
