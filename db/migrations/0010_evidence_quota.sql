-- 0010: what strangers may put on the disk (issue 10 §5).
-- The bytes of evidence stored in all, kept by triggers so that every
-- insert and every delete of legal_files (a purge too) counts, and a
-- legal-aid job reads one row instead of summing every file.
CREATE TABLE evidence_total (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    bytes INTEGER NOT NULL
) STRICT;
INSERT INTO evidence_total (id, bytes)
    SELECT 1, coalesce(sum(size), 0) FROM legal_files;
CREATE TRIGGER evidence_total_add AFTER INSERT ON legal_files BEGIN
    UPDATE evidence_total SET bytes = bytes + NEW.size WHERE id = 1;
END;
CREATE TRIGGER evidence_total_remove AFTER DELETE ON legal_files BEGIN
    UPDATE evidence_total SET bytes = bytes - OLD.size WHERE id = 1;
END;

-- Evidence bytes accepted per sending address (IPv6: its /64) and
-- Shanghai day (YYYYMMDD), written in the same job as the case.  Days
-- before today are pruned as a new day starts.
CREATE TABLE upload_bytes (
    addr  TEXT NOT NULL,
    day   INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (addr, day)
) STRICT, WITHOUT ROWID;
