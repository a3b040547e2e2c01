#!/usr/bin/env python3
"""t1600: the message outbox (issue 12) as people meet it — every state
change writes exactly its message in the same step (and none when the
person said no), a message never holds an ID number, a case fact or an
amount, quiet hours hold messages back, an opt-out stops them, the SMS
command is run once per message with retries and backoff, a batch is
exported for the bulk-SMS platform and marked sent, admins edit the
texts with a length counter and a placeholder whitelist, and the staff
record pages show what was sent.

The SMS command is a small script of this test's own: it records what it
was given, fails while a file named "fail" sits beside it, and while a
file named "hold" does, waits (at most 30 s) for it to go — the test acts
meanwhile.  Another, "hang-sms", closes its output and sleeps on."""
import csv
import json
import os
import re
import stat
import subprocess
import time
from urllib.parse import quote

from harness import (ZHIJIA, Server, beijing, errors, local_input, new_idno, new_ref,
                     now_iso, ref_of, run)

S = A = R1 = R2 = L1 = None
SMS_DIR = None
PHONES = iter("1350%07d" % i for i in range(1, 10000000))
USED_IDS = []      # every ID number this suite submitted: none may reach a message

SMS_SCRIPT = r'''#!/usr/bin/env python3
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
data = sys.stdin.buffer.read().decode("utf-8")
phone, _, text = data.partition("\n")
if os.path.exists(os.path.join(here, "hold")):
    open(os.path.join(here, "held"), "w").close()
    for _ in range(300):
        if not os.path.exists(os.path.join(here, "hold")):
            break
        time.sleep(0.1)
if os.path.exists(os.path.join(here, "fail")):
    print("平台拒绝:余额不足")
    sys.exit(3)
with open(os.path.join(here, "got.jsonl"), "a", encoding="utf-8") as f:
    f.write(json.dumps({"phone": phone, "text": text,
                        "env_phone": os.environ.get("ZHIJIA_SMS_PHONE"),
                        "env_id": os.environ.get("ZHIJIA_SMS_ID")}, ensure_ascii=False) + "\n")
'''

# Closes its standard output and error, then runs on well past SEND_TIMEOUT
# (30 s): the sender must stop it, not wait for it.
HANG_SCRIPT = r'''#!/bin/sh
echo $$ > "$(dirname "$0")/hang.pid"
exec >&- 2>&-
sleep 75
'''


def setup_module():
    global S, A, R1, R2, L1, SMS_DIR
    S = Server(workers=2)
    A, R1, R2, L1 = S.staff_desk(("rev1", "reviewer", "110105"),
                                 ("rev2", "reviewer", "110108"),
                                 ("law1", "legal", "110105"))
    SMS_DIR = os.path.join(S.dir, "sms")
    os.mkdir(SMS_DIR)
    path = os.path.join(SMS_DIR, "send-sms")
    with open(path, "w") as f:
        f.write(SMS_SCRIPT)
    os.chmod(path, stat.S_IRWXU)
    path = os.path.join(SMS_DIR, "hang-sms")
    with open(path, "w") as f:
        f.write(HANG_SCRIPT)
    os.chmod(path, stat.S_IRWXU)
    # The suite must not depend on the hour it runs at: no quiet hours
    # unless a test sets them.
    assert set_quiet("00:00", "00:00").status == 303


# ---- helpers ----

def set_quiet(start, end):
    return A.post("/staff/messages/quiet", {"quiet_from": start, "quiet_to": end})


def outbox(ref):
    """The messages about ref: [(kind, phone, state, body)], oldest first —
    but the 回访 link a decision or a closing also texts (issue 12: t1700,
    and feedback_texts below)."""
    return S.sql("SELECT kind, phone, state, body FROM outbox WHERE ref = ?"
                 " AND kind <> 'feedback' ORDER BY id", (ref,))


def feedback_texts(ref):
    """The 回访 links texted about ref: [(phone, state)]."""
    return S.sql("SELECT phone, state FROM outbox WHERE ref = ? AND kind = 'feedback'"
                 " ORDER BY id", (ref,))


def settle_feedback():
    """The 回访 texts of this suite's decisions are t1700's to test: sent,
    so that the counts below are of this suite's messages."""
    S.sql_exec("UPDATE outbox SET state = '已发送' WHERE kind = 'feedback'"
               " AND state = '待发送'")


def kinds(ref):
    return [k for k, _, _, _ in outbox(ref)]


def cli(*args, env=None):
    e = dict(os.environ)
    e.pop("ZHIJIA_SMS_COMMAND", None)
    e.update(env or {})
    return subprocess.run([ZHIJIA] + list(args) + ["--db", S.db], capture_output=True,
                          text=True, timeout=120, env=e)


def send(fail=False):
    flag = os.path.join(SMS_DIR, "fail")
    if fail:
        open(flag, "w").close()
    try:
        return cli("outbox", "send",
                   env={"ZHIJIA_SMS_COMMAND": os.path.join(SMS_DIR, "send-sms")})
    finally:
        if os.path.exists(flag):
            os.unlink(flag)


def send_held(while_held):
    """`outbox send` with the command holding its first message until
    while_held() has run: the run's (stdout, stderr, returncode)."""
    hold, held = os.path.join(SMS_DIR, "hold"), os.path.join(SMS_DIR, "held")
    open(hold, "w").close()
    e = dict(os.environ, ZHIJIA_SMS_COMMAND=os.path.join(SMS_DIR, "send-sms"))
    p = subprocess.Popen([ZHIJIA, "outbox", "send", "--db", S.db], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=e)
    try:
        for _ in range(200):
            if os.path.exists(held) or p.poll() is not None:
                break
            time.sleep(0.1)
        assert os.path.exists(held), "the command was never run"
        while_held()
        os.unlink(hold)
        out, err = p.communicate(timeout=60)
        return out, err, p.returncode
    finally:
        for f in (hold, held):
            if os.path.exists(f):
                os.unlink(f)
        if p.poll() is None:
            p.kill()
            p.wait()


def got():
    path = os.path.join(SMS_DIR, "got.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def settle():
    """Nothing of earlier tests left waiting: every waiting message is sent."""
    S.sql_exec("UPDATE outbox SET state = '已发送' WHERE state IN ('待发送', '已导出')")


def join(phone, district="朝阳区"):
    idn = new_idno(True)
    USED_IDS.append(idn)
    r = S.post("/join", {
        "_token": S.token("/join"), "name": "王小二", "gender": "男", "id_number": idn,
        "phone": phone, "employment": "新就业形态(平台)", "occupation": "快递员",
        "district": district, "was_member": "否", "consent_charter": "1",
        "consent_sensitive": "1"})
    return ref_of(r)


FACTS = "2024 年 3 月到 10 月在工地干活,老板一直没发工资。"


def legal(phone, may_call=False):
    idn = new_idno(False)
    USED_IDS.append(idn)
    fields = [("_token", S.token("/legal-aid")), ("website", ""),
              ("name", "赵六"), ("phone", phone), ("id_number", idn), ("district", "朝阳区"),
              ("employer", "某某建筑劳务有限公司"), ("dispute_type", "拖欠工资"),
              ("people", "3"), ("amount", "12345.67"), ("facts", FACTS),
              ("claims", "补发拖欠的工资"), ("member_status", "否"),
              ("contact_time", "工作日晚上 7 点以后"), ("consent_sensitive", "1")]
    if may_call:
        fields.append(("may_call", "1"))
    return ref_of(S.post_multipart("/legal-aid", fields))


def activity(client=None, **over):
    f = {"title": "驿站清洁志愿活动", "description": "打扫工会驿站,整理休息区和饮水点。",
         "place": "望京户外劳动者驿站", "district": "朝阳区", "capacity": "1",
         "starts_at": local_input(days=5), "ends_at": local_input(days=5, hours=3),
         "deadline": local_input(days=4)}
    f.update(over)
    r = (client or A).post("/staff/volunteer/new", f)
    assert r.status == 303, r
    return int(re.search(r"/staff/volunteer/(\d+)", r.header("Location")).group(1)), f


def signup(aid, phone):
    r = S.post("/volunteer/%d/signup" % aid, {"_token": S.token("/volunteer/%d" % aid),
                                              "name": "孙七", "phone": phone, "consent": "1"})
    assert r.status == 303, r
    m = re.search(r"/volunteer/signup/(ZY\w{8})\?t=(\w+)", r.header("Location"))
    return m.group(1), m.group(2)


def no_secret_in(body):
    for idn in USED_IDS:
        assert idn not in body and idn[:17] not in body, body
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", body), body


# ---- every state change writes exactly its message ----

def test_join_approved_and_refused_each_text_the_applicant_once():
    p1, p2 = next(PHONES), next(PHONES)
    ok, no = join(p1), join(p2)
    assert outbox(ok) == [] and outbox(no) == []      # submitting texts nobody
    assert R1.post("/staff/joins/%s/approve" % ok).status == 303
    reason = "您填写的单位不在本区,请到海淀区申请。电话 010-12345678"
    assert R1.post("/staff/joins/%s/reject" % no, {"reason": reason}).status == 303
    [(kind, phone, state, body)] = outbox(ok)
    assert (kind, phone, state) == ("join.approved", p1, "待发送")
    assert ok in body and "审核通过" in body and "王小二" not in body
    [(kind, phone, state, body)] = outbox(no)
    assert (kind, phone, state) == ("join.refused", p2, "待发送")
    assert no in body and "查询进度" in body
    assert "海淀区" not in body and "12345678" not in body      # never the reason
    no_secret_in(body)
    # a note and a refused second decision write nothing more
    assert R1.post("/staff/joins/%s/note" % ok, {"note": "电话核实过"}).status == 303
    assert R1.post("/staff/joins/%s/reject" % ok, {"reason": "x"}).status == 409
    assert kinds(ok) == ["join.approved"]
    # and each decision's 回访 link, once
    assert feedback_texts(ok) == [(p1, "待发送")] and feedback_texts(no) == [(p2, "待发送")]


def test_legal_aid_accepted_assigned_closed_and_refused_texts_without_facts_or_amount():
    phone = next(PHONES)
    ref = legal(phone)
    assert L1.post("/staff/legal-aid/%s/accept" % ref).status == 303
    assert kinds(ref) == ["legal.accepted"]
    assert L1.post("/staff/legal-aid/%s/assign" % ref,
                   {"assignee": "law1", "handler_name": "李律师"}).status == 303
    assert kinds(ref) == ["legal.accepted", "legal.assigned"]
    assert L1.post("/staff/legal-aid/%s/mediate" % ref).status == 303
    assert L1.post("/staff/legal-aid/%s/note" % ref, {"note": "约了周三调解"}).status == 303
    assert kinds(ref) == ["legal.accepted", "legal.assigned"]   # no text for these
    assert L1.post("/staff/legal-aid/%s/close" % ref,
                   {"outcome": "调解成功", "recovered": "5000.50",
                    "close_note": "老板已付清"}).status == 303
    msgs = outbox(ref)
    assert [k for k, _, _, _ in msgs] == ["legal.accepted", "legal.assigned", "legal.closed"]
    assert feedback_texts(ref) == [(phone, "待发送")]      # closed: the 回访 link
    for _, p, state, body in msgs:
        assert p == phone and state == "待发送" and ref in body
        for secret in ("5000", "5,000", "12345", "拖欠", "工地", "建筑", "李律师", "付清", "赵六"):
            assert secret not in body, (secret, body)
        no_secret_in(body)
    other = legal(next(PHONES), may_call=True)
    assert L1.post("/staff/legal-aid/%s/reject" % other,
                   {"reason": "不属于劳动争议,建议到法院咨询"}).status == 303
    [(kind, _, _, body)] = outbox(other)
    assert kind == "legal.refused" and "法院" not in body


def test_waitlist_promotion_change_and_cancellation_text_each_person():
    aid, f = activity(title="社区义诊志愿服务", capacity="1")
    p1, p2, p3 = next(PHONES), next(PHONES), next(PHONES)
    first, t1 = signup(aid, p1)
    second, _ = signup(aid, p2)
    third, _ = signup(aid, p3)
    assert outbox(first) == outbox(second) == outbox(third) == []
    # the first cancels by the private link: the second moves up and is told
    assert S.post("/volunteer/signup/%s/cancel" % first, {"t": t1}).status == 303
    [(kind, phone, _, body)] = outbox(second)
    assert (kind, phone) == ("signup.promoted", p2)
    assert "社区义诊志愿服务" in body and second in body
    assert kinds(third) == [] and kinds(first) == []
    # a new title alone is no change of time or place: nobody is texted
    f2 = dict(f, title="社区义诊志愿服务(二)")
    assert A.post("/staff/volunteer/%d/edit" % aid, f2).status == 303
    assert kinds(second) == ["signup.promoted"] and kinds(third) == []
    # a new place: everyone still signed up (confirmed or waiting) is told it
    f3 = dict(f2, place="朝阳区总工会二楼")
    assert A.post("/staff/volunteer/%d/edit" % aid, f3).status == 303
    assert kinds(second) == ["signup.promoted", "activity.changed"]
    assert kinds(third) == ["activity.changed"] and kinds(first) == []
    assert "朝阳区总工会二楼" in outbox(third)[0][3]
    # staff free a place: the next in line moves up
    assert A.post("/staff/volunteer/%d/edit" % aid, dict(f3, capacity="2")).status == 303
    assert kinds(third) == ["activity.changed", "signup.promoted"]
    # cancelled: each live sign-up is told once
    assert A.post("/staff/volunteer/%d/cancel" % aid, {"reason": "暴雨预警"}).status == 303
    assert kinds(second)[-1] == "activity.cancelled" and kinds(third)[-1] == "activity.cancelled"
    assert kinds(first) == []
    assert "暴雨" not in outbox(second)[-1][3]


def test_the_day_before_reminder_goes_once_to_each_confirmed_signup():
    settle()
    d = S.district("110105")
    tomorrow_10 = time.strftime("%Y-%m-%dT02:00:00Z", time.gmtime(time.time() + 8 * 3600 + 86400))
    aid = S.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place, district_id,"
        " capacity, deadline, created_at, updated_at) VALUES ('明天的普法讲座', 'x', ?, ?,"
        " '望京驿站', ?, 5, ?, ?, ?)", (tomorrow_10, tomorrow_10, d, now_iso(), now_iso(),
                                      now_iso()))
    refs = {}
    for status in ("已确认", "已确认", "候补", "已取消"):
        ref = new_ref("ZY")
        S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
                   " consent_sensitive, created_at, updated_at) VALUES (?, ?, '周八', ?, ?,"
                   " ?, 1, ?, ?)", (ref, aid, next(PHONES), status, "0" * 64, now_iso(),
                                    now_iso()))
        refs.setdefault(status, []).append(ref)
    out = cli("remind")
    assert out.returncode == 0, out.stderr
    assert "新排队提醒 2 条" in out.stdout, out.stdout
    for ref in refs["已确认"]:
        [(kind, _, _, body)] = outbox(ref)
        assert kind == "activity.remind" and "明天的普法讲座" in body and "10:00" in body
    assert all(outbox(r) == [] for r in refs["候补"] + refs["已取消"])
    again = cli("remind")          # the timer runs twice a day: never twice a text
    assert again.returncode == 0 and "新排队提醒 0 条" in again.stdout, again.stdout
    assert all(kinds(r) == ["activity.remind"] for r in refs["已确认"])
    assert S.audits("message.remind")[-1][2].startswith("2 条")
    assert cli("remind", "--date", "2026-13-01").returncode == 2


def test_a_wish_claimed_and_fulfilled_texts_its_maker_twice_and_no_more():
    phone = next(PHONES)
    r = S.post("/wish", {"category": "子女教育", "content": "想给孩子买一套课外书。",
                         "district": "朝阳区", "name": "钱师傅", "phone": phone,
                         "public_ok": "1", "_token": S.token("/wish")})
    ref = ref_of(r)
    assert R1.post("/staff/wishes/%s/publish" % ref).status == 303
    assert R1.post("/staff/wishes/%s/note" % ref, {"note": "已电话核实"}).status == 303
    assert outbox(ref) == []                     # publishing and notes text nobody
    assert R1.post("/staff/wishes/%s/claim" % ref,
                   {"claimer_kind": "企业", "claimer_name": "某某书店"}).status == 303
    [(kind, p, state, body)] = outbox(ref)
    assert (kind, p, state) == ("wish.claimed", phone, "待发送") and ref in body
    assert "书店" not in body and "钱师傅" not in body and "课外书" not in body
    assert R1.post("/staff/wishes/%s/fulfil" % ref,
                   {"fulfilled_on": beijing("%Y-%m-%d"),
                    "fulfilled_how": "书店把书送到了家里。"}).status == 303
    assert kinds(ref) == ["wish.claimed", "wish.fulfilled"]
    assert "送到" not in outbox(ref)[1][3]
    page = R1.get("/staff/wishes/%s" % ref).text
    assert "短信记录" in page and "微心愿已认领" in page and "微心愿已实现" in page


def test_an_appeal_answer_texts_only_who_ticked_fang_bian_lian_xi():
    tomorrow = beijing("%Y-%m-%d", 86400)
    refs = {}
    for choice in ("可以", "不方便"):
        phone = next(PHONES)
        r = S.post("/appeal", {"_token": S.token("/appeal"), "kind": "投诉", "matter": "工资报酬",
                               "content": "配送站拖欠我十月份的工资,站长一直推脱。",
                               "district": "朝阳区", "name": "吴师傅", "phone": phone,
                               "may_contact": choice})
        ref = ref_of(r)
        refs[choice] = (ref, phone)
        assert R1.post("/staff/appeals/%s/dispatch" % ref,
                       {"district": "朝阳区", "assignee": "rev1 · 朝阳区",
                        "due_on": tomorrow}).status == 303
        assert outbox(ref) == []                 # dispatching texts nobody
        assert R1.post("/staff/appeals/%s/answer" % ref,
                       {"reply": "已转告站点负责人,工资本周补发。"}).status == 303
    ref, phone = refs["可以"]
    [(kind, p, _, body)] = outbox(ref)
    assert (kind, p) == ("appeal.answered", phone) and ref in body
    assert "工资" not in body and "站长" not in body and "补发" not in body
    assert outbox(refs["不方便"][0]) == []      # said no: nothing queued
    assert "短信记录" in R1.get("/staff/appeals/%s" % ref).text


# ---- what a message may hold ----

def test_templates_refuse_other_placeholders_and_id_numbers():
    page = A.get("/staff/messages/kind/join.approved")
    assert page.status == 200 and "{{ref}}" in page.text
    bad = {
        "您好 {{name}},编号{{ref}}": "name",
        "编号{{#ref}}x{{/ref}}": "{{#ref}}",
        "编号{{{ref}}}": "{{{ref}}",
        "编号{{ref": "没有对应",
        "编号 ref}} 已通过": "没有对应",
        "身份证 %s 已通过" % USED_IDS[0]: "身份证号",
        "活动{{title}}": "title",           # a variable this kind does not offer
    }
    before = S.value("SELECT count(*) FROM outbox_templates")
    for text, why in bad.items():
        r = A.post("/staff/messages/kind/join.approved", {"body": text, "action": "save"})
        assert r.status == 422, (text, r)
        msg = errors(r.text).get("body", "")
        assert why in msg, (text, msg)
    assert S.value("SELECT count(*) FROM outbox_templates") == before
    # a good edit is stored, audited and used by the next approval
    text = "【朝阳区总工会】恭喜!入会申请{{ref}}已通过。回复TD退订"
    r = A.post("/staff/messages/kind/join.approved", {"body": text, "action": "save"})
    assert r.status == 303, r
    assert S.audits("message.template", "join.approved")[-1][2] == text
    ref = join(next(PHONES))
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    assert outbox(ref)[0][3] == "【朝阳区总工会】恭喜!入会申请%s已通过。回复TD退订" % ref
    # the default comes back
    assert A.post("/staff/messages/kind/join.approved", {"action": "reset"}).status == 303
    ref = join(next(PHONES))
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    assert "【职工之家】" in outbox(ref)[0][3]
    assert A.get("/staff/messages/kind/no.such").status == 404


def test_a_text_that_would_carry_an_id_number_is_never_sent():
    settle()
    idn = new_idno(True)
    USED_IDS.append(idn)
    aid, f = activity(title="证件%s核验活动" % idn, capacity="1")
    ref, _ = signup(aid, next(PHONES))
    assert A.post("/staff/volunteer/%d/cancel" % aid, {"reason": "取消"}).status == 303
    [(kind, _, state, body)] = outbox(ref)
    assert kind == "activity.cancelled" and state == "失败"
    assert idn not in body and "***********" in body
    assert "身份证号" in S.value("SELECT last_error FROM outbox WHERE ref = ?", (ref,))
    out = send()
    assert out.returncode == 0, out.stderr
    assert all(idn not in g["text"] for g in got())
    assert cli("outbox", "requeue",
               str(S.value("SELECT id FROM outbox WHERE ref = ?", (ref,)))).returncode == 1


def test_the_counter_and_preview_count_characters_and_segments():
    page = A.get("/staff/messages")
    assert page.status == 200
    assert re.search(r"\d+ 字 · 1 条", page.text), page.text[:2000]
    long = "编号{{ref}}" + "长" * 90
    r = A.post("/staff/messages/kind/wish.claimed", {"body": long, "action": "preview"})
    assert r.status == 200, r
    # 2 + 10 (the example reference) + 90 = 102 characters: 2 segments of 67
    assert "102 字,2 条短信" in r.text, re.findall(r"[^<>]*条短信[^<>]*", r.text)
    assert "这是预览,还没有保存" in r.text
    assert S.value("SELECT count(*) FROM outbox_templates WHERE kind = 'wish.claimed'") == 0
    short = A.post("/staff/messages/kind/wish.claimed", {"body": "编号{{ref}}" + "长" * 58,
                                                          "action": "preview"})
    assert "70 字,1 条短信" in short.text
    assert '<script src="/static/sms-count.js" defer></script>' in short.text
    assert S.get("/static/sms-count.js").status == 200


# ---- the person's choices ----

def test_an_opted_out_phone_gets_nothing_more():
    settle()
    phone = next(PHONES)
    waiting = join(phone)
    assert R1.post("/staff/joins/%s/approve" % waiting).status == 303
    assert outbox(waiting)[0][2] == "待发送"
    r = A.post("/staff/messages/optout", {"phone": phone, "note": "电话要求不再发短信",
                                           "action": "optout"})
    assert r.status == 303 and r.header("Location") == "/staff/messages?done=optout", r
    assert outbox(waiting)[0][2] == "失败"                 # what waited is not sent
    assert S.value("SELECT last_error FROM outbox WHERE ref = ?", (waiting,)) == "已退订"
    later = join(phone)
    assert R1.post("/staff/joins/%s/approve" % later).status == 303
    assert outbox(later) == []                             # nothing queued
    assert S.audits("message.optout")[-1][1] == phone[:3] + "****" + phone[-4:]
    page = R1.get("/staff/joins/%s" % later)
    assert "这个手机号已退订短信" in page.text
    assert A.post("/staff/messages/optout", {"phone": "12345"}).status == 422
    # the person asks again: texts resume
    assert A.post("/staff/messages/optout", {"phone": phone, "action": "optin"}).status == 303
    third = join(phone)
    assert R1.post("/staff/joins/%s/approve" % third).status == 303
    assert kinds(third) == ["join.approved"]


def test_td_replies_from_the_platform_and_the_command_line_opt_out():
    a, b, c = next(PHONES), next(PHONES), next(PHONES)
    path = os.path.join(S.dir, "replies.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("手机号,回复内容\n+86%s,TD\n%s, 退订 \n%s,谢谢通知\n" % (a, b, c))
    out = cli("outbox", "replies", path)
    assert out.returncode == 0 and "新退订 2 个" in out.stdout, out.stdout
    listed = set(p for (p,) in S.sql("SELECT phone FROM outbox_optouts"))
    assert a in listed and b in listed and c not in listed
    out = cli("outbox", "optout", "+86 %s %s %s" % (c[:3], c[3:7], c[7:]))
    assert out.returncode == 0 and c in S.value(
        "SELECT group_concat(phone) FROM outbox_optouts"), out
    assert cli("outbox", "optout", "10086").returncode == 2
    ref = join(b)
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    assert outbox(ref) == []


# ---- sending ----

def test_quiet_hours_hold_every_message_back():
    settle()
    ref = join(next(PHONES))
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    start, end = beijing("%H:%M", -3600), beijing("%H:%M", 3600)
    assert set_quiet(start, end).status == 303
    try:
        assert "北京时间 %s 至 %s" % (start, end) in A.get("/staff/messages").text
        before = len(got())
        out = send()
        assert out.returncode == 0 and "免打扰" in out.stdout, out.stdout
        assert len(got()) == before and outbox(ref)[0][2] == "待发送"
        out = cli("outbox", "export", os.path.join(S.dir, "quiet.csv"))
        assert out.returncode == 0 and "免打扰" in out.stdout, out.stdout
        assert not os.path.exists(os.path.join(S.dir, "quiet.csv"))
    finally:
        assert set_quiet("00:00", "00:00").status == 303
    assert S.audits("message.quiet")[-2][2] == "%s-%s" % (start, end)
    out = send()
    assert out.returncode == 0, out.stderr
    assert outbox(ref)[0][2] == "已发送"
    r = set_quiet("25:00", "8点")
    assert r.status == 422 and "quiet_from" in errors(r.text) and "quiet_to" in errors(r.text)


def test_quiet_hours_that_begin_during_a_run_stop_it():
    settle()
    p1, p2 = next(PHONES), next(PHONES)
    first, second = join(p1), join(p2)
    for ref in (first, second):
        assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    before = len(got())
    start, end = beijing("%H:%M", -3600), beijing("%H:%M", 3600)
    try:
        out, err, rc = send_held(lambda: set_quiet(start, end))
    finally:
        assert set_quiet("00:00", "00:00").status == 303
    assert rc == 0 and "免打扰" in out and "已发送 1 条" in out, (out, err)
    assert [g["phone"] for g in got()[before:]] == [p1]
    assert S.sql("SELECT state, attempts FROM outbox WHERE ref = ?"
                 " AND kind = 'join.approved'", (second,)) == [("待发送", 0)]


def test_an_opt_out_during_a_run_stops_that_phones_text():
    settle()
    phones = [next(PHONES) for _ in range(3)]
    refs = [join(p) for p in phones]
    for ref in refs:
        assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    before = len(got())

    def opt_out():
        r = A.post("/staff/messages/optout", {"phone": phones[1], "note": "电话退订",
                                               "action": "optout"})
        assert r.status == 303, r
    out, err, rc = send_held(opt_out)
    assert rc == 0 and "已发送 2 条" in out, (out, err)
    assert [g["phone"] for g in got()[before:]] == [phones[0], phones[2]]
    assert S.sql("SELECT state, last_error FROM outbox WHERE ref = ?"
                 " AND kind = 'join.approved'", (refs[1],)) == [("失败", "已退订")]


def test_a_command_that_closes_its_output_and_hangs_is_stopped_in_time():
    settle()
    ref = join(next(PHONES))
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    mid = S.value("SELECT id FROM outbox WHERE ref = ? AND kind = 'join.approved'", (ref,))
    t0 = time.time()
    # exec: the shell that runs the command keeps no copy of its output,
    # so the sender reads EOF at once and must still not wait forever
    out = cli("outbox", "send",
              env={"ZHIJIA_SMS_COMMAND": "exec " + os.path.join(SMS_DIR, "hang-sms")})
    took = time.time() - t0
    assert out.returncode == 0 and "稍后重试 1 条" in out.stdout, (out.stdout, out.stderr)
    assert took < 60, took                         # 30 s, not the command's 75
    state, attempts, err = S.sql("SELECT state, attempts, last_error FROM outbox"
                                 " WHERE id = ?", (mid,))[0]
    assert (state, attempts) == ("待发送", 1) and "30 秒内没有结束" in err, (state, err)
    # the command is gone, and the sender's lock with it: the retry goes out
    with open(os.path.join(SMS_DIR, "hang.pid")) as f:
        pid = int(f.read())
    for _ in range(50):
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the hung command %d still runs" % pid)
    S.sql_exec("UPDATE outbox SET not_before = ? WHERE id = ?", (now_iso(-1), mid))
    assert send().returncode == 0
    assert S.value("SELECT state FROM outbox WHERE id = ?", (mid,)) == "已发送"


def test_the_sms_command_gets_phone_and_text_and_decides_sent():
    settle()
    phone = next(PHONES)
    ref = join(phone)
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    before = len(got())
    out = send()
    assert out.returncode == 0 and "已发送 1 条" in out.stdout, (out.stdout, out.stderr)
    [g] = got()[before:]
    body = outbox(ref)[0][3]
    assert g["phone"] == phone and g["env_phone"] == phone and g["text"] == body
    mid = S.value("SELECT id FROM outbox WHERE ref = ? AND kind <> 'feedback'", (ref,))
    assert g["env_id"] == str(mid)
    state, attempts, sent_at = S.sql("SELECT state, attempts, sent_at FROM outbox WHERE id = ?",
                                     (mid,))[0]
    assert (state, attempts) == ("已发送", 1) and sent_at
    out = send()                                   # nothing twice
    assert "已发送 0 条" in out.stdout and len(got()) == before + 1
    page = R1.get("/staff/joins/%s" % ref)
    assert "短信记录" in page.text and "已发送" in page.text and ref in page.text
    assert cli("outbox", "send").returncode == 1   # no command: says so


def test_a_failing_command_is_retried_with_backoff_then_gives_up():
    settle()
    ref = join(next(PHONES))
    assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    mid = S.value("SELECT id FROM outbox WHERE ref = ? AND kind = 'join.approved'", (ref,))
    out = send(fail=True)
    assert out.returncode == 0 and "稍后重试 1 条" in out.stdout, out.stdout
    state, attempts, err, nb = S.sql("SELECT state, attempts, last_error, not_before"
                                     " FROM outbox WHERE id = ?", (mid,))[0]
    assert (state, attempts) == ("待发送", 1) and "余额不足" in err and "3" in err
    assert nb > now_iso(250)                        # not before 5 minutes
    out = send(fail=True)                           # too soon: not tried
    assert S.value("SELECT attempts FROM outbox WHERE id = ?", (mid,)) == 1
    gaps = []
    for i in range(2, 6):                           # time passes; it fails again
        S.sql_exec("UPDATE outbox SET not_before = ? WHERE id = ?", (now_iso(-1), mid))
        t0 = time.time()
        send(fail=True)
        nb = S.value("SELECT not_before FROM outbox WHERE id = ?", (mid,))
        gaps.append(time.mktime(time.strptime(nb, "%Y-%m-%dT%H:%M:%SZ")) -
                    time.mktime(time.gmtime(t0)))
        assert S.value("SELECT attempts FROM outbox WHERE id = ?", (mid,)) == i
    assert S.value("SELECT state FROM outbox WHERE id = ?", (mid,)) == "失败"
    assert gaps[0] > 500 and gaps[1] > 1100 and gaps[2] > 2300   # doubling
    page = A.get("/staff/messages?state=" + quote("失败")).text
    assert 'id="message-%d"' % mid in page and "余额不足" in page
    # an operator sends it again once the platform is fixed
    assert cli("outbox", "requeue", str(mid)).returncode == 0
    assert send().returncode == 0
    assert S.value("SELECT state FROM outbox WHERE id = ?", (mid,)) == "已发送"


def test_export_a_batch_for_the_platform_then_mark_it_sent():
    settle()
    refs = [join(next(PHONES)) for _ in range(3)]
    for ref in refs:
        assert R1.post("/staff/joins/%s/approve" % ref).status == 303
    settle_feedback()
    path = os.path.join(S.dir, "batch.csv")
    out = cli("outbox", "export", path)
    assert out.returncode == 0, out.stderr
    batch = re.search(r"批次 (\S+):3 条", out.stdout).group(1)
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["手机号", "短信内容", "消息编号", "记录编号"]
    assert sorted(r[3] for r in rows[1:]) == sorted(refs)
    for phone, text, _, ref in rows[1:]:
        assert (phone, text) == S.sql("SELECT phone, body FROM outbox WHERE ref = ?"
                                      " AND kind <> 'feedback'", (ref,))[0]
    assert {outbox(r)[0][2] for r in refs} == {"已导出"}
    before = len(got())
    send()                                          # exported: not sent again here
    assert len(got()) == before
    assert cli("outbox", "export", os.path.join(S.dir, "empty.csv")).stdout.startswith("没有")
    again = os.path.join(S.dir, "again.csv")
    assert cli("outbox", "export", again, "--batch", batch).returncode == 0
    with open(again, encoding="utf-8-sig") as f:
        assert list(csv.reader(f)) == rows
    out = cli("outbox", "sent", batch)
    assert out.returncode == 0 and "3 条" in out.stdout, out
    assert {outbox(r)[0][2] for r in refs} == {"已发送"}
    assert cli("outbox", "sent", batch).returncode == 1        # nothing left to mark
    assert S.audits("message.export", batch)[0][2] == "3 条"
    assert S.audits("message.sent", batch)[0][2] == "3 条"
    listing = cli("outbox", "list", "--state", "已发送")
    assert listing.returncode == 0 and refs[0] in listing.stdout


# ---- the staff desk ----

def test_only_admins_see_and_edit_the_messages():
    for who in (R1, R2, L1):
        assert who.get("/staff/messages").status == 404
        assert who.get("/staff/messages/kind/join.approved").status == 404
        r = who.post("/staff/messages/kind/join.approved", {"body": "x{{ref}}", "action": "save"})
        assert r.status == 404
        assert who.post("/staff/messages/quiet", {"quiet_from": "20:00",
                                                   "quiet_to": "09:00"}).status == 404
        assert who.post("/staff/messages/optout", {"phone": "13912345678"}).status == 404
    r = A.post("/staff/messages/kind/join.approved", {"body": "x{{ref}}", "action": "save",
                                                      "_csrf": "forged"})
    assert r.status == 403
    assert S.value("SELECT count(*) FROM outbox_templates WHERE body = 'x{{ref}}'") == 0
    assert "/staff/messages" in A.get("/staff").text and "/staff/messages" not in R1.get(
        "/staff").text


def test_lists_mask_phones_and_record_pages_show_their_messages():
    aid, _ = activity(title="名单短信测试", capacity="1")
    phone = next(PHONES)
    a, t = signup(aid, phone)
    b, _ = signup(aid, next(PHONES))
    assert S.post("/volunteer/signup/%s/cancel" % a, {"t": t}).status == 303
    roster = A.get("/staff/volunteer/%d" % aid).text
    assert "短信记录" in roster and b in roster and "候补转为正式报名" in roster
    page = A.get("/staff/messages").text
    masked = re.findall(r"<td>(1\d\d\*{4}\d{4})</td>", page)
    assert masked, page[-3000:]
    assert phone not in page
    ref = legal(next(PHONES))
    assert L1.post("/staff/legal-aid/%s/accept" % ref).status == 303
    case = L1.get("/staff/legal-aid/%s" % ref).text
    assert "短信记录" in case and "法律援助已受理" in case


def test_messages_about_a_purged_record_go_with_it():
    phone = next(PHONES)
    old, kept = join(phone), join(phone)
    for ref in (old, kept):
        assert R1.post("/staff/joins/%s/reject" % ref, {"reason": "材料不全"}).status == 303
        assert kinds(ref) == ["join.refused"]
    S.sql_exec("UPDATE join_applications SET updated_at = '2020-01-01T00:00:00Z'"
               " WHERE ref = ?", (old,))
    out = cli("purge", "--uploads", os.path.join(S.dir, "uploads"))
    assert out.returncode == 0, out.stderr
    assert S.sql("SELECT ref FROM join_applications WHERE ref = ?", (old,)) == []
    assert outbox(old) == [] and kinds(kept) == ["join.refused"]


def test_no_message_anywhere_holds_an_id_number():
    for (body,) in S.sql("SELECT body FROM outbox"):
        no_secret_in(body)
    for g in got():
        no_secret_in(g["text"])


if __name__ == "__main__":
    run(globals())
