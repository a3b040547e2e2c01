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

-- 微心愿: the union reviews a wish (已发布 or 未通过) within 5 working days
-- of its arrival (WISH_REVIEW_DAYS): the 期限 its queue shows.
ALTER TABLE wishes ADD COLUMN review_due_on TEXT;
CREATE INDEX wishes_open_due ON wishes(review_due_on) WHERE status = '待审核';

-- 法律援助: the working days a case took, from the day it arrived to the
-- day it was closed (workday_count: the arrival day not counted), set by
-- the job that closes it; for 平均办结工作日.
ALTER TABLE legal_cases ADD COLUMN close_workdays INTEGER;

-- 按期办结率 on the dashboard, at any volume: per Shanghai month of the
-- completion, district and what was promised — 入会 (an answer:
-- decided_at against due_on), 首次联系 (first_contact_at against
-- contact_due_on), 法律援助 (closed_at against close_due_on), 诉求 (a
-- reply: replied_at against due_on) — how many were completed (n), how
-- many of them had a due date (due_n) and met it (on_time), and the
-- working days they took in all (法律援助 only).  Kept by triggers in the
-- same transaction as the change, as join_tally is; filled from the rows
-- once at start after the due dates (app.c, calendar_setup).
CREATE TABLE ontime_tally (
    month       TEXT NOT NULL,      -- 'YYYY-MM', Asia/Shanghai
    district_id INTEGER NOT NULL,
    service     TEXT NOT NULL CHECK (service IN ('入会', '首次联系', '法律援助', '诉求')),
    n           INTEGER NOT NULL,
    due_n       INTEGER NOT NULL,
    on_time     INTEGER NOT NULL,
    workdays    INTEGER NOT NULL,
    PRIMARY KEY (month, district_id, service)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER ontime_join_done AFTER UPDATE OF decided_at ON join_applications
WHEN OLD.decided_at IS NULL AND NEW.decided_at IS NOT NULL BEGIN
    INSERT INTO ontime_tally VALUES (strftime('%Y-%m', NEW.decided_at, '+8 hours'),
        NEW.district_id, '入会', 1, NEW.due_on IS NOT NULL,
        coalesce(date(NEW.decided_at, '+8 hours') <= NEW.due_on, 0), 0)
    ON CONFLICT (month, district_id, service) DO UPDATE SET n = n + 1,
        due_n = due_n + excluded.due_n, on_time = on_time + excluded.on_time;
END;
CREATE TRIGGER ontime_join_gone AFTER DELETE ON join_applications
WHEN OLD.decided_at IS NOT NULL BEGIN
    UPDATE ontime_tally SET n = n - 1, due_n = due_n - (OLD.due_on IS NOT NULL),
        on_time = on_time - coalesce(date(OLD.decided_at, '+8 hours') <= OLD.due_on, 0)
    WHERE month = strftime('%Y-%m', OLD.decided_at, '+8 hours')
      AND district_id = OLD.district_id AND service = '入会';
END;

CREATE TRIGGER ontime_contact_done AFTER UPDATE OF first_contact_at ON legal_cases
WHEN OLD.first_contact_at IS NULL AND NEW.first_contact_at IS NOT NULL BEGIN
    INSERT INTO ontime_tally VALUES (strftime('%Y-%m', NEW.first_contact_at, '+8 hours'),
        NEW.district_id, '首次联系', 1, NEW.contact_due_on IS NOT NULL,
        coalesce(date(NEW.first_contact_at, '+8 hours') <= NEW.contact_due_on, 0), 0)
    ON CONFLICT (month, district_id, service) DO UPDATE SET n = n + 1,
        due_n = due_n + excluded.due_n, on_time = on_time + excluded.on_time;
END;
CREATE TRIGGER ontime_legal_done AFTER UPDATE OF closed_at ON legal_cases
WHEN OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL BEGIN
    INSERT INTO ontime_tally VALUES (strftime('%Y-%m', NEW.closed_at, '+8 hours'),
        NEW.district_id, '法律援助', 1, NEW.close_due_on IS NOT NULL,
        coalesce(date(NEW.closed_at, '+8 hours') <= NEW.close_due_on, 0),
        coalesce(NEW.close_workdays, 0))
    ON CONFLICT (month, district_id, service) DO UPDATE SET n = n + 1,
        due_n = due_n + excluded.due_n, on_time = on_time + excluded.on_time,
        workdays = workdays + excluded.workdays;
END;
CREATE TRIGGER ontime_legal_gone AFTER DELETE ON legal_cases BEGIN
    UPDATE ontime_tally SET n = n - 1, due_n = due_n - (OLD.contact_due_on IS NOT NULL),
        on_time = on_time
            - coalesce(date(OLD.first_contact_at, '+8 hours') <= OLD.contact_due_on, 0)
    WHERE OLD.first_contact_at IS NOT NULL
      AND month = strftime('%Y-%m', OLD.first_contact_at, '+8 hours')
      AND district_id = OLD.district_id AND service = '首次联系';
    UPDATE ontime_tally SET n = n - 1, due_n = due_n - (OLD.close_due_on IS NOT NULL),
        on_time = on_time - coalesce(date(OLD.closed_at, '+8 hours') <= OLD.close_due_on, 0),
        workdays = workdays - coalesce(OLD.close_workdays, 0)
    WHERE OLD.closed_at IS NOT NULL
      AND month = strftime('%Y-%m', OLD.closed_at, '+8 hours')
      AND district_id = OLD.district_id AND service = '法律援助';
END;

CREATE TRIGGER ontime_appeal_done AFTER UPDATE OF replied_at ON appeals
WHEN OLD.replied_at IS NULL AND NEW.replied_at IS NOT NULL BEGIN
    INSERT INTO ontime_tally VALUES (strftime('%Y-%m', NEW.replied_at, '+8 hours'),
        NEW.district_id, '诉求', 1, NEW.due_on IS NOT NULL,
        coalesce(date(NEW.replied_at, '+8 hours') <= NEW.due_on, 0), 0)
    ON CONFLICT (month, district_id, service) DO UPDATE SET n = n + 1,
        due_n = due_n + excluded.due_n, on_time = on_time + excluded.on_time;
END;
CREATE TRIGGER ontime_appeal_gone AFTER DELETE ON appeals
WHEN OLD.replied_at IS NOT NULL BEGIN
    UPDATE ontime_tally SET n = n - 1, due_n = due_n - (OLD.due_on IS NOT NULL),
        on_time = on_time - coalesce(date(OLD.replied_at, '+8 hours') <= OLD.due_on, 0)
    WHERE month = strftime('%Y-%m', OLD.replied_at, '+8 hours')
      AND district_id = OLD.district_id AND service = '诉求';
END;
