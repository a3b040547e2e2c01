-- 0006: the staff side of 志愿服务.
-- The activity list pages newest start first with a (starts_at, id)
-- cursor: an index on starts_at holds the rowid too, so it is walked in
-- order with no sort.
CREATE INDEX activities_by_starts ON activities(starts_at);

-- Finding a volunteer by phone or name (the list's search box).
CREATE INDEX signups_by_phone ON signups(phone);
CREATE INDEX signups_by_name ON signups(name);
