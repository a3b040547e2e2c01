"""Test harness: a real nginx and a real `zhijia serve` on a free port of
127.0.0.1, started through deploy/local.sh with a fresh database, and a
small HTTP client.  Standard library only.

Each test file is a script: it defines functions named test_*, and calls
run(globals()) which prints "ok N - name" / "not ok N - name" and a closing
"N passed, N failed" line.  Every wait is bounded in count and time.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

# Lines in a server's log that mean a bug even when every request answered.
# (A worker that died of a signal other than the tests' own SIGKILL crashed.
# A write refused on a read-only worker connection bypassed the writer.)
LOG_PROBLEMS = re.compile(r"left open|handler gave no response|AddressSanitizer|runtime error"
                          r"|attempt to write a readonly database"
                          r"|died \(signal (?:4|6|7|8|11)\)")
PROBLEMS = []

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
            "ZHIJIA_ADMIN_PASSWORD": "admin-password-1",
        })
        if env:
            e.update(env)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [os.path.join(TOP, "deploy/local.sh"), str(self.port), self.run, self.db],
            stdout=self.log, stderr=subprocess.STDOUT, env=e, start_new_session=True)
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

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]

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

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        for line in self.logtext().splitlines():
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

    def add_staff(self, username, role, district=None, password="staff-password-1"):
        """Create an account with `zhijia adduser` (district: a code like 110105)."""
        cmd = [os.path.join(TOP, "build/zhijia"), "adduser", username, "--role", role,
               "--db", self.db]
        if district:
            cmd += ["--district", district]
        p = subprocess.run(cmd, input=password + "\n", capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise RuntimeError("adduser %s: %s" % (username, p.stderr))
        return password

    def staff(self, username, password="staff-password-1"):
        return Staff(self, username, password)

    def admin(self):
        return Staff(self, "admin", "admin-password-1")

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

    def post_multipart(self, path, fields, files=(), headers=None):
        """fields: list of (name, value); files: list of (name, filename, ctype, bytes)."""
        boundary = "----zhijiatest" + os.urandom(8).hex()
        parts = []
        for name, value in fields:
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                          % (boundary, name)).encode() + value.encode() + b"\r\n")
        for name, filename, ctype, data in files:
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                          "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
                         + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        h = {"Content-Type": "multipart/form-data; boundary=" + boundary}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)


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
        page = self.s.get("/staff/login")
        token = form_value(page.text, "_token")
        r = self.s.post("/staff/login", {"_token": token, "username": self.username,
                                         "password": password})
        for v in r.all("Set-Cookie"):
            name, _, rest = v.partition("=")
            if name in ("zj_staff", "__Host-zj_staff"):
                self.cookie = "%s=%s" % (name, rest.split(";", 1)[0])
        if r.status == 303 and self.cookie:
            self.csrf = form_value(self.get("/staff/password").text, "_csrf")
        return r

    def headers(self, extra=None):
        h = {"Cookie": self.cookie} if self.cookie else {}
        h.update(extra or {})
        return h

    def get(self, path):
        return self.s.get(path, headers=self.headers())

    def post(self, path, fields=None, csrf=True):
        f = dict(fields or {})
        if csrf and "_csrf" not in f:
            f["_csrf"] = self.csrf or ""
        return self.s.post(path, f, headers=self.headers())

    def post_multipart(self, path, fields, files=()):
        fields = list(fields) + [("_csrf", self.csrf or "")]
        return self.s.post_multipart(path, fields, files, headers=self.headers())


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
    if PROBLEMS:
        failed += 1
        print("not ok %d - server logs are clean" % (len(tests) + 1), flush=True)
        for line in PROBLEMS[:20]:
            print("#   " + line, flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
