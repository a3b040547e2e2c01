/* page-staff-legal.c - being written. */
#include "app.h"

const struct route page_staff_legal_routes[] = {
	{0},
};
