#!/usr/bin/env python3
"""t0920: what an operator copies into /etc — nginx and systemd.

- deploy/nginx-site.conf passes `nginx -t` (with a throw-away certificate
  made by openssl) and says TLS 1.2/1.3 only;
- the local nginx (the tests' and `make run`'s, kept like the site file)
  sends HSTS on every answer — pages, static files, nginx's own error
  pages — and the full CSP on static files too; bodies are small
  everywhere but on /legal-aid;
- public pages and the CSS go compressed to a browser that takes gzip,
  staff pages never (a CSRF token beside text the request chose: BREACH),
  in both nginx files;
- every unit in deploy/ passes `systemd-analyze verify`, carries the
  sandbox, and `systemd-analyze security --offline=yes` rates it safe
  (the scores are printed)."""
import glob
import gzip
import os
import re
import shutil
import subprocess
import tempfile

from harness import TOP, Server, form_value, run

S = None
HSTS = "max-age=31536000"
CSP = ("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none';"
       " object-src 'none'")
UNITS = sorted(glob.glob(os.path.join(TOP, "deploy", "*.service")))
SANDBOX = ["UMask=0077", "PrivateDevices=yes", "ProtectKernelTunables=yes",
           "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectControlGroups=yes",
           "RestrictAddressFamilies=AF_UNIX", "IPAddressDeny=any", "RestrictNamespaces=yes",
           "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
           "SystemCallFilter=@system-service", "CapabilityBoundingSet=",
           "ProtectProc=invisible", "NoNewPrivileges=yes", "ProtectSystem=strict"]


def setup_module():
    global S
    S = Server(workers=2)


def teardown_module():
    if S:
        S.stop()


def note(fmt, *args):
    print("# " + fmt % args, flush=True)


def test_the_site_config_passes_nginx_t_with_tls_1_2_and_1_3_only():
    d = tempfile.mkdtemp(prefix="zhijia-nginx-")
    try:
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "1", "-subj", "/CN=union.example.org",
                            "-keyout", d + "/privkey.pem", "-out", d + "/fullchain.pem"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        with open(os.path.join(TOP, "deploy/nginx-site.conf")) as f:
            site = f.read()
        protocols = re.findall(r"^\s*ssl_protocols ([^;]*);", site, re.M)
        assert protocols == ["TLSv1.2 TLSv1.3"], protocols
        site = (site.replace("/etc/letsencrypt/live/union.example.org", d)
                .replace("/var/log/nginx/", d + "/")
                .replace("include fastcgi_params;", "include /etc/nginx/fastcgi_params;"))
        with open(d + "/site.conf", "w") as f:
            f.write(site)
        with open(d + "/nginx.conf", "w") as f:
            f.write("pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n"
                    "    include /etc/nginx/mime.types;\n    include %s/site.conf;\n}\n"
                    % (d, d, d))
        p = subprocess.run(["nginx", "-t", "-p", d, "-c", d + "/nginx.conf"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert "test is successful" in p.stderr, p.stderr
        assert "warn" not in p.stderr, p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_the_site_config_keeps_hsts_where_a_location_adds_headers():
    """nginx drops the server's add_header in a location with its own: each
    such location must repeat HSTS, and big bodies only on /legal-aid."""
    for name in ("nginx-site.conf", "nginx-local.conf.in"):
        with open(os.path.join(TOP, "deploy", name)) as f:
            conf = f.read()
        for block in re.findall(r"location [^{]*\{[^}]*\}", conf):
            if "add_header" in block:
                assert "Strict-Transport-Security" in block, (name, block)
        sizes = re.findall(r"client_max_body_size (\w+);", conf)
        assert sizes == ["1m", "27m"], (name, sizes)
        big = re.search(r"location = /legal-aid \{[^}]*\}", conf).group(0)
        assert "client_max_body_size 27m;" in big, (name, big)


def test_every_answer_carries_hsts_and_static_files_the_full_csp():
    answers = {
        "page": S.get("/"),
        "404 page": S.get("/no-such-page"),
        "static file": S.get("/static/site.css"),
        "favicon": S.get("/favicon.ico"),
        "nginx's 413": S.post_raw("/join", b"name=" + b"a" * (2 * 1024 * 1024)),
    }
    assert answers["nginx's 413"].status == 413, answers["nginx's 413"]
    for what, r in answers.items():
        assert r.header("Strict-Transport-Security") == HSTS, (what, r.headers)
        assert r.header("Content-Security-Policy") == CSP, (what, r.headers)


def test_bodies_are_small_but_on_legal_aid():
    # 2 MB: too much for any text form, fine for evidence
    body = b"name=" + b"a" * (2 * 1024 * 1024)
    for path in ("/", "/join", "/status", "/staff/login", "/legal-aid/done/FY123"):
        assert S.post_raw(path, body).status == 413, path
    tok = form_value(S.get("/legal-aid").text, "_token")
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * (2 * 1024 * 1024) + b"\xff\xd9"
    r = S.post_multipart("/legal-aid", [("_token", tok), ("name", "")],
                         [("evidence", "a.jpg", "image/jpeg", photo)])
    assert r.status == 422, r          # the program's answer: the form, with its messages
    # over what the largest legal-aid form may carry: nginx refuses it
    assert S.post_raw("/legal-aid", b"x=" + b"a" * (28 * 1024 * 1024)).status == 413
    assert S.get("/healthz").status == 200


def unit_copies(d):
    """The units of deploy/ in d, running our build instead of /usr/local/bin."""
    for path in glob.glob(os.path.join(TOP, "deploy", "*.service")) + \
            glob.glob(os.path.join(TOP, "deploy", "*.timer")):
        with open(path) as f:
            text = f.read().replace("/usr/local/bin/zhijia", os.path.join(TOP, "build/zhijia"))
        with open(os.path.join(d, os.path.basename(path)), "w") as f:
            f.write(text)
    return sorted(os.listdir(d))


def test_every_unit_is_sandboxed_verified_and_rated_safe():
    assert [os.path.basename(u) for u in UNITS] == [
        "zhijia-backup.service", "zhijia-followup.service", "zhijia-outbox.service",
        "zhijia-purge.service", "zhijia-remind.service", "zhijia.service"]
    for unit in UNITS:
        with open(unit) as f:
            lines = {line.strip() for line in f}
        missing = [s for s in SANDBOX if s not in lines]
        assert not missing, (unit, missing)
    if shutil.which("systemd-analyze") is None:
        note("SKIP: no systemd-analyze")
        return
    d = tempfile.mkdtemp(prefix="zhijia-units-")
    try:
        names = unit_copies(d)
        p = subprocess.run(["systemd-analyze", "verify"] + names, cwd=d,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and p.stdout + p.stderr == "", p.stdout + p.stderr
        for name in names:
            if not name.endswith(".service"):
                continue
            p = subprocess.run(["systemd-analyze", "security", "--offline=yes", name], cwd=d,
                               capture_output=True, text=True, timeout=60)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", p.stdout)
            assert m, p.stdout[-500:] + p.stderr
            note("systemd-analyze security %s: %s %s", name, m.group(1), m.group(2))
            assert float(m.group(1)) <= 1.0, (name, m.group(0))
    finally:
        shutil.rmtree(d, ignore_errors=True)


GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_public_pages_and_css_go_compressed_and_staff_pages_never():
    for path in ["/", "/join", "/legal-aid", "/static/site.css"]:
        plain = S.get(path)
        r = S.get(path, headers=GZIP)
        assert plain.status == r.status == 200, (path, plain, r)
        assert plain.header("Content-Encoding") is None, (path, plain.headers)
        assert r.header("Content-Encoding") == "gzip", (path, r.headers)
        assert "Accept-Encoding" in (r.header("Vary") or ""), (path, r.headers)
        body = gzip.decompress(r.body)
        # The same page (the form's token and nonce differ from one GET to the next).
        strip = lambda b: re.sub(rb'value="[^"]*"', b"", b)
        assert strip(body) == strip(plain.body), path
        assert len(r.body) * 2 < len(body), (path, len(r.body), len(body))
        note("%s: %d bytes, %d compressed", path, len(body), len(r.body))
    # The desk, logged in, with a search in the query next to the CSRF token.
    admin = S.admin()
    pages = {"/staff/login": S.get("/staff/login", headers=GZIP)}
    for path in ["/staff", "/staff/joins?q=abc", "/staff/legal-aid?q=abc", "/staff/accounts"]:
        pages[path] = S.get(path, headers=admin.headers(GZIP))
    for path, r in pages.items():
        assert r.status == 200, (path, r)
        assert r.header("Content-Encoding") is None, (path, r.headers)
        assert r.header("Strict-Transport-Security") == HSTS, (path, r.headers)
    assert "_csrf" in pages["/staff/joins?q=abc"].text
    # The site file says the same as the local one.
    confs = {}
    for name in ["nginx-site.conf", "nginx-local.conf.in"]:
        with open(os.path.join(TOP, "deploy", name)) as f:
            text = f.read()
        confs[name] = (re.findall(r"^\s*(gzip\w* [^;]*);", text, re.M),
                       re.findall(r"location (?:= )?(/staff[^ ]*) \{[^}]*?gzip off;", text))
    assert confs["nginx-site.conf"] == confs["nginx-local.conf.in"], confs
    gz, staff = confs["nginx-site.conf"]
    assert staff == ["/staff", "/staff/login"], confs


def test_the_backup_timer_runs_the_new_command():
    with open(os.path.join(TOP, "deploy/zhijia-backup.service")) as f:
        unit = f.read()
    joined = unit.replace("\\\n", " ")
    argv = re.search(r"^ExecStart=(.*)$", joined, re.M).group(1).split()
    assert argv[:3] == ["/usr/local/bin/zhijia", "backup", "/var/lib/zhijia-backup"], argv
    assert "--keep" in argv and "--uploads" in argv, argv
    assert "StateDirectory=zhijia-backup" in unit


run(globals())
