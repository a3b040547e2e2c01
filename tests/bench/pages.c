/*
 * pages.c - the cost of answering a page inside one worker, with no
 * nginx and no socket: N dispatches of GET PATH through http_dispatch on a
 * real database and the real templates.  Prints microseconds per request
 * and the response size; run under `valgrind --tool=callgrind` for an
 * instruction count that does not depend on what else the machine does.
 *
 *   pages DB PATH [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "util.h"

struct fake {
	const char *path;
	size_t written;
};

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake *f = ctx;
	if (strcmp(name, "REQUEST_METHOD") == 0)
		return "GET";
	if (strcmp(name, "DOCUMENT_URI") == 0)
		return f->path;
	if (strcmp(name, "REMOTE_ADDR") == 0)
		return "127.0.0.1";
	return NULL;
}

static ssize_t
fake_read(void *ctx, char *p, size_t len)
{
	(void)ctx, (void)p, (void)len;
	return 0;
}

static int
fake_write(void *ctx, const void *p, size_t len)
{
	struct fake *f = ctx;
	(void)p;
	f->written += len;
	return 0;
}

int
main(int argc, char **argv)
{
	char err[1024];
	if (argc < 3) {
		fprintf(stderr, "usage: pages DB PATH [N]\n");
		return 2;
	}
	long n = argc > 3 ? atol(argv[3]) : 10000;
	struct site site = {.uploads = "/tmp"};
	struct app app = {.hooks = &app_hooks, .tmpdir = "/tmp", .data = &site};
	app.db = db_open(argv[1], err, sizeof(err));
	if (app.db == NULL || db_migrate(app.db, "db/migrations", err, sizeof(err)) < 0 ||
	    app_setup(&app, app.db, 0, err, sizeof(err)) != 0 ||
	    (app.tmpl = tmpl_load_dir("templates", err, sizeof(err))) == NULL) {
		fprintf(stderr, "pages: %s\n", err);
		return 1;
	}
	struct arena *a = arena_new();
	struct buf out = {0};
	struct fake f = {.path = argv[2]};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct req r = {.a = a, .app = &app, .out = &out,
		    .io = {fake_param, fake_read, fake_write, &f}};
		http_dispatch(&r);
		db_end_request(app.db);
		arena_reset(a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)n;
	printf("GET %s: %.1f us/request, %zu bytes each\n", argv[2], us, f.written / (size_t)n);
	buf_free(&out);
	arena_free(a);
	tmpl_free(app.tmpl);
	db_close(app.db);
	return 0;
}
