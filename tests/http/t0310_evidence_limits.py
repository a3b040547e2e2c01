#!/usr/bin/env python3
"""t0310: strangers cannot fill the disk (issue 10 §5).  Evidence files are
refused — the form again (422, text kept), the reason beside the file field,
nothing stored, no file left behind — when one address has sent its bytes of
the day, when the total evidence quota is reached (with a warning in the log
as it nears), and when the uploads folder has less free space than its
floor (on a small tmpfs); a request without files still goes through each
time.  Limits are set as an operator sets them, in the environment.

Reuses t0300's form helpers (by label) and t0900's small disk."""
import os
import signal
import threading
import time

import t0300_legal as legal
from harness import Server, form_value, run
from t0900_faults import Site, fill, next_person, remove_disk, small_disk
from t0900_faults import submit as submit_join

MB = 1024 * 1024
PART = 400 * 1024     # one evidence file of these tests, in bytes


def png(size=PART):
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8)


def use(site):
    """Point t0300's helpers at site (its setup reads the form's labels)."""
    legal.Server = lambda **kw: site
    legal.setup_module()
    legal.uploads = lambda: os.path.join(os.path.dirname(site.db), "uploads")


def evidence(n=1, size=PART):
    return [("evidence", "工资条%d.png" % i, "image/png", png(size)) for i in range(n)]


def assert_files_refused(r, before, message):
    """422 with message beside 证据材料, the text kept, nothing stored."""
    legal.assert_refused(r, before, "证据材料", message)
    assert form_value(r.text, legal.LABELS["姓名"]) == "王建国"
    assert legal.good()["事实经过"] in r.text
    assert legal.temp_files() == []


def test_an_address_over_its_daily_bytes_is_refused_files_but_not_text():
    site = Server(workers=2, env={"ZHIJIA_EVIDENCE_DAILY_MB": "1"})
    try:
        use(site)
        for _ in range(2):
            r = legal.submit(legal.good(), evidence())
            assert r.status == 303, r
        assert site.sql("SELECT addr, bytes FROM upload_bytes") == [("127.0.0.1", 2 * PART)]
        before = legal.counts()
        r = legal.submit(legal.good(), evidence())
        assert_files_refused(r, before, "今天从您的网络上传的文件已达上限(每天 1 MB)")
        # the refused files were not counted
        assert site.value("SELECT bytes FROM upload_bytes") == 2 * PART
        # without files the same person is heard
        r = legal.submit(legal.good())
        assert r.status == 303, r
        # yesterday's bytes do not count today, and are pruned as today starts
        site.sql_exec("UPDATE upload_bytes SET day = day - 1")
        r = legal.submit(legal.good(), evidence())
        assert r.status == 303, r
        assert site.value("SELECT count(*) FROM upload_bytes") == 1
        assert site.value("SELECT bytes FROM upload_bytes") == PART
    finally:
        site.stop()


def test_the_total_quota_warns_as_it_nears_then_refuses_files_but_not_text():
    site = Server(workers=2, env={"ZHIJIA_EVIDENCE_QUOTA_MB": "1"})
    try:
        use(site)
        size = 430 * 1024
        for _ in range(2):                 # 860 KB of 1 MB: 83 %
            r = legal.submit(legal.good(), evidence(size=size))
            assert r.status == 303, r
        log = site.logtext(None)
        assert "evidence files use 83% of their quota" in log, log[-2000:]
        before = legal.counts()
        r = legal.submit(legal.good(), evidence(size=size))
        assert_files_refused(r, before, "证据材料的存储空间已满")
        assert "evidence quota full" in site.logtext(None)
        r = legal.submit(legal.good())
        assert r.status == 303, r
        # the total is kept by the database itself, deletions included
        total = site.value("SELECT bytes FROM evidence_total")
        assert total == site.value("SELECT sum(size) FROM legal_files") == 2 * size
        site.sql_exec("DELETE FROM legal_files WHERE id = (SELECT min(id) FROM legal_files)")
        assert site.value("SELECT bytes FROM evidence_total") == size
        r = legal.submit(legal.good(), evidence(size=size))
        assert r.status == 303, r
    finally:
        site.stop()


def test_below_the_free_space_floor_files_are_refused_text_forms_still_work():
    mnt = small_disk()
    if mnt is None:
        return
    site = None
    filler = os.path.join(mnt, "filler")
    try:
        site = Site(workers=2, db=os.path.join(mnt, "zhijia.db"),
                    env={"ZHIJIA_UPLOADS_FLOOR_MB": "8"})
        use(site)
        r = legal.submit(legal.good(), evidence())
        assert r.status == 303, r
        free = fill(filler, 6 * MB)
        assert free < 8 * MB, free
        before = legal.counts()
        r = legal.submit(legal.good(), evidence())
        assert_files_refused(r, before, "服务器存储空间暂时不足,现在无法接收文件")
        assert "uploads refused" in site.logtext(None)
        # text-only forms still work
        r = legal.submit(legal.good())
        assert r.status == 303, r
        j = submit_join(site, next_person(site.token("/join")))
        assert j.status == 303, (j.status, j.text[:300])
        # room again: files are taken again
        os.unlink(filler)
        r = legal.submit(legal.good(), evidence())
        assert r.status == 303, r
    finally:
        if site:
            site.stop()
        remove_disk(mnt)


def test_files_stay_when_the_writer_dies_with_the_case_in_hand():
    # The job may have been committed: its files must not be removed (the
    # person is told it may have been saved and sends it again).
    site = Server(workers=1)
    try:
        use(site)
        r = legal.submit(legal.good(), evidence())   # the worker meets the writer
        assert r.status == 303, r
        writer = site.writer_pid()
        files = legal.stored_files()
        os.kill(writer, signal.SIGSTOP)
        answer = []
        t = threading.Thread(target=lambda: answer.append(
            legal.submit(legal.good(), evidence())), daemon=True)
        t.start()
        time.sleep(0.5)          # the job is on its way to the stopped writer
        os.kill(writer, signal.SIGKILL)     # a stopped process dies too
        t.join(30)
        assert answer and answer[0].status == 503, answer
        assert "可能已经保存" in answer[0].text, answer[0].text[:800]
        assert len(legal.stored_files()) == len(files) + 1
        assert site.value("SELECT count(*) FROM legal_files") == 1
    finally:
        site.stop()


if __name__ == "__main__":
    run(globals())
