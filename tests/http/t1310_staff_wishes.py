#!/usr/bin/env python3
"""t1310: 微心愿 on the staff desk — the queue (masked phones, filters,
search, the audited export), every state change of a wish (发布, 未通过,
认领 by 我来认领 or by a union/company/person, 撤销认领, 已实现, the
疑似困难职工 mark, notes) with its wrong inputs, what the maker then reads
at /status, the audit log, district walls, CSRF, and 50 claims of one wish
sent at once: exactly one wins, the winner is recorded, the others are
told."""
import re
import threading
import urllib.parse

from harness import Server, beijing, errors, join_all, new_phone, now_iso, ref_of, run, unescape

S = None
WHO = {}


def setup_module():
    global S
    S = Server(workers=2)
    S.add_staff("rev1b", "reviewer", "110105")
    WHO["admin"], WHO["rev1"], WHO["rev2"], WHO["legal1"] = S.staff_desk(
        ("rev1", "reviewer", "110105"), ("rev2", "reviewer", "110108"),
        ("legal1", "legal", "110105"))
    S.sql_exec("UPDATE staff SET display_name = '李审核' WHERE username = 'rev1'")


def phone():
    return new_phone("1370000")


def make(district="朝阳区", **over):
    """A wish sent through the public form: (ref, its phone)."""
    f = {"category": "生活用品", "content": "想要一个电动车头盔,下雨天也安全。",
         "district": district, "name": "赵师傅", "phone": phone(), "public_ok": "1",
         "_token": S.token("/wish")}
    f.update(over)
    f = {k: v for k, v in f.items() if v is not None}
    return ref_of(S.post("/wish", f)), f["phone"]


def act(who, ref, step, fields=None, want=303):
    r = WHO[who].post("/staff/wishes/%s/%s" % (ref, step), fields or {})
    assert r.status == want, (who, ref, step, r.status, r.text[:400])
    return r


def state(ref, cols="status"):
    return S.sql("SELECT %s FROM wishes WHERE ref = ?" % cols, (ref,))[0]


def digest(ref):
    return (S.sql("SELECT * FROM wishes WHERE ref = ?", (ref,)),
            S.sql("SELECT status, note, public FROM events WHERE ref = ? ORDER BY id", (ref,)))


def refused_message(html):
    m = re.search(r'<div class="summary" role="alert"><h2>无法操作</h2><p>([^<]*)</p>', html)
    return unescape(m.group(1)) if m else None


# ---- the queue ----

def test_the_queue_lists_wishes_with_masked_phones():
    ref, ph = make(content="想要一把好用的雨伞。", category="生活用品")
    for who in ("admin", "rev1"):
        r = WHO[who].get("/staff/wishes")
        assert r.status == 200, r
        assert ref in r.text and "想要一把好用的雨伞" in r.text
        assert ph not in r.text and ph[:3] + "****" + ph[7:] in r.text, who
        assert ">微心愿</a>" in r.text        # the staff nav
    # the wish's own page has the whole number, for a call
    r = WHO["rev1"].get("/staff/wishes/" + ref)
    assert r.status == 200 and ph in r.text and "待审核" in r.text
    # a long wish is cut in the list, whole on its page
    long_ref, _ = make(content="长" * 150)
    t = WHO["rev1"].get("/staff/wishes").text
    assert "长" * 30 + "…" in t and "长" * 31 not in t
    assert "长" * 150 in WHO["rev1"].get("/staff/wishes/" + long_ref).text


def test_the_queue_filters_and_searches():
    edu, ph = make(category="子女教育", content="想给孩子报一个暑期编程班。", name="钱学")
    haidian, _ = make(district="海淀区", content="海淀的心愿内容。")
    a = WHO["admin"]
    q = urllib.parse.quote
    t = a.get("/staff/wishes?kind=" + q("子女教育")).text
    assert edu in t and haidian not in t
    t = a.get("/staff/wishes?district=" + q("海淀区")).text
    assert haidian in t and edu not in t
    t = a.get("/staff/wishes?status=" + q("已发布")).text
    assert edu not in t and "没有符合条件的微心愿" in t
    for query in (edu, edu.lower(), ph, q("钱")):
        t = a.get("/staff/wishes?q=" + query).text
        assert edu in t and haidian not in t, query
    t = a.get("/staff/wishes?q=13000000000").text
    assert edu not in t and "没有符合条件的微心愿" in t
    # a district-bound reviewer gets their district, whatever the URL says
    t = WHO["rev1"].get("/staff/wishes?district=" + q("海淀区")).text
    assert haidian not in t and edu in t


def test_the_export_is_audited_and_masks_phones_but_for_the_admins_full_one():
    ref, ph = make(content="导出测试的心愿。")
    n = len(S.audits("export", "wishes"))
    r = WHO["rev1"].get("/staff/wishes.csv?q=" + ref)
    assert r.status == 200 and ref in r.text, r
    assert ph not in r.text and ph[:3] + "****" + ph[7:] in r.text
    assert "attachment" in (r.header("Content-Disposition") or "")
    assert len(S.audits("export", "wishes")) == n + 1
    assert "搜索=" + ref in S.audits("export", "wishes")[-1][2]
    # a reviewer asking for the full export gets the masked one
    r = WHO["rev1"].get("/staff/wishes.csv?full=1&q=" + ref)
    assert ph not in r.text and not S.audits("export.full", "wishes")
    r = WHO["admin"].get("/staff/wishes.csv?full=1&q=" + ref)
    assert ph in r.text
    full = S.audits("export.full", "wishes")
    assert len(full) == 1 and "完整手机号" in full[0][2]


# ---- the workflow ----

def test_publish_puts_a_consented_wish_on_the_wall():
    ref, ph = make(content="想要一个新的充电宝。")
    private, _ = make(content="不想公开的心愿。", public_ok=None)
    assert "想要一个新的充电宝" not in S.get("/wishes").text
    r = act("rev1", ref, "publish")
    assert r.header("Location") == "/staff/wishes/%s?done=publish" % ref
    assert "心愿已发布" in WHO["rev1"].get(r.header("Location")).text
    status, published = state(ref, "status, published_at")
    assert status == "已发布" and published
    act("rev1", private, "publish")
    wall = S.get("/wishes").text
    assert "想要一个新的充电宝" in wall and "不想公开的心愿" not in wall
    assert "等待认领" in S.status_page(ref, ph)
    assert S.audits("wish.publish", ref) == [("rev1", ref, "待审核 → 已发布:上心愿墙")]
    assert "不上心愿墙" in S.audits("wish.publish", private)[0][2]
    # published twice: refused, nothing changed
    before = digest(ref)
    r = act("rev1", ref, "publish", want=409)
    assert "已发布" in refused_message(r.text)
    assert digest(ref) == before


def test_the_wall_shows_a_change_at_once_on_every_worker():
    """A worker keeps the wall until the next commit: a wish published
    after the wall was read many times (by each worker) is on every
    request after, and so is its claim."""
    ref, _ = make(content="想要一把结实的雨伞。")
    for _ in range(12):
        assert "想要一把结实的雨伞" not in S.get("/wishes").text
    act("rev1", ref, "publish")
    for _ in range(12):
        assert "想要一把结实的雨伞" in S.get("/wishes").text
    open_wall = "/wishes?state=" + urllib.parse.quote("待认领")
    assert "想要一把结实的雨伞" in S.get(open_wall).text
    act("rev1", ref, "claim", {"claimer_kind": "工会", "claimer_name": "朝阳区总工会"})
    for _ in range(12):
        assert "想要一把结实的雨伞" not in S.get(open_wall).text


def test_reject_needs_a_reason_the_maker_reads():
    ref, ph = make(content="想要一部新手机。")
    before = digest(ref)
    for reason, words in (("", "请填写未通过原因"), ("x", "至少 2 个字"),
                          ("长" * 501, "最多 500 个字")):
        r = act("rev1", ref, "reject", {"reason": reason}, want=422)
        assert words in errors(r.text).get("reason", ""), errors(r.text)
    assert digest(ref) == before
    act("rev1", ref, "reject", {"reason": "超出微心愿的金额范围(一般不超过 500 元)。"})
    assert state(ref) == ("未通过",)
    t = S.status_page(ref, ph)
    assert "未通过" in t and "不超过 500 元" in t
    # a published wish nobody claimed may still be withdrawn; a claimed one not
    ref2, _ = make()
    act("rev1", ref2, "publish")
    act("rev1", ref2, "reject", {"reason": "内容涉及他人隐私,已撤下。"})
    assert state(ref2) == ("未通过",)
    ref3, _ = make()
    act("rev1", ref3, "publish")
    act("rev1", ref3, "claim", {"claimer_kind": "工会", "claimer_name": "区快递行业工会"})
    act("rev1", ref3, "reject", {"reason": "不行"}, want=409)
    assert state(ref3) == ("已认领",)


def test_claim_by_me_and_by_an_organisation_or_person():
    ref, ph = make()
    act("rev1", ref, "claim", {"claimer_kind": "工作人员"}, want=409)   # not yet published
    act("rev1", ref, "publish")
    before = digest(ref)
    for fields, field, words in (
            ({}, "claimer_kind", "请选择认领方"),
            ({"claimer_kind": "外星人", "claimer_name": "x"}, "claimer_kind", "请从列表中选择"),
            ({"claimer_kind": "企业"}, "claimer_name", "请填写认领方名称"),
            ({"claimer_kind": "个人", "claimer_name": "名" * 101}, "claimer_name", "最多 100 个字")):
        r = act("rev1", ref, "claim", fields, want=422)
        assert words in errors(r.text).get(field, ""), (fields, errors(r.text))
    assert digest(ref) == before
    # 我来认领: the member of staff who pressed it
    r = act("rev1", ref, "claim", {"claimer_kind": "工作人员", "claimer_name": "冒名"})
    row = state(ref, "status, claimer_kind, claimer_name, claimer_staff_id, claimed_at")
    assert row[:4] == ("已认领", "工作人员", "李审核", S.staff_id("rev1")) and row[4], row
    assert S.audits("wish.claim", ref) == [("rev1", ref, "已发布 → 已认领:认领方 工作人员:李审核")]
    t = S.status_page(ref, ph)
    assert "已有人认领" in t and "工会工作人员" in t and "李审核" not in t
    # a company entered by staff
    ref2, ph2 = make()
    act("rev1", ref2, "publish")
    act("rev1", ref2, "claim", {"claimer_kind": "企业", "claimer_name": "某某快递公司"})
    assert state(ref2, "claimer_kind, claimer_name, claimer_staff_id") == \
        ("企业", "某某快递公司", None)
    assert "某某快递公司" in S.status_page(ref2, ph2)
    assert "企业:某某快递公司" in WHO["rev1"].get("/staff/wishes?q=" + ref2).text


def test_release_gives_the_wish_back_to_the_wall():
    ref, ph = make(content="想要一双防滑的工作鞋。")
    act("rev1", ref, "publish")
    act("rev1", ref, "claim", {"claimer_kind": "个人", "claimer_name": "张先生"})
    r = act("rev1", ref, "release", {"release_reason": ""}, want=422)
    assert "请填写撤销原因" in errors(r.text).get("release_reason", "")
    act("rev1", ref, "release", {"release_reason": "张先生联系不上了"})
    assert state(ref, "status, claimer_kind, claimer_name, claimer_staff_id, claimed_at") == \
        ("已发布", "", "", None, None)
    t = S.status_page(ref, ph)
    assert "重新等待认领" in t and "联系不上" not in t and "张先生" not in t
    assert "个人:张先生" in S.audits("wish.release", ref)[0][2]
    wall = S.get("/wishes?state=" + urllib.parse.quote("待认领")).text
    assert "防滑的工作鞋" in wall
    # and it may be claimed again
    act("rev1", ref, "claim", {"claimer_kind": "工会", "claimer_name": "市总工会"})
    assert state(ref) == ("已认领",)


def test_fulfil_takes_a_real_date_and_says_how():
    ref, ph = make(content="想要一个新书包。")
    act("rev1", ref, "fulfil", {"fulfilled_on": beijing("%Y-%m-%d"), "fulfilled_how": "已送"},
        want=409)
    act("rev1", ref, "publish")
    act("rev1", ref, "claim", {"claimer_kind": "企业", "claimer_name": "文具店"})
    before = digest(ref)
    tomorrow = beijing("%Y-%m-%d", 86400 + 3600)
    for fields, field, words in (
            ({"fulfilled_how": "已送"}, "fulfilled_on", "请填写实现日期"),
            ({"fulfilled_on": "2026/05/01", "fulfilled_how": "已送"}, "fulfilled_on", "格式"),
            ({"fulfilled_on": "2026-02-30", "fulfilled_how": "已送"}, "fulfilled_on", "格式"),
            ({"fulfilled_on": tomorrow, "fulfilled_how": "已送"}, "fulfilled_on", "不能晚于今天"),
            ({"fulfilled_on": "2020-01-01", "fulfilled_how": "已送"}, "fulfilled_on", "不能早于"),
            ({"fulfilled_on": beijing("%Y-%m-%d")}, "fulfilled_how", "请填写实现情况")):
        r = act("rev1", ref, "fulfil", fields, want=422)
        assert words in errors(r.text).get(field, ""), (fields, errors(r.text))
        # what was typed is kept, when a date control can hold it
        if fields.get("fulfilled_on") in (tomorrow, "2020-01-01"):
            assert 'value="%s"' % fields["fulfilled_on"] in r.text
        if fields.get("fulfilled_how"):
            assert ">%s</textarea>" % fields["fulfilled_how"] in r.text
    assert digest(ref) == before
    today = beijing("%Y-%m-%d")
    act("rev1", ref, "fulfil", {"fulfilled_on": today,
                                "fulfilled_how": "文具店店长把书包送到了孩子手中。"})
    assert state(ref, "status, fulfilled_on, fulfilled_how") == \
        ("已实现", today, "文具店店长把书包送到了孩子手中。")
    t = S.status_page(ref, ph)
    assert "心愿已实现" in t and "实现情况" in t and "送到了孩子手中" in t
    assert S.audits("wish.fulfil", ref)[0][0] == "rev1"
    # a fulfilled wish is done: nothing more but notes and the mark
    for step_name, fields in (("claim", {"claimer_kind": "工作人员"}), ("release", {
            "release_reason": "xx"}), ("reject", {"reason": "xx"}), ("publish", {})):
        act("rev1", ref, step_name, fields, want=409)


def test_the_hardship_mark_is_internal_audited_and_filterable():
    ref, ph = make(content="家里老人生病,想要一些常用药品。")
    other, _ = make(content="普通的心愿。")
    act("rev1", ref, "hardship", {"mark": "1"})
    assert state(ref, "hardship") == (1,)
    t = WHO["rev1"].get("/staff/wishes/" + ref).text
    assert "取消标记" in t and "是,请跟进帮扶" in t
    t = WHO["rev1"].get("/staff/wishes?flag=1").text
    assert ref in t and other not in t and 'id="q-flag" name="flag" value="1" checked' in t
    assert "疑似困难职工" not in S.status_page(ref, ph)
    assert S.audits("wish.hardship", ref)[0][:2] == ("rev1", ref)
    # the same mark sent twice changes nothing and logs nothing more
    act("rev1", ref, "hardship", {"mark": "1"})
    assert len(S.audits("wish.hardship", ref)) == 1
    act("rev1", ref, "hardship", {"mark": "x"}, want=422)
    act("rev1", ref, "hardship", {"mark": "0"})
    assert state(ref, "hardship") == (0,)
    assert [e[2] for e in S.audits("wish.hardship", ref)] == \
        ["标记为疑似困难职工,请跟进帮扶", "取消疑似困难职工标记"]
    assert ref not in WHO["rev1"].get("/staff/wishes?flag=1").text
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND status = '疑似困难职工'"
                 " AND public = 0", (ref,)) == [(2,)]


def test_notes_are_internal():
    ref, ph = make()
    r = act("rev1", ref, "note", {"note": ""}, want=422)
    assert "请填写备注" in errors(r.text).get("note", "")
    act("rev1", ref, "note", {"note": "已电话联系,孩子九月开学"})
    assert "九月开学" in WHO["rev1"].get("/staff/wishes/" + ref).text
    assert "九月开学" not in S.status_page(ref, ph)
    assert S.audits("wish.note", ref) == [("rev1", ref, "已电话联系,孩子九月开学")]


def test_unknown_steps_and_references_are_404():
    ref, _ = make()
    for path in ("/staff/wishes/%s/delete" % ref, "/staff/wishes/%s/PUBLISH" % ref,
                 "/staff/wishes/XY2345ABCD/publish", "/staff/wishes/RH2345ABCD/publish",
                 "/staff/wishes/%s%%2f..%%2fpublish/publish" % ref):
        r = WHO["admin"].post(path, {})
        assert r.status == 404, (path, r.status)
    for path in ("/staff/wishes/XY2345ABCD", "/staff/wishes/xx", "/staff/wishes/" + ref.lower()):
        assert WHO["admin"].get(path).status == 404, path
    assert state(ref) == ("待审核",)


def test_the_dashboard_counts_what_waits_on_staff():
    def counts(district=None):
        where, args = "", ()
        if district:
            where, args = " AND district_id = ?", (S.district(district),)
        one = lambda cond: S.value("SELECT count(*) FROM wishes WHERE " + cond + where, args)
        return (one("status = '待审核'"), one("status = '已发布'"),
                one("hardship = 1 AND status IN ('待审核', '已发布', '已认领')"))

    def shown(who):
        t = WHO[who].get("/staff").text
        return tuple(int(re.search(r'<b id="wish-%s">(\d+)</b>' % k, t).group(1))
                     for k in ("pending", "open", "hardship"))

    ref, _ = make()
    act("rev1", ref, "hardship", {"mark": "1"})
    assert shown("admin") == counts() and shown("rev1") == counts("110105")
    assert shown("rev2") == counts("110108")
    assert counts("110105")[0] >= 1 and counts("110105")[2] >= 1
    assert "wish-pending" not in WHO["legal1"].get("/staff").text


# ---- walls and CSRF ----

def test_a_reviewer_sees_and_acts_on_their_own_district_only():
    mine, _ = make(content="朝阳区的心愿内容。")
    theirs, _ = make(district="海淀区", content="海淀区的墙外心愿。")
    act("admin", theirs, "publish")
    before = digest(theirs)
    r1 = WHO["rev1"]
    assert r1.get("/staff/wishes/" + theirs).status == 404
    for step_name, fields in (("publish", {}), ("reject", {"reason": "不行不行"}),
                              ("claim", {"claimer_kind": "工作人员"}),
                              ("hardship", {"mark": "1"}), ("note", {"note": "越界"})):
        r = r1.post("/staff/wishes/%s/%s" % (theirs, step_name), fields)
        assert r.status == 404, (step_name, r.status)
    assert digest(theirs) == before
    for url in ("/staff/wishes", "/staff/wishes?q=" + theirs, "/staff/wishes.csv",
                "/staff/wishes.csv?q=" + theirs):
        t = r1.get(url).text
        assert "海淀区的墙外心愿" not in t, url
    # the other district's reviewer can, and the admin everywhere
    assert WHO["rev2"].get("/staff/wishes/" + theirs).status == 200
    assert WHO["rev2"].get("/staff/wishes/" + mine).status == 404
    assert WHO["admin"].get("/staff/wishes/" + mine).status == 200
    # a legal officer has no wish queue at all
    lg = WHO["legal1"]
    assert lg.get("/staff/wishes").status == 404
    assert lg.get("/staff/wishes/" + mine).status == 404
    assert lg.post("/staff/wishes/%s/publish" % mine, {}).status == 404
    assert ">微心愿</a>" not in lg.get("/staff").text
    assert state(mine) == ("待审核",)


def test_a_post_without_the_csrf_token_changes_nothing():
    ref, _ = make()
    before = digest(ref)
    for fields in ({}, {"_csrf": "0" * 64}, {"_csrf": ""}):
        r = WHO["rev1"].post("/staff/wishes/%s/publish" % ref, fields, csrf=False)
        assert r.status == 403, r
    assert digest(ref) == before
    act("rev1", ref, "publish")


# ---- the race ----

def test_fifty_claims_of_one_wish_at_once_one_wins():
    ref, ph = make(content="五十人同时认领的心愿。")
    act("admin", ref, "publish")
    sessions = [S.admin(), S.admin(), S.staff("rev1"), S.staff("rev1b"), S.staff("rev1")]
    results = [None] * 50
    start = threading.Event()

    def claim(i):
        start.wait(10)
        try:
            r = sessions[i % len(sessions)].post(
                "/staff/wishes/%s/claim" % ref,
                {"claimer_kind": "企业", "claimer_name": "认领企业%02d" % i})
            results[i] = (r.status, r.text)
        except Exception as e:   # noqa: BLE001 — recorded, asserted below
            results[i] = (None, repr(e))

    threads = [threading.Thread(target=claim, args=(i,), daemon=True) for i in range(50)]
    for t in threads:
        t.start()
    start.set()
    join_all(threads, 90, "claims")
    statuses = [r[0] for r in results]
    winners = [i for i, r in enumerate(results) if r[0] == 303]
    assert len(winners) == 1, statuses
    assert statuses.count(409) == 49, statuses
    won = "认领企业%02d" % winners[0]
    # the winner is recorded, once
    assert state(ref, "status, claimer_kind, claimer_name") == ("已认领", "企业", won)
    assert len(S.audits("wish.claim", ref)) == 1
    assert S.value("SELECT count(*) FROM events WHERE ref = ? AND status = '已认领'", (ref,)) == 1
    # every loser is told it lost, and to whom
    for i, (status, text) in enumerate(results):
        if status == 409:
            msg = refused_message(text) or ""
            assert "已被认领" in msg and won in msg and "没有记录" in msg, (i, msg)
    assert won in S.status_page(ref, ph)


if __name__ == "__main__":
    run(globals())
