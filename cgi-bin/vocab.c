/*
 * vocab.c - the tables of the shared words (see vocab.h).
 */
#include "vocab.h"

#include <string.h>

#include "util.h"

const struct role roles[] = {
	{ROLE_NAME_ADMIN, "管理员", ROLE_ADMIN},
	{ROLE_NAME_REVIEWER, "审核员", ROLE_REVIEWER},
	{ROLE_NAME_LEGAL, "法律援助专员", ROLE_LEGAL},
};
const size_t nroles = ZJ_NELEM(roles);
const char *const role_labels[] = {"管理员", "审核员", "法律援助专员", NULL};

const struct role *
role_by_name(const char *name)
{
	for (size_t i = 0; name && i < nroles; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

const struct role *
role_by_label(const char *label)
{
	for (size_t i = 0; label && i < nroles; i++)
		if (strcmp(roles[i].label, label) == 0)
			return &roles[i];
	return NULL;
}

unsigned
role_bit(const char *name)
{
	const struct role *r = role_by_name(name);
	return r ? r->bit : 0;
}

const char *
role_label(const char *name)
{
	const struct role *r = role_by_name(name);
	return r ? r->label : name;
}

int
username_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= USERNAME_MAX && strspn(s, USERNAME_CHARS) == n;
}

const char *const join_statuses[] = {
	JOIN_PENDING, JOIN_APPROVED, JOIN_REJECTED, NULL,
};

const char *const legal_statuses[] = {
	LEGAL_NEW, LEGAL_ACCEPTED, LEGAL_ASSIGNED, LEGAL_MEDIATING, LEGAL_SETTLED,
	LEGAL_ARBITRATION, LEGAL_LAWSUIT, LEGAL_WITHDRAWN, LEGAL_REFUSED, NULL,
};

const char *const legal_outcomes[] = {
	LEGAL_SETTLED, LEGAL_ARBITRATION, LEGAL_LAWSUIT, LEGAL_WITHDRAWN, NULL,
};

const char *const station_amenities[] = {
	"饮水", "热饭", "充电", "如厕", "休息", "药箱", "法律咨询", "入会办理", "Wi-Fi", "母婴室", NULL,
};

const char *const appeal_statuses[] = {
	APPEAL_NEW, APPEAL_DISPATCHED, APPEAL_ANSWERED, APPEAL_CLOSED, APPEAL_REFUSED, NULL,
};
const char *const appeal_kinds[] = {"咨询", APPEAL_HELP, APPEAL_COMPLAINT, "意见建议", NULL};
const char *const appeal_matters[] = {
	"工资报酬", "劳动安全", "休息休假", "社会保险", "驿站设施", "其他", NULL,
};

const char *const wish_statuses[] = {
	WISH_PENDING, WISH_PUBLISHED, WISH_CLAIMED, WISH_DONE, WISH_REFUSED, NULL,
};
const char *const wish_categories[] = {
	"生活用品", "子女教育", "技能培训", "健康关爱", "法律服务", "其他", NULL,
};
const char *const wish_claimer_kinds[] = {
	WISH_BY_STAFF, WISH_BY_UNION, WISH_BY_FIRM, WISH_BY_PERSON, NULL,
};

const char *const activity_states[] = {
	ACTIVITY_OPEN, ACTIVITY_CLOSED, ACTIVITY_RUNNING, ACTIVITY_ENDED,
	ACTIVITY_CANCELLED, NULL,
};

const char *const followup_services[] = {
	SERVICE_JOIN, SERVICE_LEGAL, SERVICE_VOLUNTEER, SERVICE_APPEAL, SERVICE_WISH, NULL,
};
const char *const followup_statuses[] = {
	FOLLOWUP_OPEN, FOLLOWUP_REVIEW, FOLLOWUP_DONE, FOLLOWUP_UNREACHABLE, NULL,
};
const char *const sat_overall[] = {SAT_GOOD, SAT_FAIR, SAT_BAD, NULL};
const char *const sat_timely[] = {"是", "否", NULL};
const char *const sat_attitude[] = {"好", "一般", "差", NULL};
const char *const sat_resolved[] = {"是", "部分解决", "否", NULL};
const char *const call_outcomes[] = {CALL_REACHED, CALL_MISSED, NULL};

const struct audit_action audit_actions[] = {
	{AUDIT_LOGIN, "登录"},
	{AUDIT_LOGIN_FAILED, "登录失败"},
	{AUDIT_LOGOUT, "退出"},
	{AUDIT_PASSWORD_CHANGE, "修改密码"},
	{AUDIT_CSRF_REFUSED, "拒绝来源不明的提交"},
	{AUDIT_ACCOUNT_CREATE, "创建账号"},
	{AUDIT_ACCOUNT_DISABLE, "停用账号"},
	{AUDIT_ACCOUNT_ENABLE, "启用账号"},
	{AUDIT_ACCOUNT_RESET, "重置密码"},
	{AUDIT_ACCOUNT_PASSWD, "命令行设置密码"},
	{AUDIT_VIEW_IDCARD, "查看完整身份证号"},
	{AUDIT_VIEW_EVIDENCE, "查看证据材料"},
	{AUDIT_EXPORT, "导出"},
	{AUDIT_EXPORT_FULL, "导出(含完整身份证号)"},
	{AUDIT_JOIN_APPROVE, "入会通过"},
	{AUDIT_JOIN_REJECT, "入会未通过"},
	{AUDIT_JOIN_NOTE, "入会备注"},
	{AUDIT_LEGAL_ACCEPT, "法律援助受理"},
	{AUDIT_LEGAL_REJECT, "法律援助不予受理"},
	{AUDIT_LEGAL_ASSIGN, "法律援助指派"},
	{AUDIT_LEGAL_MEDIATE, "法律援助开始调解"},
	{AUDIT_LEGAL_CLOSE, "法律援助结案"},
	{AUDIT_LEGAL_NOTE, "法律援助备注"},
	{AUDIT_LEGAL_CONTACT, "法律援助首次联系"},
	{AUDIT_STATION_CREATE, "添加驿站"},
	{AUDIT_STATION_EDIT, "修改驿站"},
	{AUDIT_STATION_RETIRE, "停用驿站"},
	{AUDIT_STATION_ACTIVATE, "恢复驿站"},
	{AUDIT_STATION_IMPORT, "导入驿站"},
	{AUDIT_DISTRICT_ADD, "添加区县"},
	{AUDIT_DISTRICT_RETIRE, "停用区县"},
	{AUDIT_DISTRICT_ACTIVATE, "恢复区县"},
	{AUDIT_DISTRICT_DELETE, "删除区县"},
	{AUDIT_APPEAL_DISPATCH, "诉求派单"},
	{AUDIT_APPEAL_ANSWER, "诉求答复"},
	{AUDIT_APPEAL_CLOSE, "诉求办结"},
	{AUDIT_APPEAL_REFUSE, "诉求不予受理"},
	{AUDIT_APPEAL_LEGAL, "诉求转法律援助"},
	{AUDIT_APPEAL_NOTE, "诉求备注"},
	{AUDIT_ACTIVITY_CREATE, "新建志愿活动"},
	{AUDIT_ACTIVITY_EDIT, "修改志愿活动"},
	{AUDIT_ACTIVITY_CANCEL, "取消志愿活动"},
	{AUDIT_SIGNUP_ATTEND, "登记出勤"},
	{AUDIT_SIGNUP_REMOVE, "移除报名"},
	{AUDIT_CALENDAR_ADD, "放假安排:添加或修改一天"},
	{AUDIT_CALENDAR_REMOVE, "放假安排:删除一天"},
	{AUDIT_CALENDAR_IMPORT, "放假安排:导入一年"},
	{AUDIT_WISH_PUBLISH, "微心愿发布"},
	{AUDIT_WISH_REJECT, "微心愿未通过"},
	{AUDIT_WISH_CLAIM, "微心愿认领"},
	{AUDIT_WISH_RELEASE, "微心愿撤销认领"},
	{AUDIT_WISH_FULFIL, "微心愿实现"},
	{AUDIT_WISH_HARDSHIP, "疑似困难职工标记"},
	{AUDIT_WISH_NOTE, "微心愿备注"},
	{AUDIT_RATING_DRAW, "驿站评价抽奖"},
	{AUDIT_FOLLOWUP_CALL, "回访电话"},
	{AUDIT_FOLLOWUP_REOPEN, "回访不满意,重新办理"},
	{AUDIT_FOLLOWUP_REVIEW, "回访复核完成"},
	{AUDIT_FOLLOWUP_SWEEP, "志愿活动结束后发送回访链接"},
	{AUDIT_PURGE, "按期删除(隐私说明所述保存期满)"},
	{AUDIT_MSG_TEMPLATE, "修改短信模板"},
	{AUDIT_MSG_QUIET, "修改免打扰时段"},
	{AUDIT_MSG_OPTOUT, "手机号退订短信"},
	{AUDIT_MSG_OPTIN, "手机号恢复接收短信"},
	{AUDIT_MSG_EXPORT, "导出短信批次"},
	{AUDIT_MSG_SENT, "短信批次标记为已发送"},
	{AUDIT_MSG_REQUEUE, "短信重新排队发送"},
	{AUDIT_MSG_REMIND, "排队活动前一天提醒"},
};
const size_t naudit_actions = ZJ_NELEM(audit_actions);

const char *
audit_action_label(const char *action)
{
	for (size_t i = 0; i < naudit_actions; i++)
		if (strcmp(audit_actions[i].action, action) == 0)
			return audit_actions[i].label;
	return "";
}
