/*
 * server.h - the FastCGI pre-forking server (`zhijia serve`).
 */
#ifndef ZJ_SERVER_H
#define ZJ_SERVER_H

#include <sys/types.h>

struct app;

struct serve_opts {
	const char *socket;     /* unix socket path nginx connects to */
	const char *db;         /* database path (each worker opens it) */
	const char *templates;  /* directory reloaded on SIGHUP */
	int workers;            /* number of workers */
	mode_t socket_mode;     /* e.g. 0660 */
};

/*
 * Listen on o->socket and serve with o->workers forked workers until
 * SIGTERM/SIGINT.  app holds the compiled templates and settings the
 * workers inherit (app->db must be NULL: workers open their own).
 * Returns the process exit status.
 */
int serve_main(const struct serve_opts *o, struct app *app);

#endif
