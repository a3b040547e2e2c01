/*
 * lists.c - option lists shared by public forms and staff queues.
 */
#include "lists.h"

#include <stddef.h>

const char *const occupations[] = {
	"货车司机", "网约车司机", "快递员", "网约送餐员", "家政服务员", "护工护理员",
	"保安员", "商场信息员", "房产中介", "建筑工人", "其他", NULL,
};

const char *const dispute_types[] = {
	"拖欠工资", "解除劳动合同/经济补偿", "工伤", "社会保险", "加班/休息休假",
	"未签劳动合同", "其他", NULL,
};
