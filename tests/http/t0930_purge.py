#!/usr/bin/env python3
"""t0930: `zhijia purge` — kept only as long as /privacy promises (issue
10 §6).  Rows backdated past their retention are deleted with their events
and evidence files, everything else stays as it was, the audit log has the
counts, the deleted text is overwritten in the database file (secure
delete), orphan evidence files and stale upload temp files older than an
hour go; all of it while the site serves (through its writer) and with
the site stopped (on its own, under the writers' lock)."""
import os
import sqlite3
import time

from harness import TOP, Server, new_idno, new_ref, now_iso, run

S = None
DAY = 86400
YEAR = 365 * DAY
UP = None


def setup_module():
    global S, UP
    S = Server(workers=2)
    UP = os.path.join(S.dir, "uploads")


def event(ref, status="已提交"):
    S.sql_exec("INSERT INTO events (ref, status, note, created_at) VALUES (?, ?, '', ?)",
               (ref, status, now_iso()))


def join_row(status, age):
    """An application last changed age seconds ago, with two events."""
    ref = new_ref("RH")
    S.sql_exec(
        "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at) VALUES (?, '周期', '男', ?, '13700009999', '灵活就业', '快递员',"
        " (SELECT id FROM districts WHERE code = '110105'), ?, 1, 1, ?, ?)",
        (ref, new_idno(), status, now_iso(-age - 30 * DAY), now_iso(-age)))
    event(ref)
    event(ref, status)
    return ref


def legal_row(closed_age, nfiles, facts="公司拖欠三个月工资,共计一万二千元。"):
    """A case closed closed_age seconds ago (None: still open), with nfiles
    evidence files on disk."""
    ref = new_ref("FY")
    created = now_iso(-(closed_age or 0) - 60 * DAY)
    cid = S.sql_exec(
        "INSERT INTO legal_cases (ref, name, phone, district_id, employer, dispute_type,"
        " people, facts, claims, member_status, consent_sensitive, status, closed_at,"
        " created_at, updated_at) VALUES (?, '吴十', '13700008888',"
        " (SELECT id FROM districts WHERE code = '110105'), '某某物流', '欠薪', 1, ?,"
        " '补发工资', '否', 1, ?, ?, ?, ?)",
        (ref, facts, "调解成功" if closed_age else "待受理",
         now_iso(-closed_age) if closed_age else None, created, created))
    event(ref)
    names = []
    for _ in range(nfiles):
        name = os.urandom(16).hex()
        with open(os.path.join(UP, name), "wb") as f:
            f.write(b"%PDF-1.4 evidence " + name.encode())
        S.sql_exec("INSERT INTO legal_files (case_id, stored_name, orig_name, mime, size,"
                   " created_at) VALUES (?, ?, 'a.pdf', 'application/pdf', 10, ?)",
                   (cid, name, created))
        names.append(name)
    return ref, names


def signup_row(ended_age):
    """A sign-up to an activity that ended ended_age seconds ago."""
    aid = S.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place, capacity,"
        " deadline, created_at, updated_at) VALUES ('社区义诊', '为快递小哥义诊', ?, ?,"
        " '社区中心', 10, ?, ?, ?)",
        (now_iso(-ended_age - 7200), now_iso(-ended_age), now_iso(-ended_age - DAY),
         now_iso(-ended_age - 9 * DAY), now_iso(-ended_age - 9 * DAY)))
    ref = new_ref("ZY")
    S.sql_exec("INSERT INTO signups (ref, activity_id, name, phone, status, cancel_hash,"
               " consent_sensitive, created_at, updated_at) VALUES (?, ?, '郑十一',"
               " '13700007777', '已确认', 'x', 1, ?, ?)",
               (ref, aid, now_iso(-ended_age - 5 * DAY), now_iso(-ended_age - 5 * DAY)))
    event(ref)
    return ref


def wish_row(status, age):
    """A wish last changed age seconds ago, with one event."""
    ref = new_ref("XY")
    S.sql_exec(
        "INSERT INTO wishes (ref, category, content, district_id, name, phone, public_ok,"
        " status, created_at, updated_at) VALUES (?, '生活用品', '想要一个保温杯', (SELECT id"
        " FROM districts WHERE code = '110105'), '郑九', '13700007777', 1, ?, ?, ?)",
        (ref, status, now_iso(-age - 30 * DAY), now_iso(-age)))
    event(ref)
    return ref


def stray(path, age):
    """A file at path last written age seconds ago."""
    with open(path, "wb") as f:
        f.write(b"left behind")
    t = time.time() - age
    os.utime(path, (t, t))
    return path


def exists(table, ref):
    return S.value("SELECT count(*) FROM %s WHERE ref = ?" % table, (ref,)) == 1


def events_of(ref):
    return S.value("SELECT count(*) FROM events WHERE ref = ?", (ref,))


def purge_audits():
    return S.audits("purge", cols="username, target, detail")


def test_what_is_due_goes_with_its_events_and_files_and_nothing_else():
    canary = "CANARY-" + os.urandom(8).hex()
    due_join = [join_row("未通过", YEAR + DAY) for _ in range(70)]   # two jobs' worth
    kept_join = [join_row("未通过", YEAR - 30 * DAY), join_row("已通过", 5 * YEAR),
                 join_row("待审核", 2 * YEAR)]
    due_case, due_files = legal_row(3 * YEAR + 2 * DAY, 2, facts=canary * 3)
    kept_case, kept_files = legal_row(2 * YEAR, 1)
    open_case, open_files = legal_row(None, 1)
    due_signup, kept_signup = signup_row(YEAR + 10 * DAY), signup_row(100 * DAY)
    due_wish = [wish_row("已实现", YEAR + DAY), wish_row("未通过", YEAR + 2 * DAY)]
    kept_wish = [wish_row("已实现", YEAR - DAY), wish_row("已发布", 2 * YEAR),
                 wish_row("已认领", 2 * YEAR), wish_row("待审核", 2 * YEAR)]
    orphan = stray(os.path.join(UP, os.urandom(16).hex()), 2 * 3600)
    young = stray(os.path.join(UP, os.urandom(16).hex()), 60)
    other = stray(os.path.join(UP, "notes.txt"), 2 * 3600)          # not an evidence name
    old_tmp = stray(os.path.join(UP, "tmp", "upload-" + os.urandom(8).hex()), 2 * 3600)
    new_tmp = stray(os.path.join(UP, "tmp", "upload-" + os.urandom(8).hex()), 60)
    time.sleep(2.5)    # the writer checkpoints: the rows are in the database file
    p = S.zhijia("purge", "--uploads", UP)
    assert p.returncode == 0, p.stderr
    assert "未通过满 1 年的入会申请: 70 份已删除" in p.stdout, p.stdout

    assert not any(exists("join_applications", r) or events_of(r) for r in due_join)
    assert all(exists("join_applications", r) and events_of(r) == 2 for r in kept_join)
    assert not exists("legal_cases", due_case) and events_of(due_case) == 0
    assert S.value("SELECT count(*) FROM legal_files WHERE stored_name IN (?, ?)",
                   tuple(due_files)) == 0
    assert not any(os.path.exists(os.path.join(UP, n)) for n in due_files)
    for ref, names in ((kept_case, kept_files), (open_case, open_files)):
        assert exists("legal_cases", ref) and events_of(ref) == 1
        assert all(os.path.exists(os.path.join(UP, n)) for n in names)
    assert not exists("signups", due_signup) and events_of(due_signup) == 0
    assert exists("signups", kept_signup) and events_of(kept_signup) == 1
    assert not any(exists("wishes", r) or events_of(r) for r in due_wish)
    assert all(exists("wishes", r) and events_of(r) == 1 for r in kept_wish)
    assert not os.path.exists(orphan) and not os.path.exists(old_tmp)
    assert all(os.path.exists(f) for f in (young, other, new_tmp))

    audits = purge_audits()
    by = {}
    for user, target, detail in audits:
        assert user.startswith("cli:"), user
        by.setdefault(target, []).append(detail)
    assert len(by["purge.join"]) == 2, by            # 64 + 6: one entry per transaction
    assert "入会申请 64 份" in by["purge.join"][0] and "办理记录 128 条" in by["purge.join"][0]
    assert "入会申请 6 份" in by["purge.join"][1]
    assert by["purge.legal"] == ["删除办结满 3 年的法律援助案件 1 份,办理记录 1 条,证据文件 2 个"]
    assert by["purge.signup"] == ["删除活动结束满 1 年的志愿服务报名 1 份,办理记录 1 条,证据文件 0 个"]
    assert by["purge.wish"] == ["删除已实现或未通过满 1 年的微心愿 2 份,办理记录 2 条,证据文件 0 个"]
    assert by["purge.files"] == ["删除无记录的证据文件 1 个,过期的上传临时文件 1 个"]

    # nothing due any more: a second run deletes and records nothing
    p = S.zhijia("purge", "--uploads", UP)
    assert p.returncode == 0, p.stderr
    assert purge_audits() == audits

    # secure_delete: once the log is folded back, the deleted facts are
    # nowhere in the database's files (not merely unlinked from the b-tree)
    S.halt()
    con = sqlite3.connect(S.db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("", "-wal"):
        if os.path.exists(S.db + suffix):
            with open(S.db + suffix, "rb") as f:
                assert canary.encode() not in f.read(), suffix


def test_with_the_site_stopped_it_runs_on_its_own():
    # the site was halted by the test above; the database stays
    ref = join_row("未通过", YEAR + DAY)
    before = len(purge_audits())
    p = S.zhijia("purge", "--uploads", UP)
    assert p.returncode == 0, p.stderr
    assert not exists("join_applications", ref) and events_of(ref) == 0
    assert len(purge_audits()) == before + 1


def test_privacy_says_what_the_purge_does():
    with open(os.path.join(TOP, "templates/privacy.mustache"), encoding="utf-8") as f:
        t = f.read()
    for words in ["未通过的入会申请", "满 1 年", "办结满 3 年", "证据材料", "活动结束满 1 年",
                  "每天", "覆盖", "审计日志", "备份", "微心愿:已实现或未通过的"]:
        assert words in t, words


if __name__ == "__main__":
    run(globals())
