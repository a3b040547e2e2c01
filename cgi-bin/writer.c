/*
 * writer.c - jobs, the writer process and its group commit (writer.h).
 *
 * Wire: SOCK_SEQPACKET on "<db>-writer.sock".  A worker keeps one
 * connection and has at most one job in flight on it: it sends the job
 * (one message: the struct job, both sides being the same build, checked
 * by magic) and waits for one answer message (the out job, its rc set).
 * The master owns the listening socket, so a writer that dies and is
 * re-forked leaves connections waiting in the backlog, never refused.
 *
 * The writer's loop: wait until some connection is readable, read the one
 * job waiting on every readable connection (that is everything waiting:
 * each worker has one job at most), run them as one batch, answer them,
 * repeat.  Jobs arriving during a batch's fsync form the next batch, so
 * the batch grows by itself with the load and a lone job is not delayed.
 */
#include "writer.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "util.h"

#define JOB_MAGIC (0x5a4a4a00u ^ (uint32_t)sizeof(struct job))
#define NO_TEXT 0xffffu
#define MAX_CONNS 512            /* workers and admin commands at once */
#define ANSWER_GRACE_MS 10000    /* a started job's batch may take this long */
#define IDLE_CHECKPOINT_MS 2000  /* checkpoint after this long without a job */
#define QUIET_CHECKPOINT_MS 60000 /* and this often when no job comes at all */
#define SIZE_BUCKETS 257         /* batch sizes 1..256, then "more" */

/* ---- job data ---- */

/* What of a job crosses the socket: the header and fields, then only the
 * bytes in use (a job is ~42 KB, most jobs use a few hundred bytes). */
#define JOB_HEAD offsetof(struct job, bytes)

static size_t
job_wire_len(const struct job *j)
{
	return JOB_HEAD + j->used;
}

/* 1 when a message of got bytes is a whole job as job_wire_len sent it. */
static int
job_whole(const struct job *j, ssize_t got)
{
	return got > (ssize_t)JOB_HEAD && j->used <= JOB_BYTES &&
	    (size_t)got == job_wire_len(j);
}

void
job_init(struct job *j, const char *name)
{
	/* The bytes past "used" are never read (job_sane checks every offset
	 * against it), so only the header and fields are cleared. */
	memset(j, 0, JOB_HEAD + 1);
	j->magic = JOB_MAGIC;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->used = 1;  /* offset 0 is never a field's: "" at bytes[0] */
}

static int
put_bytes(struct job *j, const char *s, uint16_t *off)
{
	size_t len = strlen(s) + 1;
	if (len > (size_t)JOB_BYTES - j->used)
		return -1;
	memcpy(j->bytes + j->used, s, len);
	*off = j->used;
	j->used = (uint16_t)(j->used + len);
	return 0;
}

static struct job_field *
new_field(struct job *j, const char *name)
{
	if (j->n == JOB_FIELDS)
		return NULL;
	struct job_field *f = &j->f[j->n];
	if (put_bytes(j, name, &f->name) != 0)
		return NULL;
	f->text = NO_TEXT;
	f->num = 0;
	j->n++;
	return f;
}

int
job_put_text(struct job *j, const char *name, const char *text)
{
	if (text == NULL)
		return 0;
	struct job_field *f = new_field(j, name);
	uint16_t off;
	if (f == NULL || put_bytes(j, text, &off) != 0) {
		LOG_ERR("job %s: no room for %s", j->name, name);
		j->overflow = 1;
		return -1;
	}
	f->text = off;
	return 0;
}

int
job_put_int(struct job *j, const char *name, long long v)
{
	struct job_field *f = new_field(j, name);
	if (f == NULL) {
		LOG_ERR("job %s: no room for %s", j->name, name);
		j->overflow = 1;
		return -1;
	}
	f->num = v;
	return 0;
}

static const struct job_field *
field(const struct job *j, const char *name)
{
	for (size_t i = 0; i < j->n && i < JOB_FIELDS; i++)
		if (j->f[i].name < j->used && strcmp(j->bytes + j->f[i].name, name) == 0)
			return &j->f[i];
	return NULL;
}

const char *
job_text(const struct job *j, const char *name)
{
	const struct job_field *f = field(j, name);
	return f && f->text != NO_TEXT && f->text < j->used ? j->bytes + f->text : NULL;
}

long long
job_int(const struct job *j, const char *name, long long dflt)
{
	const struct job_field *f = field(j, name);
	return f && f->text == NO_TEXT ? f->num : dflt;
}

/* A job read from a socket is trusted only after this: every offset in
 * range and the byte area NUL-terminated. */
static int
job_sane(const struct job *j)
{
	if (j->magic != JOB_MAGIC || j->n > JOB_FIELDS || j->used == 0 ||
	    j->used > JOB_BYTES || j->bytes[j->used - 1] != '\0' ||
	    memchr(j->name, '\0', sizeof(j->name)) == NULL)
		return 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->f[i].name >= j->used ||
		    (j->f[i].text != NO_TEXT && j->f[i].text >= j->used))
			return 0;
	return 1;
}

static long long
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const struct job_type *const *job_tables;

void
job_types(const struct job_type *const *tables)
{
	job_tables = tables;
}

static job_fn
job_lookup(const char *name)
{
	if (job_tables == NULL)
		return NULL;
	for (const struct job_type *const *t = job_tables; *t; t++)
		for (const struct job_type *k = *t; k->name; k++)
			if (strcmp(k->name, name) == 0)
				return k->fn;
	return NULL;
}

/* ---- a batch ---- */

static int
exec_sql(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db_handle(db), sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		LOG_ERR("%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	return rc;
}

static int
job_ok(int rc)
{
	return rc == SQLITE_DONE || rc == SQLITE_OK;
}

int
writer_batch(struct db *db, struct arena *a, const struct job *const *in,
    struct job *const *out, size_t n)
{
	sqlite3 *h = db_handle(db);
	/* Wait for the lock no longer than the most pressed job may (its
	 * person is told 503 at its deadline); jobs already past theirs are
	 * refused below and do not shorten the wait of the others. */
	long long first = 0, t = now_ms();
	for (size_t i = 0; i < n; i++) {
		job_init(out[i], in[i]->name);
		if (in[i]->deadline_ms > t && (first == 0 || in[i]->deadline_ms < first))
			first = in[i]->deadline_ms;
	}
	long long budget = first ? first - t : JOB_BUDGET_MS;
	int rc = db_begin_within(db, budget > JOB_BUDGET_MS ? JOB_BUDGET_MS : (int)budget);
	if (rc != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		job_fn fn = job_lookup(in[i]->name);
		if (fn == NULL) {
			LOG_ERR("no job named %s", in[i]->name);
			out[i]->rc = SQLITE_NOTFOUND;
			continue;
		}
		if (in[i]->overflow) {
			out[i]->rc = SQLITE_TOOBIG;
			continue;
		}
		/* Waited too long already: its worker has answered 503 or is
		 * about to.  Not run, so not stored. */
		if (in[i]->deadline_ms && now_ms() > in[i]->deadline_ms) {
			out[i]->rc = SQLITE_BUSY;
			continue;
		}
		if ((rc = exec_sql(db, "SAVEPOINT job")) != SQLITE_OK)
			goto fail;
		int jrc = fn(db, a, in[i], out[i]);
		if (sqlite3_get_autocommit(h)) {
			/* SQLite rolled the whole transaction back (full disk,
			 * I/O error): every job of the batch so far is gone. */
			rc = job_ok(jrc) ? SQLITE_IOERR : jrc;
			goto fail;
		}
		if (!job_ok(jrc) && (rc = exec_sql(db, "ROLLBACK TO job")) != SQLITE_OK)
			goto fail;
		if ((rc = exec_sql(db, "RELEASE job")) != SQLITE_OK)
			goto fail;
		out[i]->rc = jrc;
	}
	rc = db_commit(db);
	if (rc != SQLITE_OK)
		goto fail;
	return SQLITE_OK;
fail:
	db_rollback(db);
	/* Nothing of the batch is stored: every job gets the batch's code,
	 * outputs dropped (a refusal's reason would be true, but a person
	 * told "try again" is the simpler and still true answer). */
	for (size_t i = 0; i < n; i++) {
		job_init(out[i], in[i]->name);
		out[i]->rc = rc;
	}
	return rc;
}

/* ---- the client side: job_run ---- */

static struct {
	char path[108];
	int local;       /* no answer from the writer: run here */
	int fd;          /* connection, or -1 */
	pid_t pid;       /* the process the connection belongs to */
} ep = {.fd = -1};

int
writer_socket_path(const char *db, char *out, size_t len)
{
	size_t max = len < sizeof(((struct sockaddr_un *)0)->sun_path) ? len :
	    sizeof(((struct sockaddr_un *)0)->sun_path);
	int n = snprintf(out, max, "%s-writer.sock", db);
	return n < 0 || (size_t)n >= max ? -1 : 0;
}

void
job_endpoint(const char *sock, int local)
{
	if (ep.fd >= 0)
		close(ep.fd);
	ep.fd = -1;
	ep.local = local;
	snprintf(ep.path, sizeof(ep.path), "%s", sock ? sock : "");
}

static void
ep_close(void)
{
	if (ep.fd >= 0)
		close(ep.fd);
	ep.fd = -1;
}

/* Connect to the writer; 0, or -1 with errno. */
static int
ep_connect(void)
{
	if (ep.fd >= 0 && ep.pid == getpid())
		return 0;
	/* A connection must never cross a fork: the child makes its own
	 * (the parent's stays open in the parent). */
	ep.fd = -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, ep.path, strlen(ep.path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	ep.fd = fd;
	ep.pid = getpid();
	return 0;
}

/* Run in this process, on db, as a batch of one. */
static int
run_here(struct db *db, const struct job *in, struct job *out)
{
	struct arena *a = arena_new();
	writer_batch(db, a, &in, &out, 1);
	arena_free(a);
	return out->rc;
}

/* Wait for fd to be ready for events until the monotonic deadline;
 * 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int
job_run(struct db *db, const struct job *in, struct job *out)
{
	if (in->overflow) {
		job_init(out, in->name);
		return out->rc = SQLITE_TOOBIG;
	}
	if (ep.path[0] == '\0')
		return run_here(db, in, out);
	struct job j;
	memcpy(&j, in, job_wire_len(in));   /* the rest is never read */
	j.deadline_ms = now_ms() + JOB_BUDGET_MS;
	job_init(out, in->name);
	out->rc = SQLITE_BUSY;
	/* Two tries: a connection kept from before may be to a writer that
	 * has died since; sending on it fails without the job being read,
	 * so sending again on a new one is safe. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (ep_connect() != 0) {
			if (ep.local && (errno == ENOENT || errno == ECONNREFUSED))
				return run_here(db, in, out);
			LOG_ERR("writer %s: %s", ep.path, strerror(errno));
			return out->rc = SQLITE_BUSY;
		}
		if (wait_fd(ep.fd, POLLOUT, j.deadline_ms) <= 0) {
			ep_close();
			return out->rc = SQLITE_BUSY;
		}
		if (send(ep.fd, &j, job_wire_len(&j), MSG_NOSIGNAL) == (ssize_t)job_wire_len(&j))
			break;
		int e = errno;
		ep_close();
		if (attempt == 1 || (e != EPIPE && e != ECONNRESET && e != ENOTCONN)) {
			LOG_ERR("writer %s: send: %s", ep.path, strerror(e));
			return out->rc = SQLITE_BUSY;
		}
	}
	/* The writer refuses the job once its deadline passed; one started
	 * in time is waited for while its batch commits. */
	int ready = wait_fd(ep.fd, POLLIN, j.deadline_ms + ANSWER_GRACE_MS);
	ssize_t got = ready > 0 ? recv(ep.fd, out, sizeof(*out), 0) : -1;
	if (!job_whole(out, got) || !job_sane(out)) {
		/* The writer died with the job in hand, or took too long:
		 * whether it was stored is unknown.  Drop the connection so a
		 * late answer cannot be taken for the next job's. */
		LOG_WARN("writer gave no answer to %s (%s)", in->name,
		    ready == 0 ? "timed out" : got == 0 ? "writer gone" : "bad answer");
		ep_close();
		job_init(out, in->name);
		return out->rc = ready == 0 ? SQLITE_BUSY : JOB_LOST;
	}
	return out->rc;
}

/* ---- the writer process ---- */

static volatile sig_atomic_t writer_stop;

static void
on_writer_term(int sig)
{
	(void)sig;
	writer_stop = 1;
}

int
writer_listen(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	mode_t old = umask(0077);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, MAX_CONNS) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct stats {
	char path[4096];
	unsigned long long count[SIZE_BUCKETS];
	long long written_ms;
	int dirty;
};

/* "size count" lines, replaced atomically, at most once a second. */
static void
stats_write(struct stats *s, int force)
{
	long long now = now_ms();
	if (!s->dirty || (!force && now - s->written_ms < 1000))
		return;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (size_t i = 1; i < SIZE_BUCKETS; i++)
		if (s->count[i])
			fprintf(f, "%s%zu %llu\n", i == SIZE_BUCKETS - 1 ? ">" : "",
			    i == SIZE_BUCKETS - 1 ? i - 1 : i, s->count[i]);
	if (fclose(f) == 0)
		rename(tmp, s->path);
	s->written_ms = now;
	s->dirty = 0;
}

int
writer_main(int listen_fd, const char *dbpath)
{
	char err[512];
	struct sigaction sa = {0};
	sa.sa_handler = on_writer_term;   /* no SA_RESTART: poll must wake */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "zhijia-writer");  /* in ps, and for the tests */

	struct db *db = db_open_mode(dbpath, DB_WRITER, err, sizeof(err));
	if (db == NULL) {
		LOG_ERR("%s", err);
		return 1;
	}
	static struct stats st;
	snprintf(st.path, sizeof(st.path), "%s-writer.stats", dbpath);
	static struct pollfd p[MAX_CONNS + 1];
	static struct job in[MAX_CONNS], out[MAX_CONNS];
	static const struct job *inp[MAX_CONNS];
	static struct job *outp[MAX_CONNS];
	static int from[MAX_CONNS];
	size_t np = 1;
	p[0].fd = listen_fd;
	p[0].events = POLLIN;
	struct arena *a = arena_new();
	long long last_write = now_ms();
	int checkpointed = 1;

	while (!writer_stop) {
		int n = poll(p, np, checkpointed ? QUIET_CHECKPOINT_MS : IDLE_CHECKPOINT_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("poll: %s", strerror(errno));
			break;
		}
		if (n == 0 || (!checkpointed && now_ms() - last_write >= IDLE_CHECKPOINT_MS)) {
			/* Idle: copy the WAL back, including what the writes not
			 * yet converted to jobs left there (a minute at most). */
			db_checkpoint(db);
			checkpointed = 1;
			stats_write(&st, 1);
			if (n == 0)
				continue;
		}
		size_t nb = 0;
		for (size_t i = 1; i < np; i++) {
			if (p[i].revents == 0)
				continue;
			ssize_t got = recv(p[i].fd, &in[nb], sizeof(in[nb]), MSG_DONTWAIT);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (!job_whole(&in[nb], got) || !job_sane(&in[nb])) {
				if (got > 0)
					LOG_ERR("a job of another build or size (%zd bytes): "
					    "closing its connection", got);
				close(p[i].fd);
				p[i].fd = -1;   /* compacted below */
				continue;
			}
			inp[nb] = &in[nb];
			outp[nb] = &out[nb];
			from[nb++] = (int)i;
		}
		if (nb > 0) {
			arena_reset(a);
			writer_batch(db, a, inp, outp, nb);
			/* Only now, after COMMIT returned: the answers. */
			for (size_t k = 0; k < nb; k++)
				if (send(p[from[k]].fd, outp[k], job_wire_len(outp[k]),
				    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)job_wire_len(outp[k]))
					LOG_WARN("answer to %s not delivered: %s",
					    in[k].name, strerror(errno));
			st.count[nb < SIZE_BUCKETS - 1 ? nb : SIZE_BUCKETS - 1]++;
			st.dirty = 1;
			stats_write(&st, 0);
			last_write = now_ms();
			checkpointed = 0;
		}
		size_t k = 1;
		for (size_t i = 1; i < np; i++)
			if (p[i].fd >= 0)
				p[k++] = p[i];
		np = k;
		if (p[0].revents & POLLIN) {
			int c;
			while (np < MAX_CONNS + 1 &&
			    (c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				p[np].fd = c;
				p[np].events = POLLIN;
				p[np++].revents = 0;
			}
		}
	}
	stats_write(&st, 1);
	for (size_t i = 1; i < np; i++)
		close(p[i].fd);
	arena_free(a);
	db_close(db);
	return 0;
}
