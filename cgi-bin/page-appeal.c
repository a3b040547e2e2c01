/*
 * page-appeal.c - 提诉求: a worker raises a problem, asks for help, makes a
 * complaint or a suggestion (码上行动 "户外劳动者诉求收集").
 *
 *   GET  /appeal             the form (?src=CODE: a station's QR code)
 *   POST /appeal             validate, store, 303 to the confirmation
 *   GET  /appeal/done/{ref}  the confirmation: the SQ reference, what comes next
 *
 * Staff sort what came in by type and district and dispatch it like a work
 * order (page-staff-appeals.c); the person reads the answer at /status
 * with the reference and the phone.  No ID number is asked for: the form
 * collects only what answering needs.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "pubform.h"
#include "sign.h"
#include "staff.h"
#include "station-store.h"
#include "store.h"
#include "valid.h"
#include "vocab.h"
#include "when.h"
#include "writer.h"

/* What the confirmation promises: dispatched within the week, answered
 * APPEAL_DUE_DAYS working days after that. */
#define APPEAL_PROMISE_DAYS 10
#define CONTENT_MAX 500     /* characters, not bytes */

#define MAY_CONTACT "可以"
static const char *const contact_choices[] = {MAY_CONTACT, "不方便", NULL};

enum { A_KIND, A_MATTER, A_CONTENT, A_DISTRICT, A_NAME, A_PHONE, A_CONTACT, A__N };

static const struct field appeal_fields[A__N] = {
	[A_KIND] = {"kind", "诉求类型", F_RADIO, 1, 0, 0, appeal_kinds,
	    "咨询:问政策、问办法;求助:遇到困难需要帮忙;投诉:反映单位或平台侵害"
	    "权益的行为;意见建议:对工会和驿站的意见", NULL},
	[A_MATTER] = {"matter", "事项", F_RADIO, 1, 0, 0, appeal_matters, NULL, NULL},
	[A_CONTENT] = {"content", "具体内容", F_TEXTAREA, 1, 5, CONTENT_MAX, NULL,
	    "最多 " ZJ_STR(CONTENT_MAX) " 个字(按字数算,汉字、字母、数字、标点都算 1 个字)。"
	    "请写清楚什么时间、在哪里、遇到了什么问题、希望工会帮什么忙;"
	    "不要填写身份证号、银行卡号", NULL},
	[A_DISTRICT] = {"district", "所在区县", F_SELECT, 1, 0, 0, NULL,
	    "您工作或遇到问题所在的区县,诉求会交给这个区县的工会办理", NULL},
	[A_NAME] = {"name", "称呼", F_TEXT, 0, 0, 20, NULL,
	    "选填,例如“王师傅”“李女士”", NULL},
	[A_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "凭编号和手机号查询办理进度和答复", NULL},
	[A_CONTACT] = {"may_contact", "方便联系", F_RADIO, 1, 0, 0, contact_choices,
	    "选“可以”:工作人员可以打电话或发短信向您了解情况、告诉您办理结果;"
	    "选“不方便”:我们不会主动联系您,答复只在进度查询中显示", NULL},
};

/* The same page sent again (after an error page): its nonce, phone and
 * words. */
static const char sql_again[] =
    "SELECT ref, 1 FROM appeals WHERE form_nonce = ?1 AND form_nonce <> ''"
    " AND phone = ?2 AND content = ?3";
static const char sql_insert[] =
    "INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
    " district_id, name, phone, may_contact, station_id, created_at,"
    " updated_at, form_nonce)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)";

static const struct pubform appeal_form = {
	"appeal/form", "appeal", appeal_fields, A__N, A_DISTRICT, 1,
};

static void
appeal_get(struct req *r)
{
	pubform_get(r, &appeal_form);
}

/* What appeal_store stores: the checked form and what was looked up. */
struct appeal_input {
	const struct fresult *res;   /* A__N values */
	long long district, station;
	const char *nonce;           /* the page's form-token nonce */
	const char *ref;             /* out: the reference */
};

/* store_fn: the appeal with a fresh SQ reference and its first event.
 * SQLITE_DONE (storing nothing when this very page was sent again: its
 * reference), or the failing code. */
static int
appeal_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct appeal_input *in = arg;
	const struct fresult *res = in->res;
	struct new_ref nr = {
		.prefix = "SQ",
		.status = EVENT_SUBMITTED,
		.note = "诉求已提交,等待分派给负责的工作人员",
	};
	char now[32];
	if ((nr.again = db_prep(db, sql_again)) == NULL ||
	    (nr.insert = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(nr.again, 1, in->nonce ? in->nonce : "");
	db_bind_text(nr.again, 2, res[A_PHONE].value);
	db_bind_text(nr.again, 3, res[A_CONTENT].value);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = nr.insert;
	db_bind_text(st, 2, res[A_KIND].value);
	db_bind_text(st, 3, res[A_MATTER].value);
	db_bind_text(st, 4, res[A_CONTENT].value);
	db_bind_int(st, 5, in->district);
	db_bind_text(st, 6, res[A_NAME].value);
	db_bind_text(st, 7, res[A_PHONE].value);
	db_bind_int(st, 8, strcmp(res[A_CONTACT].value, MAY_CONTACT) == 0);
	if (in->station)
		db_bind_int(st, 9, in->station);
	db_bind_text(st, 10, now);
	db_bind_text(st, 11, in->nonce ? in->nonce : "");
	int rc = store_new_ref(db, who, a, &nr);
	in->ref = nr.ref;
	return rc;
}

/* Job "appeal.store": appeal_store in the writer, from the page's fields,
 * "district", "station" and "nonce"; answers "ref". */
static int
appeal_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	struct appeal_input ai = {
		.res = job_form(a, in, appeal_fields, A__N),
		.district = job_int(in, "district", 0),
		.station = job_int(in, "station", 0),
		.nonce = job_text(in, "nonce"),
	};
	if (ai.district == 0)
		return SQLITE_MISUSE;
	int rc = appeal_store(db, &who, a, &ai);
	job_put_text(out, "ref", ai.ref);
	return rc;
}

static void
appeal_post(struct req *r)
{
	int sample;
	struct field *f = pubform_now(r, &appeal_form, &sample);
	struct fresult res[A__N];
	const char *src = req_field(r, "src");
	const char *guard = pubform_guard(r, "appeal");
	int errors = form_check(r, f, A__N, res);
	if (guard || errors) {
		pubform_show(r, &appeal_form, 422, f, res, src, sample, guard);
		return;
	}
	const char *nonce = form_token_nonce(r->a, req_field(r, "_token"));
	struct job in;   /* large: 17 KB, on the worker's stack */
	job_init(&in, "appeal.store");
	job_put_form(&in, appeal_fields, A__N, res);
	job_put_int(&in, "district", district_id(r, res[A_DISTRICT].value));
	job_put_int(&in, "station", station_find(r, src, NULL));
	job_put_text(&in, "nonce", nonce);
	pubform_store(r, &in, "/appeal/done/");
}

static void
appeal_done(struct req *r)
{
	pubform_done(r, "SQ", APPEAL_PROMISE_DAYS, "appeal/done");
}

const struct job_type page_appeal_jobs[] = {
	{"appeal.store", appeal_job},
	{0},
};

const struct route page_appeal_routes[] = {
	{"GET", "/appeal", appeal_get, ACCESS_PUBLIC, NULL},
	{"POST", "/appeal", appeal_post, ACCESS_PUBLIC, NULL},
	{"GET", "/appeal/done/{ref}", appeal_done, ACCESS_PUBLIC, NULL},
	{0},
};
