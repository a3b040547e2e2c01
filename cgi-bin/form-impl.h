/*
 * form-impl.h - what the two files of the request parsers share; private
 * to them.  form.c has query strings, urlencoded bodies, the Cookie
 * header, the lookups and form_cleanup; form-multipart.c has the streaming
 * multipart/form-data reader.  The public contracts are in form.h.
 */
#ifndef ZJ_FORM_IMPL_H
#define ZJ_FORM_IMPL_H

#include <stddef.h>

struct arena;
struct form;
struct form_limits;

/* ---- form.c ---- */

/*
 * Return arr (n elements of sz bytes, in a) with room for one more: arr
 * itself, or a bigger copy in a (the old one is left to the arena).
 * Capacity is implicit, so arrays grown only by this function (starting
 * from NULL, 0) never overflow, also after their length has been cut
 * back.  Never fails (the arena aborts when memory runs out).
 */
void *form_grow(struct arena *a, void *arr, size_t n, size_t sz);

/*
 * Append the field {name, value, len} to f, growing f->fields in a.  The
 * strings are not copied: they must live as long as f.  Never fails.
 */
void form_add_field(struct arena *a, struct form *f, const char *name,
    const char *value, size_t len);

/*
 * What a body's announced length says before a byte is read: FORM_BAD
 * for a negative length other than -1 (unknown), FORM_TOO_LARGE above
 * lim->max_body, else FORM_OK.
 */
int form_check_length(long long content_length, const struct form_limits *lim);

/* 1 when c is a space or a tab (HTTP's optional whitespace), else 0. */
int form_is_ows(int c);

/* The first byte of [s, e) that is not a space or tab, or e. */
const char *form_skip_ows(const char *s, const char *e);

/* e moved back over the spaces and tabs that end [s, e); never below s. */
const char *form_trim_end(const char *s, const char *e);

#endif
