/*
 * feedback.h - 回访 and 满意度: how the union asks each person, once their
 * service has ended, how it went.
 *
 * When a join is decided, a legal case closed, an activity the person
 * attended ends, a 诉求 answered or a wish fulfilled, the job making that
 * change calls feedback_offer: a follow-up row (followups, 0015) and a
 * text in the outbox with a private link /feedback/{token}.  The token is
 * 256 random bits, URL-safe; only its SHA-256 is stored.  It opens its
 * own follow-up only, once, for FEEDBACK_VALID_DAYS.  The questions (the
 * same on the link and on a staff call) are feedback_fields.
 *
 * A follow-up nobody answered within FEEDBACK_CALL_DAYS is in the staff
 * 回访 queue (page-staff-followups.c); the FEEDBACK_MISSED_MAX-th 未接通
 * call closes it as 无法联系.  A 不满意 answer, by link or call, opens a
 * review (feedback_store_answer): a legal case is marked 复核, a 诉求 goes
 * back to 已派单 for its handler, and the district's admins see it on
 * their dashboard until a member of staff closes the review.
 */
#ifndef ZJ_FEEDBACK_H
#define ZJ_FEEDBACK_H

#include "valid.h"
#include "writer.h"

struct actor;
struct arena;
struct db;

#define FEEDBACK_VALID_DAYS 30   /* a link opens its follow-up this long */
#define FEEDBACK_CALL_DAYS  3    /* no answer after this: the call queue */
#define FEEDBACK_MISSED_MAX 3    /* 未接通 calls that close it as 无法联系 */
#define FEEDBACK_RULE_PCT   80   /* the union's rule: below is "低于 80%" */
#define FEEDBACK_SWEEP_DAYS 7    /* the sweep looks this far back for
                                    activities that ended */
#define FEEDBACK_TOKEN_BYTES 32  /* 43 URL-safe characters */
#define FEEDBACK_TOKEN_LEN  43
#define FEEDBACK_COMMENT_MAX 300 /* 意见, in characters */

/* The questions, as their labels are written: a public form and the
 * staff call form use the same table. */
enum { FB_OVERALL, FB_TIMELY, FB_ATTITUDE, FB_RESOLVED, FB_COMMENT, FB__N };
extern const struct field feedback_fields[FB__N];

/* What a service is called to the person ("入会申请", "志愿服务活动"…);
 * the service itself when unknown.  Static text. */
const char *feedback_service_label(const char *service);

/* The ROLE_* bits that work on a service's records (and so on its
 * follow-ups): 法律援助 admins and legal officers, the rest admins and
 * reviewers. */
unsigned feedback_service_roles(const char *service);

/*
 * Inside a job: offer feedback on record ref of service (SERVICE_*),
 * whose service ended on date ('YYYY-MM-DD' in Shanghai; NULL: today).
 * The record's district, handler and phone are read from its own table
 * (the handler: the case's or 诉求's assignee, the wish's claimer, else
 * who).  Writes the follow-up with a fresh token's hash, an internal
 * event on the record's history and the outbox's text with the link
 * (ZHIJIA_PUBLIC_URL + /feedback/{token}).  Writes nothing, and returns
 * SQLITE_DONE, when the record has an unanswered follow-up already; when
 * the person said not to be contacted (诉求 without 方便联系) writes only
 * an internal event saying that nobody will text or call.  Returns
 * SQLITE_DONE, SQLITE_NOTFOUND when there is no such record, or the
 * failing code: the caller's change is undone with it.
 */
int feedback_offer(struct db *db, const struct actor *who, const char *service,
    const char *ref, const char *date);

/* The SHA-256 hex (65 bytes) of token when it has a token's shape: 0;
 * -1 when it cannot be one (nothing to look up). */
int feedback_token_hash(const char *token, char hex[65]);

/*
 * Inside a job: store answers res (FB__N values, checked) on follow-up id
 * as given through channel ("链接" or "电话"), with its internal event on
 * the record, and, for a 不满意 answer, the review it opens (legal case
 * marked 复核, 诉求 back to 已派单 with a public event, an audit entry).
 * The follow-up must still be 待回访 (SQLITE_MISMATCH otherwise).
 * Returns SQLITE_DONE or the failing code.
 */
int feedback_store_answer(struct db *db, const struct actor *who, long long id,
    const char *channel, const char *const *answers, const char *nonce);

/*
 * `zhijia followup` (as a job each batch): offer feedback to every
 * attended sign-up of an activity that ended in the last
 * FEEDBACK_SWEEP_DAYS and was not cancelled, that has no follow-up yet —
 * run twice, it offers nothing twice.  Says how many on stdout.  Returns
 * the exit status: 0, or 1 when a job failed.
 */
int feedback_sweep_main(struct db *db, const struct actor *who);

/*
 * text with the token of every /feedback/{token} link in it hidden
 * ("/feedback/…(仅本人可用)"): what staff pages show of a message, so that
 * nobody but the person answers through the link.  text itself when it
 * has none; else from a.  Never fails.
 */
const char *feedback_redact(struct arena *a, const char *text);

/* The jobs of feedback.c ("feedback.answer", "followup.sweep"). */
extern const struct job_type feedback_jobs[];

#endif
