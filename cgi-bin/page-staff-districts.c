/*
 * page-staff-districts.c - the union's own districts (所在区县), admin only.
 *
 *   GET   /staff/districts             the districts with their records; add from
 *                                      the national list (?province=…&city=…
 *                                      narrows it, no script needed); import a CSV
 *   POST  /staff/districts/add         add the chosen counties of one city
 *   POST  /staff/districts/import      import a CSV (code,name)
 *   POST  /staff/districts/{id}        op=retire | activate | delete
 *
 * The writes are districts.c's jobs; what a district is used by decides
 * whether it can be deleted (never when it has records: it is retired).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "districts.h"
#include "divisions.h"
#include "http.h"
#include "imports.h"
#include "pubform.h"
#include "staff.h"
#include "store.h"

static const char sql_list[] =
    "SELECT d.id, d.code, d.name, d.province, d.city, d.sample, d.active,"
    " (SELECT count(*) FROM join_applications WHERE district_id = d.id),"
    " (SELECT count(*) FROM legal_cases WHERE district_id = d.id),"
    " (SELECT count(*) FROM appeals WHERE district_id = d.id),"
    " (SELECT count(*) FROM wishes WHERE district_id = d.id),"
    " (SELECT count(*) FROM stations WHERE district_id = d.id),"
    " (SELECT count(*) FROM staff WHERE district_id = d.id),"
    " " DISTRICT_USED("d.id")
    " FROM districts d ORDER BY d.active DESC, d.sample, d.code";
static const char sql_code_of[] = "SELECT code FROM districts WHERE id = ?1";
static const char sql_have_codes[] =
    "SELECT code, active, sample FROM districts";

/* What a finished change says (?done=…). */
static const struct {
	const char *done, *text;
} notices[] = {
	{"retire", "已停用。它的记录都保留着;停用的区县不再出现在申请表的选项里。"},
	{"activate", "已恢复使用。"},
	{"delete", "已删除。"},
};

static const char *
qint(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	return v && *v && strlen(v) < 8 && strspn(v, "0123456789") == strlen(v) ? v : NULL;
}

/* The list of distinct values of one column of the divisions (province,
 * or city of a province), each {value, selected}. */
static struct tval *
choices(struct req *r, int want_city, const char *province, const char *chosen)
{
	size_t n;
	const struct division *list = divisions(&n);
	struct tval *out = tv_list(r->a);
	const char *last = "";
	for (size_t i = 0; i < n; i++) {
		const char *v = want_city ? list[i].city : list[i].province;
		if (want_city && strcmp(list[i].province, province) != 0)
			continue;
		if (strcmp(v, last) == 0)
			continue;
		/* Cities of a province come in code order, one run each. */
		last = v;
		struct tval *m = tv_map(r->a);
		tv_puts(r->a, m, "value", v);
		tv_putb(r->a, m, "selected", chosen && strcmp(v, chosen) == 0);
		tv_push(r->a, out, m);
	}
	return out;
}

/* The code's state in the database: 0 none, 1 active, 2 retired (a
 * sample counts as none: adding it makes it real). */
static int
have_state(struct req *r, const char *code)
{
	sqlite3_stmt *st = db_prep(r->app->db, sql_have_codes);
	int state = 0;
	if (st == NULL)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strcmp(db_col_text(st, 0), code) == 0 && !sqlite3_column_int(st, 2))
			state = sqlite3_column_int(st, 1) ? 1 : 2;
	sqlite3_reset(st);
	return state;
}

/* The "add from the national list" part: provinces, cities of the chosen
 * province, counties of the chosen city. */
static void
picker(struct req *r, struct tval *ctx)
{
	struct arena *a = r->a;
	const char *province = req_query(r, "province"), *city = req_query(r, "city");
	size_t n;
	const struct division *list = divisions(&n);
	if (list == NULL) {
		tv_putb(a, ctx, "no_divisions", 1);
		return;
	}
	tv_put(a, ctx, "provinces", choices(r, 0, NULL, province));
	if (province == NULL || *province == '\0')
		return;
	struct tval *cities = choices(r, 1, province, city);
	if (cities->n == 0)
		return;
	tv_puts(a, ctx, "province", province);
	tv_put(a, ctx, "cities", cities);
	tv_putb(a, ctx, "has_cities", 1);
	if (city == NULL || *city == '\0')
		return;
	struct tval *counties = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].province, province) != 0 || strcmp(list[i].city, city) != 0)
			continue;
		struct tval *m = tv_map(a);
		int state = have_state(r, list[i].code);
		tv_puts(a, m, "code", list[i].code);
		tv_puts(a, m, "name", list[i].county);
		tv_putb(a, m, "have", state == 1);
		tv_putb(a, m, "retired", state == 2);
		tv_push(a, counties, m);
	}
	if (counties->n == 0)
		return;
	tv_puts(a, ctx, "city", city);
	tv_put(a, ctx, "counties", counties);
	tv_putb(a, ctx, "has_counties", 1);
}

static void
show(struct req *r, int status, struct tval *ctx)
{
	struct arena *a = r->a;
	sqlite3_stmt *st = db_prep(r->app->db, sql_list);
	if (st == NULL) {
		resp_error(r, 500, NULL);
		return;
	}
	struct tval *rows = tv_list(a);
	int rc, real = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tval *m = tv_map(a);
		long long counts[6], records = 0;
		for (int i = 0; i < 6; i++)
			counts[i] = sqlite3_column_int64(st, 7 + i);
		for (int i = 0; i < 5; i++)
			records += counts[i];
		tv_puti(a, m, "id", sqlite3_column_int64(st, 0));
		tv_puts(a, m, "code", db_col_text(st, 1));
		tv_puts(a, m, "name", db_col_text(st, 2));
		tv_puts(a, m, "province", db_col_text(st, 3));
		tv_puts(a, m, "city", db_col_text(st, 4));
		int sample = sqlite3_column_int(st, 5), active = sqlite3_column_int(st, 6);
		real |= !sample && active;
		tv_putb(a, m, "sample", sample);
		tv_putb(a, m, "active", active);
		tv_puti(a, m, "joins", counts[0]);
		tv_puti(a, m, "legal", counts[1]);
		tv_puti(a, m, "appeals", counts[2]);
		tv_puti(a, m, "wishes", counts[3]);
		tv_puti(a, m, "stations", counts[4]);
		tv_puti(a, m, "staff", counts[5]);
		tv_putb(a, m, "deletable", !sqlite3_column_int(st, 13));
		tv_puti(a, m, "records", records);
		tv_push(a, rows, m);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	tv_put(a, ctx, "rows", rows);
	tv_putb(a, ctx, "only_samples", !real);
	picker(r, ctx);
	resp_render(r, status, "staff/districts/list", ctx);
}

static void
districts_get(struct req *r)
{
	struct arena *a = r->a;
	struct tval *ctx = tv_map(a);
	const char *done = req_query(r, "done");
	for (size_t i = 0; done && i < ZJ_NELEM(notices); i++)
		if (strcmp(done, notices[i].done) == 0)
			tv_puts(a, ctx, "notice", notices[i].text);
	if (done && strcmp(done, "added") == 0) {
		const char *n = qint(r, "n"), *re = qint(r, "re"), *al = qint(r, "al");
		const char *sd = qint(r, "sd"), *sr = qint(r, "sr");
		struct buf b = {0};
		buf_printf(&b, "已添加 %s 个区县", n ? n : "0");
		if (re)
			buf_printf(&b, ",恢复使用 %s 个", re);
		if (al)
			buf_printf(&b, ",%s 个原来就有", al);
		buf_puts(&b, "。");
		if (sd)
			buf_printf(&b, "示例区县已删除 %s 个。", sd);
		if (sr)
			buf_printf(&b, "示例区县已停用 %s 个(它们已有记录,记录保留)。", sr);
		tv_puts(a, ctx, "notice", b.p);
		buf_free(&b);
	}
	show(r, 200, ctx);
}

/* The answer to district.add (rc, out) for lines that came from "how". */
static void
added(struct req *r, int rc, const struct job *out)
{
	if (rc == SQLITE_CONSTRAINT && job_text(out, "error")) {
		struct tval *ctx = tv_map(r->a);
		tv_puts(r->a, ctx, "message", job_text(out, "error"));
		show(r, 422, ctx);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	struct buf b = {0};
	static const char *const keys[][2] = {
		{"added", "n"}, {"reactivated", "re"}, {"already", "al"},
		{"samples_deleted", "sd"}, {"samples_retired", "sr"},
	};
	buf_puts(&b, "/staff/districts?done=added");
	for (size_t i = 0; i < ZJ_NELEM(keys); i++) {
		long long v = job_int(out, keys[i][0], 0);
		if (v || i == 0)
			buf_printf(&b, "&%s=%lld", keys[i][1], v);
	}
	resp_redirect(r, 303, arena_strdup(r->a, b.p));
	buf_free(&b);
}

/* Send lines (district.add) for r. */
static void
add_lines(struct req *r, const char *lines)
{
	struct job in, out;   /* large (writer.h) */
	job_init(&in, "district.add");
	job_init(&out, "district.add");
	int rc = import_put_text(r->app->db, actor_of(r), &in, lines);
	if (rc == SQLITE_DONE)
		rc = store_job(r, &in, &out);
	added(r, rc, &out);
}

static void
refuse(struct req *r, const char *message, const struct import_errors *e)
{
	struct tval *ctx = tv_map(r->a);
	tv_puts(r->a, ctx, "message", message);
	if (e && e->n) {
		struct tval *list = tv_list(r->a);
		for (size_t i = 0; i < e->n; i++)
			tv_push(r->a, list, tv_str(r->a, e->msg[i]));
		tv_put(r->a, ctx, "import_errors", list);
		tv_putb(r->a, ctx, "has_import_errors", 1);
		if (e->more)
			tv_putf(r->a, ctx, "import_more", "另有 %zu 处问题没有列出。", e->more);
	}
	show(r, 422, ctx);
}

static void
add_post(struct req *r)
{
	const char *province = req_field(r, "province"), *city = req_field(r, "city");
	const char *all = req_field(r, "all");
	size_t n, count = 0;
	const struct division *list = divisions(&n);
	struct buf b = {0};
	buf_put(&b, "", 0);
	for (size_t i = 0; province && city && i < n; i++) {
		const struct division *d = &list[i];
		if (strcmp(d->province, province) != 0 || strcmp(d->city, city) != 0)
			continue;
		int chosen = all && strcmp(all, "1") == 0;
		for (size_t k = 0; !chosen && k < r->body.nfields; k++)
			chosen = strcmp(r->body.fields[k].name, "code") == 0 &&
			    strcmp(r->body.fields[k].value, d->code) == 0;
		if (chosen) {
			district_line(&b, d);
			count++;
		}
	}
	if (count == 0) {
		buf_free(&b);
		refuse(r, "请勾选要添加的区县(或点“添加全部区县”)。", NULL);
		return;
	}
	const char *lines = arena_strdup(r->a, b.p);
	buf_free(&b);
	add_lines(r, lines);
}

static void
import_post(struct req *r)
{
	const char *why;
	const char *csv = import_read(r, "file", &why);
	if (csv == NULL) {
		refuse(r, why, NULL);
		return;
	}
	struct import_errors e = {0};
	struct buf b = {0};
	buf_put(&b, "", 0);
	district_csv(r->a, csv, &b, &e);
	const char *lines = arena_strdup(r->a, b.p);
	buf_free(&b);
	if (e.n) {
		refuse(r, "文件里有需要修改的地方,没有导入任何区县:", &e);
		return;
	}
	add_lines(r, lines);
}

static void
state_post(struct req *r)
{
	long long id = req_param_id(r, 0);
	const char *op = req_field(r, "op");
	sqlite3_stmt *st = id > 0 ? db_prep(r->app->db, sql_code_of) : NULL;
	const char *code = NULL;
	if (st) {
		db_bind_int(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			code = arena_strdup(r->a, db_col_text(st, 0));
		sqlite3_reset(st);
	}
	if (code == NULL) {
		resp_error(r, 404, NULL);
		return;
	}
	if (op == NULL || (strcmp(op, "retire") && strcmp(op, "activate") && strcmp(op, "delete"))) {
		refuse(r, "请用“停用”“恢复”或“删除”按钮。", NULL);
		return;
	}
	struct job in, out;   /* large (writer.h) */
	job_init(&in, "district.state");
	job_put_text(&in, "code", code);
	job_put_text(&in, "op", op);
	int rc = store_job(r, &in, &out);
	const char *error = job_text(&out, "error");
	if (rc == SQLITE_CONSTRAINT && error) {
		refuse(r, error, NULL);
		return;
	}
	if (rc == SQLITE_NOTFOUND) {
		resp_error(r, 404, NULL);
		return;
	}
	if (rc != SQLITE_DONE) {
		answer_db_failure(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/staff/districts?done=%s",
	    error ? "retire" : op));
}

static const struct body_limits import_limits = {
	.form = {
		.max_body = IMPORT_MAX_BYTES + 64 * 1024,
		.max_fields = 16,
		.max_field_len = IMPORT_MAX_BYTES,
		.max_files = 1,
		.max_file_size = IMPORT_MAX_BYTES,
	},
	.multipart = 1,
	.too_large = "文件太大:一次最多导入 2 MB。",
};

const struct route page_staff_districts_routes[] = {
	{"GET", "/staff/districts", districts_get, ROLE_ADMIN, NULL},
	{"POST", "/staff/districts/add", add_post, ROLE_ADMIN, NULL},
	{"POST", "/staff/districts/import", import_post, ROLE_ADMIN, &import_limits},
	{"POST", "/staff/districts/{id}", state_post, ROLE_ADMIN, NULL},
	{0},
};
