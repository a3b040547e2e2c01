#!/usr/bin/env python3
"""t0812: cross-site request forgery on the staff desk, each check failing
if the attack works: every staff POST route `zhijia routes` lists, sent
with no token, a wrong one, another session's, from another site, as a
text/plain or multipart form → refused, nothing changed, each refusal in
the audit log, and the same request with the session's token goes
through; the password change and logout likewise; a login posted without
the form's own token starts no session.

The staff desk attacked is staffdesk.py's; every loop is bounded."""
import re

import staffdesk
from harness import multipart, run, staff_routes
from staffdesk import PASSWORD, WHO, changed, digest, post_actions, records

S = None


def setup_module():
    global S
    S = staffdesk.setup()


# ---- CSRF on every staff POST ----

def csrf_variants(client):
    """(label, csrf, extra headers, body kind) of forged POSTs."""
    valid = client.csrf
    flipped = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    evil = {"Origin": "http://evil.example", "Referer": "http://evil.example/page",
            "Sec-Fetch-Site": "cross-site"}
    return [
        ("no token", False, {}, "form"),
        ("empty token", "", {}, "form"),
        ("wrong token", "0" * len(valid), {}, "form"),
        ("one character off", flipped, {}, "form"),
        ("token with more after it", valid + "0", {}, "form"),
        ("another person's session token", WHO["reviewer"].csrf, {}, "form"),
        ("the same person's other session", WHO["admin2"].csrf, {}, "form"),
        ("cross-site, no token", False, evil, "form"),
        ("cross-site, wrong token", "0" * len(valid), evil, "form"),
        ("cross-site text/plain form", False, evil, "text"),
        ("cross-site multipart form", False, evil, "multipart"),
    ]


def forged(client, path, fields, csrf, headers, kind):
    pairs = list(fields.items())
    if csrf is not False:
        pairs.append(("_csrf", csrf))
    h = client.headers()
    h.update(headers)
    if kind == "form":
        return S.post(path, pairs, headers=h)
    if kind == "text":
        body = "\r\n".join("%s=%s" % kv for kv in pairs).encode()
        return S.post_raw(path, body, ctype="text/plain", headers=h)
    body, ctype = multipart(pairs, [])
    return S.post_raw(path, body, ctype=ctype, headers=h)


def test_csrf_every_staff_post_route_refuses_a_forged_request():
    a = WHO["admin"]
    rec = records("110105", "CSRF")
    actions = post_actions(rec)
    get_patterns = {p for m, p, _ in staff_routes() if m == "GET"}
    covered = {p for p, _, _ in actions} | {"/staff/logout", "/staff/password"}
    missing = [p for m, p, _ in staff_routes() if m == "POST" and p != "/staff/login"
               and p not in covered]
    assert not missing, "POST routes this test does not forge: %r" % missing
    wrong = []
    for pattern, path, fields in actions:
        before = digest()
        for label, csrf, headers, kind in csrf_variants(a):
            r = forged(a, path, fields, csrf, headers, kind)
            ok = r.status == 403 or (kind != "form" and r.status in (400, 403, 415))
            if not ok:
                wrong.append((path, label, r.status))
            if "Set-Cookie" in [k for k, _ in r.headers] and kind == "form":
                wrong.append((path, label, "set a cookie"))
        after = digest()
        if before != after:
            wrong.append((path, "changed", changed(before, after)))
        # the same request with the session's token goes through: the
        # refusals above were the CSRF wall, not a bad form
        r = a.post(path, fields)
        if r.status not in (200, 303):
            wrong.append((path, "with the right token", r.status, r.text[:300]))
        # a GET never acts (routes without a GET page of their own)
        if pattern not in get_patterns and \
                S.get(path, headers=a.headers()).status not in (404, 405):
            wrong.append((path, "GET answered"))
    assert not wrong, wrong
    assert S.sql("SELECT count(*) FROM audit WHERE action = 'csrf.refused'")[0][0] >= \
        len(actions) * 8, "refusals are not in the audit log"


def test_csrf_password_change_and_logout():
    S.add_staff("pwuser", "reviewer", "110105")
    S.add_staff("louser", "legal", "110105")
    pw, lo = S.staff("pwuser"), S.staff("louser")
    WHO["pwuser"], WHO["louser"] = pw, lo
    fields = {"current": PASSWORD, "new": "Changed-pass-2026", "again": "Changed-pass-2026"}
    before = S.sql("SELECT pwhash, must_change_pw FROM staff WHERE username = 'pwuser'")
    wrong = []
    for label, csrf, headers, kind in csrf_variants(pw):
        r = forged(pw, "/staff/password", fields, csrf, headers, kind)
        if not (r.status == 403 or (kind != "form" and r.status in (400, 415))):
            wrong.append(("password", label, r.status))
        r = forged(lo, "/staff/logout", {}, csrf, headers, kind)
        if not (r.status == 403 or (kind != "form" and r.status in (400, 415))):
            wrong.append(("logout", label, r.status))
        if lo.get("/staff").status != 200:
            wrong.append(("logout", label, "the session was ended"))
            break
    assert not wrong, wrong
    assert S.sql("SELECT pwhash, must_change_pw FROM staff WHERE username = 'pwuser'") == before
    r = pw.post("/staff/password", fields)
    assert r.status == 303, r
    r = lo.post("/staff/logout", {})
    assert r.status == 303 and lo.get("/staff").status == 302, r


def test_login_without_the_form_token_starts_no_session():
    """Login CSRF: a page elsewhere posting someone's credentials (or a
    login page left open past its token's age) gets the form again, or
    403 when the browser says the page was elsewhere (issue 10 §4)."""
    wrong = []
    evil = {"Origin": "http://evil.example", "Referer": "http://evil.example/"}
    for headers in ({}, evil):
        for token in (None, "", "1." + "0" * 64, "junk"):
            f = {"username": "rev1", "password": PASSWORD}
            if token is not None:
                f["_token"] = token
            r = S.post("/staff/login", f, headers=headers)
            cookies = [v for v in r.all("Set-Cookie") if re.match(r"(__Host-)?zj_staff=[0-9a-f]", v)]
            if r.status != (403 if headers else 422) or cookies:
                wrong.append((token, bool(headers), r.status, cookies))
    assert not wrong, "login without a valid form token: %r" % wrong


def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker."""
    staffdesk.no_worker_crashed()


if __name__ == "__main__":
    run(globals())
