/*
 * t_draw.c - the monthly draw's shuffle (draw.c): the same seed gives the
 * same winners, the numbers match an independent implementation of the
 * algorithm draw.h describes (Python's hmac module gave the vectors
 * below), every entrant stays in exactly once, and no position is
 * favoured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "tap.h"

#define SEED "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_stream(void)
{
	/* hmac.new(SEED.encode(), k.to_bytes(8, "big"), sha256), 8 bytes at a time */
	static const uint64_t want[] = {
		0x7cb8baa80e79f472ULL, 0x4f6ef3fa2c6462fdULL, 0x857239d60225126bULL,
		0x9826f367630c2b7aULL, 0x7b8bb2d43df9d046ULL,
	};
	struct draw_rng g;
	draw_rng_init(&g, SEED);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t x = draw_next(&g);
		ok(x == want[i], "stream number %zu is %016llx (got %016llx)", i,
		    (unsigned long long)want[i], (unsigned long long)x);
	}
}

static void
test_vectors(void)
{
	long long a[10], b[20];
	static const long long want_a[] = {9, 7, 10, 6, 3, 5, 2, 4, 8, 1};
	static const long long want_b[] = {107, 105, 101, 108, 114, 111, 103, 115, 100,
	    104, 118, 112, 109, 117, 110, 119, 102, 113, 116, 106};
	for (int i = 0; i < 10; i++)
		a[i] = i + 1;
	for (int i = 0; i < 20; i++)
		b[i] = 100 + i;
	draw_shuffle(SEED, a, 10);
	ok(memcmp(a, want_a, sizeof(a)) == 0, "ten entrants: the order Python computes");
	char ff[DRAW_SEED_LEN + 1];
	memset(ff, 'f', DRAW_SEED_LEN);
	ff[DRAW_SEED_LEN] = '\0';
	draw_shuffle(ff, b, 20);
	ok(memcmp(b, want_b, sizeof(b)) == 0, "twenty entrants, another seed: Python's order");
}

static void
test_properties(void)
{
	long long x[50], y[50];
	for (int i = 0; i < 50; i++)
		x[i] = y[i] = 1000 + i;
	draw_shuffle(SEED, x, 50);
	draw_shuffle(SEED, y, 50);
	ok(memcmp(x, y, sizeof(x)) == 0, "the same seed draws the same order twice");
	int seen[50] = {0}, all = 1;
	for (int i = 0; i < 50; i++) {
		if (x[i] < 1000 || x[i] >= 1050 || seen[x[i] - 1000]++)
			all = 0;
	}
	ok(all, "every entrant is still there, once");
	long long z[50];
	for (int i = 0; i < 50; i++)
		z[i] = 1000 + i;
	char other[] = SEED;
	other[0] = '1';
	draw_shuffle(other, z, 50);
	ok(memcmp(x, z, sizeof(x)) != 0, "a seed one character apart draws another order");
	long long one = 7;
	draw_shuffle(SEED, &one, 1);
	ok(one == 7, "a single entrant wins");
	draw_shuffle(SEED, NULL, 0);
	ok(1, "no entrants: nothing happens");
	ok(draw_seed_ok(SEED), "a stored seed is 64 lower-case hex characters");
	ok(!draw_seed_ok("00112233"), "a short seed is not one");
	ok(!draw_seed_ok("00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"),
	    "upper case is not as stored");
}

/* Each of 4 entrants wins first place about a quarter of the time over
 * 4,000 seeds; and draw_below(3) gives each value about a third. */
static void
test_fair(void)
{
	int first[4] = {0};
	char seed[DRAW_SEED_LEN + 1];
	for (int s = 0; s < 4000; s++) {
		snprintf(seed, sizeof(seed), "%064x", s);
		long long e[4] = {0, 1, 2, 3};
		draw_shuffle(seed, e, 4);
		first[e[0]]++;
	}
	int fair = 1;
	for (int i = 0; i < 4; i++)
		fair &= first[i] > 850 && first[i] < 1150;
	ok(fair, "first place over 4,000 seeds: %d %d %d %d", first[0], first[1],
	    first[2], first[3]);
	struct draw_rng g;
	draw_rng_init(&g, SEED);
	int c[3] = {0};
	for (int i = 0; i < 30000; i++)
		c[draw_below(&g, 3)]++;
	ok(c[0] > 9500 && c[1] > 9500 && c[2] > 9500, "below 3: %d %d %d", c[0], c[1], c[2]);
	ok(draw_below(&g, 1) == 0, "below 1 is 0");
}

int
main(void)
{
	test_stream();
	test_vectors();
	test_properties();
	test_fair();
	return tap_done();
}
