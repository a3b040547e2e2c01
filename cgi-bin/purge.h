/*
 * purge.h - `zhijia purge`: delete what /privacy says is due (issue 10
 * §6), and the files in the uploads folder that belong to nothing.
 */
#ifndef ZJ_PURGE_H
#define ZJ_PURGE_H

#include <time.h>

struct actor;
struct db;

/* How the core names a request's upload temp files in <uploads>/tmp
 * (form-multipart.c). */
#define UPLOAD_TMP_PREFIX "upload-"

/* A file in uploads that no row names, or an upload temp file, is
 * removed once it is this old (seconds since its last write): a request
 * writes, places and commits its files within seconds. */
#define PURGE_FILE_AGE 3600

/*
 * The purge, as `zhijia purge` runs it on db (the caller has pointed
 * job_endpoint at the server's writer, else jobs run here under the
 * writers' flock), by who, with evidence files in uploads:
 *   1. each kind of row /privacy promises to delete — 未通过 入会
 *      applications a year after the decision, 法律援助 cases three years
 *      after they were closed (with their evidence files), 志愿服务
 *      sign-ups a year after their activity ended — with their events,
 *      in jobs of at most PURGE_BATCH rows, each with PRAGMA secure_delete
 *      on and an audit entry of its counts in the same transaction;
 *   2. the evidence files of the cases deleted, each unlinked only after
 *      the job that deleted its row answered that it committed;
 *   3. files in uploads no row names and upload temp files, older than
 *      PURGE_FILE_AGE; their counts in one more audit entry.
 * Says what it did on stdout, problems on stderr.  Returns the exit
 * status: 0 done, 1 some step failed (what was done stays done).
 */
int purge_main(struct db *db, const char *uploads, const struct actor *who);

/* Rows per job: the file names of a batch of cases fit one job. */
#define PURGE_BATCH 64

/*
 * Remove the upload temp files in <uploads>/tmp last written at least
 * min_age seconds ago (0: every one — `serve` at start, when no request
 * can hold one).  Returns how many were removed.
 */
long purge_upload_tmp(const char *uploads, time_t min_age);

#endif
