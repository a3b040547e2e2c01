-- 0002: the three public services and their progress history.
-- Reference numbers: RH (join), FY (legal aid), ZY (volunteer) + random.

-- 工会驿站: a station's QR code points at /join?src=CODE.
CREATE TABLE stations (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    district_id INTEGER REFERENCES districts(id),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE join_applications (
    id                INTEGER PRIMARY KEY,
    ref               TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    gender            TEXT NOT NULL CHECK (gender IN ('男', '女')),
    id_number         TEXT NOT NULL,
    phone             TEXT NOT NULL,
    ethnicity         TEXT NOT NULL DEFAULT '',
    education         TEXT NOT NULL DEFAULT '',
    employment        TEXT NOT NULL,
    occupation        TEXT NOT NULL,
    employer          TEXT NOT NULL DEFAULT '',
    district_id       INTEGER NOT NULL REFERENCES districts(id),
    address           TEXT NOT NULL DEFAULT '',
    was_member        INTEGER NOT NULL DEFAULT 0,
    prev_union        TEXT NOT NULL DEFAULT '',
    station_id        INTEGER REFERENCES stations(id),
    status            TEXT NOT NULL DEFAULT '待审核'
                      CHECK (status IN ('待审核', '已通过', '未通过')),
    reason            TEXT NOT NULL DEFAULT '',
    member_no         TEXT UNIQUE,
    consent_charter   INTEGER NOT NULL CHECK (consent_charter = 1),
    consent_sensitive INTEGER NOT NULL CHECK (consent_sensitive = 1),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;
-- One live application per person: a second while one is pending or
-- approved is refused, race-free.
CREATE UNIQUE INDEX join_one_live_per_id ON join_applications(id_number)
    WHERE status IN ('待审核', '已通过');
CREATE INDEX join_by_status ON join_applications(status, district_id, created_at);
CREATE INDEX join_by_phone ON join_applications(phone);

CREATE TABLE legal_cases (
    id             INTEGER PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    id_number      TEXT NOT NULL DEFAULT '',
    district_id    INTEGER NOT NULL REFERENCES districts(id),
    employer       TEXT NOT NULL,
    dispute_type   TEXT NOT NULL,
    people         INTEGER NOT NULL CHECK (people BETWEEN 1 AND 10000),
    amount_fen     INTEGER CHECK (amount_fen BETWEEN 0 AND 10000000000),
    facts          TEXT NOT NULL,
    claims         TEXT NOT NULL,
    member_status  TEXT NOT NULL,
    contact_time   TEXT NOT NULL DEFAULT '',
    may_call       INTEGER NOT NULL DEFAULT 0,
    consent_sensitive INTEGER NOT NULL CHECK (consent_sensitive = 1),
    status         TEXT NOT NULL DEFAULT '待受理',
    reason         TEXT NOT NULL DEFAULT '',
    assignee_id    INTEGER REFERENCES staff(id),
    handler_name   TEXT NOT NULL DEFAULT '',
    recovered_fen  INTEGER,
    closed_at      TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX legal_by_status ON legal_cases(status, district_id, created_at);
CREATE INDEX legal_by_phone ON legal_cases(phone);

-- 证据材料: stored outside the web root under random names.
CREATE TABLE legal_files (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES legal_cases(id) ON DELETE CASCADE,
    stored_name TEXT NOT NULL UNIQUE,
    orig_name   TEXT NOT NULL,
    mime        TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'application/pdf')),
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at   TEXT NOT NULL,          -- UTC ISO-8601
    ends_at     TEXT NOT NULL,
    place       TEXT NOT NULL,
    district_id INTEGER REFERENCES districts(id),
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    deadline    TEXT NOT NULL,          -- sign-ups close then (UTC)
    cancelled   INTEGER NOT NULL DEFAULT 0,
    cancel_reason TEXT NOT NULL DEFAULT '',
    sample      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX activities_by_start ON activities(cancelled, starts_at);

CREATE TABLE signups (
    id          INTEGER PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    skills      TEXT NOT NULL DEFAULT '',   -- 、-separated
    note        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('已确认', '候补', '已取消')),
    cancel_hash TEXT NOT NULL,              -- SHA-256 of the private cancel token
    attended    INTEGER NOT NULL DEFAULT 0,
    hours       INTEGER NOT NULL DEFAULT 0,
    consent_sensitive INTEGER NOT NULL CHECK (consent_sensitive = 1),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
-- One live sign-up per phone per activity.
CREATE UNIQUE INDEX signup_one_per_phone ON signups(activity_id, phone)
    WHERE status <> '已取消';
CREATE INDEX signups_by_activity ON signups(activity_id, status, id);

-- The dated history /status shows, for every kind of submission.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    ref        TEXT NOT NULL,
    status     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    public     INTEGER NOT NULL DEFAULT 1,  -- shown to the applicant
    staff_id   INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_ref ON events(ref, id);

-- Status lookups per address and 10-minute window (rate limit).
CREATE TABLE lookup_counts (
    addr   TEXT NOT NULL,
    window INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (addr, window)
) STRICT, WITHOUT ROWID;
