/*
 * outbox-cmd.c - `zhijia outbox` and `zhijia remind`: what leaves the
 * outbox, and the day-before reminders that go into it.
 *
 *   zhijia outbox [list] [--state 待发送|已导出|已发送|失败] [--limit N]
 *   zhijia outbox export FILE [--limit N]    a CSV batch for the bulk-SMS platform
 *   zhijia outbox export FILE --batch B      the same batch's file again
 *   zhijia outbox sent BATCH                 the platform sent it: 已导出 → 已发送
 *   zhijia outbox requeue BATCH|ID           send again (a lost batch, a 失败)
 *   zhijia outbox send [--limit N]           each message to ZHIJIA_SMS_COMMAND
 *   zhijia outbox optout PHONE [--note T]    the person replied TD / 退订
 *   zhijia outbox optin PHONE                …and asked to be texted again
 *   zhijia outbox replies FILE               replies from the platform (CSV phone,text)
 *   zhijia remind [--date YYYY-MM-DD]        reminders for tomorrow's activities
 *
 * Every change is a job (the running server's writer, else here under the
 * writers' flock).  Sending runs the command outside any transaction: the
 * message is handed over, then its result stored by a job of its own, so
 * a crash between the two can send one message twice (the platform's own
 * de-duplication, or the person, absorbs it) but never loses one.
 *
 * ZHIJIA_SMS_COMMAND is run by /bin/sh once per message with standard
 * input "PHONE\nTEXT" (the phone on the first line, the text after it,
 * UTF-8, no trailing newline) and ZHIJIA_SMS_PHONE, ZHIJIA_SMS_ID in its
 * environment; exit status 0 means the platform took it, anything else
 * (or no exit within SEND_TIMEOUT seconds) a failure, retried after
 * OUTBOX_BACKOFF seconds, doubled each time, OUTBOX_MAX_ATTEMPTS tries in
 * all.  The first line it writes (stdout or stderr) is kept as the
 * message's last error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "db.h"
#include "feedback.h"
#include "outbox.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"

#define SEND_TIMEOUT 30      /* seconds one run of the command may take */
#define SEND_LIMIT 500       /* messages one `send` or `export` takes */
#define ERROR_MAX 200        /* bytes of the command's output kept */

/* ---- SQL ---- */

static const char sql_due[] =
    "SELECT id, phone, body FROM outbox WHERE state = '" OUTBOX_WAITING "'"
    " AND not_before <= ?1 ORDER BY id LIMIT ?2";
/* Whether message ?1 is still to be sent (not opted out since the run
 * read it): asked again just before it is handed over. */
static const char sql_still_due[] =
    "SELECT 1 FROM outbox WHERE id = ?1 AND state = '" OUTBOX_WAITING "'"
    " AND phone NOT IN (SELECT phone FROM outbox_optouts)";
static const char sql_export[] =
    "UPDATE outbox SET state = '" OUTBOX_EXPORTED "', batch = ?1,"
    " attempts = attempts + 1, updated_at = ?2"
    " WHERE id IN (SELECT id FROM outbox WHERE state = '" OUTBOX_WAITING "'"
    "  AND not_before <= ?2 ORDER BY id LIMIT ?3)";
static const char sql_batch_rows[] =
    "SELECT id, phone, body, ref FROM outbox WHERE batch = ?1 ORDER BY id";
static const char sql_sent[] =
    "UPDATE outbox SET state = '" OUTBOX_SENT "', sent_at = ?2, updated_at = ?2"
    " WHERE batch = ?1 AND state = '" OUTBOX_EXPORTED "'";
/* Never again: a text refused for holding an ID number, or to a phone
 * that opted out. */
static const char sql_requeue[] =
    "UPDATE outbox SET state = '" OUTBOX_WAITING "', attempts = 0,"
    " last_error = '', batch = NULL, not_before = ?3, updated_at = ?3"
    " WHERE (batch = ?1 AND state = '" OUTBOX_EXPORTED "'"
    "   OR id = ?2 AND state IN ('" OUTBOX_FAILED "', '" OUTBOX_EXPORTED "'))"
    " AND last_error NOT LIKE '内容含疑似身份证号%'"
    " AND phone NOT IN (SELECT phone FROM outbox_optouts)";
static const char sql_attempts[] =
    "SELECT attempts FROM outbox WHERE id = ?1 AND state = '" OUTBOX_WAITING "'";
static const char sql_result[] =
    "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3,"
    " sent_at = ?4, not_before = ?5, updated_at = ?6"
    " WHERE id = ?1 AND state = '" OUTBOX_WAITING "'";
/* Once sent, a private link's token is not kept (feedback_redact): the
 * link answers as the person, and only its hash is stored elsewhere. */
static const char sql_links_of_batch[] =
    "SELECT id, body FROM outbox WHERE batch = ?1 AND state = '" OUTBOX_EXPORTED "'"
    " AND body LIKE '%/feedback/%'";
static const char sql_link_of[] =
    "SELECT id, body FROM outbox WHERE id = ?1 AND body LIKE '%/feedback/%'";
static const char sql_set_body[] = "UPDATE outbox SET body = ?2 WHERE id = ?1";
static const char sql_list[] =
    "SELECT id, state, attempts, created_at, phone, kind, ref, body, last_error,"
    " coalesce(batch, '') FROM outbox"
    " WHERE (?1 = '' AND state <> '" OUTBOX_SENT "' OR state = ?1)"
    " ORDER BY id DESC LIMIT ?2";
static const char sql_counts[] =
    "SELECT state, count(*) FROM outbox GROUP BY state";
static const char sql_tomorrow[] =
    "SELECT s.ref, s.phone, a.title, a.starts_at, a.place"
    " FROM activities a JOIN signups s ON s.activity_id = a.id"
    " WHERE a.cancelled = 0 AND a.starts_at >= ?1 AND a.starts_at < ?2"
    " AND s.status = '" SIGNUP_CONFIRMED "' ORDER BY a.id, s.id";

/* ---- jobs ---- */

/* Inside a job: the private links of the messages st (bound; id, body)
 * gives are cut from their stored text.  SQLITE_DONE or the code. */
static int
forget_links(struct db *db, struct arena *a, sqlite3_stmt *st)
{
	size_t n = 0, cap = 16;
	long long *ids = arena_alloc(a, cap * sizeof(*ids));
	const char **bodies = arena_alloc(a, cap * sizeof(*bodies));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			long long *i2 = arena_alloc(a, 2 * cap * sizeof(*ids));
			const char **b2 = arena_alloc(a, 2 * cap * sizeof(*bodies));
			memcpy(i2, ids, cap * sizeof(*ids));
			memcpy(b2, bodies, cap * sizeof(*bodies));
			ids = i2, bodies = b2, cap *= 2;
		}
		ids[n] = sqlite3_column_int64(st, 0);
		bodies[n++] = feedback_redact(a, arena_strdup(a, db_col_text(st, 1)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *up = db_prep(db, sql_set_body);
		if (up == NULL)
			return SQLITE_ERROR;
		db_bind_int(up, 1, ids[i]);
		db_bind_text(up, 2, bodies[i]);
		if ((rc = db_exec_stmt(db, up)) != SQLITE_DONE)
			return rc;
	}
	return SQLITE_DONE;
}

/* Run st, a bound UPDATE of messages: out "count" the messages it
 * changed and, when any, the audit entry action on what ("12 条").
 * SQLITE_DONE or the failing code. */
static int
run_counted(struct db *db, struct arena *a, const struct actor *who,
    sqlite3_stmt *st, struct job *out, const char *action, const char *what)
{
	int rc = db_exec_stmt(db, st);
	if (rc != SQLITE_DONE)
		return rc;
	int n = sqlite3_changes(db_handle(db));
	job_put_int(out, "count", n);
	if (n == 0)
		return SQLITE_DONE;
	return audit(db, who, action, what, arena_printf(a, "%d 条", n));
}

/* Job "outbox.export": up to "limit" messages due now become 已导出 in
 * batch "batch", audited.  Out: "count". */
static int
export_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char now[32];
	const char *batch = job_text(in, "batch");
	if (batch == NULL || *batch == '\0')
		return SQLITE_MISUSE;
	job_actor(in, &who);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_export);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch);
	db_bind_text(st, 2, now);
	db_bind_int(st, 3, job_int(in, "limit", SEND_LIMIT));
	return run_counted(db, a, &who, st, out, AUDIT_MSG_EXPORT, batch);
}

/* Job "outbox.sent": batch "batch" was sent by the platform: its 已导出
 * messages become 已发送, audited.  Out: "count". */
static int
sent_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	char now[32];
	const char *batch = job_text(in, "batch");
	if (batch == NULL)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_links_of_batch);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch);
	int rc = forget_links(db, a, st);
	if (rc != SQLITE_DONE)
		return rc;
	if ((st = db_prep(db, sql_sent)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch);
	db_bind_text(st, 2, now);
	return run_counted(db, a, &who, st, out, AUDIT_MSG_SENT, batch);
}

/* Job "outbox.requeue": the 已导出 messages of batch "batch", or message
 * "id" (已导出 or 失败), wait to be sent again from the first try —
 * except what may never be sent.  Audited.  Out: "count". */
static int
requeue_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char now[32];
	const char *batch = job_text(in, "batch");
	long long id = job_int(in, "id", 0);
	job_actor(in, &who);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_requeue);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch ? batch : "");
	db_bind_int(st, 2, id);
	db_bind_text(st, 3, now);
	return run_counted(db, a, &who, st, out, AUDIT_MSG_REQUEUE,
	    batch ? batch : arena_printf(a, "message:%lld", id));
}

/*
 * Job "outbox.result": what one run of the SMS command said of message
 * "id" — "ok" 1: 已发送; else "error" kept and, before the last try, a
 * later not_before (backoff), after it 失败.  Only a message still 待发送
 * changes.  Out: "state".
 */
static int
result_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	char now[32], later[32];
	long long id = job_int(in, "id", 0);
	int ok = job_int(in, "ok", 0) != 0;
	const char *error = job_text(in, "error");
	sqlite3_stmt *st = db_prep(db, sql_attempts);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	long long tried = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SQLITE_DONE;   /* no longer waiting: opted out meanwhile */
	if (rc != SQLITE_ROW)
		return rc;
	time_t t = time(NULL);
	utc_iso(t, now, sizeof(now));
	const char *state = ok ? OUTBOX_SENT :
	    tried + 1 >= OUTBOX_MAX_ATTEMPTS ? OUTBOX_FAILED : OUTBOX_WAITING;
	utc_iso(t + ((time_t)OUTBOX_BACKOFF << (tried < 10 ? tried : 10)), later,
	    sizeof(later));
	if (ok) {
		if ((st = db_prep(db, sql_link_of)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, id);
		if ((rc = forget_links(db, a, st)) != SQLITE_DONE)
			return rc;
	}
	if ((st = db_prep(db, sql_result)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, state);
	db_bind_text(st, 3, ok ? "" : error ? error : "失败");
	db_bind_text(st, 4, ok ? now : NULL);
	db_bind_text(st, 5, ok ? now : later);
	db_bind_text(st, 6, now);
	job_put_text(out, "state", state);
	return db_exec_stmt(db, st);
}

/* The Shanghai day "YYYY-MM-DD" as the UTC instants of its start and of
 * the next day's start; -1 when it is no date. */
static int
day_bounds(const char *date, char *from, char *to, size_t len)
{
	struct tm tm = {0};
	const char *end = strptime(date, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || strlen(date) != 10)
		return -1;
	time_t local = timegm(&tm);
	shanghai_to_utc_iso(local, from, len);
	shanghai_to_utc_iso(local + 86400, to, len);
	return 0;
}

/*
 * Job "outbox.remind": a reminder (MSG_ACTIVITY_REMIND, once per sign-up)
 * to everyone confirmed for an activity, not cancelled, that starts on
 * the Shanghai day "date"; audited with how many were queued.  Out:
 * "count", "seen" (confirmed sign-ups of the day).
 */
static int
remind_job(struct db *db, struct arena *a, const struct job *in,
    struct job *out)
{
	struct actor who;
	char from[32], to[32];
	const char *date = job_text(in, "date");
	if (date == NULL || day_bounds(date, from, to, sizeof(from)) != 0)
		return SQLITE_MISUSE;
	job_actor(in, &who);
	sqlite3_stmt *st = db_prep(db, sql_tomorrow);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	/* read them all, then write: the reads finish first */
	struct row { const char *ref, *phone, *title, *starts, *place; };
	size_t n = 0, cap = 64;
	struct row *rows = arena_alloc(a, cap * sizeof(*rows));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			struct row *more = arena_alloc(a, 2 * cap * sizeof(*rows));
			memcpy(more, rows, cap * sizeof(*rows));
			rows = more, cap *= 2;
		}
		rows[n++] = (struct row){
			arena_strdup(a, db_col_text(st, 0)),
			arena_strdup(a, db_col_text(st, 1)),
			arena_strdup(a, db_col_text(st, 2)),
			arena_strdup(a, db_col_text(st, 3)),
			arena_strdup(a, db_col_text(st, 4)),
		};
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	int before = sqlite3_total_changes(db_handle(db));
	for (size_t i = 0; i < n; i++) {
		rc = outbox_put_activity(db, &who, MSG_ACTIVITY_REMIND, rows[i].ref,
		    rows[i].phone, rows[i].title, rows[i].starts, rows[i].place);
		if (rc != SQLITE_DONE)
			return rc;
	}
	int queued = sqlite3_total_changes(db_handle(db)) - before;
	job_put_int(out, "count", queued);
	job_put_int(out, "seen", (long long)n);
	if (queued == 0)
		return SQLITE_DONE;
	return audit(db, &who, AUDIT_MSG_REMIND, date,
	    arena_printf(a, "%d 条提醒(确认报名 %zu 份)", queued, n));
}

const struct job_type outbox_cmd_jobs[] = {
	{"outbox.export", export_job},
	{"outbox.sent", sent_job},
	{"outbox.requeue", requeue_job},
	{"outbox.result", result_job},
	{"outbox.remind", remind_job},
	{NULL, NULL},
};

/* ---- the commands ---- */

/* Run job in (name already set) by who; the answer in out.  Prints the
 * failure.  Returns job_run's code. */
static int
run(struct db *db, const struct actor *who, struct job *in, struct job *out)
{
	job_put_actor(in, who);
	int rc = job_run(db, in, out);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "zhijia: %s: %s\n", in->name, sqlite3_errstr(rc));
	return rc;
}

/* 1 when now is in the quiet hours (said on stdout), 0 when not, -1 on a
 * database error. */
static int
quiet_now(struct db *db)
{
	int from, to;
	if (outbox_quiet(db, &from, &to) != 0)
		return -1;
	time_t local = shanghai_now();
	struct tm tm;
	gmtime_r(&local, &tm);
	if (!outbox_quiet_at(from, to, tm.tm_hour * 60 + tm.tm_min))
		return 0;
	printf("免打扰时段(北京时间 %02d:%02d–%02d:%02d):现在不发送,短信留在待发送中\n",
	    from / 60, from % 60, to / 60, to % 60);
	return 1;
}

/* Hold "<db>-outbox.lock" so that no two senders or exports overlap:
 * the fd, or -1 (said) when another holds it. */
static int
sender_lock(const char *dbpath)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s-outbox.lock", dbpath);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "zhijia: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "zhijia: another `zhijia outbox send/export` is running\n");
		close(fd);
		return -1;
	}
	return fd;
}

static long long
limit_of(const char *s)
{
	char *end;
	long long n = s ? strtoll(s, &end, 10) : SEND_LIMIT;
	if (s && (*end != '\0' || n < 1 || n > 100000))
		return -1;
	return n;
}

static int
cmd_list(struct db *db, const char *state, long long limit)
{
	sqlite3_stmt *st = db_prep(db, sql_counts);
	if (st == NULL)
		return 1;
	printf("#");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf(" %s %lld", db_col_text(st, 0), (long long)sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	printf("\n# id\t状态\t尝试\t时间\t手机号\t类型\t编号\t批次\t内容\t错误\n");
	if ((st = db_prep(db, sql_list)) == NULL)
		return 1;
	db_bind_text(st, 1, state ? state : "");
	db_bind_int(st, 2, limit);
	char when[20];
	int rc;
	struct arena *a = arena_new();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		printf("%lld\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    (long long)sqlite3_column_int64(st, 0), db_col_text(st, 1),
		    sqlite3_column_int(st, 2),
		    short_time(db_col_text(st, 3), when, sizeof(when)),
		    db_col_text(st, 4), db_col_text(st, 5), db_col_text(st, 6),
		    db_col_text(st, 9), feedback_redact(a, db_col_text(st, 7)),
		    db_col_text(st, 8));
		arena_reset(a);
	}
	sqlite3_reset(st);
	arena_free(a);
	return rc == SQLITE_DONE && fflush(stdout) == 0 ? 0 : 1;
}

/* Write batch's messages to file (through file.tmp, renamed when whole):
 * CSV with a BOM, 手机号,短信内容,消息编号,记录编号.  Returns the rows
 * written, or -1 (said). */
static long long
write_batch(struct db *db, const char *batch, const char *file)
{
	char tmp[4096];
	struct buf b = {0};
	long long n = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	sqlite3_stmt *st = db_prep(db, sql_batch_rows);
	if (st == NULL)
		return -1;
	buf_puts(&b, "\xEF\xBB\xBF手机号,短信内容,消息编号,记录编号\r\n");
	db_bind_text(st, 1, batch);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
		csv_cell(&b, db_col_text(st, 1));
		buf_putc(&b, ',');
		csv_cell(&b, db_col_text(st, 2));
		buf_putc(&b, ',');
		csv_cell(&b, id);
		buf_putc(&b, ',');
		csv_cell(&b, db_col_text(st, 3));
		buf_puts(&b, "\r\n");
		n++;
	}
	sqlite3_reset(st);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ok = fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len &&
	    fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, file) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "zhijia: %s: %s\n", file, strerror(errno));
		unlink(tmp);
	}
	buf_free(&b);
	return ok ? n : -1;
}

static int
cmd_export(struct db *db, const struct actor *who, const char *dbpath,
    const char *file, const char *again, long long limit)
{
	if (again != NULL) {
		long long n = write_batch(db, again, file);
		if (n == 0)
			fprintf(stderr, "zhijia: 批次 %s 里没有短信\n", again);
		if (n > 0)
			printf("批次 %s:%lld 条写入 %s\n", again, n, file);
		return n > 0 ? 0 : 1;
	}
	int lock = sender_lock(dbpath);
	if (lock < 0)
		return 1;
	int rc = 1, q = quiet_now(db);
	if (q != 0) {
		close(lock);
		return q < 0 ? 1 : 0;
	}
	char batch[40];
	unsigned char rnd[2] = {0};
	time_t local = shanghai_now();
	struct tm tm;
	gmtime_r(&local, &tm);
	random_bytes(rnd, sizeof(rnd));
	snprintf(batch, sizeof(batch), "%04d%02d%02d-%02d%02d%02d-%02x%02x",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, rnd[0], rnd[1]);
	struct job in, out;
	job_init(&in, "outbox.export");
	job_put_text(&in, "batch", batch);
	job_put_int(&in, "limit", limit);
	if (run(db, who, &in, &out) == SQLITE_DONE) {
		long long n = job_int(&out, "count", 0);
		if (n == 0) {
			printf("没有待发送的短信\n");
			rc = 0;
		} else if (write_batch(db, batch, file) == n) {
			printf("批次 %s:%lld 条写入 %s。平台发出后运行 zhijia outbox sent %s\n",
			    batch, n, file, batch);
			rc = 0;
		} else
			fprintf(stderr, "zhijia: 批次 %s 已标记为已导出,但文件没有写成:"
			    "用 zhijia outbox export FILE --batch %s 重写\n", batch, batch);
	}
	close(lock);
	return rc;
}

/* Milliseconds of SEND_TIMEOUT left since t0. */
static long
ms_left(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return SEND_TIMEOUT * 1000L - ((t.tv_sec - t0->tv_sec) * 1000L +
	    (t.tv_nsec - t0->tv_nsec) / 1000000L);
}

/* Run the SMS command for one message, for at most SEND_TIMEOUT seconds
 * (then it and its process group are killed).  Returns 1 when it exited
 * 0; else 0 with what went wrong in err. */
static int
hand_over(const char *cmd, long long id, const char *phone, const char *body,
    char *err, size_t errlen)
{
	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return 0;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
		return 0;
	}
	if (pid == 0) {
		char idtext[24];
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(outp[1], 1);
		dup2(outp[1], 2);
		snprintf(idtext, sizeof(idtext), "%lld", id);
		setenv("ZHIJIA_SMS_PHONE", phone, 1);
		setenv("ZHIJIA_SMS_ID", idtext, 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);   /* as the child does: kill(-pid) reaches it either way */
	close(in[0]);
	close(outp[1]);
	struct buf msg = {0};
	buf_printf(&msg, "%s\n%s", phone, body);
	ssize_t w = write(in[1], msg.p, msg.len);   /* < a pipe's buffer */
	(void)w;
	close(in[1]);
	buf_free(&msg);

	char out[ERROR_MAX + 1];
	size_t got = 0;
	int timed_out = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = ms_left(&t0);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd pfd = {outp[0], POLLIN, 0};
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timed_out = pr == 0;
			break;
		}
		char chunk[512];
		ssize_t r = read(outp[0], chunk, sizeof(chunk));
		if (r <= 0)
			break;   /* EOF: the command (and its children) closed it */
		size_t keep = (size_t)r < ERROR_MAX - got ? (size_t)r : ERROR_MAX - got;
		memcpy(out + got, chunk, keep);
		got += keep;
	}
	close(outp[0]);
	/* EOF only says the output is closed: the command may go on (or
	 * hang, holding the sender's lock), so its exit is awaited within
	 * the same SEND_TIMEOUT too. */
	int status = 0, reaped = 0;
	long nap = 1;   /* ms, doubling to 50: a quick exit is seen quickly */
	while (!timed_out && !reaped) {
		pid_t got_pid = waitpid(pid, &status, WNOHANG);
		if (got_pid == pid)
			reaped = 1;
		else if (got_pid < 0 && errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return 0;
		} else if (ms_left(&t0) <= 0)
			timed_out = 1;
		else {
			struct timespec ts = {0, nap * 1000000L};
			nanosleep(&ts, NULL);
			nap = nap < 25 ? nap * 2 : 50;
		}
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	out[got] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (!utf8_text_ok(out, strlen(out)))
		out[0] = '\0';
	if (timed_out) {
		snprintf(err, errlen, "%d 秒内没有结束", SEND_TIMEOUT);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status))
		snprintf(err, errlen, "退出码 %d%s%s", WEXITSTATUS(status),
		    *out ? ":" : "", out);
	else
		snprintf(err, errlen, "被信号 %d 终止", WTERMSIG(status));
	return 0;
}

static int
cmd_send(struct db *db, const struct actor *who, const char *dbpath,
    long long limit)
{
	const char *cmd = getenv("ZHIJIA_SMS_COMMAND");
	if (cmd == NULL || *cmd == '\0') {
		fprintf(stderr, "zhijia: ZHIJIA_SMS_COMMAND is not set: nothing can send "
		    "(use zhijia outbox export FILE for the bulk-SMS platform)\n");
		return 1;
	}
	int lock = sender_lock(dbpath);
	if (lock < 0)
		return 1;
	int q = quiet_now(db);
	if (q != 0) {
		close(lock);
		return q < 0 ? 1 : 0;
	}
	char now[32];
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = db_prep(db, sql_due);
	if (st == NULL) {
		close(lock);
		return 1;
	}
	/* read the due messages first: the jobs below write between them */
	struct arena *a = arena_new();
	struct msg { long long id; const char *phone, *body; };
	size_t n = 0;
	struct msg *m = arena_calloc(a, (size_t)limit, sizeof(*m));
	db_bind_text(st, 1, now);
	db_bind_int(st, 2, limit);
	while (n < (size_t)limit && sqlite3_step(st) == SQLITE_ROW)
		m[n++] = (struct msg){sqlite3_column_int64(st, 0),
		    arena_strdup(a, db_col_text(st, 1)),
		    arena_strdup(a, db_col_text(st, 2))};
	sqlite3_reset(st);
	signal(SIGPIPE, SIG_IGN);
	long long sent = 0, retry = 0, failed = 0;
	int rc = 0;
	sqlite3_stmt *due = db_prep(db, sql_still_due);
	if (due == NULL)
		rc = 1, n = 0;
	for (size_t i = 0; i < n; i++) {
		/* A run may take a while (SEND_TIMEOUT a message): the quiet
		 * hours may begin, or the person opt out, meanwhile. */
		if ((q = quiet_now(db)) != 0) {
			rc = q < 0;
			break;
		}
		db_bind_int(due, 1, m[i].id);
		int still = sqlite3_step(due);
		sqlite3_reset(due);
		if (still == SQLITE_DONE)
			continue;   /* opted out (or sent by hand) since it was read */
		if (still != SQLITE_ROW) {
			rc = 1;
			break;
		}
		char err[ERROR_MAX + 64] = "";
		int ok = hand_over(cmd, m[i].id, m[i].phone, m[i].body, err, sizeof(err));
		struct job in, out;
		job_init(&in, "outbox.result");
		job_put_int(&in, "id", m[i].id);
		job_put_int(&in, "ok", ok);
		job_put_text(&in, "error", err);
		if (run(db, who, &in, &out) != SQLITE_DONE) {
			rc = 1;   /* its result is lost: it may be sent again */
			break;
		}
		const char *state = job_text(&out, "state");
		if (state == NULL)
			continue;   /* no longer waiting: opted out meanwhile */
		if (strcmp(state, OUTBOX_SENT) == 0)
			sent++;
		else if (strcmp(state, OUTBOX_FAILED) == 0) {
			failed++;
			fprintf(stderr, "zhijia: message %lld to %s failed for good: %s\n",
			    m[i].id, m[i].phone, err);
		} else
			retry++;
	}
	printf("已发送 %lld 条,稍后重试 %lld 条,失败 %lld 条\n", sent, retry, failed);
	arena_free(a);
	close(lock);
	return rc;
}

static int
cmd_optout(struct db *db, const struct actor *who, const char *phone_text,
    const char *note, int optin, const char *source)
{
	char phone[16];
	if (outbox_optout_phone(phone_text, phone) == NULL) {
		fprintf(stderr, "zhijia: %s 不是手机号\n", phone_text);
		return 2;
	}
	struct job in, out;
	job_init(&in, "outbox.optout");
	job_put_text(&in, "phone", phone);
	job_put_int(&in, "optin", optin);
	job_put_text(&in, "source", source);
	job_put_text(&in, "note", note ? note : "");
	if (run(db, who, &in, &out) != SQLITE_DONE)
		return 1;
	if (!job_int(&out, "changed", 0))
		printf("%s %s\n", phone, optin ? "本来就可以接收短信" : "已经退订过了");
	else if (optin)
		printf("%s 恢复接收短信\n", phone);
	else
		printf("%s 已退订;%lld 条待发送的短信不再发送\n", phone,
		    job_int(&out, "dropped", 0));
	return 0;
}

/* `replies FILE`: lines "phone,text" (a header or other lines are
 * skipped); each text that is an opt-out word records the opt-out. */
static int
cmd_replies(struct db *db, const struct actor *who, const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		fprintf(stderr, "zhijia: %s: %s\n", file, strerror(errno));
		return 1;
	}
	char line[1024], phone[16];
	long long lines = 0, optouts = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f) != NULL && lines < 1000000) {
		lines++;
		char *p = line;
		if (lines == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3;
		p[strcspn(p, "\r\n")] = '\0';
		char *comma = strchr(p, ',');
		if (comma == NULL)
			continue;
		*comma = '\0';
		char *text = comma + 1;
		if (*text == '"' && text[1] && text[strlen(text) - 1] == '"') {
			text++;
			text[strlen(text) - 1] = '\0';
		}
		if (outbox_optout_phone(p, phone) == NULL || !outbox_optout_word(text))
			continue;
		struct job in, out;
		job_init(&in, "outbox.optout");
		job_put_text(&in, "phone", phone);
		job_put_text(&in, "source", "reply");
		job_put_text(&in, "note", text);
		if (run(db, who, &in, &out) != SQLITE_DONE) {
			rc = 1;
			break;
		}
		optouts += job_int(&out, "changed", 0);
	}
	fclose(f);
	printf("读了 %lld 行回复,新退订 %lld 个手机号\n", lines, optouts);
	return rc;
}

int
outbox_main(struct db *db, const struct actor *who, const char *dbpath,
    int argc, char **argv)
{
	/* positional words and --options, in any order */
	const char *pos[3] = {NULL, NULL, NULL};
	const char *state = NULL, *limit_s = NULL, *batch = NULL, *note = NULL;
	size_t npos = 0;
	for (int i = 1; i < argc; i++) {
		const char **opt = strcmp(argv[i], "--state") == 0 ? &state :
		    strcmp(argv[i], "--limit") == 0 ? &limit_s :
		    strcmp(argv[i], "--batch") == 0 ? &batch :
		    strcmp(argv[i], "--note") == 0 ? &note :
		    strcmp(argv[i], "--db") == 0 ? &dbpath : NULL;
		if (opt != NULL && i + 1 < argc)
			*opt = argv[++i];
		else if (strncmp(argv[i], "--", 2) == 0 || npos == 3)
			return 2;
		else
			pos[npos++] = argv[i];
	}
	const char *sub = npos ? pos[0] : "list";
	long long limit = limit_of(limit_s);
	if (limit < 0)
		return 2;
	if (strcmp(sub, "list") == 0 && npos <= 1) {
		if (state) {
			int known = 0;
			for (const char *const *s = outbox_states; *s; s++)
				known |= strcmp(*s, state) == 0;
			if (!known)
				return 2;
		}
		return cmd_list(db, state, limit_s ? limit : 100);
	}
	if (strcmp(sub, "export") == 0 && npos == 2)
		return cmd_export(db, who, dbpath, pos[1], batch, limit);
	if (strcmp(sub, "send") == 0 && npos == 1)
		return cmd_send(db, who, dbpath, limit);
	if (strcmp(sub, "optout") == 0 && npos == 2)
		return cmd_optout(db, who, pos[1], note, 0, "cli");
	if (strcmp(sub, "optin") == 0 && npos == 2)
		return cmd_optout(db, who, pos[1], NULL, 1, "cli");
	if (strcmp(sub, "replies") == 0 && npos == 2)
		return cmd_replies(db, who, pos[1]);
	if ((strcmp(sub, "sent") == 0 || strcmp(sub, "requeue") == 0) && npos == 2) {
		struct job in, out;
		int by_id = sub[0] == 'r' && strspn(pos[1], "0123456789") == strlen(pos[1]);
		job_init(&in, sub[0] == 's' ? "outbox.sent" : "outbox.requeue");
		if (by_id)
			job_put_int(&in, "id", strtoll(pos[1], NULL, 10));
		else
			job_put_text(&in, "batch", pos[1]);
		if (run(db, who, &in, &out) != SQLITE_DONE)
			return 1;
		long long n = job_int(&out, "count", 0);
		if (n == 0) {
			fprintf(stderr, "zhijia: %s 没有可以%s的短信\n", pos[1],
			    sub[0] == 's' ? "标记为已发送" : "重新发送");
			return 1;
		}
		printf("%lld 条%s\n", n, sub[0] == 's' ? "标记为已发送" : "重新排队待发送");
		return 0;
	}
	return 2;
}

int
remind_main(struct db *db, const struct actor *who, int argc, char **argv)
{
	char date[16];
	const char *given = NULL;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			given = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			i++;
		else
			return 2;
	if (given == NULL) {
		time_t tomorrow = shanghai_now() + 86400;
		struct tm tm;
		gmtime_r(&tomorrow, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		given = date;
	}
	char from[32], to[32];
	if (day_bounds(given, from, to, sizeof(from)) != 0)
		return 2;
	struct job in, out;
	job_init(&in, "outbox.remind");
	job_put_text(&in, "date", given);
	if (run(db, who, &in, &out) != SQLITE_DONE)
		return 1;
	printf("%s 的活动:确认报名 %lld 份,新排队提醒 %lld 条\n", given,
	    job_int(&out, "seen", 0), job_int(&out, "count", 0));
	return 0;
}
