/*
 * station-store.c - stations as stored: checks, the CSV import, the
 * save and import jobs (see station-store.h).
 */
#include "station-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"

static const char sql_find[] =
    "SELECT id, name, code FROM stations WHERE code = ?1 COLLATE NOCASE AND active = 1";
static const char sql_code[] =
    "SELECT id, name FROM stations WHERE code = ?1 COLLATE NOCASE";
static const char sql_district[] =
    "SELECT id FROM districts WHERE active = 1 AND (name = ?1 OR code = ?1)"
    " ORDER BY sample LIMIT 1";
static const char sql_old[] =
    "SELECT coalesce(district_id, 0), code, active FROM stations WHERE id = ?1";
static const char sql_keeper_ok[] =
    "SELECT disabled = 0 AND (district_id IS NULL OR district_id = ?2)"
    " FROM staff WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO stations (code, name, district_id, address, landmark, motto, phone,"
    " keeper_id, active, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)";
static const char sql_update[] =
    "UPDATE stations SET name = ?2, district_id = ?3, address = ?4, landmark = ?5,"
    " motto = ?6, phone = ?7, keeper_id = ?8, active = ?9, updated_at = ?10"
    " WHERE id = ?1";
/* An import keeps the keeper and the active flag staff set (?8 and ?9
 * are bound, unused, as for sql_update). */
static const char sql_update_import[] =
    "UPDATE stations SET name = ?2, district_id = ?3, address = ?4, landmark = ?5,"
    " motto = ?6, phone = ?7, updated_at = ?10 WHERE id = ?1";
static const char sql_hours_drop[] = "DELETE FROM station_hours WHERE station_id = ?1";
static const char sql_hours_add[] =
    "INSERT INTO station_hours (station_id, weekday, opens, closes) VALUES (?1, ?2, ?3, ?4)";
static const char sql_amen_drop[] = "DELETE FROM station_amenities WHERE station_id = ?1";
static const char sql_amen_add[] =
    "INSERT OR IGNORE INTO station_amenities (station_id, amenity) VALUES (?1, ?2)";

const char *
station_code_problem(const char *code)
{
	size_t n = strlen(code);
	if (n == 0)
		return "请填写驿站代码";
	if (n > STATION_CODE_MAX)
		return "驿站代码最多 " ZJ_STR(STATION_CODE_MAX) " 个字符";
	if (strspn(code, STATION_CODE_CHARS) != n)
		return "驿站代码只能使用英文字母、数字和 -";
	return NULL;
}

const char *
station_phone_problem(const char *phone)
{
	size_t n = strlen(phone), digits = 0;
	if (n == 0)
		return NULL;
	for (const char *p = phone; *p; p++)
		digits += *p >= '0' && *p <= '9';
	if (n > 20 || digits < 3 || strspn(phone, "0123456789- +") != n)
		return "联系电话只能包含数字和 -,例如 0562-2881234 或 12351";
	return NULL;
}

int
station_amenity_ok(const char *word)
{
	for (const char *const *w = station_amenities; *w; w++)
		if (strcmp(*w, word) == 0)
			return 1;
	return 0;
}

long long
station_find(struct req *r, const char *code, const char **name, const char **canonical)
{
	if (code == NULL || station_code_problem(code) != NULL)
		return 0;
	sqlite3_stmt *st = db_prep(r->app->db, sql_find);
	long long id = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (name)
			*name = arena_strdup(r->a, db_col_text(st, 1));
		if (canonical)
			*canonical = arena_strdup(r->a, db_col_text(st, 2));
	}
	sqlite3_reset(st);
	return id;
}

/* ---- the CSV import ---- */

enum { C_CODE, C_NAME, C_DISTRICT, C_ADDRESS, C_LANDMARK, C_HOURS, C_AMENITIES,
	C_MOTTO, C_PHONE, C__N };
static const struct {
	const char *names[4];   /* what a header may call the column */
	int required;
} columns[C__N] = {
	[C_CODE] = {{"code", "代码", "驿站代码", NULL}, 1},
	[C_NAME] = {{"name", "名称", "驿站名称", NULL}, 1},
	[C_DISTRICT] = {{"district", "区县", "所在区县", NULL}, 1},
	[C_ADDRESS] = {{"address", "地址", NULL}, 0},
	[C_LANDMARK] = {{"landmark", "地标", NULL}, 0},
	[C_HOURS] = {{"hours", "开放时间", NULL}, 0},
	[C_AMENITIES] = {{"amenities", "服务", "服务项目", NULL}, 0},
	[C_MOTTO] = {{"motto", "一站一品", NULL}, 0},
	[C_PHONE] = {{"phone", "电话", "联系电话", NULL}, 0},
};
#define CSV_MAX_CELLS 24

/* Look a value up on db with one text parameter: the first column's
 * integer, 0 when no row, -1 on an error. */
static long long
lookup(struct db *db, const char *sql, const char *text)
{
	sqlite3_stmt *st = db_prep(db, sql);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, text);
	int rc = sqlite3_step(st);
	long long v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return v;
}

static int
chars_over(const char *s, size_t max)
{
	return utf8_count(s, strlen(s)) > max;
}

/* Split an amenities cell ("饮水、热饭, 充电") into s; a message or NULL. */
static const char *
amenities_cell(struct arena *a, const char *cell, struct station_in *s)
{
	char *copy = arena_strdup(a, cell), *p = copy;
	static const char *const seps[] = {"、", ",", "\xef\xbc\x8c", "/", " ", ";", NULL};
	s->namenities = 0;
	while (*p) {
		char *end = p + strlen(p);
		for (const char *const *sep = seps; *sep; sep++) {
			char *hit = strstr(p, *sep);
			if (hit && hit < end)
				end = hit;
		}
		char save = *end;
		size_t seplen = 0;
		for (const char *const *sep = seps; save && *sep; sep++)
			if (strncmp(end, *sep, strlen(*sep)) == 0) {
				seplen = strlen(*sep);
				break;
			}
		*end = '\0';
		if (*p) {
			if (!station_amenity_ok(p))
				return arena_printf(a, "服务“%s”不在可选项中(可选:饮水、热饭、充电、如厕、"
				    "休息、药箱、法律咨询、入会办理、Wi-Fi、母婴室)", p);
			if (s->namenities < STATION_AMENITIES_MAX)
				s->amenities[s->namenities++] = p;
		}
		p = save ? end + seplen : end;
	}
	return NULL;
}

int
station_csv(struct db *db, struct arena *a, const char *csv, struct station_in **out,
    size_t *n, struct import_errors *e)
{
	const char *p = csv, *cells[CSV_MAX_CELLS];
	size_t ncells, cap = 64;
	int line = 0, rc, col[C__N];
	*n = 0;
	*out = arena_calloc(a, cap, sizeof(**out));
	/* the header */
	if ((rc = import_row(a, &p, cells, CSV_MAX_CELLS, &ncells, &line)) <= 0) {
		import_error(a, e, 0, rc < 0 ? "引号没有配对" : "文件是空的");
		return -1;
	}
	for (int c = 0; c < C__N; c++)
		col[c] = -1;
	for (size_t i = 0; i < ncells && i < CSV_MAX_CELLS; i++) {
		int found = -1;
		for (int c = 0; c < C__N && found < 0; c++)
			for (int k = 0; columns[c].names[k]; k++)
				if (strcmp(cells[i], columns[c].names[k]) == 0)
					found = c;
		if (found < 0)
			import_error(a, e, line, "第一行应是表头,不认识的列“%s”", cells[i]);
		else if (col[found] >= 0)
			import_error(a, e, line, "表头里“%s”出现了两次", cells[i]);
		else
			col[found] = (int)i;
	}
	for (int c = 0; c < C__N; c++)
		if (columns[c].required && col[c] < 0)
			import_error(a, e, line, "表头缺少“%s”(%s)一列", columns[c].names[2],
			    columns[c].names[0]);
	if (e->n)
		return -1;
	struct buf codes = {0};
	buf_put(&codes, "\n", 1);
	while ((rc = import_row(a, &p, cells, CSV_MAX_CELLS, &ncells, &line)) != 0) {
		if (rc < 0) {
			import_error(a, e, line, "引号没有配对");
			break;
		}
		const char *v[C__N];
		for (int c = 0; c < C__N; c++)
			v[c] = col[c] >= 0 && (size_t)col[c] < ncells ? cells[col[c]] : "";
		struct station_in s = {.active = 1};
		const char *why;
		size_t before = e->n + e->more;
		s.code = v[C_CODE];
		s.name = v[C_NAME];
		s.address = v[C_ADDRESS];
		s.landmark = v[C_LANDMARK];
		s.motto = v[C_MOTTO];
		s.phone = v[C_PHONE];
		if ((why = station_code_problem(s.code)) != NULL)
			import_error(a, e, line, "%s(现在是“%s”)", why, s.code);
		else {
			char *up = arena_printf(a, "\n%s\n", s.code);
			for (char *q = up; *q; q++)
				if (*q >= 'a' && *q <= 'z')
					*q = (char)(*q - 'a' + 'A');
			if (strstr(codes.p, up))
				import_error(a, e, line, "驿站代码 %s 在文件中出现了不止一次", s.code);
			buf_puts(&codes, up + 1);
			long long id = lookup(db, sql_code, s.code);
			if (id < 0)
				import_error(a, e, line, "数据库暂时无法读取");
			s.id = id > 0 ? id : 0;
		}
		if (*s.name == '\0' || chars_over(s.name, 100))
			import_error(a, e, line, "驿站名称须为 1 到 100 个字");
		if (*v[C_DISTRICT] == '\0')
			import_error(a, e, line, "请填写所在区县");
		else if ((s.district = lookup(db, sql_district, v[C_DISTRICT])) <= 0)
			import_error(a, e, line, "没有名为“%s”的区县(或已停用),请先在“区县”页添加",
			    v[C_DISTRICT]);
		if (chars_over(s.address, 200))
			import_error(a, e, line, "地址最多 200 个字");
		if (chars_over(s.landmark, 100))
			import_error(a, e, line, "地标最多 100 个字");
		if (chars_over(s.motto, 100))
			import_error(a, e, line, "一站一品最多 100 个字");
		if ((why = station_phone_problem(s.phone)) != NULL)
			import_error(a, e, line, "%s", why);
		if ((why = hours_parse_week(&s.hours, v[C_HOURS])) != NULL)
			import_error(a, e, line, "开放时间“%s”:%s", v[C_HOURS], why);
		if ((why = amenities_cell(a, v[C_AMENITIES], &s)) != NULL)
			import_error(a, e, line, "%s", why);
		if (e->n + e->more != before)
			continue;
		if (*n == IMPORT_MAX_LINES) {
			import_error(a, e, 0, "一次最多导入 %d 个驿站", IMPORT_MAX_LINES);
			break;
		}
		if (*n == cap) {
			struct station_in *more = arena_calloc(a, cap * 2, sizeof(*more));
			memcpy(more, *out, cap * sizeof(*more));
			*out = more;
			cap *= 2;
		}
		(*out)[(*n)++] = s;
	}
	buf_free(&codes);
	if (*n == 0 && e->n == 0)
		import_error(a, e, 0, "文件里只有表头,没有驿站");
	return e->n ? -1 : 0;
}

/* ---- as job fields ---- */

void
station_put(struct job *j, const struct station_in *s)
{
	struct buf b = {0};
	job_put_int(j, "s.id", s->id);
	job_put_text(j, "s.code", s->code);
	job_put_text(j, "s.name", s->name);
	job_put_text(j, "s.address", s->address);
	job_put_text(j, "s.landmark", s->landmark);
	job_put_text(j, "s.motto", s->motto);
	job_put_text(j, "s.phone", s->phone);
	job_put_int(j, "s.district", s->district);
	job_put_int(j, "s.keeper", s->keeper);
	job_put_int(j, "s.active", s->active);
	hours_encode(&s->hours, &b);
	job_put_text(j, "s.hours", b.p ? b.p : "");
	buf_reset(&b);
	for (size_t i = 0; i < s->namenities; i++)
		buf_printf(&b, "%s\n", s->amenities[i]);
	job_put_text(j, "s.amenities", b.p ? b.p : "");
	buf_free(&b);
}

struct station_in *
station_get(struct arena *a, const struct job *j)
{
	struct station_in *s = arena_calloc(a, 1, sizeof(*s));
	const char *hours = job_text(j, "s.hours"), *amen = job_text(j, "s.amenities");
	s->id = job_int(j, "s.id", 0);
	s->code = job_text(j, "s.code");
	s->name = job_text(j, "s.name");
	s->address = job_text(j, "s.address");
	s->landmark = job_text(j, "s.landmark");
	s->motto = job_text(j, "s.motto");
	s->phone = job_text(j, "s.phone");
	s->district = job_int(j, "s.district", 0);
	s->keeper = job_int(j, "s.keeper", 0);
	s->active = (int)job_int(j, "s.active", 1);
	if (!s->code || !s->name || !s->address || !s->landmark || !s->motto || !s->phone ||
	    !hours || !amen || hours_decode(&s->hours, hours) != 0)
		return NULL;
	char *list = arena_strdup(a, amen), *next;
	for (char *w = list; *w && s->namenities < STATION_AMENITIES_MAX; w = next) {
		next = strchr(w, '\n');
		if (next == NULL)
			return NULL;
		*next++ = '\0';
		if (!station_amenity_ok(w))
			return NULL;
		s->amenities[s->namenities++] = w;
	}
	return s;
}

/* ---- the writes ---- */

/* The station's hours and amenities replaced by s's. */
static int
put_details(struct db *db, long long id, const struct station_in *s)
{
	sqlite3_stmt *st;
	int rc;
	if ((st = db_prep(db, sql_hours_drop)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	for (int d = 1; d <= 7; d++)
		for (int i = 0; i < s->hours.n[d]; i++) {
			if ((st = db_prep(db, sql_hours_add)) == NULL)
				return SQLITE_ERROR;
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, d);
			db_bind_text(st, 3, s->hours.day[d][i].opens);
			db_bind_text(st, 4, s->hours.day[d][i].closes);
			if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
				return rc;
		}
	if ((st = db_prep(db, sql_amen_drop)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	for (size_t i = 0; i < s->namenities; i++) {
		if ((st = db_prep(db, sql_amen_add)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, s->amenities[i]);
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			return rc;
	}
	return SQLITE_DONE;
}

/* Insert (s->id 0) or update the station row; *id gets its id. */
static int
put_row(struct db *db, const struct station_in *s, int import, long long *id)
{
	char now[32];
	sqlite3_stmt *st = db_prep(db, s->id == 0 ? sql_insert :
	    import ? sql_update_import : sql_update);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	if (s->id == 0)
		db_bind_text(st, 1, s->code);
	else
		db_bind_int(st, 1, s->id);
	db_bind_text(st, 2, s->name);
	db_bind_int(st, 3, s->district);
	db_bind_text(st, 4, s->address);
	db_bind_text(st, 5, s->landmark);
	db_bind_text(st, 6, s->motto);
	db_bind_text(st, 7, s->phone);
	if (s->keeper)
		db_bind_int(st, 8, s->keeper);
	db_bind_int(st, 9, s->active);
	db_bind_text(st, 10, now);
	int rc = db_exec_stmt(db, st);
	*id = s->id ? s->id : sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

/* Job "station.save" (station-store.h). */
static int
save_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	job_actor(in, &who);
	struct station_in *s = station_get(a, in);
	if (s == NULL)
		return SQLITE_MISUSE;
	int rc, was_active = 1;
	const char *code = s->code;
	sqlite3_stmt *st;
	if (s->id) {
		if ((st = db_prep(db, sql_old)) == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, s->id);
		long long old_district = 0;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			old_district = sqlite3_column_int64(st, 0);
			code = arena_strdup(a, db_col_text(st, 1));
			was_active = sqlite3_column_int(st, 2);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return rc == SQLITE_DONE ? SQLITE_AUTH : rc;  /* gone: as not seen */
		if ((rc = store_district_wall(db, &who, old_district)) != SQLITE_OK)
			return rc;
	} else {
		if ((st = db_prep(db, sql_code)) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, 1, s->code);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			job_put_text(out, "taken", db_col_text(st, 1));
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			return SQLITE_CONSTRAINT;
		if (rc != SQLITE_DONE)
			return rc;
	}
	if ((rc = store_district_wall(db, &who, s->district)) != SQLITE_OK)
		return rc;
	if (s->keeper) {
		if ((rc = store_staff_may(db, &(struct actor){s->keeper, "", ""}, sql_keeper_ok,
		    s->district)) == SQLITE_AUTH) {
			job_put_text(out, "error", "负责人须是这个区县(或全部区县)的在岗工作人员");
			return SQLITE_CONSTRAINT;
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	long long id;
	if ((rc = put_row(db, s, 0, &id)) != SQLITE_DONE ||
	    (rc = put_details(db, id, s)) != SQLITE_DONE)
		return rc;
	job_put_int(out, "id", id);
	rc = audit(db, &who, s->id ? AUDIT_STATION_EDIT : AUDIT_STATION_CREATE, code, s->name);
	if (rc == SQLITE_DONE && s->id && was_active != s->active)
		rc = audit(db, &who, s->active ? AUDIT_STATION_ACTIVATE : AUDIT_STATION_RETIRE,
		    code, s->name);
	return rc;
}

/* Job "station.import" (station-store.h). */
static int
import_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *csv;
	job_actor(in, &who);
	int rc = import_take_text(db, a, in, &csv);
	if (rc != SQLITE_DONE)
		return rc;
	struct station_in *list;
	size_t n;
	struct import_errors e = {0};
	if (station_csv(db, a, csv, &list, &n, &e) != 0) {
		job_put_text(out, "errors", import_errors_text(a, &e));
		return SQLITE_CONSTRAINT;
	}
	long long added = 0, updated = 0;
	for (size_t i = 0; i < n; i++) {
		long long id;
		const struct station_in *s = &list[i];
		if ((rc = put_row(db, s, 1, &id)) != SQLITE_DONE ||
		    (rc = put_details(db, id, s)) != SQLITE_DONE ||
		    (rc = audit(db, &who, AUDIT_STATION_IMPORT, s->code,
		    arena_printf(a, "%s%s", s->id ? "更新:" : "新增:", s->name))) != SQLITE_DONE)
			return rc;
		s->id ? updated++ : added++;
	}
	job_put_int(out, "added", added);
	job_put_int(out, "updated", updated);
	return SQLITE_DONE;
}

const struct job_type station_jobs[] = {
	{"station.save", save_job},
	{"station.import", import_job},
	{0},
};
