/*
 * station-store.h - a 工会驿站 as stored: its fields, hours and amenities,
 * checked the same way from the staff form, the CSV import and inside the
 * writer's jobs; and finding a station by its QR code.
 */
#ifndef ZJ_STATION_STORE_H
#define ZJ_STATION_STORE_H

#include <stddef.h>

#include "hours.h"
#include "imports.h"
#include "writer.h"

struct arena;
struct db;
struct req;

#define STATION_CODE_MAX 32
#define STATION_CODE_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
#define STATION_AMENITIES_MAX 16

/* A station as a page or an import line gives it. */
struct station_in {
	long long id;               /* 0: a new station */
	const char *code, *name, *address, *landmark, *motto, *phone;
	long long district;         /* districts.id */
	long long keeper;           /* staff.id, 0: none */
	int active;
	struct week_hours hours;    /* all closed: hours not given */
	const char *amenities[STATION_AMENITIES_MAX];
	size_t namenities;
};

/* The field checks, NULL or a message: a code of STATION_CODE_CHARS
 * (1..32); a contact phone (digits, spaces, - and +, 3..20). */
const char *station_code_problem(const char *code);
const char *station_phone_problem(const char *phone);
/* 1 when word is one of vocab's station_amenities. */
int station_amenity_ok(const char *word);

/*
 * A station's id and name by its code (any case) when it is active, for
 * the public pages (?src=CODE, /s/CODE): the id, or 0 for an unknown,
 * malformed or inactive code.  *name and *canonical (the code as stored)
 * from the arena when not NULL.
 */
long long station_find(struct req *r, const char *code, const char **name,
    const char **canonical);

/*
 * A stations CSV (see page-staff-stations.c for the format people read):
 * a header row naming the columns, then one station a line, into
 * (*out)[0..*n) from the arena, every wrong line into e.  Districts are
 * looked up on db (by name or code, active ones); an existing code (any
 * case) sets the line's id — the import updates that station.
 * Returns 0, or -1 when any line is wrong (import nothing).
 */
int station_csv(struct db *db, struct arena *a, const char *csv,
    struct station_in **out, size_t *n, struct import_errors *e);

/* A station as job fields, and back (NULL when the job holds none). */
void station_put(struct job *j, const struct station_in *s);
struct station_in *station_get(struct arena *a, const struct job *j);

/*
 * Jobs:
 *  "station.save" — station_put's fields: create (id 0) or change a
 *    station, its hours and amenities replaced, audited; within the
 *    district wall of the job's actor for the station's old and new
 *    district (SQLITE_AUTH otherwise).  Answers "id"; "taken" (the name
 *    of the station with the code, nothing stored) or "error" (the
 *    keeper is not of the district) with SQLITE_CONSTRAINT.
 *  "station.import" — the CSV ("text"/"batch", imports.h), checked again
 *    by station_csv on the writer's connection: every line stored, or
 *    none (SQLITE_CONSTRAINT with "errors", one message a line).
 *    Answers "added", "updated".
 */
extern const struct job_type station_jobs[];

#endif
