/*
 * gen.c - fill a database with realistic volume for the benchmark: N 入会
 * applications and M 法律援助 cases spread over the two years before now,
 * over every district, occupations and dispute types weighted as a city
 * union sees them, stations, statuses by age (old ones decided or closed,
 * recent ones waiting), closed cases with their closing time and the money
 * recovered.  Ids grow with created_at, as they do in real use.  One
 * transaction; deterministic for a given seed.
 *
 *   gen DB MIGRATIONS JOINS LEGAL [SEED]
 *
 * e.g. `build/bench/gen /tmp/big.db db/migrations 1000000 200000`.  DB is
 * created and migrated; it must hold no applications or cases yet (the
 * references and ID numbers are made from the row number).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "util.h"
#include "workday.h"

#define YEAR_SECS (365LL * 86400)
#define SPAN_SECS (2 * YEAR_SECS)
#define STATIONS_PER_DISTRICT 8

static const char sql_districts[] =
    "SELECT id, code FROM districts WHERE active = 1 ORDER BY id";
static const char sql_station[] =
    "INSERT OR IGNORE INTO stations (code, name, district_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_station_id[] =
    "SELECT id FROM stations WHERE code = ?1";
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
	char code[8];
	long long stations[STATIONS_PER_DISTRICT];
};

static int
load_districts(struct db *db, struct district *d, size_t max, size_t *n,
    const char *now_iso)
{
	sqlite3_stmt *st = db_prep(db, sql_districts);
	*n = 0;
	while (st && *n < max && sqlite3_step(st) == SQLITE_ROW) {
		d[*n].id = sqlite3_column_int64(st, 0);
		snprintf(d[*n].code, sizeof(d[*n].code), "%s", db_col_text(st, 1));
		(*n)++;
	}
	if (st)
		sqlite3_reset(st);
	for (size_t i = 0; i < *n; i++)
		for (int k = 0; k < STATIONS_PER_DISTRICT; k++) {
			char code[32], name[64];
			snprintf(code, sizeof(code), "GEN%s%02d", d[i].code, k);
			snprintf(name, sizeof(name), "工会驿站 %s-%02d", d[i].code, k + 1);
			if ((st = db_prep(db, sql_station)) == NULL)
				return -1;
			db_bind_text(st, 1, code);
			db_bind_text(st, 2, name);
			db_bind_int(st, 3, d[i].id);
			db_bind_text(st, 4, now_iso);
			if (db_exec_stmt(db, st) != SQLITE_DONE ||
			    (st = db_prep(db, sql_station_id)) == NULL)
				return -1;
			db_bind_text(st, 1, code);
			if (sqlite3_step(st) == SQLITE_ROW)
				d[i].stations[k] = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
	return *n ? 0 : -1;
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
	if (below(100) < 40)
		db_bind_int(st, 10, d->stations[below(STATIONS_PER_DISTRICT)]);
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

/* 1 when the database holds no applications and no cases. */
static int
is_empty(struct db *db)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM (SELECT 1 FROM join_applications LIMIT 1))"
	    " + (SELECT count(*) FROM (SELECT 1 FROM legal_cases LIMIT 1))";
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
	if (load_districts(db, ds, ZJ_NELEM(ds), &nd, now_iso) != 0) {
		fprintf(stderr, "gen: no districts or stations\n");
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
	if (save_seq(db, ds, nd) != 0 || db_commit(db) != SQLITE_OK) {
		fprintf(stderr, "gen: commit: %s\n", sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	printf("%lld join applications, %lld legal cases added to %s\n", nj, nl, argv[1]);
	rc = 0;
out:
	if (rc)
		db_rollback(db);
	db_close(db);
	return rc;
}
