#!/usr/bin/env python3
"""t0700: 入会审核 as union staff meet it — the queue of their district with
masked ID numbers, search and filters, stable paging, a record's page with
the full ID number (audited) and possible duplicates, approving (会员编号
in sequence, seen at /status), refusing with a reason (seen at /status; the
person may apply again), internal notes, wrong-state actions refused, the
district and role walls, the CSV export, and CSRF."""
import csv
import io
import re

from harness import Server, beijing, error_of, new_idno, new_ref, ref_of, run

S = None
A = CY = HD = LG = None          # admin; reviewers of 朝阳区 and 海淀区; legal
COUNTER = [0]                    # phones of the rows insert() makes
YEAR = beijing("%Y")


def masked(i):
    return i[:3] + "*" * 11 + i[14:]


def setup_module():
    global S, A, CY, HD, LG
    S = Server(workers=2)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")
    S.add_staff("legal_cy", "legal", "110105")
    A, CY, HD, LG = S.admin(), S.staff("rev_cy"), S.staff("rev_hd"), S.staff("legal_cy")


def apply(name, id_number, phone, district="朝阳区", occupation="快递员"):
    """Apply through the public form, as a worker does; returns the reference."""
    gender = "男" if int(id_number[16]) % 2 else "女"
    r = S.post("/join", {
        "_token": S.token("/join"), "name": name, "gender": gender, "id_number": id_number,
        "phone": phone, "employment": "新就业形态(平台)", "occupation": occupation,
        "district": district, "was_member": "否", "consent_charter": "1",
        "consent_sensitive": "1"})
    return ref_of(r)


def insert(name, district="110105", status="待审核", occupation="快递员",
           created="2026-03-10T02:00:00Z", phone=None, id_number=None):
    """A row put straight into the database (fast set-up); returns the ref."""
    ref = new_ref("RH")
    COUNTER[0] += 1
    S.sql_exec(
        "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at) VALUES (?, ?, '男', ?, ?, '灵活就业', ?,"
        " (SELECT id FROM districts WHERE code = ?), ?, 1, 1, ?, ?)",
        (ref, name, id_number or new_idno(area=district), phone or "139%08d" % COUNTER[0],
         occupation, district, status, created, created))
    return ref


def status_of(ref):
    return S.sql("SELECT status, reason, member_no FROM join_applications WHERE ref = ?",
                 (ref,))[0]


def refs_in(html):
    return re.findall(r'<a href="/staff/joins/(RH[0-9A-Z]{8})">', html)


def rows_of(resp):
    assert resp.body.startswith(b"\xef\xbb\xbf"), resp.body[:10]
    return list(csv.reader(io.StringIO(resp.body.decode("utf-8-sig"))))


# ---- the queue ----

def test_the_queue_shows_masked_ids_and_only_the_own_district():
    cy_id, hd_id = new_idno(), new_idno(area="110108")
    cy = apply("陈朝阳", cy_id, "13500000001", "朝阳区")
    hd = apply("何海淀", hd_id, "13500000002", "海淀区")
    page = CY.get("/staff/joins")
    assert page.status == 200, page
    t = page.text
    assert cy in refs_in(t) and hd not in refs_in(t)
    assert masked(cy_id) in t and cy_id not in t
    for col in ["编号", "提交时间", "姓名", "性别", "身份证号", "手机号", "职业", "就业形态",
                "区县", "驿站", "状态", "疑似重复"]:
        assert '<th scope="col">%s</th>' % col in t, col
    assert "陈朝阳" in t and "13500000001" in t and "朝阳区" in t and "待审核" in t
    # the URL cannot widen a district-bound reviewer's view
    t = CY.get("/staff/joins?district=%E6%B5%B7%E6%B7%80%E5%8C%BA").text
    assert hd not in refs_in(t) and cy in refs_in(t)
    assert 'name="district"' not in t      # no district choice for them
    t = HD.get("/staff/joins").text
    assert hd in refs_in(t) and cy not in refs_in(t)
    assert masked(hd_id) in t and hd_id not in t
    # an admin sees every district, and may pick one
    t = A.get("/staff/joins").text
    assert cy in refs_in(t) and hd in refs_in(t) and 'name="district"' in t
    t = A.get("/staff/joins?district=%E6%B5%B7%E6%B7%80%E5%8C%BA").text
    assert hd in refs_in(t) and cy not in refs_in(t)


def test_every_filter_control_has_a_label():
    t = A.get("/staff/joins").text
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target
    for label in ["状态", "区县", "职业", "提交日期从", "到", "搜索"]:
        assert ">%s</label>" % label in t, label


def test_newest_first():
    old = insert("先来", created="2026-01-01T00:00:00Z")
    new = insert("后到", created="2026-01-02T00:00:00Z")
    refs = refs_in(CY.get("/staff/joins").text)
    assert refs.index(new) < refs.index(old)


def test_search_by_reference_name_prefix_or_phone():
    a = insert("欧阳娜娜", phone="13600000011")
    b = insert("欧阳修", phone="13600000012")
    c = insert("司马光", phone="13600000013")
    other = insert("欧阳海", district="110108", phone="13600000014")
    assert refs_in(CY.get("/staff/joins?q=" + a).text) == [a]
    assert refs_in(CY.get("/staff/joins?q=13600000013").text) == [c]
    found = refs_in(CY.get("/staff/joins?q=%E6%AC%A7%E9%98%B3").text)   # 欧阳
    assert found == [b, a], found                 # newest first, no other district
    assert refs_in(CY.get("/staff/joins?q=%E6%AC%A7%E9%98%B3%E4%BF%AE").text) == [b]
    assert refs_in(CY.get("/staff/joins?q=" + other).text) == []
    assert refs_in(HD.get("/staff/joins?q=%E6%AC%A7%E9%98%B3").text) == [other]
    t = CY.get("/staff/joins?q=%E6%97%A0%E6%AD%A4%E4%BA%BA").text   # 无此人
    assert refs_in(t) == [] and "没有符合条件的入会申请" in t


def test_search_by_a_whole_id_number():
    i = new_idno()
    while not i.endswith("X"):
        i = new_idno()
    ref = insert("身份证查", id_number=i)
    assert refs_in(CY.get("/staff/joins?q=" + i).text) == [ref]
    assert refs_in(CY.get("/staff/joins?q=" + i.lower()).text) == [ref]
    assert refs_in(HD.get("/staff/joins?q=" + i).text) == []


def test_filter_by_status_occupation_and_dates():
    p = insert("筛选甲", occupation="保安员", created="2025-03-10T02:00:00Z")
    d = insert("筛选乙", occupation="保安员", status="已通过", created="2025-03-20T02:00:00Z")
    x = insert("筛选丙", occupation="保安员", status="未通过", created="2025-06-01T02:00:00Z")
    k = insert("筛选丁", occupation="护工护理员", created="2025-03-15T02:00:00Z")
    t = CY.get("/staff/joins?kind=%E4%BF%9D%E5%AE%89%E5%91%98").text           # 保安员
    assert refs_in(t) == [x, d, p], refs_in(t)
    t = CY.get("/staff/joins?kind=%E4%BF%9D%E5%AE%89%E5%91%98&status=%E5%B7%B2%E9%80%9A%E8%BF%87").text
    assert refs_in(t) == [d]
    assert re.search(r"<option selected>已通过</option>", t)
    t = CY.get("/staff/joins?q=%E7%AD%9B%E9%80%89&from=2025-03-01&to=2025-03-31").text   # 筛选
    assert refs_in(t) == [k, d, p], refs_in(t)
    assert 'value="2025-03-01"' in t and 'value="2025-03-31"' in t
    # a day is a Shanghai day: 2025-03-10 02:00Z is 10:00 on the 10th
    t = CY.get("/staff/joins?from=2025-03-10&to=2025-03-10").text
    assert refs_in(t) == [p]
    t = CY.get("/staff/joins?status=%E6%9C%AA%E9%80%9A%E8%BF%87&from=2025-01-01").text  # 未通过
    assert x in refs_in(t) and p not in refs_in(t) and d not in refs_in(t)
    t = CY.get("/staff/joins?from=2025-13-45").text
    assert "开始日期格式" in t


def test_paging_by_50_is_stable_while_new_applications_arrive():
    made = [insert("翻页%03d" % i, occupation="房产中介",
                   created="2026-04-01T%02d:%02d:00Z" % (i // 60, i % 60)) for i in range(120)]
    made.reverse()                           # newest first
    q = "/staff/joins?kind=%E6%88%BF%E4%BA%A7%E4%B8%AD%E4%BB%8B"      # 房产中介
    t = CY.get(q).text
    assert refs_in(t) == made[:50]
    nxt = re.search(r'<a href="([^"]+)">下一页', t).group(1).replace("&amp;", "&")
    assert "before=" in nxt and "kind=" in nxt
    # new applications come in while the reviewer reads page one
    newer = [insert("翻页新%d" % i, occupation="房产中介") for i in range(3)]
    t = CY.get(nxt).text
    assert refs_in(t) == made[50:100], refs_in(t)
    assert "最新一页" in t
    nxt = re.search(r'<a href="([^"]+)">下一页', t).group(1).replace("&amp;", "&")
    t = CY.get(nxt).text
    assert refs_in(t) == made[100:]
    assert "下一页" not in t
    first = CY.get(q).text
    assert refs_in(first)[:3] == newer[::-1]


def test_a_dense_name_or_date_search_still_pages_by_id():
    # 5,100 rows in 东城区 whose names share a prefix and whose dates a year
    S.sql_exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5100)"
        " INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at) SELECT printf('RHZZ%06d', i), '密集' || i, '女',"
        " printf('1101011980%08d', i), printf('137%08d', i), '灵活就业', '其他',"
        " (SELECT id FROM districts WHERE code = '110101'), '待审核', 1, 1,"
        " printf('2024-02-%02dT03:00:00Z', i % 28 + 1), '2024-02-01T00:00:00Z' FROM n")
    t = A.get("/staff/joins?q=%E5%AF%86%E9%9B%86").text                  # 密集
    names = re.findall(r"<td>(密集\d+)</td>", t)
    assert len(names) == 50 and names[0] == "密集5100" and names[-1] == "密集5051", names
    assert "下一页" in t
    old = "/staff/joins?from=2024-01-01&to=2024-12-31"
    t = A.get(old).text
    names = re.findall(r"<td>(密集\d+)</td>", t)
    assert len(names) == 50 and names[0] == "密集5100", names
    t = CY.get("/staff/joins?q=%E5%AF%86%E9%9B%86").text
    assert refs_in(t) == []                                              # 东城区 only
    # 20,000 newer rows in 通州区 put 2024 far back: found by date, same pages
    S.sql_exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
        " INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at) SELECT printf('RHYY%06d', i), '后来' || i, '女',"
        " printf('1101121985%08d', i), printf('136%08d', i), '灵活就业', '其他',"
        " (SELECT id FROM districts WHERE code = '110112'), '已通过', 1, 1,"
        " '2025-05-05T03:00:00Z', '2025-05-05T03:00:00Z' FROM n")
    t = A.get(old).text
    names = re.findall(r"<td>(密集\d+)</td>", t)
    assert len(names) == 50 and names[0] == "密集5100" and names[-1] == "密集5051", names
    nxt = re.search(r'<a href="([^"]+)">下一页', t).group(1).replace("&amp;", "&")
    names = re.findall(r"<td>(密集\d+)</td>", A.get(nxt).text)
    assert names[0] == "密集5050" and names[-1] == "密集5001", names
    t = A.get(old + "&status=%E5%BE%85%E5%AE%A1%E6%A0%B8&district=%E4%B8%9C%E5%9F%8E%E5%8C%BA").text
    assert re.findall(r"<td>(密集\d+)</td>", t)[0] == "密集5100"


# ---- one application ----

def test_the_record_page_shows_everything_and_audits_the_full_id():
    i = new_idno(False)
    ref = apply("林小红", i, "13500000021", "朝阳区", occupation="家政服务员")
    before = len(S.audits("view.idcard", ref))
    r = CY.get("/staff/joins/" + ref)
    assert r.status == 200, r
    t = r.text
    for words in [ref, "林小红", "女", i, "13500000021", "家政服务员", "新就业形态(平台)",
                  "朝阳区", "待审核", "已提交", "通过,分配会员编号", "未通过原因", "内部备注"]:
        assert words in t, words
    assert len(S.audits("view.idcard", ref)) == before + 1
    assert S.audits("view.idcard", ref)[-1][0] == "rev_cy"
    CY.get("/staff/joins/" + ref)
    assert len(S.audits("view.idcard", ref)) == before + 2
    # each form posts the session's CSRF token and labels its control
    assert t.count('name="_csrf"') >= 4
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target


def test_possible_duplicates_are_flagged_with_links():
    i = new_idno()
    first = insert("重复甲", phone="13500000031", id_number=i, status="未通过")
    second = insert("重复甲", phone="13500000032", id_number=i)            # same ID
    third = insert("重复甲", phone="13500000031")                         # same phone+name
    lone = insert("不重复", phone="13500000033")
    t = CY.get("/staff/joins?q=%E9%87%8D%E5%A4%8D%E7%94%B2").text         # 重复甲
    assert t.count('<span class="flag">疑似重复</span>') == 3
    t = CY.get("/staff/joins/" + first).text
    assert "疑似重复申请" in t
    assert '<a href="/staff/joins/%s">' % second in t and '<a href="/staff/joins/%s">' % third in t
    assert "身份证号相同" in t and "手机号和姓名相同" in t
    t = CY.get("/staff/joins/" + lone).text
    assert "疑似重复申请" not in t


def test_approving_assigns_member_numbers_in_sequence():
    ids = [new_idno(), new_idno(), new_idno(area="110108")]
    a = apply("通过一", ids[0], "13500000041", "朝阳区")
    b = apply("通过二", ids[1], "13500000042", "朝阳区")
    c = apply("通过三", ids[2], "13500000043", "海淀区")
    r = CY.post("/staff/joins/%s/approve" % a)
    assert r.status == 303 and r.header("Location").startswith("/staff/joins/" + a), r
    assert CY.post("/staff/joins/%s/approve" % b).status == 303
    assert HD.post("/staff/joins/%s/approve" % c).status == 303
    na, nb, nc = (status_of(x)[2] for x in (a, b, c))
    assert re.fullmatch(r"110105-%s-\d{6}" % YEAR, na), na
    assert int(nb[-6:]) == int(na[-6:]) + 1, (na, nb)
    assert nc == "110108-%s-000001" % YEAR, nc
    assert status_of(a)[0] == "已通过"
    t = CY.get("/staff/joins/" + a).text
    assert na in t and "已通过" in t
    assert "通过,分配会员编号" not in t          # no more approve/reject forms
    assert S.audits("join.approve", a) == [("rev_cy", a, "会员编号 " + na)]
    # the applicant sees it at /status
    t = S.status_page(a, "13500000041")
    assert "已通过" in t and na in t


def test_refusing_needs_a_reason_and_changes_nothing_without_one():
    ref = apply("缺理由", new_idno(), "13500000051")
    events = S.sql("SELECT count(*) FROM events WHERE ref = ?", (ref,))
    r = CY.post("/staff/joins/%s/reject" % ref, {"reason": "  "})
    assert r.status == 422, r
    assert error_of(r.text, "reason") == "请填写未通过原因"
    r = CY.post("/staff/joins/%s/reject" % ref, {"reason": "长" * 501})
    assert r.status == 422 and "最多 500 个字" in error_of(r.text, "reason")
    assert "长" * 501 in r.text                  # what was typed is kept
    assert status_of(ref) == ("待审核", "", None)
    assert S.sql("SELECT count(*) FROM events WHERE ref = ?", (ref,)) == events
    assert S.audits("join.reject", ref) == []


def test_a_refusal_reason_reaches_the_applicant_who_may_apply_again():
    i = new_idno()
    ref = apply("再申请", i, "13500000061")
    reason = "工作单位名称无法核实,请填写营业执照上的全称后重新申请"
    r = CY.post("/staff/joins/%s/reject" % ref, {"reason": reason})
    assert r.status == 303, r
    assert status_of(ref) == ("未通过", reason, None)
    assert S.audits("join.reject", ref) == [("rev_cy", ref, reason)]
    t = S.status_page(ref, "13500000061")
    assert "未通过" in t and reason in t and "重新申请" in t
    again = apply("再申请", i, "13500000061")
    assert again != ref and status_of(again)[0] == "待审核"


def test_an_action_from_the_wrong_state_is_refused_and_changes_nothing():
    rej = insert("已拒", status="未通过")
    S.sql_exec("UPDATE join_applications SET reason = '材料不全' WHERE ref = ?", (rej,))
    ok = apply("已过", new_idno(), "13500000071")
    assert CY.post("/staff/joins/%s/approve" % ok).status == 303
    member = status_of(ok)[2]
    seq = S.sql("SELECT last FROM member_seq")
    r = CY.post("/staff/joins/%s/approve" % rej)
    assert r.status == 409, r
    assert "不能再通过" in r.text and "没有做任何更改" in r.text
    assert status_of(rej) == ("未通过", "材料不全", None)
    r = CY.post("/staff/joins/%s/approve" % ok)
    assert r.status == 409 and status_of(ok) == ("已通过", "", member)
    r = CY.post("/staff/joins/%s/reject" % ok, {"reason": "改主意了"})
    assert r.status == 409 and "不能再标记为未通过" in r.text
    assert status_of(ok) == ("已通过", "", member)
    assert S.sql("SELECT last FROM member_seq") == seq
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND status = '未通过'", (ok,)) == [(0,)]


def test_an_internal_note_is_kept_from_the_applicant():
    ref = apply("有备注", new_idno(), "13500000081")
    r = CY.post("/staff/joins/%s/note" % ref, {"note": "电话核实过,本人确认"})
    assert r.status == 303, r
    t = CY.get("/staff/joins/" + ref).text
    assert "电话核实过,本人确认" in t and "内部,申请人看不到" in t and "rev_cy" in t
    assert S.sql("SELECT public, staff_id IS NOT NULL FROM events WHERE ref = ?"
                 " AND note = '电话核实过,本人确认'", (ref,)) == [(0, 1)]
    assert S.audits("join.note", ref) != []
    assert "电话核实过" not in S.status_page(ref, "13500000081")
    r = CY.post("/staff/joins/%s/note" % ref, {"note": ""})
    assert r.status == 422 and error_of(r.text, "note") == "请填写内部备注"
    assert status_of(ref)[0] == "待审核"     # a note changes no status


def test_text_is_shown_escaped():
    ref = insert("<script>alert(1)</script>")
    S.sql_exec("UPDATE join_applications SET employer = '\"><b>x</b>' WHERE ref = ?", (ref,))
    t = CY.get("/staff/joins/" + ref).text
    assert "<script>alert(1)</script>" not in t and "&lt;script&gt;" in t
    assert "<b>x</b>" not in t
    assert "<script>alert" not in CY.get("/staff/joins?q=" + ref).text


# ---- the walls ----

def test_another_districts_record_is_404_for_reading_and_acting():
    ref = apply("海淀人", new_idno(area="110108"), "13500000091", "海淀区")
    before = len(S.audits("view.idcard", ref))
    assert CY.get("/staff/joins/" + ref).status == 404
    for action, fields in [("approve", {}), ("reject", {"reason": "不该看到"}),
                           ("note", {"note": "不该看到"})]:
        r = CY.post("/staff/joins/%s/%s" % (ref, action), fields)
        assert r.status == 404, (action, r)
    assert status_of(ref) == ("待审核", "", None)
    assert S.sql("SELECT count(*) FROM events WHERE ref = ?", (ref,)) == [(1,)]
    assert len(S.audits("view.idcard", ref)) == before
    assert HD.get("/staff/joins/" + ref).status == 200
    assert A.get("/staff/joins/" + ref).status == 200
    for bad in ["RH00000000", "nonsense", "FY23456789"]:
        assert CY.get("/staff/joins/" + bad).status == 404


def test_a_legal_role_account_gets_404_on_every_joins_route():
    ref = insert("法援看不到")
    for path in ["/staff/joins", "/staff/joins.csv", "/staff/joins/" + ref]:
        assert LG.get(path).status == 404, path
    for action in ["approve", "reject", "note"]:
        r = LG.post("/staff/joins/%s/%s" % (ref, action), {"reason": "x", "note": "x"})
        assert r.status == 404, (action, r)
    assert status_of(ref) == ("待审核", "", None)
    # and nobody logged out gets in
    r = S.get("/staff/joins")
    assert r.status == 302 and r.header("Location").startswith("/staff/login")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing():
    ref = insert("防伪造")
    for action in ["approve", "reject", "note"]:
        r = CY.post("/staff/joins/%s/%s" % (ref, action),
                    {"reason": "x", "note": "x"}, csrf=False)
        assert r.status == 403, (action, r)
        r = CY.post("/staff/joins/%s/%s" % (ref, action),
                    {"reason": "x", "note": "x", "_csrf": "0" * 32})
        assert r.status == 403, (action, r)
    assert status_of(ref) == ("待审核", "", None)
    assert S.sql("SELECT count(*) FROM events WHERE ref = ?", (ref,)) == [(0,)]


# ---- the export ----

def test_the_csv_export_follows_the_filter_and_masks_ids():
    i = new_idno()
    ref = insert('=HYPERLINK("http://evil.example","点我")', occupation="商场信息员",
                 id_number=i)
    plain = insert("导出乙", occupation="商场信息员", status="已通过")
    insert("导出丙", occupation="建筑工人")
    hd = insert("导出丁", occupation="商场信息员", district="110108")
    r = CY.get("/staff/joins.csv?kind=%E5%95%86%E5%9C%BA%E4%BF%A1%E6%81%AF%E5%91%98")  # 商场信息员
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="joins-\d{8}\.csv"',
                        r.header("Content-Disposition")), r.header("Content-Disposition")
    rows = rows_of(r)
    assert rows[0] == ["编号", "提交时间", "姓名", "性别", "身份证号", "手机号", "职业",
                       "就业形态", "区县", "驿站", "状态", "会员编号", "疑似重复", "答复期限",
                       "期限情况"]
    refs = [row[0] for row in rows[1:]]
    assert refs == [plain, ref], refs                 # filtered, own district only
    row = rows[2]
    assert row[4] == masked(i) and i not in r.text
    assert row[2].startswith("'=HYPERLINK(")          # neutralised for spreadsheets
    assert "\r\n" in r.text and row[6] == "商场信息员" and row[8] == "朝阳区"
    assert rows[1][10] == "已通过"
    assert hd not in r.text
    u, target, detail = S.audits("export")[-1]
    assert u == "rev_cy" and "商场信息员" in detail and "朝阳区" in detail
    assert S.audits("export.full") == []
    # a reviewer asking for full numbers still gets masked ones
    r = CY.get("/staff/joins.csv?full=1&q=" + ref)
    assert masked(i) in r.text and i not in r.text
    assert S.audits("export.full") == []


def test_the_csv_export_has_every_page():
    rows = rows_of(CY.get("/staff/joins.csv?kind=%E6%88%BF%E4%BA%A7%E4%B8%AD%E4%BB%8B"))
    assert len(rows) == 1 + 123                       # 120 + 3 from the paging test
    rows = rows_of(A.get("/staff/joins.csv?district=%E4%B8%9C%E5%9F%8E%E5%8C%BA"))  # 东城区
    assert len(rows) == 1 + 5100


def test_an_admin_may_export_full_id_numbers_and_that_is_audited():
    i = new_idno()
    ref = insert("全号导出", id_number=i)
    t = A.get("/staff/joins").text
    assert "full=1" in t and "full=1" not in CY.get("/staff/joins").text
    r = A.get("/staff/joins.csv?full=1&q=" + ref)
    rows = rows_of(r)
    assert rows[1][0] == ref and rows[1][4] == i
    assert S.audits("export.full")[-1][0] == "admin"
    assert S.audits("export")[-1][0] == "admin" and ref in S.audits("export")[-1][2]
    r = A.get("/staff/joins.csv?q=" + ref)
    assert rows_of(r)[1][4] == masked(i)


run(globals())
