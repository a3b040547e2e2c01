-- 0007: the dashboard, the audit log page and the accounts page.
--
-- The dashboard must answer in a few milliseconds with 1,000,000
-- applications and 200,000 cases.  Counting a week or a month is a range
-- of a covering index on created_at.  Counting everything by occupation,
-- district or station would walk a whole index (tens of milliseconds
-- each), so running totals are kept beside the rows by triggers, in the
-- same transaction as the change that moves them: they cannot drift.

-- This week's and month's submissions by status (created_at range first;
-- status and district read from the index).
CREATE INDEX join_by_created ON join_applications(created_at, status, district_id);
-- legal cases by time: legal_q_created (0005) covers (created_at, status, district_id).
-- Open cases by status.
CREATE INDEX legal_open ON legal_cases(status, district_id) WHERE closed_at IS NULL;

-- 入会 totals per Shanghai month (of created_at), district, occupation and
-- current status; and per month and station (applications that came
-- through a station's QR code).
CREATE TABLE join_tally (
    month       TEXT NOT NULL,     -- 'YYYY-MM', Asia/Shanghai
    district_id INTEGER NOT NULL,
    occupation  TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (month, district_id, occupation, status)
) STRICT, WITHOUT ROWID;
CREATE TABLE station_tally (
    month       TEXT NOT NULL,
    station_id  INTEGER NOT NULL,
    district_id INTEGER NOT NULL,  -- of the applications
    n           INTEGER NOT NULL,
    PRIMARY KEY (month, station_id, district_id)
) STRICT, WITHOUT ROWID;

INSERT INTO join_tally (month, district_id, occupation, status, n)
    SELECT strftime('%Y-%m', created_at, '+8 hours'), district_id, occupation,
           status, count(*)
    FROM join_applications GROUP BY 1, 2, 3, 4;
INSERT INTO station_tally (month, station_id, district_id, n)
    SELECT strftime('%Y-%m', created_at, '+8 hours'), station_id, district_id,
           count(*)
    FROM join_applications WHERE station_id IS NOT NULL GROUP BY 1, 2, 3;

CREATE TRIGGER join_tally_insert AFTER INSERT ON join_applications BEGIN
    INSERT INTO join_tally (month, district_id, occupation, status, n)
    VALUES (strftime('%Y-%m', NEW.created_at, '+8 hours'), NEW.district_id,
            NEW.occupation, NEW.status, 1)
    ON CONFLICT (month, district_id, occupation, status) DO UPDATE SET n = n + 1;
    INSERT INTO station_tally (month, station_id, district_id, n)
    SELECT strftime('%Y-%m', NEW.created_at, '+8 hours'), NEW.station_id,
           NEW.district_id, 1
    WHERE NEW.station_id IS NOT NULL
    ON CONFLICT (month, station_id, district_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER join_tally_delete AFTER DELETE ON join_applications BEGIN
    UPDATE join_tally SET n = n - 1
    WHERE month = strftime('%Y-%m', OLD.created_at, '+8 hours')
      AND district_id = OLD.district_id AND occupation = OLD.occupation
      AND status = OLD.status;
    UPDATE station_tally SET n = n - 1
    WHERE month = strftime('%Y-%m', OLD.created_at, '+8 hours')
      AND station_id = OLD.station_id AND district_id = OLD.district_id;
END;

CREATE TRIGGER join_tally_update
AFTER UPDATE OF created_at, district_id, occupation, status ON join_applications
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.district_id IS NOT NEW.district_id
  OR OLD.occupation IS NOT NEW.occupation OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE join_tally SET n = n - 1
    WHERE month = strftime('%Y-%m', OLD.created_at, '+8 hours')
      AND district_id = OLD.district_id AND occupation = OLD.occupation
      AND status = OLD.status;
    INSERT INTO join_tally (month, district_id, occupation, status, n)
    VALUES (strftime('%Y-%m', NEW.created_at, '+8 hours'), NEW.district_id,
            NEW.occupation, NEW.status, 1)
    ON CONFLICT (month, district_id, occupation, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER station_tally_update
AFTER UPDATE OF created_at, district_id, station_id ON join_applications
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.district_id IS NOT NEW.district_id
  OR OLD.station_id IS NOT NEW.station_id
BEGIN
    UPDATE station_tally SET n = n - 1
    WHERE month = strftime('%Y-%m', OLD.created_at, '+8 hours')
      AND station_id = OLD.station_id AND district_id = OLD.district_id;
    INSERT INTO station_tally (month, station_id, district_id, n)
    SELECT strftime('%Y-%m', NEW.created_at, '+8 hours'), NEW.station_id,
           NEW.district_id, 1
    WHERE NEW.station_id IS NOT NULL
    ON CONFLICT (month, station_id, district_id) DO UPDATE SET n = n + 1;
END;

-- 法律援助 closed cases per Shanghai month (of closed_at) and district:
-- how many, the days they took in all (closed_at - created_at), and the
-- money recovered.
CREATE TABLE legal_tally (
    month         TEXT NOT NULL,   -- 'YYYY-MM', Asia/Shanghai
    district_id   INTEGER NOT NULL,
    closed        INTEGER NOT NULL,
    days          REAL NOT NULL,
    recovered_fen INTEGER NOT NULL,
    PRIMARY KEY (month, district_id)
) STRICT, WITHOUT ROWID;

INSERT INTO legal_tally (month, district_id, closed, days, recovered_fen)
    SELECT strftime('%Y-%m', closed_at, '+8 hours'), district_id, count(*),
           total(julianday(closed_at) - julianday(created_at)),
           coalesce(sum(recovered_fen), 0)
    FROM legal_cases WHERE closed_at IS NOT NULL GROUP BY 1, 2;

CREATE TRIGGER legal_tally_insert AFTER INSERT ON legal_cases
WHEN NEW.closed_at IS NOT NULL BEGIN
    INSERT INTO legal_tally (month, district_id, closed, days, recovered_fen)
    VALUES (strftime('%Y-%m', NEW.closed_at, '+8 hours'), NEW.district_id, 1,
            julianday(NEW.closed_at) - julianday(NEW.created_at),
            coalesce(NEW.recovered_fen, 0))
    ON CONFLICT (month, district_id) DO UPDATE SET closed = closed + 1,
        days = days + excluded.days, recovered_fen = recovered_fen + excluded.recovered_fen;
END;

CREATE TRIGGER legal_tally_delete AFTER DELETE ON legal_cases
WHEN OLD.closed_at IS NOT NULL BEGIN
    UPDATE legal_tally SET closed = closed - 1,
        days = days - (julianday(OLD.closed_at) - julianday(OLD.created_at)),
        recovered_fen = recovered_fen - coalesce(OLD.recovered_fen, 0)
    WHERE month = strftime('%Y-%m', OLD.closed_at, '+8 hours')
      AND district_id = OLD.district_id;
END;

CREATE TRIGGER legal_tally_update_old
AFTER UPDATE OF closed_at, created_at, district_id, recovered_fen ON legal_cases
WHEN OLD.closed_at IS NOT NULL AND (OLD.closed_at IS NOT NEW.closed_at
  OR OLD.created_at IS NOT NEW.created_at OR OLD.district_id IS NOT NEW.district_id
  OR OLD.recovered_fen IS NOT NEW.recovered_fen)
BEGIN
    UPDATE legal_tally SET closed = closed - 1,
        days = days - (julianday(OLD.closed_at) - julianday(OLD.created_at)),
        recovered_fen = recovered_fen - coalesce(OLD.recovered_fen, 0)
    WHERE month = strftime('%Y-%m', OLD.closed_at, '+8 hours')
      AND district_id = OLD.district_id;
END;

CREATE TRIGGER legal_tally_update_new
AFTER UPDATE OF closed_at, created_at, district_id, recovered_fen ON legal_cases
WHEN NEW.closed_at IS NOT NULL AND (OLD.closed_at IS NOT NEW.closed_at
  OR OLD.created_at IS NOT NEW.created_at OR OLD.district_id IS NOT NEW.district_id
  OR OLD.recovered_fen IS NOT NEW.recovered_fen)
BEGIN
    INSERT INTO legal_tally (month, district_id, closed, days, recovered_fen)
    VALUES (strftime('%Y-%m', NEW.closed_at, '+8 hours'), NEW.district_id, 1,
            julianday(NEW.closed_at) - julianday(NEW.created_at),
            coalesce(NEW.recovered_fen, 0))
    ON CONFLICT (month, district_id) DO UPDATE SET closed = closed + 1,
        days = days + excluded.days, recovered_fen = recovered_fen + excluded.recovered_fen;
END;

-- The audit log page: each filter walks its own index in id order
-- (an index on x holds the rowid after x), newest first.
CREATE INDEX audit_by_username ON audit(username);
CREATE INDEX audit_by_target ON audit(target);
CREATE INDEX audit_by_action_id ON audit(action);
-- The accounts page: each account's last login.
CREATE INDEX audit_by_staff ON audit(staff_id, action, at);
