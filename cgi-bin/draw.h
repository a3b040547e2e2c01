/*
 * draw.h - the monthly draw of 驿站评价 (station ratings): a shuffle that
 * anyone holding the stored seed can run again and get the same winners.
 *
 * The algorithm, in full (tests/unit/t_draw.c and t1400_rate.py run it
 * independently):
 *
 *   1. The entrants are the month's ratings of the district's stations
 *      that left a phone, one entry per distinct phone (its first rating),
 *      sorted by rating id, ascending: e[0] … e[n-1].
 *   2. A stream of 64-bit numbers: block k (k = 0, 1, 2, …) is
 *      HMAC-SHA-256 with the seed's text (64 lower-case hex characters,
 *      as stored) as the key over k as 8 bytes, big-endian; each block
 *      gives four numbers, its bytes 0–7, 8–15, 16–23, 24–31, each read
 *      big-endian.
 *   3. A number below m is drawn by rejection: take the next number x;
 *      if x ≥ 2^64 − (2^64 mod m) take another; else the answer is x mod m
 *      (no bias towards small numbers).
 *   4. Fisher–Yates: for i = n−1 down to 1, j = a number below i+1, swap
 *      e[i] and e[j].
 *   5. The winners are e[0], e[1], … e[N−1], ranked 1 … N in that order.
 */
#ifndef ZJ_DRAW_H
#define ZJ_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* The seed's length in characters: 32 random bytes as hex. */
#define DRAW_SEED_LEN 64

/* The stream of step 2 (plain data; nothing to free). */
struct draw_rng {
	char key[DRAW_SEED_LEN + 1];
	size_t klen;
	uint64_t counter;          /* the next block's number */
	unsigned char block[32];
	size_t used;               /* bytes of block already taken */
};

/* Start the stream of seed (at most DRAW_SEED_LEN characters are used).
 * Never fails. */
void draw_rng_init(struct draw_rng *g, const char *seed);

/* The next number of the stream (step 2).  Never fails. */
uint64_t draw_next(struct draw_rng *g);

/* A number below m (m ≥ 1), step 3.  Never fails. */
uint64_t draw_below(struct draw_rng *g, uint64_t m);

/* Steps 4: shuffle ids[0..n) in place with the stream of seed; the
 * winners are then ids[0..N).  ids must be sorted by the caller (step 1).
 * Never fails. */
void draw_shuffle(const char *seed, long long *ids, size_t n);

/* 1 when s is a seed as stored: DRAW_SEED_LEN lower-case hex characters. */
int draw_seed_ok(const char *s);

#endif
