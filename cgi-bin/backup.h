/*
 * backup.h - `zhijia backup DIR` and `zhijia restore DIR`: generations of
 * the database and the evidence files it names, verified before they
 * count, and put back onto an empty data folder.
 */
#ifndef ZJ_BACKUP_H
#define ZJ_BACKUP_H

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

#endif
