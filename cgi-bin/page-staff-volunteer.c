/* page-staff-volunteer.c - being written. */
#include "app.h"

const struct route page_staff_volunteer_routes[] = {
	{0},
};
