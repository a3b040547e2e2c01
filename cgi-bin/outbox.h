/*
 * outbox.h - every message to a person (an SMS) is a row of the outbox,
 * written in the same job — the same transaction — as the change that
 * causes it.  Nothing here sends: `zhijia outbox` exports batches for the
 * union's bulk-SMS platform or hands each message to ZHIJIA_SMS_COMMAND
 * (README, "Messages").
 *
 * A message is made of a kind's template (an admin may edit it at
 * /staff/messages; else the default below) and variables the calling job
 * gives, rendered when the row is written.  Only the variables a kind
 * names exist — a record's reference, a date, an activity's title — so an
 * ID number, a case fact or an amount has no way in; and the rendered text
 * is refused when it still looks as if it holds an 18-character ID number.
 *
 * Calling it from a job (inside the job's transaction):
 *
 *     const char *vars[] = {"ref", ref, NULL};
 *     rc = outbox_put(db, &who, MSG_JOIN_APPROVED, ref, phone, vars);
 *     if (rc != SQLITE_DONE)
 *             return rc;            // the change is undone with it
 *
 * Whether the person may be texted is decided here, from the record the
 * reference names (诉求: 方便联系) and the opt-out list, so no caller can
 * forget it.
 */
#ifndef ZJ_OUTBOX_H
#define ZJ_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "writer.h"

struct actor;
struct arena;
struct db;

/* ---- states of a message ---- */

#define OUTBOX_WAITING  "待发送"   /* queued, or waiting for its next try */
#define OUTBOX_SENT     "已发送"   /* the SMS command said 0 / marked sent */
#define OUTBOX_FAILED   "失败"     /* gave up (OUTBOX_MAX_ATTEMPTS) or refused */
#define OUTBOX_EXPORTED "已导出"   /* in a batch file for the bulk-SMS platform */
extern const char *const outbox_states[];   /* NULL-terminated */

/* SQL: whether the person of the 法律援助 case ?1 (its ref) may be texted
 * or called, 1 or 0.  A case made from a 诉求 keeps that 诉求's 方便联系
 * (the case's may_call only says "text before calling"); one sent through
 * /legal-aid may.  The outbox's consent and feedback.c's 回访 both ask it. */
#define OUTBOX_LEGAL_MAY_CONTACT \
    "coalesce((SELECT may_contact FROM appeals WHERE legal_ref = ?1), 1)"

/* Tries of ZHIJIA_SMS_COMMAND before a message is 失败, and the waits
 * between them: OUTBOX_BACKOFF seconds, doubled each time. */
#define OUTBOX_MAX_ATTEMPTS 5
#define OUTBOX_BACKOFF 300

/* ---- the kinds of message ---- */

#define MSG_JOIN_APPROVED     "join.approved"
#define MSG_JOIN_REFUSED      "join.refused"
#define MSG_LEGAL_ACCEPTED    "legal.accepted"
#define MSG_LEGAL_REFUSED     "legal.refused"
#define MSG_LEGAL_ASSIGNED    "legal.assigned"
#define MSG_LEGAL_CLOSED      "legal.closed"
#define MSG_SIGNUP_PROMOTED   "signup.promoted"
#define MSG_ACTIVITY_CHANGED  "activity.changed"
#define MSG_ACTIVITY_CANCELLED "activity.cancelled"
#define MSG_ACTIVITY_REMIND   "activity.remind"
#define MSG_APPEAL_ANSWERED   "appeal.answered"
#define MSG_WISH_CLAIMED      "wish.claimed"
#define MSG_WISH_FULFILLED    "wish.fulfilled"
#define MSG_FEEDBACK          "feedback"

/*
 * One kind: its name (MSG_*), what staff read (label, when it is sent),
 * the variables it offers a template (space-separated names, each also in
 * msg_vars), its default text, and once: at most one message of the kind
 * per reference, ever (a reminder run twice texts nobody twice).
 */
struct msg_kind {
	const char *kind;
	const char *label;
	const char *when;
	const char *vars;
	const char *body;
	int once;
	int delay;   /* seconds after the change before it may go (0: at once) */
};
extern const struct msg_kind msg_kinds[];
extern const size_t nmsg_kinds;
/* The kind named name, or NULL. */
const struct msg_kind *msg_kind(const char *name);

/* Every variable any template may use: {name, what it holds, example}
 * (the example fills a preview). */
struct msg_var {
	const char *name, *label, *example;
};
extern const struct msg_var msg_vars[];
extern const size_t nmsg_vars;

/* A template's longest text, in characters (8 SMS segments). */
#define MSG_BODY_MAX 536

/*
 * Check body as a template of kind k: valid text of at most MSG_BODY_MAX
 * characters whose placeholders are all {{name}} with a name k offers
 * (no sections, partials or triple braces), and which does not hold an ID
 * number itself.  NULL when it is good; else the message for the form
 * (static text, or from a).
 */
const char *msg_template_check(struct arena *a, const struct msg_kind *k,
    const char *body);

/*
 * Render body (a template that passed msg_template_check) with vars, a
 * NULL-terminated list of name, value pairs; a name vars lacks renders
 * as "".  Plain text, nothing escaped (an SMS is not HTML).  From a.
 */
const char *msg_render(struct arena *a, const char *body,
    const char *const *vars);

/* 1 when text holds something shaped like an 18-character ID number: 17
 * digits and a digit or X, with no digit on either side. */
int msg_has_idno(const char *text);

/* Characters of text and the SMS segments it takes: up to 70 characters
 * is one, longer messages are sent in parts of 67. */
void sms_count(const char *text, size_t *chars, size_t *segments);

/*
 * Queue a message of kind to phone about the record ref (may be "" for
 * none), made by who, inside the caller's transaction: the kind's template
 * (edited, or its default) rendered with vars (NULL-terminated name,
 * value pairs).
 *
 * Nothing is queued, and SQLITE_DONE returned, when the person said no:
 * the phone opted out (TD / 退订), the record says not to contact them
 * (诉求 without 方便联系), the kind is once-only and ref already had it, or
 * phone is no mobile number.  A text that would hold an ID number is
 * stored as 失败 (never sent) with the number masked and the reason, and
 * logged.  Returns SQLITE_DONE, SQLITE_MISUSE for an unknown kind (a bug:
 * the caller's change is undone), or the failing SQLite code.
 */
int outbox_put(struct db *db, const struct actor *who, const char *kind,
    const char *ref, const char *phone, const char *const *vars);

/*
 * outbox_put of a message about a volunteer activity to the sign-up ref:
 * the variables ref, title, date and time (of starts_at, a stored UTC
 * time, in Beijing) and place.  The same returns.
 */
int outbox_put_activity(struct db *db, const struct actor *who,
    const char *kind, const char *ref, const char *phone, const char *title,
    const char *starts_at, const char *place);

/* A stored UTC time as a message says it, Beijing time: "12月6日" into
 * date, "09:30" into hm (each ≥ 32 bytes); the time itself when it does
 * not parse. */
void msg_when(const char *iso, char *date, char *hm);

/* ---- quiet hours ---- */

/* The default quiet hours, Beijing time: nothing is sent from 21:00 to
 * 08:00.  Admins change them at /staff/messages (setting "outbox.quiet",
 * "HH:MM-HH:MM"; equal ends: none). */
#define OUTBOX_QUIET_DEFAULT "21:00-08:00"

/* The quiet hours in minutes of the Beijing day into *from, *to (from the
 * settings, else the default).  Returns 0, or -1 when the database failed
 * (the default is filled in). */
int outbox_quiet(struct db *db, int *from, int *to);
/* 1 when minute m of the day (0..1439) falls in [from, to) (wrapping over
 * midnight when from > to). */
int outbox_quiet_at(int from, int to, int m);
/* "HH:MM-HH:MM" into *from, *to; 0, or -1 when it is not one. */
int outbox_quiet_parse(const char *s, int *from, int *to);

/* ---- opt-out ---- */

/* Words a reply to unsubscribe with (matched case-insensitively after
 * trimming): TD, 退订, … NULL-terminated. */
extern const char *const outbox_optout_words[];

/* A phone as a platform or a person writes it ("+86 138 0013 8000") as
 * the 11 digits we store, into out; NULL when it is no mobile number. */
const char *outbox_optout_phone(const char *s, char out[16]);
/* 1 when a reply's text is one of outbox_optout_words. */
int outbox_optout_word(const char *reply);

/* The jobs of outbox.c ("outbox.template", "outbox.quiet",
 * "outbox.optout") and of the commands (outbox-cmd.c). */
extern const struct job_type outbox_jobs[];
extern const struct job_type outbox_cmd_jobs[];

/* ---- on the staff desk (page-staff-messages.c) ---- */

struct req;
struct tval;

/*
 * The messages about record ref for its staff page: ctx gets "sms", a map
 * {list: [{id, state, kind (its label), ref, phone, body, attempts,
 * error, created, created_iso, sent_at, batch, failed, sent}], has,
 * optout (phone has opted out)} which the partial staff/messages/history
 * shows.  phone may be NULL.  outbox_history_activity: the same for every
 * sign-up of an activity (phones masked; per_person set).  Returns
 * SQLITE_DONE or the failing code (ctx then has no "sms").
 */
int outbox_history(struct req *r, struct tval *ctx, const char *ref,
    const char *phone);
int outbox_history_activity(struct req *r, struct tval *ctx,
    long long activity_id);

/* ---- the commands (outbox-cmd.c) ---- */

/*
 * `zhijia outbox …` (argv[0] is "outbox"; outbox-cmd.c lists the
 * sub-commands) and `zhijia remind [--date YYYY-MM-DD]` on db, by who,
 * the caller having pointed job_endpoint at the server of dbpath.  Say
 * what they did on stdout, problems on stderr; return the exit status
 * (2: a wrong command line).
 */
int outbox_main(struct db *db, const struct actor *who, const char *dbpath,
    int argc, char **argv);
int remind_main(struct db *db, const struct actor *who, int argc, char **argv);

#endif
