/*
 * lists.h - option lists that more than one page shows: the public form
 * that collects a value and the staff queue that filters by it must offer
 * the same words.  Each is NULL-terminated.
 */
#ifndef ZJ_LISTS_H
#define ZJ_LISTS_H

/* 职业 of 网上入会. */
extern const char *const occupations[];
/* 纠纷类型 of 法律援助. */
extern const char *const dispute_types[];

#endif
