/*
 * app.h - the application around the core: which page files there are,
 * what every page's layout is given, and the first-start set-up.
 */
#ifndef ZJ_APP_H
#define ZJ_APP_H

#include <stddef.h>

#include "http.h"
#include "writer.h"

struct app;
struct db;

/* Route tables of the page files (each NULL-handler terminated). */
extern const struct route page_home_routes[];
extern const struct route page_join_routes[];
extern const struct route page_legal_routes[];
extern const struct route page_volunteer_routes[];
extern const struct route page_status_routes[];
extern const struct route page_staff_login_routes[];
extern const struct route page_staff_joins_routes[];
extern const struct route page_staff_legal_routes[];
extern const struct route page_staff_volunteer_routes[];
extern const struct route page_staff_stations_routes[];
extern const struct route page_staff_home_routes[];
extern const struct route page_staff_audit_routes[];
extern const struct route page_staff_accounts_routes[];

/* Job tables of the page files (writer.h; NULL-name terminated). */
extern const struct job_type page_join_jobs[];
extern const struct job_type cli_jobs[];        /* cli-jobs.c */

/*
 * Load the sample volunteer activities (marked 示例) into a database that
 * has none yet; called by app_setup when app->samples.  Returns 0, or -1
 * (logged).
 */
int volunteer_samples(struct db *db);

/*
 * Bring a database to life: the form-token secret (made once), the first
 * staff account `admin` on a new database (password from
 * ZHIJIA_ADMIN_PASSWORD, or a random one printed once to stderr), and the
 * sample data when app->samples.  Loads the secret into app.  Returns 0,
 * or -1 with the reason in err.
 */
int app_setup(struct app *app, struct db *db, char *err, size_t errlen);

#endif
