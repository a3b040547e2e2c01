#!/usr/bin/env python3
"""t0410: the sign-up rush through the writer (issue 9).  200 people sign up
for an activity of 30 places at the same instant, through 16 workers whose
connections cannot write (every sign-up is the job "volunteer.signup",
committed in groups): exactly 30 are confirmed and 170 wait-listed, told
positions 1..170 in the order of their sign-ups, without gaps or repeats,
and the pages and /status agree.  Then 10 confirmed people cancel at once:
exactly the first 10 in line move up, each once."""
import re
import threading
import time

from harness import Server, run

S = None
AID = None
PLACES, PEOPLE = 30, 200
RESULTS = [None] * PEOPLE


def setup_module():
    global S
    S = Server(workers=16)


def add_activity(capacity):
    return S.sql_exec(
        "INSERT INTO activities (title, description, starts_at, ends_at, place,"
        " district_id, capacity, deadline, cancelled, cancel_reason, sample,"
        " created_at, updated_at) VALUES ('三十个名额的活动', '介绍。',"
        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+5 days'),"
        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+5 days', '+2 hours'),"
        " '测试地点', 1, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+4 days'),"
        " 0, '', 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))", (capacity,))


def at_once(n, send):
    """Call send(i) for i in 0..n-1 from n threads released together; the
    answers (or the exceptions) in order."""
    barrier = threading.Barrier(n, timeout=60)
    out = [None] * n

    def one(i):
        try:
            barrier.wait()
            out[i] = send(i)
        except Exception as e:  # recorded, asserted by the caller
            out[i] = e

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    for t in threads:
        t.join(max(0.1, deadline - time.time()))
    assert not any(t.is_alive() for t in threads), "requests did not finish in 120 s"
    return out


def line():
    """(ref, status) of the activity's sign-ups in the order they were made."""
    return S.sql("SELECT ref, status FROM signups WHERE activity_id = ? ORDER BY id",
                 (AID,))


def test_200_signups_for_30_places_give_30_confirmed_and_positions_1_to_170():
    global AID
    AID = add_activity(PLACES)
    token = S.token("/volunteer/%d" % AID)

    def send(i):
        r = S.post("/volunteer/%d/signup" % AID,
                   [("_token", token), ("name", "志愿者%d" % i),
                    ("phone", "1870000%04d" % i), ("consent", "1")])
        return r.status, r.header("Location")

    answers = at_once(PEOPLE, send)
    assert all(isinstance(a, tuple) and a[0] == 303 for a in answers), \
        sorted(set(map(str, answers)))
    RESULTS[:] = answers
    rows = line()
    assert len(rows) == PEOPLE
    assert sum(s == "已确认" for _, s in rows) == PLACES, rows
    assert sum(s == "候补" for _, s in rows) == PEOPLE - PLACES
    # First come, first confirmed: the confirmed are the first 30 stored.
    assert [s for _, s in rows] == ["已确认"] * PLACES + ["候补"] * (PEOPLE - PLACES)
    # Each wait-listed person was told the next place in line, in order.
    told = {}
    for ref, note in S.sql("SELECT e.ref, e.note FROM events e JOIN signups s"
                           " ON s.ref = e.ref WHERE s.activity_id = ?"
                           " AND e.status = '候补'", (AID,)):
        told[ref] = int(re.search(r"候补第 (\d+) 位", note).group(1))
    waiting = [ref for ref, s in rows if s == "候补"]
    assert [told[ref] for ref in waiting] == list(range(1, PEOPLE - PLACES + 1))


def test_the_private_pages_and_status_show_the_same_positions():
    shown = []
    for status, loc in RESULTS:
        t = S.get(loc).text
        m = re.search(r"候补第 (\d+) 位", t)
        if m:
            shown.append(int(m.group(1)))
        else:
            assert "报名成功,名额已确认" in t, t[:300]
    assert sorted(shown) == list(range(1, PEOPLE - PLACES + 1)), shown
    # /status of the last in line says 170
    last = line()[-1][0]
    phone = S.value("SELECT phone FROM signups WHERE ref = ?", (last,))
    page = S.status_page(last, phone)
    assert "正在候补" in page, page[:500]
    assert str(PEOPLE - PLACES) in page


def test_10_confirmed_cancelling_at_once_move_exactly_the_first_10_up():
    rows = line()
    first_waiting = [ref for ref, s in rows if s == "候补"][:10]
    links = {}
    for status, loc in RESULTS:
        m = re.fullmatch(r"/volunteer/signup/(ZY\w{8})\?t=([0-9a-f]{32})", loc)
        links[m.group(1)] = m.group(2)
    leaving = [ref for ref, s in rows if s == "已确认"][:10]

    def send(i):
        ref = leaving[i]
        r = S.post("/volunteer/signup/%s/cancel" % ref, [("t", links[ref])])
        return r.status

    assert at_once(10, send) == [303] * 10
    after = dict(line())
    assert all(after[ref] == "已取消" for ref in leaving)
    assert all(after[ref] == "已确认" for ref in first_waiting)
    assert sum(s == "已确认" for s in after.values()) == PLACES
    moved = S.sql("SELECT e.ref, count(*) FROM events e JOIN signups s ON s.ref = e.ref"
                  " WHERE s.activity_id = ? AND e.note = '候补转为正式' GROUP BY e.ref",
                  (AID,))
    assert sorted(moved) == sorted((ref, 1) for ref in first_waiting), moved
    # The rest of the line moved up by ten, without gaps.
    t = S.get("/volunteer/signup/%s?t=%s" % (rows[-1][0], links[rows[-1][0]])).text
    assert "候补第 %d 位" % (PEOPLE - PLACES - 10) in t, t[:500]


if __name__ == "__main__":
    run(globals())
