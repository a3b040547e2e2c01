#!/usr/bin/env python3
"""t0915: backups that restore — what an operator relies on.

Data and evidence files go in through the real forms; `zhijia backup DIR`
writes a generation; the site is stopped and its data folder wiped;
`zhijia restore DIR` puts it back, and the site serves again the same rows
and the same file bytes.  A backup taken while 100 POSTs run is consistent
and passes integrity_check; a failed backup (a full disk) leaves the
previous generation intact; only N generations are kept; everything is
mode 0600 (folders 0700); restore refuses a data folder that holds data.

The full-disk test needs root (a small tmpfs is mounted); elsewhere it
says SKIP, unless ZHIJIA_FAULTS_STRICT=1 makes that a failure."""
import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import tempfile
import threading
import time
import zlib

from harness import TOP, Server, form_value, run

ZHIJIA = os.path.join(TOP, "build/zhijia")
STRICT = os.environ.get("ZHIJIA_FAULTS_STRICT") == "1"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def idno(base17):
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, W)) % 11]


def tiny_png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = tiny_png()
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def jpeg(n):
    """A JPEG-looking file of about n random bytes (judged by its first bytes)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(n) + b"\xff\xd9"


class Site(Server):
    """A site that can be stopped and started again on the same folder."""

    def __init__(self, workers=2):
        self.env = dict(os.environ, ZHIJIA_WORKERS=str(workers), POST_RATE="10000r/s",
                        POST_BURST="10000", ZHIJIA_ADMIN_PASSWORD="admin-password-1")
        super().__init__(workers=workers)

    def halt(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=40)

    def start_again(self):
        self.proc = subprocess.Popen(
            [os.path.join(TOP, "deploy/local.sh"), str(self.port), self.run, self.db],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        self.wait_up()

    def wipe(self):
        """Lose the data folder: the database and every evidence file."""
        for side in ("", "-wal", "-shm", "-writer"):
            if os.path.exists(self.db + side):
                os.unlink(self.db + side)
        shutil.rmtree(os.path.join(self.dir, "uploads"))


SEQ = [0]


def join(site):
    SEQ[0] += 1
    n = SEQ[0]
    tok = form_value(site.get("/join").text, "_token")
    f = {"_token": tok, "name": "职工%d" % n, "gender": "男",
         "id_number": idno("1101051990%02d%02d%02d1" % (1 + n // 2800 % 12, 1 + n // 100 % 28, n % 100)), "phone": "138%08d" % n,
         "ethnicity": "汉族", "education": "高中/中专/技校", "employment": "新就业形态(平台)",
         "occupation": "网约送餐员", "employer": "", "district": "朝阳区", "address": "",
         "was_member": "否", "prev_union": "", "consent_charter": "1",
         "consent_sensitive": "1"}
    r = site.post("/join", f)
    assert r.status == 303, r
    return r.header("Location").rsplit("/", 1)[1], f["phone"]


def legal(site, files):
    SEQ[0] += 1
    n = SEQ[0]
    tok = form_value(site.get("/legal-aid").text, "_token")
    fields = [("_token", tok), ("website", ""), ("name", "工人%d" % n),
              ("phone", "139%08d" % n), ("id_number", "11010519491231002X"),
              ("district", "朝阳区"), ("employer", "某某建筑劳务有限公司"),
              ("dispute_type", "拖欠工资"), ("people", "3"), ("amount", "12345.67"),
              ("facts", "2024 年 3 月到 10 月在工地干活,老板一直没发工资。"), ("claims", "补发拖欠的工资"),
              ("member_status", "否"), ("contact_time", ""), ("consent_sensitive", "1")]
    r = site.post_multipart("/legal-aid", fields, files)
    assert r.status == 303, r
    return r.header("Location").rsplit("/", 1)[1]


def backup(site, dest, *extra):
    return subprocess.run([ZHIJIA, "backup", dest, "--db", site.db] + list(extra),
                          capture_output=True, text=True, timeout=120)


def restore(site, src, *extra):
    return subprocess.run([ZHIJIA, "restore", src, "--db", site.db] + list(extra),
                          capture_output=True, text=True, timeout=120)


def generations(dest):
    return sorted(g for g in os.listdir(dest) if g.startswith("zhijia-"))


def sums_ok(gen):
    """Every line of SHA256SUMS matches its file (what `sha256sum -c` checks)."""
    with open(os.path.join(gen, "SHA256SUMS")) as f:
        lines = f.read().splitlines()
    for line in lines:
        digest, name = line.split("  ", 1)
        with open(os.path.join(gen, name), "rb") as g:
            assert hashlib.sha256(g.read()).hexdigest() == digest, name
    return [line.split("  ", 1)[1] for line in lines]


def tables(db):
    """Every row of every table, by table name."""
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(con.execute('SELECT * FROM "%s"' % n).fetchall(), key=repr)
                for n in names}
    finally:
        con.close()


def modes_private(top):
    """Paths under top that others (or the group) could read."""
    bad = []
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            if stat.S_IMODE(os.lstat(p).st_mode) & 0o077:
                bad.append((p, oct(os.lstat(p).st_mode)))
    return bad


def integrity(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def test_round_trip_through_the_forms_backup_wipe_restore_and_serve_again():
    site = Site()
    dest = tempfile.mkdtemp(prefix="zhijia-backups-")
    try:
        people = [join(site) for _ in range(3)]
        big = jpeg(300 * 1024)
        sent = {}
        for files in ([("evidence", "工资条.png", "image/png", PNG),
                       ("evidence", "合同.pdf", "application/pdf", PDF)],
                      [("evidence", "照片.jpg", "image/jpeg", big)]):
            ref = legal(site, files)
            sent[ref] = [f[3] for f in files]
        before = tables(site.db)
        r = backup(site, dest)
        assert r.returncode == 0, r.stderr
        gens = generations(dest)
        assert len(gens) == 1, gens
        gen = os.path.join(dest, gens[0])
        listed = sums_ok(gen)
        assert "zhijia.db" in listed and len(listed) == 1 + 3, listed
        assert modes_private(dest) == [], modes_private(dest)
        assert integrity(os.path.join(gen, "zhijia.db")) == [("ok",)]

        site.halt()
        site.wipe()
        r = restore(site, dest)
        assert r.returncode == 0, r.stderr
        assert tables(site.db) == before
        assert modes_private(os.path.join(site.dir, "uploads")) == []
        assert stat.S_IMODE(os.stat(site.db).st_mode) == 0o600

        site.start_again()
        for ref, phone in people:
            page = site.post("/status", {"_token": form_value(site.get("/status").text, "_token"),
                                         "ref": ref, "phone": phone})
            assert page.status in (200, 303), page
            if page.status == 303:
                page = site.get(page.header("Location"))
            assert ref in page.text, page
        admin = site.admin()
        for ref, blobs in sent.items():
            ids = site.sql("SELECT f.id FROM legal_files f JOIN legal_cases c"
                           " ON c.id = f.case_id WHERE c.ref = ? ORDER BY f.id", (ref,))
            got = [admin.get("/staff/legal-aid/%s/files/%d" % (ref, i)).body for (i,) in ids]
            assert got == blobs, ref
    finally:
        site.stop()
        shutil.rmtree(dest, ignore_errors=True)


def test_restore_refuses_a_data_folder_that_holds_data():
    site = Site()
    dest = tempfile.mkdtemp(prefix="zhijia-backups-")
    try:
        legal(site, [("evidence", "a.png", "image/png", PNG)])
        assert backup(site, dest).returncode == 0
        join(site)
        after = tables(site.db)
        r = restore(site, dest)
        assert r.returncode == 1 and "without a database" in r.stderr, r.stderr
        # the database gone but evidence still there: refused too
        site.halt()
        for side in ("", "-wal", "-shm"):
            os.unlink(site.db + side)
        r = restore(site, dest)
        assert r.returncode == 1 and "without evidence files" in r.stderr, r.stderr
        assert not os.path.exists(site.db)
        assert os.listdir(os.path.join(site.dir, "uploads")) != []
        assert "join_applications" in after
    finally:
        site.stop()
        shutil.rmtree(dest, ignore_errors=True)


def test_a_backup_taken_while_100_posts_run_is_consistent():
    site = Site(workers=4)
    dest = tempfile.mkdtemp(prefix="zhijia-backups-")
    try:
        answers, errors = [], []

        def poster(k):
            try:
                for i in range(10):
                    if (k + i) % 5 == 0:
                        answers.append(legal(site, [("evidence", "p.png", "image/png", PNG),
                                                    ("evidence", "j.jpg", "image/jpeg",
                                                     jpeg(20000))]))
                    else:
                        answers.append(join(site)[0])
            except Exception as e:  # reported below
                errors.append(repr(e))
        threads = [threading.Thread(target=poster, args=(k,)) for k in range(10)]
        for t in threads:
            t.start()
        taken = []
        while any(t.is_alive() for t in threads) or not taken:
            r = backup(site, dest, "--keep", "50")
            assert r.returncode == 0, r.stderr
            taken.append(len(answers))
        for t in threads:
            t.join(60)
        assert not errors, errors[:3]
        assert len(answers) == 100
        gens = generations(dest)
        assert len(gens) == len(taken) and len(gens) >= 2, (gens, taken)
        stored = []
        for g in gens:
            gen = os.path.join(dest, g)
            listed = sums_ok(gen)
            db = os.path.join(gen, "zhijia.db")
            assert integrity(db) == [("ok",)]
            con = sqlite3.connect(db)
            try:
                # a snapshot: each stored application has its first event,
                # each case all of its files, each event its application
                q = lambda sql: con.execute(sql).fetchall()
                assert q("SELECT ref FROM join_applications WHERE ref NOT IN"
                         " (SELECT ref FROM events)") == []
                assert q("SELECT ref FROM legal_cases WHERE ref NOT IN"
                         " (SELECT ref FROM events)") == []
                assert q("SELECT ref FROM events WHERE ref LIKE 'RH%' AND ref NOT IN"
                         " (SELECT ref FROM join_applications)") == []
                assert q("SELECT case_id FROM legal_files GROUP BY case_id"
                         " HAVING count(*) != 2") == []
                names = [n for (n,) in q("SELECT stored_name FROM legal_files")]
                stored.append(q("SELECT (SELECT count(*) FROM join_applications)"
                                " + (SELECT count(*) FROM legal_cases)")[0][0])
            finally:
                con.close()
            assert sorted("uploads/" + n for n in names) == sorted(
                x for x in listed if x.startswith("uploads/")), g
        # some were taken in the middle of the rush, and none saw more than was sent
        assert any(0 < n < 100 for n in stored), stored
        assert max(stored) <= 100, stored
    finally:
        site.stop()
        shutil.rmtree(dest, ignore_errors=True)


def test_only_the_newest_generations_are_kept_and_a_missing_file_keeps_them_all():
    site = Site()
    dest = tempfile.mkdtemp(prefix="zhijia-backups-")
    try:
        legal(site, [("evidence", "a.png", "image/png", PNG)])
        for _ in range(4):
            assert backup(site, dest, "--keep", "2").returncode == 0
        gens = generations(dest)
        assert len(gens) == 2, gens
        # an evidence file lost from the live folder: the backup is still
        # written (the database matters most) but says so and exits 1,
        # and no older generation — which may hold the file — is removed
        (name,) = site.sql("SELECT stored_name FROM legal_files")[0]
        os.unlink(os.path.join(site.dir, "uploads", name))
        r = backup(site, dest, "--keep", "1")
        assert r.returncode == 1 and "missing" in r.stderr, r.stderr
        now = generations(dest)
        assert len(now) == 3 and now[:2] == gens, now
        newest = os.path.join(dest, now[-1])
        assert "MISSING" in sums_ok(newest)
        with open(os.path.join(newest, "MISSING")) as f:
            assert f.read() == name + "\n"
    finally:
        site.stop()
        shutil.rmtree(dest, ignore_errors=True)


def alone():
    """A database of our schema with no site around it; returns its path."""
    d = tempfile.mkdtemp(prefix="zhijia-alone-")
    os.mkdir(d + "/uploads")
    p = subprocess.run([ZHIJIA, "migrate", "--db", d + "/zhijia.db"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return d + "/zhijia.db"


def test_a_backup_that_cannot_read_gives_up_within_its_time_bound():
    db = alone()
    dest = os.path.join(os.path.dirname(db), "backups")
    try:
        r = subprocess.run([ZHIJIA, "backup", dest, "--db", db], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        (gen,) = generations(dest)
        # a connection that keeps every reader out (exclusive locking mode)
        holder = sqlite3.connect(db, isolation_level=None)
        try:
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("SELECT count(*) FROM staff").fetchall()
            t0 = time.time()
            r = subprocess.run([ZHIJIA, "backup", dest, "--db", db, "--timeout", "1"],
                               capture_output=True, text=True, timeout=60)
            took = time.time() - t0
        finally:
            holder.close()
        assert r.returncode == 1 and "locked" in r.stderr, r.stderr
        assert took < 4.0, took       # --timeout 1, not the 5 s busy timeout
        assert sorted(os.listdir(dest)) == [".lock", gen], os.listdir(dest)
        sums_ok(os.path.join(dest, gen))
    finally:
        shutil.rmtree(os.path.dirname(db))


def test_a_table_of_files_the_backup_does_not_know_fails_it():
    """A new kind of stored file must be taught to backup.c, or no backup
    is written: one that silently left the files out would not restore."""
    db = alone()
    dest = os.path.join(os.path.dirname(db), "backups")
    try:
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE appeal_photos (id INTEGER PRIMARY KEY, stored_name TEXT)")
        con.commit()
        con.close()
        r = subprocess.run([ZHIJIA, "backup", dest, "--db", db], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 1, r.stderr
        assert "appeal_photos" in r.stderr, r.stderr
        assert generations(dest) == [] and sorted(os.listdir(dest)) == [".lock"]
    finally:
        shutil.rmtree(os.path.dirname(db))


def test_restore_refuses_a_damaged_generation_and_puts_nothing_in_place():
    db = alone()
    top = os.path.dirname(db)
    dest = os.path.join(top, "backups")
    try:
        con = sqlite3.connect(db)
        con.execute("INSERT INTO legal_cases (ref, name, phone, district_id, employer,"
                    " dispute_type, people, facts, claims, member_status, consent_sensitive,"
                    " created_at, updated_at) SELECT 'FYTEST2345', '王五', '13900000000', id,"
                    " 'x', '拖欠工资', 1, 'x', 'x', '否', 1, '2026-01-01T00:00:00Z',"
                    " '2026-01-01T00:00:00Z' FROM districts LIMIT 1")
        con.execute("INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
                    " created_at) SELECT id, 'abcdef0123', 'a.png', 'image/png', 3,"
                    " '2026-01-01T00:00:00Z' FROM legal_cases")
        con.commit()
        con.close()
        with open(os.path.join(top, "uploads", "abcdef0123"), "wb") as f:
            f.write(b"PNG")
        r = subprocess.run([ZHIJIA, "backup", dest, "--db", db], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        (gen,) = generations(dest)
        with open(os.path.join(dest, gen, "uploads", "abcdef0123"), "wb") as f:
            f.write(b"GIF")    # one byte flipped on the backup disk
        target = os.path.join(top, "new", "zhijia.db")
        r = subprocess.run([ZHIJIA, "restore", dest, "--db", target], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 1 and "SHA-256" in r.stderr, r.stderr
        assert sorted(os.listdir(os.path.join(top, "new"))) == [], os.listdir(top + "/new")
    finally:
        shutil.rmtree(top)


def small_disk(size):
    mnt = tempfile.mkdtemp(prefix="zhijia-full-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", mnt],
                       capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(mnt)
        why = "cannot mount a small tmpfs (%s); run the tests as root" % p.stderr.strip()
        if STRICT:
            raise AssertionError(why)
        print("# SKIP: " + why, flush=True)
        return None
    return mnt


def remove_disk(mnt):
    subprocess.run(["umount", mnt], capture_output=True)
    os.rmdir(mnt)


def test_a_failed_backup_leaves_the_previous_generation_intact():
    mnt = small_disk("3m")
    if mnt is None:
        return
    site = Site()
    try:
        legal(site, [("evidence", "a.png", "image/png", PNG)])
        dest = os.path.join(mnt, "backups")
        r = backup(site, dest)
        assert r.returncode == 0, r.stderr
        (gen,) = generations(dest)
        files_before = sums_ok(os.path.join(dest, gen))
        # more evidence than the backup disk can take
        legal(site, [("evidence", "%d.jpg" % i, "image/jpeg", jpeg(1 << 20)) for i in range(3)])
        r = backup(site, dest)
        assert r.returncode == 1, r.stderr
        assert "No space left" in r.stderr and "unchanged" in r.stderr, r.stderr
        assert os.listdir(dest) == [".lock", gen] or sorted(os.listdir(dest)) == sorted(
            [".lock", gen]), os.listdir(dest)
        assert sums_ok(os.path.join(dest, gen)) == files_before
        # and it still restores
        other = tempfile.mkdtemp(prefix="zhijia-restore-")
        try:
            p = subprocess.run([ZHIJIA, "restore", dest, "--db", other + "/data/zhijia.db"],
                               capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, p.stderr
            assert integrity(other + "/data/zhijia.db") == [("ok",)]
            assert len(os.listdir(other + "/data/uploads")) == 1
        finally:
            shutil.rmtree(other)
    finally:
        site.stop()
        remove_disk(mnt)


run(globals())
