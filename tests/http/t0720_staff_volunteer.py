#!/usr/bin/env python3
"""t0720: 志愿服务 and 工会驿站 at the staff desk, as union staff use them —
creating, editing and cancelling activities (admin, and a reviewer bound to
one district who cannot touch another's), the form's messages, the roster
with its wait-list, attendance and hours, removing a sign-up so the
wait-list moves up (and the people concerned see it at /status), and
stations with their QR posters and the applications they bring, seen by the
admin and by the reviewers of their own district."""
import datetime
import re
from urllib.parse import quote

from harness import Server, errors, form_value, idno, local_input, now_iso, ref_of, run

S = A = R1 = R2 = L = None
PHONES = iter("137%08d" % i for i in range(10000000))


def setup_module():
    global S, A, R1, R2, L
    S = Server(workers=2)
    S.add_staff("rev1", "reviewer", "110105")    # 朝阳区
    S.add_staff("rev2", "reviewer", "110108")    # 海淀区
    S.add_staff("legal1", "legal", "110105")
    A = S.admin()
    R1 = S.staff("rev1")
    R2 = S.staff("rev2")
    L = S.staff("legal1")


# ---- helpers ----

TIMES = {"starts_at": local_input(days=5), "ends_at": local_input(days=5, hours=3),
         "deadline": local_input(days=4)}


def activity(**over):
    f = {"title": "驿站清洁志愿活动", "description": "打扫工会驿站,整理休息区和饮水点。",
         "place": "望京户外劳动者驿站", "district": "朝阳区", "capacity": "3"}
    f.update(TIMES)
    f.update(over)
    return f


def create(client, **over):
    r = client.post("/staff/volunteer/new", activity(**over))
    assert r.status == 303, r
    m = re.fullmatch(r"/staff/volunteer/(\d+)\?done=created", r.header("Location"))
    assert m, r.header("Location")
    return int(m.group(1))


def signup(aid, name="王五", **kw):
    """A public sign-up; returns (ref, phone)."""
    tok = S.token("/volunteer/%d" % aid)
    phone = next(PHONES)
    f = {"_token": tok, "name": name, "phone": phone, "consent": "1"}
    f.update(kw)
    r = S.post("/volunteer/%d/signup" % aid, f)
    assert r.status == 303, r
    return re.search(r"/volunteer/signup/(ZY\w{8})\?", r.header("Location")).group(1), phone


def status_of(ref):
    return S.sql("SELECT status FROM signups WHERE ref = ?", (ref,))[0][0]


def last_event(ref):
    return S.sql("SELECT status, note, public FROM events WHERE ref = ? ORDER BY id DESC"
                 " LIMIT 1", (ref,))[0]


def audits(action, target=None):
    return S.audits(action, target, "target, detail, username")


def count_activities():
    return S.sql("SELECT count(*) FROM activities")[0][0]


def started(aid):
    """Move an activity's times so that it is under way now."""
    S.sql_exec("UPDATE activities SET deadline = ?, starts_at = ?, ends_at = ? WHERE id = ?",
               (now_iso(-2 * 3600), now_iso(-3600), now_iso(2 * 3600), aid))


# ---- activities ----

def test_the_activity_form_has_every_labelled_field():
    t = A.get("/staff/volunteer/new").text
    for label in ["标题", "活动介绍", "开始时间", "结束时间", "地点", "所在区县", "名额", "报名截止"]:
        assert ">%s" % label in t, label
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert 'id="%s"' % target in t, target
    assert t.count('type="datetime-local"') == 3
    assert "<option>全市(不限区县)</option>" in t and "<option>海淀区</option>" in t
    t = R1.get("/staff/volunteer/new").text
    assert "<option>朝阳区</option>" in t
    assert "海淀区</option>" not in t and "全市" not in t.split('id="f-district"')[1].split("</select>")[0]


def test_admin_creates_an_activity_stored_in_utc_and_shown_in_beijing_time():
    before = count_activities()
    aid = create(A, title="春节送温暖", starts_at="2030-05-01T09:00", ends_at="2030-05-01T11:30",
                 deadline="2030-04-30T18:00", capacity="20", district="全市(不限区县)")
    assert count_activities() == before + 1
    row = S.sql("SELECT title, starts_at, ends_at, deadline, district_id, capacity, cancelled"
                " FROM activities WHERE id = ?", (aid,))
    assert row == [("春节送温暖", "2030-05-01T01:00:00Z", "2030-05-01T03:30:00Z",
                    "2030-04-30T10:00:00Z", None, 20, 0)], row
    assert audits("activity.create", "activity:%d" % aid) == [("activity:%d" % aid, "春节送温暖", "admin")]
    page = A.get("/staff/volunteer/%d?done=created" % aid)
    assert page.status == 200 and "活动已创建" in page.text
    assert "09:00–11:30" in page.text and "0 / 20 已确认" in page.text, page.text
    lst = A.get("/staff/volunteer").text
    assert "春节送温暖" in lst and "0 / 20" in lst
    assert "春节送温暖" in S.get("/volunteer").text
    # The edit form shows the stored times back in Beijing time.
    t = A.get("/staff/volunteer/%d/edit" % aid).text
    assert form_value(t, "starts_at") == "2030-05-01T09:00"
    assert form_value(t, "deadline") == "2030-04-30T18:00"


def test_wrong_input_is_refused_beside_its_field_and_nothing_is_stored():
    cases = [
        ({"title": ""}, "title", "请填写标题"),
        ({"title": "活" * 101}, "title", "最多 100 个字"),
        ({"description": "太短了"}, "description", "至少 10 个字"),
        ({"starts_at": "明天上午"}, "starts_at", "开始时间格式应为"),
        ({"starts_at": "2030-02-30T09:00", "ends_at": "2030-03-01T09:00",
          "deadline": "2030-02-01T09:00"}, "starts_at", "不是有效的日期"),
        ({"ends_at": local_input(days=5, hours=-1)}, "ends_at", "结束时间须晚于开始时间"),
        ({"deadline": local_input(days=6)}, "deadline", "报名截止须早于开始时间"),
        ({"starts_at": local_input(days=-1), "ends_at": local_input(days=-1, hours=2),
          "deadline": local_input(days=-2)}, "starts_at", "开始时间须晚于现在"),
        ({"place": ""}, "place", "请填写地点"),
        ({"capacity": "0"}, "capacity", "名额须在 1 到 10000 之间"),
        ({"capacity": "10001"}, "capacity", "名额须在 1 到 10000 之间"),
        ({"capacity": "十"}, "capacity", "名额须为整数"),
        ({"district": "火星区"}, "district", "请从列表中选择所在区县"),
    ]
    before = count_activities()
    for over, field, words in cases:
        r = A.post("/staff/volunteer/new", activity(**over))
        assert r.status == 422, (over, r)
        errs = errors(r.text)
        assert field in errs and words in errs[field], (over, errs)
        assert form_value(r.text, "place") == activity(**over)["place"], "input kept"
    # A reviewer cannot put an activity in another district.
    r = R1.post("/staff/volunteer/new", activity(district="海淀区"))
    assert r.status == 422 and "district" in errors(r.text)
    assert count_activities() == before


def test_a_district_reviewer_works_only_in_their_own_district():
    own = create(R1, title="朝阳区助老活动")
    other = create(A, title="海淀区读书会", district="海淀区")
    city = create(A, title="全市职工健步走", district="全市(不限区县)")
    assert S.sql("SELECT district_id FROM activities WHERE id = ?", (own,)) == \
        S.sql("SELECT id FROM districts WHERE code = '110105'")
    lst = R1.get("/staff/volunteer").text
    assert "朝阳区助老活动" in lst and "全市职工健步走" in lst and "海淀区读书会" not in lst
    # Another district's activity does not exist for them.
    for path in ["/staff/volunteer/%d" % other, "/staff/volunteer/%d/edit" % other]:
        assert R1.get(path).status == 404, path
    assert R1.post("/staff/volunteer/%d/edit" % other, activity(district="朝阳区")).status == 404
    assert R1.post("/staff/volunteer/%d/cancel" % other, {"reason": "x"}).status == 404
    assert R2.get("/staff/volunteer/%d" % own).status == 404
    # City-wide: they see it, only admin changes it.
    page = R1.get("/staff/volunteer/%d" % city)
    assert page.status == 200 and "只有管理员可以修改" in page.text
    assert 'href="/staff/volunteer/%d/edit"' % city not in page.text
    assert R1.get("/staff/volunteer/%d/edit" % city).status == 404
    assert R1.post("/staff/volunteer/%d/cancel" % city, {"reason": "x"}).status == 404
    assert S.sql("SELECT title, cancelled FROM activities WHERE id IN (?, ?) ORDER BY id",
                 (other, city)) == [("海淀区读书会", 0), ("全市职工健步走", 0)]
    # Their own: they edit it.
    r = R1.post("/staff/volunteer/%d/edit" % own, activity(title="朝阳区助老活动(改)", place="朝阳区敬老院"))
    assert r.status == 303, r
    assert S.sql("SELECT title, place FROM activities WHERE id = ?", (own,)) == \
        [("朝阳区助老活动(改)", "朝阳区敬老院")]
    assert audits("activity.edit", "activity:%d" % own)[-1][2] == "rev1"
    assert "修改已保存" in R1.get(r.header("Location")).text


def test_fewer_places_than_confirmed_people_is_refused():
    aid = create(A, title="名额减少测试", capacity="2")
    signup(aid), signup(aid), signup(aid)
    r = A.post("/staff/volunteer/%d/edit" % aid, activity(title="名额减少测试", capacity="1"))
    assert r.status == 422, r
    assert "已有 2 人确认报名,名额不能少于 2" in errors(r.text)["capacity"]
    assert S.sql("SELECT capacity FROM activities WHERE id = ?", (aid,)) == [(2,)]


def test_more_places_confirm_the_wait_list_in_order():
    aid = create(A, title="名额增加测试", capacity="1")
    first, _ = signup(aid)
    w1, p1 = signup(aid)
    w2, _ = signup(aid)
    assert [status_of(x) for x in (first, w1, w2)] == ["已确认", "候补", "候补"]
    r = A.post("/staff/volunteer/%d/edit" % aid, activity(title="名额增加测试", capacity="2"))
    assert r.status == 303, r
    assert [status_of(x) for x in (first, w1, w2)] == ["已确认", "已确认", "候补"]
    assert last_event(w1) == ("已确认", "候补转为正式", 1)
    assert "有 1 位候补按报名先后转为正式" in A.get(r.header("Location")).text
    assert "名额已确认" in S.status_page(w1, p1)
    assert "候补转正:%s" % w1 in audits("activity.edit", "activity:%d" % aid)[-1][1]
    r = A.post("/staff/volunteer/%d/edit" % aid, activity(title="名额增加测试", capacity="10"))
    assert r.status == 303 and status_of(w2) == "已确认"


def test_a_new_time_or_place_is_told_to_everyone_who_signed_up():
    aid = create(A, title="变更测试")
    a, pa = signup(aid)
    events = lambda: S.sql("SELECT count(*) FROM events WHERE ref = ?", (a,))[0][0]
    n = events()
    assert A.post("/staff/volunteer/%d/edit" % aid, activity(title="变更测试(新标题)")).status == 303
    assert events() == n, "a new title alone is not news"
    r = A.post("/staff/volunteer/%d/edit" % aid, activity(title="变更测试(新标题)", place="新地点三楼"))
    assert r.status == 303
    st, note, public = last_event(a)
    assert st == "活动变更" and "地点有变化" in note and "新地点三楼" in note and public == 1, note
    assert "新地点三楼" in S.status_page(a, pa)
    assert "地点变更" in audits("activity.edit", "activity:%d" % aid)[-1][1]


def test_the_roster_lists_confirmed_and_wait_listed_people():
    aid = create(R1, title="名单测试", capacity="1")
    a, pa = signup(aid, name="赵一", skills="法律", note="周末有空")
    b, pb = signup(aid, name="钱二")
    c, pc = signup(aid, name="孙三")
    t = R1.get("/staff/volunteer/%d" % aid).text
    for words in ["编号", "姓名", "手机号", "特长", "备注", "状态", "报名时间",
                  a, "赵一", pa, "法律", "周末有空", b, "钱二", pb, c, "孙三"]:
        assert words in t, words
    assert t.index("赵一") < t.index("钱二") < t.index("孙三")
    assert "候补第 1 位" in t and "候补第 2 位" in t
    assert "1 / 1 已确认,2 人候补" in t
    assert "1 / 1" in R1.get("/staff/volunteer").text


def test_attendance_and_hours_are_saved_once_the_activity_has_started():
    aid = create(A, title="出席测试", capacity="2")
    a, _ = signup(aid)
    b, _ = signup(aid)
    path = "/staff/volunteer/%d/signups/%s/attend" % (aid, a)
    r = A.post(path, {"attended": "1", "hours": "3"})
    assert r.status == 422 and "活动开始后才能登记" in r.text
    started(aid)
    t = A.get("/staff/volunteer/%d" % aid).text
    assert 'for="hours-%s">服务时长(小时)</label>' % a in t and "出席</label>" in t
    for target in re.findall(r'<label for="([^"]+)"', t):
        assert t.count('id="%s"' % target) == 1, target
    r = A.post(path, {"attended": "1", "hours": "3"})
    assert r.status == 303, r
    assert S.sql("SELECT attended, hours FROM signups WHERE ref = ?", (a,)) == [(1, 3)]
    assert audits("signup.attend", a)[-1][1] == "出席,服务 3 小时"
    t = A.get(r.header("Location").split("#")[0]).text
    assert "已登记出席 1 人,共 3 小时" in t
    for fields, words in [({"attended": "1", "hours": "25"}, "服务时长(小时)须在 0 到 24 之间"),
                          ({"hours": "2"}, "未出席时服务时长应为 0"),
                          ({"attended": "1", "hours": "-1"}, "服务时长(小时)须为整数")]:
        r = A.post("/staff/volunteer/%d/signups/%s/attend" % (aid, b), fields)
        assert r.status == 422 and words in r.text, (fields, r)
        assert 'id="err-att-%s"' % b in r.text
    assert S.sql("SELECT attended, hours FROM signups WHERE ref = ?", (b,)) == [(0, 0)]
    # Not attended after all.
    assert A.post(path, {"hours": "0"}).status == 303
    assert S.sql("SELECT attended, hours FROM signups WHERE ref = ?", (a,)) == [(0, 0)]
    # A sign-up of another activity is not found under this one.
    other = create(A, title="别的活动")
    x, _ = signup(other)
    assert A.post("/staff/volunteer/%d/signups/%s/attend" % (aid, x), {"attended": "1"}).status == 404


def test_removing_a_confirmed_person_confirms_the_first_on_the_wait_list():
    aid = create(R1, title="移出测试", capacity="1")
    a, pa = signup(aid)
    b, pb = signup(aid)
    c, pc = signup(aid)
    r = R1.post("/staff/volunteer/%d/signups/%s/remove" % (aid, a), {"reason": "本人电话告知不来了"})
    assert r.status == 303, r
    assert [status_of(x) for x in (a, b, c)] == ["已取消", "已确认", "候补"]
    assert last_event(a) == ("已取消", "工作人员取消了您的报名:本人电话告知不来了", 1)
    assert last_event(b) == ("已确认", "候补转为正式", 1)
    staff_ids = S.sql("SELECT staff_id FROM events WHERE ref IN (?, ?) ORDER BY id DESC LIMIT 2",
                      (a, b))
    assert staff_ids == S.sql("SELECT id FROM staff WHERE username = 'rev1'") * 2
    assert "名额已确认" in S.status_page(b, pb)
    assert "本人电话告知不来了" in S.status_page(a, pa)
    detail = audits("signup.remove", a)[-1][1]
    assert "本人电话告知不来了" in detail and b in detail
    t = R1.get(r.header("Location")).text
    assert "已移出这份报名" in t and "候补第 1 位" in t
    # Removing a wait-listed person moves nobody else.
    r = R1.post("/staff/volunteer/%d/signups/%s/remove" % (aid, c), {})
    assert r.status == 303
    assert [status_of(x) for x in (a, b, c)] == ["已取消", "已确认", "已取消"]
    assert last_event(c) == ("已取消", "工作人员取消了您的报名", 1)
    # Twice is harmless; another district's reviewer cannot.
    assert R1.post("/staff/volunteer/%d/signups/%s/remove" % (aid, c), {}).status == 303
    assert R2.post("/staff/volunteer/%d/signups/%s/remove" % (aid, b), {}).status == 404
    assert status_of(b) == "已确认"


def test_cancelling_an_activity_tells_everyone_and_closes_sign_ups():
    aid = create(A, title="取消测试活动", capacity="1")
    a, pa = signup(aid)
    b, _ = signup(aid)
    r = A.post("/staff/volunteer/%d/cancel" % aid, {"reason": ""})
    assert r.status == 422 and "请填写取消原因" in r.text
    assert S.sql("SELECT cancelled FROM activities WHERE id = ?", (aid,)) == [(0,)]
    r = A.post("/staff/volunteer/%d/cancel" % aid, {"reason": "暴雨预警"})
    assert r.status == 303, r
    assert S.sql("SELECT cancelled, cancel_reason FROM activities WHERE id = ?", (aid,)) == \
        [(1, "暴雨预警")]
    for ref in (a, b):
        st, note, public = last_event(ref)
        assert st == "活动取消" and "暴雨预警" in note and public == 1, (st, note)
    assert "活动取消" in S.status_page(a, pa)
    assert "暴雨预警" in audits("activity.cancel", "activity:%d" % aid)[-1][1]
    staff_page = A.get("/staff/volunteer/%d" % aid).text
    assert "本活动已取消。原因:暴雨预警" in staff_page and "取消这个活动" not in staff_page
    lst = S.get("/volunteer").text
    past = lst[lst.index("已结束或已取消"):]
    assert "取消测试活动" in past and "已取消" in past
    page = S.get("/volunteer/%d" % aid).text
    assert "本活动已取消:暴雨预警" in page and 'name="phone"' not in page
    n = S.sql("SELECT count(*) FROM signups WHERE activity_id = ?", (aid,))[0][0]
    tok = form_value(S.get("/volunteer/1").text, "_token") or ""
    r = S.post("/volunteer/%d/signup" % aid, {"_token": tok, "name": "晚来", "phone": next(PHONES),
                                              "consent": "1"})
    assert r.status == 422
    assert S.sql("SELECT count(*) FROM signups WHERE activity_id = ?", (aid,))[0][0] == n
    # A cancelled activity is no longer edited.
    assert A.get("/staff/volunteer/%d/edit" % aid).status == 302
    r = A.post("/staff/volunteer/%d/edit" % aid, activity(title="复活"))
    assert r.status == 422 and "已经取消" in r.text
    assert "已取消" in A.get("/staff/volunteer?status=" + quote("已取消")).text
    assert "取消测试活动" in A.get("/staff/volunteer?status=" + quote("已取消")).text
    assert "取消测试活动" not in A.get("/staff/volunteer?status=" + quote("报名中")).text


def test_search_finds_a_volunteer_within_the_persons_districts():
    aid = create(R1, title="查找测试")
    ref, phone = signup(aid, name="欧阳查找")
    for q in (ref, phone, "欧阳查找"):
        t = R1.get("/staff/volunteer?q=" + quote(q)).text
        assert "报名人查找结果" in t and ref in t and "查找测试" in t, q
    t = R2.get("/staff/volunteer?q=" + phone).text
    assert ref not in t and "没有找到" in t


def test_the_list_pages_fifty_at_a_time_newest_start_first_without_gaps():
    now = datetime.datetime.now(datetime.timezone.utc)
    for i in range(60):
        start = (now + datetime.timedelta(days=30, hours=i % 7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        S.sql_exec("INSERT INTO activities (title, description, starts_at, ends_at, place,"
                   " district_id, capacity, deadline, created_at, updated_at) VALUES"
                   " (?, '批量生成的活动介绍', ?, ?, '某地',"
                   "  (SELECT id FROM districts WHERE code = '110105'), 5, ?, ?, ?)",
                   ("翻页活动%02d" % i, start, start[:11] + "23:59:00Z",
                    "2020-01-01T00:00:00Z", start, start))
    seen, path, pages = [], "/staff/volunteer", 0
    while path and pages < 10:
        t = R1.get(path).text
        rows = re.findall(r'<a href="/staff/volunteer/(\d+)">', t)
        assert len(rows) <= 50
        seen += [int(x) for x in rows]
        m = re.search(r'<a href="([^"]+)">下一页', t)
        path = m.group(1).replace("&amp;", "&") if m else None
        pages += 1
    want = [r[0] for r in S.sql(
        "SELECT id FROM activities WHERE district_id IS NULL OR district_id ="
        " (SELECT id FROM districts WHERE code = '110105')"
        " ORDER BY starts_at DESC, id DESC")]
    assert pages >= 2 and seen == want, (pages, len(seen), len(want))


def test_staff_posts_without_the_csrf_token_are_refused():
    aid = create(A, title="CSRF 测试", capacity="1")
    a, _ = signup(aid)
    before = count_activities()
    for path, fields in [("/staff/volunteer/new", activity()),
                         ("/staff/volunteer/%d/edit" % aid, activity(capacity="9")),
                         ("/staff/volunteer/%d/cancel" % aid, {"reason": "x"}),
                         ("/staff/volunteer/%d/signups/%s/attend" % (aid, a), {"attended": "1"}),
                         ("/staff/volunteer/%d/signups/%s/remove" % (aid, a), {}),
                         ("/staff/stations/new", {"name": "x", "district": "朝阳区", "code": "CSRF"})]:
        r = A.post(path, fields, csrf=False)
        assert r.status == 403, (path, r)
    assert count_activities() == before
    assert S.sql("SELECT capacity, cancelled FROM activities WHERE id = ?", (aid,)) == [(1, 0)]
    assert status_of(a) == "已确认"
    assert S.sql("SELECT count(*) FROM stations WHERE code = 'CSRF'") == [(0,)]


def test_legal_staff_do_not_see_volunteer_routes():
    for path in ["/staff/volunteer", "/staff/volunteer/new", "/staff/volunteer/1"]:
        assert L.get(path).status == 404, path


# ---- stations ----

def station_form(**over):
    # 开放使用 is ticked on a new station's form: a browser sends it
    f = {"name": "望京户外劳动者驿站", "district": "朝阳区", "code": "CY-WJ-01", "active": "1"}
    f.update(over)
    return f


def test_admin_adds_stations_and_codes_are_unique():
    t = A.get("/staff/stations/new").text
    for label in ["驿站名称", "所在区县", "驿站代码"]:
        assert ">%s" % label in t, label
    r = A.post("/staff/stations/new", station_form(code="CY 01"))
    assert r.status == 422 and "只能使用英文字母、数字和 -" in errors(r.text)["code"]
    r = A.post("/staff/stations/new", station_form(name="", code="C" * 33))
    assert r.status == 422 and set(errors(r.text)) == {"name", "code"}
    assert S.sql("SELECT count(*) FROM stations") == [(0,)]
    r = A.post("/staff/stations/new", station_form())
    assert r.status == 303 and r.header("Location") == "/staff/stations?done=created", r
    row = S.sql("SELECT s.name, s.code, d.name FROM stations s JOIN districts d"
                " ON d.id = s.district_id")
    assert row == [("望京户外劳动者驿站", "CY-WJ-01", "朝阳区")]
    assert audits("station.create") == [("CY-WJ-01", "望京户外劳动者驿站", "admin")]
    lst = A.get("/staff/stations?done=created").text
    assert "驿站已添加" in lst and "望京户外劳动者驿站" in lst and "CY-WJ-01" in lst
    r = A.post("/staff/stations/new", station_form(name="另一个驿站", code="cy-wj-01"))
    assert r.status == 422, r
    assert "已被“望京户外劳动者驿站”使用" in errors(r.text)["code"]
    assert S.sql("SELECT count(*) FROM stations") == [(1,)]


def poster_url(code):
    sid = S.sql("SELECT id FROM stations WHERE code = ?", (code,))[0][0]
    return "/staff/stations/%d/poster" % sid


def test_the_poster_has_a_qr_code_for_the_stations_page():
    if not S.sql("SELECT 1 FROM stations WHERE code = 'CY-WJ-01'"):
        assert A.post("/staff/stations/new", station_form()).status == 303
    r = A.get(poster_url("CY-WJ-01"))
    assert r.status == 200, r
    t = r.text
    for words in ["职工之家", "望京户外劳动者驿站", "申请入会", "法律援助", "提诉求", "许微心愿",
                  "评价这个驿站"]:
        assert words in t, words
    url = "http://127.0.0.1:%d/s/CY-WJ-01" % S.port
    assert url in t, t
    svg = re.search(r"<svg[^>]*>.*?</svg>", t, re.S)
    assert svg, t
    path = re.search(r'<path fill="#000" d="([^"]*)"', svg.group(0)).group(1)
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path)
    assert len(runs) > 50 and "".join("M%s %sh%sv1h-%sz" % (x, y, n, n) for x, y, n in runs) == path
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg.group(0)).group(1))
    assert all(4 <= int(x) and int(x) + int(n) <= size - 4 and 4 <= int(y) < size - 4
               for x, y, n in runs), "a 4-module quiet zone"
    # A Host header that is not a plain host name is not put into the code.
    r = S.get(poster_url("CY-WJ-01"), headers=A.headers({"Host": "evil_host"}))
    assert r.status == 200 and "evil_host" not in r.text
    assert "http://localhost:%d/s/CY-WJ-01" % S.port in r.text
    assert A.get("/staff/stations/999999/poster").status == 404
    assert A.get("/staff/stations/abc/poster").status == 404


def test_an_application_through_the_qr_code_is_counted_for_its_station():
    if not S.sql("SELECT 1 FROM stations WHERE code = 'CY-WJ-01'"):
        assert A.post("/staff/stations/new", station_form()).status == 303
    assert A.post("/staff/stations/new", station_form(name="中关村驿站", district="海淀区",
                                                      code="HD-ZGC")).status == 303
    page = S.get("/join?src=CY-WJ-01").text
    assert "望京户外劳动者驿站" in page
    f = {"_token": form_value(page, "_token"), "src": "CY-WJ-01", "name": "张三", "gender": "男",
         "id_number": idno("11010519900307123"), "phone": "13900000001", "ethnicity": "汉族",
         "education": "高中/中专/技校", "employment": "新就业形态(平台)",
         "occupation": "网约送餐员", "employer": "", "district": "朝阳区", "address": "",
         "was_member": "否", "prev_union": "", "consent_charter": "1", "consent_sensitive": "1"}
    ref = ref_of(S.post("/join", f))
    assert S.sql("SELECT s.code FROM join_applications j JOIN stations s ON s.id = j.station_id"
                 " WHERE j.ref = ?", (ref,)) == [("CY-WJ-01",)]
    lst = A.get("/staff/stations").text
    rows = dict(re.findall(r"<code>([^<]+)</code></td>\s*<td>(\d+)</td>", lst))
    assert rows == {"CY-WJ-01": "1", "HD-ZGC": "0"}, rows


def test_stations_belong_to_their_district_and_legal_officers_see_none():
    if not S.sql("SELECT 1 FROM stations WHERE code = 'HD-ZGC'"):
        assert A.post("/staff/stations/new", station_form(name="中关村驿站", district="海淀区",
                                                          code="HD-ZGC")).status == 303
    if not S.sql("SELECT 1 FROM stations WHERE code = 'CY-WJ-01'"):
        assert A.post("/staff/stations/new", station_form()).status == 303
    own = S.value("SELECT id FROM stations WHERE code = 'CY-WJ-01'")
    other = S.value("SELECT id FROM stations WHERE code = 'HD-ZGC'")
    # a legal officer: none of it
    for path in ["/staff/stations", "/staff/stations/new", "/staff/stations/import",
                 "/staff/stations/%d" % own, "/staff/stations/%d/poster" % own]:
        assert L.get(path).status == 404, path
    assert L.post("/staff/stations/new", station_form(code="NOPE-1")).status == 404
    # a reviewer of 朝阳区: 朝阳区's stations only, and no import
    lst = R1.get("/staff/stations").text
    assert "CY-WJ-01" in lst and "HD-ZGC" not in lst and "中关村驿站" not in lst
    assert "CY-WJ-01" in R1.get("/staff/stations?district=%E6%B5%B7%E6%B7%80%E5%8C%BA").text
    assert R1.get("/staff/stations/%d" % own).status == 200
    for path in ["/staff/stations/%d" % other, "/staff/stations/%d/poster" % other,
                 "/staff/stations/import"]:
        assert R1.get(path).status == 404, path
    r = R1.post("/staff/stations/%d" % other, station_form(name="改名", district="朝阳区"))
    assert r.status == 404, r
    assert R1.post("/staff/stations/import", {"file_text": "code,name,district\nX1,x,朝阳区"}) \
        .status == 404
    # a station of another district cannot be added either: the form offers only 朝阳区
    r = R1.post("/staff/stations/new", station_form(code="NOPE-2", district="海淀区"))
    assert r.status == 422 and "所在区县" in errors(r.text)["district"], r
    assert S.sql("SELECT count(*) FROM stations WHERE code LIKE 'NOPE-%'") == [(0,)]
    assert S.sql("SELECT name FROM stations WHERE id = ?", (other,)) == [("中关村驿站",)]


run(globals())
