-- 0014: the message outbox.  One row per message to a person, written in
-- the same transaction as the change that causes it (outbox.h).  Times are
-- UTC ISO-8601.  The text is rendered when the row is written and never
-- changes: what the person got is what the row says.

-- 待发送 → 已发送 (the SMS command said 0, or a batch was marked sent)
--        → 已导出 (in an export batch file) → 已发送
--        → 失败 (after OUTBOX_MAX_ATTEMPTS tries, or refused as written).
-- A try that fails leaves it 待发送 with attempts + 1, last_error and a
-- later not_before (backoff).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,                 -- MSG_* (outbox.h)
    ref         TEXT NOT NULL DEFAULT '',      -- the record it is about
    phone       TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT '待发送' CHECK (state IN
                ('待发送', '已发送', '失败', '已导出')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    not_before  TEXT NOT NULL,                 -- no try before (backoff)
    batch       TEXT,                          -- the export batch, if any
    staff_id    INTEGER REFERENCES staff(id),  -- whose change caused it
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_by_ref ON outbox(ref, kind);
CREATE INDEX outbox_by_state ON outbox(state, not_before, id);
CREATE INDEX outbox_by_batch ON outbox(batch) WHERE batch IS NOT NULL;
CREATE INDEX outbox_by_phone ON outbox(phone, id);
CREATE INDEX outbox_by_created ON outbox(created_at);

-- A kind's text as an admin edited it; no row: the program's default.
CREATE TABLE outbox_templates (
    kind        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    staff_id    INTEGER REFERENCES staff(id),
    updated_at  TEXT NOT NULL
) STRICT;

-- Phones that replied TD / 退订 (or asked staff): nothing more is queued
-- for them.  source: 'cli' (the platform's replies fed to `zhijia outbox
-- optout`) or 'staff'.
CREATE TABLE outbox_optouts (
    phone       TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    staff_id    INTEGER REFERENCES staff(id),
    created_at  TEXT NOT NULL
) STRICT;
