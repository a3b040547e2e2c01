-- 0012: 码上行动 — what a worker raises at a station: 诉求 (SQ), 微心愿 (XY)
-- and 驿站评价.  Dates a person is promised ('due_on', 'fulfilled_on') are
-- Shanghai calendar dates 'YYYY-MM-DD'; times are UTC ISO-8601.

-- 诉求: 待分派 → 已派单 (district, staff member, due date) → 已答复 (a reply
-- read at /status) → 已办结; or 不予受理 with a reason.  district_id is the
-- district that handles it (the staff wall), origin_district_id the one
-- the person named.
CREATE TABLE appeals (
    id                 INTEGER PRIMARY KEY,
    ref                TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL CHECK (kind IN ('咨询', '求助', '投诉', '意见建议')),
    matter             TEXT NOT NULL CHECK (matter IN
                       ('工资报酬', '劳动安全', '休息休假', '社会保险', '驿站设施', '其他')),
    content            TEXT NOT NULL,
    origin_district_id INTEGER NOT NULL REFERENCES districts(id),
    district_id        INTEGER NOT NULL REFERENCES districts(id),
    name               TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL,
    may_contact        INTEGER NOT NULL DEFAULT 0,   -- 方便联系: may we call or text
    station_id         INTEGER REFERENCES stations(id),
    status             TEXT NOT NULL DEFAULT '待分派' CHECK (status IN
                       ('待分派', '已派单', '已答复', '已办结', '不予受理')),
    assignee_id        INTEGER REFERENCES staff(id),
    due_on             TEXT,
    reply              TEXT NOT NULL DEFAULT '',
    replied_at         TEXT,
    reason             TEXT NOT NULL DEFAULT '',
    legal_ref          TEXT,                          -- the 法律援助 case it became
    closed_at          TEXT,
    form_nonce         TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX appeals_by_status ON appeals(status, district_id, created_at);
CREATE INDEX appeals_by_district ON appeals(district_id, id);
CREATE INDEX appeals_by_created ON appeals(created_at, district_id);
CREATE INDEX appeals_by_phone ON appeals(phone);
CREATE INDEX appeals_by_nonce ON appeals(form_nonce) WHERE form_nonce <> '';
CREATE INDEX appeals_open_due ON appeals(due_on, district_id)
    WHERE status IN ('待分派', '已派单');
-- The staff queue walks these in id order (an index on (a, b) ends with
-- the rowid: equality on a, or on a and b, gives id order with no sort).
CREATE INDEX appeals_q_status ON appeals(status);
CREATE INDEX appeals_q_status_district ON appeals(status, district_id);
-- `zhijia purge` finds the appeals closed a year ago by this.
CREATE INDEX appeals_closed ON appeals(closed_at) WHERE closed_at IS NOT NULL;
-- The outbox and 回访 ask a 法律援助 case's 诉求 (方便联系) by its legal_ref.
CREATE INDEX appeals_by_legal_ref ON appeals(legal_ref) WHERE legal_ref IS NOT NULL;

-- 微心愿: 待审核 → 已发布 (on the wall, when the person consented) →
-- 已认领 (one claim wins) → 已实现; or 未通过 with a reason.
CREATE TABLE wishes (
    id             INTEGER PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,
    category       TEXT NOT NULL CHECK (category IN
                   ('生活用品', '子女教育', '技能培训', '健康关爱', '法律服务', '其他')),
    content        TEXT NOT NULL,
    district_id    INTEGER NOT NULL REFERENCES districts(id),
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    public_ok      INTEGER NOT NULL DEFAULT 0,   -- the wish (never name or phone) may be shown
    station_id     INTEGER REFERENCES stations(id),
    status         TEXT NOT NULL DEFAULT '待审核' CHECK (status IN
                   ('待审核', '已发布', '已认领', '已实现', '未通过')),
    reason         TEXT NOT NULL DEFAULT '',
    hardship       INTEGER NOT NULL DEFAULT 0,   -- 疑似困难职工: staff follow up
    published_at   TEXT,
    claimer_kind   TEXT NOT NULL DEFAULT '' CHECK (claimer_kind IN
                   ('', '工作人员', '工会', '企业', '个人')),
    claimer_name   TEXT NOT NULL DEFAULT '',
    claimer_staff_id INTEGER REFERENCES staff(id),
    claimed_at     TEXT,
    fulfilled_on   TEXT,
    fulfilled_how  TEXT NOT NULL DEFAULT '',
    form_nonce     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX wishes_by_status ON wishes(status, district_id, created_at);
CREATE INDEX wishes_by_district ON wishes(district_id, id);
CREATE INDEX wishes_by_created ON wishes(created_at, district_id);
CREATE INDEX wishes_by_phone ON wishes(phone);
CREATE INDEX wishes_by_nonce ON wishes(form_nonce) WHERE form_nonce <> '';
CREATE INDEX wishes_wall ON wishes(published_at) WHERE published_at IS NOT NULL;

-- 驿站评价: four scores 1–5; a phone (optional) enters the month's draw.
-- month is the Shanghai month 'YYYY-MM' of created_at; district_id the
-- station's at the time.  One rating per phone per station per month.
CREATE TABLE station_ratings (
    id          INTEGER PRIMARY KEY,
    station_id  INTEGER NOT NULL REFERENCES stations(id),
    district_id INTEGER REFERENCES districts(id),
    month       TEXT NOT NULL,
    facilities  INTEGER NOT NULL CHECK (facilities BETWEEN 1 AND 5),   -- 设施
    hygiene     INTEGER NOT NULL CHECK (hygiene BETWEEN 1 AND 5),      -- 卫生
    service     INTEGER NOT NULL CHECK (service BETWEEN 1 AND 5),      -- 服务
    convenience INTEGER NOT NULL CHECK (convenience BETWEEN 1 AND 5),  -- 便利
    comment     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    form_nonce  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX rating_one_per_phone ON station_ratings(station_id, month, phone)
    WHERE phone <> '';
CREATE INDEX ratings_by_station ON station_ratings(station_id, month);
CREATE INDEX ratings_by_month ON station_ratings(month, district_id);
CREATE INDEX ratings_by_created ON station_ratings(created_at, district_id);
CREATE INDEX ratings_by_nonce ON station_ratings(form_nonce) WHERE form_nonce <> '';

-- The monthly draw per district: random among that month's raters with a
-- phone, reproducible from the stored seed.
CREATE TABLE rating_draws (
    id          INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    month       TEXT NOT NULL,
    seed        TEXT NOT NULL,
    winners     INTEGER NOT NULL CHECK (winners BETWEEN 1 AND 100),
    entrants    INTEGER NOT NULL,
    staff_id    INTEGER REFERENCES staff(id),
    created_at  TEXT NOT NULL,
    UNIQUE (district_id, month)
) STRICT;
CREATE TABLE rating_draw_winners (
    draw_id   INTEGER NOT NULL REFERENCES rating_draws(id),
    rank      INTEGER NOT NULL,
    rating_id INTEGER NOT NULL REFERENCES station_ratings(id),
    PRIMARY KEY (draw_id, rank)
) STRICT, WITHOUT ROWID;
