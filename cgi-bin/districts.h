/*
 * districts.h - the union's own districts (所在区县): added from the
 * shipped national list (divisions.h) or a CSV, retired and reactivated,
 * deleted only while nothing refers to them.  Once a real district is
 * active, the six sample districts of a new database disappear (deleted
 * when unused, else retired).  Used by /staff/districts and by
 * `zhijia districts`; every write is a job, audited.
 *
 * What a job adds travels as lines "code\tname\tprovince\tcity\n"
 * (imports.h carries them when they are many).
 */
#ifndef ZJ_DISTRICTS_H
#define ZJ_DISTRICTS_H

#include <stddef.h>

#include "imports.h"
#include "writer.h"

struct arena;
struct buf;
struct division;

#define DISTRICT_NAME_MAX 50   /* characters */

/*
 * An SQL expression, 1 when the district whose id is the SQL expression
 * id (a string literal: "?1", "d.id") is referred to by any record
 * (applications, cases, stations, staff, activities, 诉求, 微心愿,
 * ratings, member numbers): such a district is retired, never deleted.
 */
#define DISTRICT_USED(id) \
    "(EXISTS (SELECT 1 FROM join_applications WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM legal_cases WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM stations WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM staff WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM activities WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM member_seq WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM appeals WHERE district_id = " id \
    "  OR origin_district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM wishes WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM station_ratings WHERE district_id = " id ")" \
    " OR EXISTS (SELECT 1 FROM rating_draws WHERE district_id = " id "))"

/* Append division d as a line for district.add (name: d's county). */
void district_line(struct buf *b, const struct division *d);

/*
 * The divisions a word names, as lines into b: a city ("铜陵市"), a
 * province ("安徽省": all of it), "省/市" when a city's name is not unique
 * (省直辖县级行政区划), or a six-digit code in the list.  Returns how many
 * (0: the word names nothing in the list).
 */
size_t district_pick(const char *word, struct buf *b);

/*
 * A districts CSV ("code,name" a line; a first line "code,name" or
 * "代码,名称" is a header) as lines into b: a code in the national list
 * takes its province and city (and its name when the line gives none);
 * any other six-digit code needs a name.  Every wrong line goes into e.
 * Returns the number of districts (0 with e->n > 0 when any line is
 * wrong: import nothing).
 */
size_t district_csv(struct arena *a, const char *csv, struct buf *b,
    struct import_errors *e);

/*
 * Job "district.add" — the lines ("text" or "batch", imports.h): every
 * code is added (a sample district with the code becomes real, a retired
 * one active again), names must be unique among the active districts,
 * then the samples go.  Answers "added", "reactivated", "already",
 * "samples_deleted", "samples_retired"; SQLITE_CONSTRAINT with "error"
 * (nothing stored) on a name clash.
 * Job "district.state" — "code" and "op" (retire, activate, delete):
 * SQLITE_NOTFOUND for an unknown code; SQLITE_CONSTRAINT with "error"
 * for deleting a district that has records.
 */
extern const struct job_type district_jobs[];

#endif
