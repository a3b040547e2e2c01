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
 * the public) and made durable before the job "legal.store" that records
 * them is sent: when it definitely failed, the files moved are removed
 * again, so an error stores nothing (when the writer died with the job in
 * hand it may have been stored: the files stay).
 *
 * What strangers may put on the disk (issue 10 §5): below the free-space
 * floor of the uploads folder no file is taken; the job refuses files
 * beyond the total evidence quota or the sending address's bytes of the
 * day, and counts the address's bytes in the same commit as the case.
 * Each refusal is the form again (422, text kept) with the reason beside
 * the file field; a request without files is never refused for space.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "lists.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "workday.h"
#include "when.h"
#include "writer.h"

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
    " created_at, updated_at, form_nonce, station_id, contact_due_on)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1,"
    " ?15, ?15, ?16, ?17, ?18)";
/* The same page sent again (after an error page): the same nonce, phone
 * and facts. */
static const char sql_again[] =
    "SELECT ref, 1 FROM legal_cases WHERE form_nonce = ?1 AND form_nonce <> ''"
    " AND phone = ?2 AND facts = ?3";
static const char sql_file[] =
    "INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* Evidence bytes: in all (kept by triggers on legal_files), and of one
 * address today. */
static const char sql_total[] =
    "SELECT bytes FROM evidence_total WHERE id = 1";
static const char sql_used[] =
    "SELECT bytes FROM upload_bytes WHERE addr = ?1 AND day = ?2";
static const char sql_count_bytes[] =
    "INSERT INTO upload_bytes (addr, day, bytes) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (addr, day) DO UPDATE SET bytes = bytes + excluded.bytes";
static const char sql_prune_days[] =
    "DELETE FROM upload_bytes WHERE day < ?1";

/* Why files are refused, as people read it beside the file field. */
#define WITHOUT_FILES "您可以先不附文件提交申请,工作人员受理后会联系您补交材料。"
static const char refuse_floor[] =
    "服务器存储空间暂时不足,现在无法接收文件。" WITHOUT_FILES;
static const char refuse_quota[] =
    "证据材料的存储空间已满,现在无法接收文件。" WITHOUT_FILES;

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
	const char *sname = NULL, *code = NULL;
	if (station_find(r, req_field(r, "src"), &sname, &code)) {
		tv_puts(r->a, ctx, "src", code);
		tv_puts(r->a, ctx, "station", sname);
	}
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
	const char *sname = NULL, *code = NULL;
	if (station_find(r, req_query(r, "src"), &sname, &code)) {
		/* Through a station's QR code: its name on the page. */
		struct tval *ctx = tv_map(r->a);
		tv_putb(r->a, ctx, "sample_districts", sample);
		tv_putb(r->a, ctx, "files_again", 0);
		tv_puts(r->a, ctx, "src", code);
		tv_puts(r->a, ctx, "station", sname);
		pubform_render(r, 200, "legal/form", "legal", f, L__N, res, ctx, NULL);
		return;
	}
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
 * files already moved under uploads, and the limits they must fit. */
struct legal_input {
	const struct fresult *res;   /* L__N values */
	long long district;
	long long station;            /* through a station's QR code (?src=), or 0 */
	const char *nonce;           /* the page's form-token nonce */
	const struct evidence *ev;
	size_t nev;
	const char *addr;            /* the sender's address key (addr_key) */
	long long quota, daily;      /* bytes; 0 = no limit */
	const char *ref;             /* out: the reference */
	int again;                   /* out: the page had been stored before */
	const char *refused;         /* out: "quota" or "daily" (nothing stored) */
};

/* One value of a single-row, single-column query on db, 0 when there is
 * no row; the failing code in *rc (else SQLITE_DONE). */
static long long
one_int(struct db *db, const char *sql, const char *text, long long num, int *rc)
{
	long long v = 0;
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL) {
		*rc = SQLITE_ERROR;
		return 0;
	}
	if (text) {
		db_bind_text(st, 1, text);
		db_bind_int(st, 2, num);
	}
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (*rc == SQLITE_ROW)
		*rc = SQLITE_DONE;
	return v;
}

/*
 * Inside legal_store: may the new files (bytes in all) be kept?  Checks
 * the total quota and the address's bytes of today, then counts them for
 * the address.  SQLITE_DONE when admitted; SQLITE_CONSTRAINT with
 * in->refused set when not; or the failing code.  Logs a warning as the
 * total passes each 5 % from 80 % of the quota on.
 */
static int
evidence_admit(struct db *db, struct legal_input *in, long long bytes)
{
	int rc;
	long long day = today_shanghai();
	long long total = one_int(db, sql_total, NULL, 0, &rc);
	if (rc != SQLITE_DONE)
		return rc;
	if (in->quota > 0 && total + bytes > in->quota) {
		LOG_WARN("evidence quota full: %lld of %lld bytes stored, %lld refused",
		    total, in->quota, bytes);
		in->refused = "quota";
		return SQLITE_CONSTRAINT;
	}
	long long used = one_int(db, sql_used, in->addr, day, &rc);
	if (rc != SQLITE_DONE)
		return rc;
	if (in->daily > 0 && used + bytes > in->daily) {
		LOG_INFO("evidence of %s refused: %lld bytes today, %lld more, cap %lld",
		    in->addr, used, bytes, in->daily);
		in->refused = "daily";
		return SQLITE_CONSTRAINT;
	}
	sqlite3_stmt *st;
	if (used == 0) {  /* the address's first today: forget other days */
		if ((st = db_prep(db, sql_prune_days)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, day);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	if ((st = db_prep(db, sql_count_bytes)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, in->addr);
	db_bind_int(st, 2, day);
	db_bind_int(st, 3, bytes);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	if (in->quota > 0) {
		long long before = total * 100 / in->quota;
		long long after = (total + bytes) * 100 / in->quota;
		if (after >= 80 && after / 5 != before / 5)
			LOG_WARN("evidence files use %lld%% of their quota"
			    " (%lld of %lld bytes): raise ZHIJIA_EVIDENCE_QUOTA_MB or free"
			    " space before uploads are refused", after, total + bytes,
			    in->quota);
	}
	return SQLITE_DONE;
}

/* store_fn: the case with a fresh reference, its files, its first event,
 * the address's bytes.  SQLITE_DONE (in->again when this very page was
 * stored before: its reference, and its own files), SQLITE_CONSTRAINT
 * with in->refused when the files do not fit, or the failing code. */
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
	if (in->station)
		db_bind_int(st, 17, in->station);
	/* The first contact is promised by this day (the confirmation says it). */
	char due[16];
	if (workday_due_after(workday_calendar(db), now, LEGAL_CONTACT_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 18, due);
	int rc = store_new_ref(db, who, a, &nr);
	in->ref = nr.ref;
	in->again = nr.again_found;
	if (rc != SQLITE_DONE || in->again)
		return rc;
	long long bytes = 0;
	for (size_t i = 0; i < in->nev; i++)
		bytes += in->ev[i].size;
	if (in->nev > 0 && (rc = evidence_admit(db, in, bytes)) != SQLITE_DONE)
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

/* The job field "file.<i>.<what>" into buf. */
static const char *
file_key(char *buf, size_t len, size_t i, const char *what)
{
	snprintf(buf, len, "file.%zu.%s", i, what);
	return buf;
}

/* Job "legal.store": legal_store in the writer, from the page's fields,
 * "district", "nonce", "addr", "quota", "daily" and the files ("files",
 * then "file.<i>.stored", ".orig", ".mime", ".size"); answers "ref",
 * "again" and "refused". */
static int
legal_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	struct evidence ev[MAX_EVIDENCE];
	char key[32];
	job_actor(in, &who);
	long long files = job_int(in, "files", 0);
	size_t nev = files > 0 && files <= MAX_EVIDENCE ? (size_t)files : 0;
	memset(ev, 0, sizeof(ev));
	for (size_t i = 0; i < nev; i++) {
		ev[i].stored_name = job_text(in, file_key(key, sizeof(key), i, "stored"));
		ev[i].orig = job_text(in, file_key(key, sizeof(key), i, "orig"));
		ev[i].mime = job_text(in, file_key(key, sizeof(key), i, "mime"));
		ev[i].size = job_int(in, file_key(key, sizeof(key), i, "size"), 0);
		if (!ev[i].stored_name || !ev[i].orig || !ev[i].mime)
			return SQLITE_MISUSE;  /* a page bug: refuse, loudly */
	}
	struct legal_input li = {
		.res = job_form(a, in, legal_fields, L__N),
		.district = job_int(in, "district", 0),
		.station = job_int(in, "station", 0),
		.nonce = job_text(in, "nonce"),
		.ev = ev,
		.nev = nev,
		.addr = job_text(in, "addr"),
		.quota = job_int(in, "quota", 0),
		.daily = job_int(in, "daily", 0),
	};
	int rc = legal_store(db, &who, a, &li);
	job_put_text(out, "ref", li.ref);
	job_put_int(out, "again", li.again);
	job_put_text(out, "refused", li.refused);
	return rc;
}

/*
 * The key an address's bytes are counted under: IPv4 as it is, IPv6 by
 * its /64 (one subscriber's prefix: rotating the rest walks around
 * nothing).  From r's arena.
 */
static const char *
addr_key(struct req *r)
{
	const char *addr = r->remote_addr ? r->remote_addr : "";
	unsigned char v6[16];
	char text[INET6_ADDRSTRLEN];
	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, v6) != 1)
		return addr;
	memset(v6 + 8, 0, 8);
	if (inet_ntop(AF_INET6, v6, text, sizeof(text)) == NULL)
		return addr;
	return arena_printf(r->a, "%s/64", text);
}

/* The message beside the file field when the uploads folder has less free
 * space than the floor (NULL when there is room, or no floor). */
static const char *
below_floor(struct req *r)
{
	struct statvfs sv;
	long long floor = site_of(r)->free_floor;
	if (floor <= 0)
		return NULL;
	if (statvfs(site_of(r)->uploads, &sv) != 0) {
		LOG_ERR("statvfs %s: %s", site_of(r)->uploads, strerror(errno));
		return refuse_floor;  /* cannot tell: keep the disk safe */
	}
	long long avail = (long long)sv.f_bavail * (long long)sv.f_frsize;
	if (avail >= floor)
		return NULL;
	LOG_WARN("uploads refused: %lld bytes free in %s, floor %lld", avail,
	    site_of(r)->uploads, floor);
	return refuse_floor;
}

/* The message beside the file field for a refusal of legal.store. */
static const char *
refusal_text(struct req *r, const char *why)
{
	if (why && strcmp(why, "daily") == 0)
		return arena_printf(r->a, "今天从您的网络上传的文件已达上限(每天 %lld MB),"
		    "现在无法再接收文件。您可以先不附文件提交申请,或明天再上传。",
		    site_of(r)->address_daily / (1024 * 1024));
	return refuse_quota;
}

/* The job of the checked form and its placed files, for r. */
static void
legal_job_in(struct req *r, struct job *in, const struct fresult *res,
    long long district, const struct evidence *ev, size_t nev)
{
	char key[32];
	job_init(in, "legal.store");
	job_put_form(in, legal_fields, L__N, res);
	job_put_int(in, "district", district);
	job_put_int(in, "station", station_find(r, req_field(r, "src"), NULL, NULL));
	job_put_text(in, "nonce", form_token_nonce(r->a, req_field(r, "_token")));
	job_put_text(in, "addr", addr_key(r));
	job_put_int(in, "quota", site_of(r)->evidence_quota);
	job_put_int(in, "daily", site_of(r)->address_daily);
	job_put_int(in, "files", (long long)nev);
	for (size_t i = 0; i < nev; i++) {
		job_put_text(in, file_key(key, sizeof(key), i, "stored"), ev[i].stored_name);
		job_put_text(in, file_key(key, sizeof(key), i, "orig"), ev[i].orig);
		job_put_text(in, file_key(key, sizeof(key), i, "mime"), ev[i].mime);
		job_put_int(in, file_key(key, sizeof(key), i, "size"), ev[i].size);
	}
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
	const char *floor = nev > 0 ? below_floor(r) : NULL;
	if (floor && !res[L_EVIDENCE].error) {
		res[L_EVIDENCE].error = floor;
		errors++;
	}
	if (guard || errors) {
		int files_again = r->body.nfiles > 0 || r->body.files_over > 0;
		show_form(r, 422, f, res, sample, files_again, guard);
		return;
	}
	/* The files are made durable before the job that records them is
	 * sent, and removed again when it definitely did not store them. */
	int rc = place_files(r, ev, nev);
	if (rc != SQLITE_OK) {
		answer_db_failure(r, rc);
		return;
	}
	struct job in, out;   /* large (writer.h): on the worker's stack */
	legal_job_in(r, &in, res, district, ev, nev);
	rc = store_job(r, &in, &out);
	const char *refused = job_text(&out, "refused");
	/* Not recorded: removed; but when the writer died with the job in
	 * hand it may be, so they stay; and a page sent again keeps its
	 * earlier files, the new copies go. */
	if (rc != JOB_LOST && (rc != SQLITE_DONE || job_int(&out, "again", 0)))
		unplace_files(ev, nev);
	if (rc == SQLITE_CONSTRAINT && refused) {
		res[L_EVIDENCE].error = refusal_text(r, refused);
		show_form(r, 422, f, res, sample, 1, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/legal-aid/done/%s",
	    job_text(&out, "ref")));
}

static void
legal_done(struct req *r)
{
	pubform_done(r, "FY", LEGAL_CONTACT_DAYS, "legal/done");
}

const struct job_type page_legal_jobs[] = {
	{"legal.store", legal_job},
	{0},
};

const struct route page_legal_routes[] = {
	{"GET", "/legal-aid", legal_get, ACCESS_PUBLIC, NULL},
	{"POST", "/legal-aid", legal_post, ACCESS_PUBLIC, &legal_limits},
	{"GET", "/legal-aid/done/{ref}", legal_done, ACCESS_PUBLIC, NULL},
	{0},
};
