-- 0013: the working-day clock (issue 12).  The official calendar of rest
-- days and make-up working days (调休), and the dates every submission
-- is promised by.  Dates a person is promised ('…_on') are Shanghai
-- calendar dates 'YYYY-MM-DD'; times are UTC ISO-8601.

-- The days that differ from the rule "Monday to Friday work, Saturday
-- and Sunday rest": 休 an official rest day (a holiday, or a weekday
-- given off), 班 a make-up working day (a Saturday or Sunday worked).
-- A new database gets the shipped years (db/calendar/*.csv, loaded at
-- start once per file, app.c); admins enter the rest at /staff/calendar.
CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY CHECK (day GLOB
               '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    kind       TEXT NOT NULL CHECK (kind IN ('休', '班')),
    holiday    TEXT NOT NULL DEFAULT '',   -- 春节, 国庆节 …
    source     TEXT NOT NULL DEFAULT '',   -- the shipped file, or '' (staff)
    staff_id   INTEGER REFERENCES staff(id),
    updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Every worker keeps the calendar in memory and reads this one value per
-- request that counts days; a change draws a new random token, so a
-- change rolled back never leaves a token another change could reuse.
CREATE TABLE calendar_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token INTEGER NOT NULL
) STRICT;
INSERT INTO calendar_version (id, token) VALUES (1, 0);
CREATE TRIGGER calendar_days_insert AFTER INSERT ON calendar_days BEGIN
    UPDATE calendar_version SET token = random() WHERE id = 1;
END;
CREATE TRIGGER calendar_days_update AFTER UPDATE ON calendar_days BEGIN
    UPDATE calendar_version SET token = random() WHERE id = 1;
END;
CREATE TRIGGER calendar_days_delete AFTER DELETE ON calendar_days BEGIN
    UPDATE calendar_version SET token = random() WHERE id = 1;
END;

-- 入会: the answer is due 15 working days after the day it arrives
-- (JOIN_ANSWER_DAYS); decided_at is when it was approved or refused.
ALTER TABLE join_applications ADD COLUMN due_on TEXT;
ALTER TABLE join_applications ADD COLUMN decided_at TEXT;
UPDATE join_applications SET decided_at = updated_at WHERE status <> '待审核';
-- The queue's 剩余/已逾期 filter walks the open applications by due date.
CREATE INDEX join_open_due ON join_applications(due_on, district_id)
    WHERE status = '待审核';
-- 按期办结率: decisions by when they were made.
CREATE INDEX join_by_decided ON join_applications(decided_at, district_id)
    WHERE decided_at IS NOT NULL;

-- 法律援助: first contact due 5 working days after the day the case
-- arrives (LEGAL_CONTACT_DAYS), recorded by staff as 已首次联系
-- (first_contact_at); closing due 60 working days after the day it is
-- accepted (LEGAL_CLOSE_DAYS).  due_on is the promise the case is
-- waiting on now: first contact until it is made, then closing once the
-- case is accepted; none once it is closed.  It is kept by the triggers
-- below, not a generated column: SQLite 3.40's VACUUM INTO on a
-- read-only connection (zhijia backup) miscounts the columns of a table
-- with one ("has 29 columns but 30 values were supplied").
ALTER TABLE legal_cases ADD COLUMN contact_due_on TEXT;
ALTER TABLE legal_cases ADD COLUMN first_contact_at TEXT;
ALTER TABLE legal_cases ADD COLUMN accepted_at TEXT;
ALTER TABLE legal_cases ADD COLUMN close_due_on TEXT;
ALTER TABLE legal_cases ADD COLUMN due_on TEXT;
CREATE TRIGGER legal_due_insert AFTER INSERT ON legal_cases BEGIN
    UPDATE legal_cases SET due_on =
        CASE WHEN NEW.closed_at IS NOT NULL THEN NULL
             WHEN NEW.first_contact_at IS NULL THEN NEW.contact_due_on
             ELSE NEW.close_due_on END
    WHERE id = NEW.id;
END;
CREATE TRIGGER legal_due_update
AFTER UPDATE OF contact_due_on, first_contact_at, close_due_on, closed_at ON legal_cases
BEGIN
    UPDATE legal_cases SET due_on =
        CASE WHEN NEW.closed_at IS NOT NULL THEN NULL
             WHEN NEW.first_contact_at IS NULL THEN NEW.contact_due_on
             ELSE NEW.close_due_on END
    WHERE id = NEW.id;
END;
-- Cases accepted before this clock existed: accepted when the 已受理
-- event says (else when last changed); and, since nobody recorded the
-- first contact then, taken as contacted when accepted, so that an old
-- open case shows its closing date rather than a first contact never
-- recorded.  The due dates themselves need the calendar: app.c fills
-- those still empty at start, once.
UPDATE legal_cases SET accepted_at = coalesce(
    (SELECT min(e.created_at) FROM events e
      WHERE e.ref = legal_cases.ref AND e.status = '已受理'), updated_at)
    WHERE status NOT IN ('待受理', '不予受理');
UPDATE legal_cases SET first_contact_at = accepted_at WHERE accepted_at IS NOT NULL;
-- (due_on follows by the trigger as app.c fills in the due dates.)
CREATE INDEX legal_open_due ON legal_cases(due_on, district_id)
    WHERE due_on IS NOT NULL;
CREATE INDEX legal_by_closed ON legal_cases(closed_at, district_id)
    WHERE closed_at IS NOT NULL;
