#!/usr/bin/env python3
"""t1500: the working-day clock — a new database holds the shipped 2026
arrangement (once, also after a restart, and an admin's removal stays
removed); due dates stored on arrival count official rest days and 调休
Saturdays, as the test computes them from the calendar itself; rows from
before the clock get theirs from the shipped file; every queue shows
剩余 / 已逾期 in words and filters by it; the 已首次联系 step of a legal case
and its closing target; a calendar change (a year entered late) moves the
open promises it spans, in the same step, and leaves kept ones and a
诉求's chosen date alone; the admin calendar page (add, change, remove, CSV
import) with its warning when next year's arrangement is missing, judged
against today's real date; only admins may edit it."""
import csv
import datetime
import io
import os
import re
import subprocess
import urllib.parse

from harness import (TOP, Server, error_of, new_idno, new_ref, ref_of, run, unescape)

S = None
ADMIN = CY = HD = L5 = L8 = None
SHIPPED = os.path.join(TOP, "db/calendar/cn-holidays-2026.csv")
DISTRICT = {}
PHONE = [13700000000]


class Site(Server):
    """The harness's site, able to stop and start again on the same
    directory, database and port, as an operator restarts it."""

    LOG_SCAN = None

    def __init__(self):
        import tempfile
        from harness import free_port
        self.dir = tempfile.mkdtemp(prefix="zhijia-test-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.db = os.path.join(self.dir, "zhijia.db")
        self.run = os.path.join(self.dir, "run")
        self.starts = 0
        from harness import SITES
        SITES.append(self)
        self.start()

    def start(self):
        from harness import ADMIN_PASSWORD
        e = dict(os.environ)
        e.update({"ZHIJIA_WORKERS": "2", "POST_RATE": "10000r/s", "POST_BURST": "10000",
                  "ZHIJIA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.starts += 1
        self.proc = subprocess.Popen(
            [os.path.join(TOP, "deploy/local.sh"), str(self.port), self.run, self.db],
            stdout=self.log, stderr=subprocess.STDOUT, env=e, start_new_session=True)
        self.wait_up()


def login():
    """Log everyone in (again, after a restart)."""
    global ADMIN, CY, HD, L5, L8
    ADMIN, CY, HD = S.admin(), S.staff("rev_cy"), S.staff("rev_hd")
    L5, L8 = S.staff("law_cy"), S.staff("law_hd")


def setup_module():
    global S
    S = Site()
    S.add_staff("rev_cy", "reviewer", "110105")
    S.add_staff("rev_hd", "reviewer", "110108")
    S.add_staff("law_cy", "legal", "110105")
    S.add_staff("law_hd", "legal", "110108")
    login()
    DISTRICT.update(dict(S.sql("SELECT code, id FROM districts")))


# ---- the clock, computed here from the calendar itself ----

def shipped_days():
    with open(SHIPPED, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    return {r["date"]: r["kind"] for r in csv.DictReader(rows)}


def db_days():
    return dict(S.sql("SELECT day, kind FROM calendar_days"))


def is_work(d, cal):
    k = cal.get(d.isoformat())
    return k == "班" if k else d.weekday() < 5


def add(d, n, cal):
    """The n-th working day after d."""
    while n > 0:
        d += datetime.timedelta(days=1)
        if is_work(d, cal):
            n -= 1
    return d


def count(a, b, cal):
    """Working days in (a, b]."""
    n, d = 0, a
    while d < b:
        d += datetime.timedelta(days=1)
        n += is_work(d, cal)
    return n


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()


def words(d):
    return "%d年%d月%d日" % (d.year, d.month, d.day)


def due_text(due, cal, now=None):
    """What a queue says of a promise due on due, as the test reads the rule."""
    now = now or today()
    if now == due:
        return "今天到期"
    if now < due:
        return "剩余 %d 个工作日" % count(now, due, cal)
    upto = now if is_work(now, cal) else add(now, 1, cal)
    return "已逾期 %d 个工作日" % count(due, upto, cal)


def kept_text(due, done, cal):
    """What a list says of a promise due on due and kept on done."""
    if done <= due:
        return "按期"
    return "超期 %d 个工作日" % max(count(due, done, cal), 1)


def text_of(html):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def row_of(html, ref):
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S):
        if ref in row:
            return text_of(row)
    return None


def q(s):
    return urllib.parse.quote(s)


def phone():
    PHONE[0] += 1
    return str(PHONE[0])


# ---- making submissions ----

def apply_join(district="朝阳区"):
    idn = new_idno()
    r = S.post("/join", {
        "_token": S.token("/join"), "name": "李四", "gender": "男", "id_number": idn,
        "phone": phone(), "employment": "新就业形态(平台)", "occupation": "快递员",
        "district": district, "was_member": "否", "consent_charter": "1",
        "consent_sensitive": "1"})
    return ref_of(r), r.header("Location")


def apply_legal(district="朝阳区"):
    fields = [("_token", S.token("/legal-aid")), ("website", ""), ("name", "王五"),
              ("phone", phone()), ("id_number", ""), ("district", district),
              ("employer", "某某劳务有限公司"), ("dispute_type", "拖欠工资"), ("people", "1"),
              ("amount", "3000"), ("facts", "2026 年 8 月到 10 月在仓库干活,老板一直没发工资。"), ("claims", "补发工资"),
              ("member_status", "否"), ("contact_time", ""), ("may_call", "1")]
    fields.append(("consent_sensitive", "1"))
    r = S.post_multipart("/legal-aid", fields, ())
    return ref_of(r), r.header("Location")


def insert_join(due_on, status="待审核", code="110105", decided=None,
                created="2026-03-10T02:00:00Z"):
    ref = new_ref("RH")
    S.sql_exec(
        "INSERT INTO join_applications (ref, name, gender, id_number, phone, employment,"
        " occupation, district_id, status, consent_charter, consent_sensitive, created_at,"
        " updated_at, due_on, decided_at) VALUES (?, '赵六', '男', ?, ?, '灵活就业', '快递员',"
        " ?, ?, 1, 1, ?, ?, ?, ?)",
        (ref, new_idno(area=code), phone(), DISTRICT[code], status, created, created,
         due_on, decided))
    return ref


def insert_legal(code="110105", status="待受理", contact_due=None, contacted=None,
                 close_due=None, closed=None, created="2026-03-10T02:00:00Z"):
    ref = new_ref("FY")
    S.sql_exec(
        "INSERT INTO legal_cases (ref, name, phone, id_number, district_id, employer,"
        " dispute_type, people, facts, claims, member_status, may_call, consent_sensitive,"
        " status, created_at, updated_at, contact_due_on, first_contact_at, close_due_on,"
        " closed_at) VALUES (?, '孙七', ?, '', ?, '某公司', '其他', 1, '经过', '诉求', '否', 0, 1,"
        " ?, ?, ?, ?, ?, ?, ?)",
        (ref, phone(), DISTRICT[code], status, created, created, contact_due, contacted,
         close_due, closed))
    return ref


def open_dues():
    """Every pending promise counted from arrival or acceptance: key → date."""
    return dict(S.sql(
        "SELECT 'join' || id, due_on FROM join_applications"
        " WHERE status = '待审核' AND decided_at IS NULL"
        " UNION ALL SELECT 'contact' || id, contact_due_on FROM legal_cases"
        " WHERE first_contact_at IS NULL AND closed_at IS NULL"
        " UNION ALL SELECT 'close' || id, close_due_on FROM legal_cases"
        " WHERE accepted_at IS NOT NULL AND closed_at IS NULL"
        " UNION ALL SELECT 'wish' || id, review_due_on FROM wishes WHERE status = '待审核'"))


def moved_note(before):
    """What the audit entry of a calendar change adds: how many of the
    promises pending before it moved."""
    after = open_dues()
    n = sum(1 for k, v in before.items() if after.get(k) != v)
    return ";%d 项未办结事项的期限按新安排重新计算" % n if n else ""


# ---- the shipped calendar ----

def test_a_new_database_holds_the_shipped_2026_arrangement():
    shipped = shipped_days()
    assert len(shipped) == 39
    assert db_days() == shipped
    assert S.value("SELECT count(DISTINCT source) FROM calendar_days") == 1
    page = ADMIN.get("/staff/calendar?year=2026")
    assert page.status == 200
    t = text_of(page.text)
    assert "2026 年 33 天 6 天 随程序提供(cn-holidays-2026.csv)" in t, t[:2000]
    assert row_of(page.text, 'datetime="2026-10-10"') is not None
    assert "2026年10月10日 周六 班 周末调休上班 国庆节" in t
    assert "2026年2月16日 周一 休 工作日放假 春节" in t


def test_join_due_date_counts_rest_days_and_a_make_up_saturday():
    # Two weekdays off and the coming Saturday worked, all within the next
    # 15 working days: the due date moves by one working day against the
    # weekend rule, and the test says where.
    now = today()
    sat = now + datetime.timedelta(days=(5 - now.weekday()) % 7 or 7)
    offs, d = [], now + datetime.timedelta(days=2)
    while len(offs) < 2:
        if d.weekday() < 5 and d.isoformat() not in db_days():
            offs.append(d)
        d += datetime.timedelta(days=1)
    for day, kind in [(offs[0], "休"), (offs[1], "休"), (sat, "班")]:
        r = ADMIN.post("/staff/calendar/add", {"day": day.isoformat(), "kind": kind,
                                               "holiday": "测试"})
        assert r.status == 303, r
    cal = db_days()
    assert cal[sat.isoformat()] == "班" and cal[offs[0].isoformat()] == "休"
    want = add(now, 15, cal)
    assert want != add(now, 15, {}), "the added days must move the date"
    ref, done = apply_join()
    assert S.value("SELECT due_on FROM join_applications WHERE ref = ?", (ref,)) == \
        want.isoformat()
    # The confirmation promises the same day.
    assert words(want) in S.get(done).text
    # The queue and the record say how long is left, in words.
    row = row_of(CY.get("/staff/joins").text, ref)
    assert due_text(want, cal) in row, row
    assert "剩余 %d 个工作日" % count(now, want, cal) in row
    rec = text_of(CY.get("/staff/joins/" + ref).text)
    assert "答复期限 %s" % words(want) in rec, rec
    # Once decided, the record says it was answered on time.
    r = CY.post("/staff/joins/%s/approve" % ref)
    assert r.status == 303, r
    assert S.value("SELECT decided_at IS NOT NULL FROM join_applications WHERE ref = ?",
                   (ref,)) == 1
    assert "已答复,按期" in row_of(CY.get("/staff/joins").text, ref)
    for day in offs + [sat]:
        assert ADMIN.post("/staff/calendar/remove", {"day": day.isoformat()}).status == 303
    assert db_days() == shipped_days()


def test_rows_from_before_the_clock_get_due_dates_from_the_shipped_calendar():
    # A database upgraded from before the clock: rows without due dates,
    # filled in once at the next start from the shipped 2026 calendar.
    cal = shipped_days()
    j = insert_join(None, created="2026-09-18T02:00:00Z")        # a Friday before 国庆
    c = insert_legal(created="2026-02-13T03:00:00Z")             # the Friday before 春节
    acc = insert_legal(status="已受理", created="2026-09-01T02:00:00Z")
    S.sql_exec("UPDATE legal_cases SET accepted_at = '2026-09-29T02:00:00Z' WHERE ref = ?",
               (acc,))
    S.sql_exec("DELETE FROM settings WHERE key = 'calendar.backfilled'")
    S.halt()
    S.start()
    got = S.value("SELECT due_on FROM join_applications WHERE ref = ?", (j,))
    assert got == "2026-10-15" == add(datetime.date(2026, 9, 18), 15, cal).isoformat(), got
    assert S.value("SELECT contact_due_on FROM legal_cases WHERE ref = ?", (c,)) == \
        "2026-02-27" == add(datetime.date(2026, 2, 13), 5, cal).isoformat()
    assert S.value("SELECT close_due_on FROM legal_cases WHERE ref = ?", (acc,)) == \
        add(datetime.date(2026, 9, 29), 60, cal).isoformat()
    # Started again, the shipped file is not loaded twice.
    assert S.value("SELECT count(*) FROM calendar_days") == len(cal)
    login()


def test_a_removed_shipped_day_stays_removed_after_a_restart():
    before = open_dues()
    r = ADMIN.post("/staff/calendar/remove", {"day": "2026-10-10"})
    assert r.status == 303 and "done=remove" in r.header("Location")
    assert "2026-10-10" not in db_days()
    assert S.audits("calendar.remove", "2026-10-10", "username, detail") == \
        [("admin", "班 国庆节" + moved_note(before))]
    S.halt()
    S.start()
    assert "2026-10-10" not in db_days(), "a restart must not load the shipped file again"
    assert len(db_days()) == 38
    login()
    r = ADMIN.post("/staff/calendar/add", {"day": "2026-10-10", "kind": "班", "holiday": "国庆节"})
    assert r.status == 303
    assert db_days() == shipped_days()


# ---- legal aid: first contact, closing target ----

def test_legal_first_contact_is_due_in_five_working_days_and_recorded_once():
    cal = db_days()
    now = today()
    ref, done = apply_legal()
    want = add(now, 5, cal)
    assert S.value("SELECT contact_due_on FROM legal_cases WHERE ref = ?", (ref,)) == \
        want.isoformat()
    assert words(want) in S.get(done).text
    page = text_of(L5.get("/staff/legal-aid/" + ref).text)
    assert "首次联系期限 %s(提交后 5 个工作日内)" % words(want) in page, page
    assert "尚未联系:" + due_text(want, cal) in page
    row = row_of(L5.get("/staff/legal-aid").text, ref)
    assert "首次联系:" + due_text(want, cal) in row, row

    # The wrong people: another district's officer, a reviewer.
    assert L8.post("/staff/legal-aid/%s/contact" % ref, {"way": "电话"}).status == 404
    assert CY.post("/staff/legal-aid/%s/contact" % ref, {"way": "电话"}).status == 404
    # A missing way of contact: 422, the message beside the field, nothing stored.
    r = L5.post("/staff/legal-aid/%s/contact" % ref, {"contact_note": "打了两次"})
    assert r.status == 422 and error_of(r.text, "way"), r
    assert S.value("SELECT first_contact_at FROM legal_cases WHERE ref = ?", (ref,)) is None

    r = L5.post("/staff/legal-aid/%s/contact" % ref,
                {"way": "电话", "contact_note": "约好周六面谈"})
    assert r.status == 303, r
    assert S.value("SELECT first_contact_at IS NOT NULL FROM legal_cases WHERE ref = ?",
                   (ref,)) == 1
    ev = S.sql("SELECT status, note, public FROM events WHERE ref = ? ORDER BY id", (ref,))
    assert ("已首次联系", "工作人员已通过电话与您联系", 1) in ev, ev
    assert ("内部备注", "约好周六面谈", 0) in ev, ev
    assert S.audits("legal.contact", ref, "username, detail") == \
        [("law_cy", "电话:约好周六面谈(按期)")]
    page = text_of(L5.get("/staff/legal-aid/" + ref).text)
    assert re.search(r"首次联系 已联系:\d+年\d+月\d+日 \d\d:\d\d,按期 ", page), page
    assert "记录首次联系" not in page   # the form is gone once recorded
    # The applicant sees it, never the internal note.
    status = text_of(S.status_page(ref, S.value(
        "SELECT phone FROM legal_cases WHERE ref = ?", (ref,))))
    assert "已首次联系" in status and "约好周六面谈" not in status
    # Recorded once: a second time changes nothing.
    r = L5.post("/staff/legal-aid/%s/contact" % ref, {"way": "短信"})
    assert r.status == 409 and "已经记录过首次联系" in r.text
    assert len(S.audits("legal.contact", ref)) == 1

    # Accepting sets the closing target, 60 working days from acceptance.
    r = L5.post("/staff/legal-aid/%s/accept" % ref)
    assert r.status == 303, r
    close = add(now, 60, cal)
    assert S.value("SELECT close_due_on FROM legal_cases WHERE ref = ?", (ref,)) == \
        close.isoformat()
    row = row_of(L5.get("/staff/legal-aid").text, ref)
    assert "结案:" + due_text(close, cal) in row, row
    page = text_of(L5.get("/staff/legal-aid/" + ref).text)
    assert "结案目标 %s(受理后 60 个工作日内)" % words(close) in page


def test_a_closed_case_takes_no_first_contact():
    ref = insert_legal(status="撤回", contact_due="2026-03-17", closed="2026-03-12T02:00:00Z")
    r = L5.post("/staff/legal-aid/%s/contact" % ref, {"way": "电话"})
    assert r.status == 409
    assert S.value("SELECT first_contact_at FROM legal_cases WHERE ref = ?", (ref,)) is None


# ---- the 期限 filters ----

def test_the_join_queue_filters_overdue_and_soon_in_words():
    cal = db_days()
    now = today()
    past = now - datetime.timedelta(days=9)
    while not is_work(past, cal):
        past -= datetime.timedelta(days=1)
    late = insert_join(past.isoformat())
    soon = insert_join(add(now, 2, cal).isoformat())
    later = insert_join(add(now, 10, cal).isoformat())
    answered = insert_join(past.isoformat(), status="已通过",
                           decided=(past + datetime.timedelta(days=3)).isoformat() + "T02:00:00Z")
    elsewhere = insert_join(past.isoformat(), code="110108")

    over = ADMIN.get("/staff/joins?due=overdue").text
    assert late in over and elsewhere in over
    assert soon not in over and later not in over and answered not in over
    assert due_text(past, cal) in row_of(over, late)
    assert "已逾期" in row_of(over, late)
    # A reviewer's filter stays in their district.
    mine = CY.get("/staff/joins?due=overdue").text
    assert late in mine and elsewhere not in mine
    s = CY.get("/staff/joins?due=soon").text
    assert soon in s and late not in s and later not in s
    assert "剩余 2 个工作日" in row_of(s, soon)
    assert 'value="soon" selected' in s
    # Any other status with 已逾期 matches nothing.
    assert late not in ADMIN.get("/staff/joins?due=overdue&status=" + q("已通过")).text
    # The answered one says whether it was answered on time.
    kept = count(past, past + datetime.timedelta(days=3), cal)
    assert ("已答复,超期 %d 个工作日" % kept if kept else "已答复,按期") in \
        row_of(ADMIN.get("/staff/joins?q=" + answered).text, answered)
    # The export keeps the filter, and says it in the audit log.
    r = CY.get("/staff/joins.csv?due=overdue")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["答复期限", "期限情况"]
    got = {row[0]: row[-2:] for row in rows[1:]}
    assert got.get(late) == [past.isoformat(), due_text(past, cal)], got
    assert elsewhere not in got and soon not in got
    assert "期限=已逾期" in S.audits("export", "joins", "detail")[-1][0]
    # The dashboard counts the overdue ones of the person's district.
    n = S.value("SELECT count(*) FROM join_applications WHERE status = '待审核'"
                " AND due_on < ? AND district_id = ?", (now.isoformat(), DISTRICT["110105"]))
    home = CY.get("/staff").text
    assert re.search(r'<b id="join-overdue">%d</b>' % n, home), n


def test_the_legal_queue_filters_by_the_promise_it_waits_on():
    cal = db_days()
    now = today()
    past = now - datetime.timedelta(days=12)
    while not is_work(past, cal):
        past -= datetime.timedelta(days=1)
    no_contact = insert_legal(contact_due=past.isoformat())
    close_late = insert_legal(status="已受理", contact_due=past.isoformat(),
                              contacted=past.isoformat() + "T01:00:00Z",
                              close_due=past.isoformat())
    close_later = insert_legal(status="已受理", contact_due=past.isoformat(),
                               contacted=past.isoformat() + "T01:00:00Z",
                               close_due=add(now, 20, cal).isoformat())
    closed = insert_legal(status="调解成功", contact_due=past.isoformat(),
                          contacted=past.isoformat() + "T01:00:00Z",
                          close_due=past.isoformat(),
                          closed=now.isoformat() + "T01:00:00Z")
    soon = insert_legal(contact_due=add(now, 1, cal).isoformat())
    other = insert_legal(code="110108", contact_due=past.isoformat())

    over = L5.get("/staff/legal-aid?due=overdue").text
    assert no_contact in over and close_late in over
    assert close_later not in over and closed not in over and soon not in over
    assert other not in over
    assert "首次联系:" + due_text(past, cal) in row_of(over, no_contact)
    assert "结案:" + due_text(past, cal) in row_of(over, close_late)
    s = L5.get("/staff/legal-aid?due=soon").text
    assert soon in s and no_contact not in s
    assert other in ADMIN.get("/staff/legal-aid?due=overdue").text
    all_rows = L5.get("/staff/legal-aid").text
    late = count(past, now, cal)
    assert ("已结案,超期 %d 个工作日" % late if late else "已结案,按期") in \
        row_of(all_rows, closed)
    assert "结案:剩余" in row_of(all_rows, close_later)
    r = L5.get("/staff/legal-aid.csv?due=overdue")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0][-4:] == ["首次联系期限", "首次联系时间", "结案目标", "期限情况"]
    assert {row[0] for row in rows[1:]} >= {no_contact, close_late}
    assert closed not in {row[0] for row in rows[1:]}
    n = S.value("SELECT count(*) FROM legal_cases WHERE due_on < ? AND district_id = ?",
                (now.isoformat(), DISTRICT["110105"]))
    assert re.search(r'<b id="legal-overdue">%d</b>' % n, L5.get("/staff").text)


def insert_appeal(status, due_on, replied=None, code="110105"):
    ref = new_ref("SQ")
    d = DISTRICT[code]
    S.sql_exec("INSERT INTO appeals (ref, kind, matter, content, origin_district_id,"
               " district_id, phone, status, due_on, replied_at, created_at, updated_at)"
               " VALUES (?, '求助', '其他', '插入的诉求', ?, ?, ?, ?, ?, ?, ?, ?)",
               (ref, d, d, phone(), status, due_on, replied, "2026-03-10T02:00:00Z",
                "2026-03-10T02:00:00Z"))
    return ref


def test_the_appeal_queue_counts_its_reply_due_dates_in_working_days():
    cal = db_days()
    now = today()
    past = now - datetime.timedelta(days=8)
    late = insert_appeal("已派单", past.isoformat())
    soon = insert_appeal("已派单", add(now, 1, cal).isoformat())
    later = insert_appeal("已派单", add(now, 9, cal).isoformat())
    answered = insert_appeal("已答复", past.isoformat(),
                             replied=now.isoformat() + "T01:00:00Z")
    waiting = insert_appeal("待分派", None)
    over = CY.get("/staff/appeals?due=overdue").text
    found = set(re.findall(r"/staff/appeals/(SQ[0-9A-Z]{8})", over))
    assert late in found and not {soon, later, answered, waiting} & found, found
    assert due_text(past, cal) in row_of(over, late)
    s = CY.get("/staff/appeals?due=soon").text
    found = set(re.findall(r"/staff/appeals/(SQ[0-9A-Z]{8})", s))
    assert soon in found and late not in found and later not in found
    assert due_text(add(now, 1, cal), cal) in row_of(s, soon)
    everything = CY.get("/staff/appeals").text
    assert "已答复," + kept_text(past, now, cal) in row_of(everything, answered)
    assert "剩余" not in row_of(everything, waiting) and "逾期" not in row_of(everything, waiting)
    # The dispatch form proposes the reply date 5 working days on, by the calendar.
    page = CY.get("/staff/appeals/" + waiting).text
    want = add(now, 5, cal).isoformat()
    assert re.search(r'name="due_on" value="%s"' % want, page), want
    # An appeal turned into a legal case: the case's first contact is due
    # as for one sent by the form.
    conv = insert_appeal("已派单", add(now, 2, cal).isoformat())
    r = ADMIN.post("/staff/appeals/%s/legal" % conv, {
        "name": "周师傅", "employer": "某某配送站", "dispute_type": "拖欠工资",
        "claims": "补发工资"})
    assert r.status == 303, r
    fy = S.value("SELECT legal_ref FROM appeals WHERE ref = ?", (conv,))
    assert S.value("SELECT contact_due_on FROM legal_cases WHERE ref = ?", (fy,)) == \
        add(now, 5, cal).isoformat()
    rows = list(csv.reader(io.StringIO(CY.get("/staff/appeals.csv?due=overdue")
                                       .body.decode("utf-8-sig"))))
    assert rows[0][-1] == "期限情况"
    assert {r[0]: r[-1] for r in rows[1:]}[late] == due_text(past, cal)


def test_a_wish_is_due_for_review_in_five_working_days():
    cal = db_days()
    now = today()
    r = S.post("/wish", {"category": "生活用品", "content": "想要一个电动车头盔,下雨天也安全。",
                         "district": "朝阳区", "name": "赵师傅", "phone": phone(),
                         "public_ok": "1", "_token": S.token("/wish")})
    m = re.search(r"/((?:XY)[0-9A-Z]{8})", r.header("Location") or "")
    assert r.status == 303 and m, r
    ref = m.group(1)
    want = add(now, 5, cal)
    assert S.value("SELECT review_due_on FROM wishes WHERE ref = ?", (ref,)) == want.isoformat()
    assert due_text(want, cal) in row_of(CY.get("/staff/wishes").text, ref)
    old = new_ref("XY")
    past = now - datetime.timedelta(days=10)
    S.sql_exec("INSERT INTO wishes (ref, category, content, district_id, name, phone,"
               " status, created_at, updated_at, review_due_on) VALUES (?, '其他', '旧心愿', ?,"
               " '钱师傅', ?, '待审核', ?, ?, ?)",
               (old, DISTRICT["110105"], phone(), "2026-03-10T02:00:00Z",
                "2026-03-10T02:00:00Z", past.isoformat()))
    over = CY.get("/staff/wishes?due=overdue").text
    assert old in over and ref not in over
    assert due_text(past, cal) in row_of(over, old)
    r = CY.post("/staff/wishes/%s/publish" % ref)
    assert r.status == 303, r
    assert "已审核,按期" in row_of(CY.get("/staff/wishes").text, ref)


# ---- 按期办结率 ----

def iso_week_label(d):
    y, w, _ = d.isocalendar()
    return "%d-W%02d" % (y, w)


def cells(html, table_id):
    """{(row label, column label): text} of the table with this id."""
    m = re.search(r'<table[^>]*id="%s".*?</table>' % table_id, html, re.S)
    assert m, table_id
    t = m.group(0)
    head = [text_of(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', t)]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", t, re.S):
        label = re.search(r'<th scope="row">(.*?)</th>', row)
        if not label:
            continue
        vals = [text_of(v).strip() for v in re.findall(r"<td>(.*?)</td>", row)]
        for col, v in zip(head[1:], vals):
            out[(text_of(label.group(1)).strip(), col)] = v
    return out


def test_on_time_rates_and_working_days_to_close_on_the_dashboard_and_the_report():
    # 丰台区 (110106) holds only what this test makes.
    cal = db_days()
    now = today()
    code, name = "110106", "丰台区"
    yesterday = now - datetime.timedelta(days=1)
    tomorrow = now + datetime.timedelta(days=1)
    # 入会: three decided now — two by their due day, one after it.
    joins = [insert_join(d.isoformat(), code=code) for d in (yesterday, now, tomorrow)]
    for ref in joins:
        assert ADMIN.post("/staff/joins/%s/approve" % ref).status == 303
    # 法律援助: two cases that came in 30 and 10 days ago, reached today
    # (first contact: one late, one on time), one closed today past its
    # target, one closed within it.
    c1 = insert_legal(code=code, status="调解中",
                      created=(now - datetime.timedelta(days=30)).isoformat() + "T02:00:00Z",
                      contact_due=yesterday.isoformat(), close_due=yesterday.isoformat())
    c2 = insert_legal(code=code, status="调解中",
                      created=(now - datetime.timedelta(days=10)).isoformat() + "T02:00:00Z",
                      contact_due=tomorrow.isoformat(), close_due=tomorrow.isoformat())
    for ref in (c1, c2):
        assert ADMIN.post("/staff/legal-aid/%s/contact" % ref, {"way": "电话"}).status == 303
        r = ADMIN.post("/staff/legal-aid/%s/close" % ref,
                       {"outcome": "调解成功", "recovered": "100", "close_note": ""})
        assert r.status == 303, r
    took = [count(now - datetime.timedelta(days=k), now, cal) for k in (30, 10)]
    assert [S.value("SELECT close_workdays FROM legal_cases WHERE ref = ?", (r,))
            for r in (c1, c2)] == took
    avg = "%.1f" % (sum(took) / 2)

    # The dashboard (this month), admin: 丰台区's row.
    home = ADMIN.get("/staff?period=month").text
    got = cells(home, "ontime")
    assert got[(name, "入会:按期答复")] == "66.7%(2/3)", got
    assert got[(name, "法律援助:按期首次联系")] == "50.0%(1/2)", got
    assert got[(name, "法律援助:按期结案")] == "50.0%(1/2)", got
    assert got[(name, "法律援助:平均办结工作日")] == avg, got
    assert ("合计", "入会:按期答复") in got
    # A legal officer of 朝阳区 sees neither 丰台区 nor 入会.
    mine = L5.get("/staff?period=month").text
    rows = {row for row, _ in cells(mine, "ontime")} if 'id="ontime"' in mine else set()
    assert name not in rows and "合计" not in rows, rows
    assert "入会:按期答复" not in mine and "法律援助:按期结案" in mine

    # The weekly report of this week says the same for 丰台区.
    week = iso_week_label(now)
    rep = ADMIN.get("/staff/reports/week?week=" + week).text
    j = cells(rep, "join-ontime")
    assert (j[(name, "办完(有期限)")], j[(name, "按期")], j[(name, "按期办结率")]) == \
        ("3", "2", "66.7%"), j
    lg = cells(rep, "legal-ontime")
    assert (lg[(name, "首次联系")], lg[(name, "按期联系率")], lg[(name, "结案(受理过)")],
            lg[(name, "按期结案率")], lg[(name, "平均办结工作日")]) == \
        ("2", "50.0%", "2", "50.0%", "%.2f" % (sum(took) / 2)), lg


# ---- the admin page ----

def missing_year(cal, now):
    """Which year's arrangement the page should ask for, by the rule."""
    def has(y):
        return any(d.startswith("%d-" % y) for d in cal)
    if not has(now.year):
        return now.year
    if now.month >= 11 and not has(now.year + 1):
        return now.year + 1
    return 0


def test_the_calendar_page_warns_when_next_years_arrangement_is_missing():
    now = today()
    nxt = now.year + 1
    S.sql_exec("DELETE FROM calendar_days WHERE day >= ?", ("%d-01-01" % nxt,))
    want = missing_year(db_days(), now)
    page = ADMIN.get("/staff/calendar").text
    home = ADMIN.get("/staff").text
    if want:
        assert "尚未录入 %d 年的放假安排" % want in text_of(page), text_of(page)[:800]
        assert "尚未录入 %d 年的放假安排" % want in text_of(home)
    else:
        assert 'id="calendar-missing"' not in page and 'id="calendar-missing"' not in home
    # Reviewers are not asked to enter it.
    assert 'id="calendar-missing"' not in CY.get("/staff").text
    # Next year's first day entered: the warning about next year goes.
    before = open_dues()
    r = ADMIN.post("/staff/calendar/add", {"day": "%d-01-01" % nxt, "kind": "休",
                                          "holiday": "元旦"})
    assert r.status == 303 and "year=%d" % nxt in r.header("Location")
    assert S.audits("calendar.add", "%d-01-01" % nxt, "username, detail") == \
        [("admin", "休 元旦" + moved_note(before))]
    want = missing_year(db_days(), now)
    page = ADMIN.get("/staff/calendar").text
    assert ("尚未录入 %d 年" % nxt) not in text_of(page)
    assert bool(want) == ('id="calendar-missing"' in page)
    t = text_of(ADMIN.get("/staff/calendar?year=%d" % nxt).text)
    assert "%d年1月1日" % nxt in t and "元旦" in t
    # Changing the day: the same date added again replaces it.
    before = open_dues()
    r = ADMIN.post("/staff/calendar/add", {"day": "%d-01-01" % nxt, "kind": "班",
                                          "holiday": "改了"})
    assert r.status == 303
    assert S.sql("SELECT kind, holiday FROM calendar_days WHERE day = ?",
                 ("%d-01-01" % nxt,)) == [("班", "改了")]
    assert S.audits("calendar.add", "%d-01-01" % nxt, "detail")[-1][0] == \
        "班 改了,原为 休 元旦" + moved_note(before)
    assert ADMIN.post("/staff/calendar/remove", {"day": "%d-01-01" % nxt}).status == 303
    # Removing a day that is not listed says so and changes nothing.
    r = ADMIN.post("/staff/calendar/remove", {"day": "%d-01-01" % nxt})
    assert r.status == 303 and "done=none" in r.header("Location")


def test_wrong_days_are_refused_beside_the_field():
    before = db_days()
    for day, kind, msg in [("2027-02-30", "休", "日期应为"), ("明天", "休", "日期应为"),
                           ("1999-12-31", "休", "2000 到 2099"), ("2027-05-06", "放假", None)]:
        r = ADMIN.post("/staff/calendar/add", {"day": day, "kind": kind, "holiday": "x"})
        assert r.status == 422, (day, r)
        if msg:
            assert msg in (error_of(r.text, "day") or ""), (day, error_of(r.text, "day"))
        else:
            assert error_of(r.text, "kind"), r.text
        assert 'value="%s"' % day in r.text or kind == "放假"
    r = ADMIN.post("/staff/calendar/add", {"day": "2027-05-06", "kind": "休",
                                          "holiday": "长" * 21})
    assert r.status == 422 and error_of(r.text, "holiday")
    assert ADMIN.post("/staff/calendar/remove", {"day": "not-a-day"}).status == 422
    assert db_days() == before


def post_csv(who, text, replace=False):
    fields = [("replace", "1")] if replace else []
    return who.post_multipart("/staff/calendar/import", fields,
                              [("file", "cn-holidays.csv", "text/csv", text.encode("utf-8"))])


def test_importing_a_year_in_the_shipped_format():
    y = 2031
    head = "# the %d notice\ndate,kind,holiday\n" % y
    text = head + "%d-01-01,休,元旦\n%d-02-01,班,春节\n%d-02-03,休,春节\n" % (y, y, y)
    r = post_csv(ADMIN, text)
    assert r.status == 303 and "year=%d" % y in r.header("Location"), r
    assert S.sql("SELECT day, kind, holiday, source FROM calendar_days WHERE day LIKE ?"
                 " ORDER BY day", ("%d-%%" % y,)) == [
        ("%d-01-01" % y, "休", "元旦", ""), ("%d-02-01" % y, "班", "春节", ""),
        ("%d-02-03" % y, "休", "春节", "")]
    assert S.audits("calendar.import", str(y), "detail") == [("导入 3 天(休 2 天,班 1 天)",)]
    # Again, without saying to replace: refused, nothing changed.
    r = post_csv(ADMIN, head + "%d-01-01,休,元旦\n" % y)
    assert r.status == 422 and "已经录入了 3 天" in (error_of(r.text, "replace") or "")
    assert S.value("SELECT count(*) FROM calendar_days WHERE day LIKE ?", ("%d-%%" % y,)) == 3
    # With replace: the year is the file.
    r = post_csv(ADMIN, head + "%d-01-01,休,元旦\n" % y, replace=True)
    assert r.status == 303
    assert S.value("SELECT count(*) FROM calendar_days WHERE day LIKE ?", ("%d-%%" % y,)) == 1
    # Files that are not a year's arrangement.
    for bad, msg in [("date,kind,holiday\n%d-01-01,休,元旦\n%d-01-01,休,元旦\n" % (y + 1, y + 1),
                      "第 3 行"),
                     ("%d-12-31,休,a\n%d-01-01,休,b\n" % (y + 1, y + 2), "一个年份"),
                     ("%d-01-01;休;元旦\n" % (y + 1), "第 1 行"),
                     ("", "请选择要导入的 CSV 文件")]:
        r = post_csv(ADMIN, bad) if bad else ADMIN.post_multipart(
            "/staff/calendar/import", [], [])
        assert r.status == 422, (bad, r)
        assert msg in (error_of(r.text, "file") or ""), (bad, error_of(r.text, "file"))
    assert S.value("SELECT count(*) FROM calendar_days WHERE day LIKE ?", ("%d-%%" % (y + 1),)) == 0
    # Pasted instead of a file: the same.
    r = ADMIN.post("/staff/calendar/import", {"csv": "%d-06-01,休,粘贴\n" % y, "replace": "1"})
    assert r.status == 303, r
    assert S.sql("SELECT day, holiday FROM calendar_days WHERE day LIKE ?", ("%d-%%" % y,)) == \
        [("%d-06-01" % y, "粘贴")]
    # The shipped file itself imports as it is (into a year without days).
    S.sql_exec("DELETE FROM calendar_days WHERE day LIKE '2026-%'")
    with open(SHIPPED, encoding="utf-8") as f:
        r = post_csv(ADMIN, f.read())
    assert r.status == 303
    assert db_days() == {**shipped_days(), **{d: k for d, k in db_days().items()
                                              if not d.startswith("2026-")}}


def test_a_year_entered_late_moves_the_open_promises_it_spans_and_no_other():
    # December: next year's arrangement not entered yet, so promises that
    # run into January were counted by weekends alone.  Its first weekday
    # then declared 休 (the State Council's notice, entered late): what is
    # still pending moves one working day later, in the same step; what
    # was kept, and a 诉求's date that staff chose, stay.
    nxt = today().year + 1
    S.sql_exec("DELETE FROM calendar_days WHERE day >= ?", ("%d-01-01" % nxt,))
    cal = db_days()
    d0 = datetime.date(nxt, 1, 1)
    while d0.weekday() >= 5:
        d0 += datetime.timedelta(days=1)
    arrive = datetime.date(nxt - 1, 12, 28)
    created = "%sT02:00:00Z" % arrive.isoformat()      # 10:00 in Shanghai
    due = {n: add(arrive, n, cal) for n in (5, 15, 60)}
    assert all(arrive < d0 <= d for d in due.values()), (d0, due)
    join_open = insert_join(due[15].isoformat(), created=created)
    join_done = insert_join(due[15].isoformat(), status="已通过", created=created,
                            decided="%sT03:00:00Z" % arrive.isoformat())
    legal_new = insert_legal(contact_due=due[5].isoformat(), created=created)
    legal_acc = insert_legal(status="已受理", contact_due=due[5].isoformat(),
                             contacted=created, close_due=due[60].isoformat(), created=created)
    legal_shut = insert_legal(status="撤回", contact_due=due[5].isoformat(),
                              close_due=due[60].isoformat(), closed=created, created=created)
    S.sql_exec("UPDATE legal_cases SET accepted_at = ? WHERE ref IN (?, ?)",
               (created, legal_acc, legal_shut))
    wish = new_ref("XY")
    S.sql_exec("INSERT INTO wishes (ref, category, content, district_id, name, phone,"
               " status, created_at, updated_at, review_due_on) VALUES (?, '其他', '年底的心愿',"
               " ?, '钱师傅', ?, '待审核', ?, ?, ?)",
               (wish, DISTRICT["110105"], phone(), created, created, due[5].isoformat()))
    appeal = insert_appeal("已派单", due[5].isoformat())

    def dates():
        return {
            "join_open": S.value("SELECT due_on FROM join_applications WHERE ref = ?",
                                 (join_open,)),
            "join_done": S.value("SELECT due_on FROM join_applications WHERE ref = ?",
                                 (join_done,)),
            "contact": S.value("SELECT contact_due_on FROM legal_cases WHERE ref = ?",
                               (legal_new,)),
            "close": S.value("SELECT close_due_on FROM legal_cases WHERE ref = ?",
                             (legal_acc,)),
            "shut": S.sql("SELECT contact_due_on, close_due_on FROM legal_cases"
                          " WHERE ref = ?", (legal_shut,))[0],
            "wish": S.value("SELECT review_due_on FROM wishes WHERE ref = ?", (wish,)),
            "appeal": S.value("SELECT due_on FROM appeals WHERE ref = ?", (appeal,)),
        }
    was = dates()
    before = open_dues()
    r = post_csv(ADMIN, "date,kind,holiday\n%s,休,元旦\n" % d0.isoformat())
    assert r.status == 303, r
    cal2 = db_days()

    def later(d):
        return add(d, 1, cal2).isoformat()
    now = dates()
    assert now["join_open"] == later(due[15]) == add(arrive, 15, cal2).isoformat(), now
    assert now["contact"] == later(due[5]) == add(arrive, 5, cal2).isoformat(), now
    assert now["close"] == later(due[60]) == add(arrive, 60, cal2).isoformat(), now
    assert now["wish"] == later(due[5]), now
    # kept, closed or chosen by staff: as stored
    for k in ("join_done", "shut", "appeal"):
        assert now[k] == was[k], (k, was[k], now[k])
    # the promise a case waits on follows its first contact's date
    assert S.value("SELECT due_on FROM legal_cases WHERE ref = ?", (legal_new,)) == \
        now["contact"]
    # the audit entry says how many moved
    note = moved_note(before)
    assert re.fullmatch(r";(\d+) 项.*", note) and int(note[1:note.index(" ")]) >= 4, note
    assert S.audits("calendar.import", str(nxt), "detail")[-1][0] == \
        "导入 1 天(休 1 天,班 0 天)" + note
    # staff see the new date on the record and in the queue
    rec = text_of(CY.get("/staff/joins/" + join_open).text)
    assert "答复期限 %s" % words(add(arrive, 15, cal2)) in rec, rec
    row = row_of(L5.get("/staff/legal-aid").text, legal_new)
    assert row and due_text(add(arrive, 5, cal2), cal2) in row, row
    # and taking the day out again moves them back
    before = open_dues()
    assert ADMIN.post("/staff/calendar/remove", {"day": d0.isoformat()}).status == 303
    assert dates() == was
    assert S.audits("calendar.remove", d0.isoformat(), "detail")[-1][0] == \
        "休 元旦" + moved_note(before)
    assert db_days() == cal


def test_only_admins_edit_the_calendar():
    before = db_days()
    for who in (CY, L5):
        assert who.get("/staff/calendar").status == 404
        assert who.post("/staff/calendar/add", {"day": "2027-05-06", "kind": "休"}).status == 404
        assert who.post("/staff/calendar/remove", {"day": "2026-10-01"}).status == 404
        assert post_csv(who, "2027-05-06,休,x\n").status == 404
    assert 'href="/staff/calendar"' not in CY.get("/staff").text
    assert 'href="/staff/calendar"' in ADMIN.get("/staff").text
    # An admin's POST without the CSRF token is refused.
    r = ADMIN.post("/staff/calendar/add", {"day": "2027-05-06", "kind": "休"}, csrf=False)
    assert r.status == 403
    assert db_days() == before


def status_text(ref, table):
    """What /status shows the person: the reference and its phone."""
    ph = S.value("SELECT phone FROM %s WHERE ref = ?" % table, (ref,))
    S.sql_exec("DELETE FROM lookup_counts")
    r = S.post("/status", {"_token": S.token("/status"), "ref": ref, "phone": ph})
    assert r.status == 200, r
    return text_of(r.text)


def test_status_shows_the_promised_date_until_the_promise_is_kept():
    cal = db_days()
    now = today()
    ref, _ = apply_join()
    page = status_text(ref, "join_applications")
    assert "办理期限 工会将在 %s前答复" % words(add(now, 15, cal)) in page, page
    ref, _ = apply_legal()
    page = status_text(ref, "legal_cases")
    assert "办理期限 工会将在 %s前与您首次联系" % words(add(now, 5, cal)) in page, page
    assert L5.post("/staff/legal-aid/%s/contact" % ref, {"way": "电话"}).status == 303
    page = status_text(ref, "legal_cases")
    assert "办理期限" not in page and "已首次联系" in page, page


if __name__ == "__main__":
    run(globals())
