#!/usr/bin/env python3
"""t0814: reaching what is not one's own on the staff desk, each check
failing if the attack works: path traversal and other cases' ids on
evidence downloads (and stored names not ours never opened); reviewers and
legal officers on admin pages by any method and spelling; roles kept in
their services whatever the form says; a district-bound person acting on
another district's records, a city-wide activity, or moving things into
another district.

The staff desk attacked is staffdesk.py's; every loop is bounded."""
import re

import staffdesk
from harness import new_ref, now_iso, run, staff_routes
from staffdesk import (OTHER, OWN, WHO, activity_fields, changed, digest, fill, integrity_ok,
                       nxt, post_actions, records)

S = None


def setup_module():
    global S
    S = staffdesk.setup()
    # a refused forgery: the audit log holds a csrf.refused entry, which the
    # admin-page checks below make sure nobody but the admin sees
    r = WHO["admin"].post("/staff/joins/%s/note" % OWN["admin"]["join"], {"note": "x"},
                          csrf=False)
    assert r.status == 403, r
    assert S.value("SELECT count(*) FROM audit WHERE action = 'csrf.refused'") == 1


# ---- path traversal on evidence downloads ----

def test_evidence_downloads_serve_only_the_cases_own_files():
    a, l1 = WHO["admin"], WHO["legal"]
    rec, other = OWN["legal"], OTHER
    base = "/staff/legal-aid/%s/files/" % rec["legal"]
    r = l1.get(base + str(rec["legal_file"]))
    assert r.status == 200 and r.body == rec["legal_bytes"], r
    ids = ["..", "%2e%2e", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fzhijia.db",
           "..%5c..%5cetc%5cpasswd", "-1", "0", "00", "-0", "%2d1", "1e3", "0x1", "+1",
           "%201", "1%20", "1.0", "1;", "1%00", "99999999999999999999",
           "9223372036854775807", "9223372036854775808", "18446744073709551617",
           str(rec["legal_file"]) + "%2f..", "%252e%252e"]
    # another case's file (same district, other district), by its id
    ids += [str(rec["legal2_file"]), str(rec["legal_acc_file"]), str(other["legal_file"]),
            str(OWN["admin"]["legal_file"])]
    wrong = []
    secrets = [other[k + "_bytes"] for k in ("legal", "legal2")] + \
        [rec[k + "_bytes"] for k in ("legal2", "legal_acc", "legal_asg")]
    for who in (a, l1):
        for fid in ids:
            r = who.get(base + fid)
            if r.status not in (400, 404) or b"root:x:" in r.body or b"SQLite format" in r.body \
                    or any(s in r.body for s in secrets):
                wrong.append((who.username, base + fid, r.status))
    # another case's reference with this case's file, and traversal in the ref
    for path in ["/staff/legal-aid/%s/files/%d" % (rec["legal2"], rec["legal_file"]),
                 "/staff/legal-aid/%s/files/%d" % (other["legal"], other["legal_file"]),
                 "/staff/legal-aid/%s/files/%d" % (other["legal"], rec["legal_file"]),
                 "/staff/legal-aid/..%%2f%s/files/%d" % (rec["legal"], rec["legal_file"]),
                 "/staff/legal-aid/%%2e%%2e/files/%d" % rec["legal_file"],
                 "/staff/legal-aid/%s%%2f..%%2f%s/files/%d" % (rec["legal"], other["legal"],
                                                               other["legal_file"])]:
        r = l1.get(path)
        if r.status not in (400, 404) or any(s in r.body for s in secrets):
            wrong.append(("legal1", path, r.status))
    assert not wrong, wrong
    # a stored name that is not ours (a row written by hand) is never opened
    case = S.sql("SELECT id FROM legal_cases WHERE ref = ?", (rec["legal"],))[0][0]
    for stored in ("../../../../etc/passwd", "/etc/passwd", "..", "", "tmp/../../zhijia.db"):
        fid = S.sql_exec("INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
                         " created_at) VALUES (?, ?, 'x.png', 'image/png', 1, ?)",
                         (case, stored, now_iso()))
        r = l1.get(base + str(fid))
        assert r.status == 404 and b"root:x:" not in r.body and b"SQLite" not in r.body, \
            (stored, r.status)
        S.sql_exec("DELETE FROM legal_files WHERE id = ?", (fid,))


# ---- privilege ----

def admin_only_requests(client, rec):
    """Every admin-only route by every method, with a form that would
    work for an admin."""
    n = nxt()
    forms = {
        "/staff/stations/new": {"name": "越权驿站", "district": "朝阳区", "code": "PV%d" % n},
        "/staff/accounts/new": {"username": "pv%d" % n, "display_name": "越权",
                                "role": "管理员", "district": "全部区县",
                                "password": "Escalate-pass-%d" % n},
        "/staff/messages/kind/{kind}": {"body": "越权{{ref}}", "action": "save"},
        "/staff/messages/quiet": {"quiet_from": "12:00", "quiet_to": "13:00"},
        "/staff/messages/optout": {"phone": "13912345670", "action": "optout"},
    }
    out = []
    for method, pattern, access in staff_routes():
        if access != {"admin"}:
            continue
        path = fill(pattern, rec)
        if method == "GET":
            out += [("GET", path, None), ("HEAD", path, None)]
        else:
            out.append(("POST", path, forms.get(pattern, {})))
        for m in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            out.append((m, path, None))
    # the same pages by other spellings of their paths
    for path in ("/staff/accounts/", "/staff//accounts", "/staff/./accounts",
                 "/staff/joins/../accounts", "/staff/%61ccounts", "/staff/accounts%2f",
                 "/staff/accounts;x", "/staff/audit/", "/staff/audit.csv", "/staff/stations/",
                 "/STAFF/ACCOUNTS", "/staff/Accounts"):
        out.append(("GET", path, None))
    return out


def test_reviewers_and_legal_officers_cannot_reach_admin_pages_by_any_method():
    before = digest()
    wrong = []
    admin_marks = ["target1", "target2", "ATK01", "csrf.refused", "攻击测试驿站"]
    for role in ("reviewer", "legal"):
        c = WHO[role]
        for method, path, form in admin_only_requests(c, OWN[role]):
            if method == "POST":
                r = c.post(path, form)
            else:
                r = S.request(method, path, body=b"" if method in ("PUT", "PATCH") else None,
                              headers=c.headers())
            if r.status not in (400, 403, 404, 405):
                wrong.append((role, method, path, r.status, r.header("Location")))
            seen = [m for m in admin_marks if m in r.text]
            if seen:
                wrong.append((role, method, path, "shows", seen))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)
    assert S.sql("SELECT count(*) FROM staff WHERE role = 'admin'") == [(1,)]


def test_roles_stay_in_their_services_whatever_the_form_says():
    recs = {role: records("110105", "越界" + role) for role in ("reviewer", "legal")}
    before = digest()
    wrong = []
    for role, prefixes in (("reviewer", ("/staff/legal-aid",)),
                           ("legal", ("/staff/joins", "/staff/volunteer", "/staff/wishes", "/staff/appeals"))):
        c = WHO[role]
        rec = recs[role]
        for pattern, path, fields in post_actions(rec):
            if not path.startswith(prefixes):
                continue
            r = c.post(path, fields)
            if r.status != 404:
                wrong.append((role, path, r.status))
        for method, pattern, _ in staff_routes():
            if method == "GET" and pattern.startswith(prefixes):
                path = fill(pattern, rec)
                for m in ("GET", "HEAD"):
                    r = S.request(m, path, headers=c.headers())
                    if r.status != 404:
                        wrong.append((role, m, path, r.status))
    # the full ID number export is the admin's alone
    for role, url in (("reviewer", "/staff/joins.csv?full=1"),
                      ("legal", "/staff/legal-aid.csv?full=1")):
        r = WHO[role].get(url)
        ids = re.findall(r"\b\d{17}[\dX]\b", r.text)
        if r.status != 200 or ids:
            wrong.append((role, url, r.status, ids[:3]))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)


def test_a_district_bound_person_cannot_act_on_another_districts_record():
    wrong = []
    # a city-wide activity: seen by every district, changed by the admin only
    now = now_iso()
    city = S.sql_exec("INSERT INTO activities (title, description, starts_at, ends_at, place,"
                      " capacity, deadline, created_at, updated_at) VALUES ('全市活动',"
                      " '全市的志愿活动介绍', ?, ?, '市中心', 10, ?, ?, ?)",
                      (now_iso(86400 * 9), now_iso(86400 * 9 + 3600), now_iso(86400 * 8),
                       now, now))
    city_signup = new_ref("ZY")
    S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
               " consent_sensitive, created_at, updated_at) VALUES (?, ?, '全市志愿',"
               " '13700137001', '已确认', ?, 1, ?, ?)", (city_signup, city, "0" * 64, now, now))
    before = digest()
    for role, client in (("reviewer", WHO["reviewer"]), ("legal", WHO["legal"])):
        mine = ("/staff/joins", "/staff/volunteer", "/staff/wishes", "/staff/appeals",
                "/staff/stations/") if role == "reviewer" else ("/staff/legal-aid",)
        for pattern, path, fields in post_actions(OTHER):
            if not path.startswith(mine) or pattern in ("/staff/volunteer/new",
                                                        "/staff/stations/new"):
                continue
            r = client.post(path, fields)
            if r.status != 404:
                wrong.append((role, path, r.status))
    # own activity, another district's sign-up; own case, another's file
    rec = OWN["reviewer"]
    for path in ("/staff/volunteer/%d/signups/%s/remove" % (rec["activity"], OTHER["signup"]),
                 "/staff/volunteer/%d/signups/%s/attend" % (rec["activity_past"],
                                                            OTHER["signup_past"])):
        r = WHO["reviewer"].post(path, {"reason": "x", "attended": "1", "hours": "1"})
        if r.status != 404:
            wrong.append(("reviewer", path, r.status))
    for path, fields in (("/staff/volunteer/%d/edit" % city, activity_fields("朝阳区")),
                         ("/staff/volunteer/%d/cancel" % city, {"reason": "x"}),
                         ("/staff/volunteer/%d/signups/%s/remove" % (city, city_signup),
                          {"reason": "x"})):
        r = WHO["reviewer"].post(path, fields)
        if r.status != 404:
            wrong.append(("reviewer", path, r.status))
    # moving things into another district through a form
    r = WHO["reviewer"].post("/staff/volunteer/new", activity_fields("海淀区", title="越区活动"))
    if r.status != 422:
        wrong.append(("reviewer", "new activity in 海淀区", r.status))
    r = WHO["reviewer"].post("/staff/volunteer/%d/edit" % rec["activity"],
                             activity_fields("海淀区"))
    if r.status != 422:
        wrong.append(("reviewer", "move an activity to 海淀区", r.status))
    r = WHO["legal"].post("/staff/legal-aid/%s/assign" % OWN["legal"]["legal_acc"],
                          {"assignee": "legal2", "handler_name": "越区律师"})
    if r.status != 422:
        wrong.append(("legal", "assign to 海淀区's officer", r.status))
    r = WHO["reviewer"].post("/staff/appeals/%s/dispatch" % OWN["reviewer"]["appeal"],
                             {"district": "海淀区", "assignee": OTHER["rev_label"],
                              "due_on": staffdesk.due()})
    if r.status != 422:
        wrong.append(("reviewer", "dispatch an appeal to 海淀区", r.status))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)
    for key, table, want in (("join", "join_applications", "待审核"),
                             ("join2", "join_applications", "待审核"),
                             ("legal", "legal_cases", "待受理"),
                             ("legal_acc", "legal_cases", "已受理"),
                             ("legal_med", "legal_cases", "调解中"),
                             ("wish", "wishes", "待审核"), ("wish_pub", "wishes", "已发布"),
                             ("wish_claimed", "wishes", "已认领")):
        assert S.sql("SELECT status FROM %s WHERE ref = ?" % table, (OTHER[key],)) == [(want,)]
    assert S.sql("SELECT status FROM signups WHERE ref = ?", (OTHER["signup"],)) == [("已确认",)]
    for key, want in (("appeal", "待分派"), ("appeal_disp", "已派单"), ("appeal_ans", "已答复")):
        assert S.sql("SELECT status FROM appeals WHERE ref = ?", (OTHER[key],)) == [(want,)]
    assert integrity_ok()

def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker."""
    staffdesk.no_worker_crashed()


if __name__ == "__main__":
    run(globals())
