#!/usr/bin/env python3
"""t0200: 网上入会 as a worker on a phone meets it — the form, every kind
of wrong input (422, input kept, a message beside the field, nothing
stored), a valid application (303 to its reference), a second one with
the same ID number (stored, never refused: no oracle), station
QR codes, bot guards, and text stored verbatim but shown escaped."""
import re

from harness import Server, errors, form_value, idno, ref_of, run

S = None


def one_digit_off(i):
    """i with one of its first 17 digits changed: the check digit no longer fits."""
    d = str((int(i[5]) + 1) % 10)
    return i[:5] + d + i[6:]


# Valid samples: men have an odd 17th digit, women an even one.
MAN = idno("11010519900307123")       # born 1990-03-07, 男
WOMAN = idno("44030419851231002")     # born 1985-12-31, 女
UYGHUR = idno("65010219920101153")
LIVE_COUNTER = [0]


def setup_module():
    global S
    S = Server(workers=2)


def person(**over):
    LIVE_COUNTER[0] += 1
    f = {
        "name": "张三", "gender": "男", "id_number": MAN, "phone": "13800138000",
        "ethnicity": "汉族", "education": "高中/中专/技校",
        "employment": "新就业形态(平台)", "occupation": "网约送餐员", "employer": "",
        "district": "朝阳区", "address": "", "was_member": "否", "prev_union": "",
        "consent_charter": "1", "consent_sensitive": "1",
    }
    f.update(over)
    f = {k: v for k, v in f.items() if v is not None}
    f.setdefault("_token", S.token("/join"))
    return f


def count():
    return S.sql("SELECT count(*) FROM join_applications")[0][0]


def test_the_form_has_every_labelled_field():
    t = S.get("/join").text
    for label in ["姓名", "性别", "身份证号", "手机号", "民族", "学历", "就业形态", "职业",
                  "工作单位", "所在区县", "居住地址", "曾是工会会员", "原所在工会",
                  "同意遵守《中国工会章程》", "同意处理身份证号等敏感个人信息"]:
        assert ">%s" % label in t, label
    # each <label for=…> points at a control that exists
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target
    for occ in ["货车司机", "网约车司机", "快递员", "网约送餐员", "家政服务员", "护工护理员",
                "保安员", "商场信息员", "房产中介", "建筑工人", "其他"]:
        assert "<option>%s</option>" % occ in t, occ
    assert t.count("<option>") > 56 + 11
    assert 'href="/privacy"' in t
    assert "示例" in t          # the shipped district list says it is a sample


def test_each_visit_gets_its_own_token_and_todays_districts():
    """Workers keep the fresh form rendered; only the token changes, and a
    change to the district list shows at once."""
    pages = [S.get("/join").text for _ in range(6)]
    tokens = [form_value(p, "_token") for p in pages]
    assert len(set(tokens)) == len(tokens), tokens
    strip = [p.replace(t, "") for p, t in zip(pages, tokens)]
    assert all(x == strip[0] for x in strip)
    S.sql_exec("INSERT INTO districts (code, name) VALUES ('110109', '门头沟区')")
    try:
        for _ in range(6):      # every worker
            assert "<option>门头沟区</option>" in S.get("/join").text
            assert "<option>门头沟区</option>" in S.get("/legal-aid").text
    finally:
        S.sql_exec("UPDATE districts SET active = 0 WHERE code = '110109'")
    for _ in range(6):
        assert "门头沟区" not in S.get("/join").text


def test_privacy_page_says_what_why_who_and_how_long():
    t = S.get("/privacy").text
    for words in ["收集什么", "为什么收集", "谁能看到", "保存多久"]:
        assert words in t, words


def test_a_valid_application_gets_a_reference_and_is_stored():
    before = count()
    r = S.post("/join", person(phone="13900000001"))
    assert r.status == 303, r
    loc = r.header("Location")
    m = re.fullmatch(r"/join/done/(RH[2-9A-HJ-NP-Z]{8})", loc)
    assert m, loc
    ref = m.group(1)
    done = S.get(loc)
    assert done.status == 200 and ref in done.text and "15 个工作日" in done.text
    assert count() == before + 1
    row = S.sql("SELECT name, gender, id_number, phone, occupation, status, station_id "
                "FROM join_applications WHERE ref = ?", (ref,))
    assert row == [("张三", "男", MAN, "13900000001", "网约送餐员", "待审核", None)], row
    assert S.sql("SELECT status FROM events WHERE ref = ?", (ref,)) == [("已提交",)]


def test_each_wrong_input_is_refused_beside_its_field_and_nothing_is_stored():
    cases = [
        ({"name": ""}, "name", "请填写姓名"),
        ({"name": "张" * 51}, "name", "最多 50 个字"),
        ({"gender": "未知"}, "gender", "请从列表中选择性别"),
        ({"id_number": one_digit_off(WOMAN), "gender": "女"}, "id_number", "校验位"),
        ({"id_number": "12345"}, "id_number", "18 位"),
        ({"id_number": idno("11010519900230123")}, "id_number", "出生日期"),
        ({"id_number": idno("11010520991231123")}, "id_number", "出生日期"),
        ({"id_number": idno("1101052015010112" + "3")}, "id_number", "16 周岁"),
        ({"gender": "女"}, "gender", "第 17 位"),
        ({"phone": "12800138000"}, "phone", "手机号"),
        ({"phone": "1380013800"}, "phone", "手机号"),
        ({"phone": "138001380001"}, "phone", "手机号"),
        ({"ethnicity": "火星族"}, "ethnicity", "民族"),
        ({"occupation": "宇航员"}, "occupation", "职业"),
        ({"employment": "单位就业", "employer": ""}, "employer", "工作单位"),
        ({"district": "不存在区"}, "district", "所在区县"),
        ({"was_member": "是", "prev_union": ""}, "prev_union", "原所在工会"),
        ({"consent_charter": None}, "consent_charter", "章程"),
        ({"consent_sensitive": None}, "consent_sensitive", "敏感个人信息"),
        ({"name": "张\u0007三"}, None, None),   # control character: the core's 400
    ]
    before = count()
    for over, field, words in cases:
        f = person(**dict({"phone": "13700000000"}, **over))
        r = S.post("/join", f)
        if field is None:
            assert r.status == 400, (over, r)
            continue
        assert r.status == 422, (over, r)
        errs = errors(r.text)
        assert field in errs, (over, errs)
        assert words in errs[field], (over, errs[field])
        assert "需要修改" in r.text          # the summary at the top
        assert 'aria-describedby="' in r.text and "err-%s" % field in r.text
        # what the person typed is kept
        if over.get("name"):
            assert form_value(r.text, "name") == over["name"], over
        assert form_value(r.text, "phone") == over.get("phone", "13700000000")
    assert count() == before


def test_a_second_application_with_the_same_id_is_stored_not_refused():
    """No oracle (issue 10 §1): a live application's ID number with another
    phone is stored like a new one — the answer says nothing about the
    first — and flagged to staff; with the same phone the person gets the
    live application's reference.  More in t0210."""
    f = person(id_number=WOMAN, gender="女", name="李四", phone="13900000002")
    r1 = S.post("/join", f)
    assert r1.status == 303, r1
    ref = ref_of(r1)
    before = count()
    r2 = S.post("/join", person(id_number=WOMAN, gender="女", name="王五", phone="13900000003"))
    ref2 = ref_of(r2)
    assert ref2 != ref and count() == before + 1
    assert S.value("SELECT count(*) FROM events WHERE ref = ? AND status = '疑似重复'"
                   " AND public = 0", (ref2,)) == 1
    # the same ID number and phone as the live one: its reference, nothing new
    r3 = S.post("/join", person(id_number=WOMAN, gender="女", name="李四", phone="13900000002"))
    assert ref_of(r3) == ref and count() == before + 1
    # once refused by staff, the person's new application is a new one
    S.sql_exec("UPDATE join_applications SET status = '未通过', reason = '材料不全' WHERE ref = ?",
               (ref,))
    r4 = S.post("/join", person(id_number=WOMAN, gender="女", name="李四", phone="13900000002"))
    assert ref_of(r4) not in (ref, ref2)


def test_the_same_page_sent_again_gets_the_same_reference():
    """A worker killed after its commit leaves nginx's error page; the person
    sends the same page again and must get their reference, not a refusal."""
    f = person(id_number=idno("11010519930303004"), gender="女", phone="13900000010")
    r1 = S.post("/join", f)
    assert r1.status == 303, r1
    before = count()
    r2 = S.post("/join", f)
    assert r2.status == 303 and r2.header("Location") == r1.header("Location"), r2
    assert count() == before
    # a new page with the same ID number and phone: the same reference too
    f2 = dict(f, _token=S.token("/join"))
    r3 = S.post("/join", f2)
    assert r3.status == 303 and r3.header("Location") == r1.header("Location"), r3
    assert count() == before


def test_a_station_qr_code_is_recorded_and_an_unknown_one_ignored():
    sid = S.sql_exec("INSERT INTO stations (code, name, created_at) VALUES "
                     "('CY001', '朝阳望京驿站', '2026-01-01T00:00:00Z')")
    page = S.get("/join?src=CY001").text
    assert "朝阳望京驿站" in page and 'name="src" value="CY001"' in page
    f = person(id_number=idno("11010519880808002"), gender="女", phone="13900000004")
    f["src"] = "CY001"
    r = S.post("/join", f)
    assert r.status == 303, r
    ref = ref_of(r)
    assert S.sql("SELECT station_id FROM join_applications WHERE ref = ?", (ref,)) == [(sid,)]
    page = S.get("/join?src=NOPE").text
    assert 'name="src"' not in page
    f = person(id_number=idno("11010519880808003"), gender="男", phone="13900000005")
    f["src"] = "NOPE"
    r = S.post("/join", f)
    assert r.status == 303
    ref = ref_of(r)
    assert S.sql("SELECT station_id FROM join_applications WHERE ref = ?", (ref,)) == [(None,)]


def test_forged_or_old_tokens_and_the_honeypot_store_nothing():
    before = count()
    good = S.token("/join")
    stamp, nonce, mac = good.split(".")
    for bad in ["", "123.abc", "%s.%s.%s" % (stamp, nonce, "0" * 32),
                "%d.%s.%s" % (int(stamp) - 2 * 86400, nonce, mac), "%s.%s" % (stamp, mac)]:
        r = S.post("/join", person(id_number=idno("11010519700101005"), gender="男",
                                   _token=bad))
        assert r.status == 422, (bad, r)
        assert "页面已过期" in r.text
        assert form_value(r.text, "name") == "张三"     # input kept
    r = S.post("/join", person(id_number=idno("11010519700101005"), gender="男",
                               website="http://spam.example"))
    assert r.status == 422 and "网址" in r.text
    assert count() == before


def test_hostile_text_is_stored_verbatim_and_shown_escaped():
    nasty = "<script>alert(1)</script>\"'&' OR 1=1 --"
    r = S.post("/join", person(name=nasty, phone="1"))
    assert r.status == 422
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#39; OR 1=1 --" in r.text
    for name in [nasty, "阿依古丽·买买提 😀", "ئابدۇرېھىم", "བཀྲ་ཤིས་", "W" * 50]:
        i = idno("6501021992%02d%02d15" % (1 + LIVE_COUNTER[0] % 12, 1 + LIVE_COUNTER[0] % 28) + "3")
        r = S.post("/join", person(name=name, id_number=i, gender="男", phone="13900000006"))
        assert r.status == 303, (name, r)
        ref = ref_of(r)
        assert S.sql("SELECT name FROM join_applications WHERE ref = ?", (ref,)) == [(name,)]


def test_invalid_utf8_is_refused_and_nothing_stored():
    before = count()
    body = ("_token=%s&name=%%FF%%FE&gender=%%E7%%94%%B7" % S.token("/join")).encode()
    r = S.post_raw("/join", body)
    assert r.status == 400, r
    assert count() == before


def test_an_over_long_field_is_refused_with_a_message():
    r = S.post("/join", person(address="长" * 201, phone="13900000009",
                               id_number=idno("11010519700101013"), gender="男"))
    assert r.status == 422
    assert "最多 200 个字" in errors(r.text).get("address", "")


def test_a_body_over_the_form_limit_is_413():
    r = S.post_raw("/join", b"name=" + b"a" * (300 * 1024))
    assert r.status == 413, r
    assert "过大" in r.text
    assert "MB" not in r.text, "a form without files does not speak of a file limit"


if __name__ == "__main__":
    run(globals())
