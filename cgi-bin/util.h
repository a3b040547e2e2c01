/*
 * util.h - memory, growable buffers and logging shared by every part of
 * the program.  Nothing here knows about HTTP or unions.
 *
 * Failure policy is in the name (after redis' zmalloc/ztrymalloc): x*
 * functions abort the process when memory runs out (a worker is then
 * re-forked by the master; nothing acknowledged is lost because a request
 * is acknowledged only after its transaction committed); try_* functions
 * return NULL.
 */
#ifndef ZJ_UTIL_H
#define ZJ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <stdint.h>

#define ZJ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ZJ_NELEM(x) (sizeof(x) / sizeof((x)[0]))
/* A number macro as a string literal: ZJ_STR(5) is "5". */
#define ZJ_STR_(x) #x
#define ZJ_STR(x) ZJ_STR_(x)

/* Allocate or abort.  Never return NULL.  Caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/*
 * Arena: per-request memory.  Everything allocated from an arena is freed
 * at once by arena_reset() (keeps the first block for the next request) or
 * arena_free().  Allocation aborts on out-of-memory like xmalloc.
 */
struct arena;
struct arena *arena_new(void);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* Aligned to max_align_t; contents uninitialised. */
void *arena_alloc(struct arena *a, size_t n);
/* Zero-filled. */
void *arena_calloc(struct arena *a, size_t n, size_t sz);
/* Copies len bytes and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; never fails. */
char *arena_printf(struct arena *a, const char *fmt, ...) ZJ_PRINTF(2, 3);
/* Bytes currently held by the arena (for the bench's memory figures). */
size_t arena_size(const struct arena *a);

/*
 * buf: a growable byte buffer with malloc'd storage, always NUL-terminated
 * after buf_* calls.  A zeroed struct buf is a valid empty buffer.
 * buf_reset keeps the capacity (a worker reuses one buffer per response).
 */
struct buf {
	char *p;
	size_t len, cap;
};
void buf_grow(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *p, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, int c);
void buf_printf(struct buf *b, const char *fmt, ...) ZJ_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Append s percent-encoded (%XX): every byte but A-Z a-z 0-9 and the
 * characters of keep, e.g. "!#$&+-.^_`|~" for an RFC 8187 filename*. */
void buf_put_pct(struct buf *b, const char *s, const char *keep);

/* Append s percent-encoded for a URL query (all but A-Z a-z 0-9 - _ . ~;
 * keep_slash: '/' too, for a path). */
void buf_put_urlencoded(struct buf *b, const char *s, int keep_slash);

/* Append s with & < > " ' replaced by HTML entities. */
void buf_put_html(struct buf *b, const char *s, size_t len);

/*
 * Logging to stderr (nginx/systemd collect it) with the pid and the
 * calling function's name: LOG_ERR("open %s: %s", path, strerror(errno)).
 */
void zj_log(const char *level, const char *func, const char *fmt, ...)
    ZJ_PRINTF(3, 4);
#define LOG_ERR(...) zj_log("error", __func__, __VA_ARGS__)
#define LOG_WARN(...) zj_log("warn", __func__, __VA_ARGS__)
#define LOG_INFO(...) zj_log("info", __func__, __VA_ARGS__)

/*
 * UTF-8 text check used for every submitted field: returns 1 when s is
 * valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and holds no
 * control character other than TAB, LF and CR (C0, DEL and C1 refused).
 */
int utf8_text_ok(const char *s, size_t len);
/* Number of code points in valid UTF-8 s. */
size_t utf8_count(const char *s, size_t len);

/* Fill p with n bytes from getrandom(); returns 0, or -1 on failure. */
int random_bytes(void *p, size_t n);

/* Constant-time comparison of two n-byte strings; 1 when equal. */
int ct_equal(const void *a, const void *b, size_t n);

/* The instant t as stored, "YYYY-MM-DDTHH:MM:SSZ", into out (>= 21
 * bytes); utc_now_iso for now. */
void utc_iso(time_t t, char *out, size_t outlen);
void utc_now_iso(char *out, size_t outlen);

#endif
