#!/usr/bin/env python3
"""t1400: 驿站评价 — a worker rates the station whose QR code they scanned
(/s/{code}/rate): the form by label, every wrong input refused beside its
field with nothing stored, the same page sent twice stored once, one draw
entry per phone per station per month (a repeat is answered byte for byte
like any rating and stored without its phone: no oracle of who rated
where), 404 for unknown or retired stations; the
staff page /staff/ratings: averages equal what this test computes from
what it sent, comments escaped and walled by district; the monthly draw:
only for a finished month, among raters who left a phone (one entry per
phone), reproducible from the stored seed by an independent implementation
of the algorithm draw.h describes, one per district and month, audited,
winners' phones masked for everyone but admins."""
import hashlib
import hmac
import re
import time

from harness import (Server, errors, error_of, form_value, new_phone, now_iso, run, unescape)

S = None
WHO = {}


def setup_module():
    global S
    S = Server(workers=2)
    now = now_iso()
    for code, name, district, active in (("WJ01", "望京驿站", "110105", 1),
                                         ("SLT02", "三里屯驿站", "110105", 1),
                                         ("HD01", "中关村驿站", "110108", 1),
                                         ("OLD01", "已撤销驿站", "110105", 0)):
        S.sql_exec("INSERT INTO stations (code, name, district_id, active, created_at)"
                   " VALUES (?, ?, ?, ?, ?)", (code, name, S.district(district), active, now))
    WHO["admin"], WHO["rev105"], WHO["rev108"], WHO["law105"] = S.staff_desk(
        ("rev105", "reviewer", "110105"), ("rev108", "reviewer", "110108"),
        ("law105", "legal", "110105"))


def phone():
    return new_phone("1390000")


def rating(code, scores=(5, 4, 3, 2), comment="", tel="", token=None, **over):
    f = {"_token": token or S.token("/s/%s/rate" % code), "website": "",
         "facilities": str(scores[0]), "hygiene": str(scores[1]),
         "service": str(scores[2]), "convenience": str(scores[3]),
         "comment": comment, "phone": tel}
    f.update(over)
    return S.post("/s/%s/rate" % code, {k: v for k, v in f.items() if v is not None})


def count():
    return S.value("SELECT count(*) FROM station_ratings")


def this_month():
    return time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))


def last_month():
    y, m = map(int, this_month().split("-"))
    return "%04d-%02d" % (y - (m == 1), 12 if m == 1 else m - 1)


def table(html, table_id):
    """The rows of the table with this id: [[cell text, …], …] (body and foot)."""
    m = re.search(r'<table[^>]*id="%s"[^>]*>(.*?)</table>' % re.escape(table_id), html, re.S)
    assert m, "no table %s" % table_id
    body = re.sub(r"<thead>.*?</thead>", "", m.group(1), flags=re.S)
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
    return rows


# ---- the form ----

def test_the_form_names_each_score_and_field_by_label():
    r = S.get("/s/WJ01/rate")
    assert r.status == 200, r
    t = r.text
    assert "望京驿站" in t and "评价这个驿站" in t
    for name, legend in (("facilities", "设施"), ("hygiene", "卫生"), ("service", "服务"),
                         ("convenience", "便利")):
        assert re.search(r'<fieldset[^>]*id="f-%s"[^>]*>\s*<legend>%s' % (name, legend), t), name
        # five radios, each a label a person can click, stars as text
        radios = re.findall(r'<label><input type="radio" name="%s" id="f-%s-\d" value="(\d)">'
                            r'\s*<span class="star" aria-hidden="true">([★☆]{5})</span> (\d) 分'
                            % (name, name), t)
        assert [v for v, _, _ in radios] == ["1", "2", "3", "4", "5"], radios
        assert [s.count("★") for _, s, _ in radios] == [1, 2, 3, 4, 5]
    assert '<label for="f-comment">意见建议</label>' in t
    assert '<label for="f-phone">手机号</label>' in t
    assert "抽奖" in t and 'type="tel"' in t
    assert "<script" not in t and len(r.body) <= 30 * 1024


def test_unknown_or_retired_stations_are_the_404_page():
    before = count()
    for code in ("NOPE", "OLD01", "wj01", "WJ01%27", "x" * 40):
        for path in ("/s/%s/rate" % code, "/s/%s/rate/done" % code):
            assert S.get(path).status == 404, path
        r = S.post("/s/%s/rate" % code, {"_token": S.token("/s/WJ01/rate"), "facilities": "5",
                                         "hygiene": "5", "service": "5", "convenience": "5"})
        assert r.status == 404, (code, r)
    assert count() == before


# ---- wrong inputs ----

def test_each_wrong_input_is_refused_beside_its_field_and_nothing_is_stored():
    before = count()
    cases = [
        ({"facilities": None}, "facilities", "请选择设施"),
        ({"hygiene": ""}, "hygiene", "请选择卫生"),
        ({"service": "6"}, "service", "请从列表中选择服务"),
        ({"convenience": "0"}, "convenience", "请从列表中选择便利"),
        ({"facilities": "五"}, "facilities", "请从列表中选择设施"),
        ({"comment": "好" * 201}, "comment", "意见建议最多 200 个字"),
        ({"phone": "12345"}, "phone", None),
        ({"phone": "23800138000"}, "phone", None),
    ]
    for over, field, message in cases:
        values = {"comment": "保留的意见", "tel": "13800000001"}
        if "comment" in over:
            values["comment"] = over.pop("comment")
        if "phone" in over:
            values["tel"] = over.pop("phone")
        r = rating("WJ01", **values, **over)
        assert r.status == 422, (over, r)
        err = error_of(r.text, field)
        assert err, (over, errors(r.text))
        if message:
            assert message in err, (over, err)
        assert set(errors(r.text)) == {field}, (over, errors(r.text))
        # the input is kept
        if field != "comment":
            assert "保留的意见</textarea>" in r.text
        if field != "phone":
            assert form_value(r.text, "phone") == "13800000001"
    # two wrong at once: both named, and the summary lists them
    r = rating("WJ01", tel="1", facilities="9")
    assert r.status == 422 and set(errors(r.text)) == {"facilities", "phone"}
    assert "有 2 处需要修改" in r.text
    # exactly 200 characters is fine
    assert rating("WJ01", comment="好" * 200).status == 303
    assert count() == before + 1


def test_the_token_and_honeypot_guard_the_form():
    before = count()
    r = rating("WJ01", token="1.deadbeef.00")
    assert r.status == 422 and "页面已过期" in r.text, r
    assert form_value(r.text, "_token") not in (None, "1.deadbeef.00")
    r = rating("WJ01", website="http://spam.example")
    assert r.status == 422 and "网址" in r.text
    # another form's token is not this one's
    r = rating("WJ01", token=S.token("/join"))
    assert r.status == 422
    r = S.post_raw("/s/WJ01/rate", b"_token=x&facilities=%ff%fe&hygiene=5")
    assert r.status == 400, r
    r = S.post_raw("/s/WJ01/rate", b"_token=x&comment=a%01b")
    assert r.status == 400, r
    assert count() == before


# ---- storing ----

def test_a_rating_is_stored_and_the_same_page_sent_twice_is_stored_once():
    tel = phone()
    tok = S.token("/s/HD01/rate")
    r = rating("HD01", (4, 5, 3, 1), "饮水机坏了,<script>alert(1)</script>", tel, token=tok)
    assert r.status == 303, r
    assert r.header("Location") == "/s/HD01/rate/done?draw=1", r.header("Location")
    page = S.get(r.header("Location")).text
    assert "感谢您的评价" in page and "中关村驿站" in page and "抽奖" in page
    again = rating("HD01", (4, 5, 3, 1), "饮水机坏了,<script>alert(1)</script>", tel, token=tok)
    assert again.status == 303 and again.header("Location") == r.header("Location")
    rows = S.sql("SELECT station_id, district_id, month, facilities, hygiene, service,"
                 " convenience, comment, phone FROM station_ratings WHERE phone = ?", (tel,))
    assert len(rows) == 1, rows
    st = S.value("SELECT id FROM stations WHERE code = 'HD01'")
    assert rows[0] == (st, S.district("110108"), this_month(), 4, 5, 3, 1,
                       "饮水机坏了,<script>alert(1)</script>", tel)
    # without a phone: anonymous, no draw, never refused
    r1 = rating("HD01", (1, 1, 1, 1))
    r2 = rating("HD01", (2, 2, 2, 2))
    assert r1.status == r2.status == 303
    assert r1.header("Location") == "/s/HD01/rate/done"
    assert "您已参加" not in S.get("/s/HD01/rate/done").text


def shape(r):
    """What a person (or a prober) sees of an answer to a rating: status,
    headers but the date, the body, form tokens blanked; then the page it
    leads to, tokens blanked."""
    def blank(b):
        return re.sub(rb'name="_token" value="[^"]*"', b'name="_token" value="TOKEN"', b)
    heads = sorted((k.lower(), v) for k, v in r.headers if k.lower() != "date")
    page = S.get(r.header("Location")) if r.header("Location") else None
    return (r.status, heads, blank(r.body),
            page and (page.status, blank(page.body)))


def test_a_repeat_by_phone_is_answered_like_any_rating_and_stored_without_it():
    tel, fresh = phone(), phone()
    st = S.value("SELECT id FROM stations WHERE code = 'WJ01'")
    first = rating("WJ01", (5, 5, 5, 5), "第一次", tel)
    assert first.status == 303, first
    before = count()
    # the prober: the rater's phone again; the control: a phone never seen
    probe = rating("WJ01", (1, 2, 3, 4), "第二次", tel)
    control = rating("WJ01", (1, 2, 3, 4), "第二次", fresh)
    assert probe.status == 303 and probe.header("Location") == "/s/WJ01/rate/done?draw=1"
    assert shape(probe) == shape(control), (probe, control)
    assert shape(probe) == shape(first)
    assert count() == before + 2
    # the repeat is kept as an anonymous rating, its scores and comment counted
    rows = S.sql("SELECT phone, facilities, hygiene, service, convenience, comment"
                 " FROM station_ratings WHERE station_id = ? AND comment = '第二次'"
                 " ORDER BY id", (st,))
    assert rows == [("", 1, 2, 3, 4, "第二次"), (fresh, 1, 2, 3, 4, "第二次")], rows
    # the phone holds its one draw entry: its first rating, untouched
    assert S.sql("SELECT comment, facilities FROM station_ratings WHERE phone = ?"
                 " AND station_id = ?", (tel, st)) == [("第一次", 5)]
    # the same page sent twice is still stored once
    tok = S.token("/s/WJ01/rate")
    a = rating("WJ01", (3, 3, 3, 3), "同一页", tel, token=tok)
    b = rating("WJ01", (3, 3, 3, 3), "同一页", tel, token=tok)
    assert a.status == b.status == 303
    assert S.value("SELECT count(*) FROM station_ratings WHERE comment = '同一页'") == 1
    # the same phone may rate another station, with its own draw entry there
    assert rating("SLT02", tel=tel).status == 303
    assert S.value("SELECT count(*) FROM station_ratings WHERE phone = ?", (tel,)) == 2
    # the staff page counts the entrant once for this month
    page = WHO["rev105"].get("/staff/ratings").text
    n = S.value("SELECT count(DISTINCT phone) FROM station_ratings WHERE month = ?"
                " AND district_id = ? AND phone <> ''", (this_month(), S.district("110105")))
    assert re.search(r"参加抽奖:<b>%d</b>" % n, page), n


def test_ten_concurrent_pages_with_one_phone_store_one_draw_entry():
    import threading
    tel = phone()
    st = S.value("SELECT id FROM stations WHERE code = 'SLT02'")
    before = S.value("SELECT count(*) FROM station_ratings WHERE station_id = ?", (st,))
    toks = [S.token("/s/SLT02/rate") for _ in range(10)]
    answers = []

    def send(t):
        r = rating("SLT02", tel=tel, token=t)
        answers.append((r.status, r.header("Location")))
    threads = [threading.Thread(target=send, args=(t,)) for t in toks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == [(303, "/s/SLT02/rate/done?draw=1")] * 10, answers
    assert S.value("SELECT count(*) FROM station_ratings WHERE phone = ?", (tel,)) == 1
    assert S.value("SELECT count(*) FROM station_ratings WHERE station_id = ?",
                   (st,)) == before + 10


# ---- staff: averages and comments ----

def sent_this_month(codes):
    """What this suite stored this month for stations codes, from the
    database rows it made through the form."""
    return S.sql("SELECT s.name, r.facilities, r.hygiene, r.service, r.convenience, r.comment"
                 " FROM station_ratings r JOIN stations s ON s.id = r.station_id"
                 " WHERE r.month = ? AND s.code IN (%s)" % ",".join("?" * len(codes)),
                 [this_month()] + list(codes))


def test_staff_averages_equal_what_the_test_computes():
    sent = {"WJ01": [(5, 4, 3, 2), (3, 3, 3, 3), (4, 5, 5, 1)], "SLT02": [(2, 2, 4, 5)],
            "HD01": [(5, 5, 5, 4), (1, 2, 2, 3)]}
    for code, scores in sent.items():
        for s in scores:
            assert rating(code, s, "", phone()).status == 303
    # what the test computes: every rating of this month it sent (earlier tests too)
    expect = {}
    for name, *scores in S.sql(
            "SELECT s.name, r.facilities, r.hygiene, r.service, r.convenience"
            " FROM station_ratings r JOIN stations s ON s.id = r.station_id"
            " WHERE r.month = ?", (this_month(),)):
        expect.setdefault(name, []).append(scores)

    def avg(rows, i):
        return "%.2f" % (sum(r[i] for r in rows) / len(rows))

    rows = table(WHO["admin"].get("/staff/ratings").text, "averages")
    got = {r[0]: r for r in rows}
    for name, rs in expect.items():
        row = got[name]
        assert row[2] == str(len(rs)), (name, row)
        assert row[3:7] == [avg(rs, i) for i in range(4)], (name, row, rs)
        assert row[7] == "%.2f" % (sum(map(sum, rs)) / (4 * len(rs))), row
    every = [r for rs in expect.values() for r in rs]
    assert got["合计"][2] == str(len(every))
    assert got["合计"][3:7] == [avg(every, i) for i in range(4)]
    # the reviewer of 朝阳区 sees only its stations
    mine = {r[0] for r in table(WHO["rev105"].get("/staff/ratings").text, "averages")}
    assert mine == {"望京驿站", "三里屯驿站", "合计"}, mine
    # the month is chosen; a month without ratings says so
    page = WHO["admin"].get("/staff/ratings?month=2020-01").text
    assert "2020年1月还没有驿站评价" in page
    assert WHO["admin"].get("/staff/ratings?month=" + this_month()).text.count("望京驿站") >= 1


def test_comments_are_escaped_newest_first_masked_and_walled():
    tel = phone()
    assert rating("WJ01", (3, 3, 3, 3), "第一条 \"引号\" & <i>斜体</i>", tel).status == 303
    assert rating("HD01", (3, 3, 3, 3), "海淀的意见", phone()).status == 303
    assert rating("WJ01", (4, 4, 4, 4), "最新一条").status == 303
    page = WHO["admin"].get("/staff/ratings").text
    assert "<i>斜体</i>" not in page and "&lt;i&gt;斜体&lt;/i&gt;" in page
    assert "<script>alert(1)</script>" not in page
    rows = table(page, "comments")
    texts = [r[4] for r in rows]
    assert texts.index("最新一条") < texts.index("第一条 \"引号\" & <i>斜体</i>")
    masked = tel[:3] + "****" + tel[7:]
    assert masked in page and tel not in page
    assert "海淀的意见" in page
    rev = WHO["rev105"].get("/staff/ratings").text
    assert "最新一条" in rev and "海淀的意见" not in rev and "中关村驿站" not in rev
    # a legal officer has no business here
    assert WHO["law105"].get("/staff/ratings").status == 404


def test_comments_come_fifty_a_page():
    st, d = S.sql("SELECT id, district_id FROM stations WHERE code = 'SLT02'")[0]
    for i in range(55):
        S.sql_exec("INSERT INTO station_ratings (station_id, district_id, month, facilities,"
                   " hygiene, service, convenience, comment, created_at)"
                   " VALUES (?, ?, '2024-05', 3, 3, 3, 3, ?, '2024-05-10T04:00:00Z')",
                   (st, d, "第%02d条意见" % i))
    page = WHO["rev105"].get("/staff/ratings?month=2024-05").text
    rows = table(page, "comments")
    assert len(rows) == 50 and rows[0][4] == "第54条意见" and rows[-1][4] == "第05条意见"
    nxt = re.search(r'<a href="([^"]+)">下一页', page)
    assert nxt, "no next page"
    page2 = WHO["rev105"].get(unescape(nxt.group(1))).text
    assert [r[4] for r in table(page2, "comments")] == ["第%02d条意见" % i for i in range(4, -1, -1)]
    assert "最新一页" in page2 and "下一页" not in page2
    for bad in ("2024-5-", "2024-13", "24-05", "2024/05", "x"):
        r = WHO["rev105"].get("/staff/ratings?month=" + bad)
        assert r.status == 200 and "驿站评价 · %d年%d月" % tuple(map(int, this_month().split("-"))) \
            in r.text, bad


# ---- the draw ----

def stream(seed):
    k = 0
    while True:
        b = hmac.new(seed.encode(), k.to_bytes(8, "big"), hashlib.sha256).digest()
        for i in range(4):
            yield int.from_bytes(b[8 * i:8 * i + 8], "big")
        k += 1


def below(g, m):
    if m <= 1:
        return 0
    rest = (1 << 64) % m
    while True:
        x = next(g)
        if x < (1 << 64) - rest:
            return x % m


def shuffle(seed, ids):
    """draw.h's algorithm, written again from its description."""
    e, g = list(ids), stream(seed)
    for i in range(len(e) - 1, 0, -1):
        j = below(g, i + 1)
        e[i], e[j] = e[j], e[i]
    return e


def past_rating(code, tel, month, day=3):
    """A rating of a past month (the form stores only this month's)."""
    st, d = S.sql("SELECT id, district_id FROM stations WHERE code = ?", (code,))[0]
    return S.sql_exec("INSERT INTO station_ratings (station_id, district_id, month, facilities,"
                      " hygiene, service, convenience, comment, phone, created_at)"
                      " VALUES (?, ?, ?, 4, 4, 4, 4, '', ?, ?)",
                      (st, d, month, tel, "%s-%02dT04:00:00Z" % (month, day)))


def draw(client, month, district_code, winners):
    return client.post("/staff/ratings/draw", {"month": month, "district":
                                               str(S.district(district_code)),
                                               "winners": str(winners)})


def draws():
    return S.value("SELECT count(*) FROM rating_draws")


def test_the_draw_is_refused_for_this_month_and_for_wrong_input():
    assert rating("WJ01", tel=phone()).status == 303
    r = draw(WHO["admin"], this_month(), "110105", 1)
    assert r.status == 422 and "尚未结束" in r.text, r
    page = WHO["admin"].get("/staff/ratings").text
    assert "尚未结束" in page and 'action="/staff/ratings/draw"' not in page
    month = "2025-03"
    past_rating("WJ01", phone(), month)
    for winners, why in (("0", "中奖人数须在 1 到 100 之间"), ("abc", "中奖人数须为整数"),
                         ("101", "中奖人数须在 1 到 100 之间"), ("", "请填写中奖人数")):
        r = WHO["admin"].post("/staff/ratings/draw", {"month": month, "winners": winners,
                                                      "district": str(S.district("110105"))})
        assert r.status == 422 and why in r.text, (winners, r)
    r = draw(WHO["admin"], month, "110105", 2)
    assert r.status == 422 and "只有 1 人参加抽奖" in r.text, r
    r = draw(WHO["admin"], "2025-04", "110105", 1)   # nobody left a phone
    assert r.status == 422 and "没有留下手机号" in r.text, r
    r = WHO["admin"].post("/staff/ratings/draw", {"month": "2025-13", "winners": "1",
                                                  "district": str(S.district("110105"))})
    assert r.status == 422
    assert draws() == 0
    # a reviewer cannot draw another district's month; a legal officer none
    assert draw(WHO["rev108"], month, "110105", 1).status == 404
    assert draw(WHO["law105"], month, "110105", 1).status == 404
    assert draws() == 0


def test_the_draw_is_reproducible_among_raters_with_phones_once_per_district_month():
    month = last_month()
    ids, phones = [], {}
    for i in range(9):
        tel = "1370000%04d" % (i % 7)          # two phones rate twice: 7 entrants
        code = "WJ01" if i % 2 else "SLT02"
        rid = past_rating(code, tel, month, day=1 + i)
        ids.append(rid)
        phones.setdefault(tel, rid)             # the phone's first rating
    for _ in range(3):                          # no phone: never an entrant
        past_rating("WJ01", "", month)
    hd = [past_rating("HD01", "1360000%04d" % i, month) for i in range(3)]
    page = WHO["rev105"].get("/staff/ratings?month=" + month).text
    assert re.search(r"参加抽奖:<b>7</b>", page), page[:300]
    r = draw(WHO["rev105"], month, "110105", 3)
    assert r.status == 303, r
    assert "done=drawn" in r.header("Location")
    (draw_id, seed, winners, entrants, staff_id), = S.sql(
        "SELECT id, seed, winners, entrants, staff_id FROM rating_draws"
        " WHERE district_id = ? AND month = ?", (S.district("110105"), month))
    assert re.fullmatch(r"[0-9a-f]{64}", seed) and winners == 3 and entrants == 7
    assert staff_id == S.staff_id("rev105")
    stored = [rid for _, rid in S.sql("SELECT rank, rating_id FROM rating_draw_winners"
                                      " WHERE draw_id = ? ORDER BY rank", (draw_id,))]
    # the test's own run of the algorithm from the stored seed
    entrants_ids = sorted(phones.values())
    assert shuffle(seed, entrants_ids)[:3] == stored, (seed, entrants_ids, stored)
    assert set(stored) <= set(phones.values())
    # once per district and month
    r = draw(WHO["admin"], month, "110105", 2)
    assert r.status == 409 and "已经抽过" in r.text
    assert draws() == 1
    # 海淀区's draw is its own
    assert draw(WHO["rev108"], month, "110108", 3).status == 303
    (seed2,) = S.sql("SELECT seed FROM rating_draws WHERE district_id = ?",
                     (S.district("110108"),))[0]
    won = [rid for (rid,) in S.sql("SELECT rating_id FROM rating_draw_winners w JOIN"
                                   " rating_draws d ON d.id = w.draw_id WHERE d.district_id = ?"
                                   " ORDER BY rank", (S.district("110108"),))]
    assert won == shuffle(seed2, sorted(hd)), won
    # audited with the seed
    entries = S.audits("rating.draw")
    assert len(entries) == 2
    assert entries[0][0] == "rev105" and entries[0][1] == "朝阳区 " + month
    assert seed in entries[0][2] and "参与=7" in entries[0][2]
    # the winners: full phones for the admin, masked for the reviewer
    won_phones = [S.value("SELECT phone FROM station_ratings WHERE id = ?", (i,))
                  for i in stored]
    admin_page = WHO["admin"].get("/staff/ratings?month=" + month).text
    rev_page = WHO["rev105"].get("/staff/ratings?month=" + month).text
    for tel in won_phones:
        assert tel in admin_page
        assert tel not in rev_page and tel[:3] + "****" + tel[7:] in rev_page
    assert seed in rev_page and seed in admin_page
    assert "中关村驿站" not in rev_page and seed2 not in rev_page


def test_purge_forgets_a_rating_phone_a_year_after_its_month():
    y, m = map(int, this_month().split("-"))
    old = "%04d-%02d" % (y - 1 - (m == 1), 12 if m == 1 else m - 1)   # 13 months back
    recent = "%04d-%02d" % (y - 1, m)                                  # 12 months back
    gone = past_rating("WJ01", "13511112222", old)
    kept = past_rating("WJ01", "13511113333", recent)
    before = S.value("SELECT count(*) FROM station_ratings")
    due = S.value("SELECT count(*) FROM station_ratings WHERE phone <> '' AND month <= ?", (old,))
    p = S.zhijia("purge", "--uploads", S.dir + "/uploads")
    assert p.returncode == 0, p.stderr
    assert "满 1 年的驿站评价所留手机号: %d 份已删除" % due in p.stdout, p.stdout
    assert S.value("SELECT count(*) FROM station_ratings WHERE phone <> '' AND month <= ?",
                   (old,)) == 0
    assert S.value("SELECT phone FROM station_ratings WHERE id = ?", (gone,)) == ""
    assert S.value("SELECT phone FROM station_ratings WHERE id = ?", (kept,)) == "13511113333"
    assert S.value("SELECT count(*) FROM station_ratings") == before   # the scores stay
    assert any("驿站评价所留手机号 %d 份" % due in d
               for _, _, d in S.audits("purge", "purge.rating"))
    assert "驿站评价" in S.get("/privacy").text


if __name__ == "__main__":
    run(globals())
