/*
 * app.h - the application around the core: the hooks it hands the core
 * (which page files there are, what every page's layout is given, who may
 * use a staff route), the state it keeps beside the core's, and the
 * first-start set-up.
 */
#ifndef ZJ_APP_H
#define ZJ_APP_H

#include <stddef.h>

#include "http.h"
#include "writer.h"

struct app;
struct db;

/* The application's hooks (app.c): set app->hooks to &app_hooks. */
extern const struct app_hooks app_hooks;

/* What the application keeps per worker beside the core's state
 * (app->data points to it). */
struct site {
	const char *uploads;  /* evidence files, outside the web root; the
	                         core's tmpdir is <uploads>/tmp */
	/* What strangers may put on the disk (issue 10 §5), in bytes; 0 =
	 * no limit.  Set from the environment (serve options set it). */
	long long evidence_quota;  /* all evidence files together */
	long long address_daily;   /* one address (IPv6: /64) per Shanghai day */
	long long free_floor;      /* uploads refused below this free space */
	const char *calendar;      /* the shipped calendars, cn-holidays-YYYY.csv
	                              (<datadir>/db/calendar); NULL: none */
};

/* The defaults of struct site's limits, in MB (README, Configuration). */
#define EVIDENCE_QUOTA_MB 20480   /* ZHIJIA_EVIDENCE_QUOTA_MB, --evidence-quota */
#define ADDRESS_DAILY_MB 100      /* ZHIJIA_EVIDENCE_DAILY_MB, --evidence-daily */
#define FREE_FLOOR_MB 1024        /* ZHIJIA_UPLOADS_FLOOR_MB, --free-floor */

/* The site state of r's worker.  Cannot fail. */
static inline const struct site *
site_of(const struct req *r)
{
	return r->app->data;
}

/*
 * The page_data hook, also for pages rendered outside resp_render
 * (pubform.c): add the keys every page's layout needs to ctx (site name,
 * path, and the staff member with the CSRF token when logged in).
 */
void app_page_data(struct req *r, struct tval *ctx);

/* Route tables of the page files (each NULL-handler terminated). */
extern const struct route page_home_routes[];
extern const struct route page_join_routes[];
extern const struct route page_legal_routes[];
extern const struct route page_volunteer_routes[];
extern const struct route page_status_routes[];
extern const struct route page_wish_routes[];
extern const struct route page_staff_wishes_routes[];
extern const struct route page_appeal_routes[];
extern const struct route page_staff_appeals_routes[];
extern const struct route page_staff_login_routes[];
extern const struct route page_staff_joins_routes[];
extern const struct route page_staff_legal_routes[];
extern const struct route page_staff_volunteer_routes[];
extern const struct route page_staff_stations_routes[];
extern const struct route page_staff_home_routes[];
extern const struct route page_staff_audit_routes[];
extern const struct route page_staff_accounts_routes[];
extern const struct route page_staff_calendar_routes[];
extern const struct route page_rate_routes[];
extern const struct route page_staff_ratings_routes[];
extern const struct route page_staff_report_routes[];
extern const struct route page_feedback_routes[];         /* 回访评价 link */
extern const struct route page_staff_followups_routes[];  /* 回访 queue */
extern const struct route page_staff_messages_routes[];
extern const struct route page_staff_districts_routes[];
extern const struct route page_stations_routes[];    /* /stations, /s/{code} */

/* Job tables of the page files (writer.h; NULL-name terminated). */
/* Every job table of the application, NULL-terminated: handed to the
 * core with job_types() at start. */
extern const struct job_type *const app_jobs[];
extern const struct job_type page_join_jobs[];
extern const struct job_type auth_jobs[];       /* auth.c */
extern const struct job_type purge_jobs[];      /* purge.c */
extern const struct job_type page_legal_jobs[];
extern const struct job_type page_volunteer_jobs[];  /* page-volunteer-signup.c */
extern const struct job_type page_status_jobs[];
extern const struct job_type page_wish_jobs[];
extern const struct job_type page_staff_wish_steps_jobs[];
extern const struct job_type page_appeal_jobs[];
extern const struct job_type page_staff_appeals_jobs[];
extern const struct job_type staff_jobs[];      /* staff.c */
extern const struct job_type page_staff_login_jobs[];
extern const struct job_type page_staff_join_record_jobs[];
extern const struct job_type page_staff_legal_steps_jobs[];
extern const struct job_type page_staff_activity_jobs[];
extern const struct job_type page_staff_roster_jobs[];
extern const struct job_type page_staff_accounts_jobs[];
extern const struct job_type page_staff_calendar_jobs[];
extern const struct job_type page_rate_jobs[];
extern const struct job_type page_staff_ratings_jobs[];
extern const struct job_type page_staff_followups_jobs[];
extern const struct job_type import_jobs[];     /* imports.c */
extern const struct job_type district_jobs[];   /* districts.c */
extern const struct job_type station_jobs[];    /* station-store.c */

/*
 * Load the sample volunteer activities (marked 示例) into a database that
 * has none yet; called by app_setup when asked for samples.  Returns 0, or
 * -1 (logged).
 */
int volunteer_samples(struct db *db);

/*
 * At start, inside app_setup's transaction (page-staff-calendar.c): load
 * each shipped calendar file of dir (NULL: none) that was never loaded
 * into a database without a day of its year, and fill in, once, the due
 * dates of rows stored before the working-day clock.  Returns 0, or -1
 * with the reason in err.
 */
int calendar_setup(struct db *db, const char *dir, char *err, size_t errlen);

/*
 * Bring a database to life: the form-token secret (made once), the first
 * staff account `admin` on a new database (password from
 * ZHIJIA_ADMIN_PASSWORD, or a random one printed once to stderr), and the
 * sample data when samples; the shipped calendar (calendar_setup).  Loads the secret into app.  Returns 0, or -1
 * with the reason in err.
 */
int app_setup(struct app *app, struct db *db, int samples, char *err,
    size_t errlen);

#endif
