#!/usr/bin/env python3
"""t0813: sessions and response headers of the staff desk under attack,
each check failing if the attack works: session fixation (a cookie set
before login, another person's, a logged-out one never becomes the
session); CR/LF in login "next", paths, export filters, action redirects
and uploaded file names never reaching a header, and answered without a
server error.

The staff desk attacked is staffdesk.py's; every loop is bounded."""
import hashlib
import re

import staffdesk
from harness import PNG, ref_of, run, session_cookie
from staffdesk import OWN, PASSWORD, SHARED, WHO, phone, q

S = None


def setup_module():
    global S
    S = staffdesk.setup()


# ---- session fixation ----

def login_with_cookie(username, cookie, password=PASSWORD):
    """Log in sending cookie (name=value); the new cookie value, or None."""
    r = S.login(username, password, headers={"Cookie": cookie})
    assert r.status == 303, r
    v = session_cookie(r)
    if v is None:
        return None
    name, _, rest = v.partition("=")
    attrs = [x.strip().lower() for x in rest.split(";")[1:]]
    assert "httponly" in attrs and "path=/" in attrs, v
    assert any(x.startswith("samesite=") for x in attrs), v
    assert rest.split(";")[0] not in (r.header("Location") or "")
    return name, rest.split(";", 1)[0]


def test_session_fixation_a_cookie_set_before_login_is_not_the_session():
    name = WHO["reviewer"].cookie.split("=", 1)[0]
    chosen = "a1" * 32                     # an attacker's value, well formed
    got = login_with_cookie("legal1", "%s=%s" % (name, chosen))
    assert got is not None, "login set no session cookie"
    assert got[1] != chosen, "the attacker's cookie became the session"
    h = hashlib.sha256(chosen.encode()).hexdigest()
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (h,)) == [(0,)]
    r = S.get("/staff", headers={"Cookie": "%s=%s" % (name, chosen)})
    assert r.status == 302 and r.header("Location").startswith("/staff/login"), r
    assert S.get("/staff/legal-aid", headers={"Cookie": "%s=%s" % got}).status == 200

    # another person's valid session in the browser while legal1 logs in
    rev = WHO["reviewer"].cookie
    got = login_with_cookie("legal1", rev)
    assert got is not None and "%s=%s" % got != rev
    r = S.get("/staff", headers={"Cookie": rev})
    assert r.status == 200 and "rev1" in r.text and "legal1" not in r.text, \
        "rev1's session changed hands"
    assert S.get("/staff/legal-aid", headers={"Cookie": rev}).status == 404
    assert S.get("/staff/joins", headers={"Cookie": rev}).status == 200
    r = S.get("/staff", headers={"Cookie": "%s=%s" % got})
    assert r.status == 200 and "legal1" in r.text

    # the same person logging in again gets a new session, the old one lives on
    old = WHO["legal"].cookie
    got = login_with_cookie("legal1", old)
    assert "%s=%s" % got != old
    # a session ended by logout is not brought back by its cookie
    c = S.staff("rev2")
    cookie = c.cookie
    assert c.post("/staff/logout", {}).status == 303
    r = S.get("/staff", headers={"Cookie": cookie})
    assert r.status == 302, r
    got = login_with_cookie("rev2", cookie)
    assert "%s=%s" % got != cookie
    assert S.get("/staff", headers={"Cookie": cookie}).status == 302


# ---- header injection ----

def injected(r):
    """Headers an injection would have added, split or pointed elsewhere
    (a percent-encoded CR/LF inside one Location is only a URL)."""
    out = []
    for k, v in r.headers:
        if "pwned" in k.lower() or "\r" in v or "\n" in v:
            out.append((k, v))
        if k.lower() == "set-cookie" and v.lower().startswith("pwned"):
            out.append((k, v))
        if k.lower() == "location" and (not v.startswith("/") or v.startswith(("//", "/\\"))):
            out.append((k, v))
    if [k.lower() for k, _ in r.headers].count("location") > 1:
        out.append(("Location", "twice"))
    return out


CRLF = ["\r\nSet-Cookie: pwned=1", "\nLocation: http://evil.example/", "\rX-Pwned: 1",
        "%0d%0aSet-Cookie:%20pwned=1", "\r\n\r\n<script>alert(1)</script>"]


def crlf_requests():
    """(label, function) of every place a value could reach a header."""
    a, rec = WHO["admin"], OWN["admin"]
    out = []
    for inj in CRLF:
        for nxt_ in ("/staff" + inj, "/staff/joins" + inj):
            out.append(("login next %r" % nxt_, lambda n=nxt_: S.post("/staff/login", {
                "_token": S.token("/staff/login"), "username": "rev1",
                "password": PASSWORD, "next": n})))
        out.append(("login page next %r" % inj,
                    lambda i=inj: S.get("/staff/login?next=" + q("/staff" + i))))
        # the login redirect of someone not logged in carries the path
        for pattern in ("/staff/joins/%s", "/staff/legal-aid/%s", "/staff/volunteer/%s/edit"):
            url = pattern % q("x" + inj)
            out.append(("not logged in " + url, lambda u=url: S.get(u)))
        # the exports' filters and file names
        for base in ("/staff/joins.csv", "/staff/legal-aid.csv"):
            url = "%s?q=%s&status=%s&district=%s&from=%s&full=1" % ((base,) + (q(inj),) * 4)
            out.append(("export " + url, lambda u=url: a.get(u)))
        # redirects after staff actions, with a value in the path or query
        for path in ("/staff/joins/%s/note" % q(rec["join"] + inj),
                     "/staff/joins/%s/note?done=%s" % (rec["join"], q(inj)),
                     "/staff/legal-aid/%s/%s" % (rec["legal"], q("note" + inj)),
                     "/staff/volunteer/%s/cancel" % q(str(rec["activity"]) + inj),
                     "/staff/accounts/%s/enable" % q(str(SHARED["account"]) + inj)):
            out.append(("POST " + path, lambda p=path: a.post(p, {"note": "x", "reason": "x"})))
        out.append(("account name", lambda i=inj: a.post("/staff/accounts/new", {
            "username": "bad" + i, "display_name": "x", "role": "审核员",
            "district": "朝阳区", "password": "Long-enough-pass-1"})))
    return out


def test_crlf_never_reaches_a_header():
    wrong = []
    for label, call in crlf_requests():
        r = call()
        if injected(r):
            wrong.append((label, r.status, injected(r)))
    assert not wrong, wrong
    for v in WHO["admin"].get("/staff/joins.csv?q=" + q(CRLF[0])).all("Content-Disposition"):
        assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', v), v


def test_crlf_in_a_url_or_login_next_is_answered_without_a_server_error():
    # not an injection (the core refuses the header) but the person gets
    # the 500 page: after a login with a CR/LF next (session already set),
    # and on any staff link with an encoded CR/LF when not logged in
    wrong = []
    for label, call in crlf_requests():
        r = call()
        if r.status >= 500:
            wrong.append((label, r.status, r.all("Set-Cookie")[:1]))
    S.sql_exec("DELETE FROM login_failures")
    assert not wrong, "%d answered 5xx: %r" % (len(wrong), wrong[:12])


def test_crlf_in_an_uploaded_file_name():
    evil_names = ["a\r\nSet-Cookie: pwned=1.png", "b\nX-Pwned: 1.png", "c\rX-Pwned: 1.png"]
    for fname in evil_names:
        ph = phone()
        r = S.post_multipart(
            "/legal-aid",
            [("_token", S.token("/legal-aid")), ("name", "头注入"), ("phone", ph),
             ("district", "朝阳区"), ("employer", "某公司"), ("dispute_type", "拖欠工资"),
             ("people", "1"), ("facts", "事实经过事实经过事实经过"), ("claims", "补发工资"),
             ("member_status", "否"), ("consent_sensitive", "1")],
            [("evidence", fname, "image/png", PNG)])
        assert r.status in (303, 400, 422), (fname, r.status)
        assert not injected(r), r.headers
        if r.status != 303:
            continue
        ref_ = ref_of(r)
        for fid, in S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c"
                          " ON c.id = f.case_id WHERE c.ref = ?", (ref_,)):
            d = WHO["admin"].get("/staff/legal-aid/%s/files/%d" % (ref_, fid))
            assert d.status == 200 and not injected(d), d.headers
            assert len(d.all("Content-Disposition")) == 1
    # a name with quotes and parameters of its own, sent as a browser would
    fname = 'x"; filename=evil.html; filename*=UTF-8\'\'evil.html; a=".png'
    r = S.post_multipart(
        "/legal-aid",
        [("_token", S.token("/legal-aid")), ("name", "头注入"), ("phone", phone()),
         ("district", "朝阳区"), ("employer", "某公司"), ("dispute_type", "拖欠工资"),
         ("people", "1"), ("facts", "事实经过事实经过事实经过"), ("claims", "补发工资"),
         ("member_status", "否"), ("consent_sensitive", "1")],
        [("evidence", fname, "image/png", PNG)], quote_names=True)
    assert r.status == 303, r
    ref_ = ref_of(r)
    fid = S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                " WHERE c.ref = ?", (ref_,))[0][0]
    d = WHO["admin"].get("/staff/legal-aid/%s/files/%d" % (ref_, fid))
    cds = d.all("Content-Disposition")
    assert d.status == 200 and len(cds) == 1, d.headers
    assert re.fullmatch(r"attachment; filename=\"evidence-\d+\.png\"; "
                        r"filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*", cds[0]), cds[0]
    assert "evil.html" not in cds[0].split("''", 1)[0]


def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker."""
    staffdesk.no_worker_crashed()


if __name__ == "__main__":
    run(globals())
