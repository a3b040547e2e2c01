/*
 * satisfaction.h - 满意度: the share of answered follow-ups (回访, by link
 * or call) whose 总体评价 was 满意 or 基本满意, by service, district,
 * handler and month, with the union's rule: below FEEDBACK_RULE_PCT the
 * row is marked "低于 80%".  The dashboard shows it; the weekly report and
 * its CSV use the same numbers.
 */
#ifndef ZJ_SATISFACTION_H
#define ZJ_SATISFACTION_H

struct arena;
struct req;
struct tval;

/*
 * SQL shared with the weekly report (page-staff-report.c), so both count
 * the same rows of followups f (the user includes vocab.h):
 *   SATISFACTION_GOOD       the answers that count as satisfied
 *   SATISFACTION_ROLES(p)   rows of the services that ROLE_* bits p (a
 *                           parameter's name) work on: admins all,
 *                           legal officers 法律援助, reviewers the rest
 */
#define SATISFACTION_GOOD \
    "sum(f.overall IN ('" SAT_GOOD "', '" SAT_FAIR "'))"
#define SATISFACTION_ROLES(p) \
    "((" p " & 1) <> 0 OR (f.service = '" SERVICE_LEGAL "' AND (" p " & 4) <> 0)" \
    " OR (f.service <> '" SERVICE_LEGAL "' AND (" p " & 2) <> 0))"

/* What a table is grouped by. */
enum sat_by { SAT_BY_SERVICE, SAT_BY_DISTRICT, SAT_BY_HANDLER, SAT_BY_MONTH };

/*
 * Answered follow-ups of the services r's member of staff works on,
 * within district (0: every district; a person bound to one district
 * passes theirs), answered from the Shanghai date from (inclusive) to to
 * (exclusive), 'YYYY-MM-DD' ("" for open), as template data:
 * {total: {n, good, rate, low}, service: {rows, has_rows}, district, handler,
 * month, rule: "80%", pending_review: n, reviews: [{id, service, ref,
 * district}] (the first few 不满意 answers awaiting review)}, where a row is
 * {label, n, good, rate ("96.2%"), low (below the rule)}.  From r's
 * arena; a statement that fails leaves its table empty (logged).
 */
struct tval *satisfaction_view(struct req *r, long long district,
    const char *from, const char *to);

/* One row's rate as text ("96.2%", rounded half up; "—" when n is 0) and
 * whether it is below the rule (from the counts, not the rounded text).
 * good ≤ n.  Static or from the arena of r. */
const char *satisfaction_rate(struct req *r, long long good, long long n,
    int *low);

/* The same from arena a. */
const char *satisfaction_pct(struct arena *a, long long good, long long n,
    int *low);

#endif
