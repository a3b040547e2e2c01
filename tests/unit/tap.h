/*
 * tap.h - the smallest test protocol: each check prints "ok N - what" or
 * "not ok N - what"; tap_done() prints the closing "N passed, N failed"
 * line and returns the exit status.  tests/run.sh adds the counts up.
 */
#ifndef ZJ_TAP_H
#define ZJ_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_failed++;
		printf("  (%s:%d)", file, line);
	}
	putchar('\n');
	return pass;
}

static int
tap_done(void)
{
	printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
