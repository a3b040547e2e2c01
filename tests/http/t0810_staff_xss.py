#!/usr/bin/env python3
"""t0810: stored and reflected XSS on the staff desk, each check failing if
the attack works.  t0800 attacks the public side; this follows what comes in
through the public forms (and what staff type) onto every staff page: every
text field of /join, /legal-aid (an evidence file name too), a volunteer
sign-up and /appeal, and every text staff type, set to script / attribute-breaking /
javascript: payloads; every page that shows them parsed (tags and
attributes, not substrings); the CSV exports checked for formula injection;
evidence downloads of payload names served as attachments.

The staff desk attacked is staffdesk.py's (t0811–t0814 attack the same).
Every loop is bounded; everything runs against 127.0.0.1."""
import csv
import html
import html.parser
import io
import re
import time
import urllib.parse

import staffdesk
from harness import PNG, beijing, new_idno, ref_of, run
from staffdesk import WHO, activity_fields, phone, q, u

S = None
XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
       "javascript:alert(1)", "'><svg onload=alert(1)>",
       "=HYPERLINK(\"http://evil.example/\",\"x\")"]


def setup_module():
    global S
    S = staffdesk.setup()


# ---- what "escaped" means: parsed, not grepped ----

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
             "background", "srcset", "ping", "cite", "codebase", "lowsrc", "dynsrc"}
RAW = [("<script", "a <script> tag"), ("<img src=x", "an injected <img>"),
       ("<svg onload", "an injected <svg onload>")]


class TagCheck(html.parser.HTMLParser):
    """Finds what an injected payload would leave: script elements, event
    handler attributes, javascript: URLs, the payloads' own tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []
        self.text = []          # what a reader sees: text and attribute values

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        self.tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.tag(tag, attrs)

    def tag(self, tag, attrs):
        self.text += [v for _, v in attrs if v]
        text = "<%s %s>" % (tag, " ".join("%s=%r" % a for a in attrs))
        if tag in ("script", "iframe", "object", "embed", "base", "frame", "applet"):
            self.bad.append("element " + text)
        for name, value in attrs:
            v = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on"):
                self.bad.append("event handler " + text)
            if name in URL_ATTRS and v.startswith(("javascript:", "vbscript:", "data:text")):
                self.bad.append("script URL " + text)
            if name == "style" and ("expression(" in v or "javascript:" in v):
                self.bad.append("script in style " + text)
            if tag == "meta" and name == "http-equiv" and v == "refresh":
                self.bad.append("meta refresh " + text)
        if tag == "img" and ("src", "x") in attrs:
            self.bad.append("injected image " + text)


def parse(body):
    """(problems, the page's text): a payload escaped inside an attribute
    value keeps its "onerror=" as text, so the parser, not a pattern,
    tells a real attribute."""
    found = [what for needle, what in RAW if needle in body.lower()]
    p = TagCheck()
    p.feed(body)
    p.close()
    return found + p.bad, "\n".join(p.text)


def html_problems(body):
    return parse(body)[0]


class Pages:
    """Collects every problem seen, so one run names them all."""

    def __init__(self):
        self.problems = []
        self.seen = 0

    def check(self, where, r, status=(200,), shows=()):
        """r must answer status, carry no live payload, and show each of
        shows as text (so a page that lost the data does not pass)."""
        self.seen += 1
        if status and r.status not in status:
            self.problems.append((where, "status %d" % r.status))
        ctype = r.header("Content-Type") or ""
        if "html" in ctype:
            problems, text = parse(r.text)
            for p in problems:
                self.problems.append((where, p))
            for want in shows:
                if want not in text:
                    self.problems.append((where, "does not show %r" % want))
        return r

    def fail_if_any(self):
        assert not self.problems, "%d problems in %d pages:\n%s" % (
            len(self.problems), self.seen,
            "\n".join("%s: %s" % p for p in self.problems[:60]))


def csv_problems(r, payloads):
    """An export: a CSV attachment a browser will not render, no cell a
    spreadsheet would run as a formula, each payload kept as text."""
    out = []
    if not (r.header("Content-Type") or "").startswith("text/csv"):
        out.append("Content-Type %r" % r.header("Content-Type"))
    if not (r.header("Content-Disposition") or "").startswith("attachment"):
        out.append("Content-Disposition %r" % r.header("Content-Disposition"))
    if (r.header("X-Content-Type-Options") or "").lower() != "nosniff":
        out.append("no nosniff")
    cells = [c for row in csv.reader(io.StringIO(r.body.decode("utf-8-sig"))) for c in row]
    for c in cells:
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
            out.append("formula cell %r" % c[:60])
    for p in payloads:
        if p not in cells and "'" + p not in cells:
            out.append("payload %r not kept as a cell" % p)
    return out


def test_the_page_checker_finds_live_payloads_and_passes_escaped_ones():
    for bad in ("<script>alert(1)</script>", '<p title=""><img src=x onerror=alert(1)>">',
                '<a href=" JaVa\tscript:alert(1)">x</a>', "<svg onload=alert(1)>",
                "<input value=''><svg onload=alert(1)>'>", '<form action="javascript:x">',
                '<div style="width:expression(alert(1))">', "<iframe src=//evil.example>"):
        assert html_problems(bad), bad
    for good in ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
                 '<input value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">',
                 '<a href="/staff/joins?q=javascript%3Aalert%281%29">x</a>',
                 "<textarea>&#39;&gt;&lt;svg onload=alert(1)&gt;</textarea>"):
        assert not html_problems(good), (good, html_problems(good))



# ---- stored XSS, end to end ----

def submit_join(p, i, code):
    male = i % 2 == 0
    r = S.post("/join", {"_token": S.token("/join"), "name": p, "gender": "男" if male else "女",
                         "id_number": new_idno(male), "phone": phone(), "employment": "单位就业",
                         "occupation": "其他", "employer": p, "district": "朝阳区",
                         "address": p, "was_member": "是", "prev_union": p, "src": code,
                         "consent_charter": "1", "consent_sensitive": "1"})
    assert r.status == 303, ("join", p, r.status, r.text[:3000])
    ref_ = ref_of(r)
    return ref_, S.sql("SELECT phone FROM join_applications WHERE ref = ?", (ref_,))[0][0]


def submit_legal(p, i):
    ph = phone()
    fname = p.replace("/", "") + ".png"
    r = S.post_multipart(
        "/legal-aid",
        [("_token", S.token("/legal-aid")), ("name", p), ("phone", ph),
         ("district", "朝阳区"), ("employer", p), ("dispute_type", "拖欠工资"),
         ("people", "1"), ("amount", ""), ("facts", p), ("claims", p),
         ("member_status", "否"), ("contact_time", p), ("may_call", "1"),
         ("consent_sensitive", "1")],
        [("evidence", fname, "image/png", PNG + b"xss%d" % i)], quote_names=True)
    assert r.status == 303, ("legal-aid", p, r.status, r.text[:3000])
    ref_ = ref_of(r)
    assert S.sql("SELECT orig_name FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                 " WHERE c.ref = ?", (ref_,)) == [(fname,)], "file name not kept verbatim"
    return ref_, ph


DONE_PAGES = []      # each sign-up's own page (it carries its private token)


def submit_signup(p, activity):
    ph = phone()
    r = S.post("/volunteer/%d/signup" % activity,
               {"_token": S.token("/volunteer/%d" % activity), "name": p, "phone": ph,
                "skills": "法律", "note": p, "consent": "1"})
    assert r.status == 303, ("signup", p, r.status, r.text[:3000])
    DONE_PAGES.append(r.header("Location"))
    return S.sql("SELECT ref FROM signups WHERE phone = ? AND activity_id = ?",
                 (ph, activity))[0][0], ph


def test_stored_xss_is_escaped_on_every_page_that_shows_it():
    a = WHO["admin"]
    pages = Pages()
    sample = S.sql("SELECT id FROM activities WHERE sample = 1 AND district_id = ?",
                   (S.district("110105"),))[0][0]
    joins, cases, signups, activities, cancelled, stations, accounts = [], [], [], [], [], [], []
    for i, p in enumerate(XSS):
        # staff-typed: a station, an account (its name is shown wherever it acts)
        code = "XSS%d" % i
        r = pages.check("station " + p, a.post("/staff/stations/new",
                                               {"name": p, "district": "朝阳区", "code": code}),
                        (303,))
        stations.append(S.sql("SELECT id FROM stations WHERE code = ?", (code,))[0][0])
        user = "xss%d" % i
        r = pages.check("account " + p, a.post("/staff/accounts/new", {
            "username": user, "display_name": p, "role": "法律援助专员",
            "district": "朝阳区", "password": "Xss-legal-pass-2026"}), (303,))
        accounts.append(user)
        # staff-typed: two activities; public sign-ups on them and on a sample one
        r = pages.check("activity " + p, a.post("/staff/volunteer/new", activity_fields(
            "朝阳区", title=p, description=p + "\n" + p, place=p, capacity="1")), (303,))
        act = int(re.match(r"/staff/volunteer/(\d+)", r.header("Location")).group(1))
        r = a.post("/staff/volunteer/new", activity_fields(
            "朝阳区", title=p, description=p + "\n" + p, place=p, capacity="5"))
        assert r.status == 303, r
        act2 = int(re.match(r"/staff/volunteer/(\d+)", r.header("Location")).group(1))
        activities += [act, act2]
        # the public forms, every text field a payload
        joins.append(submit_join(p, i, code))
        cases.append(submit_legal(p, i))
        for where in (sample, act, act, act2):      # act's second one waits
            signups.append(submit_signup(p, where))
    for i, p in enumerate(XSS):
        # staff-typed text through every workflow step that takes some
        jref = joins[i][0]
        pages.check("join note", a.post("/staff/joins/%s/note" % jref, {"note": p}), (303,))
        if i % 2:
            pages.check("join approve", a.post("/staff/joins/%s/approve" % jref, {}), (303,))
        else:
            pages.check("join reject", a.post("/staff/joins/%s/reject" % jref,
                                              {"reason": p}), (303,))
        cref = cases[i][0]
        base = "/staff/legal-aid/%s/" % cref
        pages.check("legal note", a.post(base + "note", {"note": p}), (303,))
        if i % 2:
            pages.check("legal reject", a.post(base + "reject", {"reason": p}), (303,))
        else:
            pages.check("legal accept", a.post(base + "accept", {}), (303,))
            pages.check("legal assign", a.post(base + "assign", {
                "assignee": "%s(%s)" % (p, accounts[i]), "handler_name": p[:50]}), (303,))
            pages.check("legal mediate", a.post(base + "mediate", {}), (303,))
            pages.check("legal close", a.post(base + "close", {
                "outcome": "调解成功", "recovered": "100", "close_note": p}), (303,))
        act, act2 = activities[2 * i], activities[2 * i + 1]
        pages.check("activity edit", a.post("/staff/volunteer/%d/edit" % act, activity_fields(
            "朝阳区", title=p, description=p + "\n" + p, place=p + "(改)",
            capacity="1")), (303,))
        first = S.sql("SELECT ref FROM signups WHERE activity_id = ? AND status = '已确认'",
                      (act,))[0][0]
        pages.check("signup remove", a.post("/staff/volunteer/%d/signups/%s/remove"
                                            % (act, first), {"reason": p}), (303,))
        pages.check("activity cancel", a.post("/staff/volunteer/%d/cancel" % act2,
                                              {"reason": p}), (303,))
        cancelled.append(act2)
        # forms sent back with an error keep the payload: escaped too
        pages.check("activity 422", a.post("/staff/volunteer/new", activity_fields(
            "朝阳区", title=p, place=p, description=p, starts_at="x")), (422,))
        pages.check("station 422", a.post("/staff/stations/new",
                                          {"name": p, "district": p, "code": p}), (422,))
        pages.check("account 422", a.post("/staff/accounts/new", {
            "username": p, "display_name": p, "role": p, "district": p, "password": p}), (422,))
        pages.check("join reject 422", a.post("/staff/joins/%s/reject" % joins[0][0],
                                              {"reason": p}), (409, 422))
        pages.check("legal assign 422", a.post("/staff/legal-aid/%s/assign" % cases[0][0],
                                               {"assignee": p, "handler_name": p}), (409, 422))
        # a failed login writes the typed name into the audit log
        pages.check("login 422", S.post("/staff/login", {
            "_token": S.token("/staff/login"), "username": p[:32], "password": p}), (422,))
        S.sql_exec("DELETE FROM login_failures")
    # the person whose display name is a payload, logged in: the nav shows it
    xs = S.staff(accounts[0], "Xss-legal-pass-2026")
    r = xs.post("/staff/password", {"current": "Xss-legal-pass-2026",
                                    "new": "Xss-legal-pass-2027", "again": "Xss-legal-pass-2027"})
    assert r.status == 303, r
    for path in ("/staff", "/staff/legal-aid", "/staff/password", "/staff/legal-aid/" + cases[0][0]):
        pages.check("as %s %s" % (accounts[0], path), xs.get(path))

    # every staff page that shows any of it, as the admin
    urls = ["/staff", "/staff?period=all", "/staff?period=year", "/staff?period=month",
            "/staff/joins", "/staff/joins?status=未通过", "/staff/joins?status=已通过",
            "/staff/legal-aid", "/staff/legal-aid?status=不予受理",
            "/staff/legal-aid?status=调解成功", "/staff/volunteer", "/staff/volunteer?status=已取消",
            "/staff/volunteer/new", "/staff/stations", "/staff/stations/new", "/staff/accounts",
            "/staff/accounts/new", "/staff/password"]
    urls += ["/staff/joins/" + j for j, _ in joins]
    urls += ["/staff/legal-aid/" + c for c, _ in cases]
    urls += ["/staff/volunteer/%d" % x for x in activities + [sample]]
    urls += ["/staff/volunteer/%d/edit" % x for x in activities if x not in cancelled]
    urls += ["/staff/stations/%d/poster" % s for s in stations]
    for p in XSS:
        # searches that find the rows, and every filter reflected
        for base in ("/staff/joins", "/staff/legal-aid", "/staff/volunteer"):
            urls.append("%s?q=%s" % (base, q(p)))
            urls.append("%s?status=%s&kind=%s&from=%s&to=%s&district=%s&before=%s"
                        % ((base,) + (q(p),) * 6))
        urls += ["/staff/audit?action=%s&user=%s&target=%s&from=%s&to=%s" % ((q(p),) * 5),
                 "/staff/audit?user=%s" % q(p[:32]),
                 "/staff?period=%s&password=%s" % (q(p), q(p)),
                 "/staff/accounts?done=create&user=%s" % q(p),
                 "/staff/stations?done=%s&before=%s" % (q(p), q(p)),
                 "/staff/volunteer/%d?done=edited&n=%s" % (activities[0], q(p)),
                 "/staff/joins/%s?done=%s" % (joins[0][0], q(p)),
                 "/staff/legal-aid/%s?done=%s" % (cases[0][0], q(p)),
                 "/staff/login?next=%s" % q("/staff" + p),
                 "/staff/login?next=%s&expired=%s&bye=%s" % (q(p), q(p), q(p))]
    shows = {"/staff/stations": XSS, "/staff/accounts": XSS, "/staff?period=all": XSS[:1]}
    for i, p in enumerate(XSS):
        for path in ("/staff/joins/" + joins[i][0], "/staff/legal-aid/" + cases[i][0],
                     "/staff/volunteer/%d" % activities[2 * i],
                     "/staff/volunteer/%d" % activities[2 * i + 1],
                     "/staff/stations/%d/poster" % stations[i]):
            shows[path] = [p]
        shows["/staff/volunteer/%d/edit" % activities[2 * i]] = [p]
    for url in urls:
        pages.check("admin " + url, a.get(u(url)), shows=shows.get(url, ()))
    for host in ('x"><svg onload=alert(1)>', "evil.example/<script>", "a b"):
        r = S.get("/staff/stations/%d/poster" % stations[0],
                  headers={"Cookie": a.cookie, "Host": host})
        pages.check("poster with Host %r" % host, r, (200, 400))
    # the whole audit log, page after page (bounded)
    url, walked = "/staff/audit", 0
    while url and walked < 60:
        r = pages.check("audit " + url, a.get(url))
        m = re.search(r'<a href="([^"]+)">下一页', r.text)
        url = m.group(1).replace("&amp;", "&") if m else None
        walked += 1
    assert walked < 60, "the audit log did not end"
    # the district-bound see the same rows
    for role, paths in (("reviewer", ["/staff", "/staff/joins", "/staff/volunteer"] +
                         ["/staff/joins/" + j for j, _ in joins] +
                         ["/staff/volunteer/%d" % x for x in activities]),
                        ("legal", ["/staff", "/staff/legal-aid"] +
                         ["/staff/legal-aid/" + c for c, _ in cases])):
        for path in paths:
            pages.check("%s %s" % (role, path), WHO[role].get(path))
    # the public pages that show what staff or the applicants typed
    public = ["/volunteer"] + ["/volunteer/%d" % x for x in activities + [sample]]
    public += ["/join?src=XSS%d" % i for i in range(len(XSS))]
    public += ["/join/done/" + j for j, _ in joins] + ["/legal-aid/done/" + c for c, _ in cases]
    public += DONE_PAGES + [u.split("?")[0] + "/cancel?" + u.split("?", 1)[1]
                           for u in DONE_PAGES if "?" in u]
    for url in public:
        pages.check("public " + url, S.get(u(url)))
    for ref_, ph in joins + cases + signups:
        S.sql_exec("DELETE FROM lookup_counts")      # the per-address limit
        r = S.post("/status", {"_token": S.token("/status"), "ref": ref_, "phone": ph})
        rejected = [p for (j, _), p in zip(joins, XSS) if j == ref_ and XSS.index(p) % 2 == 0]
        pages.check("public /status " + ref_, r, shows=rejected)
        assert ref_ in r.text and "未找到" not in r.text, ("status lookup failed", ref_)
    # the exports: attachments, no formula, every payload kept as a cell
    for url in ("/staff/joins.csv", "/staff/joins.csv?full=1", "/staff/legal-aid.csv",
                "/staff/legal-aid.csv?full=1", "/staff/joins.csv?q=" + q(XSS[0]),
                "/staff/legal-aid.csv?q=" + q(XSS[1])):
        r = a.get(url)
        assert r.status == 200, (url, r)
        want = XSS if "?q=" not in url else [XSS[0] if "joins" in url else XSS[1]]
        for prob in csv_problems(r, want):
            pages.problems.append(("export " + url, prob))
    # and the payloads really are on the pages, as text
    r = a.get("/staff/joins/" + joins[0][0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, "payload not shown escaped"
    pages.fail_if_any()


def test_stored_xss_in_wishes_is_escaped_on_the_desk_the_wall_and_status():
    """微心愿: every text a worker types (心愿内容, 姓名) and staff type
    (认领方名称, 实现情况, 未通过原因, 备注) set to a payload, on every page
    that shows it — the queue, the wish's page, the wall, /status — and in
    the export."""
    a = WHO["admin"]
    pages = Pages()
    wishes = []
    for i, p in enumerate(XSS):
        ph = phone()
        r = pages.check("wish " + p, S.post("/wish", {
            "_token": S.token("/wish"), "category": "其他", "content": p + "\n" + p,
            "district": "朝阳区", "name": p, "phone": ph, "public_ok": "1"}), (303,))
        ref_ = ref_of(r)
        wishes.append((ref_, ph))
        pages.check("wish done", S.get(r.header("Location")), shows=[ref_])
        pages.check("wish 422", S.post("/wish", {
            "_token": S.token("/wish"), "category": p, "content": p, "district": p,
            "name": p, "phone": p}), (422,), shows=[p])
        base = "/staff/wishes/%s/" % ref_
        pages.check("wish note", a.post(base + "note", {"note": p}), (303,))
        if i % 2:
            pages.check("wish reject", a.post(base + "reject", {"reason": p}), (303,))
            continue
        pages.check("wish publish", a.post(base + "publish", {}), (303,))
        pages.check("wish claim 422", a.post(base + "claim", {"claimer_kind": p,
                                                               "claimer_name": p}), (422,))
        pages.check("wish claim", a.post(base + "claim", {"claimer_kind": "企业",
                                                           "claimer_name": p}), (303,))
        if i % 4 == 0:
            pages.check("wish fulfil 422", a.post(base + "fulfil", {
                "fulfilled_on": p, "fulfilled_how": p}), (422,), shows=[p])
            pages.check("wish fulfil", a.post(base + "fulfil", {
                "fulfilled_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600)),
                "fulfilled_how": p}), (303,))
    urls = ["/staff/wishes", "/staff/wishes?status=未通过", "/staff/wishes?flag=1"]
    for p in XSS:
        urls += ["/staff/wishes?q=%s" % q(p),
                 "/staff/wishes?status=%s&kind=%s&from=%s&to=%s&district=%s&before=%s&flag=%s"
                 % ((q(p),) * 7),
                 "/staff/wishes/%s?done=%s" % (wishes[0][0], q(p))]
    shows = {}
    for (ref_, _), p in zip(wishes, XSS):
        urls.append("/staff/wishes/" + ref_)
        shows["/staff/wishes/" + ref_] = [p]
    for url in urls:
        pages.check("admin " + url, a.get(u(url)), shows=shows.get(url, ()))
    for path in ["/staff/wishes"] + ["/staff/wishes/" + w for w, _ in wishes]:
        pages.check("reviewer " + path, WHO["reviewer"].get(path))
    public = ["/wishes", "/wishes?state=已认领", "/wishes?state=已实现"]
    for p in XSS:
        public += ["/wishes?district=%s&category=%s&state=%s&before=%s" % ((q(p),) * 4)]
    for url in public:
        pages.check("public " + url, S.get(u(url)))
    wall = S.get("/wishes").text
    for i, p in enumerate(XSS):
        if i % 2 == 0:
            assert html.escape(p, quote=True).replace("&#x27;", "&#39;") in wall, p
    for ref_, ph in wishes:
        S.sql_exec("DELETE FROM lookup_counts")
        r = S.post("/status", {"_token": S.token("/status"), "ref": ref_, "phone": ph})
        pages.check("public /status " + ref_, r, shows=[ref_])
    for url in ("/staff/wishes.csv", "/staff/wishes.csv?full=1"):
        r = a.get(url)
        assert r.status == 200, (url, r)
        for prob in csv_problems(r, XSS):
            pages.problems.append(("export " + url, prob))
    pages.fail_if_any()


def submit_appeal(p, kind="投诉", src=""):
    ph = phone()
    r = S.post("/appeal", {"_token": S.token("/appeal"), "kind": kind, "matter": "工资报酬",
                           "content": p, "district": "朝阳区", "name": p[:20], "phone": ph,
                           "may_contact": "可以", "src": src})
    assert r.status == 303, ("appeal", p, r.status, r.text[:3000])
    return r.header("Location").rsplit("/", 1)[1], ph


def test_stored_xss_in_appeals_is_escaped_on_every_page_that_shows_it():
    a = WHO["admin"]
    pages = Pages()
    due = beijing("%Y-%m-%d", 3 * 86400)
    done, refused = [], []
    for i, p in enumerate(XSS):
        ref_, ph = submit_appeal(p, src="XSS%d" % i)
        base = "/staff/appeals/%s/" % ref_
        pages.check("appeal note", a.post(base + "note", {"note": p}), (303,))
        pages.check("appeal dispatch 422", a.post(base + "dispatch", {
            "district": p, "assignee": p, "due_on": p}), (422,))
        pages.check("appeal dispatch", a.post(base + "dispatch", {
            "district": "朝阳区", "assignee": "rev1 · 朝阳区", "due_on": due}), (303,))
        if i % 2:
            pages.check("appeal legal 422", a.post(base + "legal", {
                "name": p, "employer": p, "dispute_type": p, "claims": ""}), (422,))
            pages.check("appeal legal", a.post(base + "legal", {
                "name": p[:50], "employer": p, "dispute_type": "拖欠工资", "claims": p}), (303,))
        else:
            pages.check("appeal answer", a.post(base + "answer", {"reply": p}), (303,))
            pages.check("appeal close", a.post(base + "close", {"close_note": p}), (303,))
        done.append((ref_, ph))
        ref2, ph2 = submit_appeal(p, kind="意见建议")
        pages.check("appeal refuse", a.post("/staff/appeals/%s/refuse" % ref2,
                                            {"reason": p}), (303,))
        refused.append((ref2, ph2))
        # a form sent back with an error keeps the payload, escaped
        pages.check("appeal 422", S.post("/appeal", {
            "_token": S.token("/appeal"), "kind": p, "matter": p, "content": p, "district": p,
            "name": p, "phone": p, "may_contact": p, "src": p}), (422,), shows=[p])
    urls = ["/staff", "/staff/appeals", "/staff/appeals?status=已办结",
            "/staff/appeals?status=不予受理"]
    shows = {}
    for i, p in enumerate(XSS):
        urls += ["/staff/appeals?q=%s" % q(p),
                 "/staff/appeals?status=%s&kind=%s&matter=%s&overdue=%s&from=%s&to=%s"
                 "&district=%s&before=%s" % ((q(p),) * 8),
                 "/staff/appeals/%s?done=%s" % (done[0][0], q(p))]
        for ref_ in (done[i][0], refused[i][0]):
            urls.append("/staff/appeals/" + ref_)
            shows["/staff/appeals/" + ref_] = [p]
    for url in urls:
        pages.check("admin " + url, a.get(u(url)), shows=shows.get(url, ()))
    for ref_, _ in done + refused:
        pages.check("reviewer " + ref_, WHO["reviewer"].get("/staff/appeals/" + ref_))
    pages.check("reviewer list", WHO["reviewer"].get("/staff/appeals"))
    # the legal cases they became show the payloads as facts, escaped
    for (ref_, _), p in zip(done, XSS):
        fy = S.sql("SELECT coalesce(legal_ref, '') FROM appeals WHERE ref = ?", (ref_,))[0][0]
        if fy:
            pages.check("legal " + fy, a.get("/staff/legal-aid/" + fy), shows=[p])
    # what the person reads: the form from a station, the confirmation, /status
    public = ["/appeal?src=XSS%d" % i for i in range(len(XSS))]
    public += ["/appeal/done/" + r_ for r_, _ in done + refused]
    for url in public:
        pages.check("public " + url, S.get(u(url)))
    for i, (ref_, ph) in enumerate(done + refused):
        S.sql_exec("DELETE FROM lookup_counts")
        r = S.post("/status", {"_token": S.token("/status"), "ref": ref_, "phone": ph})
        p = XSS[i % len(XSS)]
        answered = i < len(XSS) and i % 2 == 0
        pages.check("public /status " + ref_, r,
                    shows=[p] if answered or i >= len(XSS) else [])
        assert ref_ in r.text and "未找到" not in r.text, ("status lookup failed", ref_)
    for url in ("/staff/appeals.csv", "/staff/appeals.csv?full=1"):
        r = a.get(url)
        assert r.status == 200, (url, r)
        for prob in csv_problems(r, XSS):
            pages.problems.append(("export " + url, prob))
    pages.fail_if_any()


def test_evidence_downloads_of_payload_names_are_attachments():
    a = WHO["admin"]
    rows = S.sql("SELECT c.ref, f.id, f.orig_name FROM legal_files f"
                 " JOIN legal_cases c ON c.id = f.case_id WHERE f.orig_name <> 'wages.png'")
    assert rows, "no uploaded files (the XSS test uploads them)"
    for ref_, fid, orig in rows:
        r = a.get("/staff/legal-aid/%s/files/%d" % (ref_, fid))
        assert r.status == 200, (ref_, fid, r)
        assert r.header("Content-Type") == "image/png", r.headers
        assert (r.header("X-Content-Type-Options") or "").lower() == "nosniff"
        cds = r.all("Content-Disposition")
        assert len(cds) == 1, r.headers
        assert re.fullmatch(r"attachment; filename=\"evidence-\d+\.png\"; "
                            r"filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*", cds[0]), cds[0]
        assert urllib.parse.unquote(cds[0].split("''", 1)[1]) == orig


def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker."""
    staffdesk.no_worker_crashed()


if __name__ == "__main__":
    run(globals())
