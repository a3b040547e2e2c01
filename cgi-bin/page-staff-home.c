/* page-staff-home.c - being written. */
#include "app.h"

const struct route page_staff_home_routes[] = {
	{0},
};
