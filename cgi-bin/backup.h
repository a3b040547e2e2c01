/*
 * backup.h - `zhijia backup DIR` and `zhijia restore DIR`: generations of
 * the database and the evidence files it names, verified before they
 * count, and put back onto an empty data folder.
 */
#ifndef ZJ_BACKUP_H
#define ZJ_BACKUP_H

#include <sqlite3.h>
#include <stddef.h>

/*
 * `zhijia backup DIR [--db P] [--uploads D] [--keep N] [--timeout S]`,
 * argv[0] being "backup".  default_db is the database used without --db.
 * Writes DIR/zhijia-<UTC time>/ (zhijia.db, uploads/, SHA256SUMS) or
 * nothing; keeps the newest N generations.  Returns the exit status:
 * 0 written, 1 failed (said on stderr; earlier generations untouched),
 * 2 usage.
 */
int backup_main(int argc, char **argv, const char *default_db);

/*
 * `zhijia restore DIR [--db P] [--uploads D]`, argv[0] being "restore":
 * DIR is one generation, or a folder of them (the newest is taken).
 * Refuses a data folder that holds a database or evidence files.
 * Returns the exit status: 0 restored, 1 failed (nothing left behind),
 * 2 usage.
 */
int restore_main(int argc, char **argv, const char *default_db);

/* A list of strings, each malloc'd; names_free empties it. */
struct names {
	char **v;
	size_t n;
};
void names_free(struct names *l);

/* 1 when s can be an evidence file's stored name: lower-case hex
 * (page-legal.c), so a damaged database cannot name a path outside the
 * uploads folder. */
int stored_name_ok(const char *s);

/*
 * Append to files the stored name of every file of the uploads folder the
 * database h names (each table of backup.c's file_tables, each name
 * checked with stored_name_ok).  Returns SQLITE_OK; or a failing code
 * (said on stderr) when a name is refused, or when a table has a
 * stored_name column backup.c does not know — a caller must then not
 * take files for complete.
 */
int stored_files(sqlite3 *h, struct names *files);

#endif
