/*
 * workflow.c - the step tables' shared checks (workflow.h).
 */
#include "workflow.h"

#include <string.h>

#include "util.h"

int
step_starts_from(const char *const *from, size_t n, const char *status)
{
	if (n == 0 || from[0] == NULL)
		return 1;
	for (size_t i = 0; i < n && from[i]; i++)
		if (strcmp(from[i], status) == 0)
			return 1;
	return 0;
}

const char *
step_refusal(struct arena *a, const char *record, const char *status,
    const char *verb)
{
	return arena_printf(a, "%s现在是“%s”状态,不能%s,什么也没有改变。"
	    "可能其他工作人员刚刚处理过,请看下方的最新状态。", record, status, verb);
}
