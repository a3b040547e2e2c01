#!/usr/bin/env python3
"""t1210: 诉求 as union staff meet it — the queue of their district with
masked phones, filters by status, 类型, 事项, district and 已逾期 (marked in
words, not colour alone), search, paging and the audited CSV export; an
appeal's page; every step of the workflow (派单 with a due date, 改派,
答复 read at /status, 办结, 不予受理 with its reason) and every wrong input
or wrong state refused with nothing changed; turning a 投诉 or 求助 into a
法律援助 case with its facts carried over; the district and role walls;
CSRF; the audit log; and the purge of appeals closed a year ago."""
import csv
import datetime
import io
import re
import threading
import urllib.parse

from harness import Server, beijing, error_of, new_phone, new_ref, now_iso, run

S = None
A = CY = CY2 = HD = LG = None     # admin; reviewers of 朝阳区 (2) and 海淀区; legal officer
Q = urllib.parse.quote


def setup_module():
    global S, A, CY, CY2, HD, LG
    S = Server(workers=2)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_cy2", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")
    S.add_staff("legal_cy", "legal", "110105")
    S.add_staff("rev_gone", "reviewer", "110105")
    S.sql_exec("UPDATE staff SET display_name = '陈二' WHERE username = 'rev_cy2'")
    A, CY, CY2, HD, LG = (S.admin(), S.staff("rev_cy"), S.staff("rev_cy2"), S.staff("rev_hd"),
                          S.staff("legal_cy"))


# ---- helpers ----

def phone():
    return new_phone("1391234")


def submit(district="朝阳区", kind="投诉", matter="工资报酬", content=None, name="王师傅",
           ph=None, may_contact="可以"):
    """An appeal through the public form, as a worker sends it: (ref, phone)."""
    ph = ph or phone()
    r = S.post("/appeal", {"_token": S.token("/appeal"), "kind": kind, "matter": matter,
                           "content": content or "配送站拖欠我十月份的工资,站长一直推脱。",
                           "district": district, "name": name, "phone": ph,
                           "may_contact": may_contact})
    m = re.search(r"/appeal/done/(SQ[0-9A-Z]{8})$", r.header("Location") or "")
    assert r.status == 303 and m, r
    return m.group(1), ph


def insert(district="110105", status="待分派", kind="咨询", matter="其他", due_on=None,
           created=None, closed_at=None, ph=None):
    """A row put straight into the database (fast set-up); returns the ref."""
    ref, now = new_ref("SQ"), created or now_iso()
    d = S.district(district)
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, phone, status, due_on, closed_at, created_at, updated_at)"
               " VALUES (?, ?, ?, '插入的诉求', ?, ?, ?, ?, ?, ?, ?, ?)",
               (ref, kind, matter, d, d, ph or phone(), status, due_on, closed_at, now, now))
    S.sql_exec("INSERT INTO events (ref, status, note, created_at) VALUES (?, '已提交', '', ?)",
               (ref, now))
    return ref


def label(username):
    """How the 负责人 select names a member of staff."""
    display, district = S.sql("SELECT s.display_name, coalesce(d.name, '全部区县') FROM staff s"
                              " LEFT JOIN districts d ON d.id = s.district_id"
                              " WHERE s.username = ?", (username,))[0]
    who = "%s(%s)" % (display, username) if display else username
    return "%s · %s" % (who, district)


def day(n):
    """Beijing's date n days from today, as a date input sends it."""
    return beijing("%Y-%m-%d", n * 86400)


def rec(ref):
    return S.sql("SELECT status, district_id, coalesce(assignee_id, 0), coalesce(due_on, ''),"
                 " reply, reason, coalesce(legal_ref, ''), closed_at IS NOT NULL"
                 " FROM appeals WHERE ref = ?", (ref,))[0]


def events(ref):
    return S.sql("SELECT status, note, public FROM events WHERE ref = ? ORDER BY id", (ref,))


def refs_in(html):
    return re.findall(r'<a href="/staff/appeals/(SQ[0-9A-Z]{8})">', html)


def step(who, ref, name, fields):
    return who.post("/staff/appeals/%s/%s" % (ref, name), fields)


def dispatch(who, ref, district="朝阳区", assignee="rev_cy", due=3):
    return step(who, ref, "dispatch", {"district": district, "assignee": label(assignee),
                                       "due_on": day(due) if isinstance(due, int) else due})


def masked(p):
    return p[:3] + "****" + p[7:]


def status_text(ref, ph):
    S.sql_exec("DELETE FROM lookup_counts")
    return S.status_page(ref, ph)


def rows_of(resp):
    assert resp.body.startswith(b"\xef\xbb\xbf"), resp.body[:10]
    return list(csv.reader(io.StringIO(resp.body.decode("utf-8-sig"))))


# ---- the queue ----

def test_the_queue_shows_masked_phones_and_only_the_own_district():
    cy, cy_ph = submit("朝阳区", name="陈朝阳")
    hd, hd_ph = submit("海淀区", name="何海淀")
    page = CY.get("/staff/appeals")
    assert page.status == 200, page
    t = page.text
    assert cy in refs_in(t) and hd not in refs_in(t)
    assert masked(cy_ph) in t and cy_ph not in t
    for col in ["编号", "提交时间", "诉求类型", "事项", "具体内容", "办理区县", "称呼", "手机号",
                "驿站", "状态", "负责人", "答复期限"]:
        assert '<th scope="col">%s</th>' % col in t, col
    assert "陈朝阳" in t and "配送站拖欠我十月份的工资" in t and "<strong>待分派</strong>" in t
    # the URL cannot widen a district-bound reviewer's view
    t = CY.get("/staff/appeals?district=" + Q("海淀区")).text
    assert hd not in refs_in(t) and cy in refs_in(t) and 'name="district"' not in t
    t = HD.get("/staff/appeals").text
    assert hd in refs_in(t) and cy not in refs_in(t) and masked(hd_ph) in t and hd_ph not in t
    t = A.get("/staff/appeals").text
    assert cy in refs_in(t) and hd in refs_in(t) and 'name="district"' in t
    assert refs_in(A.get("/staff/appeals?district=" + Q("海淀区")).text).count(hd) == 1
    assert cy not in refs_in(A.get("/staff/appeals?district=" + Q("海淀区")).text)
    # the nav leads here for those who may use it
    assert 'href="/staff/appeals"' in CY.get("/staff").text
    assert 'href="/staff/appeals"' not in LG.get("/staff").text


def test_every_filter_control_has_a_label():
    t = A.get("/staff/appeals").text
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target
    for lab in ["状态", "区县", "诉求类型", "事项", "办理期限", "提交日期从", "到", "搜索"]:
        assert ">%s</label>" % lab in t, lab
    for opt in ["咨询", "求助", "投诉", "意见建议", "工资报酬", "驿站设施", "已逾期", "待分派"]:
        assert "<option>%s</option>" % opt in t, opt


def test_filters_by_status_kind_matter_and_search():
    a = insert(kind="求助", matter="劳动安全")
    b = insert(kind="求助", matter="社会保险", status="已派单", due_on=day(5))
    c = insert(kind="意见建议", matter="劳动安全")
    other = insert(district="110108", kind="求助", matter="劳动安全")
    t = CY.get("/staff/appeals?kind=" + Q("求助")).text
    assert a in refs_in(t) and b in refs_in(t) and c not in refs_in(t) and other not in refs_in(t)
    t = CY.get("/staff/appeals?kind=%s&matter=%s" % (Q("求助"), Q("劳动安全"))).text
    assert a in refs_in(t) and b not in refs_in(t) and c not in refs_in(t)
    assert "<option selected>劳动安全</option>" in t and "<option selected>求助</option>" in t
    t = CY.get("/staff/appeals?status=%s&kind=%s" % (Q("已派单"), Q("求助"))).text
    assert refs_in(t) == [b]
    t = CY.get("/staff/appeals?matter=" + Q("不是事项")).text      # ignored, not an error
    assert a in refs_in(t) and c in refs_in(t)
    # search: a reference (any case), a phone, a 称呼 prefix
    assert refs_in(CY.get("/staff/appeals?q=" + a).text) == [a]
    assert refs_in(CY.get("/staff/appeals?q=" + a.lower()).text) == [a]
    assert refs_in(CY.get("/staff/appeals?q=" + other).text) == []
    ref, ph = submit(name="欧阳师傅")
    assert refs_in(CY.get("/staff/appeals?q=" + ph).text) == [ref]
    assert refs_in(CY.get("/staff/appeals?q=" + Q("欧阳")).text) == [ref]
    t = CY.get("/staff/appeals?q=" + Q("无此人")).text
    assert refs_in(t) == [] and "没有符合条件的诉求" in t


def test_paging_by_50_newest_first():
    made = [insert(matter="驿站设施", kind="意见建议",
                   created="2026-04-01T%02d:%02d:00Z" % (i // 60, i % 60)) for i in range(60)]
    made.reverse()
    q = "/staff/appeals?kind=%s&matter=%s" % (Q("意见建议"), Q("驿站设施"))
    t = CY.get(q).text
    assert refs_in(t) == made[:50], refs_in(t)[:3]
    nxt = re.search(r'<a href="([^"]+)">下一页', t).group(1).replace("&amp;", "&")
    assert "matter=" in nxt and "before=" in nxt
    t = CY.get(nxt).text
    assert refs_in(t) == made[50:] and "下一页" not in t


# ---- an appeal's page ----

def test_the_appeal_page_shows_everything_and_only_within_the_wall():
    ref, ph = submit(name="李女士", content="第一行\n第二行", may_contact="不方便")
    t = CY.get("/staff/appeals/" + ref).text
    for words in ["诉求 %s" % ref, "李女士", ph, "<p>第一行</p>", "<p>第二行</p>", "投诉", "工资报酬",
                  "朝阳区", "不方便", "未派单", "办理记录", "已提交"]:
        assert words in t, words
    for form in ["dispatch", "refuse", "legal", "note"]:
        assert 'action="/staff/appeals/%s/%s"' % (ref, form) in t, form
    for form in ["answer", "close"]:
        assert 'action="/staff/appeals/%s/%s"' % (ref, form) not in t, form
    assert HD.get("/staff/appeals/" + ref).status == 404
    assert LG.get("/staff/appeals/" + ref).status == 404
    assert A.get("/staff/appeals/" + ref).status == 200
    for bad in ["SQ22222222", "SQ123", "RH23456789", "sq" + ref[2:], ref + "%2f.."]:
        assert CY.get("/staff/appeals/" + bad).status == 404, bad
    r = S.get("/staff/appeals/" + ref)
    assert r.status == 302 and r.header("Location").startswith("/staff/login"), r


# ---- 派单 ----

def test_dispatch_with_a_default_due_date_is_seen_at_status():
    ref, ph = submit()
    t = CY.get("/staff/appeals/" + ref).text
    due = re.search(r'<input type="date" id="f-due_on" name="due_on" value="(\d{4}-\d\d-\d\d)"', t)
    assert due, "a date input with a default"
    ahead = (datetime.date.fromisoformat(due.group(1)) -
             datetime.date.fromisoformat(day(0))).days
    assert 5 <= ahead <= 20, ahead              # 5 working days on from today
    assert "<option selected>朝阳区</option>" in t
    # a district-bound reviewer offers their own district and its people
    assert "<option>海淀区</option>" not in t and label("rev_hd") not in t
    assert label("rev_cy2") in t and label("admin") in t and label("rev_cy") in t
    assert label("rev_gone") in t
    r = dispatch(CY, ref, assignee="rev_cy2", due=due.group(1))
    assert r.status == 303 and r.header("Location") == "/staff/appeals/%s?done=dispatch" % ref, r
    assert rec(ref)[:4] == ("已派单", S.district("110105"), S.staff_id("rev_cy2"), due.group(1))
    y, m, d = (int(x) for x in due.group(1).split("-"))
    note = "已派给朝阳区工会办理,预计 %d年%d月%d日 前答复" % (y, m, d)
    assert events(ref)[-1] == ("已派单", note, 1)
    assert S.audits("appeal.dispatch", ref)[0][0] == "rev_cy"
    assert "待分派 → 已派单" in S.audits("appeal.dispatch", ref)[0][2]
    assert note in status_text(ref, ph) and "已派给负责的工作人员办理" in status_text(ref, ph)
    t = CY.get("/staff/appeals/%s?done=dispatch" % ref).text
    assert "已派单" in t and "陈二(rev_cy2)" in t and "改派" in t


def test_redispatch_while_dispatched_but_not_after_the_answer():
    ref, _ = submit()
    assert dispatch(A, ref, assignee="rev_cy", due=2).status == 303
    assert dispatch(A, ref, district="海淀区", assignee="rev_hd", due=6).status == 303
    assert rec(ref)[:4] == ("已派单", S.district("110108"), S.staff_id("rev_hd"), day(6))
    assert events(ref)[-1][1].startswith("已改派给海淀区工会办理")
    # moved: 朝阳区 no longer sees it, 海淀区 does
    assert CY.get("/staff/appeals/" + ref).status == 404
    assert HD.get("/staff/appeals/" + ref).status == 200
    assert ref in refs_in(HD.get("/staff/appeals").text)
    assert step(HD, ref, "answer", {"reply": "已转告站点负责人,工资本周补发。"}).status == 303
    before = rec(ref)
    r = dispatch(HD, ref, district="海淀区", assignee="rev_hd")
    assert r.status == 409 and "不能派单" in r.text and "已答复" in r.text
    assert rec(ref) == before


def test_every_wrong_dispatch_is_refused_beside_its_field():
    ref, _ = submit()
    good = {"district": "朝阳区", "assignee": label("rev_cy"), "due_on": day(3)}
    cases = [
        ({"district": ""}, "district", "请选择办理区县"),
        ({"district": "不存在区"}, "district", "请从列表中选择办理区县"),
        ({"assignee": ""}, "assignee", "请选择负责人"),
        ({"assignee": "nobody · 朝阳区"}, "assignee", "请从列表中选择负责人"),
        ({"assignee": label("legal_cy")}, "assignee", "请从列表中选择负责人"),
        ({"assignee": label("rev_hd")}, "assignee", "不办理所选区县"),
        ({"due_on": ""}, "due_on", "请填写答复期限"),
        ({"due_on": day(-1)}, "due_on", "不能早于今天"),
        ({"due_on": "2026-13-01"}, "due_on", "格式"),
        ({"due_on": "2027-02-30"}, "due_on", "没有这一天"),
        ({"due_on": "明天"}, "due_on", "格式"),
        ({"due_on": day(400)}, "due_on", "不能超过一年"),
    ]
    before = rec(ref)
    for over, field, words in cases:
        r = A.post("/staff/appeals/%s/dispatch" % ref, dict(good, **over))
        assert r.status == 422, (over, r)
        msg = error_of(r.text, field)
        assert msg and words in msg, (over, msg)
        assert rec(ref) == before, over
    # today is fine
    assert A.post("/staff/appeals/%s/dispatch" % ref, dict(good, due_on=day(0))).status == 303
    # a district-bound reviewer cannot send it to another district's people
    ref2, _ = submit()
    for fields in ({"district": "海淀区", "assignee": label("rev_hd")},
                   {"district": "朝阳区", "assignee": label("rev_hd")}):
        r = CY.post("/staff/appeals/%s/dispatch" % ref2, dict(good, **fields))
        assert r.status == 422, (fields, r)
    assert rec(ref2)[0] == "待分派"
    # a disabled account is no longer offered, and not taken
    S.sql_exec("UPDATE staff SET disabled = 1 WHERE username = 'rev_gone'")
    try:
        assert "rev_gone" not in A.get("/staff/appeals/" + ref2).text
        r = A.post("/staff/appeals/%s/dispatch" % ref2,
                   dict(good, assignee="rev_gone · 朝阳区"))
        assert r.status == 422 and "请从列表中选择负责人" in error_of(r.text, "assignee")
    finally:
        S.sql_exec("UPDATE staff SET disabled = 0 WHERE username = 'rev_gone'")
    assert rec(ref2)[0] == "待分派"


# ---- 答复, 办结, 不予受理, 备注 ----

def test_answer_then_close():
    ref, ph = submit()
    r = step(CY, ref, "answer", {"reply": "已答复"})
    assert r.status == 409 and "不能答复" in r.text               # not dispatched yet
    assert dispatch(CY, ref).status == 303
    for reply, words in (("", "请填写答复内容"), ("好", "至少 2 个字"), ("答" * 1001, "最多 1000 个字")):
        r = step(CY, ref, "answer", {"reply": reply})
        assert r.status == 422 and words in error_of(r.text, "reply"), reply
        assert rec(ref)[0] == "已派单"
    r = step(CY, ref, "close", {})
    assert r.status == 409 and rec(ref)[0] == "已派单"
    reply = "经联系配送站,欠发的工资已于本周补发。如仍有问题请再次提交诉求。"
    assert step(CY, ref, "answer", {"reply": reply}).status == 303
    st = rec(ref)
    assert st[0] == "已答复" and st[4] == reply and not st[7]
    assert S.value("SELECT replied_at IS NOT NULL FROM appeals WHERE ref = ?", (ref,)) == 1
    # the answer, then (internal) the 回访 link it sent
    assert [e[0::2] for e in events(ref)[-2:]] == [("已答复", 1), ("回访", 0)]
    assert reply in status_text(ref, ph)
    assert reply in S.audits("appeal.answer", ref)[0][2]
    r = step(CY, ref, "answer", {"reply": "第二次答复"})
    assert r.status == 409 and rec(ref)[4] == reply
    r = step(CY, ref, "close", {"close_note": "说" * 501})
    assert r.status == 422 and "最多 500 个字" in error_of(r.text, "close_note")
    assert step(CY, ref, "close", {"close_note": "已回访,工资已到账。"}).status == 303
    st = rec(ref)
    assert st[0] == "已办结" and st[7]
    assert events(ref)[-1] == ("已办结", "已回访,工资已到账。", 1)
    t = status_text(ref, ph)
    assert "诉求已办结" in t and "已回访,工资已到账。" in t and reply in t
    assert S.audits("appeal.close", ref)
    # nothing moves a closed appeal but a note
    for name, fields in (("dispatch", {"district": "朝阳区", "assignee": label("rev_cy"),
                                       "due_on": day(3)}),
                         ("answer", {"reply": "再答复"}), ("refuse", {"reason": "不予受理"}),
                         ("close", {})):
        r = step(CY, ref, name, fields)
        assert r.status == 409, (name, r)
    assert rec(ref)[0] == "已办结"


def test_refuse_with_a_reason_seen_at_status():
    ref, ph = submit(kind="意见建议", matter="驿站设施")
    for reason, words in (("", "请填写不予受理原因"), ("不", "至少 2 个字")):
        r = step(CY, ref, "refuse", {"reason": reason})
        assert r.status == 422 and words in error_of(r.text, "reason")
    assert rec(ref)[0] == "待分派"
    reason = "驿站设施由街道管理,请拨打 12345 反映。"
    assert step(CY, ref, "refuse", {"reason": reason}).status == 303
    st = rec(ref)
    assert st[0] == "不予受理" and st[5] == reason and st[7]
    t = status_text(ref, ph)
    assert "诉求不予受理" in t and reason in t
    assert S.audits("appeal.refuse", ref)
    # from 已派单 too; not from 已答复
    ref2, _ = submit()
    dispatch(CY, ref2)
    assert step(CY, ref2, "refuse", {"reason": reason}).status == 303
    ref3, _ = submit()
    dispatch(CY, ref3)
    step(CY, ref3, "answer", {"reply": "已答复您"})
    r = step(CY, ref3, "refuse", {"reason": reason})
    assert r.status == 409 and rec(ref3)[0] == "已答复"


def test_internal_notes_are_kept_from_the_person():
    ref, ph = submit()
    r = step(CY, ref, "note", {"note": ""})
    assert r.status == 422 and "请填写备注" in error_of(r.text, "note")
    assert step(CY, ref, "note", {"note": "电话未接通,明天再打"}).status == 303
    assert events(ref)[-1] == ("待分派", "电话未接通,明天再打", 0)
    assert rec(ref)[0] == "待分派"
    assert "电话未接通" not in status_text(ref, ph)
    t = CY.get("/staff/appeals/" + ref).text
    assert "电话未接通,明天再打" in t and "内部,申请人看不到" in t
    assert S.audits("appeal.note", ref)[0][2] == "电话未接通,明天再打"


def test_an_unknown_step_is_a_404():
    ref, _ = submit()
    for name in ["approve", "accept", "delete", ""]:
        r = A.post("/staff/appeals/%s/%s" % (ref, name), {"note": "x"})
        assert r.status == 404, (name, r)
    assert rec(ref)[0] == "待分派"


# ---- 转法律援助 ----

def test_a_complaint_becomes_a_legal_case_with_its_facts():
    content = "某某配送站从九月起拖欠我和三名同事工资,共计约一万二千元。"
    ref, ph = submit(kind="投诉", content=content, name="赵师傅", may_contact="不方便")
    dispatch(CY, ref)
    good = {"name": "赵大勇", "employer": "某某配送站", "dispute_type": "拖欠工资",
            "claims": "补发九月、十月工资"}
    t = CY.get("/staff/appeals/" + ref).text
    assert 'id="f-name" name="name" value="赵师傅"' in t          # the 称呼, to be checked
    for over, field, words in (({"employer": ""}, "employer", "请填写用人单位"),
                               ({"dispute_type": "打架"}, "dispute_type", "请从列表中选择纠纷类型"),
                               ({"name": ""}, "name", "请填写申请人姓名"),
                               ({"claims": ""}, "claims", "请填写申请人的请求")):
        r = step(CY, ref, "legal", dict(good, **over))
        assert r.status == 422 and words in error_of(r.text, field), over
    n = S.value("SELECT count(*) FROM legal_cases")
    assert S.value("SELECT count(*) FROM legal_cases") == n and rec(ref)[6] == ""
    r = step(CY, ref, "legal", good)
    assert r.status == 303, r
    st = rec(ref)
    fy = st[6]
    assert re.fullmatch(r"FY[0-9A-Z]{8}", fy) and st[0] == "已办结" and st[7]
    case = S.sql("SELECT name, phone, id_number, district_id, employer, dispute_type, people,"
                 " amount_fen, facts, claims, member_status, may_call, consent_sensitive, status"
                 " FROM legal_cases WHERE ref = ?", (fy,))
    assert case == [("赵大勇", ph, "", S.district("110105"), "某某配送站", "拖欠工资", 1, None,
                     content, "补发九月、十月工资", "不详", 0, 1, "待受理")], case
    assert S.value("SELECT count(*) FROM legal_cases") == n + 1
    # both histories say so
    assert events(ref)[-1] == ("已办结", "已转为法律援助案件 %s,请凭该编号和手机号查询法律援助进度"
                               % fy, 1)
    assert events(fy) == [("已提交", "由诉求 %s 转为法律援助申请,等待受理" % ref, 1)]
    assert fy in S.audits("appeal.legal", ref)[0][2]
    # the legal officer finds it in their queue; the worker at /status with the same phone
    assert fy in LG.get("/staff/legal-aid").text
    assert content in LG.get("/staff/legal-aid/" + fy).text
    t = status_text(fy, ph)
    assert "法律援助" in t and "等待受理" in t and ref in t
    t = status_text(ref, ph)
    assert fy in t and "诉求已办结" in t
    t = CY.get("/staff/appeals/" + ref).text
    assert "<dt>法律援助案件</dt><dd>%s</dd>" % fy in t
    assert 'action="/staff/appeals/%s/legal"' % ref not in t
    assert "已转法律援助 %s" % fy in CY.get("/staff/appeals?q=" + ref).text
    # once only
    r = step(CY, ref, "legal", good)
    assert r.status == 409 and "已经转为法律援助案件" in r.text
    assert S.value("SELECT count(*) FROM legal_cases") == n + 1


def test_many_staff_converting_at_once_make_one_case():
    ref, _ = submit(kind="投诉")
    n = S.value("SELECT count(*) FROM legal_cases")
    good = {"name": "孙师傅", "employer": "某物流公司", "dispute_type": "拖欠工资",
            "claims": "补发工资"}
    answers = []

    def convert(who):
        answers.append(step(who, ref, "legal", good).status)
    threads = [threading.Thread(target=convert, args=(w,)) for w in (A, CY, CY2) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [303] + [409] * 11, answers
    assert S.value("SELECT count(*) FROM legal_cases") == n + 1
    assert len(S.audits("appeal.legal", ref)) == 1
    assert [e for e in events(ref) if e[0] == "已办结"] == events(ref)[-1:]


def test_only_a_complaint_or_a_call_for_help_becomes_a_legal_case():
    good = {"name": "钱师傅", "employer": "某平台", "dispute_type": "社会保险", "claims": "补缴社保"}
    for kind in ("咨询", "意见建议"):
        ref, _ = submit(kind=kind)
        assert 'action="/staff/appeals/%s/legal"' % ref not in A.get("/staff/appeals/" + ref).text
        r = step(A, ref, "legal", good)
        assert r.status == 409 and "只有“投诉”或“求助”" in r.text, kind
        assert rec(ref)[6] == "" and rec(ref)[0] == "待分派"
    ref, _ = submit(kind="求助")            # straight from 待分派
    assert step(A, ref, "legal", good).status == 303
    assert rec(ref)[0] == "已办结" and rec(ref)[6].startswith("FY")
    ref, _ = submit(kind="投诉")            # a refused one is closed
    step(A, ref, "refuse", {"reason": "重复提交"})
    assert step(A, ref, "legal", good).status == 409


# ---- 已逾期 ----

def test_overdue_appeals_stand_out_and_can_be_filtered():
    late = insert(status="已派单", due_on=day(-2), kind="求助", matter="休息休假")
    today = insert(status="已派单", due_on=day(0), kind="求助", matter="休息休假")
    answered = insert(status="已答复", due_on=day(-5), kind="求助", matter="休息休假")
    late_hd = insert(district="110108", status="已派单", due_on=day(-1))
    q = "/staff/appeals?matter=" + Q("休息休假")
    t = CY.get(q).text
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r'<tr[^>]*><td><a href="/staff/appeals/(SQ[0-9A-Z]{8})">.*?</tr>', t, re.S)}
    assert "已逾期" in rows[late] and 'class="overdue"' in rows[late]
    assert "已逾期" not in rows[today] and "已逾期" not in rows[answered]
    t = CY.get("/staff/appeals?overdue=" + Q("已逾期")).text
    assert late in refs_in(t) and today not in refs_in(t) and answered not in refs_in(t)
    assert late_hd not in refs_in(t)
    assert "<option selected>已逾期</option>" in t
    assert late_hd in refs_in(A.get("/staff/appeals?overdue=" + Q("已逾期")).text)
    t = CY.get("/staff/appeals/" + late).text
    assert "已逾期,尚未答复" in t
    # the dashboard counts them, per district
    n_cy = S.value("SELECT count(*) FROM appeals WHERE status = '已派单' AND due_on < ?"
                   " AND district_id = ?", (day(0), S.district("110105")))
    t = CY.get("/staff").text
    assert re.search(r'<b id="appeal-overdue">%d</b>' % n_cy, t), n_cy
    n_all = S.value("SELECT count(*) FROM appeals WHERE status = '已派单' AND due_on < ?",
                    (day(0),))
    assert re.search(r'<b id="appeal-overdue">%d</b>' % n_all, A.get("/staff").text)
    # answering takes it off the list
    step(CY, late, "answer", {"reply": "已协调站点安排轮休。"})
    assert late not in refs_in(CY.get("/staff/appeals?overdue=" + Q("已逾期")).text)


# ---- the export ----

def test_the_export_masks_phones_and_is_audited():
    ref, ph = submit(matter="劳动安全", kind="求助", name="导出测试")
    r = CY.get("/staff/appeals.csv?matter=" + Q("劳动安全"))
    assert r.status == 200 and "attachment" in (r.header("Content-Disposition") or ""), r
    rows = rows_of(r)
    assert rows[0][:4] == ["编号", "提交时间", "诉求类型", "事项"]
    mine = [x for x in rows if x[0] == ref]
    assert mine and mine[0][8] == masked(ph) and ph not in r.text
    assert all(x[3] == "劳动安全" for x in rows[1:])
    assert not any(x[6] == "海淀区" for x in rows[1:])
    entry = S.audits("export", "appeals")[-1]
    assert entry[0] == "rev_cy" and "事项=劳动安全" in entry[2] and "区县=朝阳区" in entry[2]
    # the reviewer's full=1 is ignored; the admin's shows the phones, audited twice
    assert ph not in CY.get("/staff/appeals.csv?full=1").text
    r = A.get("/staff/appeals.csv?full=1&q=" + ref)
    assert ph in r.text
    assert "完整手机号" in S.audits("export.full", "appeals")[-1][2]
    assert LG.get("/staff/appeals.csv").status == 404


# ---- walls and CSRF ----

def test_another_districts_reviewer_and_the_legal_officer_get_404_and_change_nothing():
    ref, _ = submit()
    dispatch(CY, ref)
    before = (rec(ref), events(ref))
    actions = [("dispatch", {"district": "海淀区", "assignee": label("rev_hd"), "due_on": day(3)}),
               ("answer", {"reply": "越区答复"}), ("close", {}), ("refuse", {"reason": "越区"}),
               ("legal", {"name": "某", "employer": "某", "dispute_type": "其他",
                          "claims": "越区"}),
               ("note", {"note": "越区备注"})]
    for who in (HD, LG):
        for name, fields in actions:
            r = step(who, ref, name, fields)
            assert r.status == 404, (who.username, name, r)
        assert who.get("/staff/appeals/" + ref).status == 404
    assert LG.get("/staff/appeals").status == 404
    assert (rec(ref), events(ref)) == before


def test_a_post_without_the_csrf_token_changes_nothing():
    ref, _ = submit()
    before = (rec(ref), events(ref))
    for fields in ({}, {"_csrf": "0" * 32}, {"_csrf": HD.csrf}):
        f = dict(fields, district="朝阳区", assignee=label("rev_cy"), due_on=day(3))
        r = CY.post("/staff/appeals/%s/dispatch" % ref, f, csrf=False)
        assert r.status == 403, (fields, r)
        r = CY.post("/staff/appeals/%s/note" % ref, dict(fields, note="伪造"), csrf=False)
        assert r.status == 403, (fields, r)
    assert (rec(ref), events(ref)) == before


def test_every_state_change_is_in_the_audit_log_with_words():
    got = {a for (a,) in S.sql("SELECT DISTINCT action FROM audit WHERE target LIKE 'SQ%'")}
    want = {"appeal.dispatch", "appeal.answer", "appeal.close", "appeal.refuse", "appeal.legal",
            "appeal.note"}
    assert want <= got, want - got
    t = A.get("/staff/audit").text
    for words in ["诉求派单", "诉求答复", "诉求办结", "诉求不予受理", "诉求转法律援助", "诉求备注"]:
        assert words in t, words


# ---- kept as long as promised ----

def test_the_purge_deletes_appeals_closed_a_year_ago_with_their_history():
    old = insert(status="已办结", closed_at="2024-01-01T00:00:00Z")
    refused = insert(status="不予受理", closed_at=now_iso(-400 * 86400))
    recent = insert(status="已办结", closed_at=now_iso(-300 * 86400))
    open_ = insert(status="已派单", due_on=day(3), created="2023-01-01T00:00:00Z")
    p = S.zhijia("purge", "--uploads", S.dir + "/uploads")
    assert p.returncode == 0, p.stderr
    assert "办结或不予受理满 1 年的诉求: 2 份已删除" in p.stdout, p.stdout
    for ref in (old, refused):
        assert S.value("SELECT count(*) FROM appeals WHERE ref = ?", (ref,)) == 0
        assert events(ref) == []
    for ref in (recent, open_):
        assert S.value("SELECT count(*) FROM appeals WHERE ref = ?", (ref,)) == 1
    assert S.audits("purge", "purge.appeal")[-1][2] == \
        "删除办结或不予受理满 1 年的诉求 2 份,办理记录 2 条,证据文件 0 个"


if __name__ == "__main__":
    run(globals())
