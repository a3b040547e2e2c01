/*
 * http.h - one request and its response, routing, the per-worker state
 * handlers see, and the hooks an application hands the core.  Knows HTTP,
 * not unions.
 *
 * A handler reads struct req (already parsed: method, path, query,
 * cookies, body fields and uploaded files, path parameters) and answers
 * with exactly one of resp_render / resp_redirect / resp_text /
 * resp_error, or streams with resp_begin + resp_write.  Everything it
 * allocates comes from r->a and is freed when the request ends.
 */
#ifndef ZJ_HTTP_H
#define ZJ_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "form.h"
#include "mustache.h"
#include "util.h"

struct db;
struct app;
struct req;

/* A route's access: 0 is public; anything else is a mask whose meaning
 * is the application's (its authorize hook checks it). */
#define ACCESS_PUBLIC 0u

typedef void (*handler_fn)(struct req *r);

/*
 * What a route takes as a POST body, when it is more than a small
 * urlencoded form.  form.tmpdir is not read: file parts go to the worker's
 * app->tmpdir.
 */
struct body_limits {
	struct form_limits form;
	int multipart;          /* multipart/form-data accepted (files); else 415 */
	const char *too_large;  /* the 413 message naming these limits; NULL:
	                           the core's plain one */
};

struct route {
	const char *method;   /* "GET" (also answers HEAD) or "POST" */
	const char *pattern;  /* "/volunteer/{id}/signup": {x} is one segment */
	handler_fn handler;
	unsigned access;
	const struct body_limits *limits; /* NULL: small urlencoded forms */
};

struct header {
	const char *name, *value;
};

/*
 * Where a request comes from and its answer goes: FastCGI (server.c) or
 * plain CGI (main.c).  param returns NULL when absent; read returns bytes
 * read, 0 at the end, -1 on error; write returns 0 or -1.
 */
struct transport {
	const char *(*param)(void *ctx, const char *name);
	ssize_t (*read)(void *ctx, char *p, size_t len);
	int (*write)(void *ctx, const void *p, size_t len);
	void *ctx;
};

#define REQ_MAX_PARAMS 4
#define REQ_MAX_HEADERS 24

struct req {
	struct arena *a;
	struct app *app;

	/* the request, as parsed by the core */
	const char *method;       /* "GET", "HEAD", "POST", … */
	const char *path;         /* decoded, normalised by nginx */
	const char *query;        /* raw query string, "" if none */
	const char *remote_addr;
	const char *content_type; /* "" if none */
	const char *user_agent;
	long long content_length; /* -1 if not given */
	int https;
	struct form qs;           /* query string fields */
	struct form cookies;
	struct form body;         /* POST fields and files */
	const char *params[REQ_MAX_PARAMS]; /* {x} path segments, in order */
	size_t nparams;
	const struct route *route;
	void *user;               /* the logged-in staff member, set by auth */

	/* the response being built */
	int status;
	struct header headers[REQ_MAX_HEADERS];
	size_t nheaders;
	int started;              /* headers written (resp_begin) */
	int done;                 /* a response was given */
	struct buf *out;          /* body being built (worker-owned) */
	struct transport io;
};

/*
 * Add a response header.  Returns 0, or -1 (header not added, logged) when
 * name or value holds CR, LF or NUL, or the table is full.  Content-Type,
 * the security headers and Content-Length are written by the core.
 */
int resp_header(struct req *r, const char *name, const char *value);

/*
 * Set a cookie (Path=/, HttpOnly, SameSite=Strict: never sent with a
 * request another site starts; Secure over HTTPS).
 * max_age < 0: session cookie; 0: delete it.  Returns resp_header's result.
 */
int resp_cookie(struct req *r, const char *name, const char *value,
    long max_age);

/*
 * Render template tmpl with ctx (a TV_MAP; NULL is an empty map) as an
 * HTML page with the given status.  The application's page_data hook adds
 * the keys every page's layout needs.  A missing template answers 500.
 */
void resp_render(struct req *r, int status, const char *tmpl,
    struct tval *ctx);

/* Redirect (303 for after a POST, 302 otherwise) to a local path. */
void resp_redirect(struct req *r, int status, const char *location);

/* A plain answer: body with the given content type. */
void resp_text(struct req *r, int status, const char *ctype,
    const char *body, size_t len);

/*
 * The error page for status (400, 403, 404, 405, 413, 415, 422, 500, 503)
 * with its Chinese message; message NULL uses the standard one.
 */
void resp_error(struct req *r, int status, const char *message);

/*
 * Streaming: write the status and headers now (with no Content-Length),
 * then the body in pieces.  Returns 0, or -1 when the client went away.
 */
int resp_begin(struct req *r, int status, const char *ctype);
int resp_write(struct req *r, const void *p, size_t len);

/* Path parameter i as a positive decimal id (at most 15 digits), or 0
 * when it is not one: callers answer 404. */
long long req_param_id(const struct req *r, size_t i);

/* A query-string or body field, or NULL. */
const char *req_query(const struct req *r, const char *name);
const char *req_field(const struct req *r, const char *name);
const char *req_cookie(const struct req *r, const char *name);

/* ---- what the application hands the core ---- */

/*
 * The application's side of every request, given to the core once (the
 * way slowcgi and kcgi take callbacks): the core calls nothing of the
 * application by name.  A NULL hook is the safe answer: no page data;
 * non-public routes answer 404; non-public POSTs answer 403.
 */
struct app_hooks {
	/* NULL-terminated list of route tables, each ending in a NULL handler */
	const struct route *const *routes;
	/* add the keys every page's layout needs to ctx */
	void (*page_data)(struct req *r, struct tval *ctx);
	/* may r use its non-public route?  Called before the body is read:
	 * 0 to go on, or -1 after answering (login page, 404) */
	int (*authorize)(struct req *r);
	/* check a non-public POST once its body is parsed (CSRF): 0, or -1
	 * after answering (403) */
	int (*verify_post)(struct req *r);
};

/* ---- per-worker state ---- */

struct app {
	struct db *db;
	struct tmpl_set *tmpl;
	const struct app_hooks *hooks;
	const char *tmpdir;       /* multipart file parts are written here */
	unsigned char secret[32]; /* HMAC key for form tokens (sign.h) */
	int secure_cookies;       /* served over HTTPS: Secure, __Host- */
	void *data;               /* the application's own state; the core
	                             never reads it */
};

/*
 * Answer one request: parse what the core parses, find the route in
 * r->app->hooks->routes, check access, parse the body within the route's
 * limits, call the handler, and make sure exactly one response goes out.
 * Never exits the process.
 */
void http_dispatch(struct req *r);

/* Route matching, exposed for the unit tests: returns the route for
 * method+path and fills params; NULL with *allow set to a comma list of
 * the methods that path accepts ("" when the path is unknown). */
const struct route *route_match(const struct route *const *tables,
    const char *method, const char *path, const char **params,
    size_t *nparams, char *allow, size_t allowlen, struct arena *a);

#endif
