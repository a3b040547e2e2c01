#!/usr/bin/env python3
"""t0610: the walls of the staff desk.  Every route under /staff that
`zhijia routes` lists is walked as someone not logged in, as an admin, as a
reviewer and as a legal officer (both bound to 朝阳区), with its {params}
filled with real records: each role reaches exactly what the issue gives it
(管理员 everything; 审核员 入会, 诉求, 志愿服务, 微心愿 and 驿站; 法律援助专员 法律援助) and gets
the 404 page elsewhere, and a record of another district (海淀区) is a 404
too — also when a list or an export would show it."""
import os

from harness import PNG, Server, fill_route, new_idno, new_ref, now_iso, run, staff_routes

S = None
WHO = {}          # role -> logged-in client
OWN = {}          # role -> records of 朝阳区 only that role acts on
OTHER = {}        # records of 海淀区
SHARED = {}       # account, a district

# What the issue gives each role, by the start of the path.
POLICY = [
    ("/staff/joins", {"admin", "reviewer"}),
    ("/staff/legal-aid", {"admin", "legal"}),
    ("/staff/volunteer", {"admin", "reviewer"}),
    ("/staff/wishes", {"admin", "reviewer"}),
    ("/staff/stations/import", {"admin"}),
    ("/staff/stations", {"admin", "reviewer"}),
    ("/staff/districts", {"admin"}),
    ("/staff/ratings", {"admin", "reviewer"}),
    ("/staff/reports", {"admin", "reviewer", "legal"}),
    ("/staff/appeals", {"admin", "reviewer"}),
    ("/staff/accounts", {"admin"}),
    ("/staff/audit", {"admin"}),
    ("/staff/calendar", {"admin"}),
    ("/staff/followups", {"admin", "reviewer", "legal"}),   # each sees its services
    ("/staff/messages", {"admin"}),
    ("/staff/password", {"admin", "reviewer", "legal"}),
    ("/staff/logout", {"admin", "reviewer", "legal"}),
    ("/staff", {"admin", "reviewer", "legal"}),
]
ROLES = ["admin", "reviewer", "legal"]
LOGIN_WALL = {"/staff/login"}


def setup_module():
    global S
    S = Server(workers=2)
    S.add_staff("rev1", "reviewer", "110105")
    S.add_staff("legal1", "legal", "110105")
    S.add_staff("walls_target", "reviewer", "110108")
    SHARED["account"] = S.staff_id("walls_target")
    SHARED["district_id"] = S.district("110101")
    for role in ROLES:
        OWN[role] = records("110105", "朝阳%s" % role)
    OTHER.update(records("110108", "海淀"))
    WHO["admin"] = S.admin()
    WHO["reviewer"] = S.staff("rev1")
    WHO["legal"] = S.staff("legal1")


def records(code, tag):
    """A join application, a legal case with an evidence file, an activity,
    a sign-up, a wish and a station, all in the district of code."""
    d, now = S.district(code), now_iso()
    r = {"join": new_ref("RH"), "legal": new_ref("FY"), "signup": new_ref("ZY"),
         "wish": new_ref("XY"), "tag": tag}
    S.sql_exec("INSERT INTO wishes (ref, category, content, district_id, name, phone,"
               " public_ok, created_at, updated_at) VALUES (?, '生活用品', ?, ?, ?,"
               " '13600136000', 1, ?, ?)", (r["wish"], "心愿" + tag, d, "许愿" + tag, now, now))
    r["station"] = S.sql_exec(
        "INSERT INTO stations (code, name, district_id, created_at) VALUES (?, ?, ?, ?)",
        (new_ref("W"), "驿站" + tag, d, now))
    S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone,"
               " employment, occupation, district_id, consent_charter, consent_sensitive,"
               " created_at, updated_at) VALUES (?, ?, '男', ?, '13800138000', '单位就业',"
               " '快递员', ?, 1, 1, ?, ?)",
               (r["join"], "入会" + tag, new_idno(), d, now, now))
    case = S.sql_exec(
        "INSERT INTO legal_cases (ref, name, phone, district_id, employer, dispute_type,"
        " people, facts, claims, member_status, consent_sensitive, created_at, updated_at)"
        " VALUES (?, ?, '13900139000', ?, '某某公司', '拖欠工资', 1, '欠三个月工资',"
        " '补发工资', '否', 1, ?, ?)", (r["legal"], "援助" + tag, d, now, now))
    stored = os.urandom(16).hex()
    with open(os.path.join(S.dir, "uploads", stored), "wb") as f:
        f.write(PNG)
    r["file"] = S.sql_exec(
        "INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size, created_at)"
        " VALUES (?, ?, 'wages.png', 'image/png', ?, ?)", (case, stored, len(PNG), now))
    r["activity"] = S.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place, district_id,"
        " capacity, deadline, created_at, updated_at)"
        " VALUES (?, '为快递小哥义诊', ?, ?, '社区中心', ?, 10, ?, ?, ?)",
        ("活动" + tag, now_iso(7 * 86400), now_iso(7 * 86400 + 7200), d,
         now_iso(6 * 86400), now, now))
    S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
               " consent_sensitive, created_at, updated_at)"
               " VALUES (?, ?, ?, '13700137000', '已确认', ?, 1, ?, ?)",
               (r["signup"], r["activity"], "志愿" + tag, "0" * 64, now, now))
    # a follow-up (回访) of a record the tag's role works on: the legal
    # officer's of the case, everyone else's of the application
    service, ref = ("法律援助", r["legal"]) if "legal" in tag else ("入会", r["join"])
    r["followup"] = S.sql_exec(
        "INSERT INTO followups (service, ref, district_id, phone, service_date, token_hash,"
        " created_at, updated_at) VALUES (?, ?, ?, '13800138000', ?, ?, ?, ?)",
        (service, ref, d, now[:10], os.urandom(32).hex(), now, now))
    r["appeal"] = new_ref("SQ")
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, name, phone, created_at, updated_at) VALUES (?, '投诉', '工资报酬',"
               " '站点拖欠工资', ?, ?, ?, '13600136000', ?, ?)",
               (r["appeal"], d, d, "诉求" + tag, now, now))
    return r


def fill(pattern, rec):
    """pattern with {params} from rec (a record set) and SHARED; None if a
    parameter is of a kind this test does not know."""
    return fill_route(pattern, dict(rec, **SHARED))


def intended(pattern):
    for prefix, roles in POLICY:
        if pattern == prefix:
            return roles
        if prefix != "/staff" and (pattern.startswith(prefix + "/") or
                                   pattern.startswith(prefix + ".")):
            return roles
    return None     # a route the issue does not name: flagged


def district_bound(pattern):
    """Routes whose parameter is a record that belongs to a district."""
    return "{" in pattern and pattern.split("/")[2] in ("joins", "legal-aid", "volunteer",
                                                        "followups", "wishes", "stations", "appeals")


def call(client, method, path):
    if client is None:
        return S.get(path) if method == "GET" else S.post(path, {"x": "1"})
    return client.get(path) if method == "GET" else client.post(path, {})


def to_login(r):
    return r.status in (302, 303) and (r.header("Location") or "").startswith("/staff/login")


def allowed_answer(r):
    return r.status not in (403, 404, 405) and r.status < 500 and not to_login(r)


# ---- tests ----

def test_every_staff_route_names_the_roles_the_issue_gives_it():
    wrong = []
    for method, pattern, access in staff_routes():
        if pattern in LOGIN_WALL:
            assert access == set(), (method, pattern, access)
            continue
        want = intended(pattern)
        if want is None or access != want:
            wrong.append((method, pattern, sorted(access), sorted(want or [])))
    assert not wrong, "routes whose roles differ from the issue: %r" % wrong


def test_someone_not_logged_in_is_sent_to_the_login_page():
    wrong = []
    for method, pattern, _ in staff_routes():
        if pattern in LOGIN_WALL:
            continue
        path = fill(pattern, OTHER)
        if path is None:
            wrong.append((method, pattern, "unknown parameter"))
            continue
        r = call(None, method, path)
        loc = r.header("Location") or ""
        if method == "GET":
            good = r.status == 302 and loc == "/staff/login?next=" + path
        else:
            good = r.status == 303 and loc == "/staff/login?expired=1"
        if not good:
            wrong.append((method, path, r.status, loc))
    assert not wrong, wrong


def walk(role):
    """Each route as role, on that role's own records: allowed → a real
    answer; not allowed → 404."""
    wrong = []
    for method, pattern, _ in staff_routes():
        if pattern in LOGIN_WALL or pattern == "/staff/logout":
            continue
        path = fill(pattern, OWN[role])
        if path is None:
            wrong.append((method, pattern, "unknown parameter"))
            continue
        r = call(WHO[role], method, path)
        if role in (intended(pattern) or set()):
            if not allowed_answer(r):
                wrong.append((method, path, r.status, "should be allowed"))
        elif r.status != 404:
            wrong.append((method, path, r.status, "should be 404"))
    return wrong


def test_admin_reaches_every_staff_route():
    wrong = walk("admin")
    assert not wrong, wrong


def test_reviewer_reaches_joins_volunteering_wishes_and_stations_only():
    wrong = walk("reviewer")
    assert not wrong, wrong


def test_legal_officer_reaches_legal_aid_only():
    wrong = walk("legal")
    assert not wrong, wrong


def test_a_record_of_another_district_is_a_404():
    wrong = []
    for role in ("reviewer", "legal"):
        for method, pattern, _ in staff_routes():
            if not district_bound(pattern) or role not in (intended(pattern) or set()):
                continue
            path = fill(pattern, OTHER)
            r = call(WHO[role], method, path)
            if r.status != 404:
                wrong.append((role, method, path, r.status))
    assert not wrong, wrong
    # and nothing of it changed
    assert S.sql("SELECT status FROM join_applications WHERE ref = ?", (OTHER["join"],)) \
        == [("待审核",)]
    assert S.sql("SELECT status FROM legal_cases WHERE ref = ?", (OTHER["legal"],)) \
        == [("待受理",)]
    assert S.sql("SELECT status FROM signups WHERE ref = ?", (OTHER["signup"],)) \
        == [("已确认",)]
    assert S.sql("SELECT cancelled FROM activities WHERE id = ?", (OTHER["activity"],)) \
        == [(0,)]
    assert S.sql("SELECT status FROM wishes WHERE ref = ?", (OTHER["wish"],)) == [("待审核",)]
    assert S.sql("SELECT name, updated_at FROM stations WHERE id = ?", (OTHER["station"],)) \
        == [("驿站海淀", "")]
    assert S.sql("SELECT status FROM appeals WHERE ref = ?", (OTHER["appeal"],)) \
        == [("待分派",)]


def test_lists_exports_and_the_dashboard_show_nothing_of_another_district():
    marks = [OTHER["join"], OTHER["legal"], OTHER["signup"], OTHER["wish"], OTHER["appeal"],
             "入会海淀", "援助海淀", "活动海淀", "志愿海淀", "心愿海淀", "许愿海淀", "驿站海淀",
             "诉求海淀"]
    wrong = []
    for role in ("reviewer", "legal"):
        for method, pattern, _ in staff_routes():
            if method != "GET" or "{" in pattern or role not in (intended(pattern) or set()):
                continue
            for query in ("", "?q=" + OTHER["join"], "?q=" + OTHER["legal"], "?q=" + OTHER["wish"],
                          "?district=%E6%B5%B7%E6%B7%80%E5%8C%BA"):
                r = WHO[role].get(pattern + query)
                # a searched reference is echoed in the search box and links
                seen = [m for m in marks if m in r.text and m not in query]
                if seen:
                    wrong.append((role, pattern + query, seen))
    assert not wrong, wrong


def test_the_admin_sees_every_district():
    a = WHO["admin"]
    for path in ["/staff/joins/" + OTHER["join"], "/staff/legal-aid/" + OTHER["legal"],
                 "/staff/volunteer/%d" % OTHER["activity"], "/staff/wishes/" + OTHER["wish"],
                 "/staff/appeals/" + OTHER["appeal"]]:
        r = a.get(path)
        assert r.status == 200, (path, r)


def test_logout_is_open_to_every_role():
    for role in ROLES:
        r = WHO[role].post("/staff/logout", {})
        assert r.status == 303 and r.header("Location") == "/staff/login?bye=1", (role, r)
        assert to_login(WHO[role].get("/staff")), role


run(globals())
