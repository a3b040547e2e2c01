/*
 * t_outbox.c - the outbox's rules without a server (outbox.c): what a
 * template may hold, rendering, the ID-number guard, SMS segments, quiet
 * hours, opt-out words and numbers, and outbox_put's decisions — who may
 * be texted (诉求 only with 方便联系, never an opted-out phone), once-only
 * kinds, a text that would carry an ID number stored masked as 失败.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "outbox.h"
#include "staff.h"
#include "store.h"
#include "writer.h"
#include "tap.h"
#include "util.h"
#include "valid.h"

static char dir[] = "/tmp/t_outbox.XXXXXX";

static long long
count(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_templates(struct arena *a)
{
	const struct msg_kind *k = msg_kind(MSG_JOIN_APPROVED);
	const struct msg_kind *act = msg_kind(MSG_ACTIVITY_REMIND);
	ok(k && act && msg_kind("nope") == NULL && msg_kind(NULL) == NULL, "kinds by name");
	for (size_t i = 0; i < nmsg_kinds; i++) {
		const char *why = msg_template_check(a, &msg_kinds[i], msg_kinds[i].body);
		ok(why == NULL, "the default text of %s passes its own check%s%s",
		    msg_kinds[i].kind, why ? ": " : "", why ? why : "");
		size_t c, s;
		sms_count(msg_kinds[i].body, &c, &s);
		ok(s <= 2, "the default text of %s is at most 2 SMS (%zu characters)",
		    msg_kinds[i].kind, c);
	}
	ok(msg_template_check(a, k, "编号{{ref}}已通过") == NULL, "{{ref}} offered");
	ok(msg_template_check(a, k, "{{title}}") != NULL, "{{title}} not offered to a join");
	ok(msg_template_check(a, act, "{{title}}{{place}}{{date}}{{time}}{{ref}}") == NULL,
	    "an activity's variables");
	ok(msg_template_check(a, k, "{{name}}") != NULL, "no name");
	ok(msg_template_check(a, k, "{{id_number}}") != NULL, "no ID number variable");
	ok(msg_template_check(a, k, "{{#ref}}x{{/ref}}") != NULL, "no sections");
	ok(msg_template_check(a, k, "{{{ref}}}") != NULL, "no triple braces");
	ok(msg_template_check(a, k, "{{>x}}") != NULL, "no partials");
	ok(msg_template_check(a, k, "{{ ref }}") != NULL, "no spaces inside");
	ok(msg_template_check(a, k, "{{ref") != NULL, "unclosed");
	ok(msg_template_check(a, k, "ref}}") != NULL, "a stray }}");
	ok(msg_template_check(a, k, "") != NULL && msg_template_check(a, k, " \n") != NULL,
	    "empty");
	ok(msg_template_check(a, k, "身份证110105199001011234") != NULL, "an ID number typed in");
	char big[MSG_BODY_MAX * 3 + 8] = "";
	for (int i = 0; i <= MSG_BODY_MAX; i++)
		strcat(big, "字");
	ok(msg_template_check(a, k, big) != NULL, "longer than %d characters", MSG_BODY_MAX);
	ok(msg_template_check(a, k, "a\x01b") != NULL, "control characters");

	const char *vars[] = {"ref", "RH23456789", "title", "{{ref}}", NULL};
	ok(strcmp(msg_render(a, "编号{{ref}}。", vars), "编号RH23456789。") == 0, "render");
	ok(strcmp(msg_render(a, "{{title}}|{{place}}", vars), "{{ref}}|") == 0,
	    "a value is not rendered again; a missing one is empty");
	ok(strcmp(msg_render(a, "<&>'\"", vars), "<&>'\"") == 0, "nothing escaped");
}

static void
test_guards(void)
{
	ok(msg_has_idno("110105199001011234"), "18 digits");
	ok(msg_has_idno("身份证:11010519900101123X。"), "17 digits and X");
	ok(msg_has_idno("a11010519900101123xb"), "…and x");
	ok(!msg_has_idno("1101051990010112345"), "19 digits is no ID number");
	ok(!msg_has_idno("13800138000 RH23456789 2026-12-01"), "phones, references, dates");
	ok(!msg_has_idno("110105199001011X23"), "X in the middle");

	size_t c, s;
	sms_count("", &c, &s);
	ok(c == 0 && s == 0, "empty: no segment");
	char t[1024] = "";
	for (int i = 0; i < 70; i++)
		strcat(t, "字");
	sms_count(t, &c, &s);
	ok(c == 70 && s == 1, "70 characters: 1 segment");
	strcat(t, "a");
	sms_count(t, &c, &s);
	ok(c == 71 && s == 2, "71: 2 segments");
	for (int i = 71; i < 134; i++)
		strcat(t, "b");
	sms_count(t, &c, &s);
	ok(c == 134 && s == 2, "134: 2 segments of 67");
	strcat(t, "c");
	sms_count(t, &c, &s);
	ok(c == 135 && s == 3, "135: 3");

	int f, to;
	ok(outbox_quiet_parse("21:00-08:00", &f, &to) == 0 && f == 1260 && to == 480, "parse");
	ok(outbox_quiet_parse("24:00-08:00", &f, &to) != 0 && outbox_quiet_parse("9:00-08:00",
	    &f, &to) != 0 && outbox_quiet_parse("21:00-08:00x", &f, &to) != 0 &&
	    outbox_quiet_parse(NULL, &f, &to) != 0, "refuse what is not HH:MM-HH:MM");
	ok(outbox_quiet_at(1260, 480, 1300) && outbox_quiet_at(1260, 480, 0) &&
	    outbox_quiet_at(1260, 480, 479) && !outbox_quiet_at(1260, 480, 480) &&
	    !outbox_quiet_at(1260, 480, 720) && outbox_quiet_at(1260, 480, 1260),
	    "21:00–08:00 over midnight");
	ok(outbox_quiet_at(720, 780, 750) && !outbox_quiet_at(720, 780, 780) &&
	    !outbox_quiet_at(720, 780, 719), "12:00–13:00 within a day");
	ok(!outbox_quiet_at(0, 0, 0) && !outbox_quiet_at(600, 600, 600), "equal ends: none");

	char p[16];
	ok(outbox_optout_phone("+86 138 0013 8000", p) && strcmp(p, "13800138000") == 0,
	    "+86 with spaces");
	ok(outbox_optout_phone("8613800138000", p) && strcmp(p, "13800138000") == 0, "86…");
	ok(outbox_optout_phone("138-0013-8000", p) && strcmp(p, "13800138000") == 0, "dashes");
	ok(!outbox_optout_phone("10086", p) && !outbox_optout_phone("1380013800a", p) &&
	    !outbox_optout_phone("12800138000", p), "not mobile numbers");
	ok(outbox_optout_word("TD") && outbox_optout_word(" td\r\n") &&
	    outbox_optout_word("退订") && outbox_optout_word("Stop"), "opt-out words");
	ok(!outbox_optout_word("谢谢") && !outbox_optout_word("TD一下") &&
	    !outbox_optout_word(""), "other replies");
	char m[16];
	mask_phone("13800138000", m);
	ok(strcmp(m, "138****8000") == 0, "a phone masked as 138****8000");
}

static void
test_put(struct db *db)
{
	const struct actor sys = {0, "", "test"};
	const char *vars[] = {"ref", "SQ23456789", NULL};
	sqlite3_exec(db_handle(db),
	    "INSERT INTO appeals (ref, kind, matter, content, origin_district_id, district_id,"
	    " phone, may_contact, created_at, updated_at) VALUES"
	    " ('SQ23456789', '求助', '其他', '内容', 1, 1, '13800000001', 0, '', ''),"
	    " ('SQ23456788', '求助', '其他', '内容', 1, 1, '13800000002', 1, '', '');"
	    "INSERT INTO outbox_optouts (phone, source, created_at) VALUES"
	    " ('13800000009', 'cli', '')", NULL, NULL, NULL);
	ok(outbox_put(db, &sys, "no.such", "RH23456789", "13800000003", vars) ==
	    SQLITE_MISUSE, "an unknown kind is a bug the caller's job fails on");
	ok(outbox_put(db, &sys, MSG_APPEAL_ANSWERED, "SQ23456789", "13800000001", vars) ==
	    SQLITE_DONE && count(db, "SELECT count(*) FROM outbox WHERE ref = 'SQ23456789'") == 0,
	    "a 诉求 without 方便联系: nothing queued, SQLITE_DONE");
	const char *v2[] = {"ref", "SQ23456788", NULL};
	ok(outbox_put(db, &sys, MSG_APPEAL_ANSWERED, "SQ23456788", "13800000002", v2) ==
	    SQLITE_DONE && count(db, "SELECT count(*) FROM outbox WHERE ref = 'SQ23456788'"
	    " AND state = '待发送' AND body LIKE '%SQ23456788%'") == 1,
	    "a 诉求 with 方便联系: queued with its reference");
	ok(outbox_put(db, &sys, MSG_JOIN_APPROVED, "RH23456789", "13800000009", vars) ==
	    SQLITE_DONE && count(db, "SELECT count(*) FROM outbox WHERE phone = '13800000009'")
	    == 0, "an opted-out phone: nothing queued");
	ok(outbox_put(db, &sys, MSG_JOIN_APPROVED, "RH23456789", "12345", vars) == SQLITE_DONE &&
	    count(db, "SELECT count(*) FROM outbox WHERE phone = '12345'") == 0,
	    "no mobile number: nothing queued");
	for (int i = 0; i < 2; i++)
		outbox_put_activity(db, &sys, MSG_ACTIVITY_REMIND, "ZY23456789", "13800000004",
		    "义诊", "2026-12-01T02:00:00Z", "驿站");
	ok(count(db, "SELECT count(*) FROM outbox WHERE ref = 'ZY23456789'") == 1,
	    "a once-only kind: one message per reference");
	ok(count(db, "SELECT count(*) FROM outbox WHERE ref = 'ZY23456789'"
	    " AND body LIKE '%12月1日%10:00%驿站%'") == 1, "date and time in Beijing");
	outbox_put_activity(db, &sys, MSG_ACTIVITY_CANCELLED, "ZY23456787", "13800000005",
	    "核验110105199001011234活动", "2026-12-01T02:00:00Z", "驿站");
	ok(count(db, "SELECT count(*) FROM outbox WHERE ref = 'ZY23456787' AND state = '失败'"
	    " AND body LIKE '%110***********1234%' AND body NOT LIKE '%19900101%'"
	    " AND last_error LIKE '%身份证号%'") == 1,
	    "a text holding an ID number: stored masked as 失败");
}

/* A feedback link is sent whole and then forgotten: staff never see the
 * token, and once the SMS command said 0 the stored text loses it. */
static void
test_links(struct db *db, struct arena *a)
{
	const struct actor sys = {0, "", "test"};
	(void)a;
	const char *vars[] = {"ref", "FY23456789", "service", "法律援助",
	    "link", "https://x.org/feedback/SECRETtoken123", NULL};
	ok(outbox_put(db, &sys, MSG_FEEDBACK, "FY23456789", "13800000006", vars) ==
	    SQLITE_DONE && outbox_put(db, &sys, MSG_FEEDBACK, "FY23456789", "13800000006",
	    vars) == SQLITE_DONE && count(db, "SELECT count(*) FROM outbox WHERE"
	    " kind = 'feedback' AND body LIKE '%SECRETtoken123%'") == 2,
	    "feedback: the link whole in the text to send; the 回访 decides how often");
	long long id = count(db, "SELECT min(id) FROM outbox WHERE kind = 'feedback'");
	struct job in, out;
	job_init(&in, "outbox.result");
	job_put_int(&in, "id", id);
	job_put_int(&in, "ok", 1);
	job_put_actor(&in, &sys);
	ok(job_run(db, &in, &out) == SQLITE_DONE, "the result job");
	ok(count(db, "SELECT count(*) FROM outbox WHERE kind = 'feedback'"
	    " AND state = '已发送' AND body NOT LIKE '%SECRET%' AND body LIKE '%/feedback/…(仅本人可用)%'")
	    == 1, "sent: the token is no longer kept");
	ok(count(db, "SELECT count(*) FROM outbox WHERE kind = 'feedback'"
	    " AND state = '待发送' AND body LIKE '%SECRETtoken123%'") == 1,
	    "the one not sent yet keeps it");
}

int
main(void)
{
	char err[512], path[64];
	job_types(app_jobs);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/o.db", dir);
	struct arena *a = arena_new();
	test_templates(a);
	test_guards();
	struct db *db = db_open(path, err, sizeof(err));
	ok(db && db_migrate(db, "db/migrations", err, sizeof(err)) > 0, "migrated%s%s",
	    db ? "" : ": ", db ? "" : err);
	if (db) {
		test_put(db);
		test_links(db, a);
		db_close(db);
	}
	arena_free(a);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
