#!/usr/bin/env python3
"""t1710: 回访 for 诉求 and 微心愿, end to end over HTTP.

A worker raises a 诉求 through /appeal; staff dispatch it and answer it on
the desk: the answer (and no other step) makes exactly one follow-up and
one text with a private link, in the same transaction.  Someone who chose
不方便 (方便联系) is neither texted nor put in the call queue; the
history says why.  A 不满意 answer through the link sends the 诉求 back to
已派单 with the same handler, who answers again — and that answer is
followed up again.  A wish sent through /wish, published, claimed and
fulfilled on the desk is followed up once, dated the day it came true,
with its claimer as the handler.  The 回访 record links to the 诉求 and
the wish on the desk, and walls hold."""
import re
import urllib.parse

from harness import (Server, beijing, new_phone, ref_of, run, unescape)

S = None
A = CY = HD = LG = None      # admin; reviewers of 朝阳区 and 海淀区; legal officer
Q = urllib.parse.quote


def setup_module():
    global S, A, CY, HD, LG
    S = Server(workers=2)
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")
    S.add_staff("law_cy", "legal", "110105")
    S.sql_exec("UPDATE staff SET display_name = '陈审核' WHERE username = 'rev_cy'")
    A, CY, HD, LG = S.admin(), S.staff("rev_cy"), S.staff("rev_hd"), S.staff("law_cy")


# ---- helpers ----

def phone():
    return new_phone("1365555")


def appeal(may_contact="可以", district="朝阳区"):
    """A 诉求 through the public form: (ref, phone)."""
    ph = phone()
    r = S.post("/appeal", {"_token": S.token("/appeal"), "kind": "投诉", "matter": "工资报酬",
                           "content": "站点拖欠我上个月的工资。", "district": district,
                           "name": "王师傅", "phone": ph, "may_contact": may_contact})
    return ref_of(r), ph


def appeal_step(who, ref, name, fields=None):
    r = who.post("/staff/appeals/%s/%s" % (ref, name), fields or {})
    assert r.status == 303, (ref, name, r.status, r.text[:300])


def dispatch(ref, who=None):
    appeal_step(who or CY, ref, "dispatch", {
        "district": "朝阳区", "assignee": "陈审核(rev_cy) · 朝阳区",
        "due_on": beijing("%Y-%m-%d", 3 * 86400)})


def wish(district="朝阳区"):
    """A wish through the public form: (ref, phone)."""
    ph = phone()
    r = S.post("/wish", {"_token": S.token("/wish"), "category": "子女教育",
                         "content": "想给孩子买一套课外书。", "district": district,
                         "name": "赵师傅", "phone": ph, "public_ok": "1"})
    return ref_of(r), ph


def wish_step(who, ref, name, fields=None):
    r = who.post("/staff/wishes/%s/%s" % (ref, name), fields or {})
    assert r.status == 303, (ref, name, r.status, r.text[:300])


def followups(ref):
    return S.sql("SELECT id, service, status, handler_id, phone, service_date, district_id,"
                 " review FROM followups WHERE ref = ? ORDER BY id", (ref,))


def texts(ref):
    """The feedback texts about ref: [(phone, body)]."""
    return S.sql("SELECT phone, body FROM outbox WHERE ref = ? AND kind = 'feedback'"
                 " ORDER BY id", (ref,))


def link_in(body):
    m = re.search(r"/feedback/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", body)
    assert m, body
    return "/feedback/" + m.group(1)


def answer(link, overall, resolved="是"):
    page = S.get(link)
    assert page.status == 200, page
    tok = unescape(re.search(r'name="_token" value="([^"]+)"', page.text).group(1))
    r = S.post(link, {"_token": tok, "overall": overall, "timely": "是", "attitude": "好",
                      "resolved": resolved, "comment": ""})
    assert r.status == 303 and r.header("Location") == "/feedback/thanks", r
    return page.text


def status(ref):
    return S.value("SELECT status FROM appeals WHERE ref = ?", (ref,))


# ---- 诉求 ----

def test_an_answered_appeal_makes_exactly_one_followup_and_one_text():
    ref, ph = appeal()
    dispatch(ref)
    appeal_step(CY, ref, "note", {"note": "已电话核实"})
    assert followups(ref) == [] and texts(ref) == []          # nothing asked before the answer
    appeal_step(CY, ref, "answer", {"reply": "已协调站点,工资本周内补发。"})
    fs = followups(ref)
    assert len(fs) == 1, fs
    fid, service, st, handler, fphone, date, district, review = fs[0]
    assert (service, st, handler, fphone, date, district, review) == \
        ("诉求", "待回访", S.staff_id("rev_cy"), ph, beijing("%Y-%m-%d"),
         S.district("110105"), 0), fs
    msgs = texts(ref)
    assert len(msgs) == 1 and msgs[0][0] == ph, msgs
    # the answer's own text may go at once; the 回访 link waits two hours,
    # so the person reads the answer before being asked how it went
    waits = S.sql("SELECT kind, (julianday(not_before) - julianday(created_at)) * 86400"
                  " FROM outbox WHERE ref = ? ORDER BY id", (ref,))
    assert [k for k, _ in waits] == ["appeal.answered", "feedback"], waits
    assert waits[0][1] < 1 and 7190 < waits[1][1] < 7210, waits
    # the link names the service and the date, nothing of the appeal
    page = S.get(link_in(msgs[0][1])).text
    assert re.search(r'id="fb-service">诉求<', page), page[-1500:]
    for secret in (ref, ph, "王师傅", "拖欠", "朝阳区"):
        assert secret not in page, secret
    # the history has the internal 回访 event, not shown at /status
    assert S.sql("SELECT public FROM events WHERE ref = ? AND status = '回访'", (ref,)) == [(0,)]
    # closing it asks nothing more
    appeal_step(CY, ref, "close", {"close_note": ""})
    assert len(followups(ref)) == 1 and len(texts(ref)) == 1
    # the 回访 record links to the appeal on the desk, and that link opens it
    rec = CY.get("/staff/followups/%d" % fid)
    assert rec.status == 200 and ('href="/staff/appeals/%s"' % ref) in rec.text, rec.text[-2000:]
    assert CY.get("/staff/appeals/" + ref).status == 200


def test_no_contact_means_no_text_no_call_and_the_history_says_why():
    ref, ph = appeal(may_contact="不方便")
    dispatch(ref)
    appeal_step(CY, ref, "answer", {"reply": "已答复,请凭编号查询。"})
    assert status(ref) == "已答复"
    assert followups(ref) == [] and texts(ref) == []
    assert S.value("SELECT count(*) FROM outbox WHERE phone = ?", (ph,)) == 0
    notes = S.sql("SELECT note, public FROM events WHERE ref = ? AND status = '回访'", (ref,))
    assert len(notes) == 1 and "不方便联系" in notes[0][0] and notes[0][1] == 0, notes
    # not in the call queue however long it waits (there is nothing to age)
    t = A.get("/staff/followups?q=" + ref).text
    assert not re.search(r'href="/staff/followups/\d+"', t)
    # the person still reads the answer at /status, and not the internal note
    S.sql_exec("DELETE FROM lookup_counts")
    page = S.status_page(ref, ph)
    assert "已答复,请凭编号查询" in page and "不方便联系" not in page


def test_unsatisfied_sends_the_appeal_back_to_its_handler_who_answers_again():
    ref, ph = appeal()
    dispatch(ref)
    appeal_step(CY, ref, "answer", {"reply": "已转交站点处理。"})
    answer(link_in(texts(ref)[0][1]), "不满意", resolved="否")
    row = S.sql("SELECT status, assignee_id, closed_at FROM appeals WHERE ref = ?", (ref,))[0]
    assert row == ("已派单", S.staff_id("rev_cy"), None), row
    assert followups(ref)[0][2:3] == ("已回访",) and followups(ref)[0][7] == 1
    # the handler finds it back in their queue, and the admins are told
    assert ('href="/staff/appeals/%s"' % ref) in CY.get(
        "/staff/appeals?status=" + Q("已派单")).text
    assert S.audits("followup.reopen", ref, cols="detail") == \
        [("回访不满意,诉求退回承办人重新办理(已派单)",)]
    # the person reads that it went back
    S.sql_exec("DELETE FROM lookup_counts")
    assert "已交承办人重新办理" in S.status_page(ref, ph)
    # answered again: asked again, once
    appeal_step(CY, ref, "answer", {"reply": "工资已全部补发。"})
    fs = followups(ref)
    assert len(fs) == 2 and fs[1][2] == "待回访" and fs[1][3] == S.staff_id("rev_cy"), fs
    assert len(texts(ref)) == 2 and link_in(texts(ref)[0][1]) != link_in(texts(ref)[1][1])
    # the first link is spent; the second works, and a satisfied answer reopens nothing
    assert S.get(link_in(texts(ref)[0][1])).status == 404
    answer(link_in(texts(ref)[1][1]), "满意")
    assert status(ref) == "已答复"
    assert len(S.audits("followup.reopen", ref)) == 1


def test_an_appeal_refused_or_made_a_legal_case_is_not_followed_up_as_an_appeal():
    ref, _ = appeal()
    appeal_step(CY, ref, "refuse", {"reason": "不属于工会受理范围,请向劳动监察反映。"})
    ref2, _ = appeal()
    dispatch(ref2)
    appeal_step(A, ref2, "legal", {"name": "王师傅", "employer": "某某配送站",
                                   "dispute_type": "拖欠工资", "claims": "补发工资"})
    for r in (ref, ref2):
        assert followups(r) == [] and texts(r) == [], r


def test_a_legal_case_made_from_a_no_contact_appeal_texts_and_asks_nothing():
    """方便联系=不方便 on the 诉求 holds for the 法律援助 case it becomes:
    no text at any step and no 回访 when it closes (the case's own
    may_call=0 would mean "text before calling")."""
    cases = {}
    for choice in ("不方便", "可以"):
        ref, ph = appeal(may_contact=choice)
        dispatch(ref)
        appeal_step(A, ref, "legal", {"name": "王师傅", "employer": "某某配送站",
                                      "dispute_type": "拖欠工资", "claims": "补发工资"})
        fy = S.value("SELECT legal_ref FROM appeals WHERE ref = ?", (ref,))
        for name, fields in (("accept", {}),
                             ("assign", {"assignee": "law_cy", "handler_name": "李律师"}),
                             ("close", {"outcome": "调解成功", "recovered": "800",
                                        "close_note": "已付清"})):
            r = LG.post("/staff/legal-aid/%s/%s" % (fy, name), fields)
            assert r.status == 303, (fy, name, r.status, r.text[:300])
        assert S.value("SELECT status FROM legal_cases WHERE ref = ?", (fy,)) == "调解成功"
        cases[choice] = (fy, ph)
    fy, ph = cases["不方便"]
    assert S.sql("SELECT kind FROM outbox WHERE ref = ? OR phone = ?", (fy, ph)) == []
    assert followups(fy) == []
    notes = S.sql("SELECT note FROM events WHERE ref = ? AND status = '回访'", (fy,))
    assert len(notes) == 1 and "不方便联系" in notes[0][0], notes
    # who said 可以 is told at each step and asked how it went
    fy, ph = cases["可以"]
    assert [k for (k,) in S.sql("SELECT kind FROM outbox WHERE ref = ? ORDER BY id", (fy,))] \
        == ["legal.accepted", "legal.assigned", "legal.closed", "feedback"]
    assert len(followups(fy)) == 1 and followups(fy)[0][4] == ph


# ---- 微心愿 ----

def test_a_fulfilled_wish_makes_exactly_one_followup_dated_the_day_it_came_true():
    ref, ph = wish()
    wish_step(CY, ref, "publish")
    wish_step(CY, ref, "claim", {"claimer_kind": "工作人员"})
    assert followups(ref) == [] and texts(ref) == []
    # made ten days ago, it came true two days ago: entered today
    S.sql_exec("UPDATE wishes SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now',"
               " '-10 days') WHERE ref = ?", (ref,))
    day = beijing("%Y-%m-%d", -2 * 86400)
    wish_step(CY, ref, "fulfil", {"fulfilled_on": day, "fulfilled_how": "书已送到家里。"})
    fs = followups(ref)
    assert len(fs) == 1, fs
    fid, service, st, handler, fphone, date, district, _ = fs[0]
    assert (service, st, handler, fphone, date, district) == \
        ("微心愿", "待回访", S.staff_id("rev_cy"), ph, day, S.district("110105")), fs
    msgs = texts(ref)
    assert len(msgs) == 1 and msgs[0][0] == ph, msgs
    y, m, d = (int(x) for x in day.split("-"))
    page = S.get(link_in(msgs[0][1])).text
    assert re.search(r'id="fb-service">微心愿<', page)
    assert re.search(r'id="fb-date">%d年%d月%d日<' % (y, m, d), page), page[-1500:]
    assert "课外书" not in page and "赵师傅" not in page
    # notes and the hardship mark after it ask nothing more
    wish_step(CY, ref, "note", {"note": "孩子很喜欢"})
    wish_step(CY, ref, "hardship", {"mark": "1"})
    assert len(followups(ref)) == 1 and len(texts(ref)) == 1
    rec = CY.get("/staff/followups/%d" % fid)
    assert rec.status == 200 and ('href="/staff/wishes/%s"' % ref) in rec.text
    assert CY.get("/staff/wishes/" + ref).status == 200
    # 不满意 on a wish opens a review on the desk; the wish stays fulfilled
    answer(link_in(msgs[0][1]), "不满意", resolved="部分解决")
    assert S.value("SELECT status FROM wishes WHERE ref = ?", (ref,)) == "已实现"
    assert ('/staff/followups/%d"' % fid) in CY.get(
        "/staff/followups?status=" + Q("待复核")).text


def test_a_wish_claimed_by_a_company_is_handled_by_whoever_fulfilled_it():
    ref, _ = wish()
    wish_step(A, ref, "publish")
    wish_step(A, ref, "claim", {"claimer_kind": "企业", "claimer_name": "某某书店"})
    wish_step(CY, ref, "fulfil", {"fulfilled_on": beijing("%Y-%m-%d"),
                                  "fulfilled_how": "书店送来了书。"})
    fs = followups(ref)
    assert len(fs) == 1 and fs[0][3] == S.staff_id("rev_cy"), fs
    assert len(texts(ref)) == 1


# ---- walls ----

def test_another_districts_reviewer_cannot_see_or_call_these_followups():
    ref, _ = appeal()
    dispatch(ref)
    appeal_step(CY, ref, "answer", {"reply": "已答复。"})
    wref, _ = wish()
    wish_step(CY, wref, "publish")
    wish_step(CY, wref, "claim", {"claimer_kind": "工作人员"})
    wish_step(CY, wref, "fulfil", {"fulfilled_on": beijing("%Y-%m-%d"),
                                   "fulfilled_how": "已送到。"})
    S.sql_exec("UPDATE followups SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now',"
               " '-4 days') WHERE ref IN (?, ?)", (ref, wref))
    for r in (ref, wref):
        fid = followups(r)[0][0]
        assert HD.get("/staff/followups/%d" % fid).status == 404
        c = HD.post("/staff/followups/%d/call" % fid, {"outcome": "未接通"})
        assert c.status == 404, c
        assert ('/staff/followups/%d"' % fid) not in HD.get("/staff/followups").text
        # the district's own reviewer has it in the call queue
        assert ('/staff/followups/%d"' % fid) in CY.get(
            "/staff/followups?status=" + Q("待回访")).text
        assert S.value("SELECT missed_calls FROM followups WHERE id = ?", (fid,)) == 0


if __name__ == "__main__":
    run(globals())
