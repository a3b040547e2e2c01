-- 0015: 回访 and 满意度 (issue 12).  When a service ends for a person —
-- a join decided, a legal case closed, an activity they attended ended, a
-- 诉求 answered, a wish fulfilled — a follow-up row is written in the same
-- transaction, and the outbox gets a text with a private link
-- /feedback/{token}.  The token is random (256 bits); only its SHA-256 is
-- kept here.  It opens this row alone, once, for 30 days from created_at
-- (when the link was sent).
--
-- After 3 days without an answer the row is in the staff 回访 queue: staff
-- call and record 接通 with the answers, or 未接通; the third 未接通 closes
-- it as 无法联系.  A 不满意 answer (by link or call) opens a review
-- (review = 1 待复核) that staff close with a note (review = 2 已复核).
--
-- service_date is the Shanghai date the service ended ('YYYY-MM-DD'),
-- the only thing the public page shows besides the service's name.
CREATE TABLE followups (
    id           INTEGER PRIMARY KEY,
    service      TEXT NOT NULL CHECK (service IN
                 ('入会', '法律援助', '志愿服务', '诉求', '微心愿')),
    ref          TEXT NOT NULL,                  -- RH/FY/ZY/SQ/XY of the record
    district_id  INTEGER REFERENCES districts(id),   -- the record's (NULL: city-wide)
    handler_id   INTEGER REFERENCES staff(id),   -- who handled it (NULL: nobody named)
    phone        TEXT NOT NULL,
    service_date TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,           -- SHA-256 hex of the link's token
    status       TEXT NOT NULL DEFAULT '待回访' CHECK (status IN
                 ('待回访', '已回访', '无法联系')),
    channel      TEXT NOT NULL DEFAULT '' CHECK (channel IN ('', '链接', '电话')),
    overall      TEXT NOT NULL DEFAULT '' CHECK (overall IN
                 ('', '满意', '基本满意', '不满意')),        -- 总体评价
    timely       TEXT NOT NULL DEFAULT '' CHECK (timely IN ('', '是', '否')),   -- 办理是否及时
    attitude     TEXT NOT NULL DEFAULT '' CHECK (attitude IN ('', '好', '一般', '差')),  -- 工作人员态度
    resolved     TEXT NOT NULL DEFAULT '' CHECK (resolved IN
                 ('', '是', '部分解决', '否')),              -- 结果是否解决问题
    comment      TEXT NOT NULL DEFAULT '',                  -- 意见
    answered_at  TEXT,
    answer_nonce TEXT NOT NULL DEFAULT '',       -- the answering page's form nonce
    missed_calls INTEGER NOT NULL DEFAULT 0,     -- 未接通 so far
    review       INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1, 2)),
    review_note  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK ((status = '已回访') = (overall <> ''))
) STRICT;
-- The sweep's "already offered?" and a record's follow-ups.
CREATE INDEX followups_by_ref ON followups(ref, id);
-- The queue: open items by age, within a district.
CREATE INDEX followups_open ON followups(created_at, district_id)
    WHERE status = '待回访';
CREATE INDEX followups_review ON followups(district_id, id) WHERE review = 1;
CREATE INDEX followups_by_status ON followups(status, district_id, id);
-- 满意度: answered rows by the Shanghai month of answered_at.
CREATE INDEX followups_answered ON followups(answered_at, service, district_id)
    WHERE answered_at IS NOT NULL;

-- A 不满意 answer on a 法律援助 case marks the case 复核 (shown in the
-- legal queue and on the case) until the review is closed.
ALTER TABLE legal_cases ADD COLUMN review INTEGER NOT NULL DEFAULT 0;
