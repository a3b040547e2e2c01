#!/usr/bin/env python3
"""t1100: 工会驿站 as workers find them and as staff keep them.  The public
list /stations (every active station, filters 区县, 服务 and 现在开放 in
Beijing time, pages of 20, each page small and without script or other
hosts), a station's own page /s/{code} (what its QR code opens: address,
landmark, hours with today marked, amenities, 一站一品, a tel: link, and
its five services each carrying the station), 404 for unknown, malformed
and retired codes, hostile names shown escaped, /legal-aid?src= recording
the station; the staff record and edit form (hours per weekday or the
same every day, amenities, keeper of the district, retire), and the CSV
import of a union's list (line errors in Chinese, nothing stored when any
line is wrong, 600 stations in one go, updates by code).

"现在开放" does not depend on the wall clock: the stations' hours are
made from the test's own Beijing time (24 小时, closed today, a window
around now, a period that ended a minute ago)."""
import re
import time
import urllib.parse

from harness import (BEIJING, Server, errors, form_value, idno, run, unescape)

S = A = R1 = R2 = None
HOSTILE = "<script>alert('驿站')</script>\"&amp;"
PAGE_LIMIT = 30 * 1024
AMENITIES = ["饮水", "热饭", "充电", "如厕", "休息", "药箱", "法律咨询", "入会办理", "Wi-Fi", "母婴室"]


def setup_module():
    global S, A, R1, R2
    S = Server(workers=2)
    S.add_staff("rev1", "reviewer", "110105")      # 朝阳区
    S.add_staff("rev2", "reviewer", "110108")      # 海淀区
    S.sql_exec("UPDATE staff SET display_name = '李四' WHERE username = 'rev1'")
    A = S.admin()
    R1 = S.staff("rev1")
    R2 = S.staff("rev2")


# ---- helpers ----

def bj():
    """Beijing now: (weekday 1..7 Monday first, minutes since midnight)."""
    t = time.gmtime(time.time() + BEIJING)
    return t.tm_wday + 1, t.tm_hour * 60 + t.tm_min


def hm(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def station(code, name="驿站", district="朝阳区", client=None, **over):
    """Add a station through the staff form; returns its id."""
    f = {"code": code, "name": name, "district": district, "active": "1"}
    f.update(over)
    r = (client or A).post("/staff/stations/new", f)
    assert r.status == 303, (r, errors(r.text))
    return S.value("SELECT id FROM stations WHERE code = ?", (code,))


DAYS = [None, "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def today_only(text):
    """Form fields: today's weekday gets text, the other days nothing."""
    wd, _ = bj()
    return {"hours_" + DAYS[wd]: text}


def page(path):
    r = S.get(path)
    assert r.status == 200, (path, r)
    assert len(r.body) <= PAGE_LIMIT, (path, len(r.body))
    assert "<script" not in r.text, path
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', r.text):
        assert not re.match(r"(?i)(https?:)?//", url), (path, url)
    return r.text


def cards(html):
    """The station names of a /stations page, in order."""
    return [unescape(n) for n in re.findall(r'<h2><a href="/s/[^"]+">([^<]*)</a></h2>', html)]


def card(html, name):
    """The list item of the station called name."""
    for li in re.findall(r'<li class="station-card">(.*?)</li>', html, re.S):
        if ">%s</a>" % name in li:
            return li
    raise AssertionError("no card for %s" % name)


def q(s):
    return urllib.parse.quote(s)


# ---- the public pages ----

def test_a_station_page_shows_where_when_and_what_with_its_services():
    wd, _ = bj()
    sid = station("CY-WJ-01", "望京户外劳动者驿站", address="阜通东大街 6 号",
                  landmark="地铁望京站 B 口向东 50 米", motto="夏季免费绿豆汤",
                  phone="010-6470 1234", hours_all="24小时",
                  amenities=["饮水", "充电", "法律咨询"])
    t = page("/s/CY-WJ-01")
    for words in ["望京户外劳动者驿站", "阜通东大街 6 号", "地铁望京站 B 口向东 50 米",
                  "夏季免费绿豆汤", "朝阳区", "现在开放"]:
        assert words in t, words
    assert '<a href="tel:01064701234">010-6470 1234</a>' in t
    rows = re.findall(r'<tr( class="today")?><th scope="row">(周.)[^<]*</th><td>([^<]*)</td>', t)
    assert [(d, h) for _, d, h in rows] == [(d, "24 小时") for d in
                                            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]]
    assert [d for today, d, _ in rows if today] == [["", "周一", "周二", "周三", "周四", "周五",
                                                     "周六", "周日"][wd]]
    assert re.findall(r'<ul class="amenities">(.*?)</ul>', t)[0] == \
        "<li>饮水</li><li>充电</li><li>法律咨询</li>"
    links = dict((unescape(label), href) for href, label in
                 re.findall(r'<a class="card" href="([^"]+)"><span class="card-title">([^<]+)', t))
    assert links == {"申请入会": "/join?src=CY-WJ-01", "法律援助": "/legal-aid?src=CY-WJ-01",
                     "提诉求": "/appeal?src=CY-WJ-01", "许微心愿": "/wish?src=CY-WJ-01",
                     "评价这个驿站": "/s/CY-WJ-01/rate"}
    # a code typed by hand in lower case finds the station; its links carry the real code
    t = page("/s/cy-wj-01")
    assert "望京户外劳动者驿站" in t and "/join?src=CY-WJ-01" in t
    assert sid


def test_unknown_malformed_and_retired_codes_are_the_404_page():
    sid = station("CY-OLD", "旧驿站")
    assert S.get("/s/CY-OLD").status == 200
    r = A.post("/staff/stations/%d" % sid, {"name": "旧驿站", "district": "朝阳区"})   # not active
    assert r.status == 303, (r, errors(r.text))
    assert S.value("SELECT active FROM stations WHERE id = ?", (sid,)) == 0
    for path in ["/s/CY-OLD", "/s/NOPE", "/s/" + "A" * 33, "/s/a%20b", "/s/%3Cscript%3E",
                 "/s/CY-WJ-01%27", "/s/"]:
        r = S.get(path)
        assert r.status == 404, (path, r)
        assert "页面不存在" in r.text and "旧驿站" not in r.text, path
    assert "旧驿站" not in page("/stations")


def test_open_now_is_computed_in_beijing_time():
    wd, now = bj()
    station("T-24H", "全天驿站", hours_all="24小时", amenities=["饮水"])
    station("T-SHUT", "今天休息驿站", **dict({"hours_" + DAYS[d]: "08:00-20:00" for d in range(1, 8)},
                                          **today_only("")))
    station("T-WIN", "此刻开放驿站", **today_only("%s-%s" % (hm(max(0, now - 60)),
                                                           hm(min(24 * 60, now + 61)))))
    station("T-NONE", "未登记时间驿站")
    ended = now >= 3
    if ended:
        station("T-ENDED", "刚关门驿站", **today_only("00:00-%s" % hm(now - 1)))
    t = page("/stations")
    assert "现在开放" in card(t, "全天驿站") and "今天 24 小时" in card(t, "全天驿站")
    assert "现在开放" in card(t, "此刻开放驿站")
    assert "现在开放" not in card(t, "今天休息驿站") and "今天 休息" in card(t, "今天休息驿站")
    assert "开放时间请电话询问" in card(t, "未登记时间驿站")
    assert "现在开放" not in card(t, "未登记时间驿站")
    if ended:
        assert "现在开放" not in card(t, "刚关门驿站")
    opened = cards(page("/stations?open=1"))
    assert "全天驿站" in opened and "此刻开放驿站" in opened
    assert not {"今天休息驿站", "未登记时间驿站", "刚关门驿站"} & set(opened)
    s = page("/s/T-SHUT")
    assert "现在开放" not in s and "现在未开放" in s
    assert re.search(r'<tr class="today"><th scope="row">[^<]*</th><td>休息</td>', s)
    assert "开放时间请电话询问" in page("/s/T-NONE")


def test_filters_by_district_and_service():
    station("HD-01", "中关村驿站", district="海淀区", amenities=["充电", "热饭"], client=A)
    station("HD-02", "五道口驿站", district="海淀区", amenities=["饮水"], client=A)
    t = page("/stations")
    options = re.search(r'<select id="q-district" name="district">(.*?)</select>', t, re.S).group(1)
    assert re.findall(r"<option>([^<]+)</option>", options) == ["朝阳区", "海淀区"]
    assert "<label for=\"q-district\">区县</label>" in t and "<label for=\"q-service\">服务</label>" in t
    hd = cards(page("/stations?district=" + q("海淀区")))
    assert sorted(hd) == ["中关村驿站", "五道口驿站"]
    charge = cards(page("/stations?service=" + q("充电")))
    assert "中关村驿站" in charge and "望京户外劳动者驿站" in charge and "五道口驿站" not in charge
    both = cards(page("/stations?district=%s&service=%s" % (q("海淀区"), q("充电"))))
    assert both == ["中关村驿站"]
    t = page("/stations?district=" + q("不存在区"))
    assert "没有这个区县" in t and "中关村驿站" in t
    t = page("/stations?service=" + q("桑拿"))
    assert "没有这项服务" in t
    t = page("/stations?district=" + q("海淀区") + "&service=" + q("母婴室"))
    assert "没有符合条件的驿站" in t and cards(t) == []


def test_hostile_names_are_shown_escaped():
    station("XSS-1", HOSTILE, address=HOSTILE, landmark=HOSTILE, motto=HOSTILE)
    for path in ["/stations", "/s/XSS-1", "/staff/stations"]:
        t = (A.get(path) if path.startswith("/staff") else S.get(path)).text
        assert "<script>alert" not in t, path
        assert "&lt;script&gt;alert(&#39;驿站&#39;)&lt;/script&gt;&quot;&amp;amp;" in t, path
    assert S.value("SELECT name FROM stations WHERE code = 'XSS-1'") == HOSTILE


def test_legal_aid_through_a_station_records_it():
    t = page("/legal-aid?src=cy-wj-01")
    assert "来自工会驿站:望京户外劳动者驿站" in t
    assert form_value(t, "src") == "CY-WJ-01"
    labels = dict((unescape(label).strip(), name) for name, label in
                  re.findall(r'<label for="f-([a-z_]+)">([^<]+)', t))
    labels.update((unescape(legend).strip(), name) for name, legend in
                  re.findall(r'<fieldset[^>]*id="f-([a-z_]+)"[^>]*>\s*<legend>([^<]+)', t))
    values = {"姓名": "王建国", "手机号": "13812345678", "身份证号": idno("11010519800101001"),
              "所在区县": "朝阳区", "用人单位": "某某快递站点", "纠纷类型": "拖欠工资",
              "涉及人数": "1", "事实经过": "站点欠我两个月工资,一直拖着不给。", "诉求": "补发工资",
              "是否工会会员": "否", "同意处理身份证号等敏感个人信息": "1"}
    fields = [("_token", form_value(t, "_token")), ("website", ""), ("src", "CY-WJ-01")]
    fields += [(labels[k], v) for k, v in values.items()]
    r = S.post_multipart("/legal-aid", fields)
    assert r.status == 303, (r, errors(r.text))
    ref = re.search(r"/legal-aid/done/(FY\w{8})", r.header("Location")).group(1)
    assert S.sql("SELECT s.code FROM legal_cases c JOIN stations s ON s.id = c.station_id"
                 " WHERE c.ref = ?", (ref,)) == [("CY-WJ-01",)]
    # without a station, or with an unknown one: none recorded
    assert "来自工会驿站" not in page("/legal-aid?src=NOPE")


def test_the_home_page_links_the_stations():
    assert 'href="/stations"' in page("/")


# ---- staff: the record and its edit form ----

def test_the_edit_form_takes_hours_per_weekday_and_explains_mistakes():
    sid = S.value("SELECT id FROM stations WHERE code = 'CY-WJ-01'")
    t = R1.get("/staff/stations/%d" % sid).text
    for label in ["驿站名称", "所在区县", "地址", "地标", "一站一品", "联系电话", "负责人",
                  "每天相同", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]:
        assert re.search(r'<label for="f-[a-z_0-9]+">%s' % label, t), label
    assert "<legend>服务</legend>" in t and "<legend>开放时间</legend>" in t
    assert form_value(t, "hours_mon") == "24小时"       # what is stored reads back
    base = {"name": "望京户外劳动者驿站", "district": "朝阳区", "address": "阜通东大街 6 号",
            "active": "1", "amenities": ["饮水", "热饭"], "phone": "010-64701234"}
    bad = dict(base, hours_mon="8点到20点", hours_wed="20:00-08:00", phone="电话")
    r = R1.post("/staff/stations/%d" % sid, bad)
    assert r.status == 422, r
    e = errors(r.text)
    assert set(e) == {"hours_mon", "hours_wed", "phone"}, e
    assert "08:00-20:00" in e["hours_mon"] and "晚于开始时间" in e["hours_wed"]
    assert form_value(r.text, "hours_mon") == "8点到20点"      # input kept
    assert S.value("SELECT count(*) FROM station_hours WHERE station_id = ?", (sid,)) == 7
    good = dict(base, hours_mon="08:00-12:00, 14:00-18:00", hours_tue="8:00-20:00", hours_sun="24小时",
                keeper="李四\uff08rev1\uff09")
    r = R1.post("/staff/stations/%d" % sid, good)
    assert r.status == 303 and r.header("Location") == "/staff/stations/%d?done=saved" % sid, \
        (r, errors(r.text))
    assert S.sql("SELECT weekday, opens, closes FROM station_hours WHERE station_id = ?"
                 " ORDER BY weekday, opens", (sid,)) == [
        (1, "08:00", "12:00"), (1, "14:00", "18:00"), (2, "08:00", "20:00"), (7, "00:00", "24:00")]
    assert S.sql("SELECT amenity FROM station_amenities WHERE station_id = ? ORDER BY amenity",
                 (sid,)) == sorted([("饮水",), ("热饭",)])
    assert S.value("SELECT keeper_id FROM stations WHERE id = ?", (sid,)) == S.staff_id("rev1")
    t = page("/s/CY-WJ-01")
    assert "08:00–12:00、14:00–18:00" in t and "<td>休息</td>" in t
    # "same every day" fills all seven
    base["keeper"] = "李四\uff08rev1\uff09"
    r = R1.post("/staff/stations/%d" % sid, dict(base, hours_all="07:30-21:00", hours_mon="09:00-10:00"))
    assert r.status == 303, errors(r.text)
    assert S.sql("SELECT DISTINCT opens, closes FROM station_hours WHERE station_id = ?",
                 (sid,)) == [("07:30", "21:00")]
    assert S.value("SELECT count(*) FROM station_hours WHERE station_id = ?", (sid,)) == 7
    # the keeper must be of the station's district
    r = R1.post("/staff/stations/%d" % sid, dict(base, keeper="rev2\uff08rev2\uff09"))
    assert r.status == 422 and "负责人" in str(errors(r.text)), r
    r = A.post("/staff/stations/%d" % sid, dict(base, keeper="rev2\uff08rev2\uff09"))
    assert r.status == 422 and "这个区县" in errors(r.text)["keeper"], r
    assert S.value("SELECT keeper_id FROM stations WHERE id = ?", (sid,)) == S.staff_id("rev1")
    # audited, and the history shows on the record
    assert [a for a, in S.sql("SELECT action FROM audit WHERE target = 'CY-WJ-01'"
                              " AND action LIKE 'station.%' ORDER BY id")] == \
        ["station.create", "station.edit", "station.edit"]
    t = R1.get("/staff/stations/%d" % sid).text
    assert t.count("修改驿站") == 2 and "rev1" in t


def test_a_reviewer_of_another_district_cannot_see_or_edit_a_station():
    sid = S.value("SELECT id FROM stations WHERE code = 'CY-WJ-01'")
    before = S.sql("SELECT * FROM stations WHERE id = ?", (sid,))
    for path in ["/staff/stations/%d" % sid, "/staff/stations/%d/poster" % sid]:
        assert R2.get(path).status == 404, path
    r = R2.post("/staff/stations/%d" % sid, {"name": "被改了", "district": "海淀区", "active": "1"})
    assert r.status == 404, r
    assert S.sql("SELECT * FROM stations WHERE id = ?", (sid,)) == before
    assert "望京户外劳动者驿站" not in R2.get("/staff/stations").text
    assert R2.get("/staff/stations/import").status == 404


def test_retiring_a_station_takes_it_off_the_public_pages():
    sid = station("CY-RET", "要停用的驿站", hours_all="24小时")
    assert "要停用的驿站" in page("/stations")
    r = A.post("/staff/stations/%d" % sid, {"name": "要停用的驿站", "district": "朝阳区",
                                            "hours_all": "24小时"})
    assert r.status == 303, errors(r.text)
    assert "要停用的驿站" not in page("/stations")
    assert S.get("/s/CY-RET").status == 404
    assert S.audits("station.retire", "CY-RET") == [("admin", "CY-RET", "要停用的驿站")]
    t = A.get("/staff/stations/%d" % sid).text
    assert "已停用" in t and "停用驿站" in t
    r = A.post("/staff/stations/%d" % sid, {"name": "要停用的驿站", "district": "朝阳区",
                                            "hours_all": "24小时", "active": "1"})
    assert r.status == 303 and S.get("/s/CY-RET").status == 200
    assert S.audits("station.activate", "CY-RET") == [("admin", "CY-RET", "要停用的驿站")]


# ---- staff: the CSV import ----

HEAD = "code,name,district,address,landmark,hours,amenities,motto,phone\n"


def test_an_import_with_any_wrong_line_stores_nothing_and_says_which():
    n = S.value("SELECT count(*) FROM stations")
    csv = (HEAD +
           "IM-01,好驿站,朝阳区,地址,,每天 08:00-20:00,饮水、充电,,010-1234\n"
           "IM 02,坏代码,朝阳区,,,,,,\n"
           "IM-03,没区县,火星区,,,,,,\n"
           "IM-04,坏时间,朝阳区,,,周一 8点,,,\n"
           "IM-05,坏服务,朝阳区,,,,饮水、桑拿,,\n"
           "IM-01,重复,朝阳区,,,,,,\n"
           "IM-07,坏电话,海淀区,,,,,,打电话\n")
    r = A.post("/staff/stations/import", {"file_text": csv})
    assert r.status == 422, r
    items = [unescape(x) for x in re.findall(r"<li>([^<]*)</li>",
                                              re.search(r'<ul class="import-errors">(.*?)</ul>',
                                                        r.text, re.S).group(1))]
    assert [i.split(":")[0] for i in items] == ["第 3 行", "第 4 行", "第 5 行", "第 6 行",
                                                "第 7 行", "第 8 行"], items
    assert "英文字母、数字和 -" in items[0] and "火星区" in items[1] and "开放时间" in items[2]
    assert "桑拿" in items[3] and "不止一次" in items[4] and "联系电话" in items[5]
    assert "没有导入任何驿站" in r.text
    assert S.value("SELECT count(*) FROM stations") == n
    # a header that is not ours
    r = A.post("/staff/stations/import", {"file_text": "编号,名字\nX,Y\n"})
    assert r.status == 422 and "不认识的列" in r.text and "缺少" in r.text
    r = A.post("/staff/stations/import", {"file_text": ""})
    assert r.status == 422 and "请选择 CSV 文件" in r.text
    r = S.post_multipart("/staff/stations/import", [("_csrf", A.csrf)],
                         [("file", "list.csv", "text/csv", b"code,name,district\nA,\xff\xfe,x\n")],
                         headers=A.headers())
    assert r.status == 422 and "UTF-8" in r.text
    assert S.value("SELECT count(*) FROM stations") == n


def test_six_hundred_stations_import_in_one_go_and_again_as_updates():
    districts = ["朝阳区", "海淀区", "110112"]
    lines = ["IMP-%03d,驿站 %03d 号,%s,幸福路 %d 号,公交站旁,\"周一至周五 08:00-20:00; 周六、周日 "
             "09:00-17:00\",饮水、热饭、充电,一站一品 %d,0562-28%05d" % (
                 i, i, districts[i % 3], i, i, i) for i in range(600)]
    body = ("\ufeff" + HEAD + "\r\n".join(lines) + "\r\n").encode()
    assert len(body) > 64 * 1024                           # more than one job carries
    r = S.post_multipart("/staff/stations/import", [("_csrf", A.csrf)],
                         [("file", "驿站名单.csv", "text/csv", body)], headers=A.headers())
    assert r.status == 303, (r, r.text[:2000])
    assert r.header("Location") == "/staff/stations?done=imported&n=600&u=0"
    assert "新增 600 个驿站,更新 0 个" in A.get(r.header("Location")).text
    assert S.value("SELECT count(*) FROM stations WHERE code LIKE 'IMP-%'") == 600
    sid = S.value("SELECT id FROM stations WHERE code = 'IMP-007'")
    assert S.sql("SELECT weekday, opens, closes FROM station_hours WHERE station_id = ?"
                 " AND weekday IN (5, 6)", (sid,)) == [(5, "08:00", "20:00"), (6, "09:00", "17:00")]
    assert S.sql("SELECT d.code FROM stations s JOIN districts d ON d.id = s.district_id"
                 " WHERE s.code = 'IMP-007'") == [("110108",)]
    assert S.value("SELECT count(*) FROM import_chunks") == 0    # pieces removed
    assert S.value("SELECT count(*) FROM audit WHERE action = 'station.import'") == 600
    # the public list pages through them, every page small
    t = page("/stations")
    total = S.value("SELECT count(*) FROM stations WHERE active = 1")
    assert "共 %d 个驿站" % total in t and len(cards(t)) == 20
    last = (total + 19) // 20
    assert "第 1 / %d 页" % last in t
    seen = set(cards(t))
    for p in (2, last):
        t2 = page("/stations?page=%d" % p)
        seen |= set(cards(t2))
        assert 'rel="prev"' in t2
    assert len(cards(page("/stations?page=%d" % last))) == total - 20 * (last - 1)
    assert len(cards(page("/stations?district=%s&page=3" % q("海淀区")))) == 20
    # sending the list again, changed, updates by code (any case) and adds nothing
    lines[7] = lines[7].replace("驿站 007 号", "驿站七号").replace("IMP-007", "imp-007")
    r = A.post("/staff/stations/import", {"file_text": HEAD + "\n".join(lines)})
    assert r.status == 303 and r.header("Location").endswith("n=0&u=600"), r
    assert S.sql("SELECT code, name FROM stations WHERE id = ?", (sid,)) == [("IMP-007", "驿站七号")]
    assert S.value("SELECT count(*) FROM stations WHERE code LIKE 'IMP-%'") == 600


def test_the_poster_opens_the_stations_own_page():
    sid = S.value("SELECT id FROM stations WHERE code = 'CY-WJ-01'")
    t = R1.get("/staff/stations/%d/poster" % sid).text
    assert "http://127.0.0.1:%d/s/CY-WJ-01" % S.port in t and "join?src" not in t
    assert "<svg" in t


run(globals())
