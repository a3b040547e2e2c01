/*
 * gen.c - fill a database with realistic volume for the benchmark: N 入会
 * applications and M 法律援助 cases spread over the two years before now,
 * over every district, occupations and dispute types weighted as a city
 * union sees them, statuses by age (old ones decided or closed, recent
 * ones waiting), closed cases with their closing time and the money
 * recovered.  Ids grow with created_at, as they do in real use.  One
 * transaction; deterministic for a given seed.
 *
 * Beside them what issue 11's public pages read: GEN_STATIONS 工会驿站
 * (default 600) over the districts by their weight, with addresses,
 * opening hours as stations keep them (24 小时, office hours, split days,
 * weekdays only, a tenth not given) and amenities each as common as it is
 * in practice, a few retired; GEN_WISHES 微心愿 (default 5000: most on the
 * wall, 待认领/已认领/已实现 by age, a fifth not consented to be shown,
 * some 待审核 and 未通过); GEN_APPEALS 诉求 (default 8000: 已办结 and
 * 不予受理 when old, 已答复 and 已派单 with their due dates, 待分派 when new).
 *
 *   gen DB MIGRATIONS JOINS LEGAL [SEED]
 *
 * e.g. `build/bench/gen /tmp/big.db db/migrations 1000000 200000`.  DB is
 * created and migrated; it must hold no applications, cases, stations,
 * wishes or appeals yet (the references and ID numbers are made from the
 * row number).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "util.h"
#include "vocab.h"
#include "workday.h"

#define YEAR_SECS (365LL * 86400)
#define SPAN_SECS (2 * YEAR_SECS)
#define MAX_STATIONS 512      /* a district's, at most */

static const char sql_districts[] =
    "SELECT id, code, name FROM districts WHERE active = 1 ORDER BY id";
static const char sql_station[] =
    "INSERT INTO stations (code, name, district_id, created_at, address,"
    " landmark, motto, phone, active, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?4)";
static const char sql_hours[] =
    "INSERT INTO station_hours (station_id, weekday, opens, closes)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_amenity[] =
    "INSERT INTO station_amenities (station_id, amenity) VALUES (?1, ?2)";
static const char sql_wish[] =
    "INSERT INTO wishes (ref, category, content, district_id, name, phone,"
    " public_ok, station_id, status, reason, hardship, published_at,"
    " claimer_kind, claimer_name, claimed_at, fulfilled_on, fulfilled_how,"
    " created_at, updated_at, review_due_on)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20)";
static const char sql_appeal[] =
    "INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
    " district_id, name, phone, may_contact, station_id, status, due_on,"
    " reply, reason, closed_at, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16)";
/* Set apart from the insert so that the on-time tally counts the reply
 * (its trigger fires on the update), as it does when staff answer. */
static const char sql_appeal_replied[] =
    "UPDATE appeals SET replied_at = ?2 WHERE ref = ?1";
static const char sql_join[] =
    "INSERT INTO join_applications (ref, name, gender, id_number, phone,"
    " ethnicity, education, employment, occupation, employer, district_id,"
    " address, was_member, prev_union, station_id, status, reason, member_no,"
    " consent_charter, consent_sensitive, created_at, updated_at, due_on,"
    " decided_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, '汉族', '高中/中专/技校', ?6, ?7, ?8, ?9,"
    " '', 0, '', ?10, ?11, ?12, ?13, 1, 1, ?14, ?15, ?16,"
    " CASE WHEN ?11 <> '待审核' THEN ?15 END)";
static const char sql_legal[] =
    "INSERT INTO legal_cases (ref, name, phone, id_number, district_id,"
    " employer, dispute_type, people, amount_fen, facts, claims,"
    " member_status, contact_time, may_call, consent_sensitive, status,"
    " reason, handler_name, recovered_fen, closed_at, created_at, updated_at,"
    " contact_due_on, accepted_at, first_contact_at, close_due_on, close_workdays)"
    " VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, ?7, ?8, '公司拖欠三个月工资,多次催要未果。',"
    " '支付拖欠工资及经济补偿', '否', '工作日晚上', 1, 1, ?9, ?10, ?11, ?12, ?13,"
    " ?14, ?15, ?16, ?17, ?17, ?18, ?19)";
static const char sql_seq[] =
    "INSERT INTO member_seq (district_id, year, last) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (district_id, year) DO UPDATE SET last = max(last, ?3)";

struct weighted {
	const char *name;
	int weight;
};

static const struct weighted occupations[] = {
	{"网约送餐员", 26}, {"快递员", 20}, {"网约车司机", 14}, {"货车司机", 10},
	{"家政服务员", 7}, {"护工护理员", 5}, {"保安员", 5}, {"建筑工人", 5},
	{"商场信息员", 3}, {"房产中介", 2}, {"其他", 3},
};
static const struct weighted employments[] = {
	{"新就业形态(平台)", 60}, {"单位就业", 25}, {"灵活就业", 15},
};
static const struct weighted disputes[] = {
	{"拖欠工资", 45}, {"解除劳动合同/经济补偿", 20}, {"工伤", 10},
	{"社会保险", 8}, {"加班/休息休假", 8}, {"未签劳动合同", 6}, {"其他", 3},
};
static const struct weighted closings[] = {
	{"调解成功", 55}, {"转仲裁", 15}, {"转诉讼", 10}, {"撤回", 12}, {"不予受理", 8},
};
static const struct weighted open_steps[] = {
	{"已受理", 30}, {"已指派", 40}, {"调解中", 30},
};
static const int district_weight[] = {14, 12, 30, 16, 20, 8};
static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱",
};
static const char *const given[] = {
	"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
	"杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华",
};
static const char *const employers[] = {
	"某某餐饮管理有限公司", "某某物流有限公司", "某某建筑劳务有限公司",
	"某某家政服务有限公司", "某某科技有限公司", "某某保安服务有限公司",
};
/* 工会驿站: where they are, what they are called, what they say. */
static const char *const places[] = {
	"建国路", "光华路", "望京", "酒仙桥", "双井", "劲松", "十里堡", "管庄",
	"中关村", "五道口", "学院路", "西三旗", "上地", "清河", "万寿路", "公主坟",
	"北新桥", "东四", "和平里", "安贞", "马家堡", "方庄", "六里桥", "卢沟桥",
	"梨园", "玉桥", "北苑", "九棵树", "宋庄", "台湖", "新华街", "西直门",
};
static const char *const hosts[] = {
	"社区服务中心", "邮政网点", "加油站", "银行网点", "物业服务中心",
	"公园管理处", "商场", "地铁站", "环卫所", "派出所旁",
};
static const char *const landmarks[] = {
	"地铁站 B 口向东 100 米", "公交站对面", "小区南门旁", "银行东侧",
	"超市二层", "加油站便利店内", "公园北门", "", "",
};
static const char *const mottos[] = {
	"冬暖夏凉,歇脚如家", "一杯热水,一份牵挂", "骑手之家", "爱心驿站,温暖同行",
	"", "", "",
};
/* Amenities, each with how many stations in a hundred have it. */
static const struct weighted amenity_share[] = {
	{"饮水", 95}, {"热饭", 70}, {"充电", 85}, {"如厕", 60}, {"休息", 90},
	{"药箱", 65}, {"法律咨询", 25}, {"入会办理", 40}, {"Wi-Fi", 55}, {"母婴室", 8},
};

/* 微心愿 as workers write them, by category (the schema's words). */
static const struct {
	const char *category, *content;
} wish_texts[] = {
	{"生活用品", "冬天送外卖手冻得厉害,想要一副防水的保暖手套。"},
	{"生活用品", "电动车的雨衣破了,下雨天送件全身湿透,希望有一套新雨衣。"},
	{"生活用品", "想要一个保温饭盒,中午在驿站热了饭能多放一会儿。"},
	{"生活用品", "家里孩子多,想给孩子们添几床厚被子过冬。"},
	{"子女教育", "孩子上三年级,想要一套课外读物和一个台灯。"},
	{"子女教育", "女儿考上了高中,想请工会帮忙问问助学金怎么申请。"},
	{"子女教育", "孩子暑假跟着来城里,想给他报一个托管班。"},
	{"技能培训", "想学电工,考一个证,以后换个工作。"},
	{"技能培训", "想报一个家政育婴师的培训班,提高收入。"},
	{"技能培训", "想学手机拍视频和剪辑,帮老家卖农产品。"},
	{"健康关爱", "常年骑车腰不好,想做一次免费的体检。"},
	{"健康关爱", "母亲在老家生病,想要一台血压计寄回去。"},
	{"健康关爱", "眼睛看东西模糊,想配一副合适的眼镜。"},
	{"法律服务", "被拖欠了两个月的工资,想请律师帮我看看合同。"},
	{"法律服务", "送餐时出了交通事故,不知道怎么找平台赔偿,想咨询律师。"},
	{"其他", "过年想回老家,希望能帮忙买到一张火车票。"},
	{"其他", "想要一张公园年票,周末带孩子出去走走。"},
};
static const char *const unions[] = {
	"区总工会", "街道工会", "区交通运输工会", "区邮政工会", "区商贸工会",
};
static const char *const fulfilled_hows[] = {
	"已在驿站当面交给本人", "已快递寄给本人", "已联系培训机构报名", "已安排律师见面",
};

/* 诉求 as workers write them. */
static const struct {
	const char *kind, *matter, *content;
} appeal_texts[] = {
	{"投诉", "工资报酬", "站点扣了我三单的配送费,说超时,但系统显示是商家出餐慢,申诉没人理。"},
	{"求助", "工资报酬", "在工地干了四个月,老板跑了,十几个工友的工资都没拿到,怎么办?"},
	{"咨询", "社会保险", "我是跑网约车的,想自己交养老保险和医疗保险,去哪里办?"},
	{"咨询", "社会保险", "职业伤害保障怎么参加?送外卖摔伤了能报销吗?"},
	{"投诉", "休息休假", "公司要求每周干七天,请假就扣全勤奖,这合法吗?"},
	{"求助", "劳动安全", "配送箱的固定架坏了,站点不给换,骑车很危险。"},
	{"投诉", "劳动安全", "夏天高温还要求中午连续送单,没有防暑降温费。"},
	{"意见建议", "驿站设施", "驿站的微波炉坏了好几天了,中午热饭要排很长的队。"},
	{"意见建议", "驿站设施", "希望驿站晚上能开到十点,夜班的骑手也能进来歇一歇。"},
	{"意见建议", "驿站设施", "驿站充电的插座太少了,能不能多装几个?"},
	{"咨询", "其他", "想入会,自己是灵活就业的,需要什么材料?"},
	{"求助", "其他", "租的房子到期了,房东不退押金,工会能帮忙吗?"},
};
static const char *const appeal_replies[] = {
	"已联系站点核实,扣款已退回,请查看下周的结算。",
	"已转区劳动监察大队处理,工会律师可以陪同您去,请留意电话。",
	"可以在区社保中心窗口或者手机上的社保服务平台办理,带身份证即可。",
	"已通知驿站所在的社区,维修师傅这周内上门。",
	"已将您的意见转给驿站负责人,下个月起晚上开到 22:00。",
};

static const char ref_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

static uint64_t rng_state;

/* xorshift64*: fast and good enough for test data. */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int
below(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static const char *
pick(const struct weighted *w, size_t n)
{
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	int x = below(total);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i].weight)
			return w[i].name;
		x -= w[i].weight;
	}
	return w[0].name;
}

static size_t
pick_district(size_t ndistricts)
{
	int total = 0;
	for (size_t i = 0; i < ndistricts; i++)
		total += district_weight[i % ZJ_NELEM(district_weight)];
	int x = below(total);
	for (size_t i = 0; i < ndistricts; i++) {
		int w = district_weight[i % ZJ_NELEM(district_weight)];
		if (x < w)
			return i;
		x -= w;
	}
	return 0;
}

/* A unique reference for n: prefix + n scrambled (a bijection mod 31^8). */
static void
make_ref(char *out, const char *prefix, uint64_t n, uint64_t salt)
{
	const uint64_t space = 852891037441ULL; /* 31^8 */
	uint64_t x = ((n + salt) % space) * 387420489ULL % space; /* 3^18, coprime */
	char *p = out + strlen(prefix) + 8;
	strcpy(out, prefix);
	*p = '\0';
	for (int i = 0; i < 8; i++) {
		*--p = ref_alphabet[x % 31];
		x /= 31;
	}
}

/* A valid, unique 身份证号 for row n of a district code. */
static void
make_idno(char out[19], const char *code, uint64_t n)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	time_t born = (time_t)(-157766400LL + (long long)(n % 14600) * 86400); /* from 1965 */
	struct tm tm;
	gmtime_r(&born, &tm);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%.6s%04d%02d%02d%03d", code, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, (int)((n / 14600) % 1000));
	memcpy(out, tmp, 17);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

static void
iso(char *out, size_t len, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Row i of n, spread evenly over the span before now, with some jitter
 * that keeps the order; office hours more likely than nights. */
static long long
when(long long now, long long i, long long n)
{
	long long t = now - SPAN_SECS + (SPAN_SECS * i) / (n ? n : 1);
	long long step = SPAN_SECS / (n ? n : 1);
	if (step > 1)
		t += (long long)(rnd() % (uint64_t)step);
	return t < now ? t : now - 1;
}

struct district {
	long long id;
	char code[8], name[64];
	long long stations[MAX_STATIONS];   /* its active stations */
	int nstations;
};

static int
load_districts(struct db *db, struct district *d, size_t max, size_t *n)
{
	sqlite3_stmt *st = db_prep(db, sql_districts);
	*n = 0;
	while (st && *n < max && sqlite3_step(st) == SQLITE_ROW) {
		d[*n].id = sqlite3_column_int64(st, 0);
		snprintf(d[*n].code, sizeof(d[*n].code), "%s", db_col_text(st, 1));
		snprintf(d[*n].name, sizeof(d[*n].name), "%s", db_col_text(st, 2));
		d[*n].nstations = 0;
		(*n)++;
	}
	if (st)
		sqlite3_reset(st);
	return *n ? 0 : -1;
}

static int
add_hours(struct db *db, long long station, int from, int to, const char *opens,
    const char *closes)
{
	for (int wd = from; wd <= to; wd++) {
		sqlite3_stmt *st = db_prep(db, sql_hours);
		if (st == NULL)
			return -1;
		db_bind_int(st, 1, station);
		db_bind_int(st, 2, wd);
		db_bind_text(st, 3, opens);
		db_bind_text(st, 4, closes);
		if (db_exec_stmt(db, st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* Station i of district d: its row, its week and its amenities.  One in
 * thirty is retired (not on the public pages, not given to new rows). */
static int
add_station(struct db *db, struct district *d, int i, const char *now_iso)
{
	char code[32], name[128], address[160], phone[32];
	const char *place = places[below(ZJ_NELEM(places))];
	int active = below(30) != 0;
	snprintf(code, sizeof(code), "GEN%s%03d", d->code, i);
	snprintf(name, sizeof(name), "%s%s%s工会驿站", place,
	    hosts[below(ZJ_NELEM(hosts))], i % 7 == 3 ? "户外劳动者" : "");
	snprintf(address, sizeof(address), "%s%s%d号", d->name, place, 1 + below(300));
	if (below(4))
		snprintf(phone, sizeof(phone), "010-%08d", 60000000 + below(30000000));
	else
		phone[0] = '\0';
	sqlite3_stmt *st = db_prep(db, sql_station);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name);
	db_bind_int(st, 3, d->id);
	db_bind_text(st, 4, now_iso);
	db_bind_text(st, 5, address);
	db_bind_text(st, 6, landmarks[below(ZJ_NELEM(landmarks))]);
	db_bind_text(st, 7, mottos[below(ZJ_NELEM(mottos))]);
	db_bind_text(st, 8, phone);
	db_bind_int(st, 9, active);
	if (db_exec_stmt(db, st) != SQLITE_DONE)
		return -1;
	long long id = sqlite3_last_insert_rowid(db_handle(db));
	if (active && d->nstations < MAX_STATIONS)
		d->stations[d->nstations++] = id;
	int x = below(100), rc = 0;
	if (x < 12)             /* 24 小时 */
		rc = add_hours(db, id, 1, 7, "00:00", "24:00");
	else if (x < 45) {      /* office hours, shorter at the weekend */
		rc = add_hours(db, id, 1, 5, "08:00", "20:00");
		if (rc == 0)
			rc = add_hours(db, id, 6, 7, "09:00", "18:00");
	} else if (x < 70)      /* every day, early to late */
		rc = add_hours(db, id, 1, 7, "07:00", "21:00");
	else if (x < 82) {      /* split days, closed at the weekend */
		rc = add_hours(db, id, 1, 5, "08:30", "12:00");
		if (rc == 0)
			rc = add_hours(db, id, 1, 5, "14:00", "18:30");
	} else if (x < 90)      /* weekdays only */
		rc = add_hours(db, id, 1, 5, "09:00", "17:00");
	/* else: hours not given (开放时间请电话询问) */
	for (size_t k = 0; rc == 0 && k < ZJ_NELEM(amenity_share); k++) {
		if (below(100) >= amenity_share[k].weight)
			continue;
		if ((st = db_prep(db, sql_amenity)) == NULL)
			return -1;
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, amenity_share[k].name);
		rc = db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
	}
	return rc;
}

/* n stations over the districts by their weight, at least one each. */
static int
add_stations(struct db *db, struct district *ds, size_t nd, long long n,
    const char *now_iso)
{
	int total = 0;
	for (size_t i = 0; i < nd; i++)
		total += district_weight[i % ZJ_NELEM(district_weight)];
	long long placed = 0;
	for (size_t i = 0; i < nd; i++) {
		long long k = n * district_weight[i % ZJ_NELEM(district_weight)] / total;
		if (i == nd - 1)
			k = n - placed;
		if (k < 1)
			k = 1;
		if (k > MAX_STATIONS)
			k = MAX_STATIONS;
		placed += k;
		for (int j = 0; j < k; j++)
			if (add_station(db, &ds[i], j, now_iso) != 0)
				return -1;
	}
	return 0;
}

/* A district's active station, or 0 when it has none. */
static long long
some_station(const struct district *d)
{
	return d->nstations ? d->stations[below(d->nstations)] : 0;
}

static void
person(char *name, size_t len, char *phone)
{
	snprintf(name, len, "%s%s", surnames[below(ZJ_NELEM(surnames))],
	    given[below(ZJ_NELEM(given))]);
	snprintf(phone, 12, "1%d%09d", 3 + below(7), below(1000000000));
}

/* member_seq of the generated numbers: [district][year - 2000]. */
static long long seq[64][100];

static int
add_join(struct db *db, const struct district *ds, size_t nd, long long i,
    long long n, long long now, uint64_t salt)
{
	char ref[16], idno[19], name[32], phone[12], created[32], updated[32];
	char member[64] = "";
	const struct district *d = &ds[pick_district(nd)];
	long long t = when(now, i, n);
	long long age = now - t;
	const char *status = "待审核", *reason = "";
	int x = below(100);
	if (age > 10 * 86400 || (age > 86400 && x < 60)) {
		x = below(100);
		status = x < 86 ? "已通过" : x < 96 ? "未通过" : "待审核";
	}
	make_ref(ref, "RH", (uint64_t)i, salt);
	make_idno(idno, d->code, (uint64_t)i + salt);
	person(name, sizeof(name), phone);
	iso(created, sizeof(created), t);
	iso(updated, sizeof(updated), strcmp(status, "待审核") ? t + 86400 * (1 + below(5)) : t);
	if (strcmp(updated, created) > 0 && (long long)now < t + 86400 * 6)
		iso(updated, sizeof(updated), now);
	if (strcmp(status, "已通过") == 0) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		int y = tm.tm_year + 1900;
		long long s = ++seq[(size_t)(d - ds)][y - 2000];
		snprintf(member, sizeof(member), "%s-%04d-%06lld", d->code, y, s);
	} else if (strcmp(status, "未通过") == 0)
		reason = "所填信息无法核实,请核对身份证号后重新申请";
	sqlite3_stmt *st = db_prep(db, sql_join);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, (idno[16] - '0') % 2 ? "男" : "女");
	db_bind_text(st, 4, idno);
	db_bind_text(st, 5, phone);
	db_bind_text(st, 6, pick(employments, ZJ_NELEM(employments)));
	db_bind_text(st, 7, pick(occupations, ZJ_NELEM(occupations)));
	db_bind_text(st, 8, below(3) ? "" : employers[below(ZJ_NELEM(employers))]);
	db_bind_int(st, 9, d->id);
	long long station = some_station(d);
	if (below(100) < 40 && station)
		db_bind_int(st, 10, station);
	db_bind_text(st, 11, status);
	db_bind_text(st, 12, reason);
	db_bind_text(st, 13, member[0] ? member : NULL);
	db_bind_text(st, 14, created);
	db_bind_text(st, 15, updated);
	char due[16];
	if (workday_due_after(workday_calendar(db), created, JOIN_ANSWER_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 16, due);
	return db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
}

static int
add_legal(struct db *db, const struct district *ds, size_t nd, long long i,
    long long n, long long now, uint64_t salt)
{
	char ref[16], name[32], phone[12], created[32], updated[32], closed[32];
	const struct district *d = &ds[pick_district(nd)];
	long long t = when(now, i, n);
	long long age = now - t;
	int people = below(10) ? 1 : 2 + below(40);
	/* 500 to 30,500 元 a person; one case in ten without an amount. */
	long long amount = below(10) ? 100LL * (500 + below(30000)) * people : -1;
	const char *status = "待受理", *reason = "", *handler = "";
	long long closed_at = 0, recovered = -1;
	int x = below(100);
	if (age > 120 * 86400 || (age > 5 * 86400 && x < 70)) {
		long long days = 3 + below(90);
		if (below(100) < 8 && age < 200 * 86400)
			status = pick(open_steps, ZJ_NELEM(open_steps));
		else if (t + days * 86400 < now) {
			status = pick(closings, ZJ_NELEM(closings));
			closed_at = t + days * 86400 + below(86400);
			if (closed_at >= now)
				closed_at = now - 1;
		} else
			status = pick(open_steps, ZJ_NELEM(open_steps));
	} else if (age > 86400 && x < 85)
		status = "已受理";
	if (strcmp(status, "已指派") == 0 || strcmp(status, "调解中") == 0 || closed_at)
		handler = below(2) ? "李律师" : "王调解员";
	if (strcmp(status, "调解成功") == 0)
		recovered = amount > 0 ? amount * (50 + below(51)) / 100 : 100LL * (500 + below(20000));
	if (strcmp(status, "不予受理") == 0)
		reason = "不属于工会法律援助范围";
	make_ref(ref, "FY", (uint64_t)i, salt + 7777777ULL);
	person(name, sizeof(name), phone);
	iso(created, sizeof(created), t);
	iso(updated, sizeof(updated), closed_at ? closed_at : t);
	if (closed_at)
		iso(closed, sizeof(closed), closed_at);
	sqlite3_stmt *st = db_prep(db, sql_legal);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, phone);
	db_bind_int(st, 4, d->id);
	db_bind_text(st, 5, employers[below(ZJ_NELEM(employers))]);
	db_bind_text(st, 6, pick(disputes, ZJ_NELEM(disputes)));
	db_bind_int(st, 7, people);
	if (amount >= 0)
		db_bind_int(st, 8, amount);
	db_bind_text(st, 9, status);
	db_bind_text(st, 10, reason);
	db_bind_text(st, 11, handler);
	if (recovered >= 0)
		db_bind_int(st, 12, recovered);
	db_bind_text(st, 13, closed_at ? closed : NULL);
	db_bind_text(st, 14, created);
	db_bind_text(st, 15, updated);
	/* The working-day clock: first contact due 5 working days on; cases
	 * past 待受理 accepted (and reached) a day after they came. */
	const struct workday_cal *cal = workday_calendar(db);
	char due[16], accepted[32], close_due[16];
	if (workday_due_after(cal, created, LEGAL_CONTACT_DAYS, due, sizeof(due)) == 0)
		db_bind_text(st, 16, due);
	if (strcmp(status, "待受理") != 0 && strcmp(status, "不予受理") != 0) {
		iso(accepted, sizeof(accepted), t + 86400);
		db_bind_text(st, 17, accepted);
		if (workday_due_after(cal, accepted, LEGAL_CLOSE_DAYS, close_due,
		    sizeof(close_due)) == 0)
			db_bind_text(st, 18, close_due);
	}
	long from, to;
	if (closed_at && day_of_utc(created, &from) == 0 && day_of_utc(closed, &to) == 0)
		db_bind_int(st, 19, workday_count(cal, from, to));
	return db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
}

/* Row i of n spread over the year before now (issue 11's forms are
 * newer than the others), in order, with jitter. */
static long long
when_year(long long now, long long i, long long n)
{
	long long t = now - YEAR_SECS + (YEAR_SECS * i) / (n ? n : 1);
	long long step = YEAR_SECS / (n ? n : 1);
	if (step > 1)
		t += (long long)(rnd() % (uint64_t)step);
	return t < now ? t : now - 1;
}

/* t + between lo and hi days, never after now - 1. */
static long long
later(long long t, long long now, int lo, int hi)
{
	long long u = t + 86400LL * lo + (long long)below((hi - lo + 1) * 86400);
	return u < now ? u : now - 1;
}

/* The Shanghai date "YYYY-MM-DD" of a time. */
static void
shanghai_day(char *out, size_t len, long long t)
{
	time_t tt = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

/*
 * 微心愿 i of n.  Reviewed within days of arrival: most published (on the
 * wall when public_ok), some 未通过; recent ones still 待审核.  The older a
 * published wish, the likelier it was claimed and fulfilled; claimers are
 * unions, companies and private donors.
 */
static int
add_wish(struct db *db, const struct district *ds, size_t nd, long long i,
    long long n, long long now)
{
	char ref[16], name[32], phone[12], created[32], updated[32], due[16];
	char published[32], claimed[32], fulfilled[16], claimer[128];
	const struct district *d = &ds[pick_district(nd)];
	long long t = when_year(now, i, n), age = now - t;
	int text = below(ZJ_NELEM(wish_texts));
	const char *status = "待审核", *reason = "", *kind = "", *how = "";
	long long pub = 0, claim = 0, done = 0;
	claimer[0] = '\0';
	if (age > 5 * 86400 || (age > 86400 && below(100) < 40)) {
		if (below(100) < 7) {
			status = "未通过";
			reason = "心愿内容超出微心愿的范围,已请工作人员电话联系您";
		} else {
			status = "已发布";
			pub = later(t, now, 0, 3);
			int x = below(100);
			int claimed_share = age > 60 * 86400 ? 80 : age > 14 * 86400 ? 55 : 25;
			if (x < claimed_share) {
				claim = later(pub, now, 0, 10);
				status = "已认领";
				if (age > 30 * 86400 && below(100) < 80) {
					done = later(claim, now, 3, 20);
					status = "已实现";
					how = fulfilled_hows[below(ZJ_NELEM(fulfilled_hows))];
				}
				int k = below(10);
				if (k < 5) {
					kind = "工会";
					snprintf(claimer, sizeof(claimer), "%s%s", d->name,
					    unions[below(ZJ_NELEM(unions))]);
				} else if (k < 8) {
					kind = "企业";
					snprintf(claimer, sizeof(claimer), "%s",
					    employers[below(ZJ_NELEM(employers))]);
				} else {
					kind = "个人";
					snprintf(claimer, sizeof(claimer), "%s女士",
					    surnames[below(ZJ_NELEM(surnames))]);
				}
			}
		}
	}
	make_ref(ref, "XY", (uint64_t)i, 4444444ULL);
	person(name, sizeof(name), phone);
	iso(created, sizeof(created), t);
	iso(updated, sizeof(updated), done ? done : claim ? claim : pub ? pub :
	    strcmp(status, "未通过") == 0 ? later(t, now, 1, 3) : t);
	sqlite3_stmt *st = db_prep(db, sql_wish);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, wish_texts[text].category);
	db_bind_text(st, 3, wish_texts[text].content);
	db_bind_int(st, 4, d->id);
	db_bind_text(st, 5, name);
	db_bind_text(st, 6, phone);
	db_bind_int(st, 7, below(100) < 80);
	long long station = some_station(d);
	if (station && below(2))
		db_bind_int(st, 8, station);
	db_bind_text(st, 9, status);
	db_bind_text(st, 10, reason);
	db_bind_int(st, 11, below(100) < 3);
	if (pub) {
		iso(published, sizeof(published), pub);
		db_bind_text(st, 12, published);
	}
	db_bind_text(st, 13, kind);
	db_bind_text(st, 14, claimer);
	if (claim) {
		iso(claimed, sizeof(claimed), claim);
		db_bind_text(st, 15, claimed);
	}
	if (done) {
		shanghai_day(fulfilled, sizeof(fulfilled), done);
		db_bind_text(st, 16, fulfilled);
	}
	db_bind_text(st, 17, how);
	db_bind_text(st, 18, created);
	db_bind_text(st, 19, updated);
	if (workday_due_after(workday_calendar(db), created, WISH_REVIEW_DAYS, due,
	    sizeof(due)) == 0)
		db_bind_text(st, 20, due);
	return db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * 诉求 i of n.  New ones 待分派; dispatched the next day with a due date
 * APPEAL_DUE_DAYS working days on; answered within days; old ones 已办结
 * (some 不予受理 with a reason).  The reply time is set by an UPDATE so
 * the on-time tally counts it.
 */
static int
add_appeal(struct db *db, const struct district *ds, size_t nd, long long i,
    long long n, long long now)
{
	char ref[16], name[32], phone[12], created[32], updated[32], due[16];
	char dispatched[32], replied[32], closed[32];
	const struct district *d = &ds[pick_district(nd)];
	long long t = when_year(now, i, n), age = now - t;
	int text = below(ZJ_NELEM(appeal_texts)), x = below(100);
	const char *status = "待分派", *reason = "", *reply = "";
	long long disp = 0, rep = 0, close = 0;
	if (age > 10 * 86400) {
		if (x < 8) {
			status = "不予受理";
			reason = "不属于工会受理范围,建议向 12345 市民服务热线反映";
			close = later(t, now, 0, 2);
		} else {
			disp = later(t, now, 0, 1);
			rep = later(disp, now, 1, 6);
			status = x < 90 ? "已办结" : "已答复";
			if (x < 90)
				close = later(rep, now, 1, 7);
		}
	} else if (age > 2 * 86400 || (age > 3600 * 6 && x < 50)) {
		disp = later(t, now, 0, 1);
		if (age > 4 * 86400 && x < 60) {
			rep = later(disp, now, 1, 3);
			status = "已答复";
		} else
			status = "已派单";
	}
	if (rep)
		reply = appeal_replies[below(ZJ_NELEM(appeal_replies))];
	make_ref(ref, "SQ", (uint64_t)i, 5555555ULL);
	person(name, sizeof(name), phone);
	snprintf(name, sizeof(name), "%s师傅", surnames[below(ZJ_NELEM(surnames))]);
	iso(created, sizeof(created), t);
	iso(updated, sizeof(updated), close ? close : rep ? rep : disp ? disp : t);
	sqlite3_stmt *st = db_prep(db, sql_appeal);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, appeal_texts[text].kind);
	db_bind_text(st, 3, appeal_texts[text].matter);
	db_bind_text(st, 4, appeal_texts[text].content);
	db_bind_int(st, 5, d->id);
	db_bind_text(st, 6, below(3) ? name : "");
	db_bind_text(st, 7, phone);
	db_bind_int(st, 8, below(100) < 75);
	long long station = some_station(d);
	if (station && below(100) < 60)
		db_bind_int(st, 9, station);
	db_bind_text(st, 10, status);
	if (disp) {
		iso(dispatched, sizeof(dispatched), disp);
		if (workday_due_after(workday_calendar(db), dispatched, APPEAL_DUE_DAYS,
		    due, sizeof(due)) == 0)
			db_bind_text(st, 11, due);
	}
	db_bind_text(st, 12, reply);
	db_bind_text(st, 13, reason);
	if (close) {
		iso(closed, sizeof(closed), close);
		db_bind_text(st, 14, closed);
	}
	db_bind_text(st, 15, created);
	db_bind_text(st, 16, updated);
	if (db_exec_stmt(db, st) != SQLITE_DONE)
		return -1;
	if (rep == 0)
		return 0;
	if ((st = db_prep(db, sql_appeal_replied)) == NULL)
		return -1;
	iso(replied, sizeof(replied), rep);
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, replied);
	return db_exec_stmt(db, st) == SQLITE_DONE ? 0 : -1;
}

/* 1 when the database holds none of the rows gen makes. */
static int
is_empty(struct db *db)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM (SELECT 1 FROM join_applications LIMIT 1))"
	    " + (SELECT count(*) FROM (SELECT 1 FROM legal_cases LIMIT 1))"
	    " + (SELECT count(*) FROM (SELECT 1 FROM stations LIMIT 1))"
	    " + (SELECT count(*) FROM (SELECT 1 FROM wishes LIMIT 1))"
	    " + (SELECT count(*) FROM (SELECT 1 FROM appeals LIMIT 1))";
	sqlite3_stmt *st = db_prep(db, sql);
	int empty = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		empty = sqlite3_column_int(st, 0) == 0;
	if (st)
		sqlite3_reset(st);
	return empty;
}

static int
save_seq(struct db *db, const struct district *ds, size_t nd)
{
	for (size_t i = 0; i < nd; i++)
		for (int y = 0; y < 100; y++) {
			if (seq[i][y] == 0)
				continue;
			sqlite3_stmt *st = db_prep(db, sql_seq);
			if (st == NULL)
				return -1;
			db_bind_int(st, 1, ds[i].id);
			db_bind_int(st, 2, 2000 + y);
			db_bind_int(st, 3, seq[i][y]);
			if (db_exec_stmt(db, st) != SQLITE_DONE)
				return -1;
		}
	return 0;
}

/* A count from the environment, or dflt. */
static long long
env_count(const char *name, long long dflt)
{
	const char *v = getenv(name);
	return v && *v ? atoll(v) : dflt;
}

int
main(int argc, char **argv)
{
	char err[512], now_iso[32];
	struct district ds[64];
	size_t nd;
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: gen DB MIGRATIONS JOINS LEGAL [SEED]\n");
		return 2;
	}
	long long nj = atoll(argv[3]), nl = atoll(argv[4]);
	long long ns = env_count("GEN_STATIONS", 600);
	long long nw = env_count("GEN_WISHES", 5000);
	long long na = env_count("GEN_APPEALS", 8000);
	rng_state = argc == 6 ? strtoull(argv[5], NULL, 10) * 2654435761ULL + 1 : 88172645463325252ULL;
	struct db *db = db_open(argv[1], err, sizeof(err));
	if (db == NULL || db_migrate(db, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "gen: %s\n", err);
		return 1;
	}
	sqlite3_exec(db_handle(db), "PRAGMA cache_size = -262144", NULL, NULL, NULL);
	long long now = (long long)time(NULL);
	uint64_t salt = 0;
	utc_now_iso(now_iso, sizeof(now_iso));
	int rc = 1;
	if (db_begin(db) != SQLITE_OK || is_empty(db) != 1) {
		fprintf(stderr, "gen: %s is not a new database\n", argv[1]);
		goto out;
	}
	if (load_districts(db, ds, ZJ_NELEM(ds), &nd) != 0 ||
	    add_stations(db, ds, nd, ns, now_iso) != 0) {
		fprintf(stderr, "gen: districts or stations: %s\n", sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	for (long long i = 0; i < nj; i++)
		if (add_join(db, ds, nd, i, nj, now, salt) != 0) {
			fprintf(stderr, "gen: join row %lld: %s\n", i, sqlite3_errmsg(db_handle(db)));
			goto out;
		}
	for (long long i = 0; i < nl; i++)
		if (add_legal(db, ds, nd, i, nl, now, salt) != 0) {
			fprintf(stderr, "gen: legal row %lld: %s\n", i, sqlite3_errmsg(db_handle(db)));
			goto out;
		}
	for (long long i = 0; i < nw; i++)
		if (add_wish(db, ds, nd, i, nw, now) != 0) {
			fprintf(stderr, "gen: wish row %lld: %s\n", i, sqlite3_errmsg(db_handle(db)));
			goto out;
		}
	for (long long i = 0; i < na; i++)
		if (add_appeal(db, ds, nd, i, na, now) != 0) {
			fprintf(stderr, "gen: appeal row %lld: %s\n", i, sqlite3_errmsg(db_handle(db)));
			goto out;
		}
	if (save_seq(db, ds, nd) != 0 || db_commit(db) != SQLITE_OK) {
		fprintf(stderr, "gen: commit: %s\n", sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	printf("%lld join applications, %lld legal cases, %lld stations, %lld wishes,"
	    " %lld appeals added to %s\n", nj, nl, ns, nw, na, argv[1]);
	rc = 0;
out:
	if (rc)
		db_rollback(db);
	db_close(db);
	return rc;
}
