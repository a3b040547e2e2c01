/*
 * text.c - money and paragraphs as the pages show them.
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "mustache.h"
#include "util.h"

const char *
yuan(char *out, size_t len, long long fen, int grouping)
{
	char digits[24];
	unsigned long long v = fen < 0 ? 0ULL - (unsigned long long)fen :
	    (unsigned long long)fen;
	int n = snprintf(digits, sizeof(digits), "%llu", v / 100);
	size_t k = 0;
	if (len == 0)
		return out;
	if (fen < 0 && k + 1 < len)
		out[k++] = '-';
	for (int i = 0; i < n && k + 1 < len; i++) {
		if (grouping && i > 0 && (n - i) % 3 == 0 && k + 2 < len)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	char cents[4];
	snprintf(cents, sizeof(cents), ".%02llu", v % 100);
	for (int i = 0; cents[i] && k + 1 < len; i++)
		out[k++] = cents[i];
	out[k] = '\0';
	return out;
}

const char *
show_yuan(struct arena *a, long long fen)
{
	char s[32];
	return arena_strdup(a, yuan(s, sizeof(s), fen, 1));
}

struct tval *
paragraphs(struct arena *a, const char *s)
{
	struct tval *list = tv_list(a);
	while (*s) {
		size_t n = strcspn(s, "\n"), k = n;
		while (k && (s[k - 1] == '\r' || s[k - 1] == ' '))
			k--;
		if (k) {
			struct tval *m = tv_map(a);
			tv_put(a, m, "text", tv_strn(a, s, k));
			tv_push(a, list, m);
		}
		s += n + (s[n] == '\n');
	}
	return list;
}
