/*
 * page-legal.c - 法律援助: ask the union for legal aid, with evidence files.
 *
 *   GET  /legal-aid             the form
 *   POST /legal-aid             validate, store, 303 to the confirmation
 *                               (multipart/form-data: up to 5 files)
 *   GET  /legal-aid/done/{ref}  the confirmation: reference and what comes next
 *
 * Evidence files are judged by their first bytes (JPEG, PNG, PDF), never
 * by name or declared type, and moved from the core's temp file to
 * <uploads>/<random hex> (mode 0600, outside the web root, never served to
 * the public) and made durable before the transaction that records them
 * commits: when it fails, the files moved are removed again, so an error
 * stores nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "lists.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"

#define MAX_EVIDENCE 5
#define EVIDENCE_MB 5      /* one file's limit, as people are told it */
#define MAX_EVIDENCE_SIZE (EVIDENCE_MB * 1024 * 1024)
#define NAME_CHARS 100     /* original file names are kept this long */
/* "每个文件不超过 5MB", from EVIDENCE_MB */
#define EVIDENCE_LIMIT_TEXT "每个文件不超过 " ZJ_STR(EVIDENCE_MB) "MB"

static const struct body_limits legal_limits = {
	.form = {
		.max_body = 27 * 1024 * 1024,  /* 5 files of 5 MiB and the text */
		.max_fields = 64,
		.max_field_len = 64 * 1024,
		.max_files = MAX_EVIDENCE,
		.max_file_size = MAX_EVIDENCE_SIZE,
	},
	.multipart = 1,  /* file parts go to the core's tmpdir, <uploads>/tmp */
	.too_large = "提交的内容超过了允许的大小。请减少文字或文件后重试("
	    EVIDENCE_LIMIT_TEXT ")。",
};

static const char *const memberships[] = {"是", "否", "正在申请", NULL};

enum {
	L_NAME, L_PHONE, L_IDNO, L_DISTRICT, L_EMPLOYER, L_DISPUTE, L_PEOPLE,
	L_AMOUNT, L_FACTS, L_CLAIMS, L_EVIDENCE, L_MEMBER, L_CONTACT, L_MAYCALL,
	L_CONSENT, L__N
};

static const struct field legal_fields[L__N] = {
	[L_NAME] = {"name", "姓名", F_TEXT, 1, 1, 50, NULL, NULL, NULL},
	[L_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "用于联系您和查询进度", NULL},
	[L_IDNO] = {"id_number", "身份证号", F_IDCARD, 0, 0, 0, NULL,
	    "选填。18 位居民身份证号,用于核实身份和办理援助", NULL},
	[L_DISTRICT] = {"district", "所在区县", F_SELECT, 1, 0, 0, NULL,
	    "您工作或居住所在的区县", NULL},
	[L_EMPLOYER] = {"employer", "用人单位", F_TEXT, 1, 1, 100, NULL,
	    "与您发生纠纷的单位或平台名称", NULL},
	[L_DISPUTE] = {"dispute_type", "纠纷类型", F_SELECT, 1, 0, 0, dispute_types, NULL, NULL},
	[L_PEOPLE] = {"people", "涉及人数", F_INT, 1, 1, 10000, NULL,
	    "只有您本人的填 1;多名工友遇到同样问题的填总人数", NULL},
	[L_AMOUNT] = {"amount", "涉及金额(元)", F_MONEY, 0, 0, 10000000000LL, NULL,
	    "选填。例如被拖欠的工资总额,可以填到角、分", "例如 3500 或 3500.50"},
	[L_FACTS] = {"facts", "事实经过", F_TEXTAREA, 1, 10, 5000, NULL,
	    "什么时间、在哪里工作、发生了什么,写清楚就好,不用讲究格式", NULL},
	[L_CLAIMS] = {"claims", "诉求", F_TEXTAREA, 1, 2, 2000, NULL,
	    "您希望得到什么结果,例如补发工资、支付经济补偿", NULL},
	/* Files are checked by check_files, not form_check: the F_FILE row
	 * gives the field its label, hint and a place for its message. */
	[L_EVIDENCE] = {"evidence", "证据材料", F_FILE, 0, 0, 0, NULL,
	    "选填。劳动合同、工资条、考勤记录、聊天记录截图等照片或 PDF;"
	    "最多 " ZJ_STR(MAX_EVIDENCE) " 个文件," EVIDENCE_LIMIT_TEXT, NULL},
	[L_MEMBER] = {"member_status", "是否工会会员", F_RADIO, 1, 0, 0, memberships,
	    NULL, NULL},
	[L_CONTACT] = {"contact_time", "方便联系时间", F_TEXT, 0, 0, 100, NULL,
	    "选填。例如“工作日晚上 7 点以后”", NULL},
	[L_MAYCALL] = {"may_call", "可以联系", F_CHECK, 0, 0, 0, NULL,
	    "勾选表示工作人员可以打电话给您。有些工作时不方便接电话,不勾选的,"
	    "我们会先发短信,按您方便的时间再联系", NULL},
	[L_CONSENT] = {"consent_sensitive", "同意处理身份证号等敏感个人信息", F_CHECK, 1,
	    0, 0, NULL, "身份证号、纠纷情况和证据材料仅用于办理法律援助,详见隐私说明",
	    NULL},
};

/* One evidence file that passed the checks. */
struct evidence {
	struct form_file *ff;  /* the core's record; path is the temp file */
	const char *orig;      /* name to show (possibly shortened) */
	const char *mime;      /* judged from the content */
	long long size;        /* bytes */
	char *stored;          /* full path under uploads once moved, else NULL */
	const char *stored_name;
};

static const char sql_insert[] =
    "INSERT INTO legal_cases (ref, name, phone, id_number, district_id,"
    " employer, dispute_type, people, amount_fen, facts, claims,"
    " member_status, contact_time, may_call, consent_sensitive,"
    " created_at, updated_at, form_nonce)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1,"
    " ?15, ?15, ?16)";
/* The same page sent again (after an error page): the same nonce, phone
 * and facts. */
static const char sql_again[] =
    "SELECT ref, 1 FROM legal_cases WHERE form_nonce = ?1 AND form_nonce <> ''"
    " AND phone = ?2 AND facts = ?3";
static const char sql_file[] =
    "INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* The form's table with today's district list. */
static struct field *
fields_now(struct req *r, int *sample)
{
	struct field *f = arena_alloc(r->a, sizeof(legal_fields));
	memcpy(f, legal_fields, sizeof(legal_fields));
	f[L_DISTRICT].options = district_options(r, sample);
	return f;
}

/* files_again: files were chosen but a 422 cannot give them back. */
static void
show_form(struct req *r, int status, const struct field *f,
    const struct fresult *res, int sample, int files_again,
    const char *form_error)
{
	struct tval *ctx = tv_map(r->a);
	tv_putb(r->a, ctx, "sample_districts", sample);
	tv_putb(r->a, ctx, "files_again", files_again);
	pubform_render(r, status, "legal/form", "legal", f, L__N, res, ctx,
	    form_error);
}

static void
legal_get(struct req *r)
{
	int sample;
	struct field *f = fields_now(r, &sample);
	struct fresult res[L__N];
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < L__N; i++)
		res[i].value = "";
	res[L_PEOPLE].value = "1";  /* most cases are one worker's own */
	/* The same page on every visit but for its token. */
	struct tval *ctx = tv_map(r->a);
	tv_putb(r->a, ctx, "sample_districts", sample);
	tv_putb(r->a, ctx, "files_again", 0);
	pubform_render_fresh(r, "legal/form", "legal", f, L__N, res, ctx,
	    options_variant(r, f[L_DISTRICT].options, sample));
}

/* What the first bytes say the file is, or NULL for anything else. */
static const char *
sniff(const char *path)
{
	static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	unsigned char head[8];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		LOG_ERR("open %s: %s", path, strerror(errno));
		return NULL;
	}
	while (n < sizeof(head)) {
		ssize_t got = read(fd, head + n, sizeof(head) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;  /* end of a short file, or an error: judge what we have */
		n += (size_t)got;
	}
	close(fd);
	if (n >= sizeof(jpeg) && memcmp(head, jpeg, sizeof(jpeg)) == 0)
		return "image/jpeg";
	if (n >= sizeof(png) && memcmp(head, png, sizeof(png)) == 0)
		return "image/png";
	if (n >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

/* The name to show for an upload: at most NAME_CHARS characters (the core
 * has checked it is UTF-8 text and dropped any directory part). */
static const char *
shown_name(struct arena *a, const char *s)
{
	size_t i = 0, chars = 0;
	if (s == NULL || *s == '\0')
		return "未命名文件";
	while (s[i] != '\0' && chars < NAME_CHARS) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return arena_strndup(a, s, i);
}

/*
 * Check the evidence files of the request: how many, how big, what they
 * are.  Fills ev (MAX_EVIDENCE entries) and *nev; on a problem sets the
 * error of res[L_EVIDENCE] naming the files.  Returns the number of errors
 * added (0 or 1).
 */
static int
check_files(struct req *r, struct fresult *res, struct evidence *ev,
    size_t *nev)
{
	struct buf msg = {0};
	size_t chosen = r->body.files_over;
	*nev = 0;
	for (size_t i = 0; i < r->body.nfiles; i++)
		if (strcmp(r->body.files[i].field, "evidence") == 0)
			chosen++;
	if (chosen > MAX_EVIDENCE)
		buf_printf(&msg, "最多上传 %d 个文件,您选择了 %zu 个,请去掉一些后重新选择",
		    MAX_EVIDENCE, chosen);
	for (size_t i = 0; i < r->body.nfiles && chosen <= MAX_EVIDENCE; i++) {
		struct form_file *ff = &r->body.files[i];
		if (strcmp(ff->field, "evidence") != 0)
			continue;  /* not ours: the core removes it */
		const char *name = shown_name(r->a, ff->filename);
		const char *mime = NULL;
		const char *why = NULL;
		if (ff->too_big)
			why = arena_printf(r->a, "“%s”有 %.1fMB," EVIDENCE_LIMIT_TEXT, name,
			    (double)ff->size / (1024 * 1024));
		else if (ff->size == 0 || ff->path == NULL)
			why = arena_printf(r->a, "“%s”是空文件", name);
		else if ((mime = sniff(ff->path)) == NULL)
			why = arena_printf(r->a, "“%s”不是 JPEG、PNG 图片或 PDF 文件,"
			    "只能上传照片或 PDF", name);
		if (why) {
			buf_printf(&msg, "%s%s", msg.len ? ";" : "", why);
			continue;
		}
		ev[*nev] = (struct evidence){.ff = ff, .orig = name, .mime = mime,
		    .size = (long long)ff->size};
		(*nev)++;
	}
	if (msg.len == 0)
		return 0;
	res[L_EVIDENCE].error = arena_strdup(r->a, msg.p);
	buf_free(&msg);
	*nev = 0;
	return 1;
}

/* An errno from the file system as the SQLite code answer_db_failure
 * understands: both mean "nothing stored, try again later" (503). */
static int
fs_rc(int err)
{
	return err == ENOSPC || err == EDQUOT ? SQLITE_FULL : SQLITE_IOERR;
}

/*
 * Move one evidence file from its temp path to <uploads>/<random hex>:
 * data synced to disk, mode 0600, never replacing an existing file
 * (link + unlink, not rename).  Returns SQLITE_OK or an fs_rc code.
 */
static int
place_file(struct req *r, struct evidence *e)
{
	int fd = open(e->ff->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
		int err = errno;
		LOG_ERR("%s: %s", e->ff->path, strerror(err));
		if (fd >= 0)
			close(fd);
		return fs_rc(err);
	}
	close(fd);
	for (int attempt = 0; attempt < 5; attempt++) {
		const char *name = random_hex(r->a, 16);
		if (name == NULL)
			return SQLITE_IOERR;
		char *path = arena_printf(r->a, "%s/%s", site_of(r)->uploads, name);
		if (link(e->ff->path, path) == 0) {
			e->stored = path;
			e->stored_name = name;
			if (unlink(e->ff->path) != 0)
				LOG_WARN("unlink %s: %s", e->ff->path, strerror(errno));
			e->ff->path = NULL;  /* moved: nothing for the core to clean */
			return SQLITE_OK;
		}
		if (errno != EEXIST) {
			int err = errno;
			LOG_ERR("link %s: %s", path, strerror(err));
			return fs_rc(err);
		}
	}
	return SQLITE_IOERR;
}

/* Make the new directory entries under uploads durable. */
static int
sync_uploads(struct req *r)
{
	int fd = open(site_of(r)->uploads, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		LOG_ERR("fsync %s: %s", site_of(r)->uploads, strerror(err));
		if (fd >= 0)
			close(fd);
		return fs_rc(err);
	}
	close(fd);
	return SQLITE_OK;
}

/* Remove the evidence files moved so far (the case was not stored). */
static void
unplace_files(struct evidence *ev, size_t nev)
{
	for (size_t i = 0; i < nev; i++)
		if (ev[i].stored != NULL && unlink(ev[i].stored) != 0)
			LOG_ERR("unlink %s: %s", ev[i].stored, strerror(errno));
}

/* Move every evidence file under uploads and make the moves durable.
 * Returns SQLITE_OK, or an fs_rc code with the files moved so far
 * removed again. */
static int
place_files(struct req *r, struct evidence *ev, size_t nev)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; i < nev && rc == SQLITE_OK; i++)
		rc = place_file(r, &ev[i]);
	if (rc == SQLITE_OK && nev > 0)
		rc = sync_uploads(r);
	if (rc != SQLITE_OK)
		unplace_files(ev, nev);
	return rc;
}

/* What legal_store stores: the checked form, the district, the evidence
 * files already moved under uploads. */
struct legal_input {
	const struct fresult *res;   /* L__N values */
	long long district;
	const char *nonce;           /* the page's form-token nonce */
	const struct evidence *ev;
	size_t nev;
	const char *ref;             /* out: the reference */
	int again;                   /* out: the page had been stored before */
};

/* store_fn: the case with a fresh reference, its files, its first event.
 * SQLITE_DONE (in->again when this very page was stored before: its
 * reference, and its own files), or the failing code. */
static int
legal_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct legal_input *in = arg;
	const struct fresult *res = in->res;
	struct new_ref nr = {
		.prefix = "FY",
		.status = EVENT_SUBMITTED,
		.note = "法律援助申请已提交,等待工作人员受理",
	};
	char now[32];
	if ((nr.again = db_prep(db, sql_again)) == NULL ||
	    (nr.insert = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(nr.again, 1, in->nonce);
	db_bind_text(nr.again, 2, res[L_PHONE].value);
	db_bind_text(nr.again, 3, res[L_FACTS].value);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = nr.insert;
	db_bind_text(st, 2, res[L_NAME].value);
	db_bind_text(st, 3, res[L_PHONE].value);
	db_bind_text(st, 4, res[L_IDNO].value);
	db_bind_int(st, 5, in->district);
	db_bind_text(st, 6, res[L_EMPLOYER].value);
	db_bind_text(st, 7, res[L_DISPUTE].value);
	db_bind_int(st, 8, res[L_PEOPLE].num);
	if (res[L_AMOUNT].value[0] != '\0')
		db_bind_int(st, 9, res[L_AMOUNT].num);
	db_bind_text(st, 10, res[L_FACTS].value);
	db_bind_text(st, 11, res[L_CLAIMS].value);
	db_bind_text(st, 12, res[L_MEMBER].value);
	db_bind_text(st, 13, res[L_CONTACT].value);
	db_bind_int(st, 14, res[L_MAYCALL].num);
	db_bind_text(st, 15, now);
	db_bind_text(st, 16, in->nonce);
	int rc = store_new_ref(db, who, a, &nr);
	in->ref = nr.ref;
	in->again = nr.again_found;
	if (rc != SQLITE_DONE || in->again)
		return rc;
	for (size_t i = 0; i < in->nev; i++) {
		if ((st = db_prep(db, sql_file)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, nr.rowid);
		db_bind_text(st, 2, in->ev[i].stored_name);
		db_bind_text(st, 3, in->ev[i].orig);
		db_bind_text(st, 4, in->ev[i].mime);
		db_bind_int(st, 5, in->ev[i].size);
		db_bind_text(st, 6, now);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	return SQLITE_DONE;
}

static void
legal_post(struct req *r)
{
	int sample;
	struct field *f = fields_now(r, &sample);
	struct fresult res[L__N];
	struct evidence ev[MAX_EVIDENCE];
	size_t nev = 0;
	const char *guard = pubform_guard(r, "legal");
	int errors = form_check(r, f, L__N, res);
	errors += check_files(r, res, ev, &nev);
	long long district = 0;
	if (!res[L_DISTRICT].error &&
	    (district = district_id(r, res[L_DISTRICT].value)) == 0) {
		res[L_DISTRICT].error = "请从列表中选择所在区县";
		errors++;
	}
	if (guard || errors) {
		int files_again = r->body.nfiles > 0 || r->body.files_over > 0;
		show_form(r, 422, f, res, sample, files_again, guard);
		return;
	}
	/* The files are made durable before the commit that records them,
	 * and removed again when it does not happen. */
	int rc = place_files(r, ev, nev);
	if (rc != SQLITE_OK) {
		answer_db_failure(r, rc);
		return;
	}
	struct legal_input in = {
		.res = res,
		.district = district,
		.nonce = form_token_nonce(r->a, req_field(r, "_token")),
		.ev = ev,
		.nev = nev,
	};
	rc = store_run(r->app->db, actor_of(r), r->a, legal_store, &in);
	if (rc != SQLITE_DONE || in.again)
		unplace_files(ev, nev);  /* not recorded (sent again: its own are) */
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/legal-aid/done/%s", in.ref));
}

static void
legal_done(struct req *r)
{
	pubform_done(r, "FY", 5, "legal/done");
}

const struct route page_legal_routes[] = {
	{"GET", "/legal-aid", legal_get, ACCESS_PUBLIC, NULL},
	{"POST", "/legal-aid", legal_post, ACCESS_PUBLIC, &legal_limits},
	{"GET", "/legal-aid/done/{ref}", legal_done, ACCESS_PUBLIC, NULL},
	{0},
};
