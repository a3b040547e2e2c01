/*
 * sign.c - SHA-256 and HMAC (our own: the stack has no crypto library
 * beyond libscrypt), form tokens, reference numbers.
 */
#include "sign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "util.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha_block(struct sha256_ctx *c, const unsigned char *p)
{
	uint32_t w[64], s[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, c->h, sizeof(s));
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25);
		uint32_t ch = (s[4] & s[5]) ^ (~s[4] & s[6]);
		uint32_t t1 = s[7] + S1 + ch + K[i] + w[i];
		uint32_t S0 = ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22);
		uint32_t maj = (s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]);
		uint32_t t2 = S0 + maj;
		memmove(s + 1, s, 7 * sizeof(uint32_t));
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += s[i];
}

void
sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(c->h, iv, sizeof(iv));
	c->used = 0;
	c->total = 0;
}

void
sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	c->total += n;
	while (n > 0) {
		size_t take = 64 - c->used < n ? 64 - c->used : n;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used == 64) {
			sha_block(c, c->block);
			c->used = 0;
		}
	}
}

void
sha256_final(struct sha256_ctx *c, unsigned char out[32])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	sha256_update(c, &pad, 1);
	while (c->used != 56)
		sha256_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void
sha256(const void *p, size_t n, unsigned char out[32])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

void
hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
    unsigned char out[32])
{
	unsigned char k[64] = {0}, pad[64], inner[32];
	struct sha256_ctx c;
	if (klen > 64)
		sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, msg, n);
	sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, inner, 32);
	sha256_final(&c, out);
}

void
hex_encode(const void *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

#define NONCE_HEX 16

static void
token_mac(const struct req *r, const char *form, long long t, const char *nonce,
    char out[33])
{
	char msg[160];
	unsigned char mac[32];
	int n = snprintf(msg, sizeof(msg), "form|%s|%lld|%.*s", form, t, NONCE_HEX, nonce);
	hmac_sha256(r->app->secret, sizeof(r->app->secret), msg, (size_t)n, mac);
	hex_encode(mac, 16, out);
}

const char *
form_token(struct req *r, const char *form)
{
	char mac[33];
	long long t = (long long)time(NULL);
	const char *nonce = random_hex(r->a, NONCE_HEX / 2);
	if (nonce == NULL)
		nonce = "0000000000000000";
	token_mac(r, form, t, nonce, mac);
	return arena_printf(r->a, "%lld.%s.%s", t, nonce, mac);
}

int
form_token_check(struct req *r, const char *form, const char *token,
    long max_age)
{
	char mac[33];
	if (token == NULL)
		return -1;
	size_t tl = strspn(token, "0123456789");
	const char *nonce = token + tl + 1;
	if (tl == 0 || tl > 12 || token[tl] != '.' ||
	    strspn(nonce, "0123456789abcdef") != NONCE_HEX || nonce[NONCE_HEX] != '.' ||
	    strlen(nonce + NONCE_HEX + 1) != 32)
		return -1;
	long long t = strtoll(token, NULL, 10);
	long long now = (long long)time(NULL);
	token_mac(r, form, t, nonce, mac);
	if (!ct_equal(mac, nonce + NONCE_HEX + 1, 32))
		return -1;
	return (t <= now + 60 && now - t <= max_age) ? 0 : -1;
}

const char *
form_token_nonce(struct arena *a, const char *token)
{
	const char *dot = token ? strchr(token, '.') : NULL;
	if (dot == NULL || strspn(dot + 1, "0123456789abcdef") != NONCE_HEX)
		return "";
	return arena_strndup(a, dot + 1, NONCE_HEX);
}

char *
make_ref(struct arena *a, const char *prefix, size_t n)
{
	static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";  /* 31 */
	unsigned char rnd[32];
	size_t plen = strlen(prefix);
	if (n > sizeof(rnd) || random_bytes(rnd, n) != 0)
		return NULL;
	char *out = arena_alloc(a, plen + n + 1);
	memcpy(out, prefix, plen);
	for (size_t i = 0; i < n; i++) {
		/* Rejection sampling keeps every character equally likely. */
		while (rnd[i] >= 248)
			if (random_bytes(&rnd[i], 1) != 0)
				return NULL;
		out[plen + i] = alphabet[rnd[i] % 31];
	}
	out[plen + n] = '\0';
	return out;
}

char *
random_hex(struct arena *a, size_t n)
{
	unsigned char rnd[64];
	if (n > sizeof(rnd) || random_bytes(rnd, n) != 0)
		return NULL;
	char *out = arena_alloc(a, 2 * n + 1);
	hex_encode(rnd, n, out);
	explicit_bzero(rnd, sizeof(rnd));
	return out;
}
