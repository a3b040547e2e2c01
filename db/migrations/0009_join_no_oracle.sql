-- 0009: /join is no oracle of union membership (issue 10 §1).  A second
-- application with a live one's ID number is stored like any other (and
-- flagged to staff as a possible duplicate), so the unique index that
-- refused it goes.  What it guaranteed that still matters — never two
-- members with one ID number — is kept for approved applications only;
-- approving refuses (page-staff-join-record.c) before this would.
DROP INDEX join_one_live_per_id;
CREATE UNIQUE INDEX join_one_member_per_id ON join_applications(id_number)
    WHERE status = '已通过';
