/*
 * qr.h - QR codes as inline SVG, drawn from libqrencode's module matrix.
 * Knows QR codes and SVG, not unions.
 */
#ifndef ZJ_QR_H
#define ZJ_QR_H

struct arena;

#define QR_QUIET 4   /* light modules around the code (the spec's minimum) */

/*
 * Encode text (8-bit mode, error correction level M, the smallest version
 * that holds it) and draw it as an <svg> element: a white square of
 * (width + 2 * QR_QUIET) modules, viewBox in module units, and one <path>
 * of the dark modules, each row's runs as "M{x} {y}h{n}v1h-{n}z".  label
 * (may be NULL) becomes the aria-label, escaped.  Returns the markup from
 * the arena, or NULL when text cannot be encoded (too long, or
 * libqrencode out of memory); errno is then libqrencode's.
 */
const char *qr_svg(struct arena *a, const char *text, const char *label);

#endif
