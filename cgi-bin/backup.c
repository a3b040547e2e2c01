/*
 * backup.c - backups that restore: `zhijia backup DIR`, `zhijia restore DIR`.
 *
 * A generation is a folder DIR/zhijia-YYYYMMDDTHHMMSS.mmmZ holding
 *   zhijia.db     a consistent copy of the database, one self-contained file
 *                 (rollback-journal mode), that passed PRAGMA integrity_check;
 *   uploads/NAME  every evidence file the copy names, and only those;
 *   MISSING       (only when not empty) names the copy refers to that were
 *                 already gone from the uploads folder;
 *   SHA256SUMS    the SHA-256 of each file above, as `sha256sum -c` reads it.
 * It is built in DIR/.tmp-<stamp>, every file and folder synced, and
 * renamed into place only when complete and verified: a run that fails
 * leaves the earlier generations as they were and removes its leftovers.
 * Then all but the newest N generations are removed — unless evidence was
 * missing: an older generation may be the only one that still holds it.
 * Files are 0600 and folders 0700 from the moment they exist.
 *
 * The copy is `VACUUM INTO` on a read-only connection: one read
 * transaction, so it cannot be restarted by writers (the online backup
 * API restarts whenever another connection writes), takes no write lock,
 * and never checkpoints the WAL (no race with the writer's checkpoints).
 * Its time is bounded: a busy timeout to start reading, then a progress
 * handler that interrupts it at the deadline.  While it runs the WAL
 * cannot be checkpointed past its snapshot and grows; the bound caps that.
 *
 * Restore is the reverse onto a data folder that holds no database and no
 * evidence: each file is checked against SHA256SUMS as it is copied, the
 * database is integrity-checked again and must name no file the
 * generation lacks, and the data appears only when all of it is there —
 * the uploads folder by one rename, the database last by another.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sign.h"
#include "util.h"

#define GEN_PREFIX "zhijia-"
#define TMP_PREFIX ".tmp-"
#define DB_NAME "zhijia.db"
#define SUMS_NAME "SHA256SUMS"
#define MISSING_NAME "MISSING"
#define KEEP_DEFAULT 7
#define KEEP_MAX 1000
#define TIMEOUT_DEFAULT 1800    /* seconds for the copy and its check */
#define READ_BUSY_MS 5000       /* to start the read transaction (or less) */
#define SUMS_MAX (64 << 20)     /* a SHA256SUMS larger than this is not ours */

/*
 * Tables naming files of the uploads folder, by a column stored_name.  A
 * table with such a column that is missing here makes a backup fail: a
 * backup that quietly left out a new kind of file would not restore.
 */
static const struct {
	const char *table;
	const char *sql;
} file_tables[] = {
	{"legal_files", "SELECT stored_name FROM legal_files ORDER BY id"},
};
static const char sql_tables_with_files[] =
    "SELECT m.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS c"
    " WHERE m.type = 'table' AND c.name = 'stored_name'";

/* Where restored files go, and whom they belong to (uid -1: as created). */
struct owner {
	uid_t uid;
	gid_t gid;
};

static void ZJ_PRINTF(1, 2)
say(const char *fmt, ...)
{
	va_list ap;
	fputs("zhijia: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
names_add(struct names *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void
names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
names_has(const struct names *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int
stored_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 128 && strspn(s, "0123456789abcdef") == n;
}

/* a/b into out (PATH_MAX); -1 (said) when too long. */
static int
join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", a, b);
	if (n < 0 || n >= PATH_MAX) {
		say("%s/%s: path too long", a, b);
		return -1;
	}
	return 0;
}

/* path then suffix into out (PATH_MAX); -1 (said) when too long. */
static int
suffixed(char *out, const char *path, const char *suffix)
{
	int n = snprintf(out, PATH_MAX, "%s%s", path, suffix);
	if (n < 0 || n >= PATH_MAX) {
		say("%s%s: path too long", path, suffix);
		return -1;
	}
	return 0;
}

/* The folder holding path into out (PATH_MAX). */
static void
parent_of(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');
	snprintf(out, PATH_MAX, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
}

static int
sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		say("sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
give(int fd, const char *path, const struct owner *o)
{
	if (o == NULL || o->uid == (uid_t)-1 || fchown(fd, o->uid, o->gid) == 0)
		return 0;
	say("chown %s: %s", path, strerror(errno));
	return -1;
}

/* mkdir path 0700 (owned by o); -1 (said), also when it exists. */
static int
make_dir(const char *path, const struct owner *o)
{
	if (mkdir(path, 0700) != 0) {
		say("mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? give(fd, path, o) : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	if (remove(path) != 0 && errno != ENOENT) {
		say("remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove path and everything below it (symbolic links not followed). */
static int
rm_tree(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Stream the file at src (no symbolic link) through SHA-256 into hex (65
 * bytes); when dst is given, also into a new file dst (0600, owned by o,
 * synced); else src itself is synced.  Returns 0; -2 when src does not
 * exist (not said); -1 on any other failure (said).
 */
static int
pass_file(const char *src, const char *dst, const struct owner *o, char hex[65])
{
	static char chunk[1 << 16];
	int rc = -1, in, out = -1;
	struct sha256_ctx c;
	unsigned char md[32];
	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		if (errno == ENOENT)
			return -2;
		say("%s: %s", src, strerror(errno));
		return -1;
	}
	if (dst && ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0 || give(out, dst, o) != 0)) {
		say("%s: %s", dst, strerror(errno));
		goto out;
	}
	sha256_init(&c);
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say("read %s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(&c, chunk, (size_t)n);
		if (out >= 0 && write_all(out, chunk, (size_t)n) != 0) {
			say("write %s: %s", dst, strerror(errno));
			goto out;
		}
	}
	if (fsync(out >= 0 ? out : in) != 0) {
		say("sync %s: %s", dst ? dst : src, strerror(errno));
		goto out;
	}
	sha256_final(&c, md);
	hex_encode(md, sizeof(md), hex);
	rc = 0;
out:
	close(in);
	if (out >= 0 && close(out) != 0 && rc == 0) {
		say("close %s: %s", dst, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Write text as the new file path (0600, owned by o, synced). */
static int
write_new_file(const char *path, const char *text, size_t len, const struct owner *o)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || give(fd, path, o) != 0 || write_all(fd, text, len) != 0 ||
	    fsync(fd) != 0) {
		say("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd) == 0 ? 0 : -1;
}

static time_t
mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static int
past_deadline(void *arg)
{
	return mono_now() >= *(const time_t *)arg;
}

static int
say_db(sqlite3 *h, const char *path, int rc)
{
	say("%s: %s", path, (rc & 0xff) == SQLITE_INTERRUPT ?
	    "not done within the time allowed (--timeout)" : sqlite3_errmsg(h));
	return -1;
}

/*
 * Copy the database src into the new file dst (0600 from its first byte)
 * as one consistent snapshot, within deadline.  Returns 0 or -1 (said).
 */
static int
snapshot_db(const char *src, const char *dst, time_t *deadline)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1, r;
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		say("%s: %s", dst, strerror(errno));
		return -1;
	}
	close(fd);
	/* VACUUM INTO fills an empty file and keeps its mode. */
	if ((r = sqlite3_open_v2(src, &h, SQLITE_OPEN_READONLY, NULL)) != SQLITE_OK) {
		say_db(h, src, r);
		goto out;
	}
	time_t left = *deadline - mono_now();
	sqlite3_busy_timeout(h, left * 1000 < READ_BUSY_MS ? (int)(left > 0 ? left * 1000 : 1) :
	    READ_BUSY_MS);
	sqlite3_progress_handler(h, 1000, past_deadline, deadline);
	if ((r = sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &st, NULL)) != SQLITE_OK) {
		say_db(h, src, r);
		goto out;
	}
	sqlite3_bind_text(st, 1, dst, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) != SQLITE_DONE) {
		say_db(h, src, r);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

/* The first column of each row of sql on h into l (stored names checked
 * when check_names).  Returns the final step code. */
static int
collect(sqlite3 *h, const char *sql, struct names *l, int check_names)
{
	sqlite3_stmt *st;
	int r = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (r != SQLITE_OK)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		if (check_names && (s == NULL || !stored_name_ok(s))) {
			say("refused stored file name %s", s ? s : "NULL");
			r = SQLITE_CORRUPT;
			break;
		}
		names_add(l, s ? s : "");
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SQLITE_OK : r;
}

int
stored_files(sqlite3 *h, struct names *files)
{
	struct names tables = {0};
	int r = collect(h, sql_tables_with_files, &tables, 0);
	for (size_t i = 0; i < tables.n && r == SQLITE_OK; i++) {
		size_t k = 0;
		while (k < ZJ_NELEM(file_tables) && strcmp(file_tables[k].table, tables.v[i]) != 0)
			k++;
		if (k == ZJ_NELEM(file_tables)) {
			say("table %s names stored files that backup.c does not know", tables.v[i]);
			r = SQLITE_ERROR;
		} else
			r = collect(h, file_tables[k].sql, files, 1);
	}
	names_free(&tables);
	return r;
}

/*
 * Make the copy at path one self-contained file (rollback journal), check
 * it with PRAGMA integrity_check within deadline, and list the evidence
 * files it names into files.  Returns 0, or -1 (said).
 */
static int
check_copy(const char *path, time_t *deadline, struct names *files)
{
	sqlite3 *h = NULL;
	struct names res = {0};
	int rc = -1, r;
	if ((r = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL)) != SQLITE_OK ||
	    (r = sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL)) != SQLITE_OK) {
		say_db(h, path, r);
		goto out;
	}
	sqlite3_progress_handler(h, 1000, past_deadline, deadline);
	if ((r = collect(h, "PRAGMA integrity_check", &res, 0)) != SQLITE_OK) {
		say_db(h, path, r);
		goto out;
	}
	if (res.n != 1 || strcmp(res.v[0], "ok") != 0) {
		say("%s: integrity_check: %s%s", path, res.n ? res.v[0] : "no answer",
		    res.n > 1 ? " (and more)" : "");
		goto out;
	}
	if ((r = stored_files(h, files)) != SQLITE_OK) {
		say_db(h, path, r);
		goto out;
	}
	rc = 0;
out:
	names_free(&res);
	if (sqlite3_close(h) != SQLITE_OK && rc == 0) {
		say("%s: close failed", path);
		rc = -1;
	}
	return rc;
}

/* Append "HEX  path\n" to sums. */
static void
sums_line(struct buf *sums, const char *hex, const char *dir, const char *name)
{
	buf_printf(sums, "%s  %s%s%s\n", hex, dir ? dir : "", dir ? "/" : "", name);
}

/* A name generation_name made (nothing else in DIR is ever removed). */
static int
is_generation(const struct dirent *e)
{
	const char *s = e->d_name, *t = s + strlen(GEN_PREFIX);
	return strncmp(s, GEN_PREFIX, strlen(GEN_PREFIX)) == 0 && strlen(t) == 20 &&
	    strspn(t, "0123456789") == 8 && t[8] == 'T' && strspn(t + 9, "0123456789") == 6 &&
	    t[15] == '.' && strspn(t + 16, "0123456789") == 3 && t[19] == 'Z';
}

static int
is_leftover(const struct dirent *e)
{
	return strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}

/* Remove every entry of dir that filter picks but the last keep (in name
 * order, which is time order).  Returns how many failed. */
static int
remove_entries(const char *dir, int (*filter)(const struct dirent *), int keep)
{
	struct dirent **list;
	char path[PATH_MAX];
	int bad = 0, n = scandir(dir, &list, filter, alphasort);
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (i < n - keep && (join(path, dir, list[i]->d_name) != 0 || rm_tree(path) != 0))
			bad++;
		free(list[i]);
	}
	free(list);
	return bad;
}

/* Copy each evidence file named in files from uploads into gen/uploads;
 * names already gone go to missing.  Returns 0 or -1 (said). */
static int
copy_evidence(const char *uploads, const char *gen, const struct names *files,
    struct buf *sums, struct names *missing)
{
	char src[PATH_MAX], dir[PATH_MAX], dst[PATH_MAX], hex[65];
	if (join(dir, gen, "uploads") != 0 || make_dir(dir, NULL) != 0)
		return -1;
	for (size_t i = 0; i < files->n; i++) {
		if (join(src, uploads, files->v[i]) != 0 || join(dst, dir, files->v[i]) != 0)
			return -1;
		int r = pass_file(src, dst, NULL, hex);
		if (r == -2) {
			say("warning: evidence file %s is named in the database but missing", src);
			names_add(missing, files->v[i]);
			continue;
		}
		if (r != 0)
			return -1;
		sums_line(sums, hex, "uploads", files->v[i]);
	}
	return sync_dir(dir);
}

/* The MISSING list into gen (listed in sums), when not empty. */
static int
write_missing(const char *gen, const struct names *missing, struct buf *sums)
{
	char path[PATH_MAX], hex[65];
	struct buf b = {0};
	int rc = 0;
	if (missing->n == 0)
		return 0;
	for (size_t i = 0; i < missing->n; i++)
		buf_printf(&b, "%s\n", missing->v[i]);
	if (join(path, gen, MISSING_NAME) != 0 || write_new_file(path, b.p, b.len, NULL) != 0 ||
	    pass_file(path, NULL, NULL, hex) != 0)
		rc = -1;
	else
		sums_line(sums, hex, NULL, MISSING_NAME);
	buf_free(&b);
	return rc;
}

/* "zhijia-YYYYMMDDTHHMMSS.mmmZ" into out (>= 64 bytes). */
static void
generation_name(char *out, size_t len)
{
	struct timespec t;
	struct tm tm;
	char when[24];
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, len, GEN_PREFIX "%s.%03dZ", when, (int)(t.tv_nsec / 1000000) % 1000);
}

struct opts {
	const char *dir;
	char db[PATH_MAX];
	char uploads[PATH_MAX];
	int keep;
	long timeout;
};

/*
 * Options shared by both commands (--db, --uploads; for backup also
 * --keep, --timeout) and the one folder argument into o.  The uploads
 * folder defaults like `zhijia serve`'s: ZHIJIA_UPLOADS, else uploads/
 * beside the database.  Returns 0, or -1 after the usage line.
 */
static int
parse_opts(int argc, char **argv, const char *default_db, int is_backup, struct opts *o)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"uploads", required_argument, NULL, 'u'},
		{"keep", required_argument, NULL, 'k'},
		{"timeout", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *db = default_db, *uploads = getenv("ZHIJIA_UPLOADS");
	char *end;
	int c, bad = 0;
	o->keep = KEEP_DEFAULT;
	o->timeout = TIMEOUT_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'u': uploads = optarg; break;
		case 'k':
			o->keep = (int)strtol(optarg, &end, 10);
			bad |= !is_backup || *end || o->keep < 1 || o->keep > KEEP_MAX;
			break;
		case 't':
			o->timeout = strtol(optarg, &end, 10);
			bad |= !is_backup || *end || o->timeout < 1;
			break;
		default: bad = 1;
		}
	}
	o->dir = optind == argc - 1 ? argv[optind] : NULL;
	snprintf(o->db, sizeof(o->db), "%s", db);
	if (uploads && *uploads)
		snprintf(o->uploads, sizeof(o->uploads), "%s", uploads);
	else {
		char dir[PATH_MAX];
		parent_of(o->db, dir);
		if (join(o->uploads, dir, "uploads") != 0)
			bad = 1;
	}
	if (bad || o->dir == NULL) {
		fprintf(stderr, is_backup ?
		    "usage: zhijia backup DIR [--db PATH] [--uploads DIR] [--keep N (%d)]"
		    " [--timeout SECONDS (%d)]\n" :
		    "usage: zhijia restore DIR [--db PATH] [--uploads DIR]\n",
		    KEEP_DEFAULT, TIMEOUT_DEFAULT);
		return -1;
	}
	return 0;
}

/* Build, verify and fill the generation folder gen.  Returns the number of
 * evidence files already missing, or -1 (said). */
static int
build_generation(const struct opts *o, const char *gen, time_t deadline)
{
	char db[PATH_MAX], path[PATH_MAX], hex[65];
	struct names files = {0}, missing = {0};
	struct buf sums = {0};
	int rc = -1;
	if (make_dir(gen, NULL) != 0 || join(db, gen, DB_NAME) != 0 ||
	    snapshot_db(o->db, db, &deadline) != 0 || check_copy(db, &deadline, &files) != 0 ||
	    pass_file(db, NULL, NULL, hex) != 0)
		goto out;
	sums_line(&sums, hex, NULL, DB_NAME);
	if (copy_evidence(o->uploads, gen, &files, &sums, &missing) != 0 ||
	    write_missing(gen, &missing, &sums) != 0 || join(path, gen, SUMS_NAME) != 0 ||
	    write_new_file(path, sums.p, sums.len, NULL) != 0 || sync_dir(gen) != 0)
		goto out;
	say("%zu evidence files copied, %zu missing", files.n - missing.n, missing.n);
	rc = (int)missing.n;
out:
	names_free(&files);
	names_free(&missing);
	buf_free(&sums);
	return rc;
}

int
backup_main(int argc, char **argv, const char *default_db)
{
	struct opts o;
	char name[64], tmpname[72], tmp[PATH_MAX], gen[PATH_MAX], lock[PATH_MAX];
	int rc = 1, lockfd = -1;
	if (parse_opts(argc, argv, default_db, 1, &o) != 0)
		return 2;
	umask(077);
	time_t deadline = mono_now() + o.timeout;
	if ((mkdir(o.dir, 0700) != 0 && errno != EEXIST) || join(lock, o.dir, ".lock") != 0) {
		say("mkdir %s: %s", o.dir, strerror(errno));
		return 1;
	}
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		say("%s: %s", lock, lockfd < 0 ? strerror(errno) : "another backup is running");
		goto out;
	}
	/* Under the lock, a leftover is a run that was killed: not ours. */
	remove_entries(o.dir, is_leftover, 0);
	generation_name(name, sizeof(name));
	snprintf(tmpname, sizeof(tmpname), TMP_PREFIX "%s", name);
	if (join(tmp, o.dir, tmpname) != 0 || join(gen, o.dir, name) != 0)
		goto out;
	int missing = build_generation(&o, tmp, deadline);
	if (missing < 0)
		goto fail;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, gen, RENAME_NOREPLACE) != 0) {
		say("rename %s: %s", gen, strerror(errno));
		goto fail;
	}
	if (sync_dir(o.dir) != 0)
		goto out;
	if (missing > 0) {
		say("backup written to %s, but %d evidence files were missing (listed in its %s);"
		    " older generations are kept", gen, missing, MISSING_NAME);
		goto out;
	}
	if (remove_entries(o.dir, is_generation, o.keep) != 0)
		say("warning: an old generation could not be removed");
	say("backup written to %s (the newest %d kept)", gen, o.keep);
	rc = 0;
	goto out;
fail:
	rm_tree(tmp);
	say("backup failed; earlier generations in %s are unchanged", o.dir);
out:
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}

/* ---- restore ---- */

/* A line of SHA256SUMS: the digest and the file's path in the generation. */
struct sum {
	char hex[65];
	char path[PATH_MAX];
};

/* Parse SHA256SUMS of gen into sums (n entries, malloc'd): only lines we
 * write are accepted.  Returns the count, or -1 (said). */
static int
read_sums(const char *gen, struct sum **out)
{
	char path[PATH_MAX], hex[65];
	struct stat sb;
	struct sum *v = NULL;
	int n = 0;
	if (join(path, gen, SUMS_NAME) != 0)
		return -1;
	FILE *f = fopen(path, "re");
	if (f == NULL || fstat(fileno(f), &sb) != 0 || sb.st_size > SUMS_MAX) {
		say("%s: %s", path, f ? "too large" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		const char *file = line + 66;
		int ok = len > 66 && strspn(line, "0123456789abcdef") == 64 &&
		    line[64] == ' ' && line[65] == ' ' &&
		    (strcmp(file, DB_NAME) == 0 || strcmp(file, MISSING_NAME) == 0 ||
		    (strncmp(file, "uploads/", 8) == 0 && stored_name_ok(file + 8)));
		if (!ok) {
			say("%s: line %d is not one of ours", path, n + 1);
			n = -1;
			break;
		}
		v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
		snprintf(hex, sizeof(hex), "%.64s", line);
		memcpy(v[n].hex, hex, sizeof(hex));
		snprintf(v[n].path, sizeof(v[n].path), "%s", file);
		n++;
	}
	free(line);
	fclose(f);
	if (n < 0)
		free(v);
	else
		*out = v;
	return n;
}

/* gen is dir itself when it holds SHA256SUMS, else its newest generation. */
static int
find_generation(const char *dir, char *gen)
{
	char path[PATH_MAX];
	struct dirent **list;
	if (join(path, dir, SUMS_NAME) != 0)
		return -1;
	if (access(path, F_OK) == 0) {
		snprintf(gen, PATH_MAX, "%s", dir);
		return 0;
	}
	int n = scandir(dir, &list, is_generation, alphasort);
	if (n < 0) {
		say("%s: %s", dir, strerror(errno));
		return -1;
	}
	int rc = n > 0 ? join(gen, dir, list[n - 1]->d_name) : -1;
	if (n == 0)
		say("%s: no generation (%s…) in it", dir, GEN_PREFIX);
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

/*
 * 0 when the data folder holds no database and no evidence: no database
 * file (nor its -wal, -shm, -journal) and an uploads folder that is
 * missing or empty (but for the empty tmp/ serve makes; it is removed).
 * The database's folder is created when missing.  owner: that folder's
 * owner when run as root, so that the service's user owns what is
 * restored.  Returns 0, or -1 (said).
 */
static int
target_empty(const struct opts *o, struct owner *owner)
{
	static const char *const side[] = {"", "-wal", "-shm", "-journal"};
	char path[PATH_MAX], dir[PATH_MAX];
	struct stat sb;
	parent_of(o->db, dir);
	if (stat(dir, &sb) != 0 && (errno != ENOENT || make_dir(dir, NULL) != 0 ||
	    stat(dir, &sb) != 0)) {
		say("%s: %s", dir, strerror(errno));
		return -1;
	}
	owner->uid = geteuid() == 0 ? sb.st_uid : (uid_t)-1;
	owner->gid = sb.st_gid;
	for (size_t i = 0; i < ZJ_NELEM(side); i++) {
		if (suffixed(path, o->db, side[i]) != 0)
			return -1;
		if (lstat(path, &sb) == 0 || errno != ENOENT) {
			say("%s exists: restore only onto a data folder without a database", path);
			return -1;
		}
	}
	DIR *d = opendir(o->uploads);
	if (d == NULL && errno == ENOENT)
		return 0;
	if (d == NULL) {
		say("%s: %s", o->uploads, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int bad = 0;
	while ((e = readdir(d)) != NULL)
		bad |= strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "tmp") != 0;
	closedir(d);
	if (join(path, o->uploads, "tmp") != 0)
		return -1;
	if (bad || (rmdir(path) != 0 && errno != ENOENT) || rmdir(o->uploads) != 0) {
		say("%s is not empty: restore only onto a data folder without evidence files",
		    o->uploads);
		return -1;
	}
	return 0;
}

/* Copy gen's file s->path to dst (owned by owner; NULL: only read it),
 * checking its digest.  Returns 0 or -1 (said). */
static int
restore_file(const char *gen, const struct sum *s, const char *dst, const struct owner *owner)
{
	char src[PATH_MAX], hex[65];
	if (join(src, gen, s->path) != 0)
		return -1;
	int r = pass_file(src, dst, owner, hex);
	if (r == -2)
		say("%s: missing from the generation", src);
	if (r != 0)
		return -1;
	if (strcmp(hex, s->hex) != 0) {
		say("%s: SHA-256 differs from %s: the generation is damaged", src, SUMS_NAME);
		return -1;
	}
	return 0;
}

/* The staged database and evidence files; see restore_main. */
static int
restore_stage(const char *gen, const struct sum *sums, int n,
    const char *dbtmp, const char *uptmp, const struct owner *owner)
{
	struct names files = {0}, have = {0}, missing = {0};
	char dst[PATH_MAX];
	time_t deadline = mono_now() + TIMEOUT_DEFAULT;
	int rc = -1, seen_db = 0;
	if (make_dir(uptmp, owner) != 0)
		goto out;
	for (int i = 0; i < n; i++) {
		const char *p = sums[i].path;
		if (strcmp(p, DB_NAME) == 0) {
			seen_db = 1;
			if (restore_file(gen, &sums[i], dbtmp, owner) != 0)
				goto out;
		} else if (strncmp(p, "uploads/", 8) == 0) {
			if (join(dst, uptmp, p + 8) != 0 ||
			    restore_file(gen, &sums[i], dst, owner) != 0)
				goto out;
			names_add(&have, p + 8);
		} else if (restore_file(gen, &sums[i], NULL, NULL) != 0)
			goto out;
	}
	if (!seen_db) {
		say("%s: no %s in its %s", gen, DB_NAME, SUMS_NAME);
		goto out;
	}
	if (check_copy(dbtmp, &deadline, &files) != 0)
		goto out;
	for (size_t i = 0; i < files.n; i++)
		if (!names_has(&have, files.v[i]))
			names_add(&missing, files.v[i]);
	if (missing.n > 0)
		say("warning: %zu evidence files named in the database are not in the backup"
		    " (they were missing when it was taken, see %s/%s)", missing.n, gen,
		    MISSING_NAME);
	rc = sync_dir(uptmp);
out:
	names_free(&files);
	names_free(&have);
	names_free(&missing);
	return rc;
}

int
restore_main(int argc, char **argv, const char *default_db)
{
	struct opts o;
	struct owner owner;
	struct sum *sums = NULL;
	char gen[PATH_MAX], dbtmp[PATH_MAX], uptmp[PATH_MAX], dir[PATH_MAX];
	int rc = 1;
	if (parse_opts(argc, argv, default_db, 0, &o) != 0)
		return 2;
	umask(077);
	int n = find_generation(o.dir, gen) != 0 ? -1 : read_sums(gen, &sums);
	if (n < 0 || target_empty(&o, &owner) != 0)
		goto out;
	if (suffixed(dbtmp, o.db, ".restoring") != 0 ||
	    suffixed(uptmp, o.uploads, ".restoring") != 0)
		goto out;
	if (rm_tree(uptmp) != 0 || (unlink(dbtmp) != 0 && errno != ENOENT)) {
		say("cannot clear an earlier attempt (%s)", strerror(errno));
		goto out;
	}
	if (restore_stage(gen, sums, n, dbtmp, uptmp, &owner) != 0)
		goto fail;
	/* The evidence first, the database last: a database in place means the
	 * restore is complete. */
	if (rename(uptmp, o.uploads) != 0 || rename(dbtmp, o.db) != 0) {
		say("rename: %s", strerror(errno));
		goto fail;
	}
	parent_of(o.db, dir);
	if (sync_dir(dir) != 0)
		goto out;
	parent_of(o.uploads, dir);
	if (sync_dir(dir) != 0)
		goto out;
	say("restored %s into %s and %s", gen, o.db, o.uploads);
	rc = 0;
	goto out;
fail:
	rm_tree(uptmp);
	unlink(dbtmp);
	say("restore failed; nothing was put in place");
out:
	free(sums);
	return rc;
}
