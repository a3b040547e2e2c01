#!/usr/bin/env python3
"""t1200: 提诉求 as a worker on a phone meets it — the form and its labels,
every kind of wrong input (422, input kept, a message beside the field,
nothing stored), 具体内容 counted in characters, a valid appeal (303 to its
SQ reference), the same page sent twice stored once, bot guards, a
station's QR code kept on the record, /status with the reference and the
phone (state in plain words, the union's reply, a refusal's reason, the
dated history), and hostile text stored verbatim but shown escaped."""
import re

from harness import Server, beijing, errors, form_value, new_phone, run

S = None
A = None
SQ = re.compile(r"^/appeal/done/(SQ[2-9A-HJ-NP-Z]{8})$")


def setup_module():
    global S, A
    S = Server(workers=2)
    A = S.admin()


def phone():
    return new_phone("1350000")


def appeal(**over):
    f = {"kind": "投诉", "matter": "工资报酬",
         "content": "配送站拖欠我十月份的工资,站长一直说下个月发。",
         "district": "朝阳区", "name": "王师傅", "phone": phone(), "may_contact": "可以"}
    f.update(over)
    f = {k: v for k, v in f.items() if v is not None}
    f.setdefault("_token", S.token("/appeal"))
    return f


def ref_of(r):
    m = SQ.match(r.header("Location") or "")
    assert r.status == 303 and m, r
    return m.group(1)


def count():
    return S.value("SELECT count(*) FROM appeals")


def row(ref, cols="kind, matter, content, name, phone, may_contact, status, station_id"):
    return S.sql("SELECT %s FROM appeals WHERE ref = ?" % cols, (ref,))[0]


def lookup_fresh(ref, ph):
    S.sql_exec("DELETE FROM lookup_counts")
    return S.status_page(ref, ph)


# ---- the form ----

def test_the_form_has_every_labelled_field():
    r = S.get("/appeal")
    assert r.status == 200, r
    t = r.text
    assert len(r.body) <= 30 * 1024, len(r.body)
    for label in ["诉求类型", "事项", "具体内容", "所在区县", "称呼", "手机号", "方便联系"]:
        assert re.search(r"(<legend>|<label for=\"f-[a-z_]+\">)%s" % label, t), label
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target
    for kind in ["咨询", "求助", "投诉", "意见建议"]:
        assert re.search(r'<input type="radio" name="kind" id="f-kind-\d" value="%s">' % kind, t), kind
    for matter in ["工资报酬", "劳动安全", "休息休假", "社会保险", "驿站设施", "其他"]:
        assert 'name="matter"' in t and 'value="%s"' % matter in t, matter
    assert "最多 500 个字" in t and "按字数算" in t         # characters, and it says so
    assert "打电话或发短信" in t                             # what 方便联系 means
    assert "称呼 <span" not in t                             # optional: no (必填)
    assert 'href="/privacy"' in t and "<script" not in t


def test_home_and_privacy_lead_to_it():
    assert 'href="/appeal"' in S.get("/").text
    t = S.get("/privacy").text
    assert "提诉求" in t and "诉求:办结或不予受理满 1 年后" in t


# ---- a valid appeal ----

def test_a_valid_appeal_gets_an_sq_reference_and_is_stored():
    before = count()
    ph = phone()
    r = S.post("/appeal", appeal(phone=ph, name="", may_contact="不方便", kind="求助",
                                 matter="劳动安全"))
    ref = ref_of(r)
    done = S.get(r.header("Location"))
    assert done.status == 200 and ref in done.text and "10 个工作日" in done.text
    assert count() == before + 1
    assert row(ref) == ("求助", "劳动安全", "配送站拖欠我十月份的工资,站长一直说下个月发。", "",
                        ph, 0, "待分派", None)
    d = S.district("110105")
    assert row(ref, "origin_district_id, district_id, assignee_id, due_on") == (d, d, None, None)
    assert S.sql("SELECT status, public FROM events WHERE ref = ?", (ref,)) == [("已提交", 1)]
    # may_contact
    ref2 = ref_of(S.post("/appeal", appeal(may_contact="可以")))
    assert row(ref2, "may_contact") == (1,)


def test_a_done_page_for_something_that_is_no_reference_is_a_404():
    for bad in ["SQ1234", "RH23456789", "SQ2345678O", "sq23456789"]:
        assert S.get("/appeal/done/" + bad).status == 404, bad


def test_five_hundred_characters_are_enough_and_counted_as_characters():
    text = "欠" * 500                      # 1,500 bytes, 500 characters
    r = S.post("/appeal", appeal(content=text))
    assert row(ref_of(r), "content") == (text,)
    mixed = "工资ab12,。🙂欠" * 50        # 10 characters × 50, four bytes for the emoji
    assert len(mixed) == 500
    r = S.post("/appeal", appeal(content=mixed))
    assert row(ref_of(r), "content") == (mixed,)


# ---- wrong input ----

def test_each_wrong_input_is_refused_beside_its_field_and_nothing_is_stored():
    cases = [
        ({"kind": None}, "kind", "请选择诉求类型"),
        ({"kind": "表扬"}, "kind", "请从列表中选择诉求类型"),
        ({"matter": None}, "matter", "请选择事项"),
        ({"matter": "工伤赔偿"}, "matter", "请从列表中选择事项"),
        ({"content": ""}, "content", "请填写具体内容"),
        ({"content": "   "}, "content", "请填写具体内容"),
        ({"content": "没发工资"}, "content", "至少 5 个字"),
        ({"content": "欠" * 501}, "content", "最多 500 个字(现在 501 个)"),
        ({"content": "a" * 600}, "content", "现在 600 个"),
        ({"district": ""}, "district", "请选择所在区县"),
        ({"district": "不存在区"}, "district", "请从列表中选择所在区县"),
        ({"name": "王" * 21}, "name", "最多 20 个字"),
        ({"name": "王\t师傅"}, "name", "不能包含换行或制表符"),
        ({"phone": ""}, "phone", "手机号"),
        ({"phone": "12800138000"}, "phone", "手机号"),
        ({"phone": "1380013800"}, "phone", "手机号"),
        ({"phone": "138-0013-8000"}, "phone", "手机号"),
        ({"may_contact": None}, "may_contact", "请选择方便联系"),
        ({"may_contact": "随便"}, "may_contact", "请从列表中选择方便联系"),
    ]
    before = count()
    for over, field, words in cases:
        f = appeal(**dict({"phone": "13700000000"}, **over))
        r = S.post("/appeal", f)
        assert r.status == 422, (over, r)
        errs = errors(r.text)
        assert field in errs, (over, errs)
        assert words in errs[field], (over, errs[field])
        assert "需要修改" in r.text
        assert "err-%s" % field in r.text
        # what the person typed is kept
        assert form_value(r.text, "phone") == f["phone"], over
        if field != "content":
            assert f["content"] in r.text, over
        if f.get("kind") in ("投诉",):
            assert 'value="投诉" checked' in r.text, over
    assert count() == before
    # control characters are the core's 400
    r = S.post("/appeal", appeal(content="工资\u0007没发,请帮忙"))
    assert r.status == 400, r
    assert count() == before


def test_bot_guards_keep_the_input_and_store_nothing():
    before = count()
    f = appeal(website="http://spam.example/")
    r = S.post("/appeal", f)
    assert r.status == 422 and "网址" in r.text and f["content"] in r.text, r
    f = appeal(_token="1.2.3")
    r = S.post("/appeal", f)
    assert r.status == 422 and "页面已过期" in r.text and form_value(r.text, "phone") == f["phone"]
    f = appeal(_token=S.token("/join"))          # another form's token
    assert S.post("/appeal", f).status == 422
    assert count() == before


def test_the_same_page_sent_twice_is_stored_once():
    f = appeal()
    r1 = S.post("/appeal", f)
    ref = ref_of(r1)
    before = count()
    r2 = S.post("/appeal", f)
    assert ref_of(r2) == ref and count() == before
    # the same person writing again on a new page is a new appeal
    r3 = S.post("/appeal", dict(f, _token=S.token("/appeal")))
    assert ref_of(r3) != ref and count() == before + 1
    # the same page with other words (back, edit, send) is a new one too
    r4 = S.post("/appeal", dict(f, content=f["content"] + "补充:共两个月。"))
    assert ref_of(r4) not in (ref, ref_of(r3)) and count() == before + 2


# ---- a station's QR code ----

def test_a_station_is_kept_and_shown_and_an_unknown_code_ignored():
    sid = S.sql_exec("INSERT INTO stations (code, name, district_id, created_at) VALUES"
                     " ('HD900', '中关村骑手驿站', ?, '2026-01-01T00:00:00Z')",
                     (S.district("110108"),))
    t = S.get("/appeal?src=HD900").text
    assert "来自工会驿站:中关村骑手驿站" in t and 'name="src" value="HD900"' in t
    assert "<option selected>海淀区</option>" in t      # the station's district, preselected
    f = appeal(src="HD900", district="海淀区")
    f["_token"] = form_value(t, "_token")
    ref = ref_of(S.post("/appeal", f))
    assert row(ref, "station_id") == (sid,)
    # a wrong input keeps the station on the page
    r = S.post("/appeal", appeal(src="HD900", phone="1"))
    assert r.status == 422 and "中关村骑手驿站" in r.text and 'value="HD900"' in r.text
    # unknown and hostile codes are ignored
    for code in ["NOPE", "<script>", "' OR 1=1 --", "x" * 40]:
        t = S.get("/appeal?src=" + code.replace(" ", "%20")).text
        assert "来自工会驿站" not in t and "<script>" not in t
        ref = ref_of(S.post("/appeal", appeal(src=code)))
        assert row(ref, "station_id") == (None,)


# ---- /status ----

def test_status_shows_the_state_the_reply_and_the_history():
    ph = phone()
    ref = ref_of(S.post("/appeal", appeal(phone=ph, kind="咨询", matter="社会保险")))
    t = lookup_fresh(ref, ph)
    assert "诉求 · %s" % ref in t and "正在分派" in t and "咨询 · 社会保险" in t
    assert re.search(r"<time datetime=\"[^\"]+Z\">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d</time> 已提交", t)
    due = beijing("%Y-%m-%d", 4 * 86400)
    r = A.post("/staff/appeals/%s/dispatch" % ref,
               {"district": "朝阳区", "assignee": "admin · 全部区县", "due_on": due})
    assert r.status == 303, r
    A.post("/staff/appeals/%s/note" % ref, {"note": "内部:站长电话 010-1234"})
    t = lookup_fresh(ref, ph)
    y, m, d = (int(x) for x in due.split("-"))
    assert "已派给负责的工作人员办理" in t
    assert "已派给朝阳区工会办理,预计 %d年%d月%d日 前答复" % (y, m, d) in t
    assert "站长电话" not in t and "内部" not in t          # internal notes stay inside
    r = A.post("/staff/appeals/%s/answer" % ref,
               {"reply": "灵活就业人员可以在户籍地或就业地参加职工养老保险。\n具体可到区社保中心办理。"})
    assert r.status == 303, r
    t = lookup_fresh(ref, ph)
    assert "工会已答复" in t and "<h3>工会答复</h3>" in t
    assert "<p>灵活就业人员可以在户籍地或就业地参加职工养老保险。</p>" in t
    assert "<p>具体可到区社保中心办理。</p>" in t
    assert t.index("已提交") < t.index("已派单") < t.index("已答复:")
    r = A.post("/staff/appeals/%s/close" % ref, {"close_note": ""})
    assert r.status == 303, r
    assert "诉求已办结" in lookup_fresh(ref, ph)
    # a wrong phone, or the right phone with another kind's prefix: 未找到
    for rr, pp in ((ref, phone()), ("XY" + ref[2:], ph), ("RH" + ref[2:], ph)):
        t = lookup_fresh(rr, pp)
        assert "未找到" in t and "社会保险" not in t


def test_status_shows_a_refusals_reason():
    ph = phone()
    ref = ref_of(S.post("/appeal", appeal(phone=ph, kind="意见建议", matter="驿站设施")))
    r = A.post("/staff/appeals/%s/refuse" % ref,
               {"reason": "驿站由街道管理,请拨打 12345 反映。"})
    assert r.status == 303, r
    t = lookup_fresh(ref, ph)
    assert "诉求不予受理" in t
    assert "<dt>原因</dt><dd>驿站由街道管理,请拨打 12345 反映。</dd>" in t


# ---- hostile text ----

def test_hostile_text_is_stored_verbatim_and_shown_escaped():
    bad = "<script>alert(1)</script>\"' OR 1=1 --"
    name = "\"><img src=x onerror=alert(1)>"
    ph = phone()
    f = appeal(content=bad, name=name[:20], phone=ph)
    ref = ref_of(S.post("/appeal", f))
    assert row(ref, "content, name") == (bad, name[:20])
    # kept on a 422, escaped
    r = S.post("/appeal", appeal(content=bad, name=name[:20], phone="1"))
    assert r.status == 422 and "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    # on the staff page and in the reply at /status
    t = A.get("/staff/appeals/" + ref).text
    assert "<script>alert" not in t and "<img src=x" not in t and "&lt;script&gt;" in t
    A.post("/staff/appeals/%s/dispatch" % ref, {"district": "朝阳区",
           "assignee": "admin · 全部区县", "due_on": beijing("%Y-%m-%d", 86400)})
    A.post("/staff/appeals/%s/answer" % ref, {"reply": "答复<script>alert(2)</script>"})
    t = lookup_fresh(ref, ph)
    assert "<script>alert(2)" not in t and "答复&lt;script&gt;alert(2)&lt;/script&gt;" in t


if __name__ == "__main__":
    run(globals())
