#!/usr/bin/env python3
"""t0630: a login storm does not starve the public forms (issue 10 §3).

- While every scrypt slot is taken, a login answers 429 "请稍后再试" at once,
  without hashing and without counting a failure.
- 40 parallel wrong logins (40 names, 40 addresses: no throttle applies,
  only the slots) while a phone loads /join: /join's p99 stays under
  100 ms, or — on a machine busy with other work — within a generous
  bound of the same run's p99 without the storm; most of the storm is
  answered 429 without hashing.  (The issue asks for this measure; the
  comparison with the same run keeps it honest on a shared machine.)"""
import fcntl
import glob
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from harness import Server, run

S = None
SLOTS = 1


def setup_module():
    global S
    S = Server(workers=4, env={"ZHIJIA_SCRYPT_SLOTS": str(SLOTS)})


def slot_files():
    return sorted(glob.glob(os.path.join(S.dir, "uploads/tmp/scrypt-slot-*")))


def test_with_every_slot_taken_a_login_is_told_to_come_back_without_hashing():
    assert S.login("nobody_at_all", "wrong-password-1").status == 422
    files = slot_files()
    assert len(files) == SLOTS, files
    held = [open(f, "r+") for f in files]
    try:
        for f in held:
            fcntl.flock(f, fcntl.LOCK_EX)
        t0 = time.time()
        r = S.login("admin", "wrong-password-2")
        took = time.time() - t0
        assert r.status == 429 and "请稍后再试" in r.text, r
        assert took < 2, took
    finally:
        for f in held:
            f.close()
    assert S.sql("SELECT count(*) FROM audit WHERE action = 'login.failed'"
                 " AND username = 'admin'") == [(0,)]
    assert S.login("admin", "wrong-password-3").status == 422


def join_p99(seconds, stop=None):
    """/join load times (a phone: one request after another) for seconds."""
    times = []
    end = time.time() + seconds
    while time.time() < end and not (stop and stop.is_set()):
        t0 = time.time()
        r = S.get("/join")
        times.append(time.time() - t0)
        assert r.status == 200, r
        time.sleep(0.01)
    times.sort()
    return times[min(len(times) - 1, int(len(times) * 0.99))], len(times)


def test_forty_parallel_logins_leave_join_fast():
    S.sql_exec("DELETE FROM login_failures")
    join_p99(0.5)                                   # warm
    quiet, n_quiet = join_p99(3)

    def storm(i):
        return S.login("storm_%d" % i, "wrong-password-%d" % i,
                       headers={"X-Forwarded-For": "198.18.%d.%d" % (i // 200, i % 200 + 1)})

    answers = []
    stop = threading.Event()

    def run_storm():
        with ThreadPoolExecutor(40) as pool:
            answers.extend(pool.map(storm, range(40)))
        stop.set()

    t = threading.Thread(target=run_storm)
    t.start()
    busy, n_busy = join_p99(10, stop)
    t.join()
    codes = [a.status for a in answers]
    print("# /join p99 %.1f ms quiet (%d), %.1f ms in the storm (%d); logins %s"
          % (quiet * 1000, n_quiet, busy * 1000, n_busy,
             {c: codes.count(c) for c in set(codes)}))
    assert set(codes) <= {422, 429}, codes
    assert codes.count(429) >= 20, codes            # turned away without hashing
    assert n_busy >= 5
    assert busy < 0.100 or busy < 3 * quiet + 0.100, (busy, quiet)
    S.sql_exec("DELETE FROM login_failures")


run(globals())
