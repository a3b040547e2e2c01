/*
 * draw.c - the reproducible shuffle of the monthly draw (see draw.h for
 * the algorithm as a person would re-run it).
 */
#include "draw.h"

#include <string.h>

#include "sign.h"

void
draw_rng_init(struct draw_rng *g, const char *seed)
{
	memset(g, 0, sizeof(*g));
	g->klen = strnlen(seed, DRAW_SEED_LEN);
	memcpy(g->key, seed, g->klen);
	g->used = sizeof(g->block);   /* no block yet */
}

uint64_t
draw_next(struct draw_rng *g)
{
	if (g->used + 8 > sizeof(g->block)) {
		unsigned char msg[8];
		for (int i = 0; i < 8; i++)
			msg[i] = (unsigned char)(g->counter >> (56 - 8 * i));
		hmac_sha256(g->key, g->klen, msg, sizeof(msg), g->block);
		g->counter++;
		g->used = 0;
	}
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | g->block[g->used + (size_t)i];
	g->used += 8;
	return x;
}

uint64_t
draw_below(struct draw_rng *g, uint64_t m)
{
	if (m <= 1)
		return 0;
	/* 2^64 mod m, in 64-bit arithmetic: (2^64 - m) mod m. */
	uint64_t rest = (0 - m) % m;
	uint64_t x;
	do
		x = draw_next(g);
	while (rest != 0 && x >= 0 - rest);   /* x ≥ 2^64 − rest */
	return x % m;
}

void
draw_shuffle(const char *seed, long long *ids, size_t n)
{
	struct draw_rng g;
	draw_rng_init(&g, seed);
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)draw_below(&g, (uint64_t)i + 1);
		long long t = ids[i];
		ids[i] = ids[j];
		ids[j] = t;
	}
}

int
draw_seed_ok(const char *s)
{
	return s != NULL && strlen(s) == DRAW_SEED_LEN &&
	    strspn(s, "0123456789abcdef") == DRAW_SEED_LEN;
}
