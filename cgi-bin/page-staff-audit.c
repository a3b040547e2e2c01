/* page-staff-audit.c - being written. */
#include "app.h"

const struct route page_staff_audit_routes[] = {
	{0},
};
