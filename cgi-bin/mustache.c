/*
 * mustache.c - template sets: adding a compiled template, finding one by
 * name, and loading a folder of *.mustache files (tmpl_load_dir).  The
 * rest of the engine is in mustache-data.c, mustache-compile.c and
 * mustache-render.c; mustache-impl.h says what they share.
 */
#include "mustache-impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sets ---- */

static void
tmpl_destroy(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->nodes);
	free(t->pool);
	free(t);
}

/* Position of name in set->v, or where it would go; *found says which. */
static size_t
set_pos(const struct tmpl_set *set, const char *name, int *found)
{
	size_t lo = 0, hi = set->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, set->v[mid]->name);
		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct tmpl *
mu_set_find(const struct tmpl_set *set, const char *name)
{
	int found;
	size_t i = set_pos(set, name, &found);
	return found ? set->v[i] : NULL;
}

/* Add t to the set, freeing a template of the same name. */
static void
set_insert(struct tmpl_set *set, struct tmpl *t)
{
	int found;
	size_t i = set_pos(set, t->name, &found);

	if (found) {
		tmpl_destroy(set->v[i]);
		set->v[i] = t;
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	memmove(set->v + i + 1, set->v + i, (set->n - i) * sizeof(*set->v));
	set->v[i] = t;
	set->n++;
}

struct tmpl_set *
tmpl_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

void
tmpl_free(struct tmpl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_destroy(set->v[i]);
	free(set->v);
	free(set);
}

static int
add_labelled(struct tmpl_set *set, const char *name, const char *label,
    const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl *t;

	if (set == NULL || name == NULL || (src == NULL && len > 0)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: no template given",
			    name != NULL ? name : "(null)");
		return -1;
	}
	t = mu_compile(name, label, src != NULL ? src : "", len, err, errlen);
	if (t == NULL)
		return -1;
	set_insert(set, t);
	return 0;
}

int
tmpl_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	return add_labelled(set, name, name, src, len, err, errlen);
}

int
tmpl_has(const struct tmpl_set *set, const char *name)
{
	return set != NULL && name != NULL && mu_set_find(set, name) != NULL;
}

/* ---- loading a folder ---- */

static int
ioerr(char *err, size_t errlen, const char *path, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

/* path/name.mustache becomes template path+base without the extension. */
static int
load_file(struct tmpl_set *set, const char *path, size_t base, char *err,
    size_t errlen)
{
	int rc = -1, fd;
	struct stat sb;
	char *src = NULL, *name = NULL;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ioerr(err, errlen, path, strerror(errno));
	if (fstat(fd, &sb) < 0) {
		ioerr(err, errlen, path, strerror(errno));
		goto out;
	}
	if (sb.st_size > (off_t)TMPL_MAX_SRC) {
		ioerr(err, errlen, path, "file too large");
		goto out;
	}
	src = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		ssize_t r = read(fd, src + len, (size_t)sb.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ioerr(err, errlen, path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	name = xstrdup(path + base);
	name[strlen(name) - strlen(TMPL_EXT)] = '\0';
	rc = add_labelled(set, name, path, src, len, err, errlen);
out:
	free(name);
	free(src);
	close(fd);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_template_file(const char *name)
{
	size_t n = strlen(name), e = strlen(TMPL_EXT);
	return n > e && strcmp(name + n - e, TMPL_EXT) == 0;
}

/* Entry names of the folder at path, sorted, without hidden ones; NULL
 * with err set when it cannot be read.  Caller frees each and the array. */
static char **
list_dir(const char *path, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL) {
		ioerr(err, errlen, path, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names != NULL ? names : xcalloc(1, sizeof(*names));
}

/* Every template below the folder in path (a buf, restored on return). */
static int
load_tree(struct tmpl_set *set, struct buf *path, size_t base, int depth,
    char *err, size_t errlen)
{
	size_t n = 0, keep = path->len;
	char **names;
	int rc = 0;

	if (depth > TMPL_MAX_DIRS)
		return ioerr(err, errlen, path->p, "folders nested too deeply");
	names = list_dir(path->p, &n, err, errlen);
	if (names == NULL)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat sb;

		path->len = keep;
		buf_putc(path, '/');
		buf_puts(path, names[i]);
		if (stat(path->p, &sb) < 0)
			rc = ioerr(err, errlen, path->p, strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = load_tree(set, path, base, depth + 1, err, errlen);
		else if (S_ISREG(sb.st_mode) && is_template_file(names[i]))
			rc = load_file(set, path->p, base, err, errlen);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	path->len = keep;
	path->p[keep] = '\0';
	return rc;
}

struct tmpl_set *
tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *set;
	struct buf path = { 0 };
	size_t n;

	if (dir == NULL) {
		ioerr(err, errlen, "(null)", "no folder given");
		return NULL;
	}
	set = tmpl_new();
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	buf_put(&path, dir, n);
	if (load_tree(set, &path, path.len + 1, 0, err, errlen) < 0) {
		tmpl_free(set);
		set = NULL;
	}
	buf_free(&path);
	return set;
}
