/*
 * text.h - text the application's pages show the same way everywhere:
 * money and paragraphs.  (Times are when.h's.)
 */
#ifndef ZJ_TEXT_H
#define ZJ_TEXT_H

#include <stddef.h>

struct arena;
struct tval;

/*
 * fen as 元 into out: "12345.67", or "12,345.67" with grouping; negative
 * amounts get a leading '-'.  Returns out; len ≥ 32 holds any amount
 * (shorter: the text is cut, still terminated).  No arena: an export may
 * call it for every row.
 */
const char *yuan(char *out, size_t len, long long fen, int grouping);

/* fen as 元 with grouping, "12,345.67", from the arena. */
const char *show_yuan(struct arena *a, long long fen);

/*
 * s split at line ends into paragraphs for a template: [{text}], each line
 * without its trailing CR and spaces; blank lines are dropped.  From the
 * arena; never NULL.
 */
struct tval *paragraphs(struct arena *a, const char *s);

#endif
