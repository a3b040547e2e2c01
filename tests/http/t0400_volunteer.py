#!/usr/bin/env python3
"""t0400: 志愿服务 as a volunteer sees it — the list of open activities, an
activity's page and its sign-up form, the confirmation with its private
cancel link, the wait-list when places run out, cancelling (the first
wait-listed person moves up), closed sign-ups, and 200 people signing up
for 50 places at the same instant across four workers."""
import datetime
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

from harness import TOP, Server, form_value, join_all, run

S = None
TOKEN = None
PHONES = iter("139%08d" % i for i in range(10000000))


def setup_module():
    global S, TOKEN
    S = Server(workers=2, env={"ZHIJIA_SAMPLES": "1"})
    TOKEN = S.token("/volunteer/1")


# ---- helpers ----

def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_activity(srv, title, capacity=10, starts_in=None,
                 deadline_in=None, cancelled=0, reason="", starts_at=None, ends_at=None):
    """Insert an activity directly (no staff pages yet); returns its id.
    starts_in / deadline_in are offsets from now as datetime.timedelta."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    start = now + (starts_in or datetime.timedelta(days=5))
    end = start + datetime.timedelta(hours=2)
    deadline = now + (deadline_in if deadline_in is not None else datetime.timedelta(days=4))
    return srv.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place,"
        " district_id, capacity, deadline, cancelled, cancel_reason, sample,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 0, ?, ?)",
        (title, "第一段介绍。\n第二段介绍。", starts_at or iso(start), ends_at or iso(end),
         "测试地点", capacity, iso(deadline), cancelled, reason, iso(now), iso(now)))


def fields(**kw):
    f = {"_token": TOKEN, "name": "李四", "phone": next(PHONES), "consent": "1"}
    f.update(kw)
    return [(k, v) for k, v in f.items() if v is not None]


def signup(aid, srv=None, **kw):
    """POST a sign-up; returns (response, fields sent)."""
    f = fields(**kw)
    return (srv or S).post("/volunteer/%d/signup" % aid, f), dict(f)


def signup_ok(aid, **kw):
    """A sign-up that must succeed: returns (ref, token, confirmation page text)."""
    r, f = signup(aid, **kw)
    assert r.status == 303, r
    loc = r.header("Location")
    m = re.fullmatch(r"/volunteer/signup/(ZY[2-9A-HJKMNP-Z]{8})\?t=([0-9a-f]{32})", loc)
    assert m, loc
    page = S.get(loc)
    assert page.status == 200, page
    return m.group(1), m.group(2), page.text


def status_of(ref):
    return S.sql("SELECT status FROM signups WHERE ref = ?", (ref,))[0][0]


def count(sql, args=()):
    return S.sql(sql, args)[0][0]


def field_block(html, name):
    """The markup of one form field (its div or fieldset)."""
    i = html.index('id="f-%s"' % name)
    div, fs = html.rfind("<div", 0, i), html.rfind("<fieldset", 0, i)
    if fs > div:
        return html[fs:html.index("</fieldset>", i)]
    return html[div:html.index("</div>\n", i)]


# ---- the list and the activity page ----

def test_list_shows_sample_activities_with_places_left():
    r = S.get("/volunteer")
    assert r.status == 200, r
    t = r.text
    for title in ["骑手安全骑行培训", "劳动法律咨询进驿站", "户外劳动者送清凉"]:
        assert title in t, title
    assert t.count('<span class="tag sample">示例</span>') >= 4, t
    assert "还剩 30 个名额" in t and "还剩 3 个名额" in t
    # Upcoming first, shown in Shanghai time ("…月…日 周… HH:MM").
    assert t.index("骑手安全骑行培训") < t.index("劳动法律咨询进驿站") < t.index("户外劳动者送清凉")
    assert re.search(r"\d+月\d+日 周[一二三四五六日] \d\d:\d\d", t), t


def test_samples_are_loaded_once_and_only_into_an_empty_database():
    rows = S.sql("SELECT title, sample, capacity, starts_at > ?, deadline <= starts_at"
                 " FROM activities WHERE sample = 1 ORDER BY id",
                 (iso(datetime.datetime.now(datetime.timezone.utc)),))
    assert 3 <= len(rows) <= 4, rows
    assert all(s == 1 and future == 1 and ordered == 1 for _, s, _, future, ordered in rows), rows
    assert min(c for _, _, c, _, _ in rows) <= 5, "one sample has few places"
    # Starting again with samples on a database that has activities adds none.
    d = tempfile.mkdtemp(prefix="zhijia-samples-")
    db = os.path.join(d, "copy.db")
    src = sqlite3.connect(S.db, timeout=10)
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    before = sqlite3.connect(db).execute("SELECT count(*) FROM activities").fetchone()[0]
    sock = os.path.join(d, "s.sock")
    env = dict(os.environ, ZHIJIA_SAMPLES="1", ZHIJIA_ADMIN_PASSWORD="x-password-1")
    srv = subprocess.Popen([os.path.join(TOP, "build/zhijia"), "serve", "--socket", sock,
                            "--db", db, "--workers", "1"], env=env,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while not os.path.exists(sock) and time.time() < deadline and srv.poll() is None:
        time.sleep(0.05)
    srv.send_signal(signal.SIGTERM)
    err = srv.communicate(timeout=30)[1]
    assert srv.returncode == 0, err
    after = sqlite3.connect(db).execute("SELECT count(*) FROM activities").fetchone()[0]
    assert after == before, (before, after, err)
    shutil.rmtree(d)


def test_activity_page_shows_description_and_the_form_labels():
    r = S.get("/volunteer/2")
    assert r.status == 200, r
    t = r.text
    assert "劳动法律咨询进驿站" in t and "工会律师" in t and "示例" in t
    for name, label in [("name", "姓名"), ("phone", "手机号"), ("note", "备注"),
                        ("consent", "同意处理个人信息")]:
        assert re.search(r'<label for="f-%s">%s' % (name, label), t), label
    assert "<legend>特长</legend>" in t
    for i, skill in enumerate(["法律", "心理", "医疗", "教育培训", "文艺", "其他"]):
        assert ('type="checkbox" name="skills" id="f-skills-%d" value="%s"' % (i, skill)) in t, skill
    assert 'href="/privacy"' in t
    assert "身份证" not in t, "volunteers give no ID number"
    assert 'action="/volunteer/2/signup"' in t and form_value(t, "_token")


def test_activity_id_must_be_digits_and_known():
    for p in ["/volunteer/abc", "/volunteer/99999", "/volunteer/1x", "/volunteer/-1",
              "/volunteer/0", "/volunteer/99999999999999999999"]:
        assert S.get(p).status == 404, p
    for p in ["/volunteer/abc/signup", "/volunteer/99999/signup"]:
        r = S.post(p, fields())
        assert r.status == 404, (p, r)
    assert count("SELECT count(*) FROM signups WHERE activity_id NOT IN"
                 " (SELECT id FROM activities)") == 0


def test_times_are_shown_in_shanghai_time():
    aid = add_activity(S, "时区测试活动", starts_at="2030-12-01T01:00:00Z",
                       ends_at="2030-12-01T03:30:00Z",
                       deadline_in=datetime.timedelta(days=3000))
    t = S.get("/volunteer/%d" % aid).text
    assert "2030年12月1日 周日 09:00–11:30" in t, t


# ---- signing up ----

def test_valid_signup_is_confirmed_with_reference_and_private_cancel_link():
    before = count("SELECT count(*) FROM signups WHERE activity_id = 1 AND status = '已确认'")
    ref, token, page = signup_ok(1, name="王五", phone="13912345678",
                                 skills=["法律", "医疗"], note="周末有空")
    assert ref in page and "已确认" in page and "骑手安全骑行培训" in page
    assert ('href="/volunteer/signup/%s/cancel?t=%s"' % (ref, token)) in page
    row = S.sql("SELECT name, phone, skills, note, status, cancel_hash FROM signups"
                " WHERE ref = ?", (ref,))[0]
    assert row[:5] == ("王五", "13912345678", "法律、医疗", "周末有空", "已确认"), row
    # Only the token's SHA-256 is stored.
    assert row[5] == hashlib.sha256(token.encode()).hexdigest()
    assert count("SELECT count(*) FROM signups WHERE cancel_hash = ?", (token,)) == 0
    ev = S.sql("SELECT status, public FROM events WHERE ref = ?", (ref,))
    assert ev == [("已确认", 1)], ev
    # The list counts the place.
    assert "还剩 %d 个名额" % (30 - before - 1) in S.get("/volunteer").text


def test_confirmation_needs_its_token():
    ref, token, _ = signup_ok(1)
    assert S.get("/volunteer/signup/%s" % ref).status == 404
    assert S.get("/volunteer/signup/%s?t=%s" % (ref, "0" * 32)).status == 404
    assert S.get("/volunteer/signup/ZY22222222?t=%s" % token).status == 404
    assert S.get("/volunteer/signup/%s?t=%s" % (ref, token)).status == 200


def test_second_signup_with_the_same_phone_is_refused_beside_the_phone():
    signup_ok(3, phone="13700001111")
    n = count("SELECT count(*) FROM signups")
    r, _ = signup(3, phone="13700001111", name="重复的人")
    assert r.status == 422, r
    block = field_block(r.text, "phone")
    assert "已经报名" in block, block
    assert 'value="13700001111"' in block and 'value="重复的人"' in r.text
    assert count("SELECT count(*) FROM signups") == n
    # The same phone may sign up for another activity.
    signup_ok(4, phone="13700001111")


def test_wrong_input_is_422_with_input_kept_and_nothing_stored():
    n = count("SELECT count(*) FROM signups")
    e = count("SELECT count(*) FROM events")
    r = S.post("/volunteer/1/signup", [
        ("_token", TOKEN), ("name", "<script>alert(1)</script>" + "长" * 60),
        ("phone", "12345"), ("skills", "心理"), ("skills", "黑客"),
        ("note", "备" * 501)])
    assert r.status == 422, r
    t = r.text
    assert "<script>alert(1)" not in t and "&lt;script&gt;alert(1)&lt;/script&gt;" in t
    assert "姓名最多 50 个字" in field_block(t, "name")
    assert "手机号应为 11 位数字" in field_block(t, "phone")
    assert "请从列表中选择特长" in field_block(t, "skills")
    assert "备注最多 500 个字" in field_block(t, "note")
    assert "请勾选“同意处理个人信息”" in field_block(t, "consent")
    assert 'value="12345"' in t
    assert 'value="心理" checked' in t
    assert 'id="summary"' in t and "有 5 处需要修改" in t
    assert count("SELECT count(*) FROM signups") == n
    assert count("SELECT count(*) FROM events") == e


def test_missing_form_token_or_filled_honeypot_is_422_and_nothing_stored():
    n = count("SELECT count(*) FROM signups")
    r = S.post("/volunteer/1/signup", [(k, v) for k, v in fields(name="赵六") if k != "_token"])
    assert r.status == 422, r
    assert "页面已过期" in r.text and 'value="赵六"' in r.text
    r, _ = signup(1, website="http://spam.example")
    assert r.status == 422 and "网址" in r.text, r
    assert count("SELECT count(*) FROM signups") == n


# ---- places, wait-list, cancelling ----

def test_full_activity_puts_signups_on_the_waitlist_with_their_position():
    aid = add_activity(S, "两个名额的活动", capacity=2)
    got = [signup_ok(aid) for _ in range(4)]
    assert "已确认" in got[0][2] and "已确认" in got[1][2]
    assert "候补第 1 位" in got[2][2] and "候补第 2 位" in got[3][2]
    assert [status_of(g[0]) for g in got] == ["已确认", "已确认", "候补", "候补"]
    ev = S.sql("SELECT status, note FROM events WHERE ref = ?", (got[3][0],))
    assert ev[0][0] == "候补" and "候补第 2 位" in ev[0][1], ev
    lst = S.get("/volunteer").text
    i = lst.index("两个名额的活动")
    assert "已满,可候补" in lst[i:i + 600]
    page = S.get("/volunteer/%d" % aid).text
    assert "已满" in page and "候补" in page and "报名候补" in page


def test_cancel_frees_the_place_and_confirms_the_first_on_the_waitlist():
    aid = add_activity(S, "取消递补测试", capacity=1)
    first, t1, _ = signup_ok(aid)
    w1, tw1, _ = signup_ok(aid)
    w2, tw2, _ = signup_ok(aid)
    assert [status_of(x) for x in (first, w1, w2)] == ["已确认", "候补", "候补"]
    # The cancel page asks first and changes nothing on GET.
    page = S.get("/volunteer/signup/%s/cancel?t=%s" % (first, t1))
    assert page.status == 200, page
    assert "确认取消报名" in page.text and form_value(page.text, "t") == t1
    assert status_of(first) == "已确认"
    r = S.post("/volunteer/signup/%s/cancel" % first, {"t": t1})
    assert r.status == 303, r
    assert r.header("Location") == "/volunteer/signup/%s?t=%s" % (first, t1)
    assert [status_of(x) for x in (first, w1, w2)] == ["已取消", "已确认", "候补"]
    assert count("SELECT count(*) FROM signups WHERE activity_id = ? AND status = '已确认'",
                 (aid,)) == 1
    assert S.sql("SELECT status FROM events WHERE ref = ? ORDER BY id", (first,)) == \
        [("已确认",), ("已取消",)]
    assert S.sql("SELECT status, note FROM events WHERE ref = ? ORDER BY id", (w1,))[-1] == \
        ("已确认", "候补转为正式")
    # What each of them now sees.
    assert "报名已取消" in S.get(r.header("Location")).text
    assert "已确认" in S.get("/volunteer/signup/%s?t=%s" % (w1, tw1)).text
    assert "候补第 1 位" in S.get("/volunteer/signup/%s?t=%s" % (w2, tw2)).text
    # Cancelling again says so and promotes nobody else.
    again = S.get("/volunteer/signup/%s/cancel?t=%s" % (first, t1))
    assert again.status == 200 and "已经取消" in again.text and "确认取消报名" not in again.text
    r = S.post("/volunteer/signup/%s/cancel" % first, {"t": t1})
    assert r.status == 303, r
    assert [status_of(x) for x in (first, w1, w2)] == ["已取消", "已确认", "候补"]
    # The freed phone may sign up again.
    phone = S.sql("SELECT phone FROM signups WHERE ref = ?", (first,))[0][0]
    ref, _, page = signup_ok(aid, phone=phone)
    assert "候补第 2 位" in page


def test_cancelling_a_waitlisted_signup_promotes_nobody():
    aid = add_activity(S, "候补取消测试", capacity=1)
    a, _, _ = signup_ok(aid)
    b, tb, _ = signup_ok(aid)
    c, tc, _ = signup_ok(aid)
    r = S.post("/volunteer/signup/%s/cancel" % b, {"t": tb})
    assert r.status == 303, r
    assert [status_of(x) for x in (a, b, c)] == ["已确认", "已取消", "候补"]
    assert "候补第 1 位" in S.get("/volunteer/signup/%s?t=%s" % (c, tc)).text


def test_wrong_cancel_token_is_404_and_changes_nothing():
    aid = add_activity(S, "错误令牌测试", capacity=1)
    ref, token, _ = signup_ok(aid)
    wrong = ("f" if token[0] != "f" else "e") + token[1:]
    for path in ["/volunteer/signup/%s/cancel?t=%s" % (ref, wrong),
                 "/volunteer/signup/%s/cancel" % ref,
                 "/volunteer/signup/%s/cancel?t=%s" % (ref, token.upper()),
                 "/volunteer/signup/ZY22222222/cancel?t=%s" % token,
                 "/volunteer/signup/nonsense/cancel?t=%s" % token]:
        assert S.get(path).status == 404, path
    assert S.post("/volunteer/signup/%s/cancel" % ref, {"t": wrong}).status == 404
    assert S.post("/volunteer/signup/%s/cancel" % ref, {}).status == 404
    assert S.post("/volunteer/signup/%s/cancel" % ref, {"t": token[:31]}).status == 404
    assert status_of(ref) == "已确认"


# ---- closed sign-ups ----

def test_signup_is_closed_after_the_deadline():
    aid = add_activity(S, "已截止的活动", deadline_in=datetime.timedelta(hours=-1))
    page = S.get("/volunteer/%d" % aid)
    assert page.status == 200 and "报名已关闭" in page.text and "截止" in page.text
    assert 'name="phone"' not in page.text
    r, _ = signup(aid)
    assert r.status == 422, r
    assert "截止" in r.text
    assert count("SELECT count(*) FROM signups WHERE activity_id = ?", (aid,)) == 0
    lst = S.get("/volunteer").text
    assert "已截止的活动" in lst and lst.index("已截止的活动") > lst.index("已结束或已取消")


def test_cancelled_activity_is_closed_and_says_why():
    aid = add_activity(S, "因故取消的活动", cancelled=1, reason="受台风影响,活动取消")
    page = S.get("/volunteer/%d" % aid).text
    assert "本活动已取消" in page and "受台风影响,活动取消" in page
    assert 'name="phone"' not in page
    r, _ = signup(aid)
    assert r.status == 422 and "受台风影响" in r.text, r
    assert count("SELECT count(*) FROM signups WHERE activity_id = ?", (aid,)) == 0
    lst = S.get("/volunteer").text
    i = lst.index("因故取消的活动")
    assert i > lst.index("已结束或已取消") and "已取消" in lst[i:i + 300]


def test_past_activity_is_not_listed_as_open():
    aid = add_activity(S, "上周的活动", starts_in=datetime.timedelta(days=-7),
                       deadline_in=datetime.timedelta(days=-8))
    lst = S.get("/volunteer").text
    assert lst.index("上周的活动") > lst.index("已结束或已取消")
    r, _ = signup(aid)
    assert r.status == 422 and "已结束" in r.text, r


# ---- many people at once ----

def test_200_people_for_50_places_at_once_never_overbook():
    srv = Server(workers=4)
    try:
        aid = add_activity(srv, "五十个名额的活动", capacity=50)
        token = srv.token("/volunteer/%d" % aid)
        n = 200
        barrier = threading.Barrier(n, timeout=30)
        results = [None] * n

        def one(i):
            body = [("_token", token), ("name", "志愿者%d" % i),
                    ("phone", "1860000%04d" % i), ("consent", "1")]
            try:
                barrier.wait()
                r = srv.post("/volunteer/%d/signup" % aid, body)
                results[i] = (r.status, r.header("Location"))
            except Exception as e:  # recorded, asserted below
                results[i] = (repr(e), None)

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        join_all(threads, 90, "requests")
        statuses = [r[0] for r in results]
        assert statuses == [303] * n, sorted(set(map(str, statuses)))
        rows = srv.sql("SELECT status, count(*) FROM signups WHERE activity_id = ?"
                       " GROUP BY status ORDER BY status", (aid,))
        assert dict(rows) == {"已确认": 50, "候补": 150}, rows
        # Each wait-listed person was told a different place in the line.
        notes = srv.sql("SELECT e.note FROM events e JOIN signups s ON s.ref = e.ref"
                        " WHERE s.activity_id = ? AND e.status = '候补'", (aid,))
        told = sorted(int(re.search(r"候补第 (\d+) 位", x).group(1)) for (x,) in notes)
        assert told == list(range(1, 151)), told
        # And the confirmation pages agree.
        shown = []
        for status, loc in results:
            t = srv.get(loc).text
            m = re.search(r"候补第 (\d+) 位", t)
            if m:
                shown.append(int(m.group(1)))
            else:
                assert "报名成功,名额已确认" in t, t[:300]
        assert sorted(shown) == list(range(1, 151)), shown
        assert "已满,可候补" in srv.get("/volunteer").text
    finally:
        srv.stop()


if __name__ == "__main__":
    run(globals())
