/*
 * http.c - reading one FastCGI request, routing it, and the one place that
 * writes status, headers and cookies.
 */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Body limits of a route that names none: small urlencoded forms. */
static const struct body_limits default_limits = {
	.form = {
		.max_body = 256 * 1024,
		.max_fields = 64,
		.max_field_len = 64 * 1024,
	},
	.multipart = 0,
	.too_large = NULL,
};

static const struct {
	int status;
	const char *reason;
	const char *title;
	const char *message;
} statuses[] = {
	{200, "OK", NULL, NULL},
	{302, "Found", NULL, NULL},
	{303, "See Other", NULL, NULL},
	{400, "Bad Request", "请求有误",
	    "提交的内容无法识别(例如含有乱码、控制字符或格式错误的编码)。请返回上一页检查后重新填写。"},
	{403, "Forbidden", "无法完成操作",
	    "页面已过期或请求来源无法确认,请刷新页面后重试。"},
	{404, "Not Found", "页面不存在", "您访问的页面不存在,可能链接有误或内容已被移除。"},
	{405, "Method Not Allowed", "不支持的请求方式", "该页面不支持这种请求方式。"},
	{409, "Conflict", "操作无法完成",
	    "这条记录的状态已经变化(可能有其他人刚刚处理过),什么也没有改变。请刷新后重试。"},
	{413, "Payload Too Large", "提交的内容过大",
	    "提交的内容超过了允许的大小。请减少内容后重试。"},
	{414, "URI Too Long", "链接过长", "链接地址过长,请检查后重试。"},
	{415, "Unsupported Media Type", "请求格式不受支持", "请通过网页表单提交。"},
	{422, "Unprocessable Entity", NULL, NULL},
	{429, "Too Many Requests", "操作过于频繁", "您的操作过于频繁,请稍后再试。"},
	{500, "Internal Server Error", "服务器出错了", "服务器暂时出现问题,请稍后再试。"},
	{503, "Service Unavailable", "暂时无法提交,请稍后再试",
	    "系统繁忙或正在维护,您的信息没有保存。请稍后再试。"},
};

static int
status_index(int status)
{
	for (size_t i = 0; i < ZJ_NELEM(statuses); i++)
		if (statuses[i].status == status)
			return (int)i;
	return -1;
}

static int
clean_value(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

int
resp_header(struct req *r, const char *name, const char *value)
{
	if (!clean_value(name) || !clean_value(value)) {
		LOG_ERR("refused header %s with CR/LF", name);
		return -1;
	}
	if (r->nheaders == REQ_MAX_HEADERS) {
		LOG_ERR("too many headers, %s dropped", name);
		return -1;
	}
	r->headers[r->nheaders].name = arena_strdup(r->a, name);
	r->headers[r->nheaders].value = arena_strdup(r->a, value);
	r->nheaders++;
	return 0;
}

int
resp_cookie(struct req *r, const char *name, const char *value, long max_age)
{
	char age[48] = "";
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	/* Cookie names and values are our own tokens; still refuse what would
	 * break the header or add attributes. */
	if (strpbrk(value, ";, \"\\") != NULL || strpbrk(name, ";,= ") != NULL) {
		LOG_ERR("refused cookie %s", name);
		return -1;
	}
	const char *v = arena_printf(r->a, "%s=%s; Path=/%s; HttpOnly; SameSite=Strict%s",
	    name, value, age, r->app->secure_cookies ? "; Secure" : "");
	return resp_header(r, "Set-Cookie", v);
}

/* Write status line and headers: the only place that does. */
static int
write_head(struct req *r, int status, const char *ctype, long long length)
{
	int i = status_index(status);
	struct buf h = {0};
	buf_printf(&h, "Status: %d %s\r\n", status, i >= 0 ? statuses[i].reason : "");
	buf_printf(&h, "Content-Type: %s\r\n", ctype);
	if (length >= 0)
		buf_printf(&h, "Content-Length: %lld\r\n", length);
	buf_puts(&h, "Content-Security-Policy: default-src 'self'; frame-ancestors 'none';"
	    " form-action 'self'; base-uri 'none'; object-src 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n");
	int has_cache = 0;
	for (size_t k = 0; k < r->nheaders; k++) {
		buf_printf(&h, "%s: %s\r\n", r->headers[k].name, r->headers[k].value);
		if (strcasecmp(r->headers[k].name, "Cache-Control") == 0)
			has_cache = 1;
	}
	if (!has_cache)
		buf_puts(&h, "Cache-Control: no-store\r\n");
	buf_puts(&h, "\r\n");
	int rc = r->io.write(r->io.ctx, h.p, h.len);
	buf_free(&h);
	r->status = status;
	r->started = 1;
	r->done = 1;
	return rc;
}

static void
send_whole(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	if (r->started)
		return;
	if (write_head(r, status, ctype, (long long)len) == 0 &&
	    strcmp(r->method, "HEAD") != 0 && len > 0)
		r->io.write(r->io.ctx, body, len);
}

void
resp_text(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	send_whole(r, status, ctype, body, len);
}

void
resp_render(struct req *r, int status, const char *tmpl, struct tval *ctx)
{
	if (r->started)
		return;
	if (ctx == NULL)
		ctx = tv_map(r->a);
	const struct app_hooks *hk = r->app->hooks;
	if (hk != NULL && hk->page_data != NULL)
		hk->page_data(r, ctx);
	buf_reset(r->out);
	if (tmpl_render(r->app->tmpl, tmpl, ctx, r->out) != 0) {
		LOG_ERR("no template %s", tmpl);
		if (strcmp(tmpl, "error") != 0) {
			resp_error(r, 500, NULL);
			return;
		}
		buf_puts(r->out, "<!doctype html><title>服务器出错了</title><p>服务器出错了</p>");
	}
	send_whole(r, status, "text/html; charset=utf-8", r->out->p, r->out->len);
}

void
resp_redirect(struct req *r, int status, const char *location)
{
	/* Local paths only: an open redirect would let a link on a poster
	 * send a worker to a look-alike site. */
	if (location[0] != '/' || location[1] == '/' || location[1] == '\\') {
		LOG_ERR("refused redirect to %s", location);
		resp_error(r, 500, NULL);
		return;
	}
	if (resp_header(r, "Location", location) != 0) {
		resp_error(r, 500, NULL);
		return;
	}
	send_whole(r, status, "text/html; charset=utf-8", "", 0);
}

void
resp_error(struct req *r, int status, const char *message)
{
	int i = status_index(status);
	if (i < 0 || statuses[i].title == NULL)
		i = status_index(500), status = 500;
	struct tval *ctx = tv_map(r->a);
	tv_puti(r->a, ctx, "status", status);
	tv_puts(r->a, ctx, "title", statuses[i].title);
	tv_puts(r->a, ctx, "message", message ? message : statuses[i].message);
	resp_render(r, status, "error", ctx);
}

int
resp_begin(struct req *r, int status, const char *ctype)
{
	if (r->started)
		return -1;
	return write_head(r, status, ctype, -1);
}

int
resp_write(struct req *r, const void *p, size_t len)
{
	if (strcmp(r->method, "HEAD") == 0)
		return 0;
	return r->io.write(r->io.ctx, p, len);
}

long long
req_param_id(const struct req *r, size_t i)
{
	const char *s = i < r->nparams ? r->params[i] : NULL;
	long long v = 0;
	if (s == NULL || *s == '\0' || strlen(s) > 15 || strspn(s, "0123456789") != strlen(s))
		return 0;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	return v;
}

const char *
req_query(const struct req *r, const char *name)
{
	return form_get(&r->qs, name);
}

const char *
req_field(const struct req *r, const char *name)
{
	return form_get(&r->body, name);
}

const char *
req_cookie(const struct req *r, const char *name)
{
	return form_get(&r->cookies, name);
}

/* ---- routing ---- */

/* Does pattern match path?  Captures {x} segments into params. */
static int
pattern_match(const char *pat, const char *path, const char **params,
    size_t *np, struct arena *a)
{
	size_t n = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *end = strchr(pat, '}');
			const char *seg = path;
			while (*path && *path != '/')
				path++;
			if (path == seg || end == NULL || n == REQ_MAX_PARAMS)
				return 0;
			if (params)
				params[n] = arena_strndup(a, seg, (size_t)(path - seg));
			n++;
			pat = end + 1;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++, path++;
	}
	if (*pat || *path)
		return 0;
	if (np)
		*np = n;
	return 1;
}

const struct route *
route_match(const struct route *const *tables, const char *method,
    const char *path, const char **params, size_t *nparams, char *allow,
    size_t allowlen, struct arena *a)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	if (allowlen)
		allow[0] = '\0';
	for (size_t t = 0; tables[t] != NULL; t++)
		for (const struct route *rt = tables[t]; rt->handler; rt++) {
			if (!pattern_match(rt->pattern, path, NULL, NULL, a))
				continue;
			if (strcmp(rt->method, m) == 0) {
				pattern_match(rt->pattern, path, params, nparams, a);
				return rt;
			}
			if (allowlen && strstr(allow, rt->method) == NULL) {
				size_t used = strlen(allow);
				snprintf(allow + used, allowlen - used, "%s%s%s",
				    used ? ", " : "", rt->method,
				    strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
			}
		}
	return NULL;
}

/* ---- reading the request ---- */

static const char *
param(const struct req *r, const char *name, const char *dflt)
{
	const char *v = r->io.param(r->io.ctx, name);
	return v ? v : dflt;
}

static int
read_env(struct req *r)
{
	struct arena *a = r->a;
	/* libfcgi frees envp at the next accept: copy what we keep. */
	r->method = arena_strdup(a, param(r, "REQUEST_METHOD", "GET"));
	const char *uri = r->io.param(r->io.ctx, "DOCUMENT_URI");
	if (uri == NULL)  /* plain CGI */
		uri = param(r, "PATH_INFO", "/");
	if (*uri == '\0')
		uri = "/";
	r->path = arena_strdup(a, uri);
	r->query = arena_strdup(a, param(r, "QUERY_STRING", ""));
	r->remote_addr = arena_strdup(a, param(r, "REMOTE_ADDR", ""));
	r->content_type = arena_strdup(a, param(r, "CONTENT_TYPE", ""));
	r->user_agent = arena_strdup(a, param(r, "HTTP_USER_AGENT", ""));
	const char *cl = param(r, "CONTENT_LENGTH", "");
	r->content_length = -1;
	if (*cl) {
		char *end;
		errno = 0;
		long long v = strtoll(cl, &end, 10);
		if (errno || *end || v < 0)
			return 400;
		r->content_length = v;
	}
	r->https = strcmp(param(r, "HTTPS", ""), "on") == 0;
	form_parse_cookies(a, param(r, "HTTP_COOKIE", ""), &r->cookies);
	static const struct form_limits qlim = {
		.max_body = 8192, .max_fields = 32, .max_field_len = 2048,
	};
	return form_parse_urlencoded(a, r->query, strlen(r->query), &qlim, &r->qs);
}

static int
read_post(struct req *r, const struct body_limits *lim)
{
	struct form_limits l = lim->form;
	l.tmpdir = NULL;
	if (l.max_body && r->content_length > (long long)l.max_body)
		return FORM_TOO_LARGE;
	if (strncasecmp(r->content_type, "multipart/form-data", 19) == 0) {
		if (!lim->multipart)
			return 415;
		l.tmpdir = r->app->tmpdir;
		return form_read_multipart(r->a, r->content_type, r->io.read, r->io.ctx,
		    r->content_length, &l, &r->body);
	}
	if (strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) == 0 ||
	    (r->content_type[0] == '\0' && r->content_length <= 0))
		return form_read_urlencoded(r->a, r->io.read, r->io.ctx, r->content_length,
		    &l, &r->body);
	return 415;
}

void
http_dispatch(struct req *r)
{
	static const struct route none[] = {{0}};
	static const struct route *const no_routes[] = {none, NULL};
	const struct app_hooks *hk = r->app->hooks;
	char allow[64];
	int rc = read_env(r);
	if (rc != 0) {
		resp_error(r, rc == FORM_TOO_LARGE ? 414 : 400, NULL);
		goto out;
	}
	r->route = route_match(hk && hk->routes ? hk->routes : no_routes, r->method,
	    r->path, r->params, &r->nparams, allow, sizeof(allow), r->a);
	if (r->route == NULL) {
		if (allow[0]) {
			resp_header(r, "Allow", allow);
			resp_error(r, 405, NULL);
		} else
			resp_error(r, 404, NULL);
		goto out;
	}
	int public = r->route->access == ACCESS_PUBLIC;
	if (!public && (hk == NULL || hk->authorize == NULL)) {
		resp_error(r, 404, NULL);
		goto out;
	}
	if (!public && hk->authorize(r) != 0)
		goto out;  /* the hook answered (login page or 404) */
	if (strcmp(r->method, "POST") == 0) {
		const struct body_limits *lim = r->route->limits ? r->route->limits
		    : &default_limits;
		rc = read_post(r, lim);
		if (rc != FORM_OK) {
			resp_error(r, rc, rc == FORM_TOO_LARGE ? lim->too_large : NULL);
			goto out;
		}
		if (!public && (hk->verify_post == NULL || hk->verify_post(r) != 0)) {
			if (hk->verify_post == NULL)
				resp_error(r, 403, NULL);
			goto out;
		}
	}
	r->route->handler(r);
	if (!r->done) {
		LOG_ERR("%s %s: handler gave no response", r->method, r->path);
		resp_error(r, 500, NULL);
	}
out:
	form_cleanup(&r->body);
}
