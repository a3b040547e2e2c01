/*
 * workflow.h - what the step tables of the staff desk's records share
 * (page-staff-appeal-steps.c, page-staff-legal-steps.c,
 * page-staff-wish-steps.c): the states a step starts from, and the
 * answer when the record has moved on under the member of staff.
 */
#ifndef ZJ_WORKFLOW_H
#define ZJ_WORKFLOW_H

#include <stddef.h>

struct arena;

/* 1 when a step that starts from the states from[0..n) (up to the first
 * NULL; none listed: any state) may be made on a record in status. */
int step_starts_from(const char *const *from, size_t n, const char *status);

/* The 409 message: record ("这个案件", …) is in status now, so verb was
 * not done and nothing changed (arena). */
const char *step_refusal(struct arena *a, const char *record, const char *status,
    const char *verb);

#endif
