#!/usr/bin/env python3
"""t0740: 1,000 concurrent approvals through the staff desk give member
numbers that are unique and gapless (issue 9).

The numbering rule (page-staff-join-record.c): district code, the Shanghai
year of approval, and a sequence per district and year from member_seq,
taken in the approving job — a number somebody already holds (typed in by
hand) is skipped, never given twice.  So the approved applications of one
district and year, with the hand-typed one, hold exactly 1..N.

Set-up is straight into the database (1,000 pending applications in two
districts); the approvals are HTTP POSTs from many threads at once, with a
hundred of them sent twice at the same moment by two reviewers (one is
approved, the other refused with 409, and no number is burned).  Every
303 must be stored; an answer that is neither 303 nor 409 (the 503 of a
job that could not start within its budget on a loaded machine) is sent
again until it is one of those."""
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

from harness import Server, beijing, new_idno, new_ref, run

S = None
CY = CY2 = HD = None             # reviewers: 朝阳区 twice, 海淀区
YEAR = beijing("%Y")
PER_DISTRICT = {"110105": 600, "110108": 400}
HAND_TYPED = 7                   # 朝阳区's number already held, typed in by hand
TWICE = 100                      # applications approved by two reviewers at once
THREADS = 32
REFS = {}                        # district code -> its pending references


def setup_module():
    global S, CY, CY2, HD
    S = Server(workers=8)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_cy2", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")
    CY, CY2, HD = S.staff("rev_cy"), S.staff("rev_cy2"), S.staff("rev_hd")
    con = sqlite3.connect(S.db, timeout=10)
    try:
        rows, n = [], 0
        for code, count in PER_DISTRICT.items():
            REFS[code] = []
            for _ in range(count):
                n += 1
                ref = new_ref("RH")
                REFS[code].append(ref)
                rows.append((ref, "申请人%04d" % n, new_idno(area=code), "138%08d" % n, code))
        con.executemany(
            "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
            " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
            " updated_at) VALUES (?, ?, '男', ?, ?, '灵活就业', '快递员',"
            " (SELECT id FROM districts WHERE code = ?), '待审核', 1, 1,"
            " '2026-03-10T02:00:00Z', '2026-03-10T02:00:00Z')", rows)
        # someone approved earlier with a number typed in by hand
        con.execute(
            "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
            " occupation, district_id, status, member_no, consent_charter, consent_sensitive,"
            " created_at, updated_at) VALUES (?, '手工编号', '女', ?, '13799999999', '灵活就业',"
            " '快递员', (SELECT id FROM districts WHERE code = '110105'), '已通过', ?, 1, 1,"
            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (new_ref("RH"), new_idno(male=False), "110105-%s-%06d" % (YEAR, HAND_TYPED)))
        con.commit()
    finally:
        con.close()


def approve(who, ref):
    """POST approve until the answer is 303 or 409; (first answer, last)."""
    first = None
    for _ in range(20):
        r = who.post("/staff/joins/%s/approve" % ref)
        first = first or r.status
        if r.status in (303, 409):
            return first, r.status
        assert r.status == 503, (ref, r)
    raise AssertionError("%s never answered 303 or 409" % ref)


def test_a_thousand_concurrent_approvals_give_unique_gapless_member_numbers():
    jobs = [(CY, ref) for ref in REFS["110105"]] + [(HD, ref) for ref in REFS["110108"]]
    twice = REFS["110105"][:TWICE]
    jobs += [(CY2, ref) for ref in twice]        # the same ones again, by another reviewer
    # interleave so each pair is in flight together
    jobs.sort(key=lambda j: (REFS["110105"].index(j[1]) if j[1] in twice else 10 ** 6,
                             j[0] is CY2))
    start = threading.Barrier(THREADS)
    answers = []
    lock = threading.Lock()

    def worker(chunk):
        start.wait()
        for who, ref in chunk:
            a = approve(who, ref)
            with lock:
                answers.append((ref, who.username) + a)

    chunks = [jobs[i::THREADS] for i in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        for f in [pool.submit(worker, c) for c in chunks]:
            f.result()

    assert len(answers) == sum(PER_DISTRICT.values()) + TWICE
    stored = {ref: (status, no) for ref, status, no in S.sql(
        "SELECT ref, status, member_no FROM join_applications WHERE name <> '手工编号'")}
    approved_by = {}
    for ref, user, first, last in answers:
        if last == 303:
            # every 303 is stored, and each application is approved once
            assert stored[ref][0] == "已通过" and stored[ref][1], (ref, stored[ref])
            assert ref not in approved_by, (ref, approved_by[ref], user)
            approved_by[ref] = user
    # the second of each pair was refused, changing nothing
    assert sum(1 for a in answers if a[3] == 409) == TWICE
    assert len(approved_by) == sum(PER_DISTRICT.values())
    assert all(s == "已通过" for s, _ in stored.values())

    for code, count in PER_DISTRICT.items():
        numbers = [r[0] for r in S.sql(
            "SELECT member_no FROM join_applications j JOIN districts d"
            " ON d.id = j.district_id WHERE d.code = ? AND member_no IS NOT NULL", (code,))]
        prefix = "%s-%s-" % (code, YEAR)
        assert all(n.startswith(prefix) and len(n) == len(prefix) + 6 for n in numbers), numbers[:5]
        seqs = sorted(int(n[len(prefix):]) for n in numbers)
        held = count + (1 if code == "110105" else 0)
        # unique, and one run 1..N with no gap (the hand-typed 7 among them)
        assert len(set(numbers)) == len(numbers) == held
        assert seqs == list(range(1, held + 1)), [s for s in range(1, held + 1) if s not in seqs]
        last = S.value("SELECT last FROM member_seq m JOIN districts d ON d.id = m.district_id"
                       " WHERE d.code = ? AND m.year = ?", (code, int(YEAR)))
        assert last == held, (code, last, held)

    # each approval is one public event and one audit entry, none for a refusal
    assert S.value("SELECT count(*) FROM audit WHERE action = 'join.approve'") == len(approved_by)
    assert S.value("SELECT count(*) FROM events WHERE status = '已通过'") == len(approved_by)


if __name__ == "__main__":
    run(globals())
