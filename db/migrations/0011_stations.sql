-- 0011: the union's own districts and its stations (工会驿站) as workers
-- find them: where, when open, what they offer, who keeps them.

-- A district comes from the national division list (GB/T 2260, shipped
-- as data) or a CSV; province and city say where it belongs.  A district
-- with records is retired (active = 0), never deleted.
ALTER TABLE districts ADD COLUMN province TEXT NOT NULL DEFAULT '';
ALTER TABLE districts ADD COLUMN city TEXT NOT NULL DEFAULT '';

-- A station's QR code opens /s/{code}.
ALTER TABLE stations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE stations ADD COLUMN landmark TEXT NOT NULL DEFAULT '';
ALTER TABLE stations ADD COLUMN motto TEXT NOT NULL DEFAULT '';       -- 一站一品
ALTER TABLE stations ADD COLUMN phone TEXT NOT NULL DEFAULT '';       -- 联系电话
ALTER TABLE stations ADD COLUMN keeper_id INTEGER REFERENCES staff(id);  -- 负责人
ALTER TABLE stations ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stations ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
CREATE INDEX stations_by_district ON stations(district_id, active, id);

-- Opening hours: one row per weekday (1 = Monday … 7 = Sunday) and
-- period, Beijing time 'HH:MM'; '00:00'–'24:00' is 24 小时; no row: closed
-- that day.
CREATE TABLE station_hours (
    station_id INTEGER NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens      TEXT NOT NULL CHECK (opens GLOB '[0-2][0-9]:[0-5][0-9]'),
    closes     TEXT NOT NULL CHECK (closes GLOB '[0-2][0-9]:[0-5][0-9]'),
    CHECK (opens < closes),
    PRIMARY KEY (station_id, weekday, opens)
) STRICT, WITHOUT ROWID;

-- Amenities (饮水, 热饭, 充电, …): the words are the program's (vocab.c).
CREATE TABLE station_amenities (
    station_id INTEGER NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
    amenity    TEXT NOT NULL,
    PRIMARY KEY (station_id, amenity)
) STRICT, WITHOUT ROWID;
CREATE INDEX amenity_stations ON station_amenities(amenity, station_id);

-- /stations lists the active stations by district and name; /s/{code}
-- finds a code typed in any case (codes are unique regardless of case).
CREATE INDEX stations_active ON stations(active, district_id, name);
CREATE INDEX stations_by_code_nocase ON stations(code COLLATE NOCASE);

-- A legal-aid case that came through a station's QR code (/legal-aid?src=).
ALTER TABLE legal_cases ADD COLUMN station_id INTEGER REFERENCES stations(id);

-- A CSV import (stations, districts) larger than one job travels to the
-- writer in pieces; the last job reads them back and imports all or
-- nothing, then deletes them.  Pieces of an import that never finished
-- are deleted by the next one after a day.
CREATE TABLE import_chunks (
    batch      TEXT NOT NULL,      -- random, one per import
    seq        INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (batch, seq)
) STRICT;
