"""Test harness: a real nginx and a real `zhijia serve` on a free port of
127.0.0.1, started through deploy/local.sh with a fresh database, and a
small HTTP client.  Standard library only.

Each test file is a script: it defines functions named test_*, and calls
run(globals()) which prints "ok N - name" / "not ok N - name" and a closing
"N passed, N failed" line.  Every wait is bounded in count and time.  Every
Server still running when the tests end is stopped by run(), so a suite
needs no teardown of its own.

Beside the site and its client, this file holds what more than one suite
needs, written once: test data (valid ID numbers, fresh references, tiny
files), times as the database stores them and as a person in Beijing types
them, reading a page (form tokens, field messages, session cookies, the
reference a redirect names), and doing what a person does (logging in,
looking up progress).
"""
import datetime
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import struct
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import zlib

# Lines in a server's log that mean a bug even when every request answered.
# (A worker that died of a signal other than the tests' own SIGKILL crashed.
# A write refused on a read-only worker connection bypassed the writer.)
LOG_PROBLEMS = re.compile(r"left open|handler gave no response|AddressSanitizer|runtime error"
                          r"|attempt to write a readonly database"
                          r"|died \(signal (?:4|6|7|8|11)\)")
PROBLEMS = []
SITES = []          # every Server started, for run() to stop what is left

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZHIJIA = os.path.join(TOP, "build/zhijia")
ADMIN_PASSWORD = "admin-password-1"
STAFF_PASSWORD = "staff-password-1"       # of every account add_staff makes
SESSION_COOKIES = ("zj_staff", "__Host-zj_staff")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.text[:200])


class Server:
    """One site: nginx + zhijia on a fresh database in a temp dir."""

    LOG_SCAN = 3000     # how much of its log's end stop() reads for problems (None: all)

    def __init__(self, workers=2, env=None, post_rate="10000r/s", burst=10000):
        self.dir = tempfile.mkdtemp(prefix="zhijia-test-")
        os.chmod(self.dir, 0o755)  # nginx workers run as nobody
        self.port = free_port()
        self.db = os.path.join(self.dir, "zhijia.db")
        self.run = os.path.join(self.dir, "run")
        e = dict(os.environ)
        e.update({
            "ZHIJIA_WORKERS": str(workers),
            "POST_RATE": post_rate,
            "POST_BURST": str(burst),
            "ZHIJIA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        })
        if env:
            e.update(env)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [os.path.join(TOP, "deploy/local.sh"), str(self.port), self.run, self.db],
            stdout=self.log, stderr=subprocess.STDOUT, env=e, start_new_session=True)
        SITES.append(self)
        try:
            self.wait_up()
        except Exception:
            self.stop()      # a site that never came up leaves nothing running
            raise

    def wait_up(self, seconds=15):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.logtext())
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not come up: " + self.logtext())

    def logtext(self, tail=3000):
        """The server log's last tail characters (None: all of it)."""
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        return text[-tail:] if tail else text

    def master_pid(self):
        with open(os.path.join(self.run, "zhijia.pid")) as f:
            return int(f.read().strip())

    def children(self):
        """(pid, name) of the master's children: workers are "zhijia",
        the writer "zhijia-writer"."""
        master = self.master_pid()
        try:  # read /proc: a pgrep per call is slow on a loaded machine
            with open("/proc/%d/task/%d/children" % (master, master)) as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:
            return []
        found = []
        for p in pids:
            try:
                with open("/proc/%d/comm" % p) as f:
                    found.append((p, f.read().strip()))
            except OSError:
                pass
        return found

    def worker_pids(self):
        return sorted(p for p, n in self.children() if n != "zhijia-writer")

    def writer_pid(self):
        """The writer process's pid, or None (being re-forked)."""
        pids = [p for p, n in self.children() if n == "zhijia-writer"]
        return pids[0] if pids else None

    def halt(self):
        """Stop as an operator does: SIGTERM (SIGKILL after 40 s); the
        directory and database stay."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def stop(self):
        """halt(), look through the log for problems (PROBLEMS, reported
        by run()), remove the directory.  Stopping twice does nothing."""
        if getattr(self, "stopped", False):
            return
        self.stopped = True
        if self in SITES:
            SITES.remove(self)
        self.halt()
        for line in self.logtext(self.LOG_SCAN).splitlines():
            if LOG_PROBLEMS.search(line):
                PROBLEMS.append(line)
        if os.environ.get("KEEP_TEST_DIRS") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def sql(self, query, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    def value(self, query, args=()):
        """The first column of the first row query gives (IndexError if none)."""
        return self.sql(query, args)[0][0]

    def audits(self, action, target=None, cols="username, target, detail"):
        """The audit log's entries of action (and target, if given), oldest
        first, as tuples of cols."""
        q, args = "SELECT %s FROM audit WHERE action = ?" % cols, [action]
        if target is not None:
            q += " AND target = ?"
            args.append(target)
        return self.sql(q + " ORDER BY id", args)

    def district(self, code):
        """The id of the district with this code (110105 朝阳区, 110108 海淀区)."""
        return self.value("SELECT id FROM districts WHERE code = ?", (code,))

    def staff_id(self, username):
        return self.value("SELECT id FROM staff WHERE username = ?", (username,))

    def zhijia(self, *args, stdin=""):
        """Run `zhijia ARGS --db` on this site's database, as an operator does."""
        return zhijia(*(list(args) + ["--db", self.db]), stdin=stdin)

    def add_staff(self, username, role, district=None, password=STAFF_PASSWORD):
        """Create an account with `zhijia adduser` (district: a code like 110105)."""
        args = ["adduser", username, "--role", role]
        if district:
            args += ["--district", district]
        p = self.zhijia(*args, stdin=password + "\n")
        if p.returncode != 0:
            raise RuntimeError("adduser %s: %s" % (username, p.stderr))
        return password

    def staff(self, username, password=STAFF_PASSWORD):
        return Staff(self, username, password)

    def staff_desk(self, *accounts):
        """Create each (username, role, district code) account and log it
        in; returns the admin's session and then theirs, in order."""
        for username, role, district in accounts:
            self.add_staff(username, role, district)
        return [self.admin()] + [self.staff(a[0]) for a in accounts]

    def admin(self):
        return Staff(self, "admin", ADMIN_PASSWORD)

    def sql_exec(self, query, args=()):
        """Run one writing statement and commit; returns lastrowid."""
        con = sqlite3.connect(self.db, timeout=10)
        try:
            cur = con.execute(query, args)
            con.commit()
            return cur.lastrowid
        finally:
            con.close()

    # ---- HTTP ----
    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields, headers=None):
        """fields: dict or list of pairs, sent urlencoded."""
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)

    def post_raw(self, path, body, ctype="application/x-www-form-urlencoded", headers=None):
        h = {"Content-Type": ctype}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)

    def post_multipart(self, path, fields, files=(), headers=None, quote_names=False):
        """fields: list of (name, value); files: list of (name, filename, ctype, bytes).
        See multipart() for quote_names."""
        body, ctype = multipart(fields, files, quote_names)
        return self.post_raw(path, body, ctype=ctype, headers=headers)

    # ---- what a person does ----
    def token(self, path, headers=None):
        """The signed form token (_token) of the form at path; fails the
        test if the page does not answer 200 with one."""
        r = self.get(path, headers=headers)
        tok = form_value(r.text, "_token") if r.status == 200 else None
        assert tok, ("no form token at %s" % path, r)
        return tok

    def login(self, username, password, headers=None):
        """Fetch the login form and post it as a browser would (sending
        headers, e.g. a Cookie, with both); returns the POST's response."""
        return self.post("/staff/login", {"_token": self.token("/staff/login", headers),
                                          "username": username, "password": password},
                         headers=headers)

    def lookup(self, ref, phone, token=None):
        """POST the 进度查询 form (reference + phone); returns the response.
        Lookups are rate-limited per address: use sparingly."""
        return self.post("/status", {"_token": token or self.token("/status"),
                                     "ref": ref, "phone": phone})

    def status_page(self, ref, phone):
        """What the applicant sees at /status: the page text (asserts 200)."""
        r = self.lookup(ref, phone)
        assert r.status == 200, r
        return r.text


class Staff:
    """A logged-in member of staff: keeps the session cookie and posts the
    session's CSRF token with every form."""

    def __init__(self, server, username, password):
        self.s = server
        self.username = username
        self.cookie = None
        self.csrf = None
        r = self.login(password)
        if r.status != 303:
            raise RuntimeError("login failed for %s: %r" % (username, r))

    def login(self, password):
        r = self.s.login(self.username, password)
        c = session_cookie(r)
        if c:
            self.cookie = cookie_pair(c)
        if r.status == 303 and self.cookie:
            self.csrf = form_value(self.get("/staff/password").text, "_csrf")
        return r

    def headers(self, extra=None):
        """Headers of a request in this session: its cookie, then extra."""
        h = {"Cookie": self.cookie} if self.cookie else {}
        h.update(extra or {})
        return h

    def get(self, path):
        return self.s.get(path, headers=self.headers())

    def post(self, path, fields=None, csrf=True):
        """POST fields (a dict or pairs) with the session's cookie and,
        unless csrf is False or fields carry their own, its CSRF token.
        A new session the answer sets (a password change rotates it) is
        kept, as a browser keeps it."""
        f = dict(fields or {})
        if csrf and "_csrf" not in f:
            f["_csrf"] = self.csrf or ""
        r = self.s.post(path, f, headers=self.headers())
        c = session_cookie(r)
        if c and cookie_pair(c).split("=", 1)[1] and r.status == 303:
            self.cookie = cookie_pair(c)
            self.csrf = form_value(self.get("/staff/password").text, "_csrf")
        return r

    def post_multipart(self, path, fields, files=()):
        fields = list(fields) + [("_csrf", self.csrf or "")]
        return self.s.post_multipart(path, fields, files, headers=self.headers())


def multipart(fields, files, quote_names=False):
    """A multipart/form-data body: (body, Content-Type).  fields: pairs of
    (name, value); files: (name, filename, ctype, bytes).  File names go
    in as they are, or with quote_names as a browser quotes them (\\ and
    " escaped as quoted-pairs)."""
    boundary = "----zhijiatest" + os.urandom(8).hex()
    parts = []
    for name, value in fields:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                      % (boundary, name)).encode() + value.encode() + b"\r\n")
    for name, filename, ctype, data in files:
        if quote_names:
            filename = filename.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
                     + data + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary


def zhijia(*args, stdin=""):
    """Run build/zhijia with args; the CompletedProcess (text, captured)."""
    return subprocess.run([ZHIJIA] + list(args), input=stdin, capture_output=True, text=True,
                          timeout=60)


def routes():
    """Every route `zhijia routes` lists: (method, pattern, set of roles),
    the set empty for a public route."""
    out = zhijia("routes")
    assert out.returncode == 0, out.stderr
    rows = [tuple(line.split()) for line in out.stdout.splitlines() if line.strip()]
    return [(m, p, set(a.split(",")) if a != "public" else set()) for m, p, a in rows]


def staff_routes():
    """The routes under /staff, as routes() gives them."""
    return [(m, p, a) for m, p, a in routes() if p == "/staff" or p.startswith("/staff/")]


# The record a route's {parameter} names, by the path segment before it.
ROUTE_PARAMS = {"joins": "join", "legal-aid": "legal", "files": "file", "volunteer": "activity",
                "signups": "signup", "stations": "station", "accounts": "account",
                "followups": "followup", "wishes": "wish", "districts": "district_id",
                "appeals": "appeal"}


def fill_route(pattern, records, step="note"):
    """pattern, as routes() lists it, with each {parameter} replaced by the
    value records hold for it (keys: ROUTE_PARAMS' values), {step} by
    step and {kind} by a message kind; None if records hold no value for
    one."""
    segs = pattern.split("/")
    out = []
    for i, seg in enumerate(segs):
        if seg.startswith("{"):
            key = ROUTE_PARAMS.get(segs[i - 1])
            if key in records:
                seg = str(records[key])
            elif seg == "{step}":
                seg = step
            elif seg == "{kind}":          # a message kind (/staff/messages/kind/…)
                seg = "join.approved"
            else:
                return None
        out.append(seg)
    return "/".join(out)


# ---- test data ----

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]   # GB 11643
_SEQ = {"id": 0, "ref": 0, "phone": {}}
_SEQ_LOCK = threading.Lock()


def _next(kind):
    with _SEQ_LOCK:
        _SEQ[kind] += 1
        return _SEQ[kind]


def idno(base17):
    """base17 (area, birth date, sequence) with its GB 11643 check
    character (ISO 7064 MOD 11-2) appended: a valid 身份证号."""
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, ID_WEIGHTS)) % 11]


def new_idno(male=True, area="110105"):
    """A valid ID number no other call of this run returned (thread-safe):
    born from 1966 on, 500 a day, the 17th digit odd for a man."""
    n = _next("id")
    born = datetime.date(1966, 1, 1) + datetime.timedelta(days=n // 500)
    return idno(area + born.strftime("%Y%m%d") + "%03d" % ((n % 500) * 2 + (1 if male else 0)))


def new_phone(prefix):
    """The next 11-digit mobile number of this run that starts with prefix
    (each prefix counts 1, 2, 3, … on its own; thread-safe)."""
    with _SEQ_LOCK:
        n = _SEQ["phone"][prefix] = _SEQ["phone"].get(prefix, 0) + 1
    return "%s%0*d" % (prefix, 11 - len(prefix), n)


REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"     # what the program makes references of


def new_ref(prefix):
    """A well-formed reference (RH/FY/ZY + 8) no other call of this run
    returned, for a row put straight into the database."""
    n, s = _next("ref"), ""
    for _ in range(8):
        s = REF_ALPHABET[n % len(REF_ALPHABET)] + s
        n //= len(REF_ALPHABET)
    return prefix + s


def ref_of(r):
    """The reference a 303 to a confirmation names (/join/done/RH…,
    /legal-aid/done/FY…, /volunteer/signup/ZY…?t=…, /appeal/done/SQ…,
    /wish/done/XY…); fails the test otherwise."""
    m = re.search(r"/((?:RH|FY|ZY|SQ|XY)[0-9A-Z]{8})(?:\?|$)", r.header("Location") or "")
    assert r.status == 303 and m, r
    return m.group(1)


def tiny_png():
    """A real 1×1 PNG (one red pixel), made here so tests need no files."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = tiny_png()
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


# ---- times ----

BEIJING = 8 * 3600          # Asia/Shanghai is UTC+8 all year


def join_all(threads, seconds, what):
    """Wait for started threads, at most seconds in all; fails naming what
    did not finish."""
    deadline = time.time() + seconds
    for t in threads:
        t.join(max(0.1, deadline - time.time()))
    assert not any(t.is_alive() for t in threads), "%s did not finish in %d s" % (what, seconds)


def now_iso(offset=0):
    """Now + offset seconds as the database keeps times: UTC ISO-8601."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def beijing(fmt, offset=0):
    """Now + offset seconds in Beijing time, formatted by strftime fmt."""
    return time.strftime(fmt, time.gmtime(time.time() + BEIJING + offset))


def local_input(days=0, hours=0):
    """What a datetime-local input sends for Beijing time days and hours ahead."""
    return beijing("%Y-%m-%dT%H:%M", days * 86400 + hours * 3600)


# ---- reading pages ----

def errors(html):
    """The message beside each field the page marks wrong: {field name: text}."""
    return {name: unescape(text) for name, text in
            re.findall(r'<p class="error" id="err-([a-z_]+)">([^<]*)</p>', html)}


def error_of(html, name):
    """The message beside the field named name, or None."""
    return errors(html).get(name)


def session_cookie(r, names=SESSION_COOKIES):
    """The Set-Cookie header (with its attributes) by which r sets a staff
    session cookie of one of names; None if it sets none."""
    for v in r.all("Set-Cookie"):
        if v.split("=", 1)[0] in names:
            return v
    return None


def device_cookie(r):
    """The name=value of the device cookie r sets (a browser that has
    logged in to an account), or None."""
    for v in r.all("Set-Cookie"):
        if v.split("=", 1)[0] in ("zj_device", "__Host-zj_device"):
            return cookie_pair(v)
    return None


def cookie_pair(set_cookie):
    """The name=value part of a Set-Cookie header, as a Cookie header sends it back."""
    return set_cookie.split(";", 1)[0]


def form_value(html, name):
    """The value="" of the input named name in html, unescaped."""
    m = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), html)
    if not m:
        m = re.search(r'<input[^>]*value="([^"]*)"[^>]*name="%s"' % re.escape(name), html)
    return unescape(m.group(1)) if m else None


def unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&amp;", "&"))


def run(g):
    """Run every test_* function of module globals g in file order."""
    tests = [(n, f) for n, f in g.items() if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
    only = os.environ.get("ONLY")
    passed = failed = 0
    setup = g.get("setup_module")
    teardown = g.get("teardown_module")
    if setup:
        setup()
    try:
        for i, (name, f) in enumerate(tests, 1):
            if only and only not in name:
                continue
            t0 = time.time()
            try:
                f()
                passed += 1
                print("ok %d - %s (%.2fs)" % (i, name, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("not ok %d - %s" % (i, name), flush=True)
                for line in traceback.format_exc().splitlines():
                    print("#   " + line, flush=True)
    finally:
        if teardown:
            teardown()
        for site in list(SITES):
            site.stop()
    if PROBLEMS:
        failed += 1
        print("not ok %d - server logs are clean" % (len(tests) + 1), flush=True)
        for line in PROBLEMS[:20]:
            print("#   " + line, flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
