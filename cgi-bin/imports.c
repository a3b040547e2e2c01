/*
 * imports.c - reading CSV files people send, and carrying them to the
 * writer (see imports.h).
 */
#include "imports.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "http.h"
#include "staff.h"
#include "store.h"
#include "util.h"

static const char sql_piece[] =
    "INSERT INTO import_chunks (batch, seq, body, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_pieces[] =
    "SELECT body FROM import_chunks WHERE batch = ?1 ORDER BY seq";
static const char sql_drop[] =
    "DELETE FROM import_chunks WHERE batch = ?1 OR created_at < ?2";

const struct body_limits import_limits = {
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

/* A file of at most IMPORT_MAX_BYTES into the arena; NULL with *why. */
static const char *
read_file(struct req *r, const struct form_file *ff, const char **why)
{
	if (ff->too_big || ff->size > IMPORT_MAX_BYTES) {
		*why = "文件太大:一次最多导入 2 MB";
		return NULL;
	}
	if (ff->path == NULL || ff->size == 0)
		return "";
	FILE *f = fopen(ff->path, "rb");
	if (f == NULL) {
		LOG_ERR("%s: %s", ff->path, strerror(errno));
		*why = "文件无法读取,请重新选择";
		return NULL;
	}
	char *text = arena_alloc(r->a, ff->size + 1);
	size_t got = fread(text, 1, ff->size, f);
	fclose(f);
	if (got != ff->size) {
		*why = "文件无法读取,请重新选择";
		return NULL;
	}
	text[got] = '\0';
	return text;
}

const char *
import_read(struct req *r, const char *name, const char **why)
{
	const char *text = NULL;
	*why = NULL;
	for (size_t i = 0; i < r->body.nfiles; i++) {
		const struct form_file *ff = &r->body.files[i];
		if (strcmp(ff->field, name) == 0 && (ff->size > 0 || ff->too_big)) {
			if ((text = read_file(r, ff, why)) == NULL)
				return NULL;
			break;
		}
	}
	if (r->body.files_over > 0) {
		*why = "一次只能导入一个文件";
		return NULL;
	}
	if (text == NULL)
		text = req_field(r, arena_printf(r->a, "%s_text", name));
	if (text && strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	size_t len = text ? strlen(text) : 0;
	const char *p = text;
	while (p && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
		p++;
	if (p == NULL || *p == '\0') {
		*why = "请选择 CSV 文件,或把内容粘贴到文本框里";
		return NULL;
	}
	if (len > IMPORT_MAX_BYTES) {
		*why = "内容太多:一次最多导入 2 MB";
		return NULL;
	}
	if (!utf8_text_ok(text, len)) {
		*why = "文件不是 UTF-8 编码的文本。在 Excel 中请“另存为”“CSV UTF-8(逗号分隔)”后再导入";
		return NULL;
	}
	return text;
}

/* Trim ASCII blanks and U+3000 from both ends of s[0..len). */
static const char *
trimmed(struct arena *a, const char *s, size_t len)
{
	for (;;) {
		if (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		else if (len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3, len -= 3;
		else
			break;
	}
	for (;;) {
		if (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		else if (len >= 3 && memcmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
			len -= 3;
		else
			break;
	}
	return arena_strndup(a, s, len);
}

int
import_row(struct arena *a, const char **p, const char **cells, size_t max,
    size_t *n, int *line)
{
	const char *s = *p;
	/* blank lines */
	for (;;) {
		const char *t = s;
		while (*t == ' ' || *t == '\t' || *t == '\r')
			t++;
		if (*t == '\n') {
			s = t + 1;
			(*line)++;
			continue;
		}
		if (*t == '\0') {
			*p = t;
			return 0;
		}
		break;
	}
	int start = ++(*line);   /* a quote not closed is reported here */
	*n = 0;
	struct buf cell = {0};
	for (;;) {
		buf_reset(&cell);
		buf_put(&cell, "", 0);
		const char *t = s;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '"') {
			t++;
			for (;;) {
				if (*t == '\0') {
					buf_free(&cell);
					*line = start;
					return -1;
				}
				if (*t == '"' && t[1] == '"') {
					buf_putc(&cell, '"');
					t += 2;
				} else if (*t == '"') {
					t++;
					break;
				} else {
					if (*t == '\n')
						(*line)++;
					buf_putc(&cell, *t++);
				}
			}
			while (*t == ' ' || *t == '\t')
				t++;
			if (*t != ',' && *t != '\n' && *t != '\r' && *t != '\0') {
				buf_free(&cell);
				*line = start;
				return -1;
			}
		} else {
			const char *e = t;
			while (*e && *e != ',' && *e != '\n' && *e != '\r')
				e++;
			buf_put(&cell, t, (size_t)(e - t));
			t = e;
		}
		if (*n < max)
			cells[*n] = trimmed(a, cell.p, cell.len);
		(*n)++;
		if (*t == ',') {
			s = t + 1;
			continue;
		}
		if (*t == '\r')
			t++;
		if (*t == '\n')
			t++;
		*p = t;
		break;
	}
	buf_free(&cell);
	return 1;
}

/* The length of the next piece of text: at most IMPORT_PIECE bytes, cut
 * after a newline when there is one, else on a UTF-8 boundary. */
static size_t
piece_len(const char *text)
{
	size_t len = strlen(text);
	if (len <= IMPORT_PIECE)
		return len;
	size_t cut = IMPORT_PIECE;
	while (cut > IMPORT_PIECE / 2 && text[cut - 1] != '\n')
		cut--;
	if (text[cut - 1] != '\n') {
		cut = IMPORT_PIECE;
		while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
			cut--;
	}
	return cut;
}

int
import_put_text(struct db *db, const struct actor *who, struct job *j,
    const char *text)
{
	if (strlen(text) <= IMPORT_PIECE) {
		job_put_text(j, "text", text);
		return SQLITE_DONE;
	}
	unsigned char rnd[12];
	char batch[sizeof(rnd) * 2 + 1];
	if (random_bytes(rnd, sizeof(rnd)) != 0)
		return SQLITE_ERROR;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(batch + 2 * i, 3, "%02x", rnd[i]);
	struct job in, out;   /* large (writer.h) */
	for (int seq = 0; *text; seq++) {
		size_t len = piece_len(text);
		char *body = xmalloc(len + 1);
		memcpy(body, text, len);
		body[len] = '\0';
		job_init(&in, "import.piece");
		job_put_text(&in, "batch", batch);
		job_put_int(&in, "seq", seq);
		job_put_text(&in, "body", body);
		job_put_actor(&in, who);
		free(body);
		int rc = job_run(db, &in, &out);
		if (rc != SQLITE_DONE)
			return rc;
		text += len;
	}
	job_put_text(j, "batch", batch);
	return SQLITE_DONE;
}

int
import_take_text(struct db *db, struct arena *a, const struct job *in,
    const char **text)
{
	const char *small = job_text(in, "text"), *batch = job_text(in, "batch");
	if (small) {
		*text = small;
		return SQLITE_DONE;
	}
	if (batch == NULL)
		return SQLITE_MISUSE;
	sqlite3_stmt *st = db_prep(db, sql_pieces);
	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch);
	struct buf b = {0};
	int rc;
	buf_put(&b, "", 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		buf_puts(&b, db_col_text(st, 0));
	sqlite3_reset(st);
	*text = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	if (rc != SQLITE_DONE)
		return rc;
	char now[32], dayago[32];
	utc_now_iso(now, sizeof(now));
	utc_iso(time(NULL) - 86400, dayago, sizeof(dayago));
	if ((st = db_prep(db, sql_drop)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, 1, batch);
	db_bind_text(st, 2, dayago);
	return db_exec_stmt(db, st);
}

/* Job "import.piece": store "body" as piece "seq" of "batch". */
static int
piece_job(struct db *db, struct arena *a, const struct job *in, struct job *out)
{
	(void)a;
	(void)out;
	const char *batch = job_text(in, "batch"), *body = job_text(in, "body");
	char now[32];
	if (batch == NULL || body == NULL)
		return SQLITE_MISUSE;
	sqlite3_stmt *st = db_prep(db, sql_piece);
	if (st == NULL)
		return SQLITE_ERROR;
	utc_now_iso(now, sizeof(now));
	db_bind_text(st, 1, batch);
	db_bind_int(st, 2, job_int(in, "seq", 0));
	db_bind_text(st, 3, body);
	db_bind_text(st, 4, now);
	return db_exec_stmt(db, st);
}

const struct job_type import_jobs[] = {
	{"import.piece", piece_job},
	{0},
};

void
import_error(struct arena *a, struct import_errors *e, int line, const char *fmt, ...)
{
	if (e->n == IMPORT_MAX_ERRORS) {
		e->more++;
		return;
	}
	struct buf b = {0};
	va_list ap;
	if (line > 0)
		buf_printf(&b, "第 %d 行:", line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	e->msg[e->n++] = arena_strdup(a, b.p);
	buf_free(&b);
}

const char *
import_errors_text(struct arena *a, const struct import_errors *e)
{
	struct buf b = {0};
	buf_put(&b, "", 0);
	for (size_t i = 0; i < e->n; i++)
		buf_printf(&b, "%s\n", e->msg[i]);
	if (e->more)
		buf_printf(&b, "另有 %zu 处问题没有列出。\n", e->more);
	const char *t = arena_strdup(a, b.p);
	buf_free(&b);
	return t;
}

void
import_errors_parse(struct arena *a, const char *text, struct import_errors *e)
{
	memset(e, 0, sizeof(*e));
	while (text && *text && e->n < IMPORT_MAX_ERRORS) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		if (len)
			e->msg[e->n++] = arena_strndup(a, text, len);
		text += len + (nl != NULL);
	}
}
