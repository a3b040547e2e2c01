#!/usr/bin/env python3
"""t0750: what the staff desk shows or sends that must be audited — a full
ID number (入会 and 法律援助 records), an evidence file, a CSV export — is
audited first, in a job of its own, and shown only once that entry is
stored.  When the audit log cannot take the entry (here: a trigger makes
the writer refuse it), the record page shows the masked number and says
why, and the evidence file and the export answer 503 with nothing of
theirs sent; once the log takes entries again, everything is shown and
audited exactly once."""
from harness import PNG, Server, new_idno, new_ref, run

S = None
A = CY = LG = None               # admin; 朝阳区 reviewer and legal officer
JOIN = CASE = FILE = None        # a 入会 application, a 法律援助 case, its evidence file
JOIN_ID = new_idno()
CASE_ID = "11010519491231002X"
FAIL = ("CREATE TRIGGER audit_refused_by_test BEFORE INSERT ON audit"
        " WHEN NEW.action IN ('view.idcard', 'view.evidence', 'export', 'export.full')"
        " BEGIN SELECT RAISE(ABORT, 'refused by t0750'); END")
FLAG = "审计日志暂时无法写入"


def masked(i):
    return i[:3] + "*" * 11 + i[14:]


def setup_module():
    global S, A, CY, LG, JOIN, CASE, FILE
    S = Server(workers=2)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("law_cy", "legal", "110105")
    A, CY, LG = S.admin(), S.staff("rev_cy"), S.staff("law_cy")
    JOIN = new_ref("RH")
    S.sql_exec(
        "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at) VALUES (?, '审计甲', '男', ?, '13900000001', '灵活就业', '快递员',"
        " (SELECT id FROM districts WHERE code = '110105'), '待审核', 1, 1,"
        " '2026-03-10T02:00:00Z', '2026-03-10T02:00:00Z')", (JOIN, JOIN_ID))
    r = S.post_multipart("/legal-aid", [
        ("_token", S.token("/legal-aid")), ("website", ""), ("name", "审计乙"),
        ("phone", "13900000002"), ("id_number", CASE_ID), ("district", "朝阳区"),
        ("employer", "某某公司"), ("dispute_type", "拖欠工资"), ("people", "1"),
        ("amount", "100"), ("facts", "老板一直没有发工资,已经三个月了。"),
        ("claims", "补发工资"), ("member_status", "否"), ("contact_time", ""),
        ("may_call", "1"), ("consent_sensitive", "1")],
        [("evidence", "工资条.png", "image/png", PNG)])
    assert r.status == 303, r
    CASE = r.header("Location").rsplit("/", 1)[1]
    FILE = S.value("SELECT f.id FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                   " WHERE c.ref = ?", (CASE,))


def audited(action, target):
    return S.value("SELECT count(*) FROM audit WHERE action = ? AND target = ?",
                   (action, target))


def test_nothing_audited_is_shown_while_the_audit_log_refuses_entries():
    S.sql_exec(FAIL)
    try:
        t = CY.get("/staff/joins/" + JOIN)
        assert t.status == 200, t
        assert JOIN_ID not in t.text and masked(JOIN_ID) in t.text and FLAG in t.text
        assert "本次查看已记入审计日志" not in t.text
        t = LG.get("/staff/legal-aid/" + CASE)
        assert t.status == 200, t
        assert CASE_ID not in t.text and masked(CASE_ID) in t.text and FLAG in t.text
        r = LG.get("/staff/legal-aid/%s/files/%d" % (CASE, FILE))
        assert r.status == 503 and PNG not in r.body, r
        assert "attachment" not in (r.header("Content-Disposition") or "")
        for url in ["/staff/joins.csv", "/staff/legal-aid.csv", "/staff/joins.csv?full=1"]:
            r = (A if "full" in url else CY if "joins" in url else LG).get(url)
            assert r.status == 503, (url, r)
            assert not r.body.startswith(b"\xef\xbb\xbf") and b"\xe5\xae\xa1\xe8\xae\xa1\xe7\x94\xb2" not in r.body
    finally:
        S.sql_exec("DROP TRIGGER audit_refused_by_test")
    assert S.value("SELECT count(*) FROM audit WHERE action IN"
                   " ('view.idcard', 'view.evidence', 'export', 'export.full')") == 0


def test_once_the_log_takes_entries_each_showing_is_audited_once():
    t = CY.get("/staff/joins/" + JOIN).text
    assert JOIN_ID in t and FLAG not in t and "本次查看已记入审计日志" in t
    assert audited("view.idcard", JOIN) == 1
    t = LG.get("/staff/legal-aid/" + CASE).text
    assert CASE_ID in t and FLAG not in t
    assert audited("view.idcard", CASE) == 1
    r = LG.get("/staff/legal-aid/%s/files/%d" % (CASE, FILE))
    assert r.status == 200 and r.body == PNG, r
    assert audited("view.evidence", CASE) == 1
    r = A.get("/staff/joins.csv?full=1")
    assert r.status == 200 and r.body.startswith(b"\xef\xbb\xbf") and JOIN_ID in r.text
    # the full export is two entries of one job
    assert audited("export", "joins") == 1 and audited("export.full", "joins") == 1


if __name__ == "__main__":
    run(globals())
