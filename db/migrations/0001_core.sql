-- 0001: what the core and the staff desk stand on: settings, districts,
-- staff accounts.  Times are UTC ISO-8601 text.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- 所在区县.  A new database ships a small sample list (sample = 1), shown
-- as such; a union replaces it with its own districts.
CREATE TABLE districts (
    id     INTEGER PRIMARY KEY,
    code   TEXT NOT NULL UNIQUE,      -- 6-digit administrative code
    name   TEXT NOT NULL,
    sample INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
) STRICT;

INSERT INTO districts (code, name, sample) VALUES
    ('110101', '东城区', 1),
    ('110102', '西城区', 1),
    ('110105', '朝阳区', 1),
    ('110106', '丰台区', 1),
    ('110108', '海淀区', 1),
    ('110112', '通州区', 1);

CREATE TABLE staff (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name   TEXT NOT NULL DEFAULT '',
    pwhash         TEXT NOT NULL,              -- libscrypt MCF
    role           TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'legal')),
    district_id    INTEGER REFERENCES districts(id),  -- NULL: all districts
    disabled       INTEGER NOT NULL DEFAULT 0,
    must_change_pw INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL
) STRICT;
