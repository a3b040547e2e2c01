/*
 * districts.c - the union's districts: what to add from the national list
 * or a CSV, and the jobs that add, retire, reactivate and delete them
 * (see districts.h).
 */
#include "districts.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "divisions.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "vocab.h"

static const char sql_by_code[] =
    "SELECT id, name, sample, active FROM districts WHERE code = ?1";
/* An active real district of another code with this name. */
static const char sql_name_taken[] =
    "SELECT code FROM districts WHERE name = ?1 AND code <> ?2 AND active = 1"
    " AND sample = 0";
static const char sql_insert[] =
    "INSERT INTO districts (code, name, province, city, sample, active)"
    " VALUES (?1, ?2, ?3, ?4, 0, 1)";
static const char sql_make_real[] =
    "UPDATE districts SET name = ?2, province = ?3, city = ?4, sample = 0, active = 1"
    " WHERE id = ?1";
static const char sql_real_exists[] =
    "SELECT EXISTS (SELECT 1 FROM districts WHERE sample = 0 AND active = 1)";
static const char sql_samples[] =
    "SELECT id, code, active FROM districts WHERE sample = 1";
static const char sql_used[] = "SELECT " DISTRICT_USED("?1");
static const char sql_delete[] = "DELETE FROM districts WHERE id = ?1";
static const char sql_set_active[] = "UPDATE districts SET active = ?2 WHERE id = ?1";

void
district_line(struct buf *b, const struct division *d)
{
	buf_printf(b, "%s\t%s\t%s\t%s\n", d->code, d->county, d->province, d->city);
}

size_t
district_pick(const char *word, struct buf *b)
{
	size_t n, count = 0;
	const struct division *list = divisions(&n);
	const char *slash = strchr(word, '/');
	size_t plen = slash ? (size_t)(slash - word) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct division *d = &list[i];
		int hit;
		if (slash)
			hit = strlen(d->province) == plen && strncmp(d->province, word, plen) == 0 &&
			    strcmp(d->city, slash + 1) == 0;
		else
			hit = strcmp(d->code, word) == 0 || strcmp(d->city, word) == 0 ||
			    strcmp(d->province, word) == 0;
		if (hit) {
			district_line(b, d);
			count++;
		}
	}
	return count;
}

/* 1 when s is a usable district name (1..DISTRICT_NAME_MAX characters,
 * no tab or line break). */
static int
name_ok(const char *s)
{
	size_t chars = utf8_count(s, strlen(s));
	return chars >= 1 && chars <= DISTRICT_NAME_MAX && strpbrk(s, "\t\r\n") == NULL;
}

size_t
district_csv(struct arena *a, const char *csv, struct buf *b, struct import_errors *e)
{
	const char *p = csv, *cells[3];
	size_t ncells, count = 0;
	int line = 0, rc, first = 1;
	struct buf codes = {0}, names = {0};   /* "\n"-wrapped, to find repeats */
	buf_put(&codes, "\n", 1);
	buf_put(&names, "\n", 1);
	while ((rc = import_row(a, &p, cells, 3, &ncells, &line)) != 0) {
		if (rc < 0) {
			import_error(a, e, line, "引号没有配对");
			break;
		}
		if (first && (strcmp(cells[0], "code") == 0 || strcmp(cells[0], "代码") == 0)) {
			first = 0;
			continue;
		}
		first = 0;
		const char *code = cells[0], *name = ncells > 1 ? cells[1] : "";
		if (ncells > 2) {
			import_error(a, e, line, "每行只有“代码,名称”两项");
			continue;
		}
		if (!division_code_ok(code)) {
			import_error(a, e, line, "区县代码应为 6 位数字(如 340705),现在是“%s”", code);
			continue;
		}
		const struct division *d = division_find(code);
		if (*name == '\0' && d)
			name = d->county;
		if (*name == '\0') {
			import_error(a, e, line, "%s 不在全国行政区划代码中,请填写区县名称", code);
			continue;
		}
		if (!name_ok(name)) {
			import_error(a, e, line, "区县名称最多 %d 个字", DISTRICT_NAME_MAX);
			continue;
		}
		const char *ckey = arena_printf(a, "\n%s\n", code);
		const char *nkey = arena_printf(a, "\n%s\n", name);
		if (strstr(codes.p, ckey)) {
			import_error(a, e, line, "代码 %s 在文件中出现了不止一次", code);
			continue;
		}
		if (strstr(names.p, nkey)) {
			import_error(a, e, line, "名称“%s”在文件中出现了不止一次;同名的区县请加上所属城市,例如“铜陵%s”",
			    name, name);
			continue;
		}
		buf_printf(&codes, "%s\n", code);
		buf_printf(&names, "%s\n", name);
		buf_printf(b, "%s\t%s\t%s\t%s\n", code, name, d ? d->province : "", d ? d->city : "");
		if (++count > IMPORT_MAX_LINES) {
			import_error(a, e, 0, "一次最多导入 %d 个区县", IMPORT_MAX_LINES);
			break;
		}
	}
	if (count == 0 && e->n == 0)
		import_error(a, e, 0, "文件里没有区县");
	buf_free(&codes);
	buf_free(&names);
	return e->n ? 0 : count;
}

/* ---- jobs ---- */

/* Is district id referred to by anything?  1, 0, or -1 (database). */
static int
used(struct db *db, long long id)
{
	sqlite3_stmt *st = db_prep(db, sql_used);
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	int u = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return u;
}

/*
 * Delete district id when nothing refers to it, else retire it; audited
 * with why.  *deleted says which.  SQLITE_DONE or the failing code.  A
 * table that refers to districts and DISTRICT_USED does not know yet
 * still holds: its foreign key refuses the delete, and the district is
 * retired instead.
 */
static int
delete_or_retire(struct db *db, const struct actor *who, long long id,
    const char *code, const char *detail, int *deleted)
{
	int u = used(db, id), rc;
	*deleted = 0;
	if (u < 0)
		return SQLITE_ERROR;
	if (!u) {
		sqlite3_stmt *st = db_prep(db, sql_delete);
		if (st == NULL)
			return SQLITE_ERROR;
		db_bind_int(st, 1, id);
		rc = sqlite3_step(st);   /* not db_exec_stmt: a refusal is no error here */
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			*deleted = 1;
			return audit(db, who, AUDIT_DISTRICT_DELETE, code, detail);
		}
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			return rc;
	}
	sqlite3_stmt *st = db_prep(db, sql_set_active);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, 0);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	return audit(db, who, AUDIT_DISTRICT_RETIRE, code, detail);
}

/* Once a real district is active, the samples go.  Counts into out. */
static int
samples_go(struct db *db, struct arena *a, const struct actor *who, struct job *out)
{
	sqlite3_stmt *st = db_prep(db, sql_real_exists);
	if (st == NULL)
		return SQLITE_ERROR;
	int rc = sqlite3_step(st);
	int real = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc;
	if (!real)
		return SQLITE_DONE;
	/* Collect first: the loop below changes the table being read. */
	long long ids[64];
	const char *codes[64];
	size_t n = 0;
	if ((st = db_prep(db, sql_samples)) == NULL)
		return SQLITE_ERROR;
	int actives[64];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
		ids[n] = sqlite3_column_int64(st, 0);
		codes[n] = arena_strdup(a, db_col_text(st, 1));
		actives[n++] = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	long long deleted = 0, retired = 0;
	for (size_t i = 0; i < n; i++) {
		int del, u = used(db, ids[i]);
		if (u < 0)
			return SQLITE_ERROR;
		if (u && !actives[i])
			continue;   /* retired before, and kept for its records */
		if ((rc = delete_or_retire(db, who, ids[i], codes[i],
		    "示例区县:本会的区县已添加", &del)) != SQLITE_DONE)
			return rc;
		del ? deleted++ : retired++;
	}
	job_put_int(out, "samples_deleted", deleted);
	job_put_int(out, "samples_retired", retired);
	return SQLITE_DONE;
}

/* One line "code\tname\tprovince\tcity" into its parts (in place). */
static int
split_line(char *line, char *f[4])
{
	f[0] = line;
	for (int i = 1; i < 4; i++) {
		char *tab = strchr(f[i - 1], '\t');
		if (tab == NULL)
			return -1;
		*tab = '\0';
		f[i] = tab + 1;
	}
	return division_code_ok(f[0]) && name_ok(f[1]) ? 0 : -1;
}

static int
add_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *text;
	job_actor(in, &who);
	int rc = import_take_text(db, a, in, &text);
	if (rc != SQLITE_DONE)
		return rc;
	long long added = 0, reactivated = 0, already = 0;
	char *lines = arena_strdup(a, text), *line, *next;
	struct buf names = {0};
	buf_put(&names, "\n", 1);
	rc = SQLITE_DONE;
	for (line = lines; rc == SQLITE_DONE && line && *line; line = next) {
		char *f[4];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_line(line, f) != 0) {
			rc = SQLITE_MISUSE;   /* our own pages made the lines */
			break;
		}
		const char *key = arena_printf(a, "\n%s\n", f[1]);
		if (strstr(names.p, key)) {
			job_put_text(out, "error", arena_printf(a,
			    "名称“%s”出现了不止一次;同名的区县请加上所属城市后用 CSV 导入", f[1]));
			rc = SQLITE_CONSTRAINT;
			break;
		}
		buf_printf(&names, "%s\n", f[1]);
		sqlite3_stmt *st = db_prep(db, sql_name_taken);
		if (st == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		db_bind_text(st, 1, f[1]);
		db_bind_text(st, 2, f[0]);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			job_put_text(out, "error", arena_printf(a,
			    "已有同名的区县“%s”(代码 %s);同名的区县请加上所属城市后用 CSV 导入,"
			    "例如“%s,铜陵%s”", f[1], db_col_text(st, 0), f[0], f[1]));
			rc = SQLITE_CONSTRAINT;
		} else if (rc == SQLITE_DONE)
			rc = SQLITE_DONE;
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
		if ((st = db_prep(db, sql_by_code)) == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		db_bind_text(st, 1, f[0]);
		long long id = 0;
		int sample = 0, active = 0;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			sample = sqlite3_column_int(st, 2);
			active = sqlite3_column_int(st, 3);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
		if (id && !sample && active) {
			already++;
			continue;
		}
		if ((st = db_prep(db, id ? sql_make_real : sql_insert)) == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		if (id) {
			db_bind_int(st, 1, id);
			db_bind_text(st, 2, f[1]);
			db_bind_text(st, 3, f[2]);
			db_bind_text(st, 4, f[3]);
		} else {
			db_bind_text(st, 1, f[0]);
			db_bind_text(st, 2, f[1]);
			db_bind_text(st, 3, f[2]);
			db_bind_text(st, 4, f[3]);
		}
		if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
			break;
		const char *detail = arena_printf(a, "%s%s%s%s%s", f[2], *f[2] ? " " : "", f[3],
		    *f[3] ? " " : "", f[1]);
		if (id && !sample) {
			reactivated++;
			rc = audit(db, &who, AUDIT_DISTRICT_ACTIVATE, f[0], detail);
		} else {
			added++;
			rc = audit(db, &who, AUDIT_DISTRICT_ADD, f[0], detail);
		}
	}
	buf_free(&names);
	if (rc == SQLITE_DONE)
		rc = samples_go(db, a, &who, out);
	job_put_int(out, "added", added);
	job_put_int(out, "reactivated", reactivated);
	job_put_int(out, "already", already);
	return rc;
}

static int
state_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	struct actor who;
	const char *code = job_text(in, "code"), *op = job_text(in, "op");
	job_actor(in, &who);
	if (code == NULL || op == NULL)
		return SQLITE_MISUSE;
	sqlite3_stmt *st = db_prep(db, sql_by_code);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, code);
	long long id = 0;
	int active = 0;
	const char *name = "";
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		name = arena_strdup(a, db_col_text(st, 1));
		active = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
	job_put_text(out, "name", name);
	if (strcmp(op, "delete") == 0) {
		int u = used(db, id), deleted;
		if (u < 0)
			return SQLITE_ERROR;
		if (u) {
			job_put_text(out, "error", arena_printf(a,
			    "“%s”已有记录(申请、案件、驿站或账号),不能删除;可以停用", name));
			return SQLITE_CONSTRAINT;
		}
		rc = delete_or_retire(db, &who, id, code, name, &deleted);
		if (rc == SQLITE_DONE && !deleted) {
			job_put_text(out, "error", arena_printf(a,
			    "“%s”已有记录,不能删除,已改为停用", name));
		}
		return rc;
	}
	int want = strcmp(op, "activate") == 0;
	if (!want && strcmp(op, "retire") != 0)
		return SQLITE_MISUSE;
	if (want == active)
		return SQLITE_DONE;   /* already so: nothing to record */
	if ((st = db_prep(db, sql_set_active)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, want);
	if ((rc = db_exec_stmt(db, st)) != SQLITE_DONE)
		return rc;
	rc = audit(db, &who, want ? AUDIT_DISTRICT_ACTIVATE : AUDIT_DISTRICT_RETIRE, code, name);
	if (rc == SQLITE_DONE && want)
		rc = samples_go(db, a, &who, out);
	return rc;
}

const struct job_type district_jobs[] = {
	{"district.add", add_job},
	{"district.state", state_job},
	{0},
};
