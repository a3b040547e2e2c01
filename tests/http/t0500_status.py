#!/usr/bin/env python3
"""t0500: 进度查询 — reference + phone show the kind, the status in plain
words and a dated history; a refusal shows the reason; a wrong pair answers
the same 未找到 whatever was wrong; lookups are rate-limited per address."""
import re

from harness import Server, idno, ref_of, run

S = None


def setup_module():
    global S
    S = Server(workers=2)


def apply(id17, gender, phone):
    r = S.post("/join", {
        "_token": S.token("/join"), "name": "赵六", "gender": gender, "id_number": idno(id17),
        "phone": phone, "employment": "灵活就业", "occupation": "货车司机",
        "district": "海淀区", "was_member": "否", "consent_charter": "1",
        "consent_sensitive": "1"})
    return ref_of(r)


def not_found_part(html):
    m = re.search(r'<div class="summary" role="alert"><h2>未找到</h2>.*?</div>', html, re.S)
    return m.group(0) if m else None


def test_the_form_has_labelled_fields():
    t = S.get("/status").text
    assert ">编号" in t and ">手机号" in t
    assert 'action="/status"' in t


def test_a_pending_application_shows_plain_words_and_history():
    ref = apply("11010819950505123", "男", "13811112222")
    r = S.lookup(ref, "13811112222")
    assert r.status == 200, r
    t = r.text
    assert "网上入会" in t and ref in t
    assert "正在审核" in t
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT[\d:]{8}Z\">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d</time> 已提交", t), t
    # forgiving: lower case and spaces in the reference
    r = S.lookup(" " + ref.lower() + " ", "13811112222")
    assert "正在审核" in r.text


def test_a_refusal_shows_the_reason_and_invites_a_new_application():
    ref = apply("11010819960606124", "女", "13811113333")
    S.sql_exec("UPDATE join_applications SET status = '未通过', reason = '不在本区县工作' WHERE ref = ?",
               (ref,))
    S.sql_exec("INSERT INTO events (ref, status, note, created_at) VALUES "
               "(?, '未通过', '不在本区县工作', '2026-11-20T02:00:00Z')", (ref,))
    t = S.lookup(ref, "13811113333").text
    assert "入会申请未通过" in t and "不在本区县工作" in t and 'href="/join"' in t
    assert "2026年11月20日 10:00" in t       # shown in Shanghai time


def test_staff_only_notes_are_not_shown():
    ref = apply("11010819970707125", "男", "13811114444")
    S.sql_exec("INSERT INTO events (ref, status, note, public, created_at) VALUES "
               "(?, '待审核', '内部备注:电话未接通', 0, '2026-11-21T02:00:00Z')", (ref,))
    t = S.lookup(ref, "13811114444").text
    assert "内部备注" not in t


def test_a_wrong_pair_answers_the_same_whatever_was_wrong():
    ref = apply("11010819980808126", "女", "13811115555")
    answers = [
        S.lookup(ref, "13811115556"),            # right number, wrong phone
        S.lookup("RH22222222", "13811115555"),   # a number that does not exist
        S.lookup("FY" + ref[2:], "13811115555"), # right letters, wrong kind
        S.lookup("hello", "13811115555"),        # not a number at all
        S.lookup(ref, "1381111555"),             # phone of the wrong length
    ]
    parts = [not_found_part(a.text) for a in answers]
    assert all(a.status == 200 for a in answers), answers
    assert parts[0] is not None and all(p == parts[0] for p in parts), parts
    for a in answers:
        assert "正在审核" not in a.text and "赵六" not in a.text


def test_lookups_are_rate_limited_per_address():
    S.sql_exec("DELETE FROM lookup_counts")
    tok = S.token("/status")
    statuses = [S.lookup("RH22222222", "13800000000", tok).status for _ in range(25)]
    assert statuses[:20] == [200] * 20, statuses
    assert statuses[-1] == 429, statuses
    r = S.lookup("RH22222222", "13800000000", tok)
    assert "过于频繁" in r.text
    S.sql_exec("DELETE FROM lookup_counts")


def test_lookups_are_refused_when_their_count_cannot_be_written():
    # The count is a job in the writer; when it fails the lookup fails
    # closed (issue 10 §8): the clear 503, never an unthrottled answer.
    S.sql_exec("DELETE FROM lookup_counts")
    for when in ("INSERT", "UPDATE"):
        S.sql_exec("CREATE TRIGGER no_count_%s BEFORE %s ON lookup_counts"
                   " BEGIN SELECT RAISE(ABORT, 'test: no room'); END" % (when, when))
    try:
        tok = S.token("/status")
        for _ in range(3):
            r = S.lookup("RH22222222", "13800000000", tok)
            assert r.status == 503, r
            assert "暂时无法查询" in r.text and "未找到" not in r.text, r.text[:800]
    finally:
        for when in ("INSERT", "UPDATE"):
            S.sql_exec("DROP TRIGGER no_count_%s" % when)
    r = S.lookup("RH22222222", "13800000000", S.token("/status"))
    assert r.status == 200, r
    S.sql_exec("DELETE FROM lookup_counts")


def test_empty_fields_get_messages():
    r = S.post("/status", {"_token": S.token("/status"), "ref": "", "phone": ""})
    assert r.status == 422
    assert "请填写编号" in r.text and "请填写手机号" in r.text


if __name__ == "__main__":
    run(globals())
