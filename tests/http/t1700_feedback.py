#!/usr/bin/env python3
"""t1700: 回访 and 满意度 as a worker and union staff meet them.

A decided join and a closed legal case each text the person a private link
(/feedback/{token}) in the same transaction; the link shows only the
service and its date, asks the four questions and 意见, and works once,
not after 30 days (the test ages the row's created_at in the database
file while the server runs), and not for another record; unknown, used and
expired links answer one and the same page.  `zhijia followup` offers the
link to attended sign-ups of ended activities, once.  Staff call those who
did not answer within 3 days: 接通 with the answers, or 未接通 — the third
closes the follow-up as 无法联系.  A 不满意 answer reopens the record: a
legal case gets its 复核 mark, a 诉求 goes back to 已派单, the dashboard
flags it.  The dashboard's 满意率 equals what the test computes from what
it answered, and rows below 80% are marked."""
import hashlib
import re
import urllib.parse

from harness import (Server, error_of, new_idno, new_phone, new_ref, now_iso, run,
                     unescape)

S = None
A = CY = HD = LG = None      # admin; reviewers of 朝阳区 and 海淀区; legal officer of 朝阳区
GOOD = ("满意", "基本满意")
Q = urllib.parse.quote


def setup_module():
    global S, A, CY, HD, LG
    S = Server(workers=2)
    A, CY, HD, LG = S.staff_desk(("rev_cy", "reviewer", "110105"),
                                 ("rev_hd", "reviewer", "110108"),
                                 ("legal_cy", "legal", "110105"))


# ---- data ----

def phone():
    return new_phone("1390000")


def join_row(district="110105", tel=None):
    """A 待审核 application straight into the database; (ref, phone, ID number)."""
    ref, tel, idno = new_ref("RH"), tel or phone(), new_idno(area=district)
    S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
               " occupation, district_id, consent_charter, consent_sensitive, created_at,"
               " updated_at) VALUES (?, '回访测试', '男', ?, ?, '灵活就业', '快递员',"
               " (SELECT id FROM districts WHERE code = ?), 1, 1, ?, ?)",
               (ref, idno, tel, district, now_iso(), now_iso()))
    return ref, tel, idno


def legal_row(district="110105", status="调解中"):
    """A case assigned to legal_cy, ready to close; (ref, phone)."""
    ref, tel = new_ref("FY"), phone()
    S.sql_exec("INSERT INTO legal_cases (ref, name, phone, id_number, district_id, employer,"
               " dispute_type, people, amount_fen, facts, claims, member_status,"
               " consent_sensitive, status, assignee_id, handler_name, created_at, updated_at)"
               " VALUES (?, '援助人', ?, ?, (SELECT id FROM districts WHERE code = ?),"
               " '某某物流公司', '拖欠工资', 1, 880000, '欠薪三个月的经过', '补发工资', '否', 1,"
               " ?, (SELECT id FROM staff WHERE username = 'legal_cy'), '张律师', ?, ?)",
               (ref, tel, new_idno(), district, status, now_iso(), now_iso()))
    return ref, tel


def decide_join(who=None, district="110105"):
    """An application approved on the desk; (ref, phone, ID number)."""
    ref, tel, idno = join_row(district)
    r = (who or A).post("/staff/joins/%s/approve" % ref)
    assert r.status == 303, r
    return ref, tel, idno


def close_case(ref, outcome="调解成功"):
    r = LG.post("/staff/legal-aid/%s/close" % ref,
                {"outcome": outcome, "recovered": "8800", "close_note": "已追回"})
    assert r.status == 303, r


def messages(ref):
    """The outbox's feedback texts about ref: [(phone, body)]."""
    return S.sql("SELECT phone, body FROM outbox WHERE ref = ? AND kind = 'feedback'"
                 " ORDER BY id", (ref,))


def link_of(ref):
    """The /feedback/{token} path the person was texted about ref."""
    msgs = messages(ref)
    assert len(msgs) == 1, msgs
    m = re.search(r"/feedback/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", msgs[0][1])
    assert m, msgs[0][1]
    return "/feedback/" + m.group(1)


def fup(ref):
    """The follow-up of ref as a dict."""
    cols = ("id", "service", "status", "overall", "channel", "missed_calls", "review",
            "token_hash", "handler_id", "comment")
    rows = S.sql("SELECT %s FROM followups WHERE ref = ? ORDER BY id" % ", ".join(cols), (ref,))
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0]))


def answers(overall="满意", timely="是", attitude="好", resolved="是", comment=""):
    return {"overall": overall, "timely": timely, "attitude": attitude, "resolved": resolved,
            "comment": comment}


def answer(link, **kw):
    """Answer the link as the person does: open it, fill it in, send it."""
    page = S.get(link)
    assert page.status == 200, page
    f = answers(**kw)
    f["_token"] = form_token(page.text)
    return S.post(link, f), f


def form_token(html):
    m = re.search(r'name="_token" value="([^"]+)"', html)
    assert m, html[:500]
    return unescape(m.group(1))


def age(ref, days):
    """The link of ref was sent days ago (the test's clock: the row's time)."""
    S.sql_exec("UPDATE followups SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)"
               " WHERE ref = ?", ("-%d days" % days, ref))


# ---- the offer ----

def test_a_decided_join_texts_one_private_link_and_stores_only_its_hash():
    ref, tel, idno = decide_join()
    f = fup(ref)
    assert f["service"] == "入会" and f["status"] == "待回访", f
    msgs = messages(ref)
    assert len(msgs) == 1 and msgs[0][0] == tel, msgs
    body = msgs[0][1]
    assert idno not in body and not re.search(r"\d{17}[\dX]", body), body
    token = link_of(ref).rsplit("/", 1)[1]
    assert f["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    # the token itself is nowhere in the follow-ups or events
    dump = repr(S.sql("SELECT * FROM followups")) + repr(S.sql("SELECT * FROM events"))
    assert token not in dump
    # staff see that the link went, never the link itself
    for page in (A.get("/staff/joins/" + ref).text, A.get("/staff/messages").text):
        assert token not in page and "/feedback/…" in page
    # the history says a link went out (internal: not at /status)
    ev = S.sql("SELECT public FROM events WHERE ref = ? AND status = '回访'", (ref,))
    assert ev == [(0,)], ev
    # a refused application is asked too; a note asks nothing
    ref2, _, _ = join_row()
    r = A.post("/staff/joins/%s/reject" % ref2, {"reason": "材料不全,请补充后重新申请"})
    assert r.status == 303 and fup(ref2)["status"] == "待回访", r
    r = A.post("/staff/joins/%s/note" % ref2, {"note": "已电话联系"})
    assert r.status == 303 and len(messages(ref2)) == 1


def test_a_closed_legal_case_is_followed_up_with_its_handler_but_no_other_step():
    ref, tel = legal_row(status="待受理")
    for step, fields in (("accept", {}), ("assign", {"assignee": "legal_cy",
                                                     "handler_name": "王律师"}),
                         ("mediate", {}), ("note", {"note": "已联系"})):
        r = LG.post("/staff/legal-aid/%s/%s" % (ref, step), fields)
        assert r.status == 303, (step, r)
        assert S.value("SELECT count(*) FROM followups WHERE ref = ?", (ref,)) == 0, step
    close_case(ref)
    f = fup(ref)
    assert f["service"] == "法律援助" and f["handler_id"] == S.staff_id("legal_cy"), f
    body = messages(ref)[0][1]
    assert "8800" not in body and "欠薪" not in body and "某某物流" not in body, body
    # a case refused (不予受理) is not a service rendered: nothing to rate
    ref2, _ = legal_row(status="待受理")
    r = LG.post("/staff/legal-aid/%s/reject" % ref2, {"reason": "不属于工会法律援助范围"})
    assert r.status == 303 and messages(ref2) == [], r


# ---- the link ----

def test_the_link_shows_only_the_service_and_its_date_and_asks_by_label():
    ref, tel, idno = decide_join()
    page = S.get(link_of(ref))
    assert page.status == 200, page
    t = page.text
    assert "入会申请" in t and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", t), t
    for secret in (ref, tel, idno, "回访测试", "朝阳区"):
        assert secret not in t, secret
    for label, name in (("总体评价", "overall"), ("办理是否及时", "timely"),
                        ("工作人员态度", "attitude"), ("结果是否解决问题", "resolved")):
        assert re.search(r"<legend>%s" % label, t), label
        assert 'name="%s"' % name in t
    assert re.search(r'<label for="f-comment">意见', t), t
    for choice in ("满意", "基本满意", "不满意"):
        assert 'value="%s"' % choice in t
    assert len(page.body) <= 30 * 1024


def test_a_wrong_answer_is_422_with_a_message_by_the_field_and_nothing_stored():
    ref, _, _ = decide_join()
    link = link_of(ref)
    tok = form_token(S.get(link).text)
    cases = [({"overall": ""}, "overall"), ({"timely": "也许"}, "timely"),
             ({"attitude": ""}, "attitude"), ({"resolved": "不知道"}, "resolved"),
             ({"comment": "字" * 301}, "comment")]
    for over, field in cases:
        f = answers()
        f.update(over)
        f["_token"] = tok
        r = S.post(link, f)
        assert r.status == 422 and error_of(r.text, field), (field, r)
        if field == "comment":
            assert f["comment"] in r.text          # the input is kept
    # the bot guards: honeypot and a forged token
    r = S.post(link, dict(answers(), _token=tok, website="http://spam"))
    assert r.status == 422, r
    r = S.post(link, dict(answers(), _token="1.2.3"))
    assert r.status == 422, r
    assert fup(ref)["status"] == "待回访"
    # control characters are refused outright
    r = S.post(link, dict(answers(comment="a\x01b"), _token=tok))
    assert r.status == 400, r
    assert fup(ref)["status"] == "待回访"


def test_the_link_works_once_and_a_page_sent_twice_is_stored_once():
    ref, _, _ = decide_join()
    link = link_of(ref)
    r, f = answer(link, overall="基本满意", timely="否", attitude="一般", resolved="部分解决",
                  comment="希望<b>快一点</b>")
    assert r.status == 303 and r.header("Location") == "/feedback/thanks", r
    assert "感谢" in S.get("/feedback/thanks").text
    got = fup(ref)
    assert (got["status"], got["overall"], got["channel"], got["comment"]) == \
        ("已回访", "基本满意", "链接", "希望<b>快一点</b>"), got
    # staff read the comment as typed, escaped
    page = A.get("/staff/followups/%d" % got["id"]).text
    assert "希望&lt;b&gt;快一点&lt;/b&gt;" in page and "<b>快一点" not in page
    # the same page sent again: thanked, stored once
    r = S.post(link, f)
    assert r.status == 303 and r.header("Location") == "/feedback/thanks", r
    assert S.value("SELECT count(*) FROM events WHERE ref = ? AND note LIKE '回访(链接)%'",
                   (ref,)) == 1
    # the link itself no longer opens
    r = S.get(link)
    assert r.status == 404 and "此链接已无法使用" in r.text, r
    r = S.post(link, dict(answers(overall="不满意"), _token=f["_token"] + "x"))
    assert r.status in (404, 422) and fup(ref)["overall"] == "基本满意", r


def test_unknown_used_and_expired_links_answer_the_same_page():
    used, _, _ = decide_join()
    assert answer(link_of(used))[0].status == 303
    old, _, _ = decide_join()
    age(old, 31)
    fresh, _, _ = decide_join()
    age(fresh, 29)
    assert S.get(link_of(fresh)).status == 200          # 29 days: still good
    pages = []
    for link in (link_of(used), link_of(old), "/feedback/" + "A" * 43, "/feedback/short",
                 "/feedback/" + "A" * 42 + "=", "/feedback/" + "A" * 44):
        r = S.get(link)
        assert r.status == 404 and "此链接已无法使用" in r.text, (link, r.status)
        pages.append(r.body)
    assert len(set(pages)) == 1, "the pages differ: an oracle"
    # an expired link takes no answer either
    tok = form_token(S.get(link_of(fresh)).text)
    r = S.post(link_of(old), dict(answers(), _token=tok))
    assert r.status == 404 and fup(old)["status"] == "待回访", r


def test_a_link_never_opens_or_answers_another_record():
    a_ref, _, _ = decide_join()
    b_ref, _ = legal_row()
    close_case(b_ref)
    a_link, b_link = link_of(a_ref), link_of(b_ref)
    assert "入会申请" in S.get(a_link).text and "法律援助" not in S.get(a_link).text
    assert "法律援助" in S.get(b_link).text
    b_before = fup(b_ref)
    f = answers(overall="不满意")
    f.update({"_token": form_token(S.get(a_link).text), "ref": b_ref,
              "id": str(b_before["id"]), "token": b_link.rsplit("/", 1)[1]})
    assert S.post(a_link, f).status == 303
    assert fup(a_ref)["overall"] == "不满意"
    assert fup(b_ref) == b_before
    # a token one character off opens nothing
    t = b_link.rsplit("/", 1)[1]
    other = "/feedback/" + t[:-1] + ("A" if t[-1] != "A" else "B")
    assert S.get(other).status == 404


# ---- the activity sweep ----

def test_the_sweep_offers_attended_signups_of_ended_activities_once():
    d, now = S.district("110105"), now_iso()
    def activity(start, cancelled=0):
        return S.sql_exec("INSERT INTO activities (title, description, starts_at, ends_at, place,"
                          " district_id, capacity, deadline, cancelled, created_at, updated_at)"
                          " VALUES ('回访测试活动', '说明', ?, ?, '驿站', ?, 10, ?, ?, ?, ?)",
                          (now_iso(start), now_iso(start + 3600), d, now_iso(start - 86400),
                           cancelled, now, now))
    def signup(act, attended):
        ref = new_ref("ZY")
        S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
                   " attended, consent_sensitive, created_at, updated_at)"
                   " VALUES (?, ?, '志愿者', ?, '已确认', ?, ?, 1, ?, ?)",
                   (ref, act, phone(), "0" * 64, attended, now, now))
        return ref
    ended, coming, cancelled = activity(-7200), activity(86400), activity(-7200, 1)
    long_ago = activity(-20 * 86400)
    went, stayed_home = signup(ended, 1), signup(ended, 0)
    early, off, stale = signup(coming, 1), signup(cancelled, 1), signup(long_ago, 1)
    out = S.zhijia("followup")
    assert out.returncode == 0 and "1 份" in out.stdout, (out.stdout, out.stderr)
    assert fup(went)["service"] == "志愿服务"
    assert "志愿服务活动" in S.get(link_of(went)).text
    for ref in (stayed_home, early, off, stale):
        assert S.value("SELECT count(*) FROM followups WHERE ref = ?", (ref,)) == 0, ref
    out = S.zhijia("followup")
    assert out.returncode == 0 and "0 份" in out.stdout, out.stdout
    assert len(messages(went)) == 1
    assert S.audits("followup.sweep", cols="detail") == [("1 份已出勤的志愿服务报名",)]


# ---- the staff queue and calls ----

def queue(client, status="待回访", extra=""):
    return client.get("/staff/followups?status=%s%s" % (Q(status), extra))


def test_only_links_unanswered_for_3_days_are_due_for_a_call_with_masked_phones():
    ref, tel, _ = decide_join()
    fid = fup(ref)["id"]
    row = '/staff/followups/%d"' % fid
    assert row not in queue(A).text           # sent just now: the person may still answer
    assert row in queue(A, "").text           # but listed among all
    age(ref, 2)
    assert row not in queue(A).text
    age(ref, 3)
    t = queue(A).text
    assert row in t and (tel[:3] + "****" + tel[7:]) in t and tel not in t, t[-2000:]
    # the follow-up's page shows the number to call
    p = A.get("/staff/followups/%d" % fid)
    assert p.status == 200 and tel in p.text and "记录回访电话" in p.text


def test_three_missed_calls_close_it_as_unreachable():
    ref, _, _ = decide_join(who=CY)
    age(ref, 4)
    fid = fup(ref)["id"]
    for n in (1, 2):
        r = CY.post("/staff/followups/%d/call" % fid, {"outcome": "未接通"})
        assert r.status == 303, r
        assert fup(ref)["missed_calls"] == n and fup(ref)["status"] == "待回访"
        assert ("未接通 %d 次" % n) in queue(CY).text
    r = CY.post("/staff/followups/%d/call" % fid, {"outcome": "未接通"})
    assert r.status == 303
    assert (fup(ref)["status"], fup(ref)["missed_calls"]) == ("无法联系", 3)
    assert '/staff/followups/%d"' % fid not in queue(CY).text
    assert '/staff/followups/%d"' % fid in queue(CY, "无法联系").text
    # a fourth call is refused, nothing changes
    r = CY.post("/staff/followups/%d/call" % fid, {"outcome": "未接通"})
    assert r.status == 409 and fup(ref)["missed_calls"] == 3, r
    notes = [n for (n,) in S.sql("SELECT note FROM events WHERE ref = ? AND status = '回访'"
                                 " ORDER BY id", (ref,))]
    assert any("第 3 次" in n and "无法联系" in n for n in notes), notes
    assert len(S.audits("followup.call", ref)) == 3
    # the link is dead too: nobody is asked twice
    assert S.get(link_of(ref)).status == 404


def test_a_reached_call_records_the_answers_and_needs_them():
    ref, _, _ = decide_join()
    age(ref, 5)
    fid = fup(ref)["id"]
    r = A.post("/staff/followups/%d/call" % fid, {"outcome": "接通", "overall": "满意"})
    assert r.status == 422 and error_of(r.text, "timely") and error_of(r.text, "resolved"), r
    r = A.post("/staff/followups/%d/call" % fid, {"outcome": ""})
    assert r.status == 422 and error_of(r.text, "outcome")
    assert fup(ref)["status"] == "待回访"
    f = dict(answers(overall="满意", comment="电话里说很好"), outcome="接通")
    r = A.post("/staff/followups/%d/call" % fid, f)
    assert r.status == 303, r
    got = fup(ref)
    assert (got["status"], got["channel"], got["overall"]) == ("已回访", "电话", "满意"), got
    assert S.get(link_of(ref)).status == 404      # answered by phone: the link is spent
    assert S.audits("followup.call", ref, cols="username, detail") == \
        [("admin", "接通;总体评价 满意")]


# ---- 不满意 reopens ----

def test_an_unsatisfied_legal_case_gets_its_review_mark_until_the_review_is_closed():
    ref, _ = legal_row()
    close_case(ref)
    r, _ = answer(link_of(ref), overall="不满意", resolved="否", comment="钱还没拿到")
    assert r.status == 303
    assert S.value("SELECT review FROM legal_cases WHERE ref = ?", (ref,)) == 1
    assert fup(ref)["review"] == 1
    lst = LG.get("/staff/legal-aid?q=" + ref).text
    assert ref in lst and "复核" in lst
    case = LG.get("/staff/legal-aid/" + ref).text
    assert 'id="review-mark"' in case
    assert S.value("SELECT count(*) FROM events WHERE ref = ? AND status = '复核'"
                   " AND public = 0", (ref,)) == 1
    assert S.audits("followup.reopen", ref)
    fid = fup(ref)["id"]
    # flagged to the admins on their dashboard, and in the queue
    home = A.get("/staff").text
    assert 'id="review-notice"' in home and ('/staff/followups/%d"' % fid) in home
    assert ('/staff/followups/%d"' % fid) in queue(LG, "待复核").text
    # closing the review needs a note; then the mark goes
    r = LG.post("/staff/followups/%d/review" % fid, {"review_note": ""})
    assert r.status == 422 and error_of(r.text, "review_note")
    r = LG.post("/staff/followups/%d/review" % fid, {"review_note": "已督促用人单位付款"})
    assert r.status == 303, r
    assert S.value("SELECT review FROM legal_cases WHERE ref = ?", (ref,)) == 0
    assert fup(ref)["review"] == 2
    assert 'id="review-mark"' not in LG.get("/staff/legal-aid/" + ref).text
    assert ('/staff/followups/%d"' % fid) not in queue(LG, "待复核").text
    r = LG.post("/staff/followups/%d/review" % fid, {"review_note": "再来一次"})
    assert r.status == 409


def insert_followup(service, ref, district="110105", days=0, handler=None):
    """A follow-up of a record whose page is not on this branch (诉求):
    its token, as feedback_offer makes them."""
    token = hashlib.sha256(("t%s" % ref).encode()).hexdigest()[:43]
    token = token.replace("a", "A")
    S.sql_exec("INSERT INTO followups (service, ref, district_id, handler_id, phone,"
               " service_date, token_hash, created_at, updated_at)"
               " VALUES (?, ?, (SELECT id FROM districts WHERE code = ?), ?, ?, ?, ?,"
               " strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?), ?)",
               (service, ref, district, handler, phone(), now_iso()[:10],
                hashlib.sha256(token.encode()).hexdigest(), "-%d days" % days, now_iso()))
    return "/feedback/" + token


def test_an_unsatisfied_appeal_goes_back_to_its_handler():
    ref, now = new_ref("SQ"), now_iso()
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, phone, may_contact, status, assignee_id, reply, replied_at,"
               " created_at, updated_at) VALUES (?, '求助', '工资报酬', '工资被拖欠',"
               " (SELECT id FROM districts WHERE code = '110105'),"
               " (SELECT id FROM districts WHERE code = '110105'), '13900001111', 1, '已答复',"
               " (SELECT id FROM staff WHERE username = 'rev_cy'), '已协调', ?, ?, ?)",
               (ref, now, now, now))
    link = insert_followup("诉求", ref, handler=S.staff_id("rev_cy"))
    assert "诉求" in S.get(link).text
    r, _ = answer(link, overall="不满意", resolved="否")
    assert r.status == 303, r
    assert S.value("SELECT status FROM appeals WHERE ref = ?", (ref,)) == "已派单"
    ev = S.sql("SELECT status, public FROM events WHERE ref = ? ORDER BY id", (ref,))
    assert ("已派单", 1) in ev and ("复核", 0) in ev, ev
    assert ('/staff/followups/%d"' % fup(ref)["id"]) in queue(CY, "待复核").text
    # a satisfied answer reopens nothing
    ref2 = new_ref("SQ")
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, phone, may_contact, status, created_at, updated_at)"
               " VALUES (?, '咨询', '其他', '问题', 1, 1, '13900001112', 1, '已答复', ?, ?)",
               (ref2, now, now))
    r, _ = answer(insert_followup("诉求", ref2), overall="满意")
    assert r.status == 303 and S.value("SELECT status FROM appeals WHERE ref = ?",
                                       (ref2,)) == "已答复"
    assert fup(ref2)["review"] == 0


# ---- walls ----

def test_walls_by_district_and_by_service():
    hd_ref, _, _ = decide_join(district="110108")
    cy_legal, _ = legal_row()
    close_case(cy_legal)
    for ref in (hd_ref, cy_legal):
        age(ref, 4)
    hd, lg = fup(hd_ref)["id"], fup(cy_legal)["id"]
    # a 朝阳 reviewer: neither another district's nor a legal case's follow-up
    for fid in (hd, lg):
        for path, fields in (("/staff/followups/%d" % fid, None),
                             ("/staff/followups/%d/call" % fid, {"outcome": "未接通"})):
            r = CY.get(path) if fields is None else CY.post(path, fields)
            assert r.status == 404, (path, r.status)
    t = queue(CY, "").text
    assert ('/staff/followups/%d"' % hd) not in t and ('/staff/followups/%d"' % lg) not in t
    # the 海淀 reviewer sees theirs; the legal officer sees the case, not the join
    assert HD.get("/staff/followups/%d" % hd).status == 200
    assert LG.get("/staff/followups/%d" % lg).status == 200
    assert LG.get("/staff/followups/%d" % hd).status == 404
    assert ('/staff/followups/%d"' % hd) not in queue(LG, "").text
    assert fup(hd_ref)["missed_calls"] == 0 and fup(cy_legal)["missed_calls"] == 0
    # a forged request without the CSRF token changes nothing
    r = HD.post("/staff/followups/%d/call" % hd, {"outcome": "未接通"}, csrf=False)
    assert r.status == 403 and fup(hd_ref)["missed_calls"] == 0
    # the export is audited and masks phones
    r = A.get("/staff/followups.csv")
    assert r.status == 200 and not re.search(r"1[3-9]\d{9}", r.text), r.text[:300]
    assert S.audits("export", "followups")


def test_the_queue_search_finds_a_reference_or_a_phone_and_nothing_else():
    ref, tel, _ = decide_join()
    fid = fup(ref)["id"]
    row = '/staff/followups/%d"' % fid
    assert row in A.get("/staff/followups?q=" + ref).text
    assert row in A.get("/staff/followups?q=" + tel).text
    for q in ("回访测试", "' OR 1=1 --", "SQ22222222", "1"):
        t = A.get("/staff/followups?q=" + Q(q)).text
        assert not re.search(r'href="/staff/followups/\d+"', t), q


def test_a_purged_record_takes_its_followup_with_it():
    ref, _, _ = join_row()
    r = A.post("/staff/joins/%s/reject" % ref, {"reason": "不符合入会条件"})
    assert r.status == 303 and fup(ref)
    S.sql_exec("UPDATE join_applications SET updated_at = '2020-01-01T00:00:00Z' WHERE ref = ?",
               (ref,))
    out = S.zhijia("purge")
    assert out.returncode == 0, out.stderr
    assert S.value("SELECT count(*) FROM followups WHERE ref = ?", (ref,)) == 0


# ---- 满意度 ----

def sat_row(html, table, label):
    m = re.search(r'<table class="figures" id="%s">.*?</table>' % table, html, re.S)
    assert m, table
    row = re.search(r'<tr><th scope="row">%s</th><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td>'
                    r'<td>(.*?)</td></tr>' % re.escape(label), m.group(0))
    assert row, (label, m.group(0))
    return int(row.group(1)), int(row.group(2)), row.group(3), "低于 80%" in row.group(4)


def rate(good, n):
    permille = (good * 1000 + n // 2) // n
    return "%d.%d%%" % (permille // 10, permille % 10)


def test_the_satisfaction_rate_is_what_the_answers_make_it():
    # a fresh site: only this test's answers count
    global S, A, LG
    old = (S, A, LG)
    S = Server(workers=2)
    try:
        S.add_staff("legal_cy", "legal", "110105")
        A, LG = S.admin(), S.staff("legal_cy")
        given = {"入会": ["满意", "基本满意", "不满意", "满意", "满意"],        # 4/5 = 80%: not below
                 "法律援助": ["满意", "不满意", "不满意", "基本满意"]}          # 2/4 = 50%: below
        by_district = {}
        for overall in given["入会"]:
            district = "110108" if overall == "不满意" else "110105"
            ref, _, _ = decide_join(district=district)
            assert answer(link_of(ref), overall=overall)[0].status == 303
            by_district.setdefault(district, []).append(overall)
        for overall in given["法律援助"]:
            ref, _ = legal_row()
            close_case(ref)
            assert answer(link_of(ref), overall=overall)[0].status == 303
            by_district.setdefault("110105", []).append(overall)
        # one by phone counts as well
        ref, _, _ = decide_join()
        age(ref, 4)
        r = A.post("/staff/followups/%d/call" % fup(ref)["id"],
                   dict(answers(overall="满意"), outcome="接通"))
        assert r.status == 303
        given["入会"].append("满意")
        by_district["110105"].append("满意")
        # and an unanswered one does not
        decide_join()
        home = A.get("/staff").text
        for service, label in (("入会", "入会"), ("法律援助", "法律援助")):
            a = given[service]
            good = sum(1 for x in a if x in GOOD)
            assert sat_row(home, "sat-service", label) == \
                (len(a), good, rate(good, len(a)), good * 100 < 80 * len(a)), service
        for code, name in (("110105", "朝阳区"), ("110108", "海淀区")):
            a = by_district[code]
            good = sum(1 for x in a if x in GOOD)
            assert sat_row(home, "sat-district", name) == \
                (len(a), good, rate(good, len(a)), good * 100 < 80 * len(a)), name
        everyone = given["入会"] + given["法律援助"]
        good = sum(1 for x in everyone if x in GOOD)
        assert re.search(r'id="sat-total-rate">%s<' % re.escape(rate(good, len(everyone))),
                         home)
        # the legal officer's handler row: the cases they handled
        a = given["法律援助"]
        good = sum(1 for x in a if x in GOOD)
        assert sat_row(home, "sat-handler", "legal_cy")[:2] == (len(a), good)
        assert sat_row(home, "sat-handler", "legal_cy")[3] is True
        # a legal officer sees only 法律援助's figures
        lh = LG.get("/staff").text
        assert sat_row(lh, "sat-service", "法律援助")[0] == len(given["法律援助"])
        m = re.search(r'id="sat-service">.*?</table>', lh, re.S)
        assert "入会" not in m.group(0)
    finally:
        S.stop()
        S, A, LG = old


if __name__ == "__main__":
    run(globals())
