#!/usr/bin/env python3
"""t0620: strangers cannot keep a member of staff out (issue 10 §2, §4).

- 50 wrong passwords for admin from 50 addresses, then the right one from
  the browser admin logged in with before: in at once.  Unknown devices
  wait; nothing is locked.
- A device cookie is signed for one account: forged or another account's
  counts as unknown; a known device failing often becomes unknown.
- An IPv6 /64 is one address; failures are forgotten as time passes.
- Every staff POST (and the login) from another site is refused (403) by
  what the browser says (Origin, Sec-Fetch-Site).
- The throttle fails closed: a failure that cannot be counted is not
  answered as a wrong password (503), and nothing is half-written.

Requests say which address they come from with X-Forwarded-For, as the
local nginx (deploy/nginx-local.conf.in) trusts from 127.0.0.1."""
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from harness import ADMIN_PASSWORD, Server, device_cookie, run, session_cookie

S = None
BAD_LOGIN = "用户名或密码不正确"


def setup_module():
    global S
    S = Server(workers=2)


def failures():
    return dict(S.sql("SELECT addr, n FROM login_failures"))


def test_fifty_strangers_cannot_keep_admin_out_of_a_known_browser():
    S.sql_exec("DELETE FROM login_failures")
    first = S.login("admin", ADMIN_PASSWORD, headers={"X-Forwarded-For": "203.0.113.7"})
    assert first.status == 303, first
    device = device_cookie(first)
    assert device and re.fullmatch(r"zj_device=[0-9a-f]{32}\.[0-9a-f]{64}", device), device

    def stranger(i):
        return S.login("admin", "guess-number-%d" % i,
                       headers={"X-Forwarded-For": "198.51.%d.%d" % (i // 200, i % 200 + 1)})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(stranger, range(50)))
    codes = [a.status for a in answers]
    assert set(codes) <= {422, 429}, codes
    assert codes.count(422) >= 5, codes         # the first five are checked
    assert codes.count(429) >= 30, codes        # most of the rest wait, unhashed
    assert all(session_cookie(a) is None for a in answers)
    # an unknown browser, even with the right password, must wait
    r = S.login("admin", ADMIN_PASSWORD, headers={"X-Forwarded-For": "192.0.2.200"})
    assert r.status == 429 and re.search(r"请 \d+ 秒后再试", r.text), r
    # the known one, from wherever, gets in at once
    t0 = time.time()
    r = S.login("admin", ADMIN_PASSWORD, headers={"Cookie": device,
                                                   "X-Forwarded-For": "192.0.2.201"})
    assert r.status == 303 and session_cookie(r), r
    assert time.time() - t0 < 5
    # …and its success ended the waits strangers had caused
    assert "u:admin" not in failures()
    S.sql_exec("DELETE FROM login_failures")


def test_a_device_cookie_counts_only_for_its_own_account_and_unforged():
    S.sql_exec("DELETE FROM login_failures")
    S.add_staff("dev_one", "reviewer", "110105")
    S.add_staff("dev_two", "reviewer", "110105")
    ok = S.login("dev_one", "staff-password-1")
    assert ok.status == 303
    device = device_cookie(ok)
    forged = device[:-4] + ("0000" if not device.endswith("0000") else "1111")
    for name in ("dev_one", "dev_two"):
        for i in range(5):
            r = S.login(name, "wrong-password-%d" % i,
                        headers={"X-Forwarded-For": "192.0.2.%d" % (i + 20)})
            assert r.status == 422, r
    S.sql_exec("DELETE FROM login_failures WHERE addr LIKE 'a:%'")
    # another account's device cookie, or a forged one: unknown, so it waits
    assert S.login("dev_two", "staff-password-1", headers={"Cookie": device}).status == 429
    assert S.login("dev_one", "staff-password-1", headers={"Cookie": forged}).status == 429
    # a known device that fails often is not trusted any more
    for i in range(10):
        r = S.login("dev_one", "wrong-again-%d" % i, headers={"Cookie": device})
        assert r.status == 422, r
    assert S.login("dev_one", "staff-password-1", headers={"Cookie": device}).status == 429
    S.sql_exec("DELETE FROM login_failures")


def test_an_ipv6_slash_64_is_one_address():
    S.sql_exec("DELETE FROM login_failures")
    for i in range(6):
        r = S.login("v6_name_%d" % i, "wrong-password-1",
                    headers={"X-Forwarded-For": "2001:db8:1:2::%x" % (i + 1)})
        assert r.status in (422, 429), r
    f = failures()
    assert f.get("a:2001:db8:1:2::/64", 0) >= 5, f
    assert not any(k.startswith("a:2001:db8:1:2::") and k.endswith(("1", "2", "3"))
                   for k in f), f
    # another /64 is another address
    r = S.login("v6_other", "wrong-password-1", headers={"X-Forwarded-For": "2001:db8:1:3::1"})
    assert r.status == 422, r
    S.sql_exec("DELETE FROM login_failures")


def test_failures_are_forgotten_as_time_passes():
    S.sql_exec("DELETE FROM login_failures")
    S.add_staff("decay_me", "reviewer", "110105")
    for i in range(5):
        S.login("decay_me", "wrong-password-%d" % i,
                headers={"X-Forwarded-For": "192.0.2.%d" % (i + 40)})
    assert S.login("decay_me", "staff-password-1",
                   headers={"X-Forwarded-For": "192.0.2.50"}).status == 429
    # an hour later (five minutes forget one failure) nothing is left
    old = int(time.time()) - 3600
    S.sql_exec("UPDATE login_failures SET last_at = ?", (old,))
    S.sql_exec("UPDATE staff SET locked_until = NULL WHERE username = 'decay_me'")
    r = S.login("decay_me", "wrong-password-9", headers={"X-Forwarded-For": "192.0.2.51"})
    assert r.status == 422, r
    assert failures()["u:decay_me"] == 1, failures()
    S.sql_exec("DELETE FROM login_failures")


def test_posts_from_another_site_are_refused():
    S.sql_exec("DELETE FROM login_failures")
    me = S.staff("admin", ADMIN_PASSWORD)
    before = S.sql("SELECT count(*) FROM sessions")
    for h in ({"Origin": "https://evil.example"}, {"Origin": "null"},
              {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        r = S.post("/staff/logout", {"_csrf": me.csrf}, headers=me.headers(h))
        assert r.status == 403, (h, r)
        r = S.post("/staff/login", {"username": "admin", "password": ADMIN_PASSWORD},
                   headers=h)
        assert r.status == 403, (h, r)
    assert S.sql("SELECT count(*) FROM sessions") == before
    refused = S.sql("SELECT count(*) FROM audit WHERE action = 'csrf.refused'")[0][0]
    assert refused >= 4, refused
    # this site's own pages, as a browser sends them, go through
    own = {"Origin": "http://127.0.0.1:%d" % S.port, "Sec-Fetch-Site": "same-origin"}
    r = S.login("admin", ADMIN_PASSWORD, headers=own)
    assert r.status == 303, r
    r = S.post("/staff/logout", {"_csrf": me.csrf}, headers=me.headers(own))
    assert r.status == 303, r



def test_a_failure_that_cannot_be_counted_is_refused():
    S.sql_exec("DELETE FROM login_failures")
    writer = S.writer_pid()
    assert writer
    os.kill(writer, signal.SIGSTOP)
    try:
        r = S.login("admin", "wrong-password-1", headers={"X-Forwarded-For": "192.0.2.99"})
    finally:
        os.kill(writer, signal.SIGCONT)
    assert r.status == 503 and "请稍后再试" in r.text, r
    assert BAD_LOGIN not in r.text
    time.sleep(0.5)
    # the job came too late to start: neither counter nor audit entry
    assert failures() == {}, failures()
    assert S.login("admin", ADMIN_PASSWORD).status == 303


run(globals())
