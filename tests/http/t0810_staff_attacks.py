#!/usr/bin/env python3
"""t0810: attacks on the staff desk, each a test that fails if the attack
works.  t0800 attacks the public side; this file follows what comes in
through the public forms (and what staff type) onto every staff page, and
attacks the staff routes themselves:

  - stored and reflected XSS: every text field of /join, /legal-aid (an
    evidence file name too) and a volunteer sign-up, and every text staff
    type, set to script / attribute-breaking / javascript: payloads; every
    page that shows them parsed (tags and attributes, not substrings);
    the CSV exports checked for formula injection;
  - SQL injection in every staff query parameter and path parameter, as
    each role: nothing leaks, nothing changes;
  - CSRF on every staff POST route `zhijia routes` lists: no token, a
    wrong one, another session's, a cross-site POST → 403, nothing changed;
  - session fixation; CR/LF header injection; path traversal on evidence
    downloads; privilege (admin pages by any method, other districts'
    records by any POST route).

Every loop is bounded; everything runs against 127.0.0.1."""
import csv
import datetime
import hashlib
import html.parser
import io
import os
import re
import subprocess
import time
import urllib.parse

from harness import TOP, Server, form_value, run

S = None
WHO = {}          # name -> logged-in client
OWN = {}          # role -> records of 朝阳区 (110105) for that role
OTHER = {}        # records of 海淀区 (110108)
SHARED = {}       # station id, account ids
SEQ = [0]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00"
       b"\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00"
       b"\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
       "javascript:alert(1)", "'><svg onload=alert(1)>",
       "=HYPERLINK(\"http://evil.example/\",\"x\")"]
SQLI = ["'", '"', "' OR 1=1 --", "' OR '1'='1", '"; DROP TABLE staff; --', "%'--", "\\",
        "1; DROP TABLE audit", "') UNION SELECT username, pwhash FROM staff --",
        "0 OR 1=1", "-1", "99999999999999999999"]
# Tables a request may write to without changing anything a user owns:
# the audit log (views, exports, refusals), sessions, rate limits.
VOLATILE = {"audit", "sessions", "login_failures", "lookup_counts"}
PASSWORD = "staff-password-1"


def setup_module():
    global S
    S = Server(workers=2, env={"ZHIJIA_SAMPLES": "1"})
    S.add_staff("rev1", "reviewer", "110105")
    S.add_staff("legal1", "legal", "110105")
    S.add_staff("rev2", "reviewer", "110108")
    S.add_staff("legal2", "legal", "110108")
    S.add_staff("target1", "reviewer", "110105")
    S.add_staff("target2", "reviewer", "110105")
    S.sql_exec("UPDATE staff SET disabled = 1 WHERE username = 'target2'")
    SHARED["account"] = staff_id("target1")
    SHARED["disabled"] = staff_id("target2")
    SHARED["station"] = S.sql_exec(
        "INSERT INTO stations (code, name, district_id, created_at) VALUES"
        " ('ATK01', '攻击测试驿站', ?, ?)", (district("110105"), now_iso()))
    for role in ("admin", "reviewer", "legal"):
        OWN[role] = records("110105", "朝阳%s" % role)
    OTHER.update(records("110108", "海淀"))
    WHO["admin"] = S.admin()
    WHO["admin2"] = S.admin()          # a second session of the same person
    WHO["reviewer"] = S.staff("rev1")
    WHO["legal"] = S.staff("legal1")
    WHO["rev2"] = S.staff("rev2")


def teardown_module():
    if S:
        S.stop()


# ---- data ----

def now_iso(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def local(days=0, hours=0):
    """A datetime-local value in Beijing time, days ahead."""
    t = time.time() + 8 * 3600 + days * 86400 + hours * 3600
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(t))


def nxt():
    SEQ[0] += 1
    return SEQ[0]


def district(code):
    return S.sql("SELECT id FROM districts WHERE code = ?", (code,))[0][0]


def district_name(code):
    return S.sql("SELECT name FROM districts WHERE code = ?", (code,))[0][0]


def staff_id(username):
    return S.sql("SELECT id FROM staff WHERE username = ?", (username,))[0][0]


def ref(prefix):
    n, s = nxt() + 7000, ""
    for _ in range(8):
        s = ALPHABET[n % 31] + s
        n //= 31
    return prefix + s


def idno(male=True):
    """A valid 18-digit ID number, born 1980 onwards, of the given sex."""
    n = nxt()
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=n)
    seq = 100 + (n % 400) * 2 + (1 if male else 0)
    base = "110105" + born.strftime("%Y%m%d") + "%03d" % seq
    return base + "10X98765432"[sum(int(c) * w for c, w in zip(base, W)) % 11]


def phone():
    return "1380%07d" % nxt()


def records(code, tag):
    """Records of one district in every state an action starts from:
    join/join2 (待审核), legal/legal2 (待受理), legal_acc (已受理),
    legal_asg (已指派), legal_med (调解中) with an evidence file each,
    activity/activity2 (to come), activity_past (started), a confirmed
    sign-up on activity and one on activity_past."""
    d, now = district(code), now_iso()
    legal_user = {"110105": "legal1", "110108": "legal2"}[code]
    r = {"tag": tag, "code": code, "district": district_name(code), "marks": [],
         "legal_label": legal_user}
    for key in ("join", "join2"):
        r[key] = ref("RH")
        S.sql_exec("INSERT INTO join_applications (ref, name, gender, id_number, phone,"
                   " employment, occupation, district_id, consent_charter, consent_sensitive,"
                   " created_at, updated_at) VALUES (?, ?, '男', ?, '13800138000', '单位就业',"
                   " '快递员', ?, 1, 1, ?, ?)",
                   (r[key], "入会%s%s" % (tag, key), idno(True), d, now, now))
        r["marks"] += [r[key], "入会%s%s" % (tag, key)]
    for key, status in (("legal", "待受理"), ("legal2", "待受理"), ("legal_acc", "已受理"),
                        ("legal_asg", "已指派"), ("legal_med", "调解中")):
        r[key] = ref("FY")
        assignee = staff_id(legal_user) if status in ("已指派", "调解中") else None
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
    for key, start in (("activity", 7 * 86400), ("activity2", 8 * 86400),
                       ("activity_past", -3600)):
        r[key] = S.sql_exec(
            "INSERT INTO activities (title, description, starts_at, ends_at, place,"
            " district_id, capacity, deadline, created_at, updated_at)"
            " VALUES (?, '为快递小哥义诊', ?, ?, '社区中心', ?, 10, ?, ?, ?)",
            ("活动%s%s" % (tag, key), now_iso(start), now_iso(start + 7200), d,
             now_iso(start - 86400), now, now))
        r["marks"].append("活动%s%s" % (tag, key))
    for key, act in (("signup", "activity"), ("signup_past", "activity_past")):
        r[key] = ref("ZY")
        S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
                   " consent_sensitive, created_at, updated_at)"
                   " VALUES (?, ?, ?, '13700137000', '已确认', ?, 1, ?, ?)",
                   (r[key], r[act], "志愿%s%s" % (tag, key), "0" * 64, now, now))
        r["marks"] += [r[key], "志愿%s%s" % (tag, key)]
    return r


def activity_fields(district_label, **over):
    f = {"title": "周末普法进驿站", "description": "为骑手讲解劳动合同和工伤认定的常见问题。",
         "starts_at": local(days=5), "ends_at": local(days=5, hours=3),
         "place": "望京驿站", "district": district_label, "capacity": "20",
         "deadline": local(days=4)}
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


def staff_routes():
    out = subprocess.run([os.path.join(TOP, "build/zhijia"), "routes"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    rows = [tuple(line.split()) for line in out.stdout.splitlines() if line.strip()]
    return [(m, p, set(a.split(",")) if a != "public" else set())
            for m, p, a in rows if p == "/staff" or p.startswith("/staff/")]


def fill(pattern, rec):
    """pattern with {params} from rec; None for a parameter not known here."""
    segs = pattern.split("/")
    out = []
    for i, seg in enumerate(segs):
        if not seg.startswith("{"):
            out.append(seg)
            continue
        value = {
            "joins": rec["join"], "legal-aid": rec["legal"], "files": str(rec["file"]),
            "volunteer": str(rec["activity"]), "signups": rec["signup"],
            "stations": str(SHARED["station"]), "accounts": str(SHARED["account"]),
        }.get(segs[i - 1])
        if value is None and seg == "{step}":
            value = "note"
        if value is None:
            return None
        out.append(value)
    return "/".join(out)


def q(s):
    return urllib.parse.quote(s, safe="")


def u(url):
    """url with anything not ASCII percent-encoded, the rest as it is."""
    return urllib.parse.quote(url, safe="/?&=%:;+,@!$'()*~#")


def post_as(client, path, fields, csrf=True, headers=None):
    """POST urlencoded fields as client; csrf: True (the session's own),
    False (none) or a token to send."""
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    if csrf is True:
        pairs.append(("_csrf", client.csrf))
    elif csrf is not False:
        pairs.append(("_csrf", csrf))
    h = client.headers()
    h.update(headers or {})
    return S.post(path, pairs, headers=h)


def fresh_token(path):
    return form_value(S.get(path).text, "_token")


def multipart(fields, files, raw_filenames=False):
    """A multipart body as a browser builds it; filenames quoted with
    quoted-pairs, or put in raw (raw_filenames) for the header tests."""
    boundary = "----zhijiaattack" + os.urandom(8).hex()
    parts = []
    for name, value in fields:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                      % (boundary, name)).encode() + value.encode() + b"\r\n")
    for name, filename, ctype, data in files:
        fn = filename if raw_filenames else filename.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: %s\r\n\r\n" % (boundary, name, fn, ctype)).encode()
                     + data + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary


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


# ---- 2. SQL injection (first: before any record holds a payload) ----

PARAMS = ["status", "kind", "q", "from", "to", "district", "before", "period", "action",
          "user", "target", "full", "done", "n", "password", "next", "expired", "bye",
          "src", "t"]
LEAKS = re.compile(r"sqlite|SQL logic|syntax error|no such (table|column)|unrecognized token"
                   r"|\$s1\$", re.I)


def test_sql_injection_in_every_staff_query_and_path_parameter():
    before = digest()
    all_refs = [m for rec in list(OWN.values()) + [OTHER] for m in rec["marks"]
                if re.fullmatch(r"(RH|FY|ZY)[0-9A-Z]{8}", m)]
    wrong = []
    gets = [p for m, p, _ in staff_routes() if m == "GET" and p != "/staff/login"]
    for role in ("admin", "reviewer", "legal"):
        c = WHO[role]
        bound = role != "admin"
        for pattern in gets:
            path = fill(pattern, OWN[role])
            for name in PARAMS:
                for p in SQLI:
                    url = "%s?%s=%s" % (path, name, q(p))
                    r = c.get(url)
                    if r.status not in (200, 302, 400, 404):
                        wrong.append((role, url, r.status))
                        continue
                    text = r.text
                    if LEAKS.search(text):
                        wrong.append((role, url, "leaks " + LEAKS.search(text).group(0)))
                    if bound:
                        seen = [m for m in OTHER["marks"] if m in text]
                        if seen:
                            wrong.append((role, url, "another district's rows", seen[:4]))
                    if name == "q" and "{" not in pattern and pattern != "/staff/audit":
                        seen = [m for m in all_refs if m in text]
                        if seen:
                            wrong.append((role, url, "a search listed rows", seen[:4]))
                    if pattern == "/staff/audit" and name in ("user", "target", "action") \
                            and "<tr data-id=" in text:
                        wrong.append((role, url, "an audit filter matched entries"))
            # every {param} of the path replaced by each payload
            if "{" in pattern:
                for i, seg in enumerate(pattern.split("/")):
                    if not seg.startswith("{"):
                        continue
                    for p in SQLI:
                        segs = path.split("/")
                        segs[i] = q(p)
                        r = c.get("/".join(segs))
                        if r.status not in (400, 404) or LEAKS.search(r.text):
                            wrong.append((role, "/".join(segs), r.status))
    # POST routes with a payload in each path parameter: 404 and nothing done
    for role in ("admin", "reviewer", "legal"):
        for method, pattern, _ in staff_routes():
            if method != "POST" or "{" not in pattern:
                continue
            path = fill(pattern, OWN[role])
            for i, seg in enumerate(pattern.split("/")):
                if not seg.startswith("{"):
                    continue
                for p in SQLI:
                    segs = path.split("/")
                    segs[i] = q(p)
                    r = post_as(WHO[role], "/".join(segs), {"reason": p, "note": p})
                    if r.status not in (400, 404) or LEAKS.search(r.text):
                        wrong.append((role, "POST " + "/".join(segs), r.status))
    assert not wrong, "%d wrong answers, first: %r" % (len(wrong), wrong[:30])
    after = digest()
    assert before == after, "changed: %r" % changed(before, after)
    assert integrity_ok()


def test_sql_injection_in_staff_form_fields_is_stored_as_text():
    a, rec = WHO["admin"], OWN["admin"]
    staff_before = S.sql("SELECT count(*) FROM staff")[0][0]
    p = "'; DROP TABLE staff; --"
    r = post_as(a, "/staff/joins/%s/note" % rec["join"], {"note": p})
    assert r.status == 303, r
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND note = ?",
                 (rec["join"], p)) == [(1,)]
    r = post_as(a, "/staff/legal-aid/%s/note" % rec["legal"], {"note": "' OR 1=1 --"})
    assert r.status == 303, r
    assert S.sql("SELECT count(*) FROM events WHERE ref = ? AND note = ?",
                 (rec["legal"], "' OR 1=1 --")) == [(1,)]
    code = "SQ%d" % nxt()
    r = post_as(a, "/staff/stations/new", {"name": p, "district": "朝阳区", "code": code})
    assert r.status == 303, r
    assert S.sql("SELECT name FROM stations WHERE code = ?", (code,)) == [(p,)]
    # a user name of SQL is refused by its own rule, not run
    r = post_as(a, "/staff/accounts/new", {"username": "x' OR 1=1 --", "display_name": p,
                                           "role": "审核员", "district": "朝阳区",
                                           "password": "Very-long-pass-2026"})
    assert r.status == 422, r
    # logging in with SQL for a name or a password lets nobody in
    for user, pw in (("' OR 1=1 --", "x"), ("admin' --", "x"), ("admin", "' OR '1'='1"),
                     ("admin'/*", "*/ OR 1=1 --")):
        r = S.post("/staff/login", {"_token": fresh_token("/staff/login"), "username": user,
                                    "password": pw})
        assert r.status == 422, (user, r.status)
        assert not any(v.startswith(("zj_staff=", "__Host-zj_staff=")) and "=;" not in v
                       for v in r.all("Set-Cookie")), r.headers
    S.sql_exec("DELETE FROM login_failures")      # let later logins through
    assert S.sql("SELECT count(*) FROM staff")[0][0] == staff_before
    assert integrity_ok()


# ---- 1. stored XSS, end to end ----

def submit_join(p, i, code):
    male = i % 2 == 0
    r = S.post("/join", {"_token": fresh_token("/join"), "name": p, "gender": "男" if male else "女",
                         "id_number": idno(male), "phone": phone(), "employment": "单位就业",
                         "occupation": "其他", "employer": p, "district": "朝阳区",
                         "address": p, "was_member": "是", "prev_union": p, "src": code,
                         "consent_charter": "1", "consent_sensitive": "1"})
    assert r.status == 303, ("join", p, r.status, r.text[:3000])
    ref_ = r.header("Location").rsplit("/", 1)[1]
    return ref_, S.sql("SELECT phone FROM join_applications WHERE ref = ?", (ref_,))[0][0]


def submit_legal(p, i):
    ph = phone()
    fname = p.replace("/", "") + ".png"
    body, ctype = multipart(
        [("_token", fresh_token("/legal-aid")), ("name", p), ("phone", ph),
         ("district", "朝阳区"), ("employer", p), ("dispute_type", "拖欠工资"),
         ("people", "1"), ("amount", ""), ("facts", p), ("claims", p),
         ("member_status", "否"), ("contact_time", p), ("may_call", "1"),
         ("consent_sensitive", "1")],
        [("evidence", fname, "image/png", PNG + b"xss%d" % i)])
    r = S.post_raw("/legal-aid", body, ctype=ctype)
    assert r.status == 303, ("legal-aid", p, r.status, r.text[:3000])
    ref_ = r.header("Location").rsplit("/", 1)[1]
    assert S.sql("SELECT orig_name FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                 " WHERE c.ref = ?", (ref_,)) == [(fname,)], "file name not kept verbatim"
    return ref_, ph


DONE_PAGES = []      # each sign-up's own page (it carries its private token)


def submit_signup(p, activity):
    page = S.get("/volunteer/%d" % activity)
    ph = phone()
    r = S.post("/volunteer/%d/signup" % activity,
               {"_token": form_value(page.text, "_token"), "name": p, "phone": ph,
                "skills": "法律", "note": p, "consent": "1"})
    assert r.status == 303, ("signup", p, r.status, r.text[:3000])
    DONE_PAGES.append(r.header("Location"))
    return S.sql("SELECT ref FROM signups WHERE phone = ? AND activity_id = ?",
                 (ph, activity))[0][0], ph


def test_stored_xss_is_escaped_on_every_page_that_shows_it():
    a = WHO["admin"]
    pages = Pages()
    sample = S.sql("SELECT id FROM activities WHERE sample = 1 AND district_id = ?",
                   (district("110105"),))[0][0]
    joins, cases, signups, activities, cancelled, stations, accounts = [], [], [], [], [], [], []
    for i, p in enumerate(XSS):
        # staff-typed: a station, an account (its name is shown wherever it acts)
        code = "XSS%d" % i
        r = pages.check("station " + p, post_as(a, "/staff/stations/new",
                        {"name": p, "district": "朝阳区", "code": code}), (303,))
        stations.append(S.sql("SELECT id FROM stations WHERE code = ?", (code,))[0][0])
        user = "xss%d" % i
        r = pages.check("account " + p, post_as(a, "/staff/accounts/new", {
            "username": user, "display_name": p, "role": "法律援助专员",
            "district": "朝阳区", "password": "Xss-legal-pass-2026"}), (303,))
        accounts.append(user)
        # staff-typed: two activities; public sign-ups on them and on a sample one
        r = pages.check("activity " + p, post_as(a, "/staff/volunteer/new", activity_fields(
            "朝阳区", title=p, description=p + "\n" + p, place=p, capacity="1")), (303,))
        act = int(re.match(r"/staff/volunteer/(\d+)", r.header("Location")).group(1))
        r = post_as(a, "/staff/volunteer/new", activity_fields(
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
        pages.check("join note", post_as(a, "/staff/joins/%s/note" % jref, {"note": p}), (303,))
        if i % 2:
            pages.check("join approve", post_as(a, "/staff/joins/%s/approve" % jref, {}), (303,))
        else:
            pages.check("join reject", post_as(a, "/staff/joins/%s/reject" % jref,
                                               {"reason": p}), (303,))
        cref = cases[i][0]
        base = "/staff/legal-aid/%s/" % cref
        pages.check("legal note", post_as(a, base + "note", {"note": p}), (303,))
        if i % 2:
            pages.check("legal reject", post_as(a, base + "reject", {"reason": p}), (303,))
        else:
            pages.check("legal accept", post_as(a, base + "accept", {}), (303,))
            pages.check("legal assign", post_as(a, base + "assign", {
                "assignee": "%s(%s)" % (p, accounts[i]), "handler_name": p[:50]}), (303,))
            pages.check("legal mediate", post_as(a, base + "mediate", {}), (303,))
            pages.check("legal close", post_as(a, base + "close", {
                "outcome": "调解成功", "recovered": "100", "close_note": p}), (303,))
        act, act2 = activities[2 * i], activities[2 * i + 1]
        pages.check("activity edit", post_as(a, "/staff/volunteer/%d/edit" % act, activity_fields(
            "朝阳区", title=p, description=p + "\n" + p, place=p + "(改)",
            capacity="1")), (303,))
        first = S.sql("SELECT ref FROM signups WHERE activity_id = ? AND status = '已确认'",
                      (act,))[0][0]
        pages.check("signup remove", post_as(a, "/staff/volunteer/%d/signups/%s/remove"
                                             % (act, first), {"reason": p}), (303,))
        pages.check("activity cancel", post_as(a, "/staff/volunteer/%d/cancel" % act2,
                                               {"reason": p}), (303,))
        cancelled.append(act2)
        # forms sent back with an error keep the payload: escaped too
        pages.check("activity 422", post_as(a, "/staff/volunteer/new", activity_fields(
            "朝阳区", title=p, place=p, description=p, starts_at="x")), (422,))
        pages.check("station 422", post_as(a, "/staff/stations/new",
                                           {"name": p, "district": p, "code": p}), (422,))
        pages.check("account 422", post_as(a, "/staff/accounts/new", {
            "username": p, "display_name": p, "role": p, "district": p, "password": p}), (422,))
        pages.check("join reject 422", post_as(a, "/staff/joins/%s/reject" % joins[0][0],
                                               {"reason": p}), (409, 422))
        pages.check("legal assign 422", post_as(a, "/staff/legal-aid/%s/assign" % cases[0][0],
                                                {"assignee": p, "handler_name": p}), (409, 422))
        # a failed login writes the typed name into the audit log
        pages.check("login 422", S.post("/staff/login", {
            "_token": fresh_token("/staff/login"), "username": p[:32], "password": p}), (422,))
        S.sql_exec("DELETE FROM login_failures")
    # the person whose display name is a payload, logged in: the nav shows it
    xs = S.staff(accounts[0], "Xss-legal-pass-2026")
    r = post_as(xs, "/staff/password", {"current": "Xss-legal-pass-2026",
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
        r = S.post("/status", {"_token": fresh_token("/status"), "ref": ref_, "phone": ph})
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


# ---- 3. CSRF on every staff POST ----

def post_actions(rec):
    """(pattern, path, fields, who) for every staff POST route: an action
    that would change something if it were let through."""
    d = rec["district"]
    legal = "/staff/legal-aid/%s/%s"
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
        ("/staff/stations/new", "/staff/stations/new",
         {"name": "新驿站%d" % n, "district": d, "code": "CS%d" % n}),
        ("/staff/accounts/new", "/staff/accounts/new",
         {"username": "csrf%d" % n, "display_name": "新同事", "role": "审核员",
          "district": d, "password": "Fresh-pass-%d-xyz" % n}),
        ("/staff/accounts/{id}/disable", "/staff/accounts/%d/disable" % SHARED["account"], {}),
        ("/staff/accounts/{id}/enable", "/staff/accounts/%d/enable" % SHARED["disabled"], {}),
        ("/staff/accounts/{id}/reset", "/staff/accounts/%d/reset" % SHARED["account"], {}),
    ]


def csrf_variants(client):
    """(label, csrf, extra headers, body kind) of forged POSTs."""
    valid = client.csrf
    flipped = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    evil = {"Origin": "http://evil.example", "Referer": "http://evil.example/page",
            "Sec-Fetch-Site": "cross-site"}
    return [
        ("no token", False, {}, "form"),
        ("empty token", "", {}, "form"),
        ("wrong token", "0" * len(valid), {}, "form"),
        ("one character off", flipped, {}, "form"),
        ("token with more after it", valid + "0", {}, "form"),
        ("another person's session token", WHO["reviewer"].csrf, {}, "form"),
        ("the same person's other session", WHO["admin2"].csrf, {}, "form"),
        ("cross-site, no token", False, evil, "form"),
        ("cross-site, wrong token", "0" * len(valid), evil, "form"),
        ("cross-site text/plain form", False, evil, "text"),
        ("cross-site multipart form", False, evil, "multipart"),
    ]


def forged(client, path, fields, csrf, headers, kind):
    pairs = list(fields.items())
    if csrf is not False:
        pairs.append(("_csrf", csrf))
    h = client.headers()
    h.update(headers)
    if kind == "form":
        return S.post(path, pairs, headers=h)
    if kind == "text":
        body = "\r\n".join("%s=%s" % kv for kv in pairs).encode()
        return S.post_raw(path, body, ctype="text/plain", headers=h)
    body, ctype = multipart(pairs, [])
    return S.post_raw(path, body, ctype=ctype, headers=h)


def test_csrf_every_staff_post_route_refuses_a_forged_request():
    a = WHO["admin"]
    rec = records("110105", "CSRF")
    actions = post_actions(rec)
    get_patterns = {p for m, p, _ in staff_routes() if m == "GET"}
    covered = {p for p, _, _ in actions} | {"/staff/logout", "/staff/password"}
    missing = [p for m, p, _ in staff_routes() if m == "POST" and p != "/staff/login"
               and p not in covered]
    assert not missing, "POST routes this test does not forge: %r" % missing
    wrong = []
    for pattern, path, fields in actions:
        before = digest()
        for label, csrf, headers, kind in csrf_variants(a):
            r = forged(a, path, fields, csrf, headers, kind)
            ok = r.status == 403 or (kind != "form" and r.status in (400, 403, 415))
            if not ok:
                wrong.append((path, label, r.status))
            if "Set-Cookie" in [k for k, _ in r.headers] and kind == "form":
                wrong.append((path, label, "set a cookie"))
        after = digest()
        if before != after:
            wrong.append((path, "changed", changed(before, after)))
        # the same request with the session's token goes through: the
        # refusals above were the CSRF wall, not a bad form
        r = post_as(a, path, fields)
        if r.status not in (200, 303):
            wrong.append((path, "with the right token", r.status, r.text[:300]))
        # a GET never acts (routes without a GET page of their own)
        if pattern not in get_patterns and \
                S.get(path, headers=a.headers()).status not in (404, 405):
            wrong.append((path, "GET answered"))
    assert not wrong, wrong
    assert S.sql("SELECT count(*) FROM audit WHERE action = 'csrf.refused'")[0][0] >= \
        len(actions) * 8, "refusals are not in the audit log"


def test_csrf_password_change_and_logout():
    S.add_staff("pwuser", "reviewer", "110105")
    S.add_staff("louser", "legal", "110105")
    pw, lo = S.staff("pwuser"), S.staff("louser")
    WHO["pwuser"], WHO["louser"] = pw, lo
    fields = {"current": PASSWORD, "new": "Changed-pass-2026", "again": "Changed-pass-2026"}
    before = S.sql("SELECT pwhash, must_change_pw FROM staff WHERE username = 'pwuser'")
    wrong = []
    for label, csrf, headers, kind in csrf_variants(pw):
        r = forged(pw, "/staff/password", fields, csrf, headers, kind)
        if not (r.status == 403 or (kind != "form" and r.status in (400, 415))):
            wrong.append(("password", label, r.status))
        r = forged(lo, "/staff/logout", {}, csrf, headers, kind)
        if not (r.status == 403 or (kind != "form" and r.status in (400, 415))):
            wrong.append(("logout", label, r.status))
        if lo.get("/staff").status != 200:
            wrong.append(("logout", label, "the session was ended"))
            break
    assert not wrong, wrong
    assert S.sql("SELECT pwhash, must_change_pw FROM staff WHERE username = 'pwuser'") == before
    r = post_as(pw, "/staff/password", fields)
    assert r.status == 303, r
    r = post_as(lo, "/staff/logout", {})
    assert r.status == 303 and lo.get("/staff").status == 302, r


def test_login_without_the_form_token_starts_no_session():
    """Login CSRF: a page elsewhere posting someone's credentials (or a
    login page left open past its token's age) gets the form again."""
    wrong = []
    evil = {"Origin": "http://evil.example", "Referer": "http://evil.example/"}
    for headers in ({}, evil):
        for token in (None, "", "1." + "0" * 64, "junk"):
            f = {"username": "rev1", "password": PASSWORD}
            if token is not None:
                f["_token"] = token
            r = S.post("/staff/login", f, headers=headers)
            cookies = [v for v in r.all("Set-Cookie") if re.match(r"(__Host-)?zj_staff=[0-9a-f]", v)]
            if r.status != 422 or cookies:
                wrong.append((token, bool(headers), r.status, cookies))
    assert not wrong, "login without a valid form token: %r" % wrong


# ---- 4. session fixation ----

def login_with_cookie(username, cookie, password=PASSWORD):
    """Log in sending cookie (name=value); the new cookie value, or None."""
    h = {"Cookie": cookie}
    token = form_value(S.get("/staff/login", headers=h).text, "_token")
    r = S.post("/staff/login", {"_token": token, "username": username, "password": password},
               headers=h)
    assert r.status == 303, r
    for v in r.all("Set-Cookie"):
        name, _, rest = v.partition("=")
        if name in ("zj_staff", "__Host-zj_staff"):
            attrs = [x.strip().lower() for x in rest.split(";")[1:]]
            assert "httponly" in attrs and "path=/" in attrs, v
            assert any(x.startswith("samesite=") for x in attrs), v
            assert rest.split(";")[0] not in (r.header("Location") or "")
            return name, rest.split(";", 1)[0]
    return None


def test_session_fixation_a_cookie_set_before_login_is_not_the_session():
    name = WHO["reviewer"].cookie.split("=", 1)[0]
    chosen = "a1" * 32                     # an attacker's value, well formed
    got = login_with_cookie("legal1", "%s=%s" % (name, chosen))
    assert got is not None, "login set no session cookie"
    assert got[1] != chosen, "the attacker's cookie became the session"
    h = hashlib.sha256(chosen.encode()).hexdigest()
    assert S.sql("SELECT count(*) FROM sessions WHERE token_hash = ?", (h,)) == [(0,)]
    r = S.get("/staff", headers={"Cookie": "%s=%s" % (name, chosen)})
    assert r.status == 302 and r.header("Location").startswith("/staff/login"), r
    assert S.get("/staff/legal-aid", headers={"Cookie": "%s=%s" % got}).status == 200

    # another person's valid session in the browser while legal1 logs in
    rev = WHO["reviewer"].cookie
    got = login_with_cookie("legal1", rev)
    assert got is not None and "%s=%s" % got != rev
    r = S.get("/staff", headers={"Cookie": rev})
    assert r.status == 200 and "rev1" in r.text and "legal1" not in r.text, \
        "rev1's session changed hands"
    assert S.get("/staff/legal-aid", headers={"Cookie": rev}).status == 404
    assert S.get("/staff/joins", headers={"Cookie": rev}).status == 200
    r = S.get("/staff", headers={"Cookie": "%s=%s" % got})
    assert r.status == 200 and "legal1" in r.text

    # the same person logging in again gets a new session, the old one lives on
    old = WHO["legal"].cookie
    got = login_with_cookie("legal1", old)
    assert "%s=%s" % got != old
    # a session ended by logout is not brought back by its cookie
    c = S.staff("rev2")
    cookie = c.cookie
    assert post_as(c, "/staff/logout", {}).status == 303
    r = S.get("/staff", headers={"Cookie": cookie})
    assert r.status == 302, r
    got = login_with_cookie("rev2", cookie)
    assert "%s=%s" % got != cookie
    assert S.get("/staff", headers={"Cookie": cookie}).status == 302


# ---- 5. header injection ----

def injected(r):
    """Headers an injection would have added, split or pointed elsewhere
    (a percent-encoded CR/LF inside one Location is only a URL)."""
    out = []
    for k, v in r.headers:
        if "pwned" in k.lower() or "\r" in v or "\n" in v:
            out.append((k, v))
        if k.lower() == "set-cookie" and v.lower().startswith("pwned"):
            out.append((k, v))
        if k.lower() == "location" and (not v.startswith("/") or v.startswith(("//", "/\\"))):
            out.append((k, v))
    if [k.lower() for k, _ in r.headers].count("location") > 1:
        out.append(("Location", "twice"))
    return out


CRLF = ["\r\nSet-Cookie: pwned=1", "\nLocation: http://evil.example/", "\rX-Pwned: 1",
        "%0d%0aSet-Cookie:%20pwned=1", "\r\n\r\n<script>alert(1)</script>"]


def crlf_requests():
    """(label, function) of every place a value could reach a header."""
    a, rec = WHO["admin"], OWN["admin"]
    out = []
    for inj in CRLF:
        for nxt_ in ("/staff" + inj, "/staff/joins" + inj):
            out.append(("login next %r" % nxt_, lambda n=nxt_: S.post("/staff/login", {
                "_token": fresh_token("/staff/login"), "username": "rev1",
                "password": PASSWORD, "next": n})))
        out.append(("login page next %r" % inj,
                    lambda i=inj: S.get("/staff/login?next=" + q("/staff" + i))))
        # the login redirect of someone not logged in carries the path
        for pattern in ("/staff/joins/%s", "/staff/legal-aid/%s", "/staff/volunteer/%s/edit"):
            url = pattern % q("x" + inj)
            out.append(("not logged in " + url, lambda u=url: S.get(u)))
        # the exports' filters and file names
        for base in ("/staff/joins.csv", "/staff/legal-aid.csv"):
            url = "%s?q=%s&status=%s&district=%s&from=%s&full=1" % ((base,) + (q(inj),) * 4)
            out.append(("export " + url, lambda u=url: a.get(u)))
        # redirects after staff actions, with a value in the path or query
        for path in ("/staff/joins/%s/note" % q(rec["join"] + inj),
                     "/staff/joins/%s/note?done=%s" % (rec["join"], q(inj)),
                     "/staff/legal-aid/%s/%s" % (rec["legal"], q("note" + inj)),
                     "/staff/volunteer/%s/cancel" % q(str(rec["activity"]) + inj),
                     "/staff/accounts/%s/enable" % q(str(SHARED["account"]) + inj)):
            out.append(("POST " + path, lambda p=path: post_as(a, p, {"note": "x", "reason": "x"})))
        out.append(("account name", lambda i=inj: post_as(a, "/staff/accounts/new", {
            "username": "bad" + i, "display_name": "x", "role": "审核员",
            "district": "朝阳区", "password": "Long-enough-pass-1"})))
    return out


def test_crlf_never_reaches_a_header():
    wrong = []
    for label, call in crlf_requests():
        r = call()
        if injected(r):
            wrong.append((label, r.status, injected(r)))
    assert not wrong, wrong
    for v in WHO["admin"].get("/staff/joins.csv?q=" + q(CRLF[0])).all("Content-Disposition"):
        assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', v), v


def test_crlf_in_a_url_or_login_next_is_answered_without_a_server_error():
    # not an injection (the core refuses the header) but the person gets
    # the 500 page: after a login with a CR/LF next (session already set),
    # and on any staff link with an encoded CR/LF when not logged in
    wrong = []
    for label, call in crlf_requests():
        r = call()
        if r.status >= 500:
            wrong.append((label, r.status, r.all("Set-Cookie")[:1]))
    S.sql_exec("DELETE FROM login_failures")
    assert not wrong, "%d answered 5xx: %r" % (len(wrong), wrong[:12])


def test_crlf_in_an_uploaded_file_name():
    evil_names = ["a\r\nSet-Cookie: pwned=1.png", "b\nX-Pwned: 1.png", "c\rX-Pwned: 1.png"]
    for fname in evil_names:
        ph = phone()
        body, ctype = multipart(
            [("_token", fresh_token("/legal-aid")), ("name", "头注入"), ("phone", ph),
             ("district", "朝阳区"), ("employer", "某公司"), ("dispute_type", "拖欠工资"),
             ("people", "1"), ("facts", "事实经过事实经过事实经过"), ("claims", "补发工资"),
             ("member_status", "否"), ("consent_sensitive", "1")],
            [("evidence", fname, "image/png", PNG)], raw_filenames=True)
        r = S.post_raw("/legal-aid", body, ctype=ctype)
        assert r.status in (303, 400, 422), (fname, r.status)
        assert not injected(r), r.headers
        if r.status != 303:
            continue
        ref_ = r.header("Location").rsplit("/", 1)[1]
        for fid, in S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c"
                          " ON c.id = f.case_id WHERE c.ref = ?", (ref_,)):
            d = WHO["admin"].get("/staff/legal-aid/%s/files/%d" % (ref_, fid))
            assert d.status == 200 and not injected(d), d.headers
            assert len(d.all("Content-Disposition")) == 1
    # a name with quotes and parameters of its own, sent as a browser would
    fname = 'x"; filename=evil.html; filename*=UTF-8\'\'evil.html; a=".png'
    body, ctype = multipart(
        [("_token", fresh_token("/legal-aid")), ("name", "头注入"), ("phone", phone()),
         ("district", "朝阳区"), ("employer", "某公司"), ("dispute_type", "拖欠工资"),
         ("people", "1"), ("facts", "事实经过事实经过事实经过"), ("claims", "补发工资"),
         ("member_status", "否"), ("consent_sensitive", "1")],
        [("evidence", fname, "image/png", PNG)])
    r = S.post_raw("/legal-aid", body, ctype=ctype)
    assert r.status == 303, r
    ref_ = r.header("Location").rsplit("/", 1)[1]
    fid = S.sql("SELECT f.id FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                " WHERE c.ref = ?", (ref_,))[0][0]
    d = WHO["admin"].get("/staff/legal-aid/%s/files/%d" % (ref_, fid))
    cds = d.all("Content-Disposition")
    assert d.status == 200 and len(cds) == 1, d.headers
    assert re.fullmatch(r"attachment; filename=\"evidence-\d+\.png\"; "
                        r"filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*", cds[0]), cds[0]
    assert "evil.html" not in cds[0].split("''", 1)[0]


# ---- 6. path traversal on evidence downloads ----

def test_evidence_downloads_serve_only_the_cases_own_files():
    a, l1 = WHO["admin"], WHO["legal"]
    rec, other = OWN["legal"], OTHER
    base = "/staff/legal-aid/%s/files/" % rec["legal"]
    r = l1.get(base + str(rec["legal_file"]))
    assert r.status == 200 and r.body == rec["legal_bytes"], r
    ids = ["..", "%2e%2e", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fzhijia.db",
           "..%5c..%5cetc%5cpasswd", "-1", "0", "00", "-0", "%2d1", "1e3", "0x1", "+1",
           "%201", "1%20", "1.0", "1;", "1%00", "99999999999999999999",
           "9223372036854775807", "9223372036854775808", "18446744073709551617",
           str(rec["legal_file"]) + "%2f..", "%252e%252e"]
    # another case's file (same district, other district), by its id
    ids += [str(rec["legal2_file"]), str(rec["legal_acc_file"]), str(other["legal_file"]),
            str(OWN["admin"]["legal_file"])]
    wrong = []
    secrets = [other[k + "_bytes"] for k in ("legal", "legal2")] + \
        [rec[k + "_bytes"] for k in ("legal2", "legal_acc", "legal_asg")]
    for who in (a, l1):
        for fid in ids:
            r = who.get(base + fid)
            if r.status not in (400, 404) or b"root:x:" in r.body or b"SQLite format" in r.body \
                    or any(s in r.body for s in secrets):
                wrong.append((who.username, base + fid, r.status))
    # another case's reference with this case's file, and traversal in the ref
    for path in ["/staff/legal-aid/%s/files/%d" % (rec["legal2"], rec["legal_file"]),
                 "/staff/legal-aid/%s/files/%d" % (other["legal"], other["legal_file"]),
                 "/staff/legal-aid/%s/files/%d" % (other["legal"], rec["legal_file"]),
                 "/staff/legal-aid/..%%2f%s/files/%d" % (rec["legal"], rec["legal_file"]),
                 "/staff/legal-aid/%%2e%%2e/files/%d" % rec["legal_file"],
                 "/staff/legal-aid/%s%%2f..%%2f%s/files/%d" % (rec["legal"], other["legal"],
                                                               other["legal_file"])]:
        r = l1.get(path)
        if r.status not in (400, 404) or any(s in r.body for s in secrets):
            wrong.append(("legal1", path, r.status))
    assert not wrong, wrong
    # a stored name that is not ours (a row written by hand) is never opened
    case = S.sql("SELECT id FROM legal_cases WHERE ref = ?", (rec["legal"],))[0][0]
    for stored in ("../../../../etc/passwd", "/etc/passwd", "..", "", "tmp/../../zhijia.db"):
        fid = S.sql_exec("INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
                         " created_at) VALUES (?, ?, 'x.png', 'image/png', 1, ?)",
                         (case, stored, now_iso()))
        r = l1.get(base + str(fid))
        assert r.status == 404 and b"root:x:" not in r.body and b"SQLite" not in r.body, \
            (stored, r.status)
        S.sql_exec("DELETE FROM legal_files WHERE id = ?", (fid,))


# ---- 7. privilege ----

def admin_only_requests(client, rec):
    """Every admin-only route by every method, with a form that would
    work for an admin."""
    n = nxt()
    forms = {
        "/staff/stations/new": {"name": "越权驿站", "district": "朝阳区", "code": "PV%d" % n},
        "/staff/accounts/new": {"username": "pv%d" % n, "display_name": "越权",
                                "role": "管理员", "district": "全部区县",
                                "password": "Escalate-pass-%d" % n},
    }
    out = []
    for method, pattern, access in staff_routes():
        if access != {"admin"}:
            continue
        path = fill(pattern, rec)
        if method == "GET":
            out += [("GET", path, None), ("HEAD", path, None)]
        else:
            out.append(("POST", path, forms.get(pattern, {})))
        for m in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            out.append((m, path, None))
    # the same pages by other spellings of their paths
    for path in ("/staff/accounts/", "/staff//accounts", "/staff/./accounts",
                 "/staff/joins/../accounts", "/staff/%61ccounts", "/staff/accounts%2f",
                 "/staff/accounts;x", "/staff/audit/", "/staff/audit.csv", "/staff/stations/",
                 "/STAFF/ACCOUNTS", "/staff/Accounts"):
        out.append(("GET", path, None))
    return out


def test_reviewers_and_legal_officers_cannot_reach_admin_pages_by_any_method():
    before = digest()
    wrong = []
    admin_marks = ["target1", "target2", "ATK01", "csrf.refused", "攻击测试驿站"]
    for role in ("reviewer", "legal"):
        c = WHO[role]
        for method, path, form in admin_only_requests(c, OWN[role]):
            if method == "POST":
                r = post_as(c, path, form)
            else:
                r = S.request(method, path, body=b"" if method in ("PUT", "PATCH") else None,
                              headers=c.headers())
            if r.status not in (400, 403, 404, 405):
                wrong.append((role, method, path, r.status, r.header("Location")))
            seen = [m for m in admin_marks if m in r.text]
            if seen:
                wrong.append((role, method, path, "shows", seen))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)
    assert S.sql("SELECT count(*) FROM staff WHERE role = 'admin'") == [(1,)]


def test_roles_stay_in_their_services_whatever_the_form_says():
    recs = {role: records("110105", "越界" + role) for role in ("reviewer", "legal")}
    before = digest()
    wrong = []
    for role, prefixes in (("reviewer", ("/staff/legal-aid",)),
                           ("legal", ("/staff/joins", "/staff/volunteer"))):
        c = WHO[role]
        rec = recs[role]
        for pattern, path, fields in post_actions(rec):
            if not path.startswith(prefixes):
                continue
            r = post_as(c, path, fields)
            if r.status != 404:
                wrong.append((role, path, r.status))
        for method, pattern, _ in staff_routes():
            if method == "GET" and pattern.startswith(prefixes):
                path = fill(pattern, rec)
                for m in ("GET", "HEAD"):
                    r = S.request(m, path, headers=c.headers())
                    if r.status != 404:
                        wrong.append((role, m, path, r.status))
    # the full ID number export is the admin's alone
    for role, url in (("reviewer", "/staff/joins.csv?full=1"),
                      ("legal", "/staff/legal-aid.csv?full=1")):
        r = WHO[role].get(url)
        ids = re.findall(r"\b\d{17}[\dX]\b", r.text)
        if r.status != 200 or ids:
            wrong.append((role, url, r.status, ids[:3]))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)


def test_a_district_bound_person_cannot_act_on_another_districts_record():
    wrong = []
    # a city-wide activity: seen by every district, changed by the admin only
    now = now_iso()
    city = S.sql_exec("INSERT INTO activities (title, description, starts_at, ends_at, place,"
                      " capacity, deadline, created_at, updated_at) VALUES ('全市活动',"
                      " '全市的志愿活动介绍', ?, ?, '市中心', 10, ?, ?, ?)",
                      (now_iso(86400 * 9), now_iso(86400 * 9 + 3600), now_iso(86400 * 8),
                       now, now))
    city_signup = ref("ZY")
    S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
               " consent_sensitive, created_at, updated_at) VALUES (?, ?, '全市志愿',"
               " '13700137001', '已确认', ?, 1, ?, ?)", (city_signup, city, "0" * 64, now, now))
    before = digest()
    for role, client in (("reviewer", WHO["reviewer"]), ("legal", WHO["legal"])):
        mine = ("/staff/joins", "/staff/volunteer") if role == "reviewer" else ("/staff/legal-aid",)
        for pattern, path, fields in post_actions(OTHER):
            if not path.startswith(mine) or pattern == "/staff/volunteer/new":
                continue
            r = post_as(client, path, fields)
            if r.status != 404:
                wrong.append((role, path, r.status))
    # own activity, another district's sign-up; own case, another's file
    rec = OWN["reviewer"]
    for path in ("/staff/volunteer/%d/signups/%s/remove" % (rec["activity"], OTHER["signup"]),
                 "/staff/volunteer/%d/signups/%s/attend" % (rec["activity_past"],
                                                            OTHER["signup_past"])):
        r = post_as(WHO["reviewer"], path, {"reason": "x", "attended": "1", "hours": "1"})
        if r.status != 404:
            wrong.append(("reviewer", path, r.status))
    for path, fields in (("/staff/volunteer/%d/edit" % city, activity_fields("朝阳区")),
                         ("/staff/volunteer/%d/cancel" % city, {"reason": "x"}),
                         ("/staff/volunteer/%d/signups/%s/remove" % (city, city_signup),
                          {"reason": "x"})):
        r = post_as(WHO["reviewer"], path, fields)
        if r.status != 404:
            wrong.append(("reviewer", path, r.status))
    # moving things into another district through a form
    r = post_as(WHO["reviewer"], "/staff/volunteer/new", activity_fields("海淀区", title="越区活动"))
    if r.status != 422:
        wrong.append(("reviewer", "new activity in 海淀区", r.status))
    r = post_as(WHO["reviewer"], "/staff/volunteer/%d/edit" % rec["activity"],
                activity_fields("海淀区"))
    if r.status != 422:
        wrong.append(("reviewer", "move an activity to 海淀区", r.status))
    r = post_as(WHO["legal"], "/staff/legal-aid/%s/assign" % OWN["legal"]["legal_acc"],
                {"assignee": "legal2", "handler_name": "越区律师"})
    if r.status != 422:
        wrong.append(("legal", "assign to 海淀区's officer", r.status))
    assert not wrong, wrong
    after = digest()
    assert before == after, changed(before, after)
    for key, table, want in (("join", "join_applications", "待审核"),
                             ("join2", "join_applications", "待审核"),
                             ("legal", "legal_cases", "待受理"),
                             ("legal_acc", "legal_cases", "已受理"),
                             ("legal_med", "legal_cases", "调解中")):
        assert S.sql("SELECT status FROM %s WHERE ref = ?" % table, (OTHER[key],)) == [(want,)]
    assert S.sql("SELECT status FROM signups WHERE ref = ?", (OTHER["signup"],)) == [("已确认",)]
    assert integrity_ok()


def test_no_worker_crashed_under_attack():
    """Last: nothing above killed a worker (the answer would be nginx's
    502, and the log says so)."""
    with open(S.log.name, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    crashes = [line for line in log.splitlines()
               if re.search(r"died \(signal|prematurely closed|AddressSanitizer|runtime error", line)]
    assert not crashes, "\n".join(crashes[:10])


if __name__ == "__main__":
    run(globals())
