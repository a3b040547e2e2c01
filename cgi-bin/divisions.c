/*
 * divisions.c - the shipped division list, read once per process.
 */
#include "divisions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DIVISIONS_MAX_BYTES (4 * 1024 * 1024)

static char *path_given;
static struct {
	int tried;
	char *text;               /* the file, cut into fields in place */
	struct division *list;
	size_t n;
} loaded;

void
divisions_file(const char *path)
{
	if (loaded.tried)
		return;
	free(path_given);
	path_given = xstrdup(path);
}

int
division_code_ok(const char *s)
{
	return s != NULL && strlen(s) == 6 && strspn(s, "0123456789") == 6 && s[0] != '0';
}

/* Read the whole file at path into a fresh NUL-terminated buffer; NULL
 * (logged) when it cannot. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		LOG_ERR("%s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = {0};
	char chunk[16384];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= DIVISIONS_MAX_BYTES)
		buf_put(&b, chunk, got);
	int bad = ferror(f) || b.len > DIVISIONS_MAX_BYTES;
	fclose(f);
	if (bad || b.p == NULL) {
		LOG_ERR("%s: cannot read it whole", path);
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* Cut text's lines ("code\tprovince\tcity\tcounty"; '#' lines are
 * comments) into loaded.list.  0, or -1 (logged) on a malformed line or
 * a list out of order. */
static int
parse(char *text)
{
	size_t cap = 4096, n = 0, lineno = 0;
	struct division *list = xcalloc(cap, sizeof(*list));
	char *line = text, *next;
	for (; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		char *f[4];
		f[0] = line;
		for (int i = 1; i < 4; i++) {
			char *tab = strchr(f[i - 1], '\t');
			if (tab == NULL)
				goto bad;
			*tab = '\0';
			f[i] = tab + 1;
		}
		if (strchr(f[3], '\t') || !division_code_ok(f[0]) || !*f[1] || !*f[2] || !*f[3])
			goto bad;
		if (n > 0 && strcmp(list[n - 1].code, f[0]) >= 0)
			goto bad;
		if (n == cap)
			list = xrealloc(list, (cap *= 2) * sizeof(*list));
		list[n++] = (struct division){f[0], f[1], f[2], f[3]};
	}
	loaded.list = list;
	loaded.n = n;
	return 0;
bad:
	LOG_ERR("%s line %zu: not \"code<TAB>province<TAB>city<TAB>county\" in code order",
	    path_given, lineno);
	free(list);
	return -1;
}

const struct division *
divisions(size_t *n)
{
	if (!loaded.tried) {
		loaded.tried = 1;
		if (path_given == NULL)
			LOG_ERR("no division list was named");
		else if ((loaded.text = slurp(path_given)) != NULL && parse(loaded.text) != 0) {
			free(loaded.text);
			loaded.text = NULL;
		}
	}
	*n = loaded.n;
	return loaded.list;
}

static int
by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct division *)elem)->code);
}

const struct division *
division_find(const char *code)
{
	size_t n;
	const struct division *list = divisions(&n);
	if (list == NULL || !division_code_ok(code))
		return NULL;
	return bsearch(code, list, n, sizeof(*list), by_code);
}
