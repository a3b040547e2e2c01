/*
 * imports.h - what the CSV imports (districts, stations) share: reading a
 * CSV file a person made in a spreadsheet, and carrying a text larger
 * than one job (writer.h: 40 KB) to the writer.
 *
 * A large text goes ahead in pieces (job "import.piece", each stored in
 * import_chunks under a fresh batch id); the import's own job then reads
 * the pieces back, deletes them and imports everything in its one
 * transaction — all lines or none.  Pieces of an import that never got
 * its last job are deleted by a later one after a day.
 */
#ifndef ZJ_IMPORTS_H
#define ZJ_IMPORTS_H

#include <stddef.h>

#include "util.h"
#include "writer.h"

struct actor;
struct arena;
struct db;
struct req;

#define IMPORT_MAX_BYTES (2 * 1024 * 1024)  /* one CSV file */
#define IMPORT_MAX_LINES 5000
#define IMPORT_PIECE 30000                  /* bytes of text in one job */

/*
 * The text of an uploaded file (field name) or, when none was chosen, of
 * the text field of the same name + "_text".  Returns the text (arena),
 * or NULL with *why set: nothing given, too large, not UTF-8 text.  A
 * UTF-8 byte-order mark is dropped.
 */
const char *import_read(struct req *r, const char *name, const char **why);

/*
 * The next row of CSV text at *p (RFC 4180: quoted cells with "" inside,
 * CRLF or LF), cells trimmed of blanks, into cells[0..max) (arena);
 * *n the number of cells (more than max are counted, not kept).  Blank
 * lines are skipped.  Returns 1 for a row, 0 at the end, -1 when a quote
 * is not closed.  *line counts the file's lines (for messages).
 */
int import_row(struct arena *a, const char **p, const char **cells, size_t max,
    size_t *n, int *line);

/*
 * Put text into job j: as field "text" when it fits IMPORT_PIECE, else
 * sent ahead in pieces by who (jobs of their own, run on db) and named by
 * field "batch".  Returns SQLITE_DONE, or the code of a piece that failed.
 */
int import_put_text(struct db *db, const struct actor *who, struct job *j,
    const char *text);

/*
 * In a job function: the text import_put_text put into in — its "text",
 * or its batch's pieces joined (deleted now, with every piece more than a
 * day old).  Returns SQLITE_DONE with *text (arena), SQLITE_MISUSE when
 * the job carries neither, or the failing SQLite code.
 */
int import_take_text(struct db *db, struct arena *a, const struct job *in,
    const char **text);

/* The job of the pieces ("import.piece"). */
extern const struct job_type import_jobs[];



/* Messages about the lines of an import, in file order; at most
 * IMPORT_MAX_ERRORS kept (the rest counted). */
#define IMPORT_MAX_ERRORS 50
struct import_errors {
	const char *msg[IMPORT_MAX_ERRORS];
	size_t n, more;
};
/* Add "第 line 行:" and the message (line 0: no line number).  Arena. */
void import_error(struct arena *a, struct import_errors *e, int line,
    const char *fmt, ...) ZJ_PRINTF(4, 5);
/* The messages as one text, a line each (for a job's answer and the
 * command line), and back into e (for a page).  Arena. */
const char *import_errors_text(struct arena *a, const struct import_errors *e);
void import_errors_parse(struct arena *a, const char *text, struct import_errors *e);
#endif
