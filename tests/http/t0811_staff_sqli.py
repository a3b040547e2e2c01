#!/usr/bin/env python3
"""t0811: SQL injection on the staff desk, each check failing if the attack
works: every staff query parameter and path parameter, as each role, set to
quotes, comments, UNION and stacked statements, numbers out of range —
nothing leaks, nothing changes; SQL typed into staff forms and the login
form is stored as text or refused by its own rule, and lets nobody in.

The staff desk attacked is staffdesk.py's; every loop is bounded."""
import re

import staffdesk
from harness import run, staff_routes
from staffdesk import OTHER, OWN, WHO, changed, digest, fill, integrity_ok, nxt, q

S = None
SQLI = ["'", '"', "' OR 1=1 --", "' OR '1'='1", '"; DROP TABLE staff; --', "%'--", "\\",
        "1; DROP TABLE audit", "') UNION SELECT username, pwhash FROM staff --",
        "0 OR 1=1", "-1", "99999999999999999999"]


def setup_module():
    global S
    S = staffdesk.setup()


# ---- SQL injection (first: before any record holds a payload) ----

PARAMS = ["status", "kind", "q", "from", "to", "district", "before", "period", "action",
          "user", "target", "full", "done", "n", "password", "next", "expired", "bye",
          "src", "t"]
LEAKS = re.compile(r"sqlite|SQL logic|syntax error|no such (table|column)|unrecognized token"
                   r"|\$s1\$", re.I)


def with_payloads(pattern, path):
    """(payload, path) for path with each of its {parameters} (pattern
    names them) replaced in turn by each payload of SQLI."""
    for i, seg in enumerate(pattern.split("/")):
        if seg.startswith("{"):
            for p in SQLI:
                segs = path.split("/")
                segs[i] = q(p)
                yield p, "/".join(segs)


def test_sql_injection_in_every_staff_query_and_path_parameter():
    before = digest()
    all_refs = [m for rec in list(OWN.values()) + [OTHER] for m in rec["marks"]
                if re.fullmatch(r"(RH|FY|ZY)[0-9A-Z]{8}", m)]
    wrong = []
    gets = [p for m, p, _ in staff_routes() if m == "GET" and p != "/staff/login"]
    for role in ("admin", "reviewer", "legal"):
        c = WHO[role]
        bound = role != "admin"
        for pattern in gets:
            path = fill(pattern, OWN[role])
            for name in PARAMS:
                for p in SQLI:
                    url = "%s?%s=%s" % (path, name, q(p))
                    r = c.get(url)
                    if r.status not in (200, 302, 400, 404):
                        wrong.append((role, url, r.status))
                        continue
                    text = r.text
                    if LEAKS.search(text):
                        wrong.append((role, url, "leaks " + LEAKS.search(text).group(0)))
                    if bound:
                        seen = [m for m in OTHER["marks"] if m in text]
                        if seen:
                            wrong.append((role, url, "another district's rows", seen[:4]))
                    # (the dashboard has no search: its lists, e.g. the 回访
                    # awaiting review, show whatever the query says)
                    if name == "q" and "{" not in pattern and \
                            pattern not in ("/staff/audit", "/staff"):
                        seen = [m for m in all_refs if m in text]
                        if seen:
                            wrong.append((role, url, "a search listed rows", seen[:4]))
                    if pattern == "/staff/audit" and name in ("user", "target", "action") \
                            and "<tr data-id=" in text:
                        wrong.append((role, url, "an audit filter matched entries"))
            # every {param} of the path replaced by each payload
            for _, bad in with_payloads(pattern, path):
                r = c.get(bad)
                if r.status not in (400, 404) or LEAKS.search(r.text):
                    wrong.append((role, bad, r.status))
    # POST routes with a payload in each path parameter: 404 and nothing done
    for role in ("admin", "reviewer", "legal"):
        for method, pattern, _ in staff_routes():
            if method != "POST" or "{" not in pattern:
                continue
            for p, bad in with_payloads(pattern, fill(pattern, OWN[role])):
                r = WHO[role].post(bad, {"reason": p, "note": p})
                if r.status not in (400, 404) or LEAKS.search(r.text):
                    wrong.append((role, "POST " + bad, r.status))
    assert not wrong, "%d wrong answers, first: %r" % (len(wrong), wrong[:30])
    after = digest()
    assert before == after, "changed: %r" % changed(before, after)
    assert integrity_ok()


def test_sql_injection_in_staff_form_fields_is_stored_as_text():
    a, rec = WHO["admin"], OWN["admin"]
    staff_before = S.sql("SELECT count(*) FROM staff")[0][0]
    p = "'; DROP TABLE staff; --"
    r = a.post("/staff/joins/%s/note" % rec["join"], {"note": p})
    assert r.status == 303, r
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND note = ?",
                 (rec["join"], p)) == [(1,)]
    r = a.post("/staff/legal-aid/%s/note" % rec["legal"], {"note": "' OR 1=1 --"})
    assert r.status == 303, r
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND note = ?",
                 (rec["legal"], "' OR 1=1 --")) == [(1,)]
    code = "SQ%d" % nxt()
    r = a.post("/staff/stations/new", {"name": p, "district": "朝阳区", "code": code})
    assert r.status == 303, r
    assert S.sql("SELECT name FROM stations WHERE code = ?", (code,)) == [(p,)]
    # a user name of SQL is refused by its own rule, not run
    r = a.post("/staff/accounts/new", {"username": "x' OR 1=1 --", "display_name": p,
                                       "role": "审核员", "district": "朝阳区",
                                       "password": "Very-long-pass-2026"})
    assert r.status == 422, r
    # logging in with SQL for a name or a password lets nobody in
    for user, pw in (("' OR 1=1 --", "x"), ("admin' --", "x"), ("admin", "' OR '1'='1"),
                     ("admin'/*", "*/ OR 1=1 --")):
        r = S.post("/staff/login", {"_token": S.token("/staff/login"), "username": user,
                                    "password": pw})
        assert r.status == 422, (user, r.status)
        assert not any(v.startswith(("zj_staff=", "__Host-zj_staff=")) and "=;" not in v
                       for v in r.all("Set-Cookie")), r.headers
    S.sql_exec("DELETE FROM login_failures")      # let later logins through
    assert S.sql("SELECT count(*) FROM staff")[0][0] == staff_before
    assert integrity_ok()



def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker."""
    staffdesk.no_worker_crashed()


if __name__ == "__main__":
    run(globals())
