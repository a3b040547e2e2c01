/*
 * main.c - `zhijia`: the FastCGI server, its admin commands, and plain CGI
 * when a web server starts it as such.
 */
#include <dirent.h>
#include <errno.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "backup.h"
#include "db.h"
#include "districts.h"
#include "divisions.h"
#include "feedback.h"
#include "imports.h"
#include "http.h"
#include "outbox.h"
#include "purge.h"
#include "server.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "writer.h"
#include "vocab.h"

/* An installed binary's state, as deploy/zhijia.service has it. */
#define INSTALLED_DB "/var/lib/zhijia/zhijia.db"
#define INSTALLED_SOCKET "/run/zhijia/zhijia.sock"

struct paths {
	char datadir[PATH_MAX];  /* templates/, static/, db/migrations below */
	int source_tree;         /* run from <source>/build/: state in the tree */
	char db[PATH_MAX];
	char templates[PATH_MAX];
	char migrations[PATH_MAX];
	char calendar[PATH_MAX];  /* the shipped calendars */
	char uploads[PATH_MAX];
	char socket[PATH_MAX];
	char divisions[PATH_MAX];  /* the national division list (divisions.h) */
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: zhijia serve [--socket PATH] [--workers N] [--db PATH] [--datadir DIR]\n"
	    "                    [--templates DIR] [--uploads DIR] [--socket-mode MODE]\n"
	    "                    [--evidence-quota MB] [--evidence-daily MB] [--free-floor MB]\n"
	    "                    [--first-password-file PATH]   (a new database's admin password)\n"
	    "       zhijia backup DIR [--db PATH] [--uploads DIR] [--keep N] [--timeout SECONDS]\n"
	    "       zhijia restore DIR [--db PATH] [--uploads DIR]   (onto an empty data folder)\n"
	    "       zhijia adduser NAME --role admin|reviewer|legal [--district CODE] [--db PATH]\n"
	    "       zhijia passwd NAME [--db PATH]   (a new password; unlocks the account)\n"
	    "       zhijia lock NAME [--db PATH]     (disable the account, end its sessions)\n"
	    "       zhijia routes                    (every route: METHOD PATTERN ACCESS)\n"
	    "       zhijia migrate [--db PATH]\n"
	    "       zhijia purge [--db PATH] [--uploads DIR]   (delete what /privacy says is due)\n"
	    "       zhijia followup [--db PATH]   (回访 links for attended activities that ended)\n"
	    "       zhijia outbox [list [--state S]] [--db PATH]   (messages to people; README)\n"
	    "       zhijia outbox export FILE [--batch B] | sent BATCH | requeue BATCH|ID\n"
	    "       zhijia outbox send   (each waiting message to $ZHIJIA_SMS_COMMAND)\n"
	    "       zhijia outbox optout|optin PHONE [--note TEXT] | replies FILE\n"
	    "       zhijia remind [--date YYYY-MM-DD] [--db PATH]   (tomorrow's activities)\n"
	    "       zhijia districts [list] [--db PATH]      (the union's districts)\n"
	    "       zhijia districts add CITY|PROVINCE|CODE... [--db PATH]   (from the national list)\n"
	    "       zhijia districts import FILE.csv|- [--db PATH]   (lines \"code,name\")\n"
	    "       zhijia districts retire|activate|delete CODE... [--db PATH]\n"
	    "Started by a web server as CGI, it answers one request.\n");
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static int
is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Where the data are, found at run time so that one build serves from the
 * source tree and installed: ZHIJIA_DATADIR when set; else, from the
 * executable's own path, <top> when it is <top>/build/zhijia beside
 * <top>/templates (a source tree: database and socket stay in the tree),
 * or <prefix>/share/zhijia when it is <prefix>/bin/zhijia (installed:
 * database and socket where deploy/zhijia.service puts them).
 */
static void
find_datadir(struct paths *p)
{
	char top[PATH_MAX], probe[PATH_MAX + 16];
	const char *dir = "";
	ssize_t n = readlink("/proc/self/exe", top, sizeof(top) - 1);
	top[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(top, '/');  /* <top>/build/zhijia, <prefix>/bin/zhijia */
	if (slash != NULL) {
		*slash = '\0';
		slash = strrchr(top, '/');
	}
	if (slash != NULL) {
		*slash = '\0';
		dir = slash + 1;
	} else
		snprintf(top, sizeof(top), "/usr/local");
	snprintf(probe, sizeof(probe), "%s/templates", top);
	p->source_tree = strcmp(dir, "build") == 0 && is_dir(probe);
	const char *env = getenv("ZHIJIA_DATADIR");
	if (env && *env)
		snprintf(p->datadir, sizeof(p->datadir), "%s", env);
	else
		snprintf(p->datadir, sizeof(p->datadir), "%.*s%s", PATH_MAX - 16, top,
		    p->source_tree ? "" : "/share/zhijia");
}

/* Paths from the data folder and the environment; the command line may
 * change them after. */
static void
default_paths(struct paths *p)
{
	char dflt[PATH_MAX + 32];
	find_datadir(p);
	const char *d = p->datadir;
	if (p->source_tree)
		snprintf(dflt, sizeof(dflt), "%s/db/zhijia.db", d);
	else
		snprintf(dflt, sizeof(dflt), "%s", INSTALLED_DB);
	snprintf(p->db, sizeof(p->db), "%s", env_or("ZHIJIA_DB", dflt));
	snprintf(dflt, sizeof(dflt), "%s/templates", d);
	snprintf(p->templates, sizeof(p->templates), "%s", env_or("ZHIJIA_TEMPLATES", dflt));
	snprintf(dflt, sizeof(dflt), "%s/db/migrations", d);
	snprintf(p->migrations, sizeof(p->migrations), "%s",
	    env_or("ZHIJIA_MIGRATIONS", dflt));
	snprintf(dflt, sizeof(dflt), "%s/db/calendar", d);
	snprintf(p->calendar, sizeof(p->calendar), "%s", env_or("ZHIJIA_CALENDAR", dflt));
	snprintf(p->divisions, sizeof(p->divisions), "%.*s/db/divisions.tsv",
	    PATH_MAX - 32, d);
	divisions_file(p->divisions);
	if (p->source_tree)
		snprintf(p->socket, sizeof(p->socket), "%.*s/build/zhijia.sock",
		    PATH_MAX - 32, d);
	else
		snprintf(p->socket, sizeof(p->socket), "%s", INSTALLED_SOCKET);
	p->uploads[0] = '\0';
}

/* Uploads live beside the database unless told otherwise: never below
 * static/, so nginx cannot serve them. */
static int
prepare_uploads(struct paths *p)
{
	if (p->uploads[0] == '\0') {
		const char *env = getenv("ZHIJIA_UPLOADS");
		if (env && *env)
			snprintf(p->uploads, sizeof(p->uploads), "%s", env);
		else {
			const char *slash = strrchr(p->db, '/');
			int dirlen = slash ? (int)(slash - p->db) : 1;
			snprintf(p->uploads, sizeof(p->uploads), "%.*s/uploads", dirlen,
			    slash ? p->db : ".");
		}
	}
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s/tmp", p->uploads);
	if ((mkdir(p->uploads, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(tmp, 0700) != 0 && errno != EEXIST)) {
		fprintf(stderr, "zhijia: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open and migrate the database, set it up, compile the templates. */
static int
start_app(struct app *app, struct paths *p, int keep_db)
{
	char err[1024];
	struct db *db = db_open(p->db, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "zhijia: %s\n", err);
		return -1;
	}
	int samples = atoi(env_or("ZHIJIA_SAMPLES", "0")) != 0;
	int n = db_migrate(db, p->migrations, err, sizeof(err));
	if (n < 0 || app_setup(app, db, samples, err, sizeof(err)) != 0) {
		fprintf(stderr, "zhijia: %s\n", err);
		db_close(db);
		return -1;
	}
	app->tmpl = tmpl_load_dir(p->templates, err, sizeof(err));
	if (app->tmpl == NULL) {
		fprintf(stderr, "zhijia: %s\n", err);
		db_close(db);
		return -1;
	}
	if (keep_db)
		app->db = db;
	else
		db_close(db);
	return 0;
}

/* A size in MB from the environment variable name (dflt when unset or
 * not a whole number >= 0), in bytes. */
static long long
env_mb(const char *name, long long dflt)
{
	const char *v = getenv(name);
	char *end;
	long long mb = dflt;
	if (v && *v) {
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0' && n >= 0 && n <= (1LL << 30))
			mb = n;
		else
			fprintf(stderr, "zhijia: %s=%s is not a size in MB; using %lld\n",
			    name, v, dflt);
	}
	return mb * 1024 * 1024;
}

/* The core's state with the application's hooks and site state; tmp
 * (<uploads>/tmp) holds the core's upload temp files. */
static void
init_app(struct app *app, struct site *site, const struct paths *p,
    char *tmp, size_t tmplen)
{
	memset(app, 0, sizeof(*app));
	site->uploads = p->uploads;
	site->calendar = p->calendar;
	site->evidence_quota = env_mb("ZHIJIA_EVIDENCE_QUOTA_MB", EVIDENCE_QUOTA_MB);
	site->address_daily = env_mb("ZHIJIA_EVIDENCE_DAILY_MB", ADDRESS_DAILY_MB);
	site->free_floor = env_mb("ZHIJIA_UPLOADS_FLOOR_MB", FREE_FLOOR_MB);
	snprintf(tmp, tmplen, "%s/tmp", p->uploads);
	app->hooks = &app_hooks;
	app->tmpdir = tmp;
	app->data = site;
	app->secure_cookies = atoi(env_or("ZHIJIA_SECURE_COOKIES", "0")) != 0;
}

static int
cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"workers", required_argument, NULL, 'w'},
		{"db", required_argument, NULL, 'd'},
		{"templates", required_argument, NULL, 't'},
		{"uploads", required_argument, NULL, 'u'},
		{"socket-mode", required_argument, NULL, 'm'},
		{"datadir", required_argument, NULL, 'D'},
		{"evidence-quota", required_argument, NULL, 'Q'},
		{"evidence-daily", required_argument, NULL, 'A'},
		{"free-floor", required_argument, NULL, 'F'},
		{"first-password-file", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	struct paths p;
	struct app app;
	struct site site;
	char tmp[PATH_MAX + 8];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct serve_opts o = {
		/* A batch of the writer holds at most as many jobs as workers
		 * wait on it, and a waiting worker uses no CPU: group commit
		 * wants more workers than cores (README, Performance). */
		.workers = (int)(cores > 1 ? cores * 8 : 8),
		.socket_mode = 0660,
	};
	/* --datadir moves the defaults of templates, migrations: read first. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--datadir") == 0 && i + 1 < argc)
			setenv("ZHIJIA_DATADIR", argv[i + 1], 1);
		else if (strncmp(argv[i], "--datadir=", 10) == 0)
			setenv("ZHIJIA_DATADIR", argv[i] + 10, 1);
	default_paths(&p);
	o.socket = p.socket;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.socket = optarg; break;
		case 'w': o.workers = atoi(optarg); break;
		case 'd': snprintf(p.db, sizeof(p.db), "%s", optarg); break;
		case 't': snprintf(p.templates, sizeof(p.templates), "%s", optarg); break;
		case 'u': snprintf(p.uploads, sizeof(p.uploads), "%s", optarg); break;
		case 'm': o.socket_mode = (mode_t)strtol(optarg, NULL, 8); break;
		case 'D': break;  /* read above */
		/* The limits reach init_app the way the environment gives them. */
		case 'Q': setenv("ZHIJIA_EVIDENCE_QUOTA_MB", optarg, 1); break;
		case 'A': setenv("ZHIJIA_EVIDENCE_DAILY_MB", optarg, 1); break;
		case 'F': setenv("ZHIJIA_UPLOADS_FLOOR_MB", optarg, 1); break;
		case 'P': setenv("ZHIJIA_FIRST_PASSWORD_FILE", optarg, 1); break;
		default: usage(); return 2;
		}
	}
	if (o.workers < 1 || o.workers > 256) {
		fprintf(stderr, "zhijia: --workers must be 1..256\n");
		return 2;
	}
	if (prepare_uploads(&p) != 0)
		return 1;
	/* Upload temp files left by a worker that died mid-request belong
	 * to no request any more. */
	purge_upload_tmp(p.uploads, 0);
	init_app(&app, &site, &p, tmp, sizeof(tmp));
	if (start_app(&app, &p, 0) != 0)
		return 1;
	/* Before the workers fork: no login pays for it. */
	if (auth_dummy_init() != 0) {
		fprintf(stderr, "zhijia: scrypt failed\n");
		return 1;
	}
	o.db = p.db;
	o.templates = p.templates;
	int rc = serve_main(&o, &app);
	tmpl_free(app.tmpl);
	return rc;
}

static int
db_only(int argc, char **argv, struct paths *p, int nargs)
{
	default_paths(p);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			snprintf(p->db, sizeof(p->db), "%s", argv[i + 1]);
	int positional = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			i++;
			continue;
		}
		positional++;
	}
	return positional == nargs ? 0 : -1;
}

static const char *
opt_value(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static const char *
first_positional(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			i++;
			continue;
		}
		return argv[i];
	}
	return NULL;
}

static struct db *
open_migrated(struct paths *p)
{
	char err[1024];
	struct db *db = db_open(p->db, err, sizeof(err));
	if (db == NULL || db_migrate(db, p->migrations, err, sizeof(err)) < 0) {
		fprintf(stderr, "zhijia: %s\n", err);
		db_close(db);
		return NULL;
	}
	return db;
}

/* The migrated database of a command taking nargs positional arguments
 * (and --db); NULL after the usage (*rc 2) or the database's error (*rc
 * 1). */
static struct db *
cli_db(int argc, char **argv, struct paths *p, int nargs, int *rc)
{
	if (db_only(argc, argv, p, nargs) != 0) {
		usage();
		*rc = 2;
		return NULL;
	}
	struct db *db = open_migrated(p);
	*rc = db ? 0 : 1;
	return db;
}

static int
cmd_migrate(int argc, char **argv)
{
	struct paths p;
	int rc;
	db_close(cli_db(argc, argv, &p, 0, &rc));
	return rc;
}

/* Read a password from the terminal (echo off) or one line of stdin. */
static int
read_password(const char *prompt, char *out, size_t len)
{
	if (isatty(STDIN_FILENO)) {
		char *pw = getpass(prompt);
		if (pw == NULL)
			return -1;
		snprintf(out, len, "%s", pw);
		explicit_bzero(pw, strlen(pw));
		return 0;
	}
	if (fgets(out, (int)len, stdin) == NULL)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* ---- staff accounts from the command line ---- */

/*
 * Who an admin command acts as — "cli:" and the login running it (by,
 * len bytes, holds the name), from address "cli" — with its jobs sent to
 * the writer of a server running on dbpath when its socket answers, else
 * run here under the writers' flock (writer.h).
 */
static struct actor
cli_actor(char *by, size_t len, const char *dbpath)
{
	char sock[108];
	const char *login = getenv("SUDO_USER");
	if (login == NULL || *login == '\0')
		login = getenv("USER");
	snprintf(by, len, "cli:%s", login ? login : "?");
	if (writer_socket_path(dbpath, sock, sizeof(sock)) == 0)
		job_endpoint(sock, 1);
	return (struct actor){0, by, "cli"};
}

/*
 * Run job in (wiped after) by "cli:" and the login running the command,
 * from address "cli": at the running server's writer when its socket
 * answers, else here under the writers' flock (writer.h).  Returns
 * job_run's code.
 */
static int
cli_job(struct db *db, const char *dbpath, struct job *in)
{
	char by[64];
	const struct actor who = cli_actor(by, sizeof(by), dbpath);
	struct job out;
	job_put_actor(in, &who);
	int rc = job_run(db, in, &out);
	explicit_bzero(in, sizeof(*in));
	return rc;
}

static const char sql_cli_find[] =
    "SELECT id, username FROM staff WHERE username = ?1";
/* The id and exact name of account name, or 0 (said on stderr). */
static long long
cli_find(struct db *db, const char *name, char *exact, size_t len)
{
	sqlite3_stmt *st = db_prep(db, sql_cli_find);
	long long id = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(exact, len, "%s", db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (id == 0)
		fprintf(stderr, "zhijia: no staff account %s\n", name);
	return id;
}


/*
 * Make change op on account id (named exact; hash for a new password) as
 * the staff desk does — the row, the end of its sessions, the audit entry
 * in one transaction — by "cli:" and the login running the command, from
 * address "cli".  The job goes to the running server's writer when its
 * socket answers, else runs here under the writers' flock (writer.h).
 * Returns 0 or -1 (said on stderr).
 */
static int
cli_change(struct db *db, const char *dbpath, enum account_op op, long long id,
    const char *exact, const char *hash)
{
	struct job in;
	job_init(&in, "account.change");
	job_put_int(&in, "op", op);
	job_put_int(&in, "id", id);
	job_put_text(&in, "username", exact);
	job_put_text(&in, "hash", hash);
	job_put_text(&in, "detail", "命令行");
	int rc = cli_job(db, dbpath, &in);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "zhijia: %s\n", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static int
cmd_adduser(int argc, char **argv)
{
	struct paths p;
	char err[512], pw[256], hash[SCRYPT_MCF_LEN] = "";
	const char *role = opt_value(argc, argv, "--role");
	if (db_only(argc, argv, &p, 1) != 0 || role == NULL) {
		usage();
		return 2;
	}
	const char *name = first_positional(argc, argv);
	struct db *db = open_migrated(&p);
	if (db == NULL)
		return 1;
	int rc = 1;
	if (read_password("密码 / password: ", pw, sizeof(pw)) != 0)
		fprintf(stderr, "zhijia: no password given\n");
	else if (auth_account_check(name, role, pw, err, sizeof(err)) != 0)
		fprintf(stderr, "zhijia: %s\n", err);
	else if (auth_hash_password(pw, hash) != 0)
		fprintf(stderr, "zhijia: scrypt failed\n");
	else {
		struct job in;
		const char *district = opt_value(argc, argv, "--district");
		job_init(&in, "account.add");
		job_put_text(&in, "username", name);
		job_put_text(&in, "role", role);
		job_put_text(&in, "district", district);
		job_put_text(&in, "hash", hash);
		job_put_int(&in, "must_change", 0);
		int jrc = cli_job(db, p.db, &in);
		if (jrc == SQLITE_DONE) {
			fprintf(stderr, "zhijia: account %s created\n", name);
			rc = 0;
		} else if (jrc == SQLITE_NOTFOUND)
			fprintf(stderr, "zhijia: 没有代码为 %s 的区县\n", district ? district : "");
		else if ((jrc & 0xff) == SQLITE_CONSTRAINT)
			fprintf(stderr, "zhijia: 用户名 %s 已存在\n", name);
		else
			fprintf(stderr, "zhijia: 无法保存账号 %s: %s\n", name, sqlite3_errstr(jrc));
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(hash, sizeof(hash));
	db_close(db);
	return rc;
}

static int
cmd_passwd(int argc, char **argv)
{
	struct paths p;
	char pw[256] = "", exact[64], hash[SCRYPT_MCF_LEN] = "";
	const char *why;
	int rc;
	struct db *db = cli_db(argc, argv, &p, 1, &rc);
	if (db == NULL)
		return rc;
	rc = 1;
	long long id = cli_find(db, first_positional(argc, argv), exact, sizeof(exact));
	if (id == 0) {
		db_close(db);
		return 1;
	}
	if (read_password("新密码 / new password: ", pw, sizeof(pw)) != 0)
		fprintf(stderr, "zhijia: no password given\n");
	else if ((why = auth_password_problem(exact, pw)) != NULL)
		fprintf(stderr, "zhijia: %s\n", why);
	else if (auth_hash_password(pw, hash) != 0)
		fprintf(stderr, "zhijia: scrypt failed\n");
	else if (cli_change(db, p.db, ACCOUNT_PASSWD, id, exact, hash) == 0) {
		fprintf(stderr, "zhijia: password of %s set; its sessions ended\n", exact);
		rc = 0;
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(hash, sizeof(hash));
	db_close(db);
	return rc;
}

static int
cmd_lock(int argc, char **argv)
{
	struct paths p;
	char exact[64];
	int rc;
	struct db *db = cli_db(argc, argv, &p, 1, &rc);
	if (db == NULL)
		return rc;
	rc = 1;
	long long id = cli_find(db, first_positional(argc, argv), exact, sizeof(exact));
	if (id && cli_change(db, p.db, ACCOUNT_DISABLE, id, exact, NULL) == 0) {
		fprintf(stderr, "zhijia: account %s disabled; its sessions ended\n", exact);
		rc = 0;
	}
	db_close(db);
	return rc;
}

/* `zhijia purge`: purge.h says what it deletes. */
static int
cmd_purge(int argc, char **argv)
{
	struct paths p;
	char by[64];
	if (db_only(argc, argv, &p, 0) != 0) {
		usage();
		return 2;
	}
	const char *up = opt_value(argc, argv, "--uploads");
	if (up != NULL)
		snprintf(p.uploads, sizeof(p.uploads), "%s", up);
	if (prepare_uploads(&p) != 0)
		return 1;
	struct db *db = open_migrated(&p);
	if (db == NULL)
		return 1;
	const struct actor who = cli_actor(by, sizeof(by), p.db);
	int rc = purge_main(db, p.uploads, &who);
	db_close(db);
	return rc;
}

/* `zhijia followup`: feedback.h's sweep of ended activities. */
static int
cmd_followup(int argc, char **argv)
{
	struct paths p;
	char by[64];
	int rc;
	struct db *db = cli_db(argc, argv, &p, 0, &rc);
	if (db == NULL)
		return rc;
	const struct actor who = cli_actor(by, sizeof(by), p.db);
	rc = feedback_sweep_main(db, &who);
	db_close(db);
	return rc;
}

/* `zhijia outbox …` and `zhijia remind`: outbox.h. */
static int
cmd_outbox(int argc, char **argv, int remind)
{
	struct paths p;
	char by[64];
	default_paths(&p);
	const char *dbopt = opt_value(argc, argv, "--db");
	if (dbopt != NULL)
		snprintf(p.db, sizeof(p.db), "%s", dbopt);
	struct db *db = open_migrated(&p);
	if (db == NULL)
		return 1;
	const struct actor who = cli_actor(by, sizeof(by), p.db);
	int rc = remind ? remind_main(db, &who, argc, argv) :
	    outbox_main(db, &who, p.db, argc, argv);
	if (rc == 2)
		usage();
	db_close(db);
	return rc;
}

/* ---- the union's districts from the command line ---- */

static const char sql_cli_districts[] =
    "SELECT code, name, province, city, sample, active, " DISTRICT_USED("d.id")
    " FROM districts d ORDER BY active DESC, sample, code";

static int
districts_list(struct db *db)
{
	sqlite3_stmt *st = db_prep(db, sql_cli_districts);
	if (st == NULL)
		return 1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		printf("%s\t%s\t%s\t%s\t%s%s\n", db_col_text(st, 0), db_col_text(st, 1),
		    db_col_text(st, 2), db_col_text(st, 3),
		    sqlite3_column_int(st, 5) ? "使用中" : "已停用",
		    sqlite3_column_int(st, 4) ? " 示例" :
		    sqlite3_column_int(st, 6) ? " 有记录" : "");
	sqlite3_reset(st);
	return rc == SQLITE_DONE && fflush(stdout) == 0 ? 0 : 1;
}

/* Read all of path ("-": standard input) into a malloc'd text, at most
 * IMPORT_MAX_BYTES; NULL (said on stderr) when it cannot. */
static char *
read_all(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "zhijia: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct buf b = {0};
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= IMPORT_MAX_BYTES)
		buf_put(&b, chunk, got);
	buf_put(&b, "", 0);
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad || b.len > IMPORT_MAX_BYTES || !utf8_text_ok(b.p, b.len)) {
		fprintf(stderr, "zhijia: %s: %s\n", path, bad ? "cannot read it" :
		    b.len > IMPORT_MAX_BYTES ? "larger than 2 MB" : "not UTF-8 text");
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* district.add of lines, by the command's actor; what it did on stderr. */
static int
districts_add_lines(struct db *db, const char *dbpath, const char *lines)
{
	char by[64];
	const struct actor who = cli_actor(by, sizeof(by), dbpath);
	struct job in, out;
	job_init(&in, "district.add");
	job_init(&out, "district.add");
	job_put_actor(&in, &who);
	int rc = import_put_text(db, &who, &in, lines);
	if (rc == SQLITE_DONE)
		rc = job_run(db, &in, &out);
	if (rc == SQLITE_CONSTRAINT && job_text(&out, "error")) {
		fprintf(stderr, "zhijia: %s\n", job_text(&out, "error"));
		return 1;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "zhijia: cannot add the districts: %s\n", sqlite3_errstr(rc));
		return 1;
	}
	fprintf(stderr, "zhijia: 已添加 %lld 个区县,恢复 %lld 个,%lld 个原来就有;"
	    "示例区县删除 %lld 个、停用 %lld 个\n", job_int(&out, "added", 0),
	    job_int(&out, "reactivated", 0), job_int(&out, "already", 0),
	    job_int(&out, "samples_deleted", 0), job_int(&out, "samples_retired", 0));
	return 0;
}

static int
cmd_districts(int argc, char **argv)
{
	struct paths p;
	const char *pos[64];
	int npos = 0;
	default_paths(&p);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			snprintf(p.db, sizeof(p.db), "%s", argv[++i]);
		else if (strncmp(argv[i], "--", 2) == 0 || npos == (int)ZJ_NELEM(pos)) {
			usage();
			return 2;
		} else
			pos[npos++] = argv[i];
	}
	const char *verb = npos ? pos[0] : "list";
	int is_list = strcmp(verb, "list") == 0, is_import = strcmp(verb, "import") == 0;
	int is_add = strcmp(verb, "add") == 0;
	int is_state = !strcmp(verb, "retire") || !strcmp(verb, "activate") || !strcmp(verb, "delete");
	if (!(is_list || is_import || is_add || is_state) || (is_list && npos > 1) ||
	    (is_import && npos != 2) || ((is_add || is_state) && npos < 2)) {
		usage();
		return 2;
	}
	struct db *db = open_migrated(&p);
	if (db == NULL)
		return 1;
	int rc = 1;
	struct arena *a = arena_new();
	struct buf lines = {0};
	buf_put(&lines, "", 0);
	if (is_list)
		rc = districts_list(db);
	else if (is_add) {
		size_t n;
		rc = 0;
		if (divisions(&n) == NULL) {
			fprintf(stderr, "zhijia: no division list at %s\n", p.divisions);
			rc = 1;
		}
		for (int i = 1; rc == 0 && i < npos; i++)
			if (district_pick(pos[i], &lines) == 0) {
				fprintf(stderr, "zhijia: “%s”不是全国行政区划中的城市、省份或区县代码"
				    "(同名的写成“省/市”;自定义区县请用 import)\n", pos[i]);
				rc = 1;
			}
		if (rc == 0)
			rc = districts_add_lines(db, p.db, lines.p);
	} else if (is_import) {
		char *csv = read_all(pos[1]);
		struct import_errors e = {0};
		if (csv) {
			const char *text = strncmp(csv, "\xef\xbb\xbf", 3) == 0 ? csv + 3 : csv;
			district_csv(a, text, &lines, &e);
			if (e.n)
				fprintf(stderr, "zhijia: %s: nothing imported:\n%s", pos[1],
				    import_errors_text(a, &e));
			else
				rc = districts_add_lines(db, p.db, lines.p);
			free(csv);
		}
	} else {
		rc = 0;
		for (int i = 1; i < npos; i++) {
			struct job in;
			job_init(&in, "district.state");
			job_put_text(&in, "code", pos[i]);
			job_put_text(&in, "op", verb);
			char by[64];
			const struct actor who = cli_actor(by, sizeof(by), p.db);
			struct job out;
			job_put_actor(&in, &who);
			int jrc = job_run(db, &in, &out);
			if (jrc == SQLITE_NOTFOUND)
				fprintf(stderr, "zhijia: 没有代码为 %s 的区县\n", pos[i]);
			else if (job_text(&out, "error"))
				fprintf(stderr, "zhijia: %s\n", job_text(&out, "error"));
			else if (jrc != SQLITE_DONE)
				fprintf(stderr, "zhijia: %s: %s\n", pos[i], sqlite3_errstr(jrc));
			else
				fprintf(stderr, "zhijia: %s %s: %s\n", pos[i], job_text(&out, "name"),
				    verb[0] == 'r' ? "已停用" : verb[0] == 'a' ? "已恢复使用" : "已删除");
			if (jrc != SQLITE_DONE || job_text(&out, "error"))
				rc = 1;
		}
	}
	buf_free(&lines);
	arena_free(a);
	db_close(db);
	return rc;
}

/* Every route, one a line: METHOD PATTERN ACCESS (public, or the roles
 * that may use it, comma-separated). */
static int
cmd_routes(void)
{
	const struct route *const *tables = app_hooks.routes;
	for (size_t t = 0; tables[t]; t++)
		for (const struct route *rt = tables[t]; rt->handler; rt++) {
			char access[64] = "";
			size_t len = 0;
			for (size_t i = 0; i < nroles; i++)
				if (rt->access & roles[i].bit)
					len += (size_t)snprintf(access + len, sizeof(access) - len,
					    "%s%s", len ? "," : "", roles[i].name);
			printf("%s %s %s\n", rt->method, rt->pattern,
			    rt->access == ACCESS_PUBLIC ? "public" : access);
		}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- plain CGI: one request from the environment and stdin ---- */

static const char *
cgi_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static ssize_t
cgi_read(void *ctx, char *p, size_t len)
{
	(void)ctx;
	return read(STDIN_FILENO, p, len);
}

static int
cgi_write(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	return fwrite(p, 1, len, stdout) == len ? 0 : -1;
}

static int
cgi_main(void)
{
	struct paths p;
	struct app app;
	struct site site;
	char tmp[PATH_MAX + 8];
	default_paths(&p);
	if (prepare_uploads(&p) != 0)
		return 1;
	init_app(&app, &site, &p, tmp, sizeof(tmp));
	if (start_app(&app, &p, 1) != 0) {
		fputs("Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n"
		    "service unavailable\n", stdout);
		return 1;
	}
	struct arena *a = arena_new();
	struct buf out = {0};
	struct req r = {
		.a = a,
		.app = &app,
		.out = &out,
		.io = {cgi_param, cgi_read, cgi_write, NULL},
	};
	http_dispatch(&r);
	fflush(stdout);
	buf_free(&out);
	arena_free(a);
	db_close(app.db);
	tmpl_free(app.tmpl);
	return 0;
}

int
main(int argc, char **argv)
{
	job_types(app_jobs);
	if (argc < 2) {
		if (getenv("GATEWAY_INTERFACE") != NULL && FCGX_IsCGI())
			return cgi_main();
		usage();
		return 2;
	}
	const char *cmd = argv[1];
	argc--, argv++;
	optind = 1;
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "backup") == 0 || strcmp(cmd, "restore") == 0) {
		struct paths p;
		default_paths(&p);
		return (cmd[0] == 'b' ? backup_main : restore_main)(argc, argv, p.db);
	}
	if (strcmp(cmd, "adduser") == 0)
		return cmd_adduser(argc, argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(cmd, "passwd") == 0)
		return cmd_passwd(argc, argv);
	if (strcmp(cmd, "lock") == 0)
		return cmd_lock(argc, argv);
	if (strcmp(cmd, "purge") == 0)
		return cmd_purge(argc, argv);
	if (strcmp(cmd, "followup") == 0)
		return cmd_followup(argc, argv);
	if (strcmp(cmd, "outbox") == 0 || strcmp(cmd, "remind") == 0)
		return cmd_outbox(argc, argv, cmd[0] == 'r');
	if (strcmp(cmd, "routes") == 0)
		return cmd_routes();
	if (strcmp(cmd, "districts") == 0)
		return cmd_districts(argc, argv);
	usage();
	return 2;
}
