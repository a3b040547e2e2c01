// 回访 (issue 12): the worker whose application the staff scenarios
// approved opens the feedback link they were texted, on a phone, and
// answers by label — first leaving the questions blank (each group gets
// its message), then rightly; the link is spent after.  On the desk, the
// follow-up shows the answer.
//
// Plugs into run.mjs like public.mjs and staff.mjs:
//   feedbackSide = await import('./feedback.mjs');
//   scenarios: [...publicSide.scenarios, ...staffSide.scenarios, ...feedbackSide.scenarios]
//   expected:  [..., ...feedbackSide.expectedPages]
// and the scenario's t needs the site's database path, `db: site.db`, to
// read the text the outbox would hand the union's SMS platform (the link
// is in no page: only its hash is stored).  Needs state.join (the approved
// application's reference) and state.adminSession from the earlier ones.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  DESKTOP, group, field, choose, submit, follow, assertAccepted, assertRefused,
  assertFieldError, assertSummary,
} from './lib.mjs';

// The feedback link texted about ref, as the outbox holds the message.
export function textedLink(db, ref) {
  const r = spawnSync('sqlite3', [db,
    "SELECT body FROM outbox WHERE kind = 'feedback' AND ref = '" + ref.replace(/[^A-Z0-9]/g, '') + "'"],
  { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  const m = r.stdout.match(/\/feedback\/([A-Za-z0-9_-]{43})/);
  assert.ok(m, `no feedback link texted about ${ref}: ${r.stdout.slice(0, 300)}`);
  return '/feedback/' + m[1];
}

const QUESTIONS = [
  ['总体评价', '基本满意'],
  ['办理是否及时', '是'],
  ['工作人员态度', '好'],
  ['结果是否解决问题', '部分解决'],
];

export const scenarios = [
  {
    name: 'feedback: a worker answers the 回访 link on a phone by label; the link then no longer opens',
    needs: ['join'],
    async run(t) {
      assert.ok(t.db, 'run.mjs must give scenarios the database path (t.db)');
      const ref = typeof t.state.join === 'string' ? t.state.join : t.state.join.ref;
      const link = textedLink(t.db, ref);
      const page = await t.page({ js: true });
      await page.goto(t.base + link);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '服务评价');
      const main = await page.locator('main').innerText();
      assert.match(main, /入会申请/, 'the service is named');
      assert.match(main, /\d{4}年\d{1,2}月\d{1,2}日/, 'the date is shown');
      assert.doesNotMatch(main, new RegExp(ref), 'the reference is not shown');
      await t.record(page, 'feedback-form');

      // Sent blank: a message by each question, the summary on top.
      let res = await submit(page, '提交评价');
      assertRefused(res, 'feedback without answers');
      await assertSummary(page, 4);
      for (const [q] of QUESTIONS)
        await assertFieldError(page, group(page, q), q, null, { isGroup: true });
      await t.record(page, 'feedback-errors');

      for (const [q, a] of QUESTIONS) await choose(page, q, a);
      await field(page, '意见').fill('办得不错,希望再快一点。');
      res = await submit(page, '提交评价');
      assertAccepted(res, 'feedback');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '感谢您的评价');
      await t.record(page, 'feedback-thanks');

      const again = await page.goto(t.base + link);
      assert.equal(again.status(), 404, 'a used link opens again');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '此链接已无法使用');
      await t.record(page, 'feedback-gone');
    },
  },
  {
    name: 'feedback: the desk shows the answer on the follow-up, by 回访 in the staff navigation',
    needs: ['join', 'adminSession'],
    async run(t) {
      const ref = typeof t.state.join === 'string' ? t.state.join : t.state.join.ref;
      const page = await t.page({ js: true, viewport: DESKTOP, storageState: t.state.adminSession });
      await page.goto(t.base + '/staff');
      await follow(page, page.getByRole('navigation', { name: '工作台' })
        .getByRole('link', { name: '回访', exact: true }));
      await field(page, '搜索').fill(ref);
      await follow(page, page.getByRole('button', { name: '筛选', exact: true }));
      await t.record(page, 'staff-followups', { pub: false });
      await follow(page, page.getByRole('row').filter({ hasText: ref }).getByRole('link', { name: '查看' }));
      const text = await page.locator('main').innerText();
      assert.match(text, /已回访/);
      assert.match(text, /基本满意/);
      await t.record(page, 'staff-followup', { pub: false });
    },
  },
];

export const expectedPages = [
  'feedback-form', 'feedback-errors', 'feedback-thanks', 'feedback-gone',
  'staff-followups', 'staff-followup',
];
