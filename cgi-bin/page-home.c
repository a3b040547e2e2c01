/*
 * page-home.c - the home page and the health check.
 */
#include "app.h"
#include "db.h"
#include "http.h"

static void
home(struct req *r)
{
	struct tval *ctx = tv_map(r->a);
	tv_putb(r->a, ctx, "home", 1);
	resp_render(r, 200, "home", ctx);
}

static void
healthz(struct req *r)
{
	if (db_ping(r->app->db) == 0)
		resp_text(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
	else
		resp_text(r, 503, "text/plain; charset=utf-8", "database unavailable\n", 21);
}

static void
privacy(struct req *r)
{
	resp_render(r, 200, "privacy", NULL);
}

const struct route page_home_routes[] = {
	{"GET", "/privacy", privacy, ACCESS_PUBLIC, NULL},
	{"GET", "/", home, ACCESS_PUBLIC, NULL},
	{"GET", "/healthz", healthz, ACCESS_PUBLIC, NULL},
	{0},
};
