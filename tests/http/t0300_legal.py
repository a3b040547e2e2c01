#!/usr/bin/env python3
"""t0300: 法律援助 as a worker and the union see it — the form at /legal-aid
with evidence files, what a wrong answer looks like (422, input kept, a
message beside the field, nothing stored), files judged by their content and
kept out of reach of the web, the bot guards, and the confirmation page.

Fields are found by their visible label, as a person finds them."""
import hashlib
import hmac
import os
import re
import time

from harness import PDF, PNG, TOP, Server, error_of, form_value, ref_of, run, unescape

S = None
LABELS = {}          # visible label -> form field name, read from the form

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"

VALID_ID = "11010519491231002X"   # GB 11643 example, check digit X


def setup_module():
    global S
    S = Server(workers=2)
    html = S.get("/legal-aid").text
    for name, label in re.findall(r'<label for="f-([a-z_]+)">([^<]+)', html):
        LABELS[unescape(label).strip()] = name
    for name, legend in re.findall(
            r'<fieldset[^>]*id="f-([a-z_]+)"[^>]*>\s*<legend>([^<]+)', html):
        LABELS[unescape(legend).strip()] = name


def good():
    """A complete, valid application, by label."""
    return {
        "姓名": "王建国",
        "手机号": "13812345678",
        "身份证号": VALID_ID,
        "所在区县": "朝阳区",
        "用人单位": "某某建筑劳务有限公司",
        "纠纷类型": "拖欠工资",
        "涉及人数": "12",
        "涉及金额(元)": "12345.67",
        "事实经过": "2024 年 3 月到 10 月在工地干活,老板一直没发工资,说年底一起结,现在找不到人。",
        "诉求": "补发拖欠的工资",
        "是否工会会员": "否",
        "方便联系时间": "工作日晚上 7 点以后",
        "可以联系": "1",
        "同意处理身份证号等敏感个人信息": "1",
    }


def submit(values, files=(), tok=None, extra=()):
    """POST the form as a browser does (multipart), fields named by label."""
    fields = [("_token", S.token("/legal-aid") if tok is None else tok), ("website", "")]
    for label, value in values.items():
        if value is not None:
            fields.append((LABELS[label], value))
    fields.extend(extra)
    return S.post_multipart("/legal-aid", fields, files)


def uploads():
    return os.path.join(S.dir, "uploads")


def stored_files():
    d = uploads()
    return sorted(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n)))


def temp_files():
    return os.listdir(os.path.join(uploads(), "tmp"))


def counts():
    return (S.sql("SELECT count(*) FROM legal_cases")[0][0],
            S.sql("SELECT count(*) FROM legal_files")[0][0],
            S.sql("SELECT count(*) FROM events WHERE ref LIKE 'FY%'")[0][0],
            len(stored_files()), len(temp_files()))


def label_error(html, label):
    """The message shown beside the field with this label, or None."""
    return error_of(html, LABELS[label])


def assert_refused(r, before, label=None, message=None):
    assert r.status == 422, r
    html = r.text
    if label:
        err = label_error(html, label)
        assert err is not None, (label, html[:3000])
        assert message in err, (message, err)
        # and in the summary at the top, linking to the field
        assert 'href="#f-%s"' % LABELS[label] in html
    assert counts() == before, (counts(), before)


def test_form_shows_every_label_and_takes_files():
    r = S.get("/legal-aid")
    assert r.status == 200, r
    t = r.text
    for label in ["姓名", "手机号", "身份证号", "所在区县", "用人单位", "纠纷类型", "涉及人数",
                  "涉及金额(元)", "事实经过", "诉求", "证据材料", "是否工会会员", "方便联系时间",
                  "可以联系", "同意处理身份证号等敏感个人信息"]:
        assert label in LABELS, (label, sorted(LABELS))
    assert 'enctype="multipart/form-data"' in t
    assert re.search(r'<input type="file" id="f-evidence" name="evidence" multiple', t)
    assert 'href="/privacy"' in t
    assert form_value(t, LABELS["涉及人数"]) == "1"
    for d in ["拖欠工资", "解除劳动合同/经济补偿", "工伤", "社会保险", "加班/休息休假",
              "未签劳动合同", "其他"]:
        assert "<option>%s</option>" % d in t, d
    for m in ["是", "否", "正在申请"]:
        assert 'value="%s"' % m in t, m
    assert "5 个工作日" in t
    assert "不方便接电话" in t  # the hint of 可以联系


def test_valid_application_with_two_files_is_stored():
    before = counts()
    r = submit(good(), [("evidence", "工资条.png", "image/png", PNG),
                        ("evidence", "劳动合同.pdf", "application/pdf", PDF)])
    assert r.status == 303, r
    loc = r.header("Location")
    m = re.fullmatch(r"/legal-aid/done/(FY[2-9A-HJKMNP-Z]{8})", loc or "")
    assert m, loc
    ref = m.group(1)
    done = S.get(loc)
    assert done.status == 200, done
    assert ref in done.text
    assert "5 个工作日" in done.text and "原件" in done.text

    rows = S.sql("SELECT c.id, c.name, c.phone, c.id_number, d.name, c.employer,"
                 " c.dispute_type, c.people, c.amount_fen, c.member_status,"
                 " c.contact_time, c.may_call, c.consent_sensitive, c.status"
                 " FROM legal_cases c JOIN districts d ON d.id = c.district_id"
                 " WHERE c.ref = ?", (ref,))
    assert len(rows) == 1, rows
    cid = rows[0][0]
    assert rows[0][1:] == ("王建国", "13812345678", VALID_ID, "朝阳区", "某某建筑劳务有限公司",
                           "拖欠工资", 12, 1234567, "否", "工作日晚上 7 点以后", 1, 1,
                           "待受理"), rows
    assert S.sql("SELECT status FROM events WHERE ref = ?", (ref,)) == [("已提交",)]

    files = S.sql("SELECT stored_name, orig_name, mime, size FROM legal_files"
                  " WHERE case_id = ? ORDER BY id", (cid,))
    assert [f[1:] for f in files] == [("工资条.png", "image/png", len(PNG)),
                                      ("劳动合同.pdf", "application/pdf", len(PDF))], files
    for (stored, _, _, _), data in zip(files, [PNG, PDF]):
        assert re.fullmatch(r"[0-9a-f]{32}", stored), stored  # random, not the name
        path = os.path.join(uploads(), stored)
        with open(path, "rb") as f:
            assert f.read() == data
        assert os.stat(path).st_mode & 0o777 == 0o600
    static = set()
    for _, _, names in os.walk(os.path.join(TOP, "static")):
        static.update(names)
    assert not static & {f[0] for f in files}
    c = counts()
    assert c[:4] == (before[0] + 1, before[1] + 2, before[2] + 1, before[3] + 2), (before, c)
    assert temp_files() == []


def test_evidence_is_not_reachable_over_http():
    names = [n for (n,) in S.sql("SELECT stored_name FROM legal_files")]
    assert names, "needs the stored application above"
    for n in names:
        for p in ["/uploads/" + n, "/static/../db/uploads/" + n, "/static/../uploads/" + n,
                  "/static/%2e%2e/db/uploads/" + n, "/db/uploads/" + n,
                  "/legal-aid/uploads/" + n, "/legal-aid/done/" + n]:
            r = S.get(p)
            assert r.status != 200, (p, r)
            assert PNG not in r.body and PDF[:20] not in r.body, p


def test_minimal_application_without_files_or_optional_fields():
    v = good()
    for label in ["身份证号", "涉及金额(元)", "方便联系时间", "可以联系"]:
        v[label] = None
    v["涉及人数"] = "1"
    before = counts()
    # A browser sends an empty file input as a part with filename="".
    r = submit(v, [("evidence", "", "application/octet-stream", b"")])
    assert r.status == 303, r
    ref = ref_of(r)
    row = S.sql("SELECT id_number, amount_fen, contact_time, may_call, people"
                " FROM legal_cases WHERE ref = ?", (ref,))
    assert row == [("", None, "", 0, 1)], row
    assert counts()[1] == before[1] and counts()[3] == before[3]


def test_jpeg_lower_case_x_and_zero_amount_are_accepted():
    v = good()
    v["身份证号"] = VALID_ID.lower()
    v["涉及金额(元)"] = "0"
    r = submit(v, [("evidence", "IMG_0001.JPG", "image/jpeg", JPEG)])
    assert r.status == 303, r
    ref = ref_of(r)
    assert S.sql("SELECT id_number, amount_fen FROM legal_cases WHERE ref = ?",
                 (ref,)) == [(VALID_ID, 0)]
    assert S.sql("SELECT f.mime FROM legal_files f JOIN legal_cases c ON c.id = f.case_id"
                 " WHERE c.ref = ?", (ref,)) == [("image/jpeg",)]


WRONG = [
    # label, value, part of the message shown beside it
    ("姓名", "", "请填写姓名"),
    ("姓名", "张" * 51, "姓名最多 50 个字"),
    ("手机号", "", "请填写手机号"),
    ("手机号", "1381234567", "手机号应为 11 位数字"),
    ("手机号", "12812345678", "手机号应为 11 位数字"),
    ("身份证号", VALID_ID[:17] + "1", "校验位不正确"),
    ("身份证号", "11010519491231002", "身份证号应为 18 位"),
    ("所在区县", "", "请选择所在区县"),
    ("所在区县", "火星区", "请从列表中选择所在区县"),
    ("用人单位", "", "请填写用人单位"),
    ("用人单位", "公" * 101, "用人单位最多 100 个字"),
    ("纠纷类型", "打架", "请从列表中选择纠纷类型"),
    ("纠纷类型", "", "请选择纠纷类型"),
    ("涉及人数", "0", "涉及人数须在 1 到 10000 之间"),
    ("涉及人数", "10001", "涉及人数须在 1 到 10000 之间"),
    ("涉及人数", "三", "涉及人数须为整数"),
    ("涉及金额(元)", "100.123", "最多保留两位小数"),
    ("涉及金额(元)", "100000000.01", "须在 0 到 100000000 元之间"),
    ("涉及金额(元)", "-5", "请填写金额数字"),
    ("事实经过", "老板不发工资", "事实经过至少 10 个字"),
    ("事实经过", "欠" * 5001, "事实经过最多 5000 个字"),
    ("诉求", "", "请填写诉求"),
    ("诉求", "钱", "诉求至少 2 个字"),
    ("是否工会会员", "", "请选择是否工会会员"),
    ("是否工会会员", "也许", "请从列表中选择是否工会会员"),
    ("方便联系时间", "晚" * 101, "方便联系时间最多 100 个字"),
    ("同意处理身份证号等敏感个人信息", None, "请勾选“同意处理身份证号等敏感个人信息”"),
]


def test_each_wrong_answer_is_422_with_input_kept_and_nothing_stored():
    for label, value, message in WRONG:
        v = good()
        v[label] = value
        before = counts()
        r = submit(v)
        try:
            assert_refused(r, before, label, message)
        except AssertionError as e:
            raise AssertionError("%s=%r: %s" % (label, (value or "")[:20], e))
        t = r.text
        # the rest of what was typed is still there
        assert form_value(t, LABELS["手机号"]) == v["手机号"] or label == "手机号"
        assert form_value(t, LABELS["用人单位"]) == v["用人单位"] or label == "用人单位"
        assert v["事实经过"] in t or label == "事实经过"
        # and the wrong text value itself, so it can be corrected
        if label in ("姓名", "手机号", "身份证号", "涉及人数", "涉及金额(元)") and value:
            assert form_value(t, LABELS[label]) == value, label
        assert "<option selected>拖欠工资</option>" in t or label == "纠纷类型"
        assert re.search(r'value="否" checked', t) or label == "是否工会会员"


def test_several_wrong_answers_are_all_listed_at_the_top():
    v = good()
    v["手机号"] = "123"
    v["涉及人数"] = "0"
    before = counts()
    r = submit(v)
    assert_refused(r, before)
    assert "有 2 处需要修改" in r.text
    assert label_error(r.text, "手机号") and label_error(r.text, "涉及人数")


def test_a_file_that_lies_about_its_type_is_refused_and_nothing_kept():
    for lie in [("证据.pdf", "application/pdf", b"<html><script>alert(1)</script></html>"),
                ("x.php", "image/png", b"<?php system($_GET['c']); ?>"),
                ("photo.jpg", "image/jpeg", b"GIF89a\x01\x00\x01\x00")]:
        before = counts()
        r = submit(good(), [("evidence", "工资条.png", "image/png", PNG),
                            ("evidence",) + lie])
        assert_refused(r, before, "证据材料", "“%s”不是 JPEG、PNG 图片或 PDF 文件" % lie[0])
        assert "工资条.png" not in label_error(r.text, "证据材料")
        assert "重新选择" in r.text  # the files must be chosen again
        assert temp_files() == []


def test_a_six_megabyte_file_is_refused_with_the_5mb_message():
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (6 * 1024 * 1024)
    before = counts()
    r = submit(good(), [("evidence", "PDF", "application/pdf", PDF),
                        ("evidence", "大照片.png", "image/png", big)])
    assert_refused(r, before, "证据材料", "每个文件不超过 5MB")
    assert "大照片.png" in label_error(r.text, "证据材料")
    assert "重新选择" in r.text
    assert temp_files() == []


def test_more_than_five_files_are_refused():
    files = [("evidence", "%d.png" % i, "image/png", PNG) for i in range(6)]
    before = counts()
    r = submit(good(), files)
    assert_refused(r, before, "证据材料", "最多上传 5 个文件")
    assert temp_files() == []
    # five are fine
    r = submit(good(), files[:5])
    assert r.status == 303, r
    assert counts()[1] == before[1] + 5


def test_files_are_not_kept_when_another_field_is_wrong():
    v = good()
    v["手机号"] = "123"
    before = counts()
    r = submit(v, [("evidence", "工资条.png", "image/png", PNG)])
    assert_refused(r, before, "手机号", "手机号应为 11 位数字")
    assert label_error(r.text, "证据材料") is None
    assert 'id="files-again"' in r.text and "重新选择" in r.text
    assert temp_files() == []


def test_the_same_page_sent_again_gets_the_same_reference_and_no_second_case():
    """After an error page the person sends the same page again: one case,
    one set of evidence files, the same reference."""
    tok = S.token("/legal-aid")
    r1 = submit(good(), [("evidence", "a.png", "image/png", PNG)], tok=tok)
    assert r1.status == 303, r1
    before = counts()
    r2 = submit(good(), [("evidence", "a.png", "image/png", PNG)], tok=tok)
    assert r2.status == 303 and r2.header("Location") == r1.header("Location"), r2
    assert counts() == before
    # the same page with other facts is another case
    other = dict(good(), **{"事实经过": "另一件事:公司拖欠了三个月的加班费,一直没有结算。"})
    assert submit(other, tok=tok).status == 303
    assert counts()[0] == before[0] + 1


def test_forged_wrong_form_and_expired_tokens_show_the_form_again():
    secret = S.sql("SELECT value FROM settings WHERE key = 'form_secret'")[0][0]

    def signed(form, t):
        nonce = os.urandom(8).hex()
        mac = hmac.new(secret, ("form|%s|%d|%s" % (form, t, nonce)).encode(), hashlib.sha256)
        return "%d.%s.%s" % (t, nonce, mac.hexdigest()[:32])

    now = int(time.time())
    assert submit(good(), tok=signed("legal", now)).status == 303  # the recipe is right
    for tok in ["", "garbage", "%d.%s.%s" % (now, "0" * 16, "0" * 32), signed("join", now),
                signed("legal", now - 25 * 3600)]:
        before = counts()
        r = submit(good(), [("evidence", "a.png", "image/png", PNG)], tok=tok)
        assert_refused(r, before)
        assert "页面已过期或来源无法确认" in r.text, tok
        assert form_value(r.text, LABELS["姓名"]) == "王建国"  # input kept
        assert form_value(r.text, "_token") not in ("", None, tok)  # a fresh one
        assert "重新选择" in r.text
        assert temp_files() == []


def test_a_filled_honeypot_stores_nothing():
    before = counts()
    fields = [("_token", S.token("/legal-aid")), ("website", "http://spam.example/")]
    fields += [(LABELS[k], v) for k, v in good().items()]
    r = S.post_multipart("/legal-aid", fields, [("evidence", "a.png", "image/png", PNG)])
    assert_refused(r, before)
    assert "请不要填写隐藏的“网址”一栏" in r.text


def test_script_and_sql_text_are_escaped_then_stored_verbatim():
    v = good()
    v["姓名"] = "<script>alert(1)</script>"
    v["用人单位"] = "' OR 1=1 --"
    v["事实经过"] = "老板说\"明天\"就发,结果 </textarea><script>alert(2)</script> 还没发工资"
    v["手机号"] = "1"  # wrong, so the form comes back
    before = counts()
    r = submit(v)
    assert_refused(r, before, "手机号", "手机号")
    t = r.text
    assert "<script>alert" not in t and "</textarea><script>" not in t
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in t
    assert "&#39; OR 1=1 --" in t
    assert form_value(t, LABELS["姓名"]) == v["姓名"]
    v["手机号"] = "13812345678"
    r = submit(v)
    assert r.status == 303, r
    ref = ref_of(r)
    assert S.sql("SELECT name, employer, facts FROM legal_cases WHERE ref = ?", (ref,)) == \
        [(v["姓名"], v["用人单位"], v["事实经过"])]
    assert S.sql("SELECT count(*) FROM legal_cases")[0][0] == before[0] + 1


def test_a_file_name_with_markup_is_shown_escaped():
    before = counts()
    r = submit(good(), [("evidence", "<img src=x onerror=alert(1)>.pdf", "application/pdf",
                         b"not a pdf")])
    assert_refused(r, before, "证据材料", "不是 JPEG、PNG 图片或 PDF 文件")
    assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;.pdf" in r.text


def test_a_write_failing_after_the_files_were_moved_leaves_nothing():
    # The last write of the transaction fails: the evidence already moved
    # into uploads/ must go again with the rolled-back rows.
    S.sql_exec("CREATE TRIGGER t0300_fail BEFORE INSERT ON events WHEN NEW.ref LIKE 'FY%'"
               " BEGIN SELECT RAISE(ABORT, 't0300'); END")
    try:
        before = counts()
        r = submit(good(), [("evidence", "a.png", "image/png", PNG),
                            ("evidence", "b.pdf", "application/pdf", PDF)])
        assert r.status == 500, r
        assert counts() == before, (counts(), before)
    finally:
        S.sql_exec("DROP TRIGGER t0300_fail")
    assert submit(good()).status == 303


def test_a_busy_database_answers_503_and_stores_nothing():
    import sqlite3
    before = counts()
    tok = S.token("/legal-aid")
    con = sqlite3.connect(S.db, timeout=10, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        r = submit(good(), [("evidence", "a.png", "image/png", PNG)], tok=tok)
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert r.status == 503, r
    assert "暂时无法提交" in r.text
    assert counts() == before, (counts(), before)


def test_done_page_needs_a_well_formed_reference():
    for p in ["/legal-aid/done/RH23456789", "/legal-aid/done/FY1234", "/legal-aid/done/FY0OIL2345"]:
        assert S.get(p).status == 404, p


def test_a_form_over_its_limits_is_413_naming_the_file_limit():
    before = counts()
    # One text field over 64 KiB: the core refuses the body.
    r = submit(good(), [("evidence", "a.png", "image/png", PNG)],
               extra=[("claims", "事" * 30000)])
    assert r.status == 413, r
    assert "提交的内容过大" in r.text and "每个文件不超过 5MB" in r.text, r.text
    assert counts() == before


def test_nothing_is_left_in_the_temp_directory():
    assert temp_files() == []
    stored = set(stored_files())
    recorded = {n for (n,) in S.sql("SELECT stored_name FROM legal_files")}
    assert stored == recorded, (stored - recorded, recorded - stored)


if __name__ == "__main__":
    run(globals())
