/* page-staff-accounts.c - being written. */
#include "app.h"

const struct route page_staff_accounts_routes[] = {
	{0},
};
