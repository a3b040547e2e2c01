/*
 * server.c - `zhijia serve`: open the socket, prepare the database and
 * templates, then pre-fork single-threaded libfcgi workers and keep them
 * alive.
 *
 * Signals (master):
 *   SIGTERM, SIGINT  stop: workers finish the request in hand, then exit.
 *   SIGHUP           reload templates; if they compile, replace workers
 *                    one generation at a time (old ones finish first).
 *   SIGCHLD          a worker or the writer died: fork a new one at once.
 * Workers take SIGTERM/SIGUSR1 only while they wait for a connection (in
 * epoll_pwait), never inside FCGX_Accept_r or a request: a connection a worker
 * has accepted is always answered.
 *
 * The writer (writer.c) is one more child: the only process that writes.
 * The master owns its listening socket, so while a dead writer is re-forked
 * workers' jobs wait in the backlog.  SIGHUP does not replace it (it has no
 * templates); on stop it is stopped last, once no worker can send a job.
 */
#include "server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "http.h"
#include "util.h"
#include "writer.h"

#define MAX_WORKERS 256
#define STOP_DEADLINE_S 30

struct worker {
	pid_t pid;
	unsigned gen;
};

static volatile sig_atomic_t worker_stop, worker_drain;

/* ---- worker ---- */

/* SIGTERM: the site stops; serve what is already queued on the socket,
 * then exit.  SIGUSR1: this generation is replaced; exit now (the new
 * generation serves the queue). */
static void
on_worker_term(int sig)
{
	worker_stop = 1;
	if (sig == SIGTERM)
		worker_drain = 1;
}

/* Is a connection waiting in the listen backlog? */
static int
backlog_pending(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static const char *
fcgi_param(void *ctx, const char *name)
{
	FCGX_Request *f = ctx;
	return FCGX_GetParam(name, f->envp);
}

static ssize_t
fcgi_read(void *ctx, char *p, size_t len)
{
	FCGX_Request *f = ctx;
	int n = FCGX_GetStr(p, len > (1u << 30) ? (1 << 30) : (int)len, f->in);
	return n < 0 ? -1 : n;
}

static int
fcgi_write(void *ctx, const void *p, size_t len)
{
	FCGX_Request *f = ctx;
	while (len > 0) {
		int n = len > (1u << 20) ? (1 << 20) : (int)len;
		if (FCGX_PutStr(p, n, f->out) != n)
			return -1;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

/* The worker's life; returns the exit status. */
static int
worker_main(int listen_fd, struct app *app, const struct serve_opts *o)
{
	char err[512];
	sigset_t term;
	struct sigaction sa = {0};

	prctl(PR_SET_PDEATHSIG, SIGUSR1);  /* orphans: stop, no drain */
	sa.sa_handler = on_worker_term;   /* no SA_RESTART: accept must wake */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);     /* Ctrl-C reaches the master */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGUSR1);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigprocmask(SIG_BLOCK, &term, NULL);   /* see the loop */

	/* A connection must never cross a fork: each worker opens its own,
	 * read-only.  Every write is a job for the writer (writer.h); a
	 * statement that tried to write here would fail loudly
	 * (SQLITE_READONLY, logged), and the tests fail any suite whose log
	 * shows one. */
	app->db = db_open_mode(o->db, DB_READONLY, err, sizeof(err));
	if (app->db == NULL) {
		LOG_ERR("%s", err);
		return 1;
	}
	FCGX_Request f;
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&f, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		LOG_ERR("libfcgi init failed");
		return 1;
	}
	struct arena *a = arena_new();
	struct buf out = {0};
	int status = 0;
	sigset_t open_to_stop;
	sigprocmask(SIG_SETMASK, NULL, &open_to_stop);
	sigdelset(&open_to_stop, SIGTERM);
	sigdelset(&open_to_stop, SIGUSR1);
	/* EPOLLEXCLUSIVE: a connection wakes one idle worker, not all. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event want = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &want) != 0) {
		LOG_ERR("epoll: %s", strerror(errno));
		return 1;
	}
	for (;;) {
		/*
		 * The stop signals are let in only here, while no connection is
		 * in hand.  FCGX_Accept_r, after accept(), waits for nginx's
		 * first record (a select, then a read): a signal landing there
		 * made libfcgi close the fresh connection, and nginx answered
		 * 502 — the reload race.  So: wait in epoll_pwait, then accept with
		 * the signals blocked on the non-blocking listening socket
		 * (another worker may have taken the connection: EAGAIN).
		 * Stopping, a worker still takes what nginx already queued: a
		 * request nginx handed over is answered, not reset.
		 */
		if (worker_stop && !(worker_drain && backlog_pending(listen_fd)))
			break;
		if (!worker_stop) {
			struct epoll_event ev;
			if (epoll_pwait(ep, &ev, 1, -1, &open_to_stop) <= 0)
				continue;
		}
		int rc = FCGX_Accept_r(&f);
		if (rc < 0) {
			if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || worker_stop)
				continue;
			LOG_ERR("accept: %s", strerror(-rc));
			status = 1;
			break;
		}
		struct req r = {
			.a = a,
			.app = app,
			.out = &out,
			.io = {fcgi_param, fcgi_read, fcgi_write, &f},
		};
		http_dispatch(&r);
		FCGX_Finish_r(&f);
		db_end_request(app->db);
		arena_reset(a);
		if (out.cap > (1u << 20))  /* keep a worker's memory flat */
			buf_free(&out);
	}
	FCGX_Free(&f, 1);
	close(ep);
	arena_free(a);
	buf_free(&out);
	db_close(app->db);
	app->db = NULL;
	return status;
}

/* ---- master ---- */

static pid_t
spawn(int listen_fd, struct app *app, const struct serve_opts *o)
{
	pid_t pid = fork();
	if (pid < 0) {
		LOG_ERR("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(worker_main(listen_fd, app, o));
	return pid;
}

/* The writer process: closes what belongs to the workers, then runs
 * writer_main on the listening socket the master keeps. */
static pid_t
spawn_writer(int listen_fd, int writer_fd, const char *db)
{
	pid_t pid = fork();
	if (pid < 0) {
		LOG_ERR("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(listen_fd);
		_exit(writer_main(writer_fd, db));
	}
	return pid;
}

static int
open_socket(const struct serve_opts *o)
{
	unlink(o->socket);
	mode_t old = umask(0777 & ~o->socket_mode);
	int fd = FCGX_OpenSocket(o->socket, 1024);
	umask(old);
	if (fd < 0) {
		LOG_ERR("cannot listen on %s: %s", o->socket, strerror(errno));
		return -1;
	}
	if (chmod(o->socket, o->socket_mode) != 0)
		LOG_WARN("chmod %s: %s", o->socket, strerror(errno));
	/* Workers wait in epoll and accept without blocking (worker_main). */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static size_t
count_gen(const struct worker *w, size_t n, unsigned gen)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i].pid > 0 && w[i].gen == gen)
			k++;
	return k;
}

static void
signal_workers(const struct worker *w, size_t n, unsigned below_gen, int sig)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].pid > 0 && w[i].gen < below_gen)
			kill(w[i].pid, sig);
}

/* Reap dead workers (and the writer: *writer becomes 0); returns how
 * many workers are still alive. */
static size_t
reap(struct worker *w, size_t n, unsigned gen, int stopping, pid_t *writer)
{
	pid_t pid;
	int st;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == *writer) {
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
				LOG_WARN("writer %d died (%s %d), replacing it", (int)pid,
				    WIFSIGNALED(st) ? "signal" : "status",
				    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			*writer = 0;
		}
		for (size_t i = 0; i < n; i++)
			if (w[i].pid == pid) {
				if (!stopping && w[i].gen == gen &&
				    !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
					LOG_WARN("worker %d died (%s %d), replacing it", (int)pid,
					    WIFSIGNALED(st) ? "signal" : "status",
					    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				w[i].pid = 0;
			}
	}
	size_t alive = 0;
	for (size_t i = 0; i < n; i++)
		alive += w[i].pid > 0;
	return alive;
}

/* Fill the current generation up to nw, throttled to 20 forks a second
 * (with the writer's) so a child that dies at start cannot spin the CPU. */
static void
fill(struct worker *w, size_t nw, unsigned gen, int fd, struct app *app,
    const struct serve_opts *o, int *spawned)
{
	while (count_gen(w, MAX_WORKERS, gen) < nw && *spawned < 20) {
		size_t slot = 0;
		while (slot < MAX_WORKERS && w[slot].pid > 0)
			slot++;
		if (slot == MAX_WORKERS)
			break;
		pid_t pid = spawn(fd, app, o);
		if (pid < 0)
			break;
		w[slot].pid = pid;
		w[slot].gen = gen;
		(*spawned)++;
	}
}

int
serve_main(const struct serve_opts *o, struct app *app)
{
	struct worker w[MAX_WORKERS] = {{0}};
	size_t nw = (size_t)o->workers;
	unsigned gen = 1;
	int stopping = 0;
	time_t spawn_window = 0;
	int spawned_in_window = 0;
	pid_t writer = 0;
	size_t alive = 0;
	char wpath[108];

	if (writer_socket_path(o->db, wpath, sizeof(wpath)) != 0) {
		LOG_ERR("%s: path too long for the writer's socket", o->db);
		return 1;
	}
	int wfd = writer_listen(wpath);
	if (wfd < 0) {
		LOG_ERR("cannot listen on %s: %s", wpath, strerror(errno));
		return 1;
	}
	/* Every worker sends its jobs there, and waits for the writer. */
	job_endpoint(wpath, 0);
	int fd = open_socket(o);
	if (fd < 0) {
		close(wfd);
		unlink(wpath);
		return 1;
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The WAL-reset race (db.c) is fixed in SQLite 3.51.3, 3.50.7 and
	 * 3.44.6: the version says whether our single-checkpointer rule is
	 * what keeps this site safe. */
	LOG_INFO("serving on %s with %zu workers and one writer; SQLite %s",
	    o->socket, nw, sqlite3_libversion());
	for (;;) {
		time_t now = time(NULL);
		if (now != spawn_window) {
			spawn_window = now;
			spawned_in_window = 0;
		}
		/* The writer first, and kept while any worker may send a job. */
		if (writer == 0 && spawned_in_window < 20 &&
		    (!stopping || alive > 0)) {
			pid_t pid = spawn_writer(fd, wfd, o->db);
			if (pid > 0) {
				writer = pid;
				spawned_in_window++;
			}
		}
		if (!stopping)
			fill(w, nw, gen, fd, app, o, &spawned_in_window);

		struct timespec tick = {0, stopping ? 200 * 1000 * 1000 : 0};
		if (!stopping)
			tick.tv_sec = 1;
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &tick);
		alive = reap(w, MAX_WORKERS, gen, stopping, &writer);

		if (sig == SIGTERM || sig == SIGINT) {
			if (!stopping) {
				LOG_INFO("stopping: finishing requests in hand");
				/* No new connections; workers drain the queue. */
				unlink(o->socket);
				stopping = (int)time(NULL);
				gen++;
			}
		} else if (sig == SIGHUP && !stopping) {
			char err[512];
			struct tmpl_set *t = tmpl_load_dir(o->templates, err, sizeof(err));
			if (t == NULL) {
				LOG_ERR("templates not reloaded: %s", err);
			} else {
				tmpl_free(app->tmpl);
				app->tmpl = t;
				gen++;
				LOG_INFO("templates reloaded; replacing workers");
				/* The new generation is forked before the old one is
				 * asked to go, so someone is always accepting. */
				fill(w, nw, gen, fd, app, o, &spawned_in_window);
			}
		}
		/* Workers of older generations are asked to stop again on every
		 * tick: a SIGTERM that landed just before accept() is not lost. */
		signal_workers(w, MAX_WORKERS, gen, stopping ? SIGTERM : SIGUSR1);
		if (stopping) {
			if (alive == 0) {
				/* No job can come any more: stop the writer last,
				 * after the batch in hand. */
				if (writer == 0)
					break;
				kill(writer, SIGTERM);
			} else if (time(NULL) - stopping > STOP_DEADLINE_S) {
				LOG_WARN("%zu workers still busy after %ds; killing them",
				    alive, STOP_DEADLINE_S);
				signal_workers(w, MAX_WORKERS, gen, SIGKILL);
			}
		}
	}
	close(fd);
	close(wfd);
	unlink(wpath);
	LOG_INFO("stopped");
	return 0;
}
