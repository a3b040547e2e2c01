/*
 * page-join.c - 网上入会: apply to join the union.
 *
 *   GET  /join             the form (?src=CODE: a station's QR code)
 *   POST /join             validate, store, 303 to the confirmation
 *   GET  /join/done/{ref}  the confirmation: reference and what comes next
 */
#include <stdio.h>
#include <string.h>

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
#include "when.h"
#include "writer.h"
#include "vocab.h"
#include "workday.h"

static const char *const genders[] = {"男", "女", NULL};
static const char *const yesno[] = {"是", "否", NULL};
static const char *const employments[] = {
	"单位就业", "新就业形态(平台)", "灵活就业", NULL,
};
static const char *const educations[] = {
	"小学及以下", "初中", "高中/中专/技校", "大专", "本科", "研究生及以上", NULL,
};
static const char *const ethnicities[] = {
	"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族",
	"朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族",
	"黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族",
	"景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族",
	"毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
	"俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族",
	"鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", NULL,
};

enum {
	J_NAME, J_GENDER, J_IDNO, J_PHONE, J_ETHNIC, J_EDU, J_EMPLOY, J_OCCUP,
	J_EMPLOYER, J_DISTRICT, J_ADDRESS, J_WASMEMBER, J_PREVUNION,
	J_CHARTER, J_CONSENT, J__N
};

static const struct field join_fields[J__N] = {
	[J_NAME] = {"name", "姓名", F_TEXT, 1, 1, 50, NULL, "与身份证一致,可含“·”", NULL},
	[J_GENDER] = {"gender", "性别", F_RADIO, 1, 0, 0, genders, NULL, NULL},
	[J_IDNO] = {"id_number", "身份证号", F_IDCARD, 1, 0, 0, NULL,
	    "18 位居民身份证号,年满 16 周岁", NULL},
	[J_PHONE] = {"phone", "手机号", F_PHONE, 1, 0, 0, NULL,
	    "用于通知审核结果和查询进度", NULL},
	[J_ETHNIC] = {"ethnicity", "民族", F_SELECT, 0, 0, 0, ethnicities, NULL, NULL},
	[J_EDU] = {"education", "学历", F_SELECT, 0, 0, 0, educations, NULL, NULL},
	[J_EMPLOY] = {"employment", "就业形态", F_RADIO, 1, 0, 0, employments, NULL, NULL},
	[J_OCCUP] = {"occupation", "职业", F_SELECT, 1, 0, 0, occupations, NULL, NULL},
	[J_EMPLOYER] = {"employer", "工作单位", F_TEXT, 0, 0, 100, NULL,
	    "单位就业的必填;平台从业者可填写所在平台", NULL},
	[J_DISTRICT] = {"district", "所在区县", F_SELECT, 1, 0, 0, NULL,
	    "您工作或居住所在的区县", NULL},
	[J_ADDRESS] = {"address", "居住地址", F_TEXT, 0, 0, 200, NULL, NULL, NULL},
	[J_WASMEMBER] = {"was_member", "曾是工会会员", F_RADIO, 1, 0, 0, yesno, NULL, NULL},
	[J_PREVUNION] = {"prev_union", "原所在工会", F_TEXT, 0, 0, 100, NULL,
	    "曾是会员的请填写,用于办理会员关系接转", NULL},
	[J_CHARTER] = {"consent_charter", "同意遵守《中国工会章程》", F_CHECK, 1, 0, 0,
	    NULL, NULL, NULL},
	[J_CONSENT] = {"consent_sensitive", "同意处理身份证号等敏感个人信息", F_CHECK, 1,
	    0, 0, NULL, "身份证号仅用于核实身份和办理入会,详见隐私说明", NULL},
};

/*
 * What stands in a new application's way: this very page sent again (the
 * same form nonce), or a live application of the same ID number *and*
 * phone — the person proving both, as at /status, is given its reference.
 * Anything else is stored as a new application (no answer may depend on
 * what is stored about someone else: /join is no oracle of membership,
 * and a squatter with a worker's ID number never blocks the worker).
 */
static const char sql_again[] =
    "SELECT ref, 1 FROM join_applications WHERE id_number = ?1"
    " AND ((?2 <> '' AND form_nonce = ?2) OR (phone = ?3"
    "  AND status IN ('" JOIN_PENDING "', '" JOIN_APPROVED "')))"
    " ORDER BY (?2 <> '' AND form_nonce = ?2) DESC,"
    "  status = '" JOIN_APPROVED "' DESC, id DESC LIMIT 1";
/* Another live application with the ID number: the new one is flagged. */
static const char sql_live_other[] =
    "SELECT EXISTS (SELECT 1 FROM join_applications WHERE id_number = ?1"
    " AND id <> ?2 AND status IN ('" JOIN_PENDING "', '" JOIN_APPROVED "'))";
static const char sql_insert[] =
    "INSERT INTO join_applications (ref, name, gender, id_number, phone,"
    " ethnicity, education, employment, occupation, employer, district_id,"
    " address, was_member, prev_union, station_id, consent_charter,"
    " consent_sensitive, created_at, updated_at, form_nonce, due_on)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
    " 1, 1, ?16, ?16, ?17, ?18)";

static const struct pubform join_form = {
	"join/form", "join", join_fields, J__N, J_DISTRICT, 0,
};

static void
join_get(struct req *r)
{
	pubform_get(r, &join_form);
}

/* Checks that span fields; returns the number of errors added. */
static int
cross_check(struct req *r, struct fresult *res)
{
	int errors = 0;
	const char *id = res[J_IDNO].value;
	if (!res[J_IDNO].error && id[0]) {
		int age = age_on(valid_idcard_birth(id), today_shanghai());
		if (age < 16) {
			res[J_IDNO].error = "年满 16 周岁才能申请入会";
			errors++;
		} else if (!res[J_GENDER].error && res[J_GENDER].value[0] &&
		    (valid_idcard_sex(id) == 1) != (strcmp(res[J_GENDER].value, "男") == 0)) {
			res[J_GENDER].error = "性别与身份证号第 17 位不一致,请核对";
			errors++;
		}
	}
	if (strcmp(res[J_EMPLOY].value, "单位就业") == 0 && res[J_EMPLOYER].value[0] == '\0' &&
	    !res[J_EMPLOYER].error) {
		res[J_EMPLOYER].error = "单位就业的请填写工作单位";
		errors++;
	}
	if (strcmp(res[J_WASMEMBER].value, "是") == 0 && res[J_PREVUNION].value[0] == '\0' &&
	    !res[J_PREVUNION].error) {
		res[J_PREVUNION].error = "曾是工会会员的请填写原所在工会";
		errors++;
	}
	(void)r;
	return errors;
}

/* What join_store stores: the checked form and what was looked up. */
struct join_input {
	const struct fresult *res;   /* J__N values */
	long long district, station;
	const char *nonce;           /* the page's form-token nonce */
	const char *ref;             /* out: the reference */
};

/* Flag application ref (row id) to staff when another live application
 * has its ID number: an internal event on its history (the 疑似重复
 * panel and the queue's flag show which, within the district wall). */
static int
flag_duplicate(struct db *db, const struct actor *who, const char *idno,
    long long id, const char *ref)
{
	sqlite3_stmt *st = db_prep(db, sql_live_other);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, idno);
	db_bind_int(st, 2, id);
	int rc = sqlite3_step(st);
	int other = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc;
	if (!other)
		return SQLITE_DONE;
	return event_add(db, who, ref, EVENT_DUPLICATE,
	    "提交时,同一身份证号已有一份" JOIN_PENDING "或" JOIN_APPROVED
	    "的入会申请,见“疑似重复申请”", 0);
}

/* store_fn: the application with a fresh reference and its first event,
 * flagged when it may duplicate a live one.  SQLITE_DONE (also, storing
 * nothing, when this very page was sent again or the same ID number and
 * phone have a live application: its reference), or the failing code. */
static int
join_store(struct db *db, const struct actor *who, struct arena *a, void *arg)
{
	struct join_input *in = arg;
	const struct fresult *res = in->res;
	struct new_ref nr = {
		.prefix = "RH",
		.status = EVENT_SUBMITTED,
		.note = "入会申请已提交,等待审核",
	};
	char now[32], due[16];
	int member = strcmp(res[J_WASMEMBER].value, "是") == 0;
	if ((nr.again = db_prep(db, sql_again)) == NULL ||
	    (nr.insert = db_prep(db, sql_insert)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(nr.again, 1, res[J_IDNO].value);
	db_bind_text(nr.again, 2, in->nonce ? in->nonce : "");
	db_bind_text(nr.again, 3, res[J_PHONE].value);
	utc_now_iso(now, sizeof(now));
	sqlite3_stmt *st = nr.insert;
	db_bind_text(st, 2, res[J_NAME].value);
	db_bind_text(st, 3, res[J_GENDER].value);
	db_bind_text(st, 4, res[J_IDNO].value);
	db_bind_text(st, 5, res[J_PHONE].value);
	db_bind_text(st, 6, res[J_ETHNIC].value);
	db_bind_text(st, 7, res[J_EDU].value);
	db_bind_text(st, 8, res[J_EMPLOY].value);
	db_bind_text(st, 9, res[J_OCCUP].value);
	db_bind_text(st, 10, res[J_EMPLOYER].value);
	db_bind_int(st, 11, in->district);
	db_bind_text(st, 12, res[J_ADDRESS].value);
	db_bind_int(st, 13, member);
	db_bind_text(st, 14, member ? res[J_PREVUNION].value : "");
	if (in->station)
		db_bind_int(st, 15, in->station);
	db_bind_text(st, 16, now);
	db_bind_text(st, 17, in->nonce);
	/* The answer is promised by this day (the confirmation page says it). */
	if (workday_due_after(workday_calendar(db), now, JOIN_ANSWER_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 18, due);
	int rc = store_new_ref(db, who, a, &nr);
	in->ref = nr.ref;
	if (rc == SQLITE_DONE && !nr.again_found)
		rc = flag_duplicate(db, who, res[J_IDNO].value, nr.rowid, nr.ref);
	return rc;
}

/* Job "join.store": join_store in the writer, from the page's fields,
 * "district", "station" and "nonce"; answers "ref". */
static int
join_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	struct join_input ji = {
		.res = job_form(a, in, join_fields, J__N),
		.district = job_int(in, "district", 0),
		.station = job_int(in, "station", 0),
		.nonce = job_text(in, "nonce"),   /* NULL (binds NULL) when none */
	};
	int rc = join_store(db, &who, a, &ji);
	job_put_text(out, "ref", ji.ref);
	return rc;
}

static void
join_post(struct req *r)
{
	int sample;
	struct field *f = pubform_now(r, &join_form, &sample);
	struct fresult res[J__N];
	const char *src = req_field(r, "src");
	const char *guard = pubform_guard(r, "join");
	int errors = form_check(r, f, J__N, res);
	errors += cross_check(r, res);
	if (guard || errors) {
		pubform_show(r, &join_form, 422, f, res, src, sample, guard);
		return;
	}
	const char *nonce = form_token_nonce(r->a, req_field(r, "_token"));
	struct job in;   /* large: 17 KB, on the worker's stack */
	job_init(&in, "join.store");
	job_put_form(&in, join_fields, J__N, res);
	job_put_int(&in, "district", district_id(r, res[J_DISTRICT].value));
	job_put_int(&in, "station", station_find(r, src, NULL));
	job_put_text(&in, "nonce", nonce);
	pubform_store(r, &in, "/join/done/");
}

static void
join_done(struct req *r)
{
	pubform_done(r, "RH", JOIN_ANSWER_DAYS, "join/done");
}

const struct job_type page_join_jobs[] = {
	{"join.store", join_job},
	{0},
};

const struct route page_join_routes[] = {
	{"GET", "/join", join_get, ACCESS_PUBLIC, NULL},
	{"POST", "/join", join_post, ACCESS_PUBLIC, NULL},
	{"GET", "/join/done/{ref}", join_done, ACCESS_PUBLIC, NULL},
	{0},
};
