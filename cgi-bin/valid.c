/*
 * valid.c - form tables, validation and the pure validators.
 */
#include "valid.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "util.h"
#include "when.h"

/* Leading and trailing spaces (ASCII and U+3000) are not part of a value. */
static const char *
trim(struct arena *a, const char *s)
{
	size_t len = strlen(s);
	while (1) {
		if (len && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
			s++, len--;
		else if (len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3, len -= 3;
		else
			break;
	}
	while (1) {
		if (len && strchr(" \t\r\n", s[len - 1]))
			len--;
		else if (len >= 3 && memcmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
			len -= 3;
		else
			break;
	}
	return arena_strndup(a, s, len);
}

static int
is_option(const char *const *opts, const char *v)
{
	for (; opts && *opts; opts++)
		if (strcmp(*opts, v) == 0)
			return 1;
	return 0;
}

static const char *
check_int(struct arena *a, const struct field *f, const char *v, long long *out)
{
	char *end;
	if (*v == '\0' || strspn(v, "0123456789") != strlen(v) || strlen(v) > 12)
		return arena_printf(a, "%s须为整数", f->label);
	long long n = strtoll(v, &end, 10);
	if (n < f->min || n > f->max)
		return arena_printf(a, "%s须在 %lld 到 %lld 之间", f->label, f->min, f->max);
	*out = n;
	return NULL;
}

/* Validate one present, non-empty value. */
static const char *
check_value(struct req *r, const struct field *f, struct fresult *res)
{
	struct arena *a = r->a;
	const char *v = res->value;
	size_t chars = utf8_count(v, strlen(v));
	const char *why;

	switch (f->kind) {
	case F_TEXT:
		if (strpbrk(v, "\r\n\t"))
			return arena_printf(a, "%s不能包含换行或制表符", f->label);
		/* fall through */
	case F_TEXTAREA:
		if ((long long)chars < f->min)
			return arena_printf(a, "%s至少 %lld 个字", f->label, f->min);
		if (f->max && (long long)chars > f->max)
			return arena_printf(a, "%s最多 %lld 个字(现在 %zu 个)", f->label, f->max, chars);
		return NULL;
	case F_SELECT:
	case F_RADIO:
		return is_option(f->options, v) ? NULL :
		    arena_printf(a, "请从列表中选择%s", f->label);
	case F_CHECK:
		res->num = 1;
		return NULL;
	case F_INT:
		return check_int(a, f, v, &res->num);
	case F_MONEY:
		if ((why = valid_money(v, &res->num)) != NULL)
			return arena_printf(a, "%s%s", f->label, why);
		if (res->num < f->min || res->num > f->max)
			return arena_printf(a, "%s须在 %lld 到 %lld 元之间", f->label,
			    f->min / 100, f->max / 100);
		return NULL;
	case F_PHONE:
		return valid_phone(v);
	case F_IDCARD:
		if (strlen(v) == 18 && v[17] == 'x')
			res->value = v = arena_printf(a, "%.17sX", v);
		return valid_idcard(v);
	case F_MULTI:
	case F_FILE:
		return NULL;
	}
	return NULL;
}

int
form_check(struct req *r, const struct field *fields, size_t n,
    struct fresult *res)
{
	int errors = 0;
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		struct fresult *x = &res[i];
		memset(x, 0, sizeof(*x));
		if (f->kind == F_FILE) {
			x->value = "";
			continue;
		}
		if (f->kind == F_MULTI) {
			size_t k = form_count(&r->body, f->name);
			x->multi = arena_calloc(r->a, k + 1, sizeof(*x->multi));
			for (size_t j = 0; j < r->body.nfields; j++) {
				const struct form_field *ff = &r->body.fields[j];
				if (strcmp(ff->name, f->name) != 0)
					continue;
				if (!is_option(f->options, ff->value))
					x->error = arena_printf(r->a, "请从列表中选择%s", f->label);
				else if (x->nmulti < k)
					x->multi[x->nmulti++] = ff->value;
			}
			x->value = "";
			if (f->required && x->nmulti == 0 && !x->error)
				x->error = arena_printf(r->a, "请选择%s", f->label);
			errors += x->error != NULL;
			continue;
		}
		const char *raw = req_field(r, f->name);
		x->value = trim(r->a, raw ? raw : "");
		if (x->value[0] == '\0') {
			if (f->required)
				x->error = f->kind == F_CHECK ?
				    arena_printf(r->a, "请勾选“%s”", f->label) :
				    f->kind == F_SELECT || f->kind == F_RADIO ?
				    arena_printf(r->a, "请选择%s", f->label) :
				    arena_printf(r->a, "请填写%s", f->label);
		} else
			x->error = check_value(r, f, x);
		errors += x->error != NULL;
	}
	return errors;
}

int
field_index(const struct field *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
chosen(const struct fresult *x, const char *opt)
{
	if (x == NULL)
		return 0;
	if (x->multi) {
		for (size_t k = 0; k < x->nmulti; k++)
			if (strcmp(x->multi[k], opt) == 0)
				return 1;
		return 0;
	}
	return strcmp(x->value, opt) == 0;
}

/* Every string form_view shows is a literal of a field table or text the
 * request already holds in its arena: put it without copying. */
static void
tv_putl(struct arena *a, struct tval *m, const char *key, const char *s)
{
	tv_put(a, m, key, tv_lit(a, s));
}

/* How a browser should offer the field: input type and keyboard. */
static void
input_kind(struct arena *a, struct tval *m, enum fkind k)
{
	const char *type = "text", *mode = NULL, *ac = NULL;
	switch (k) {
	case F_PHONE: type = "tel"; mode = "numeric"; ac = "tel"; break;
	case F_INT: mode = "numeric"; break;
	case F_MONEY: mode = "decimal"; break;
	case F_IDCARD: ac = "off"; break;
	case F_FILE: type = "file"; break;
	default: break;
	}
	tv_putl(a, m, "type", type);
	if (mode)
		tv_putl(a, m, "inputmode", mode);
	if (ac)
		tv_putl(a, m, "autocomplete", ac);
}

static struct tval *
build_options(struct arena *a, const char *const *options,
    const struct fresult *x, int copy)
{
	struct tval *opts = tv_list(a);
	for (const char *const *o = options; *o; o++) {
		struct tval *om = tv_map(a);
		/* Options are literals or text the arena already holds. */
		tv_put(a, om, "value", copy ? tv_str(a, *o) : tv_lit(a, *o));
		tv_putb(a, om, "selected", chosen(x, *o));
		tv_puti(a, om, "i", o - options);
		tv_push(a, opts, om);
	}
	return opts;
}

/* 1 when the cached list still shows exactly these options. */
static int
same_options(const struct tval *list, const char *const *options)
{
	size_t i = 0;
	for (; options[i]; i++)
		if (i >= list->n || strcmp(tv_get(list->items[i], "value")->str, options[i]) != 0)
			return 0;
	return i == list->n;
}

/*
 * The options of a field.  With nothing chosen they look the same on
 * every request and the template only reads them: each worker builds such
 * a list once, in memory that lives as long as the worker.  A table whose
 * content is seen to change (one filled per request) is never cached.
 */
static struct tval *
option_list(struct arena *a, const struct field *f, const struct fresult *x)
{
	static struct {
		const char *const *options;
		struct tval *list;
		int changes;
	} cache[32];
	static struct arena *forever;
	if (x != NULL && (x->value[0] != '\0' || x->nmulti != 0))
		return build_options(a, f->options, x, 0);
	for (size_t i = 0; i < ZJ_NELEM(cache); i++) {
		if (cache[i].options == f->options) {
			if (!cache[i].changes && same_options(cache[i].list, f->options))
				return cache[i].list;
			cache[i].changes = 1;
			break;
		}
		if (cache[i].options == NULL) {
			if (forever == NULL)
				forever = arena_new();
			cache[i].options = f->options;
			cache[i].list = build_options(forever, f->options, NULL, 1);
			return cache[i].list;
		}
	}
	return build_options(a, f->options, x, 0);
}

struct tval *
form_view(struct req *r, const struct field *fields, size_t n,
    const struct fresult *res)
{
	struct arena *a = r->a;
	struct tval *view = tv_map(a);
	struct tval *errors = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const struct fresult *x = res ? &res[i] : NULL;
		struct tval *m = tv_map(a);
		tv_putl(a, m, "name", f->name);
		tv_putl(a, m, "label", f->label);
		tv_putl(a, m, "value", x ? x->value : "");
		tv_putb(a, m, "required", f->required);
		if (f->hint)
			tv_putl(a, m, "hint", f->hint);
		if (f->placeholder)
			tv_putl(a, m, "placeholder", f->placeholder);
		if (f->kind == F_TEXT || f->kind == F_TEXTAREA)
			tv_puti(a, m, "max", f->max);
		if (f->kind == F_CHECK)
			tv_putb(a, m, "checked", x && x->value[0] != '\0');
		input_kind(a, m, f->kind);
		if (f->hint || (x && x->error))
			tv_putf(a, m, "describedby", "%s%s%s%s", f->hint ? "hint-" : "",
			    f->hint ? f->name : "", f->hint && x && x->error ? " " : "",
			    x && x->error ? arena_printf(a, "err-%s", f->name) : "");
		if (f->options)
			tv_put(a, m, "options", option_list(a, f, x));
		if (x && x->error) {
			tv_putl(a, m, "error", x->error);
			tv_putf(a, m, "error_id", "err-%s", f->name);
			tv_putb(a, m, "invalid", 1);
			struct tval *e = tv_map(a);
			tv_putl(a, e, "label", f->label);
			tv_putl(a, e, "name", f->name);
			tv_putl(a, e, "error", x->error);
			tv_push(a, errors, e);
		}
		tv_put(a, view, f->name, m);
	}
	tv_put(a, view, "errors", errors);
	tv_putb(a, view, "has_errors", errors->n > 0);
	tv_puti(a, view, "error_count", (long long)errors->n);
	return view;
}

/* ---- pure validators ---- */

static int
days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
age_on(long birth, long today)
{
	int age = (int)(today / 10000 - birth / 10000);
	if (today % 10000 < birth % 10000)
		age--;
	return age;
}

const char *
valid_idcard(const char *s)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (strlen(s) != 18 || strspn(s, "0123456789") < 17 ||
	    !(isdigit((unsigned char)s[17]) || s[17] == 'X'))
		return "身份证号应为 18 位,最后一位可以是数字或 X";
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * weight[i];
	if (check[sum % 11] != s[17])
		return "身份证号校验位不正确,请核对是否有输错的数字";
	long birth = valid_idcard_birth(s);
	int y = (int)(birth / 10000), m = (int)(birth / 100 % 100), d = (int)(birth % 100);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) ||
	    birth > today_shanghai())
		return "身份证号中的出生日期不正确";
	return NULL;
}

long
valid_idcard_birth(const char *s)
{
	long v = 0;
	for (int i = 6; i < 14; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int
valid_idcard_sex(const char *s)
{
	return (s[16] - '0') % 2 ? 1 : 2;
}

const char *
valid_phone(const char *s)
{
	if (strlen(s) != 11 || strspn(s, "0123456789") != 11 || s[0] != '1' ||
	    s[1] < '3')
		return "手机号应为 11 位数字,以 13–19 开头";
	return NULL;
}

const char *
valid_money(const char *s, long long *fen)
{
	size_t ip = strspn(s, "0123456789");
	if (ip == 0 || ip > 10)
		return "请填写金额数字,例如 3500 或 3500.50";
	long long v = 0;
	for (size_t i = 0; i < ip; i++)
		v = v * 10 + (s[i] - '0');
	v *= 100;
	const char *p = s + ip;
	if (*p == '.') {
		size_t fp = strspn(p + 1, "0123456789");
		if (fp == 0 || fp > 2 || p[1 + fp] != '\0')
			return "最多保留两位小数";
		v += (p[1] - '0') * 10 + (fp == 2 ? p[2] - '0' : 0);
	} else if (*p != '\0')
		return "请填写金额数字,例如 3500 或 3500.50";
	*fen = v;
	return NULL;
}

void
mask_idcard(const char *id, char out[19])
{
	size_t len = strlen(id);
	if (len != 18) {
		snprintf(out, 19, "%s", len ? "***" : "");
		return;
	}
	memcpy(out, id, 3);
	memset(out + 3, '*', 11);
	memcpy(out + 14, id + 14, 4);
	out[18] = '\0';
}

void
mask_phone(const char *phone, char out[16])
{
	size_t n = strlen(phone);
	if (n < 8 || n > 15) {
		snprintf(out, 16, "%s", n ? "***" : "");
		return;
	}
	memcpy(out, phone, 3);
	memset(out + 3, '*', n - 7);
	memcpy(out + n - 4, phone + n - 4, 4);
	out[n] = '\0';
}
