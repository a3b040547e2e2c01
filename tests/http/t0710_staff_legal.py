#!/usr/bin/env python3
"""t0710: 法律援助 on the staff desk — the queue of one's district with its
filters, search and stable paging; a case's own page (every field, the full
ID number audited, the evidence files, the history, the triage hint); the
evidence download; the workflow from 待受理 to a close, each step an event
the applicant sees at /status and an audit entry; refusals that change
nothing; the district and role walls; the CSV export."""
import csv
import io
import re
import sqlite3
import urllib.parse

from harness import PDF, PNG, Server, error_of, new_ref, ref_of, run, unescape

S = None
ADMIN = L5 = L8 = REV = None      # admin; legal officers of 朝阳区 and 海淀区; a reviewer
VALID_ID = "11010519491231002X"   # GB 11643 example, check digit X
MASKED_ID = "110***********002X"
DISTRICT = {}                     # code -> id


def setup_module():
    global S, ADMIN, L5, L8, REV
    S = Server(workers=2)
    S.add_staff("law105", "legal", "110105")
    S.add_staff("law105b", "legal", "110105")
    S.add_staff("law108", "legal", "110108")
    S.add_staff("rev105", "reviewer", "110105")
    ADMIN, L5, L8, REV = S.admin(), S.staff("law105"), S.staff("law108"), S.staff("rev105")
    DISTRICT.update(dict(S.sql("SELECT code, id FROM districts")))


# ---- making cases ----

def apply(name, phone, district="朝阳区", kind="拖欠工资", amount="12345.67", idno=VALID_ID,
          files=(), may_call=True, employer="某某建筑劳务有限公司"):
    """A worker's application through the public form; returns the reference."""
    fields = [("_token", S.token("/legal-aid")), ("website", ""),
              ("name", name), ("phone", phone), ("id_number", idno), ("district", district),
              ("employer", employer), ("dispute_type", kind), ("people", "3"),
              ("amount", amount), ("facts", "2024 年 3 月到 10 月在工地干活,老板一直没发工资。"),
              ("claims", "补发拖欠的工资"), ("member_status", "否"),
              ("contact_time", "工作日晚上 7 点以后"), ("consent_sensitive", "1")]
    if may_call:
        fields.append(("may_call", "1"))
    r = S.post_multipart("/legal-aid", fields, files)
    return ref_of(r)


ROW_SQL = ("INSERT INTO legal_cases (ref, name, phone, id_number, district_id, employer,"
           " dispute_type, people, amount_fen, facts, claims, member_status, may_call,"
           " consent_sensitive, status, created_at, updated_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, '事实经过写在这里', '补发工资', '否', 0, 1, ?, ?, ?)")


def insert(code, name="周八", phone="13600000000", kind="其他", amount=None, status="待受理",
           created="2026-01-05T02:00:00Z", employer="某公司", idno=""):
    """A case put straight into the database (fast set-up)."""
    ref = new_ref("FY")
    S.sql_exec(ROW_SQL, (ref, name, phone, idno, DISTRICT[code], employer, kind, amount,
                         status, created, created))
    return ref


def case(ref):
    cols = ("status", "reason", "assignee_id", "handler_name", "recovered_fen", "closed_at",
            "created_at")
    row = S.sql("SELECT %s FROM legal_cases WHERE ref = ?" % ", ".join(cols), (ref,))[0]
    return dict(zip(cols, row))


def events(ref):
    return S.sql("SELECT status, note, public, staff_id FROM events WHERE ref = ? ORDER BY id",
                 (ref,))


def audits(action, target):
    return S.audits(action, target, "username, detail")


def refs(html):
    """The references listed in a queue page, in order."""
    return re.findall(r'<a href="/staff/legal-aid/(FY[0-9A-Z]{8})">', html)


def row_of(html, ref):
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        if ref in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return None


def step(who, ref, name, fields=None, **kw):
    return who.post("/staff/legal-aid/%s/%s" % (ref, name), fields, **kw)


# ---- the queue ----

def test_the_queue_shows_the_own_district_with_every_column():
    mine = apply("张三丰", "13900000001", may_call=False)
    theirs = apply("李四", "13900000002", district="海淀区")
    t = L5.get("/staff/legal-aid")
    assert t.status == 200, t
    assert mine in refs(t.text) and theirs not in refs(t.text)
    for head in ("编号", "提交时间", "姓名", "手机号", "区县", "用人单位", "纠纷类型", "涉及人数",
                 "涉及金额(元)", "状态", "负责人", "可以联系", "受理提示"):
        assert "<th scope=\"col\">%s</th>" % head in t.text, head
    row = row_of(t.text, mine)
    for cell in ("张三丰", "13900000001", "朝阳区", "某某建筑劳务有限公司", "拖欠工资", " 3 ",
                 "12,345.67", "待受理", " 否 ", "不限金额"):
        assert cell in row, (cell, row)
    assert VALID_ID not in t.text
    # 海淀区's officer sees only theirs; a district in the URL does not widen a view
    t8 = L8.get("/staff/legal-aid").text
    assert theirs in refs(t8) and mine not in refs(t8)
    assert mine not in refs(L8.get("/staff/legal-aid?district=%E6%9C%9D%E9%98%B3%E5%8C%BA").text)
    # the admin sees every district, and may narrow to one
    assert {mine, theirs} <= set(refs(ADMIN.get("/staff/legal-aid").text))
    only = refs(ADMIN.get("/staff/legal-aid?district=%E6%B5%B7%E6%B7%80%E5%8C%BA").text)
    assert theirs in only and mine not in only


def test_filters_by_status_type_and_date_and_search_by_reference_name_phone():
    a = insert("110105", "欧阳修", "13700000011", "社会保险", 30000, "已受理", "2025-03-10T02:00:00Z")
    b = insert("110105", "欧阳锋", "13700000012", "工伤", None, "待受理", "2025-04-20T02:00:00Z")
    c = insert("110105", "司马光", "13700000013", "其他", 500000, "调解中", "2025-05-05T02:00:00Z")
    # 23:30 on 30 April in Shanghai, though already 1 May in nowhere that matters
    d = insert("110105", "司马迁", "13700000014", "工伤", None, "待受理", "2025-04-30T15:30:00Z")
    ours = {a, b, c, d}

    def shown(query):
        return set(refs(L5.get("/staff/legal-aid?" + query).text)) & ours

    q = urllib.parse.quote
    assert shown("status=" + q("已受理")) == {a}
    assert shown("kind=" + q("工伤")) == {b, d}
    assert shown("status=%s&kind=%s" % (q("待受理"), q("工伤"))) == {b, d}
    assert shown("status=%s&kind=%s" % (q("调解中"), q("工伤"))) == set()
    assert shown("from=2025-04-01&to=2025-04-30") == {b, d}
    assert shown("from=2025-05-01") == {c}
    assert shown("q=" + q("欧阳")) == {a, b}
    assert shown("q=" + q("司马光")) == {c}
    assert shown("q=13700000012") == {b}
    assert shown("q=" + c) == {c}
    assert shown("q=%s&status=%s" % (q("欧阳"), q("待受理"))) == {b}
    page = L5.get("/staff/legal-aid?status=" + q("已受理")).text
    assert re.search(r"<option selected>已受理</option>", page)
    assert 'value="%s"' % "2025-04-01" in L5.get("/staff/legal-aid?from=2025-04-01").text
    assert "日期格式" in L5.get("/staff/legal-aid?from=2025-13-45").text


def test_fifty_a_page_and_a_new_case_does_not_shift_the_pages():
    con = sqlite3.connect(S.db, timeout=10)
    made = []
    for i in range(120):
        ref = new_ref("FY")
        made.append(ref)
        con.execute(ROW_SQL, (ref, "通州%03d" % i, "1350000%04d" % i, "", DISTRICT["110112"],
                              "某公司", "其他", None, "待受理", "2026-02-01T02:00:00Z",
                              "2026-02-01T02:00:00Z"))
    con.commit()
    con.close()
    newest_first = made[::-1]
    base = "/staff/legal-aid?district=%E9%80%9A%E5%B7%9E%E5%8C%BA"
    p1 = ADMIN.get(base).text
    assert refs(p1) == newest_first[:50]
    nxt = unescape(re.search(r'<a href="([^"]+)">下一页', p1).group(1))
    assert "before=" in nxt and "district=" in nxt
    late = insert("110112", "后来的")
    p2 = ADMIN.get(nxt).text
    assert refs(p2) == newest_first[50:100]
    assert late not in refs(p2)
    p3 = ADMIN.get(unescape(re.search(r'<a href="([^"]+)">下一页', p2).group(1))).text
    assert refs(p3) == newest_first[100:]
    assert "下一页" not in p3 and "最新一页" in p3
    assert refs(ADMIN.get(base).text)[0] == late


# ---- a case's own page ----

def test_the_case_page_shows_every_field_and_audits_the_full_id_number():
    ref = apply("王建国", "13900000003", files=[("evidence", "工资条.png", "image/png", PNG)])
    before = len(audits("view.idcard", ref))
    r = L5.get("/staff/legal-aid/" + ref)
    assert r.status == 200, r
    t = r.text
    for text in (ref, "王建国", "13900000003", VALID_ID, "朝阳区", "某某建筑劳务有限公司",
                 "拖欠工资", "¥12,345.67", "老板一直没发工资", "补发拖欠的工资",
                 "工作日晚上 7 点以后", "可以打电话", "工资条.png", "已提交"):
        assert text in t, text
    assert len(audits("view.idcard", ref)) == before + 1
    assert audits("view.idcard", ref)[-1][0] == "law105"
    L5.get("/staff/legal-aid/" + ref)
    assert len(audits("view.idcard", ref)) == before + 2
    # no ID number given: nothing to show, nothing audited
    plain = apply("赵六", "13900000004", idno="", may_call=False)
    t = L5.get("/staff/legal-aid/" + plain).text
    assert "未填写" in t and "请先发短信" in t
    assert audits("view.idcard", plain) == []


def test_the_triage_hint_follows_the_union_rule():
    wages = insert("110105", kind="拖欠工资", amount=50000)
    small = insert("110105", kind="社会保险", amount=30000)
    enough = insert("110105", kind="社会保险", amount=100000)
    unknown = insert("110105", kind="加班/休息休假", amount=None)
    t = L5.get("/staff/legal-aid/" + wages).text
    assert "农民工欠薪、工伤不受金额限制" in t
    t = L5.get("/staff/legal-aid/" + small).text
    assert re.search(r'<span class="flag">涉及金额不足 ¥1,000', t), t
    t = L5.get("/staff/legal-aid/" + enough).text
    assert "达到 ¥1,000 的受理标准" in t and "不足" not in t
    assert "没有填写涉及金额" in L5.get("/staff/legal-aid/" + unknown).text
    listing = L5.get("/staff/legal-aid").text
    assert "不足¥1,000" in row_of(listing, small)
    assert "≥¥1,000" in row_of(listing, enough)
    assert "不限金额" in row_of(listing, wages)


def test_evidence_downloads_exactly_as_uploaded_and_audited():
    ref = apply("孙七", "13900000005", files=[("evidence", "工资条.png", "image/png", PNG),
                                              ("evidence", "合同.pdf", "application/pdf", PDF)])
    other = apply("钱八", "13900000006", files=[("evidence", "a.png", "image/png", PNG)])
    files = S.sql("SELECT f.id, f.mime FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                  " WHERE c.ref = ? ORDER BY f.id", (ref,))
    other_file = S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                       " WHERE c.ref = ?", (other,))[0][0]
    page = L5.get("/staff/legal-aid/" + ref).text
    png_url = "/staff/legal-aid/%s/files/%d" % (ref, files[0][0])
    pdf_url = "/staff/legal-aid/%s/files/%d" % (ref, files[1][0])
    assert 'href="%s"' % png_url in page and 'href="%s"' % pdf_url in page
    before = len(audits("view.evidence", ref))
    r = L5.get(png_url)
    assert r.status == 200, r
    assert r.body == PNG
    assert r.header("Content-Type") == "image/png"
    cd = r.header("Content-Disposition")
    assert cd.startswith("attachment;"), cd
    assert 'filename="evidence-%d.png"' % files[0][0] in cd, cd
    assert "filename*=UTF-8''%E5%B7%A5%E8%B5%84%E6%9D%A1.png" in cd, cd
    r = L5.get(pdf_url)
    assert r.body == PDF and r.header("Content-Type") == "application/pdf"
    assert len(audits("view.evidence", ref)) == before + 2
    assert audits("view.evidence", ref)[-1][0] == "law105"
    assert ADMIN.get(png_url).status == 200
    # not for another district, not for a reviewer, not another case's file
    after = len(audits("view.evidence", ref))
    assert L8.get(png_url).status == 404
    assert REV.get(png_url).status == 404
    assert L5.get("/staff/legal-aid/%s/files/%d" % (ref, other_file)).status == 404
    assert L5.get("/staff/legal-aid/%s/files/999999" % ref).status == 404
    assert L5.get("/staff/legal-aid/%s/files/abc" % ref).status == 404
    assert len(audits("view.evidence", ref)) == after


# ---- the workflow ----

def test_the_whole_workflow_to_a_successful_mediation():
    phone = "13900000100"
    ref = apply("周九", phone, kind="解除劳动合同/经济补偿", amount="20000")
    me = S.staff_id("law105")
    r = step(L5, ref, "accept")
    assert r.status == 303, r
    assert case(ref)["status"] == "已受理"
    assert r.header("Location") == "/staff/legal-aid/%s?done=accept" % ref
    page = L5.get(r.header("Location")).text
    assert '<p class="notice" role="status">已受理</p>' in page
    # assign: the select offers who may handle 朝阳区's cases
    options = re.findall(r"<option(?: selected)?>([^<]+)</option>", page)
    assert "law105b" in options and "law105" in options and "admin" in options
    assert "rev105" not in options and "law108" not in options
    r = step(L5, ref, "assign", {"assignee": "law105b", "handler_name": "李律师"})
    assert r.status == 303, r
    row = case(ref)
    assert row["status"] == "已指派" and row["handler_name"] == "李律师"
    assert row["assignee_id"] == S.staff_id("law105b")
    assert "law105b" in row_of(L5.get("/staff/legal-aid").text, ref)
    assert step(L5, ref, "mediate").status == 303
    assert case(ref)["status"] == "调解中"
    assert step(L5, ref, "note", {"note": "单位同意下周面谈,内部记录勿外传"}).status == 303
    r = step(L5, ref, "close", {"outcome": "调解成功", "recovered": "5000.5",
                                "close_note": "单位已当场支付"})
    assert r.status == 303, r
    row = case(ref)
    assert row["status"] == "调解成功"
    assert row["recovered_fen"] == 500050
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["closed_at"]), row
    assert row["closed_at"] >= row["created_at"]
    # every step is an event by the officer; only the note is internal,
    # and the 回访 link the closing sent (issue 12)
    ev = events(ref)
    assert [e[0] for e in ev] == ["已提交", "已受理", "已指派", "调解中", "调解中", "调解成功",
                                  "回访"]
    assert [e[2] for e in ev] == [1, 1, 1, 1, 0, 1, 0]
    assert all(e[3] == me for e in ev[1:])
    for action in ("legal.accept", "legal.assign", "legal.mediate", "legal.note", "legal.close"):
        assert len(audits(action, ref)) == 1, action
    assert "调解中 → 调解成功" in audits("legal.close", ref)[0][1]
    # the case page: the result, the history with who did it, no more steps
    t = L5.get("/staff/legal-aid/" + ref).text
    assert "¥5,000.50" in t and "李律师" in t and "内部备注" in t
    assert "/accept" not in t and "/assign" not in t and "/close" not in t and "/note" in t
    # the applicant sees each step in order, and not the internal note
    s = S.status_page(ref, phone)
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', s, re.S).group(1)
    positions = [timeline.find(w) for w in ("已提交", "已受理", "已指派", "调解中", "调解成功")]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "李律师" in timeline and "5,000.50" in timeline
    assert "内部记录勿外传" not in s


def test_a_refusal_needs_a_reason_and_the_applicant_sees_it():
    phone = "13900000101"
    ref = apply("吴十", phone, kind="其他", amount="200")
    n = len(events(ref))
    r = step(L5, ref, "reject", {"reason": " "})
    assert r.status == 422, r
    assert error_of(r.text, "reason") == "请填写不予受理原因"
    assert case(ref)["status"] == "待受理" and len(events(ref)) == n
    assert audits("legal.reject", ref) == []
    reason = "不属于劳动争议,建议向消费者协会投诉"
    r = step(L5, ref, "reject", {"reason": reason})
    assert r.status == 303, r
    row = case(ref)
    assert row["status"] == "不予受理" and row["reason"] == reason and row["closed_at"]
    assert len(audits("legal.reject", ref)) == 1
    s = S.status_page(ref, phone)
    assert "不予受理" in s and reason in s


def test_a_step_not_allowed_now_is_refused_and_changes_nothing():
    ref = insert("110105")
    n = len(events(ref))
    for name, fields in (("mediate", None), ("assign", {"assignee": "law105", "handler_name": "x"}),
                         ("close", {"outcome": "撤回"})):
        r = step(L5, ref, name, fields)
        assert r.status == 409, (name, r)
        assert "现在是“待受理”状态" in r.text and "什么也没有改变" in r.text
    assert case(ref)["status"] == "待受理" and len(events(ref)) == n
    assert step(L5, ref, "accept").status == 303
    r = step(L5, ref, "accept")
    assert r.status == 409 and "不能受理" in r.text
    assert step(L5, ref, "reject", {"reason": "晚了"}).status == 409
    assert case(ref)["status"] == "已受理"
    assert step(L5, ref, "nonsense").status == 404
    # a closed case takes notes, nothing else
    done = insert("110105", status="撤回")
    assert step(L5, done, "close", {"outcome": "调解成功", "recovered": "1"}).status == 409
    assert step(L5, done, "note", {"note": "申请人来电询问"}).status == 303
    assert case(done)["status"] == "撤回"


def test_assigning_someone_who_may_not_handle_the_case_is_refused():
    ref = insert("110105", status="已受理")
    for who in ("rev105", "law108", "nobody"):
        r = step(L5, ref, "assign", {"assignee": who, "handler_name": "李律师"})
        assert r.status == 422, (who, r)
        assert error_of(r.text, "assignee") == "请从列表中选择负责人"
    r = step(L5, ref, "assign", {"assignee": "law105", "handler_name": ""})
    assert r.status == 422
    assert error_of(r.text, "handler_name") == "请填写律师或调解员姓名"
    row = case(ref)
    assert row["status"] == "已受理" and row["assignee_id"] is None
    assert audits("legal.assign", ref) == []


def test_closing_needs_an_amount_for_success_with_at_most_two_decimals():
    ref = insert("110105", status="已指派")
    for fields, name in (({"outcome": "调解成功"}, "recovered"),
                         ({"outcome": "调解成功", "recovered": "12.345"}, "recovered"),
                         ({"outcome": "调解成功", "recovered": "-5"}, "recovered"),
                         ({"recovered": "100"}, "outcome")):
        r = step(L5, ref, "close", fields)
        assert r.status == 422, (fields, r)
        assert error_of(r.text, name), (fields, r.text)
        assert 'value="%s"' % fields.get("recovered", "") in r.text
    assert case(ref)["status"] == "已指派"
    r = step(L5, ref, "close", {"outcome": "转仲裁"})
    assert r.status == 303, r
    row = case(ref)
    assert row["status"] == "转仲裁" and row["recovered_fen"] is None and row["closed_at"]
    r = step(L5, ref, "note", {"note": ""})
    assert r.status == 422 and error_of(r.text, "note")


# ---- walls ----

def test_another_districts_officer_and_a_reviewer_get_404_everywhere():
    ref = apply("郑十一", "13900000007", files=[("evidence", "a.png", "image/png", PNG)])
    fid = S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                " WHERE c.ref = ?", (ref,))[0][0]
    n = len(events(ref))
    base = "/staff/legal-aid/" + ref
    for who in (L8, REV):
        assert who.get(base).status == 404
        assert who.get("%s/files/%d" % (base, fid)).status == 404
        assert step(who, ref, "accept").status == 404
        assert step(who, ref, "note", {"note": "看看"}).status == 404
    for path in ("/staff/legal-aid", "/staff/legal-aid.csv", "/staff/legal-aid?status=x"):
        assert REV.get(path).status == 404, path
    assert case(ref)["status"] == "待受理" and len(events(ref)) == n
    assert audits("view.idcard", ref) == []
    assert L5.get(base).status == 200
    assert L5.get("/staff/legal-aid/FY00000000").status == 404


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing():
    ref = insert("110105")
    assert step(L5, ref, "accept", csrf=False).status == 403
    assert step(L5, ref, "accept", {"_csrf": "forged"}).status == 403
    assert case(ref)["status"] == "待受理" and len(events(ref)) == 0


# ---- the export ----

def read_csv(body):
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


def test_the_csv_export_follows_the_filter_masks_and_neutralises():
    evil = insert("110105", name="导出甲", kind="社会保险", amount=123456, idno=VALID_ID,
                  employer='=HYPERLINK("http://example.com","点我")')
    plain = insert("110105", name="导出乙", kind="其他")
    far = insert("110108", name="导出丙", kind="社会保险", idno=VALID_ID)
    r = L5.get("/staff/legal-aid.csv?kind=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/csv")
    assert r.header("Content-Disposition").startswith("attachment;")
    rows = read_csv(r.body)
    head = rows[0]
    assert head[:4] == ["编号", "提交时间", "姓名", "手机号"] and "身份证号" in head
    by_ref = {row[0]: dict(zip(head, row)) for row in rows[1:]}
    assert evil in by_ref and plain not in by_ref and far not in by_ref
    assert all(row["纠纷类型"] == "社会保险" and row["区县"] == "朝阳区" for row in by_ref.values())
    got = by_ref[evil]
    assert got["身份证号"] == MASKED_ID
    assert got["用人单位"] == '\'=HYPERLINK("http://example.com","点我")'
    assert got["涉及金额(元)"] == "1234.56"
    assert VALID_ID.encode() not in r.body
    assert len(S.sql("SELECT 1 FROM audit WHERE action = 'export' AND username = 'law105'")) == 1
    # full=1 is for an admin only
    r = L5.get("/staff/legal-aid.csv?full=1")
    assert VALID_ID.encode() not in r.body
    assert S.sql("SELECT count(*) FROM audit WHERE action = 'export.full'")[0][0] == 0
    r = ADMIN.get("/staff/legal-aid.csv?full=1&kind=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9")
    by_ref = {row[0]: row for row in read_csv(r.body)[1:]}
    assert evil in by_ref and far in by_ref
    assert VALID_ID in by_ref[evil]
    full = S.sql("SELECT username, detail FROM audit WHERE action = 'export.full'")
    assert full == [("admin", "状态=全部 区县=全部 纠纷类型=社会保险 搜索= 从= 到= 完整身份证号")]
    # the queue page links to the export with the same filter
    page = L5.get("/staff/legal-aid?kind=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9").text
    assert 'href="/staff/legal-aid.csv?kind=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9"' in page
    assert "full=1" not in page
    assert "full=1" in ADMIN.get("/staff/legal-aid").text


run(globals())
