/*
 * sign.h - SHA-256, HMAC-SHA-256, signed form tokens and random reference
 * numbers.
 */
#ifndef ZJ_SIGN_H
#define ZJ_SIGN_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct req;

/* FIPS 180-4 SHA-256 of a stream fed in pieces (a file too big to hold in
 * memory): init, update any number of times, final.  Never fail. */
struct sha256_ctx {
	uint32_t h[8];
	unsigned char block[64];
	size_t used;
	uint64_t total;
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, unsigned char out[32]);

/* FIPS 180-4 SHA-256 of n bytes.  Never fails. */
void sha256(const void *p, size_t n, unsigned char out[32]);
/* RFC 2104 HMAC-SHA-256.  Never fails. */
void hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
    unsigned char out[32]);
/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void hex_encode(const void *p, size_t n, char *out);

/*
 * A token for a form served now: "TIME.NONCE.MAC", where NONCE is random
 * (one per page served) and MAC an HMAC with the site secret over the
 * form's name, TIME and NONCE.  From r->a.
 */
const char *form_token(struct req *r, const char *form);
/*
 * 0 when token was made by form_token for form within max_age seconds
 * (and not in the future); -1 when forged, malformed or expired.
 */
int form_token_check(struct req *r, const char *form, const char *token,
    long max_age);
/*
 * The NONCE of a token that passed form_token_check: the same for every
 * submission of one page served (a person sending it again after an error
 * page), different for another page.  "" for anything else.
 */
const char *form_token_nonce(struct arena *a, const char *token);

/*
 * A reference number: prefix then n random characters from an alphabet
 * without look-alikes (no 0/O, 1/I/L).  From arena a; NULL only when the
 * system has no randomness.
 */
char *make_ref(struct arena *a, const char *prefix, size_t n);

/* n random bytes as hex (2n chars) from arena a; NULL on failure. */
char *random_hex(struct arena *a, size_t n);

#endif
