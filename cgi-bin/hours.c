/*
 * hours.c - opening hours: parse what people type, show what is stored
 * (see hours.h).
 */
#include "hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const weekday_names[8] = {
	"", "周一", "周二", "周三", "周四", "周五", "周六", "周日",
};

static const char *const closed_words[] = {"休息", "不开放", "关闭", "闭馆", NULL};
static const char *const allday_words[] = {
	"24小时", "24 小时", "24h", "24H", "全天", "全天开放", NULL,
};
/* Between a period's two times, and between two days of a range. */
static const char *const dashes[] = {
	"-", "\xe2\x80\x93", "\xe2\x80\x94", "~", "\xef\xbd\x9e", "至", "到", NULL,
};
/* Between periods, and between days of a list. */
static const char *const commas[] = {",", "\xef\xbc\x8c", "、", "/", NULL};
/* Between a week's groups. */
static const char *const semicolons[] = {";", "\xef\xbc\x9b", "\n", NULL};

struct dayword {
	const char *word;
	int from, to;   /* the days it names */
};
static const struct dayword daywords[] = {
	{"每天", 1, 7}, {"每日", 1, 7}, {"天天", 1, 7}, {"工作日", 1, 5},
	{"周末", 6, 7}, {"双休日", 6, 7},
	{"周一", 1, 1}, {"周二", 2, 2}, {"周三", 3, 3}, {"周四", 4, 4},
	{"周五", 5, 5}, {"周六", 6, 6}, {"周日", 7, 7}, {"周天", 7, 7},
	{"星期一", 1, 1}, {"星期二", 2, 2}, {"星期三", 3, 3}, {"星期四", 4, 4},
	{"星期五", 5, 5}, {"星期六", 6, 6}, {"星期日", 7, 7}, {"星期天", 7, 7},
	{NULL, 0, 0},
};

void
hours_clear(struct week_hours *w)
{
	memset(w, 0, sizeof(*w));
}

int
hours_empty(const struct week_hours *w)
{
	for (int d = 1; d <= 7; d++)
		if (w->n[d])
			return 0;
	return 1;
}

/* Skip ASCII blanks and U+3000. */
static const char *
blanks(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		else if (strncmp(p, "\xe3\x80\x80", 3) == 0)
			p += 3;
		else
			return p;
	}
}

/* If *p starts with one of words, step over it: 1; else 0. */
static int
take(const char **p, const char *const *words)
{
	for (; *words; words++) {
		size_t n = strlen(*words);
		if (strncmp(*p, *words, n) == 0) {
			*p += n;
			return 1;
		}
	}
	return 0;
}

/* 1 when the text from p to its end (blanks aside) is one of words. */
static int
only(const char *p, const char *const *words)
{
	p = blanks(p);
	for (; *words; words++) {
		size_t n = strlen(*words);
		if (strncmp(p, *words, n) == 0 && *blanks(p + n) == '\0')
			return 1;
	}
	return 0;
}

/* "8:00", "08:00", "20：30", "24:00" into out ("HH:MM"); 0 or -1. */
static int
take_time(const char **p, char out[6])
{
	const char *s = *p;
	int h = 0, m = 0, digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 2)
		h = h * 10 + (*s++ - '0'), digits++;
	if (digits == 0)
		return -1;
	if (*s == ':')
		s++;
	else if (strncmp(s, "\xef\xbc\x9a", 3) == 0)
		s += 3;
	else
		return -1;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	snprintf(out, 6, "%02d:%02d", h, m);
	*p = s;
	return 0;
}

static int
by_opens(const void *a, const void *b)
{
	return strcmp(((const struct hours_period *)a)->opens,
	    ((const struct hours_period *)b)->opens);
}

/* Periods of one day from text into out; NULL or a message. */
static const char *
parse_periods(const char *text, struct hours_period out[HOURS_DAY_PERIODS], int *n)
{
	const char *p = blanks(text);
	*n = 0;
	if (*p == '\0' || only(p, closed_words))
		return NULL;
	if (only(p, allday_words)) {
		snprintf(out[0].opens, 6, "00:00");
		snprintf(out[0].closes, 6, "24:00");
		*n = 1;
		return NULL;
	}
	while (*p) {
		struct hours_period hp;
		if (*n == HOURS_DAY_PERIODS)
			return "一天最多写 " ZJ_STR(HOURS_DAY_PERIODS) " 个时段";
		if (take_time(&p, hp.opens) != 0)
			return "请按“08:00-20:00”的样子填写时间;全天开放填“24小时”,不开放留空";
		p = blanks(p);
		if (!take(&p, dashes))
			return "开始和结束时间之间请用“-”隔开,例如 08:00-20:00";
		p = blanks(p);
		if (take_time(&p, hp.closes) != 0)
			return "请按“08:00-20:00”的样子填写时间;全天开放填“24小时”,不开放留空";
		if (strcmp(hp.opens, hp.closes) >= 0)
			return "结束时间须晚于开始时间;跨夜开放的,当天写到 24:00,次日从 00:00 写起";
		if (strcmp(hp.opens, "24:00") == 0)
			return "开始时间最晚 23:59";
		out[(*n)++] = hp;
		p = blanks(p);
		if (*p && !take(&p, commas))
			return "多个时段之间请用逗号隔开,例如 08:00-12:00, 14:00-18:00";
		p = blanks(p);
	}
	qsort(out, (size_t)*n, sizeof(*out), by_opens);
	for (int i = 1; i < *n; i++)
		if (strcmp(out[i - 1].closes, out[i].opens) > 0)
			return "时段有重叠,请合并成一段";
	return NULL;
}

const char *
hours_parse_day(struct week_hours *w, int weekday, const char *text)
{
	struct hours_period got[HOURS_DAY_PERIODS];
	int n;
	if (weekday < 1 || weekday > 7)
		return "没有这一天";
	const char *why = parse_periods(text ? text : "", got, &n);
	if (why)
		return why;
	memcpy(w->day[weekday], got, sizeof(got));
	w->n[weekday] = n;
	return NULL;
}

/* A day word at *p: its range, stepping over it; 0 when none. */
static int
take_day(const char **p, int *from, int *to)
{
	for (const struct dayword *d = daywords; d->word; d++) {
		size_t n = strlen(d->word);
		if (strncmp(*p, d->word, n) == 0) {
			*p += n;
			*from = d->from;
			*to = d->to;
			return 1;
		}
	}
	return 0;
}

/* The days a group names at its start into *mask (bit d for day d);
 * steps over them.  0 when it names none. */
static int
take_days(const char **p, unsigned *mask)
{
	int from, to, any = 0;
	*mask = 0;
	for (;;) {
		const char *s = blanks(*p);
		if (!take_day(&s, &from, &to))
			break;
		const char *after = blanks(s);
		int from2, to2;
		if (take(&after, dashes) && (after = blanks(after), take_day(&after, &from2, &to2))) {
			to = to2;   /* 周一至周五; 周六至周一 wraps */
			s = after;
		}
		for (int d = from, i = 0; i < 7; d = d % 7 + 1, i++) {
			*mask |= 1u << d;
			if (d == to)
				break;
		}
		any = 1;
		*p = s;
		s = blanks(s);
		const char *c = s;
		if (!take(&c, commas))
			break;
		const char *probe = blanks(c);
		if (!take_day(&probe, &from2, &to2))
			break;   /* a comma before the times, not another day */
		*p = c;
	}
	return any;
}

const char *
hours_parse_week(struct week_hours *w, const char *text)
{
	hours_clear(w);
	unsigned done = 0;
	/* Groups split by semicolons. */
	const char *p = text ? text : "";
	for (;;) {
		size_t len = 0;
		const char *q = p, *next = NULL;
		while (*q) {
			const char *t = q;
			if (take(&t, semicolons)) {
				next = t;
				break;
			}
			q++;
		}
		len = (size_t)(q - p);
		char *group = xmalloc(len + 1);
		memcpy(group, p, len);
		group[len] = '\0';
		const char *g = blanks(group), *why = NULL;
		if (*g) {
			unsigned mask;
			if (!take_days(&g, &mask))
				mask = 0xfe;   /* no days named: every day */
			g = blanks(g);
			if (strncmp(g, ":", 1) == 0)
				g++;
			else if (strncmp(g, "\xef\xbc\x9a", 3) == 0)
				g += 3;
			struct hours_period got[HOURS_DAY_PERIODS];
			int n;
			if (mask & done)
				why = "同一天写了两次,请检查星期";
			else if ((why = parse_periods(g, got, &n)) == NULL) {
				for (int d = 1; d <= 7; d++)
					if (mask & (1u << d)) {
						memcpy(w->day[d], got, sizeof(got));
						w->n[d] = n;
					}
				done |= mask;
			}
		}
		free(group);
		if (why)
			return why;
		if (next == NULL)
			break;
		p = next;
	}
	return NULL;
}

int
hours_add(struct week_hours *w, int weekday, const char *opens, const char *closes)
{
	struct hours_period hp;
	const char *o = opens, *c = closes;
	if (weekday < 1 || weekday > 7 || w->n[weekday] >= HOURS_DAY_PERIODS ||
	    take_time(&o, hp.opens) != 0 || *o || take_time(&c, hp.closes) != 0 || *c)
		return -1;
	w->day[weekday][w->n[weekday]++] = hp;
	return 0;
}

void
hours_day_text(const struct week_hours *w, int weekday, struct buf *b)
{
	int n = w->n[weekday];
	if (n == 0) {
		buf_puts(b, "休息");
		return;
	}
	if (n == 1 && strcmp(w->day[weekday][0].opens, "00:00") == 0 &&
	    strcmp(w->day[weekday][0].closes, "24:00") == 0) {
		buf_puts(b, "24 小时");
		return;
	}
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%s–%s", i ? "、" : "", w->day[weekday][i].opens,
		    w->day[weekday][i].closes);
}

void
hours_day_input(const struct week_hours *w, int weekday, struct buf *b)
{
	int n = w->n[weekday];
	if (n == 1 && strcmp(w->day[weekday][0].opens, "00:00") == 0 &&
	    strcmp(w->day[weekday][0].closes, "24:00") == 0) {
		buf_puts(b, "24小时");
		return;
	}
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%s-%s", i ? ", " : "", w->day[weekday][i].opens,
		    w->day[weekday][i].closes);
}

void
hours_encode(const struct week_hours *w, struct buf *b)
{
	for (int d = 1; d <= 7; d++)
		for (int i = 0; i < w->n[d]; i++)
			buf_printf(b, "%d %s %s\n", d, w->day[d][i].opens, w->day[d][i].closes);
}

int
hours_decode(struct week_hours *w, const char *text)
{
	hours_clear(w);
	const char *p = text ? text : "";
	while (*p) {
		char opens[8], closes[8];
		int d, used = 0;
		if (sscanf(p, "%d %7s %7s\n%n", &d, opens, closes, &used) != 3 || used == 0 ||
		    hours_add(w, d, opens, closes) != 0)
			return -1;
		p += used;
	}
	return 0;
}
