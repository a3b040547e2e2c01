-- 0003: staff sessions, login throttling, the audit log, member numbers.

-- Server-side sessions: the cookie holds a 256-bit random token; only its
-- SHA-256 is stored.  Times are Unix seconds (compared on every request).
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    staff_id   INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    addr       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_by_staff ON sessions(staff_id);

-- Failed logins per address: each failure past the fifth doubles the wait.
CREATE TABLE login_failures (
    addr    TEXT PRIMARY KEY,
    n       INTEGER NOT NULL,
    last_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Never edited: the program only inserts (triggers refuse the rest).
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    staff_id   INTEGER REFERENCES staff(id),
    username   TEXT NOT NULL DEFAULT '',
    addr       TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_at ON audit(at);
CREATE INDEX audit_by_action ON audit(action, at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is never edited'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is never edited'); END;

-- 会员编号 sequences: district code + year + sequence.
CREATE TABLE member_seq (
    district_id INTEGER NOT NULL REFERENCES districts(id),
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (district_id, year)
) STRICT, WITHOUT ROWID;

-- Queue paging and search.
CREATE INDEX join_by_district ON join_applications(district_id, id);
-- Name + phone: the name search, and the possible-duplicate flag (same
-- name and phone) as one seek however many applications share a phone.
CREATE INDEX join_by_name ON join_applications(name, phone);
CREATE INDEX legal_by_district ON legal_cases(district_id, id);
CREATE INDEX legal_by_name ON legal_cases(name);
CREATE INDEX legal_by_assignee ON legal_cases(assignee_id);
CREATE INDEX join_by_station ON join_applications(station_id);
