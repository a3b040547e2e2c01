/* page-staff-joins.c - being written. */
#include "app.h"

const struct route page_staff_joins_routes[] = {
	{0},
};
