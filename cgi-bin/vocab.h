/*
 * vocab.h - the words the whole application shares, each written once:
 * staff roles, the characters of a user name, the statuses of every
 * workflow (入会, 法律援助, 志愿服务 sign-ups and activities, events), and
 * the actions the audit log records.
 *
 * Each word is a macro so that SQL statements can splice it in at compile
 * time (" AND status = '" JOIN_PENDING "'"); the tables in vocab.c list
 * them for option lists, filters and labels.  A new status or action is
 * added here and in its table, never typed again in a page.  The schema's
 * CHECK constraints (db/migrations) hold the same words.
 */
#ifndef ZJ_VOCAB_H
#define ZJ_VOCAB_H

#include <stddef.h>

/* ---- roles ---- */

/* Roles, as route.access masks. */
#define ROLE_ADMIN    1u   /* 管理员: everything */
#define ROLE_REVIEWER 2u   /* 审核员: 入会 and 志愿服务 of their districts */
#define ROLE_LEGAL    4u   /* 法律援助专员: 法律援助 of their districts */
#define ROLES_ALL     (ROLE_ADMIN | ROLE_REVIEWER | ROLE_LEGAL)

/* As the staff table stores them. */
#define ROLE_NAME_ADMIN    "admin"
#define ROLE_NAME_REVIEWER "reviewer"
#define ROLE_NAME_LEGAL    "legal"

struct role {
	const char *name;    /* ROLE_NAME_* */
	const char *label;   /* 管理员, 审核员, 法律援助专员 */
	unsigned bit;        /* ROLE_* */
};

/* Every role, in the order forms offer them; role_labels is the same
 * order, NULL-terminated (a select's options). */
extern const struct role roles[];
extern const size_t nroles;
extern const char *const role_labels[];

/* The role of a stored name / of a label, or NULL when there is none. */
const struct role *role_by_name(const char *name);
const struct role *role_by_label(const char *label);
/* ROLE_* bit of a role name; 0 when unknown. */
unsigned role_bit(const char *name);
/* 管理员 / 审核员 / 法律援助专员 for a role name; the name itself when
 * unknown. */
const char *role_label(const char *name);

/* ---- user names ---- */

#define USERNAME_MAX 32
#define USERNAME_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
/* 1 when s is 1..USERNAME_MAX characters of USERNAME_CHARS. */
int username_ok(const char *s);

/* ---- 网上入会 applications ---- */

#define JOIN_PENDING  "待审核"
#define JOIN_APPROVED "已通过"
#define JOIN_REJECTED "未通过"
/* In the order queues and charts list them, NULL-terminated. */
extern const char *const join_statuses[];

/* ---- 法律援助 cases ---- */

#define LEGAL_NEW        "待受理"
#define LEGAL_ACCEPTED   "已受理"
#define LEGAL_REFUSED    "不予受理"
#define LEGAL_ASSIGNED   "已指派"
#define LEGAL_MEDIATING  "调解中"
#define LEGAL_SETTLED    "调解成功"
#define LEGAL_ARBITRATION "转仲裁"
#define LEGAL_LAWSUIT    "转诉讼"
#define LEGAL_WITHDRAWN  "撤回"
/* Every status in workflow order, NULL-terminated; legal_outcomes are
 * the ones a case is closed with. */
extern const char *const legal_statuses[];
extern const char *const legal_outcomes[];

/* ---- 志愿服务 sign-ups and activities ---- */

#define SIGNUP_CONFIRMED "已确认"
#define SIGNUP_WAITING   "候补"
#define SIGNUP_CANCELLED "已取消"
/* What /status shows of a sign-up whose activity was cancelled. */
#define SIGNUP_ACTIVITY_CANCELLED "活动已取消"

/* What an activity is at a given time (activity_state in activity.h). */
#define ACTIVITY_OPEN      "报名中"
#define ACTIVITY_CLOSED    "报名已截止"
#define ACTIVITY_RUNNING   "进行中"
#define ACTIVITY_ENDED     "已结束"
#define ACTIVITY_CANCELLED "已取消"
/* NULL-terminated, in the order a filter offers them. */
extern const char *const activity_states[];

/* ---- 工会驿站 ---- */

/* What a station may offer, in the order pages list them. */
extern const char *const station_amenities[];

/* ---- 诉求 (SQ) ---- */

#define APPEAL_NEW        "待分派"
#define APPEAL_DISPATCHED "已派单"
#define APPEAL_ANSWERED   "已答复"
#define APPEAL_CLOSED     "已办结"
#define APPEAL_REFUSED    "不予受理"
#define APPEAL_COMPLAINT  "投诉"   /* the kind that may become a legal case */
extern const char *const appeal_statuses[];
extern const char *const appeal_kinds[];     /* 诉求类型 */
extern const char *const appeal_matters[];   /* 事项 */

/* ---- 微心愿 (XY) ---- */

#define WISH_PENDING   "待审核"
#define WISH_PUBLISHED "已发布"
#define WISH_CLAIMED   "已认领"
#define WISH_DONE      "已实现"
#define WISH_REFUSED   "未通过"
/* The wall's word for a published wish nobody has claimed yet. */
#define WISH_OPEN      "待认领"
extern const char *const wish_statuses[];
extern const char *const wish_categories[];  /* 心愿类别 */
extern const char *const wish_claimer_kinds[];  /* who claimed: 工作人员, 工会, 企业, 个人 */

/* ---- events (the history /status shows) ---- */

#define EVENT_SUBMITTED "已提交"   /* a public form was stored */
#define EVENT_NOTE      "内部备注" /* a staff note, never public */
#define EVENT_ACTIVITY_CANCELLED "活动取消" /* told to each sign-up */
#define EVENT_DUPLICATE "疑似重复" /* flagged on arrival, never public */

/* ---- the audit log's actions ---- */

#define AUDIT_LOGIN            "login"
#define AUDIT_LOGIN_FAILED     "login.failed"
#define AUDIT_LOGOUT           "logout"
#define AUDIT_PASSWORD_CHANGE  "password.change"
#define AUDIT_CSRF_REFUSED     "csrf.refused"
#define AUDIT_ACCOUNT_CREATE   "account.create"
#define AUDIT_ACCOUNT_DISABLE  "account.disable"
#define AUDIT_ACCOUNT_ENABLE   "account.enable"
#define AUDIT_ACCOUNT_RESET    "account.reset"
#define AUDIT_ACCOUNT_PASSWD   "account.passwd"
#define AUDIT_VIEW_IDCARD      "view.idcard"
#define AUDIT_VIEW_EVIDENCE    "view.evidence"
#define AUDIT_EXPORT           "export"
#define AUDIT_EXPORT_FULL      "export.full"
#define AUDIT_JOIN_APPROVE     "join.approve"
#define AUDIT_JOIN_REJECT      "join.reject"
#define AUDIT_JOIN_NOTE        "join.note"
#define AUDIT_LEGAL_ACCEPT     "legal.accept"
#define AUDIT_LEGAL_REJECT     "legal.reject"
#define AUDIT_LEGAL_ASSIGN     "legal.assign"
#define AUDIT_LEGAL_MEDIATE    "legal.mediate"
#define AUDIT_LEGAL_CLOSE      "legal.close"
#define AUDIT_LEGAL_NOTE       "legal.note"
#define AUDIT_STATION_CREATE   "station.create"
#define AUDIT_ACTIVITY_CREATE  "activity.create"
#define AUDIT_ACTIVITY_EDIT    "activity.edit"
#define AUDIT_ACTIVITY_CANCEL  "activity.cancel"
#define AUDIT_SIGNUP_ATTEND    "signup.attend"
#define AUDIT_SIGNUP_REMOVE    "signup.remove"
#define AUDIT_RATING_DRAW      "rating.draw"   /* 驿站评价: a month's draw */
#define AUDIT_PURGE            "purge"   /* `zhijia purge`: what it deleted */

struct audit_action {
	const char *action;  /* AUDIT_* */
	const char *label;   /* what it means, for people reading the log */
};
/* Every action the program writes, in the order the log's filter
 * suggests them. */
extern const struct audit_action audit_actions[];
extern const size_t naudit_actions;
/* The label of an action; "" when unknown. */
const char *audit_action_label(const char *action);

#endif
