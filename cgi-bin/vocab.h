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
#define ROLE_REVIEWER 2u   /* 审核员: 入会, 志愿服务, 微心愿 of their districts */
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
#define APPEAL_COMPLAINT  "投诉"   /* the kinds that may become a legal case */
#define APPEAL_HELP       "求助"
/* What the queue marks and filters: 已派单 past its due date. */
#define APPEAL_OVERDUE    "已逾期"
/* Working days a dispatch gives the handler, unless staff pick a date. */
#define APPEAL_DUE_DAYS   5
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
#define WISH_BY_STAFF  "工作人员"   /* the claimer kinds (schema's CHECK) */
#define WISH_BY_UNION  "工会"
#define WISH_BY_FIRM   "企业"
#define WISH_BY_PERSON "个人"
extern const char *const wish_statuses[];
extern const char *const wish_categories[];  /* 心愿类别 */
extern const char *const wish_claimer_kinds[];  /* who claimed: 工作人员, 工会, 企业, 个人 */

/* ---- 回访 and 满意度 (follow-ups) ---- */

/* The services a follow-up is of (followups.service). */
#define SERVICE_JOIN      "入会"
#define SERVICE_LEGAL     "法律援助"
#define SERVICE_VOLUNTEER "志愿服务"
#define SERVICE_APPEAL    "诉求"
#define SERVICE_WISH      "微心愿"
extern const char *const followup_services[];

/* A follow-up's state: waiting for an answer (by link, or after 3 days
 * by a call), answered, or given up after three calls nobody took. */
#define FOLLOWUP_OPEN        "待回访"
#define FOLLOWUP_DONE        "已回访"
#define FOLLOWUP_UNREACHABLE "无法联系"
/* The queue's filter word for a 不满意 answer awaiting its review. */
#define FOLLOWUP_REVIEW      "待复核"
extern const char *const followup_statuses[];

/* 总体评价, and the other questions' answers. */
#define SAT_GOOD  "满意"
#define SAT_FAIR  "基本满意"
#define SAT_BAD   "不满意"
extern const char *const sat_overall[];     /* 总体评价 */
extern const char *const sat_timely[];      /* 办理是否及时: 是 / 否 */
extern const char *const sat_attitude[];    /* 工作人员态度: 好 / 一般 / 差 */
extern const char *const sat_resolved[];    /* 结果是否解决问题: 是 / 部分解决 / 否 */

/* What a 回访 call came to. */
#define CALL_REACHED "接通"
#define CALL_MISSED  "未接通"
extern const char *const call_outcomes[];

/* ---- events (the history /status shows) ---- */

#define EVENT_SUBMITTED "已提交"   /* a public form was stored */
#define EVENT_NOTE      "内部备注" /* a staff note, never public */
#define EVENT_ACTIVITY_CANCELLED "活动取消" /* told to each sign-up */
#define EVENT_DUPLICATE "疑似重复" /* flagged on arrival, never public */
#define EVENT_FIRST_CONTACT "已首次联系" /* a legal case: staff reached the person */
#define EVENT_FOLLOWUP  "回访"     /* a link sent, an answer, a call: internal */
#define EVENT_REVIEW    "复核"     /* a 不满意 answer reopened it: internal */
#define EVENT_HARDSHIP  "疑似困难职工" /* a wish marked (or unmarked), never public */

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
#define AUDIT_LEGAL_CONTACT    "legal.contact"
#define AUDIT_STATION_CREATE   "station.create"
#define AUDIT_STATION_EDIT     "station.edit"
#define AUDIT_STATION_RETIRE   "station.retire"
#define AUDIT_STATION_ACTIVATE "station.activate"
#define AUDIT_STATION_IMPORT   "station.import"
#define AUDIT_DISTRICT_ADD     "district.add"
#define AUDIT_DISTRICT_RETIRE  "district.retire"
#define AUDIT_DISTRICT_ACTIVATE "district.activate"
#define AUDIT_DISTRICT_DELETE  "district.delete"
#define AUDIT_APPEAL_DISPATCH  "appeal.dispatch"
#define AUDIT_APPEAL_ANSWER    "appeal.answer"
#define AUDIT_APPEAL_CLOSE     "appeal.close"
#define AUDIT_APPEAL_REFUSE    "appeal.refuse"
#define AUDIT_APPEAL_LEGAL     "appeal.legal"
#define AUDIT_APPEAL_NOTE      "appeal.note"
#define AUDIT_ACTIVITY_CREATE  "activity.create"
#define AUDIT_ACTIVITY_EDIT    "activity.edit"
#define AUDIT_ACTIVITY_CANCEL  "activity.cancel"
#define AUDIT_SIGNUP_ATTEND    "signup.attend"
#define AUDIT_SIGNUP_REMOVE    "signup.remove"
#define AUDIT_CALENDAR_ADD     "calendar.add"
#define AUDIT_CALENDAR_REMOVE  "calendar.remove"
#define AUDIT_CALENDAR_IMPORT  "calendar.import"
#define AUDIT_WISH_PUBLISH     "wish.publish"
#define AUDIT_WISH_REJECT      "wish.reject"
#define AUDIT_WISH_CLAIM       "wish.claim"
#define AUDIT_WISH_RELEASE     "wish.release"
#define AUDIT_WISH_FULFIL      "wish.fulfil"
#define AUDIT_WISH_HARDSHIP    "wish.hardship"
#define AUDIT_WISH_NOTE        "wish.note"
#define AUDIT_RATING_DRAW      "rating.draw"   /* 驿站评价: a month's draw */
#define AUDIT_FOLLOWUP_CALL    "followup.call"
#define AUDIT_FOLLOWUP_REOPEN  "followup.reopen"  /* a 不满意 answer */
#define AUDIT_FOLLOWUP_REVIEW  "followup.review"  /* the review closed */
#define AUDIT_FOLLOWUP_SWEEP   "followup.sweep"   /* `zhijia followup` */
#define AUDIT_PURGE            "purge"   /* `zhijia purge`: what it deleted */
#define AUDIT_MSG_TEMPLATE     "message.template"  /* a message kind's text edited */
#define AUDIT_MSG_QUIET        "message.quiet"     /* quiet hours changed */
#define AUDIT_MSG_OPTOUT       "message.optout"    /* a phone unsubscribed (TD) */
#define AUDIT_MSG_OPTIN        "message.optin"     /* …and subscribed again */
#define AUDIT_MSG_EXPORT       "message.export"    /* a batch for the SMS platform */
#define AUDIT_MSG_SENT         "message.sent"      /* a batch marked sent */
#define AUDIT_MSG_REQUEUE      "message.requeue"   /* messages to be sent again */
#define AUDIT_MSG_REMIND       "message.remind"    /* `zhijia remind` queued reminders */

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
