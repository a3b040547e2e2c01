-- 0005: the 法律援助 queue and case pages.  Every list query walks one
-- index in id order (ORDER BY id DESC LIMIT 51, id < cursor): an index on
-- (a, b) holds the rowid as its last column, so equality on a and b gives
-- id order with no sort.  legal_by_district (0003) serves the district
-- alone; a filter on all three of status, type and district walks
-- legal_q_status_district and checks the type on the way.

CREATE INDEX legal_q_status ON legal_cases(status);
CREATE INDEX legal_q_status_district ON legal_cases(status, district_id);
CREATE INDEX legal_q_kind ON legal_cases(dispute_type);
CREATE INDEX legal_q_kind_district ON legal_cases(dispute_type, district_id);
CREATE INDEX legal_q_status_kind ON legal_cases(status, dispute_type);

-- A narrow date range deep in the table is walked in created_at order
-- instead (named by the query: INDEXED BY); it holds every filter column,
-- so that walk never reads the table.
CREATE INDEX legal_q_created ON legal_cases(created_at, status, district_id, dispute_type);

-- A case page lists its evidence files.
CREATE INDEX legal_files_by_case ON legal_files(case_id);
