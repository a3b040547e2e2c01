"""The staff desk the attack suites t0810–t0814 attack, each starting its
own: a site with the sample activities, accounts of every role bound to
朝阳区 (110105) and 海淀区 (110108) and an admin with two sessions, and
records of both districts in every state a staff action starts from; the
forms that act on them (post_actions); digest() to show that an attack
changed nothing a user owns; and the check that no worker crashed.

setup() starts the site; until then S is None.  WHO, OWN, OTHER and SHARED
are filled in place, so a suite may import them by name."""
import hashlib
import os
import re
import time
import urllib.parse

from harness import (PNG, STAFF_PASSWORD, Server, beijing, fill_route, local_input, new_idno,
                     new_ref, now_iso)

S = None
WHO = {}          # name -> logged-in client
OWN = {}          # role -> records of 朝阳区 (110105) for that role
OTHER = {}        # records of 海淀区 (110108)
SHARED = {}       # station id, account ids, a district's id
SEQ = [0]
# Tables a request may write to without changing anything a user owns:
# the audit log (views, exports, refusals), sessions, rate limits.
VOLATILE = {"audit", "sessions", "login_failures", "lookup_counts"}
PASSWORD = STAFF_PASSWORD


def setup():
    """Start the site and make its people and records; returns the site."""
    global S
    S = Server(workers=2, env={"ZHIJIA_SAMPLES": "1"})
    S.add_staff("rev1", "reviewer", "110105")
    S.add_staff("legal1", "legal", "110105")
    S.add_staff("rev2", "reviewer", "110108")
    S.add_staff("legal2", "legal", "110108")
    S.add_staff("target1", "reviewer", "110105")
    S.add_staff("target2", "reviewer", "110105")
    S.sql_exec("UPDATE staff SET disabled = 1 WHERE username = 'target2'")
    SHARED["account"] = S.staff_id("target1")
    SHARED["disabled"] = S.staff_id("target2")
    SHARED["station"] = S.sql_exec(
        "INSERT INTO stations (code, name, district_id, created_at) VALUES"
        " ('ATK01', '攻击测试驿站', ?, ?)", (S.district("110105"), now_iso()))
    # The union's own districts, so that adding one (post_actions) leaves
    # them as they are; the samples nobody uses are its to delete.
    S.sql_exec("UPDATE districts SET sample = 0 WHERE code IN ('110105', '110108')")
    SHARED["district_id"] = S.sql_exec(
        "INSERT INTO districts (code, name, province, city) VALUES ('999001', '测试区', '', '')")
    for role in ("admin", "reviewer", "legal"):
        OWN[role] = records("110105", "朝阳%s" % role)
    OTHER.update(records("110108", "海淀"))
    WHO["admin"] = S.admin()
    WHO["admin2"] = S.admin()          # a second session of the same person
    WHO["reviewer"] = S.staff("rev1")
    WHO["legal"] = S.staff("legal1")
    WHO["rev2"] = S.staff("rev2")
    return S


# ---- data ----

def nxt():
    SEQ[0] += 1
    return SEQ[0]


def district_name(code):
    return S.value("SELECT name FROM districts WHERE code = ?", (code,))


def phone():
    return "1380%07d" % nxt()


def records(code, tag):
    """Records of one district in every state an action starts from:
    join/join2 (待审核), legal/legal2 (待受理), legal_acc (已受理),
    legal_asg (已指派), legal_med (调解中) with an evidence file each,
    appeal/appeal2/appeal3 (待分派), appeal_disp (已派单), appeal_ans (已答复),
    activity/activity2 (to come), activity_past (started), a confirmed
    sign-up on activity and one on activity_past; wish/wish2 (待审核),
    wish_pub/wish_pub2 (已发布), wish_claimed/wish_claimed2 (已认领)."""
    d, now = S.district(code), now_iso()
    legal_user = {"110105": "legal1", "110108": "legal2"}[code]
    r = {"tag": tag, "code": code, "district": district_name(code), "marks": [],
         "legal_label": legal_user}
    for key in ("join", "join2"):
        r[key] = new_ref("RH")
        S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone,"
                   " employment, occupation, district_id, consent_charter, consent_sensitive,"
                   " created_at, updated_at) VALUES (?, ?, '男', ?, '13800138000', '单位就业',"
                   " '快递员', ?, 1, 1, ?, ?)",
                   (r[key], "入会%s%s" % (tag, key), new_idno(True), d, now, now))
        r["marks"] += [r[key], "入会%s%s" % (tag, key)]
    for key, status in (("legal", "待受理"), ("legal2", "待受理"), ("legal_acc", "已受理"),
                        ("legal_asg", "已指派"), ("legal_med", "调解中")):
        r[key] = new_ref("FY")
        assignee = S.staff_id(legal_user) if status in ("已指派", "调解中") else None
        case = S.sql_exec(
            "INSERT INTO legal_cases (ref, name, phone, district_id, employer, dispute_type,"
            " people, facts, claims, member_status, consent_sensitive, status, assignee_id,"
            " handler_name, created_at, updated_at) VALUES (?, ?, '13900139000', ?,"
            " '某某公司', '拖欠工资', 1, '欠三个月工资', '补发工资', '否', 1, ?, ?, ?, ?, ?)",
            (r[key], "援助%s%s" % (tag, key), d, status, assignee,
             "张律师" if assignee else "", now, now))
        stored = os.urandom(16).hex()
        body = PNG + ("%s-%s" % (code, key)).encode()   # each file its own bytes
        with open(os.path.join(S.dir, "uploads", stored), "wb") as f:
            f.write(body)
        r[key + "_file"] = S.sql_exec(
            "INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size, created_at)"
            " VALUES (?, ?, 'wages.png', 'image/png', ?, ?)", (case, stored, len(body), now))
        r[key + "_bytes"] = body
        r["marks"] += [r[key], "援助%s%s" % (tag, key)]
    r["file"] = r["legal_file"]
    n = nxt()
    r["calendar_day"] = "2040-%02d-%02d" % (1 + n // 28 % 12, 1 + n % 28)
    S.sql_exec("INSERT INTO calendar_days (day, kind, holiday, updated_at) VALUES (?, '休', ?, ?)",
               (r["calendar_day"], "测试" + tag, now))
    r["station"] = S.sql_exec(
        "INSERT INTO stations (code, name, district_id, created_at) VALUES (?, ?, ?, ?)",
        (new_ref("S"), "驿站%s" % tag, d, now))
    r["marks"].append("驿站%s" % tag)
    for key, start in (("activity", 7 * 86400), ("activity2", 8 * 86400),
                       ("activity_past", -3600)):
        r[key] = S.sql_exec(
            "INSERT INTO activities (title, description, starts_at, ends_at, place,"
            " district_id, capacity, deadline, created_at, updated_at)"
            " VALUES (?, '为快递小哥义诊', ?, ?, '社区中心', ?, 10, ?, ?, ?)",
            ("活动%s%s" % (tag, key), now_iso(start), now_iso(start + 7200), d,
             now_iso(start - 86400), now, now))
        r["marks"].append("活动%s%s" % (tag, key))
    # 诉求 in every state an action starts from: appeal (待分派, a 投诉),
    # appeal2 (待分派), appeal3 (待分派, a 求助), appeal_disp (已派单),
    # appeal_ans (已答复)
    rev_user = {"110105": "rev1", "110108": "rev2"}[code]
    for key, kind, status in (("appeal", "投诉", "待分派"), ("appeal2", "咨询", "待分派"),
                              ("appeal3", "求助", "待分派"), ("appeal_disp", "投诉", "已派单"),
                              ("appeal_ans", "投诉", "已答复")):
        r[key] = new_ref("SQ")
        dispatched = status != "待分派"
        S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
                   " district_id, name, phone, status, assignee_id, due_on, reply,"
                   " created_at, updated_at) VALUES (?, ?, '工资报酬', ?, ?, ?, ?,"
                   " '13600136000', ?, ?, ?, ?, ?, ?)",
                   (r[key], kind, "诉求内容%s%s" % (tag, key), d, d, "诉求%s%s" % (tag, key),
                    status, S.staff_id(rev_user) if dispatched else None,
                    "2030-01-01" if dispatched else None,
                    "已答复" if status == "已答复" else "", now, now))
        r["marks"] += [r[key], "诉求%s%s" % (tag, key)]
    r["rev_label"] = "%s · %s" % (rev_user, r["district"])
    for key, act in (("signup", "activity"), ("signup_past", "activity_past")):
        r[key] = new_ref("ZY")
        S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
                   " consent_sensitive, created_at, updated_at)"
                   " VALUES (?, ?, ?, '13700137000', '已确认', ?, 1, ?, ?)",
                   (r[key], r[act], "志愿%s%s" % (tag, key), "0" * 64, now, now))
        r["marks"] += [r[key], "志愿%s%s" % (tag, key)]
    for key, status in (("wish", "待审核"), ("wish2", "待审核"), ("wish_pub", "已发布"),
                        ("wish_pub2", "已发布"), ("wish_claimed", "已认领"),
                        ("wish_claimed2", "已认领")):
        r[key] = new_ref("XY")
        claimed = status == "已认领"
        S.sql_exec("INSERT INTO wishes (ref, category, content, district_id, name, phone,"
                   " public_ok, status, published_at, claimer_kind, claimer_name, claimed_at,"
                   " created_at, updated_at) VALUES (?, '生活用品', ?, ?, ?, '13600136000', 1,"
                   " ?, ?, ?, ?, ?, ?, ?)",
                   (r[key], "心愿%s%s" % (tag, key), d, "许愿%s%s" % (tag, key), status,
                    now if status != "待审核" else None, "企业" if claimed else "",
                    "爱心企业" if claimed else "", now if claimed else None, now, now))
        r["marks"] += [r[key], "许愿%s%s" % (tag, key)]
    # a station of the district with last month's ratings, phones left: a draw to make
    r["station"] = S.sql_exec("INSERT INTO stations (code, name, district_id, created_at)"
                              " VALUES (?, ?, ?, ?)", ("R%s%d" % (code, nxt()),
                                                       "驿站%s" % tag, d, now))
    r["rating_month"] = last_month()
    for i in range(3):
        S.sql_exec("INSERT INTO station_ratings (station_id, district_id, month, facilities,"
                   " hygiene, service, convenience, phone, created_at)"
                   " VALUES (?, ?, ?, 4, 4, 4, 4, ?, ?)",
                   (r["station"], d, r["rating_month"], "1360000%04d" % nxt(),
                    r["rating_month"] + "-02T04:00:00Z"))
    # 回访: a follow-up of join, due for a call, and one whose 不满意 answer
    # awaits its review
    for key, extra in (("followup", ("待回访", "", 0)), ("followup_rev", ("已回访", "不满意", 1))):
        r[key] = S.sql_exec(
            "INSERT INTO followups (service, ref, district_id, phone, service_date, token_hash,"
            " status, overall, review, answered_at, created_at, updated_at)"
            " VALUES ('入会', ?, ?, '13800138000', ?, ?, ?, ?, ?, ?, ?, ?)",
            (r["join"], d, now[:10], os.urandom(32).hex()) + extra +
            (now if extra[1] else None, now_iso(-4 * 86400), now))
    return r


def last_month():
    """Last month in Beijing time, 'YYYY-MM': one that can be drawn."""
    y, m = map(int, time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600)).split("-"))
    return "%04d-%02d" % (y - (m == 1), 12 if m == 1 else m - 1)


def activity_fields(district_label, **over):
    f = {"title": "周末普法进驿站", "description": "为骑手讲解劳动合同和工伤认定的常见问题。",
         "starts_at": local_input(days=5), "ends_at": local_input(days=5, hours=3),
         "place": "望京驿站", "district": district_label, "capacity": "20",
         "deadline": local_input(days=4)}
    f.update(over)
    return f


def tables():
    return [n for (n,) in S.sql("SELECT name FROM sqlite_master WHERE type = 'table'"
                                " AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def digest(skip=VOLATILE):
    """Every row of every table a user owns, as one value to compare."""
    out = {}
    for t in tables():
        if t in skip:
            continue
        rows = S.sql('SELECT * FROM "%s"' % t)
        out[t] = (len(rows), hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest())
    return out


def changed(before, after):
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def integrity_ok():
    return S.sql("PRAGMA integrity_check") == [("ok",)]


def fill(pattern, rec):
    """pattern with {params} from rec and SHARED; None for a parameter not known here."""
    return fill_route(pattern, dict(rec, **SHARED))


def q(s):
    return urllib.parse.quote(s, safe="")


def u(url):
    """url with anything not ASCII percent-encoded, the rest as it is."""
    return urllib.parse.quote(url, safe="/?&=%:;+,@!$'()*~#")


def due(days=3):
    """A due date days ahead, as the dispatch form's date input sends it."""
    return beijing("%Y-%m-%d", days * 86400)


def post_actions(rec):
    """(pattern, path, fields) for every staff POST route: an action
    that would change something if it were let through."""
    d = rec["district"]
    legal = "/staff/legal-aid/%s/%s"
    wish = "/staff/wishes/%s/%s"
    appeal = "/staff/appeals/%s/%s"
    n = nxt()
    return [
        ("/staff/joins/{ref}/approve", "/staff/joins/%s/approve" % rec["join"], {}),
        ("/staff/joins/{ref}/reject", "/staff/joins/%s/reject" % rec["join2"],
         {"reason": "材料不全,请补充后重新申请"}),
        ("/staff/joins/{ref}/note", "/staff/joins/%s/note" % rec["join"], {"note": "已电话联系"}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal"], "accept"), {}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal2"], "reject"),
         {"reason": "不属于工会法律援助范围,可向劳动监察大队投诉"}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal_acc"], "assign"),
         {"assignee": rec["legal_label"], "handler_name": "王律师"}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal_asg"], "mediate"), {}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal_med"], "close"),
         {"outcome": "调解成功", "recovered": "3500", "close_note": "已追回"}),
        ("/staff/legal-aid/{ref}/{step}", legal % (rec["legal"], "note"), {"note": "已联系"}),
        ("/staff/volunteer/new", "/staff/volunteer/new", activity_fields(d)),
        ("/staff/volunteer/{id}/edit", "/staff/volunteer/%d/edit" % rec["activity"],
         activity_fields(d, title="改过的标题")),
        ("/staff/volunteer/{id}/cancel", "/staff/volunteer/%d/cancel" % rec["activity2"],
         {"reason": "天气原因"}),
        ("/staff/volunteer/{id}/signups/{ref}/attend",
         "/staff/volunteer/%d/signups/%s/attend" % (rec["activity_past"], rec["signup_past"]),
         {"attended": "1", "hours": "2"}),
        ("/staff/volunteer/{id}/signups/{ref}/remove",
         "/staff/volunteer/%d/signups/%s/remove" % (rec["activity"], rec["signup"]),
         {"reason": "重复报名"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish"], "publish"), {}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish2"], "reject"),
         {"reason": "超出微心愿的范围,请到区总工会咨询"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish_pub"], "claim"),
         {"claimer_kind": "工作人员"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish_pub2"], "claim"),
         {"claimer_kind": "企业", "claimer_name": "爱心企业%d" % n}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish_claimed"], "fulfil"),
         {"fulfilled_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600)),
          "fulfilled_how": "已送到"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish_claimed2"], "release"),
         {"release_reason": "认领方联系不上"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish"], "hardship"), {"mark": "1"}),
        ("/staff/wishes/{ref}/{step}", wish % (rec["wish"], "note"), {"note": "已联系"}),
        ("/staff/stations/new", "/staff/stations/new",
         {"name": "新驿站%d" % n, "district": d, "code": "CS%d" % n}),
        ("/staff/stations/{id}", "/staff/stations/%d" % rec["station"],
         {"name": "改过的驿站%d" % n, "district": d, "hours_all": "08:00-20:00",
          "amenities": "饮水", "active": "1"}),
        ("/staff/stations/import", "/staff/stations/import",
         {"file_text": "code,name,district\nIMP%d,导入驿站%d,%s\n" % (n, n, d)}),
        ("/staff/districts/add", "/staff/districts/add",
         {"province": "安徽省", "city": "铜陵市", "code": "340705"}),
        ("/staff/districts/import", "/staff/districts/import",
         {"file_text": "990%03d,测试区%d\n" % (n % 1000, n)}),
        ("/staff/districts/{id}", "/staff/districts/%d" % SHARED["district_id"],
         {"op": "activate"}),
        ("/staff/accounts/new", "/staff/accounts/new",
         {"username": "csrf%d" % n, "display_name": "新同事", "role": "审核员",
          "district": d, "password": "Fresh-pass-%d-xyz" % n}),
        ("/staff/accounts/{id}/disable", "/staff/accounts/%d/disable" % SHARED["account"], {}),
        ("/staff/accounts/{id}/enable", "/staff/accounts/%d/enable" % SHARED["disabled"], {}),
        ("/staff/accounts/{id}/reset", "/staff/accounts/%d/reset" % SHARED["account"], {}),
        ("/staff/calendar/add", "/staff/calendar/add",
         {"day": "2041-%02d-%02d" % (1 + n // 28 % 12, 1 + n % 28), "kind": "休",
          "holiday": "测试"}),
        ("/staff/calendar/remove", "/staff/calendar/remove", {"day": rec["calendar_day"]}),
        ("/staff/calendar/import", "/staff/calendar/import",
         {"csv": "2042-%02d-%02d,班,导入\n" % (1 + n // 28 % 12, 1 + n % 28), "replace": "1"}),
        ("/staff/ratings/draw", "/staff/ratings/draw",
         {"month": rec["rating_month"], "district": str(S.district(rec["code"])),
          "winners": "1"}),
        ("/staff/followups/{id}/call", "/staff/followups/%d/call" % rec["followup"],
         {"outcome": "未接通"}),
        ("/staff/followups/{id}/review", "/staff/followups/%d/review" % rec["followup_rev"],
         {"review_note": "已电话核实并处理"}),
        ("/staff/messages/kind/{kind}", "/staff/messages/kind/join.approved",
         {"body": "编号{{ref}}已通过", "action": "save"}),
        ("/staff/messages/quiet", "/staff/messages/quiet",
         {"quiet_from": "22:00", "quiet_to": "07:00"}),
        ("/staff/messages/optout", "/staff/messages/optout",
         {"phone": "13912345678", "action": "optout"}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal"], "dispatch"),
         {"district": d, "assignee": rec["rev_label"], "due_on": due()}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal_disp"], "answer"),
         {"reply": "已联系站点,工资下周发放"}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal_ans"], "close"),
         {"close_note": "已办结"}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal2"], "refuse"),
         {"reason": "不属于工会办理范围,请向市场监管部门反映"}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal3"], "legal"),
         {"name": "王师傅", "employer": "某某配送站", "dispute_type": "拖欠工资",
          "claims": "补发工资"}),
        ("/staff/appeals/{ref}/{step}", appeal % (rec["appeal"], "note"), {"note": "已电话联系"}),
    ]


def no_worker_crashed():
    """Nothing a suite did killed a worker (the answer would be nginx's
    502, and the log says so)."""
    with open(S.log.name, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    crashes = [line for line in log.splitlines()
               if re.search(r"died \(signal|prematurely closed|AddressSanitizer|runtime error", line)]
    assert not crashes, "\n".join(crashes[:10])
