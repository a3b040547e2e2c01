#!/usr/bin/env python3
"""t0600: logging in to the staff desk as a union officer and as an attacker
sees it — the login form, one message for every wrong answer, the account
waits that grow after 5 failures of a name (a known device is not made to
wait), slowing down one address, the session cookie and
its flags, a new token at every login, idle and absolute timeouts, logout
ending the session on the server, CSRF refusal on every staff POST route,
old password hashes replaced at login, and changing one's password."""
import base64
import hashlib
import os
import re
import time

from harness import (Server, device_cookie, error_of, fill_route, form_value, now_iso,
                     routes, run, session_cookie, unescape)

S = None
ADMIN = None
IDS = {}
BAD_LOGIN = "用户名或密码不正确"


def setup_module():
    global S, ADMIN
    S = Server(workers=2)
    ADMIN = S.admin()
    make_records()


def make_records():
    """One record of every kind a staff POST route acts on."""
    now = now_iso()
    d = S.district("110105")
    IDS["join"] = "RH2345ABCD"
    S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone,"
               " employment, occupation, district_id, consent_charter, consent_sensitive,"
               " created_at, updated_at) VALUES (?, '张三', '男', '110105199003071234',"
               " '13800138000', '单位就业', '快递员', ?, 1, 1, ?, ?)",
               (IDS["join"], d, now, now))
    IDS["legal"] = "FY2345ABCD"
    IDS["case_id"] = S.sql_exec(
        "INSERT INTO legal_cases (ref, name, phone, district_id, employer, dispute_type,"
        " people, facts, claims, member_status, consent_sensitive, created_at, updated_at)"
        " VALUES (?, '李四', '13900139000', ?, '某某公司', '拖欠工资', 1, '欠三个月工资',"
        " '补发工资', '否', 1, ?, ?)", (IDS["legal"], d, now, now))
    IDS["activity"] = S.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place,"
        " district_id, capacity, deadline, created_at, updated_at)"
        " VALUES ('社区义诊', '为快递小哥义诊', ?, ?, '朝阳公园', ?, 10, ?, ?, ?)",
        (now_iso(7 * 86400), now_iso(7 * 86400 + 7200), d, now_iso(6 * 86400), now, now))
    IDS["signup"] = "ZY2345ABCD"
    S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
               " consent_sensitive, created_at, updated_at)"
               " VALUES (?, ?, '王五', '13700137000', '已确认', ?, 1, ?, ?)",
               (IDS["signup"], IDS["activity"], "0" * 64, now, now))
    IDS["station"] = S.sql_exec(
        "INSERT INTO stations (code, name, district_id, created_at)"
        " VALUES ('CY01', '望京驿站', ?, ?)", (d, now))
    IDS["wish"] = "XY2345ABCD"
    S.sql_exec("INSERT INTO wishes (ref, category, content, district_id, name, phone,"
               " public_ok, created_at, updated_at) VALUES (?, '生活用品', '想要一个头盔', ?,"
               " '赵六', '13600136000', 1, ?, ?)", (IDS["wish"], d, now, now))
    IDS["followup"] = S.sql_exec(
        "INSERT INTO followups (service, ref, district_id, phone, service_date, token_hash,"
        " status, created_at, updated_at) VALUES ('入会', ?, ?, '13800138000', ?, ?, '待回访',"
        " ?, ?)", (IDS["join"], d, now[:10], "0" * 64, now_iso(-4 * 86400), now))
    S.add_staff("target1", "reviewer", "110105")
    IDS["account"] = S.staff_id("target1")
    IDS["district_id"] = d
    IDS["appeal"] = "SQ2345ABCD"
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, phone, created_at, updated_at) VALUES (?, '投诉', '工资报酬',"
               " '站点拖欠工资', ?, ?, '13600136000', ?, ?)", (IDS["appeal"], d, d, now, now))


def fill(pattern):
    """A route pattern with its {params} replaced by the records above."""
    path = fill_route(pattern, IDS, step="accept")
    assert path, pattern
    return path


def clear_failures():
    S.sql_exec("DELETE FROM login_failures")


def message_of(html):
    m = re.search(r'<div class="summary" role="alert"><h2>[^<]*</h2><p>([^<]*)</p>', html)
    return unescape(m.group(1)) if m else None


def token_of(set_cookie):
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def fingerprint():
    """Everything a staff POST could change (not the audit log, which
    records the refusals, nor a session's last-seen time)."""
    tables = ["staff", "join_applications", "legal_cases", "legal_files", "activities",
              "signups", "stations", "events", "districts", "member_seq", "wishes",
              "followups", "outbox", "appeals"]
    fp = {t: S.sql("SELECT * FROM %s ORDER BY 1" % t) for t in tables}
    fp["sessions"] = S.sql("SELECT id, token_hash, staff_id, csrf FROM sessions ORDER BY id")
    return fp


# ---- the login form ----

def test_login_page_has_labelled_fields_and_a_login_button():
    r = S.get("/staff/login")
    assert r.status == 200, r
    t = r.text
    assert re.search(r'<label for="f-username">用户名</label>', t), t
    assert re.search(r'<label for="f-password">密码</label>', t), t
    assert 'id="f-username"' in t and 'id="f-password"' in t
    assert re.search(r'<input type="password" id="f-password"', t)
    assert re.search(r'<button type="submit">登录</button>', t)


def test_wrong_password_and_unknown_user_get_the_same_answer():
    clear_failures()
    S.add_staff("rev_same", "reviewer", "110105")
    wrong = S.login("rev_same", "not-the-password")
    unknown = S.login("no_such_person", "not-the-password")
    clear_failures()
    assert wrong.status == unknown.status == 422, (wrong, unknown)
    assert message_of(wrong.text) == message_of(unknown.text), (message_of(wrong.text),
                                                                message_of(unknown.text))
    assert BAD_LOGIN in message_of(wrong.text)
    assert session_cookie(wrong) is None and session_cookie(unknown) is None
    # the typed name is kept, the password is not
    assert form_value(wrong.text, "username") == "rev_same"
    assert form_value(wrong.text, "password") == ""


def test_five_failures_make_unknown_devices_wait_but_lock_nothing():
    clear_failures()
    S.add_staff("lock_me", "reviewer", "110105")
    ok = S.login("lock_me", "staff-password-1")
    assert ok.status == 303, ok
    device = device_cookie(ok)
    assert device, ok.headers
    for i in range(5):
        # from five addresses: this test is about the name
        r = S.login("lock_me", "wrong-password-%d" % i,
                    headers={"X-Forwarded-For": "192.0.2.%d" % (i + 1)})
        assert r.status == 422 and BAD_LOGIN in message_of(r.text), r
    # the message tells the rule the code applies
    assert "连续输错 5 次后,须等 30 秒" in message_of(r.text) \
        and "最长 15 分钟" in message_of(r.text), message_of(r.text)
    # nothing is locked: the account shows (锁定至 on the accounts page)
    # until when unknown devices must wait, 30 s after the fifth failure
    until = S.sql("SELECT locked_until FROM staff WHERE username = 'lock_me'")[0][0]
    left = time.mktime(time.strptime(until, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    assert 20 <= left <= 31, left
    # a browser that never logged in to it must wait, with the right password too
    r = S.login("lock_me", "staff-password-1", headers={"X-Forwarded-For": "192.0.2.9"})
    assert r.status == 429 and re.search(r"请 \d+ 秒后再试", r.text), r
    assert session_cookie(r) is None
    # so must a name that does not exist, the same way (no oracle)
    for i in range(5):
        S.login("nobody_here", "wrong-password-%d" % i,
                headers={"X-Forwarded-For": "198.51.100.%d" % (i + 1)})
    r2 = S.login("nobody_here", "staff-password-1", headers={"X-Forwarded-For": "198.51.100.9"})
    assert r2.status == 429, r2
    # the browser that logged in before gets in at once
    r = S.login("lock_me", "staff-password-1", headers={"Cookie": device,
                                                       "X-Forwarded-For": "192.0.2.10"})
    assert r.status == 303 and session_cookie(r), r
    audit = S.sql("SELECT action, detail FROM audit WHERE username = 'lock_me' ORDER BY id")
    assert [a for a, _ in audit].count("login.failed") == 5, audit
    assert audit[-1][0] == "login"
    # a success forgets the name's failures: unknown devices need not wait
    assert S.login("lock_me", "staff-password-1",
                   headers={"X-Forwarded-For": "192.0.2.11"}).status == 303
    assert S.sql("SELECT locked_until FROM staff WHERE username = 'lock_me'") == [(None,)]
    clear_failures()


def test_failures_from_one_address_are_slowed_down():
    clear_failures()
    S.add_staff("slow_me", "reviewer", "110105")
    # Fail until the address has 6 failures (attempts answered 429 meanwhile
    # do not count and run no password check).
    # A name of its own each time: this test is about the address.
    deadline = time.time() + 30
    i = 0
    while S.sql("SELECT coalesce(max(n), 0) FROM login_failures")[0][0] < 6:
        assert time.time() < deadline
        i += 1
        r = S.login("no_such_person_%d" % i, "bad-password-1")
        if r.status == 429:
            time.sleep(1.1)
        else:
            assert r.status == 422, r
    # the next attempt, even with the right password, has to wait
    r = S.login("slow_me", "staff-password-1")
    assert r.status == 429, r
    assert re.search(r"请 \d+ 秒后再试", r.text), r.text
    assert session_cookie(r) is None
    assert S.sql("SELECT n FROM login_failures WHERE addr = 'a:127.0.0.1'")[0][0] == 6
    clear_failures()
    r = S.login("slow_me", "staff-password-1")
    assert r.status == 303, r


# ---- the session cookie ----

def test_session_cookie_is_httponly_samesite_strict_and_not_secure_over_http():
    clear_failures()
    r = S.login("admin", "admin-password-1")
    assert r.status == 303, r
    c = session_cookie(r)
    assert c, r.headers
    flags = [f.strip().lower() for f in c.split(";")[1:]]
    assert "httponly" in flags, c
    assert "samesite=strict" in flags, c
    assert "path=/" in flags, c
    assert "secure" not in flags, c
    assert not any(f.startswith("domain") for f in flags), c
    assert re.fullmatch(r"[0-9a-f]{64}", token_of(c)), c   # 256 bits


def test_with_secure_cookies_the_cookie_is_host_prefixed_and_secure():
    S2 = Server(workers=1, env={"ZHIJIA_SECURE_COOKIES": "1"})
    try:
        r = S2.login("admin", "admin-password-1")
        assert r.status == 303, r
        assert session_cookie(r, ("zj_staff",)) is None
        c = session_cookie(r, ("__Host-zj_staff",))
        assert c, r.headers
        flags = [f.strip().lower() for f in c.split(";")[1:]]
        assert "secure" in flags and "httponly" in flags and "path=/" in flags, c
        assert not any(f.startswith("domain") for f in flags), c
        ok = S2.get("/staff", headers={"Cookie": "__Host-zj_staff=" + token_of(c)})
        assert ok.status == 200, ok
        # the plain name is not accepted there
        no = S2.get("/staff", headers={"Cookie": "zj_staff=" + token_of(c)})
        assert no.status == 302 and no.header("Location").startswith("/staff/login"), no
    finally:
        S2.stop()


def test_every_login_gets_a_new_token_and_a_planted_one_is_ignored():
    clear_failures()
    planted = "ab" * 32
    r = S.login("admin", "admin-password-1", headers={"Cookie": "zj_staff=" + planted})
    assert r.status == 303, r
    fresh = token_of(session_cookie(r))
    assert fresh != planted
    # the planted value never became a session
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (sha256(planted),)) \
        == [(0,)]
    g = S.get("/staff", headers={"Cookie": "zj_staff=" + planted})
    assert g.status == 302 and g.header("Location").startswith("/staff/login"), g
    # the token is stored only as its SHA-256
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (sha256(fresh),)) \
        == [(1,)]
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (fresh,)) == [(0,)]
    # logging in again, even from a live session, gives another token
    again = S.login("admin", "admin-password-1", headers={"Cookie": "zj_staff=" + fresh})
    assert again.status == 303
    assert token_of(session_cookie(again)) not in (fresh, planted)


def fresh_session():
    clear_failures()
    r = S.login("admin", "admin-password-1")
    assert r.status == 303, r
    token = token_of(session_cookie(r))
    return token, {"Cookie": "zj_staff=" + token}


def test_a_session_idle_for_thirty_one_minutes_has_ended():
    token, h = fresh_session()
    assert S.get("/staff", headers=h).status == 200
    S.sql_exec("UPDATE sessions SET last_seen = last_seen - 29 * 60 WHERE token_hash = ?",
               (sha256(token),))
    assert S.get("/staff", headers=h).status == 200, "29 minutes idle is still fine"
    S.sql_exec("UPDATE sessions SET last_seen = strftime('%s', 'now') - 31 * 60"
               " WHERE token_hash = ?", (sha256(token),))
    r = S.get("/staff/audit", headers=h)
    assert r.status == 302, r
    assert r.header("Location") == "/staff/login?next=/staff/audit", r.header("Location")
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (sha256(token),)) \
        == [(0,)]
    p = S.post("/staff/logout", {"_csrf": "x"}, headers=h)
    assert p.status == 303 and p.header("Location") == "/staff/login?expired=1", p


def test_a_session_older_than_twelve_hours_has_ended_however_busy():
    token, h = fresh_session()
    S.sql_exec("UPDATE sessions SET created_at = strftime('%s', 'now') - 11 * 3600 - 3500,"
               " last_seen = strftime('%s', 'now') WHERE token_hash = ?", (sha256(token),))
    assert S.get("/staff", headers=h).status == 200, "just under 12 hours is fine"
    S.sql_exec("UPDATE sessions SET created_at = strftime('%s', 'now') - 13 * 3600,"
               " last_seen = strftime('%s', 'now') WHERE token_hash = ?", (sha256(token),))
    r = S.get("/staff", headers=h)
    assert r.status == 302 and r.header("Location").startswith("/staff/login"), r


def test_logout_ends_the_session_on_the_server():
    token, h = fresh_session()
    page = S.get("/staff", headers=h)
    csrf = form_value(page.text, "_csrf")
    r = S.post("/staff/logout", {"_csrf": csrf}, headers=h)
    assert r.status == 303 and r.header("Location") == "/staff/login?bye=1", r
    gone = session_cookie(r)
    assert gone and ("max-age=0" in gone.lower() or "expires=" in gone.lower()), gone
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (sha256(token),)) \
        == [(0,)]
    # the old cookie, kept by someone who copied it, no longer works
    again = S.get("/staff", headers=h)
    assert again.status == 302 and again.header("Location").startswith("/staff/login"), again
    assert "您已安全退出" in S.get("/staff/login?bye=1").text


# ---- CSRF ----

def test_every_staff_post_without_or_with_a_wrong_csrf_token_is_refused():
    posts = [(m, p) for m, p, access in routes()
             if m == "POST" and p.startswith("/staff") and access]
    assert len(posts) >= 10, posts
    before = fingerprint()
    refused = []
    for _, pattern in posts:
        path = fill(pattern)
        for fields in ({}, {"_csrf": "0" * 32}, {"_csrf": ""}):
            f = dict(fields)
            f.update({"reason": "x", "note": "x", "title": "x"})
            r = ADMIN.post(path, f, csrf=False)
            if r.status != 403:
                refused.append((pattern, fields, r.status))
    assert not refused, refused
    assert fingerprint() == before, "a refused POST changed something"
    n = S.sql("SELECT count(*) FROM audit WHERE action = 'csrf.refused'")[0][0]
    assert n >= 3 * len(posts), n
    # the session survived the refused logout, and the right token still works
    assert ADMIN.get("/staff").status == 200


def test_a_post_with_another_sessions_token_is_refused():
    other = S.staff("target1")
    before = fingerprint()
    r = ADMIN.post("/staff/accounts/%d/disable" % IDS["account"], {"_csrf": other.csrf})
    assert r.status == 403, r
    assert fingerprint() == before


# ---- password hashes and changes ----

def old_mcf(password, logn=14, r=8, p=1):
    """A libscrypt MCF string made with other parameters:
    $s1$ + NNrrpp (hex log2 N, r, p) + $ + base64 salt + $ + base64 64-byte key."""
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=1 << logn, r=r, p=p, dklen=64,
                         maxmem=64 * 1024 * 1024)
    return "$s1$%02x%02x%02x$%s$%s" % (logn, r, p, base64.b64encode(salt).decode(),
                                      base64.b64encode(key).decode())


def test_a_hash_made_with_older_parameters_is_replaced_at_login():
    clear_failures()
    S.add_staff("old_hash", "legal", "110105")
    S.sql_exec("UPDATE staff SET pwhash = ? WHERE username = 'old_hash'",
               (old_mcf("older-password-1"),))
    r = S.login("old_hash", "older-password-1")
    assert r.status == 303, r
    stored = S.sql("SELECT pwhash FROM staff WHERE username = 'old_hash'")[0][0]
    assert stored.startswith("$s1$0f0803$"), stored
    # the new hash checks the same password
    r = S.login("old_hash", "older-password-1")
    assert r.status == 303, r
    assert S.sql("SELECT pwhash FROM staff WHERE username = 'old_hash'")[0][0] == stored
    # a wrong password against the old hash is a plain failure, no rehash
    S.sql_exec("UPDATE staff SET pwhash = ? WHERE username = 'old_hash'",
               (old_mcf("older-password-1"),))
    r = S.login("old_hash", "another-password")
    assert r.status == 422
    assert S.sql("SELECT pwhash FROM staff WHERE username = 'old_hash'")[0][0].startswith(
        "$s1$0e0801$")
    clear_failures()


def test_changing_ones_password():
    clear_failures()
    S.add_staff("change_me_please", "reviewer", "110105")
    me = S.staff("change_me_please")
    page = me.get("/staff/password")
    assert page.status == 200
    for label, name in [("当前密码", "current"), ("新密码", "new"), ("再次输入新密码", "again")]:
        assert re.search(r'<label for="f-%s">%s' % (name, label), page.text), label
        assert 'type="password" id="f-%s"' % name in page.text
    cases = [
        ({"current": "wrong-password-9", "new": "fresh-password-2", "again": "fresh-password-2"},
         "current", "当前密码不正确"),
        ({"current": "staff-password-1", "new": "fresh-password-2", "again": "fresh-password-3"},
         "again", "两次输入的新密码不一致"),
        ({"current": "staff-password-1", "new": "short-1", "again": "short-1"},
         "new", "密码至少 12 个字符"),
        ({"current": "staff-password-1", "new": "fresh-passw1", "again": "fresh-passw1"},
         None, None),
        ({"current": "staff-password-1", "new": "Zhijia-2026-pass", "again": "Zhijia-2026-pass"},
         "new", "密码不能以网站名 zhijia 开头"),
        ({"current": "staff-password-1", "new": "change_me_please", "again": "change_me_please"},
         "new", "密码不能与用户名相同"),
        ({"current": "staff-password-1", "new": "CHANGE_ME_PLEASE", "again": "CHANGE_ME_PLEASE"},
         "new", "密码不能与用户名相同"),
        ({"current": "staff-password-1", "new": "1qaz2wsx3edc", "again": "1qaz2wsx3edc"},
         "new", "这个密码太常见,请换一个"),
    ]
    hash0 = S.sql("SELECT pwhash FROM staff WHERE username = 'change_me_please'")[0][0]
    for fields, name, message in cases:
        if name is None:
            continue    # 12 characters are enough: tried last, below
        r = me.post("/staff/password", fields)
        assert r.status == 422, (fields, r)
        assert error_of(r.text, name) == message, (fields, error_of(r.text, name))
        assert 'value="staff-password-1"' not in r.text and "fresh-password" not in r.text
    assert S.sql("SELECT pwhash FROM staff WHERE username = 'change_me_please'")[0][0] == hash0
    # another browser logged in to the same account
    other = S.staff("change_me_please")
    old_cookie, old_csrf = me.cookie, me.csrf
    r = me.post("/staff/password", {"current": "staff-password-1", "new": "fresh-password-2",
                                    "again": "fresh-password-2"})
    assert r.status == 303 and r.header("Location") == "/staff?password=1", r
    # this browser goes on with a new token and a new CSRF value
    assert me.cookie != old_cookie and me.csrf != old_csrf, (me.cookie, me.csrf)
    assert "密码已修改" in me.get("/staff?password=1").text
    old = S.get("/staff", headers={"Cookie": old_cookie})
    assert old.status == 302 and "/staff/login" in old.header("Location"), old
    # every other session of the account has ended
    r = other.get("/staff")
    assert r.status == 302 and "/staff/login" in r.header("Location"), r
    assert S.sql("SELECT count(*) FROM sessions s JOIN staff t ON t.id = s.staff_id"
                 " WHERE t.username = 'change_me_please'") == [(1,)]
    # twelve characters are enough
    assert me.post("/staff/password", {"current": "fresh-password-2", "new": "fresh-passw1",
                                       "again": "fresh-passw1"}).status == 303
    assert me.post("/staff/password", {"current": "fresh-passw1", "new": "fresh-password-2",
                                       "again": "fresh-password-2"}).status == 303
    clear_failures()
    assert S.login("change_me_please", "staff-password-1").status == 422
    clear_failures()
    assert S.login("change_me_please", "fresh-password-2").status == 303
    assert S.sql("SELECT count(*) FROM audit WHERE action = 'password.change'"
                 " AND username = 'change_me_please'") == [(3,)]


run(globals())
