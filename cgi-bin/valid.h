/*
 * valid.h - forms as tables (after kcgi's struct kvalid): each field names
 * its label, kind, limits and options; form_check validates a request
 * against the table and form_view builds what the template shows (values
 * kept, a message beside each wrong field, options with the chosen ones
 * marked).  Plus the pure validators the tables use.
 */
#ifndef ZJ_VALID_H
#define ZJ_VALID_H

#include <stddef.h>

#include "mustache.h"

struct req;

enum fkind {
	F_TEXT,      /* one line: min..max characters */
	F_TEXTAREA,  /* several lines: min..max characters */
	F_SELECT,    /* one of options */
	F_RADIO,     /* one of options, shown as radio buttons */
	F_MULTI,     /* any of options, shown as check boxes */
	F_CHECK,     /* a single check box: "1" when ticked */
	F_INT,       /* whole number, min..max */
	F_MONEY,     /* 元 with at most two decimals, min..max in 分 */
	F_PHONE,     /* mainland mobile number */
	F_IDCARD,    /* 居民身份证号 */
	F_FILE,      /* file uploads: the page checks r->body.files itself;
	                the table gives the label, hint and message place */
};

struct field {
	const char *name;       /* form field name (ASCII) */
	const char *label;      /* the visible label, as the issues name it */
	enum fkind kind;
	int required;
	long long min, max;     /* characters, or the number's range */
	const char *const *options; /* NULL-terminated, for select/radio/multi */
	const char *hint;       /* shown under the label; may be NULL */
	const char *placeholder;
};

struct fresult {
	const char *value;      /* trimmed text as typed ("" when absent) */
	long long num;          /* F_INT, F_MONEY (分), F_CHECK (0/1) */
	const char **multi;     /* F_MULTI: the chosen options */
	size_t nmulti;
	const char *error;      /* NULL when the value is good */
};

/*
 * Validate the request's body against fields[0..n).  Fills res (n
 * entries).  Returns the number of fields with an error.  Never fails.
 */
int form_check(struct req *r, const struct field *fields, size_t n,
    struct fresult *res);

/*
 * The template data of a form: a map with one entry per field name, each a
 * map {name, label, value, error, error_id, invalid, required, hint,
 * placeholder, min, max, options: [{value, selected}], checked}; plus
 * "errors": [{label, name, error}] for the summary at the top.
 */
struct tval *form_view(struct req *r, const struct field *fields, size_t n,
    const struct fresult *res);

/* Index of the field named name in fields, or -1. */
int field_index(const struct field *fields, size_t n, const char *name);

/* ---- pure validators: NULL when good, else a message in Chinese ---- */

/* 18 characters, GB 11643 check digit (ISO 7064 MOD 11-2), a real birth
 * date not in the future.  A lower-case x is accepted as X. */
const char *valid_idcard(const char *s);
/* Birth date of a valid ID number as YYYYMMDD, and the sex from its 17th
 * digit: 1 male, 2 female. */
long valid_idcard_birth(const char *s);
int valid_idcard_sex(const char *s);
/* Age in whole years on the date today (YYYYMMDD) of someone born on
 * birth (YYYYMMDD). */
int age_on(long birth, long today);

/* 11 digits, 1[3-9] then 9 digits. */
const char *valid_phone(const char *s);

/* "1234.5" → 123450 分; at most two decimals, no sign, no exponent. */
const char *valid_money(const char *s, long long *fen);

/* ID number masked for lists and exports: 110***********002X. */
void mask_idcard(const char *id, char out[19]);
/* A phone number masked for lists and exports: 138****5678 (the first 3 and
 * last 4 characters kept; "***" for text shorter than 8 or longer than 15,
 * "" for "").  out holds ≥ 16 bytes. */
void mask_phone(const char *phone, char out[16]);

#endif
