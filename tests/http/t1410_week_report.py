#!/usr/bin/env python3
"""t1410: the weekly report /staff/reports/week and its CSV.  The test
submits joins, legal-aid cases, 诉求, 微心愿 and station ratings over
HTTP, moves them through the staff workflow over HTTP, answers the 回访
links the outbox holds, computes the week's figures itself, and reads
them back: the report's numbers by type × district equal the test's
(满意度 by service and by district, with the 低于 80% marks, too); a
person bound to a district sees only that district's figures (and only
the services of their role); the week runs Monday 00:00 to Monday 00:00
Beijing time; the CSV holds exactly the page's numbers and is audited."""
import csv
import datetime
import io
import re
import time

from harness import (Server, new_idno, new_phone, now_iso, ref_of, run, unescape)

S = None
WHO = {}
SENT = {"join": [], "legal": [], "rating": [], "appeal": [], "wish": [], "feedback": []}
GOOD = ("满意", "基本满意")
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def setup_module():
    global S
    S = Server(workers=2)
    for user, role, code in (("rev105", "reviewer", "110105"), ("law105", "legal", "110105"),
                             ("rev108", "reviewer", "110108"), ("law108", "legal", "110108")):
        S.add_staff(user, role, code)
    now = now_iso()
    for code, name, district in (("WJ01", "望京驿站", "110105"), ("HD01", "中关村驿站", "110108")):
        S.sql_exec("INSERT INTO stations (code, name, district_id, created_at) VALUES (?, ?, ?, ?)",
                   (code, name, S.district(district), now))
    WHO["admin"] = S.admin()
    for user in ("rev105", "law105", "rev108", "law108"):
        WHO[user] = S.staff(user)
    submit_the_week()


# ---- what the test sends ----

def phone():
    return new_phone("1380000")


def join(district, occupation, station=None):
    path = "/join" + ("?src=" + station if station else "")
    f = {"_token": S.token(path), "name": "张三", "gender": "男", "id_number": new_idno(),
         "phone": phone(), "employment": "新就业形态(平台)", "occupation": occupation,
         "district": district, "was_member": "否", "consent_charter": "1",
         "consent_sensitive": "1"}
    if station:
        f["src"] = station
    ref = ref_of(S.post("/join", f))
    SENT["join"].append({"ref": ref, "district": district, "occupation": occupation,
                         "station": station, "decided": None})
    return ref


def legal(district, kind):
    fields = [("_token", S.token("/legal-aid")), ("website", ""), ("name", "李四"),
              ("phone", phone()), ("id_number", new_idno()), ("district", district),
              ("employer", "某某建筑劳务有限公司"), ("dispute_type", kind), ("people", "3"),
              ("amount", "100"), ("facts", "2024 年 3 月到 10 月在工地干活,老板一直没发工资。"), ("claims", "补发拖欠的工资"),
              ("member_status", "否"), ("contact_time", "晚上"),
              ("consent_sensitive", "1")]
    ref = ref_of(S.post_multipart("/legal-aid", fields))
    SENT["legal"].append({"ref": ref, "district": district, "kind": kind, "closed": False,
                          "fen": 0})
    return ref


def rate(code, district, scores):
    f = {"_token": S.token("/s/%s/rate" % code), "facilities": str(scores[0]),
         "hygiene": str(scores[1]), "service": str(scores[2]), "convenience": str(scores[3]),
         "phone": phone()}
    r = S.post("/s/%s/rate" % code, f)
    assert r.status == 303, r
    rid = S.value("SELECT id FROM station_ratings WHERE phone = ?", (f["phone"],))
    SENT["rating"].append({"id": rid, "district": district, "scores": scores, "week": 0})
    return rid


def step(who, ref, name, fields=None):
    r = WHO[who].post("/staff/legal-aid/%s/%s" % (ref, name), fields or {})
    assert r.status == 303, (ref, name, r)


def appeal(district, kind, matter, may_contact="可以"):
    f = {"_token": S.token("/appeal"), "kind": kind, "matter": matter,
         "content": "配送站拖欠工资,站长一直推脱。", "district": district, "name": "王师傅",
         "phone": phone(), "may_contact": may_contact}
    ref = ref_of(S.post("/appeal", f))
    SENT["appeal"].append({"ref": ref, "district": district, "kind": kind, "matter": matter,
                           "answered": False, "overdue": False})
    return ref


def appeal_step(who, ref, name, fields):
    r = WHO[who].post("/staff/appeals/%s/%s" % (ref, name), fields)
    assert r.status == 303, (ref, name, r.status)


def dispatch(who, ref, district, assignee):
    appeal_step(who, ref, "dispatch", {
        "district": district, "assignee": "%s · %s" % (assignee, district),
        "due_on": (beijing_now() + datetime.timedelta(days=3)).strftime("%Y-%m-%d")})
    for x in SENT["appeal"]:
        if x["ref"] == ref:
            x["district"] = district        # counted where it is handled


def answer_appeal(who, ref):
    appeal_step(who, ref, "answer", {"reply": "已协调用人单位,工资本周补发。"})
    for x in SENT["appeal"]:
        if x["ref"] == ref:
            x["answered"] = True


def wish(district, category):
    f = {"_token": S.token("/wish"), "category": category, "content": "想要一个电动车头盔。",
         "district": district, "name": "赵师傅", "phone": phone(), "public_ok": "1"}
    ref = ref_of(S.post("/wish", f))
    SENT["wish"].append({"ref": ref, "district": district, "category": category,
                         "steps": set()})
    return ref


def wish_step(who, ref, name, fields=None):
    r = WHO[who].post("/staff/wishes/%s/%s" % (ref, name), fields or {})
    assert r.status == 303, (ref, name, r.status)
    for x in SENT["wish"]:
        if x["ref"] == ref:
            x["steps"].add(name)


def feedback(service, district, ref, overall):
    """Answer the 回访 link the outbox holds for ref (overall None: leave
    it unanswered), as the person does."""
    bodies = S.sql("SELECT body FROM outbox WHERE ref = ? AND kind = 'feedback'", (ref,))
    assert len(bodies) == 1, (ref, bodies)
    SENT["feedback"].append({"service": service, "district": district, "overall": overall})
    if overall is None:
        return
    link = re.search(r"/feedback/[A-Za-z0-9_-]{43}", bodies[0][0]).group(0)
    page = S.get(link)
    assert page.status == 200, page
    tok = unescape(re.search(r'name="_token" value="([^"]+)"', page.text).group(1))
    r = S.post(link, {"_token": tok, "overall": overall, "timely": "是", "attitude": "好",
                      "resolved": "是", "comment": ""})
    assert r.status == 303, r


def submit_the_week():
    join("朝阳区", "快递员", "WJ01")
    a = join("朝阳区", "快递员", "WJ01")
    join("朝阳区", "网约送餐员")
    join("海淀区", "快递员", "HD01")
    b = join("海淀区", "保安员")
    join("海淀区", "保安员")
    assert WHO["rev105"].post("/staff/joins/%s/approve" % a).status == 303
    assert WHO["rev108"].post("/staff/joins/%s/reject" % b, {"reason": "材料不全"}).status == 303
    for j in SENT["join"]:
        j["decided"] = {a: "通过", b: "未通过"}.get(j["ref"])
    c = legal("朝阳区", "拖欠工资")
    legal("朝阳区", "工伤")
    d = legal("海淀区", "拖欠工资")
    step("law105", c, "accept")
    step("law105", c, "assign", {"assignee": "law105", "handler_name": "王律师"})
    step("law105", c, "mediate")
    step("law105", c, "close", {"outcome": "调解成功", "recovered": "5000.5"})
    step("law108", d, "reject", {"reason": "不属于工会法律援助范围"})
    for x in SENT["legal"]:
        if x["ref"] in (c, d):
            x["closed"], x["fen"] = True, 500050 if x["ref"] == c else 0
    rate("WJ01", "朝阳区", (5, 4, 3, 2))
    rate("WJ01", "朝阳区", (3, 3, 3, 3))
    rate("HD01", "海淀区", (1, 2, 3, 5))
    # 诉求: answered where they are handled (one moved to 海淀区), one overdue
    p1 = appeal("朝阳区", "投诉", "工资报酬")
    p2 = appeal("朝阳区", "求助", "劳动安全")
    p3 = appeal("朝阳区", "咨询", "社会保险")
    p4 = appeal("海淀区", "意见建议", "驿站设施")
    p5 = appeal("朝阳区", "投诉", "其他", may_contact="不方便")
    appeal("海淀区", "咨询", "工资报酬")                          # waits: 待分派
    dispatch("rev105", p1, "朝阳区", "rev105")
    dispatch("admin", p2, "海淀区", "rev108")
    dispatch("rev105", p3, "朝阳区", "rev105")
    dispatch("rev108", p4, "海淀区", "rev108")
    dispatch("rev105", p5, "朝阳区", "rev105")
    for who, ref in (("rev105", p1), ("rev108", p2), ("rev105", p3), ("rev105", p5)):
        answer_appeal(who, ref)
    # p4's due date has passed (a date the dispatch form would refuse now)
    S.sql_exec("UPDATE appeals SET due_on = ? WHERE ref = ?",
               ((beijing_now() - datetime.timedelta(days=1)).strftime("%Y-%m-%d"), p4))
    for x in SENT["appeal"]:
        x["overdue"] = x["ref"] == p4
    # 微心愿: every state
    w1 = wish("朝阳区", "生活用品")
    w2 = wish("朝阳区", "子女教育")
    w3 = wish("海淀区", "技能培训")
    wish("海淀区", "健康关爱")                                     # waits: 待审核
    w5 = wish("海淀区", "其他")
    today = beijing_now().strftime("%Y-%m-%d")
    for who, ref in (("rev105", w1), ("rev105", w2), ("rev108", w3), ("rev108", w5)):
        wish_step(who, ref, "publish")
    wish_step("rev105", w1, "claim", {"claimer_kind": "工作人员"})
    wish_step("admin", w2, "claim", {"claimer_kind": "企业", "claimer_name": "某某快递公司"})
    wish_step("rev108", w5, "claim", {"claimer_kind": "工会", "claimer_name": "区总工会"})
    wish_step("rev105", w1, "fulfil", {"fulfilled_on": today, "fulfilled_how": "已送到。"})
    wish_step("rev108", w5, "fulfil", {"fulfilled_on": today, "fulfilled_how": "已送到。"})
    # 回访: the people answer their links (p5 chose not to be contacted)
    assert S.value("SELECT count(*) FROM followups WHERE ref = ?", (p5,)) == 0
    for service, district, ref, overall in (
            ("入会", "朝阳区", a, "满意"), ("入会", "海淀区", b, "不满意"),
            ("法律援助", "朝阳区", c, "基本满意"),
            ("诉求", "朝阳区", p1, "满意"), ("诉求", "海淀区", p2, "基本满意"),
            ("诉求", "朝阳区", p3, "满意"),
            ("微心愿", "朝阳区", w1, "不满意"), ("微心愿", "海淀区", w5, None)):
        feedback(service, district, ref, overall)


# ---- weeks ----

def beijing_now():
    return datetime.datetime.now(BEIJING)


def iso_week(d):
    y, w, _ = d.isocalendar()
    return "%04d-W%02d" % (y, w)


def monday_utc(d):
    """Monday 00:00 Beijing of d's week, as the database writes times."""
    m = (d - datetime.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
    return m.astimezone(datetime.timezone.utc)


def utc_text(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- reading the report ----

def tables(html):
    """{table id: {(row, column): text}} of every report table."""
    out = {}
    for tid, body in re.findall(r'<table class="figures" id="([a-z-]+)">(.*?)</table>',
                                html, re.S):
        head = [unescape(h) for h in re.findall(r'<th scope="col">([^<]*)</th>', body)]
        cells = {}
        for tr in re.findall(r"<tbody>(.*?)</tbody>", body, re.S)[0].split("</tr>"):
            m = re.search(r'<th scope="row">([^<]*)</th>(.*)', tr, re.S)
            if not m:
                continue
            vals = re.findall(r"<td>([^<]*)</td>", m.group(2))
            for col, v in zip(head[1:], vals):
                cells[(unescape(m.group(1)), col)] = v.replace(",", "")
        out[tid] = cells
    return out


def captions(html):
    return {tid: unescape(c) for tid, c in re.findall(
        r'<table class="figures" id="([a-z-]+)">\s*<caption id="[^"]*">([^<]*)</caption>', html)}


def report(who, week=None):
    r = WHO[who].get("/staff/reports/week" + ("?week=" + week if week else ""))
    assert r.status == 200, r
    return r.text


def expected():
    """The figures of this week by district, from what the test sent."""
    e = {}

    def add(key, n=1):
        e[key] = e.get(key, 0) + n
    for j in SENT["join"]:
        add(("join-summary", j["district"], "新申请"))
        add(("join-occupation", j["occupation"], j["district"]))
        if j["station"]:
            add(("join-station", {"WJ01": "望京驿站", "HD01": "中关村驿站"}[j["station"]],
                 j["district"]))
        if j["decided"] == "通过":
            add(("join-summary", j["district"], "审核通过"))
        if j["decided"] == "未通过":
            add(("join-summary", j["district"], "未通过"))
    for x in SENT["legal"]:
        add(("legal-summary", x["district"], "新申请"))
        add(("legal-type", x["kind"], x["district"]))
        if x["closed"]:
            add(("legal-summary", x["district"], "办结"))
            add(("legal-summary", x["district"], "追回金额(元)"), x["fen"])
    for x in SENT["appeal"]:
        add(("appeal-summary", x["district"], "新提交"))
        add(("appeal-kind", x["kind"], x["district"]))
        add(("appeal-matter", x["matter"], x["district"]))
        if x["answered"]:
            add(("appeal-summary", x["district"], "已答复"))
        if x["overdue"]:
            add(("appeal-summary", x["district"], "目前逾期"))
    for x in SENT["wish"]:
        add(("wish-summary", x["district"], "新提交"))
        add(("wish-category", x["category"], x["district"]))
        for step_name, col in (("publish", "发布"), ("claim", "认领"), ("fulfil", "实现")):
            if step_name in x["steps"]:
                add(("wish-summary", x["district"], col))
    return e


def pct(good, n):
    """满意率 as the program shows it: one decimal, rounded half up."""
    if n == 0:
        return "—"
    permille = (good * 1000 + n // 2) // n
    return "%d.%d%%" % (permille // 10, permille % 10)


def sat_expected(districts, services):
    """The 满意度 tables' rows from the answers the test gave, for people
    who see districts and services: {table: {row: (n, good, rate, mark)}}."""
    answered = [f for f in SENT["feedback"] if f["overall"] and f["district"] in districts and
                f["service"] in services]

    def row(fs):
        n, good = len(fs), sum(1 for f in fs if f["overall"] in GOOD)
        return (str(n), str(good), pct(good, n), "低于 80%" if good * 100 < 80 * n else "")
    by_service = {}
    for svc in services:
        fs = [f for f in answered if f["service"] == svc]
        if fs:
            by_service[svc] = row(fs)
    by_district = {d: row([f for f in answered if f["district"] == d]) for d in districts}
    if len(districts) > 1:
        by_service["合计"] = by_district["合计"] = row(answered)
    return {"satisfaction-service": by_service, "satisfaction-district": by_district}


def sat_got(got, table, only=None):
    cols = ("回访答复", "满意+基本满意", "满意率", "标记")
    rows = {r for r, _ in got[table]}
    return {r: tuple(got[table][(r, c)] for c in cols) for r in rows
            if only is None or r in only}


def check(got, want, districts, total):
    """Every cell of the tables in want's keys, for districts (and 合计 when
    total), equals want (0 when want has none)."""
    wrong = []
    for tid in {k[0] for k in want}:
        cells = got[tid]
        for (row, col), v in cells.items():
            summary = tid.endswith("-summary")
            district = row if summary else col
            if district == "合计":
                if not total:
                    wrong.append((tid, row, col, "a total for a district-bound person"))
                    continue
                n = sum(w for (t, r2, c2), w in want.items() if t == tid and
                        (c2 == col if summary else r2 == row) and
                        ((r2 if summary else c2) in districts))
            elif district not in districts:
                if v not in ("0", "0.00"):
                    wrong.append((tid, row, col, v, "a district not asked for"))
                continue
            else:
                n = want.get((tid, row, col), 0)
            shown = "%.2f" % (n / 100) if col == "追回金额(元)" else str(n)
            if v != shown:
                wrong.append((tid, row, col, v, shown))
    return wrong


# ---- tests ----

def test_the_admins_report_equals_what_the_test_sent():
    week = iso_week(beijing_now())
    html = report("admin", week)
    got = tables(html)
    want = expected()
    wrong = check(got, want, {"朝阳区", "海淀区"}, total=True)
    assert not wrong, wrong
    # the figures of this test are there (not a table of zeros)
    assert got["join-summary"][("合计", "新申请")] == "6"
    assert got["join-summary"][("朝阳区", "审核通过")] == "1"
    assert got["join-summary"][("海淀区", "未通过")] == "1"
    assert got["join-station"][("望京驿站", "朝阳区")] == "2"
    assert got["legal-summary"][("朝阳区", "追回金额(元)")] == "5000.50"
    assert got["legal-summary"][("海淀区", "办结")] == "1"
    # every district of the union has its row, and the totals
    assert {r for r, _ in got["join-summary"]} >= {"东城区", "朝阳区", "海淀区", "合计"}
    # ratings: count and the average of each of the four
    rs = [x for x in SENT["rating"]]
    for district in ("朝阳区", "海淀区"):
        mine = [x["scores"] for x in rs if x["district"] == district]
        assert got["rating-summary"][(district, "评价数")] == str(len(mine))
        for i, dim in enumerate(("设施", "卫生", "服务", "便利")):
            assert got["rating-summary"][(district, dim)] == \
                "%.2f" % (sum(s[i] for s in mine) / len(mine)), (district, dim)
        assert got["rating-summary"][(district, "综合")] == \
            "%.2f" % (sum(map(sum, mine)) / (4 * len(mine)))
    every = [x["scores"] for x in rs]
    assert got["rating-summary"][("合计", "设施")] == "%.2f" % (sum(s[0] for s in every) / 3)
    # 诉求 and 微心愿: what the test sent and did (checked with the rest above)
    assert got["appeal-summary"][("合计", "新提交")] == "6"
    assert got["appeal-summary"][("海淀区", "已答复")] == "1"     # moved there, answered there
    assert got["appeal-summary"][("朝阳区", "已答复")] == "3"
    assert got["appeal-summary"][("海淀区", "目前逾期")] == "1"
    assert got["appeal-kind"][("投诉", "朝阳区")] == "2"
    assert got["appeal-matter"][("驿站设施", "海淀区")] == "1"
    assert [got["wish-summary"][("合计", c)] for c in ("新提交", "发布", "认领", "实现")] == \
        ["5", "4", "3", "2"]
    assert got["wish-category"][("技能培训", "海淀区")] == "1"
    # 满意度 from the answers given through the links
    want = sat_expected({"朝阳区", "海淀区", "合计"}, ("入会", "法律援助", "诉求", "微心愿"))
    assert sat_got(got, "satisfaction-service") == want["satisfaction-service"]
    assert sat_got(got, "satisfaction-district", {"朝阳区", "海淀区", "合计"}) == \
        want["satisfaction-district"]
    assert want["satisfaction-service"]["入会"] == ("2", "1", "50.0%", "低于 80%")
    assert want["satisfaction-district"]["朝阳区"] == ("5", "4", "80.0%", "")  # 80%: not below
    assert got["satisfaction-district"][("东城区", "满意率")] == "—"
    # tables a printer and a screen reader can use
    assert html.count("<caption") == len(got)
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert "本周尚未结束" in html


def test_a_district_sees_only_its_own_figures_and_services():
    week = iso_week(beijing_now())
    want = expected()
    for who, district in (("rev105", "朝阳区"), ("rev108", "海淀区")):
        html = report(who, week)
        got = tables(html)
        assert "legal-summary" not in got and "法律援助" not in html.split("<main")[1]
        joins = {k: v for k, v in want.items() if k[0].startswith("join")}
        wrong = check(got, joins, {district}, total=False)
        assert not wrong, (who, wrong)
        mine = {k: v for k, v in want.items() if k[0].startswith(("appeal", "wish"))}
        wrong = check(got, mine, {district}, total=False)
        assert not wrong, (who, wrong)
        sat = sat_expected({district}, ("入会", "诉求", "微心愿"))
        assert sat_got(got, "satisfaction-service") == sat["satisfaction-service"], who
        assert sat_got(got, "satisfaction-district") == sat["satisfaction-district"], who
        other = "海淀区" if district == "朝阳区" else "朝阳区"
        assert other not in html.split("<main")[1] and "合计" not in html.split("<main")[1]
    for who, district in (("law105", "朝阳区"), ("law108", "海淀区")):
        html = report(who, week)
        got = tables(html)
        assert set(got) == {"legal-summary", "legal-type", "legal-ontime",
                            "satisfaction-service", "satisfaction-district"}, (who, set(got))
        legal = {k: v for k, v in want.items() if k[0].startswith("legal")}
        wrong = check(got, legal, {district}, total=False)
        assert not wrong, (who, wrong)
        sat = sat_expected({district}, ("法律援助",))
        assert sat_got(got, "satisfaction-service") == sat["satisfaction-service"], who
        assert sat_got(got, "satisfaction-district") == sat["satisfaction-district"], who
        if district == "海淀区":      # no case of theirs was answered: the table says so
            assert "本周没有数字" in html
    # a bound person's CSV is scoped the same way
    r = WHO["rev105"].get("/staff/reports/week.csv?week=" + week)
    assert r.status == 200 and "海淀区" not in r.text and "朝阳区" in r.text


def test_the_week_runs_monday_to_monday_in_beijing_time():
    now = beijing_now()
    monday = monday_utc(now)
    before = rate("WJ01", "朝阳区", (1, 1, 1, 1))     # Sunday 23:30 Beijing: last week
    after = rate("WJ01", "朝阳区", (5, 5, 5, 5))      # Monday 00:30 Beijing: this week
    S.sql_exec("UPDATE station_ratings SET created_at = ? WHERE id = ?",
               (utc_text(monday - datetime.timedelta(minutes=30)), before))
    S.sql_exec("UPDATE station_ratings SET created_at = ? WHERE id = ?",
               (utc_text(monday + datetime.timedelta(minutes=30)), after))
    last = tables(report("admin", iso_week(now - datetime.timedelta(days=7))))
    this = tables(report("admin", iso_week(now)))
    assert last["rating-summary"][("朝阳区", "评价数")] == "1"
    assert last["rating-summary"][("朝阳区", "设施")] == "1.00"
    assert last["rating-summary"][("合计", "评价数")] == "1"
    cy = [x for x in SENT["rating"] if x["district"] == "朝阳区" and x["id"] != before]
    assert this["rating-summary"][("朝阳区", "评价数")] == str(len(cy))
    # the week before last has nothing of this test
    older = tables(report("admin", iso_week(now - datetime.timedelta(days=14))))
    assert older["rating-summary"][("合计", "评价数")] == "0"
    assert older["join-summary"][("合计", "新申请")] == "0"
    assert older["satisfaction-district"][("合计", "回访答复")] == "0"
    assert older["appeal-summary"][("合计", "新提交")] == "0"
    assert older["wish-summary"][("合计", "新提交")] == "0"
    # the default is the last complete week; the span and links say which
    html = report("admin")
    assert "工作周报 · %s" % iso_week(now - datetime.timedelta(days=7)) in html
    start = (now - datetime.timedelta(days=now.weekday() + 7)).date()
    assert "%d年%d月%d日(周一)" % (start.year, start.month, start.day) in html
    assert 'href="/staff/reports/week?week=%s"' % iso_week(now) in html
    assert 'week=%s' % iso_week(now - datetime.timedelta(days=14)) in html
    cur = report("admin", iso_week(now))
    assert "下一周" not in cur       # nothing after this week


def test_weeks_are_read_as_iso_weeks():
    a = WHO["admin"]
    assert a.get("/staff/reports/week?week=2026-W49").status == 200
    # 2026-W01 starts on Monday 2025-12-29; 2020 had a W53, 2025 has none
    assert "2025年12月29日(周一)至 2026年1月4日(周日)" in a.get(
        "/staff/reports/week?week=2026-W01").text
    assert a.get("/staff/reports/week?week=2020-W53").status == 200
    assert a.get("/staff/reports/week?week=2025-W53").status == 400
    for bad in ("2026-49", "W49", "2026-W0", "2026-W54", "%27%3B%20DROP%20TABLE%20x", "2026-W49x", "2026-W4"):
        assert a.get("/staff/reports/week?week=" + bad).status == 400, bad
    later = iso_week(beijing_now() + datetime.timedelta(days=14))
    assert a.get("/staff/reports/week?week=" + later).status == 404


def test_the_csv_holds_the_pages_numbers_and_is_audited():
    week = iso_week(beijing_now())
    html = report("admin", week)
    got, caps = tables(html), captions(html)
    by_caption = {c: t for t, c in caps.items()}
    r = WHO["admin"].get("/staff/reports/week.csv?week=" + week)
    assert r.status == 200, r
    assert r.body.startswith(b"\xef\xbb\xbf")
    assert "attachment" in (r.header("Content-Disposition") or "")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0] == ["周次", "板块", "统计表", "行", "列", "数值"]
    from_csv = {}
    for w, section, caption, row, col, v in rows[1:]:
        assert w == week
        from_csv[(by_caption[caption], row, col)] = v
    from_html = {(t, row, col): v for t, cells in got.items() for (row, col), v in cells.items()}
    assert from_csv == from_html
    assert from_csv[("legal-summary", "朝阳区", "追回金额(元)")] == "5000.50"
    entries = S.audits("export", "report-week")
    assert entries and entries[-1][0] == "admin" and week in entries[-1][2]


def test_the_report_prints_on_a4_and_is_linked_from_the_nav():
    css = S.get("/static/site.css").text
    m = re.search(r"@media print \{(.*)", css, re.S)
    assert m and "size: A4 portrait" in m.group(1) and ".report table" in m.group(1)
    html = report("admin")
    assert 'class="report"' in html and 'class="pager noprint"' in html
    for who in ("admin", "rev105", "law105"):
        assert 'href="/staff/reports/week"' in WHO[who].get("/staff").text, who


if __name__ == "__main__":
    run(globals())
