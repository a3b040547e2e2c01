/* page-staff-stations.c - being written. */
#include "app.h"

const struct route page_staff_stations_routes[] = {
	{0},
};
