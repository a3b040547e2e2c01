#!/usr/bin/env python3
"""t0210: /join is no oracle of union membership (issue 10 §1).  Anyone
holding a worker's ID number — every employer holds its workers' — learns
nothing from /join about whether that worker applied, and cannot block the
worker by applying first: two submissions with one ID number and different
phones get answers that differ only in the reference; the person who proves
the ID number and the phone gets the live application's reference; staff
see the second as a possible duplicate, never across the district wall;
and one ID number never becomes two members."""
import re
import statistics
import time

from harness import Server, new_idno, ref_of, run

S = None


def setup_module():
    global S
    S = Server(workers=2)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")


def person(idn, phone, name="赵六", district="朝阳区"):
    return {
        "_token": S.token("/join"), "name": name, "gender": "男", "id_number": idn,
        "phone": phone, "ethnicity": "汉族", "education": "高中/中专/技校",
        "employment": "新就业形态(平台)", "occupation": "网约送餐员", "employer": "",
        "district": district, "address": "", "was_member": "否", "prev_union": "",
        "consent_charter": "1", "consent_sensitive": "1",
    }


def timed_post(f):
    t0 = time.monotonic()
    r = S.post("/join", f)
    return r, time.monotonic() - t0


def shape(r, ref):
    """What a person (or a prober) sees of an answer, the reference blanked:
    status, headers but the date, the body; then the page it leads to."""
    heads = sorted((k.lower(), v.replace(ref, "REF")) for k, v in r.headers
                   if k.lower() != "date")
    page = S.get(r.header("Location"))
    return (r.status, heads, r.body.replace(ref.encode(), b"REF"),
            page.status, page.text.replace(ref, "REF"))


def test_a_probe_with_a_known_id_number_answers_like_a_new_application():
    worker, probe = [], []
    for i in range(8):
        idn = new_idno()
        r1, t1 = timed_post(person(idn, "1370000%04d" % i))        # the worker
        r2, t2 = timed_post(person(idn, "1360000%04d" % i))        # someone else
        a, b = ref_of(r1), ref_of(r2)
        assert a != b
        assert shape(r1, a) == shape(r2, b), (r1, r2)
        worker.append(t1)
        probe.append(t2)
        # both stored, the second flagged to staff (never shown publicly)
        assert S.value("SELECT count(*) FROM join_applications WHERE id_number = ?",
                       (idn,)) == 2
        assert S.sql("SELECT ref FROM events WHERE status = '疑似重复' AND public = 0"
                     " AND ref IN (?, ?)", (a, b)) == [(b,)]
    # the same timing class: one insert each; neither reads nor waits more
    m1, m2 = statistics.median(worker), statistics.median(probe)
    assert m2 < max(3 * m1, m1 + 0.05) and m1 < max(3 * m2, m2 + 0.05), (worker, probe)


def test_the_same_id_number_and_phone_get_the_live_reference():
    idn, phone = new_idno(), "13700001111"
    ref = ref_of(S.post("/join", person(idn, phone)))
    n = S.value("SELECT count(*) FROM join_applications")
    again = S.post("/join", person(idn, phone, name="赵六六"))
    assert ref_of(again) == ref
    assert S.value("SELECT count(*) FROM join_applications") == n
    # approved: still theirs
    S.sql_exec("UPDATE join_applications SET status = '已通过', member_no = ? WHERE ref = ?",
               ("110105-2026-9%05d" % (n % 100000), ref))
    assert ref_of(S.post("/join", person(idn, phone))) == ref


def test_a_squatter_never_blocks_the_worker_and_one_id_is_never_two_members():
    idn = new_idno()
    squat = ref_of(S.post("/join", person(idn, "13600002222", name="冒名")))
    mine = ref_of(S.post("/join", person(idn, "13700002222", name="钱七")))
    assert mine != squat
    # the worker looks up their own application with their own phone
    assert mine in S.status_page(mine, "13700002222")
    cy = S.staff("rev_cy")
    page = cy.get("/staff/joins/" + mine).text
    assert "疑似重复申请" in page and '<a href="/staff/joins/%s">' % squat in page
    assert "疑似重复" in page and "内部,申请人看不到" in page    # the flag in its history
    r = cy.post("/staff/joins/%s/approve" % mine)
    assert r.status == 303, r
    # the squatter's application cannot make a second member of the ID number
    r = cy.post("/staff/joins/%s/approve" % squat)
    assert r.status == 409 and "已有一份已通过的入会申请" in r.text, r
    assert S.sql("SELECT status, member_no FROM join_applications WHERE ref = ?",
                 (squat,)) == [("待审核", None)]
    assert cy.post("/staff/joins/%s/reject" % squat, {"reason": "身份证号已是会员"}).status == 303


def test_the_duplicates_panel_counts_but_never_names_other_districts_applicants():
    idn = new_idno()
    here = ref_of(S.post("/join", person(idn, "13700003333", name="孙八")))
    there = ref_of(S.post("/join", person(idn, "13700004444", name="周九",
                                          district="海淀区")))
    cy = S.staff("rev_cy")
    page = cy.get("/staff/joins/" + here).text
    panel = re.search(r'<section class="summary" aria-labelledby="dups-h">.*?</section>',
                      page, re.S).group(0)
    assert there not in panel and "周九" not in panel and "海淀区" not in panel, panel
    assert "其他区县另有 1 份" in panel, panel
    # an admin sees every district: the applicant is listed
    page = S.admin().get("/staff/joins/" + here).text
    assert '<a href="/staff/joins/%s">' % there in page and "周九" in page
    assert "其他区县另有" not in page


if __name__ == "__main__":
    run(globals())
