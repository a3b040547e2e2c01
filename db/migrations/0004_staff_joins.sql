-- 0004: the 入会 review queue.  Every list query walks one index in id
-- order (ORDER BY id DESC LIMIT 51, id < cursor): an index on (a, b)
-- holds the rowid as its last column, so equality on a and b gives id
-- order with no sort.

-- The queue by status (all districts) and by status within a district.
CREATE INDEX join_q_status ON join_applications(status);
CREATE INDEX join_q_status_district ON join_applications(status, district_id);

-- 疑似重复: other applications with the same ID number, whatever their
-- status (join_one_live_per_id covers only the live ones).
CREATE INDEX join_q_idno ON join_applications(id_number);

-- The queue by occupation, alone and within a district.
CREATE INDEX join_q_kind ON join_applications(occupation);
CREATE INDEX join_q_kind_district ON join_applications(occupation, district_id);
