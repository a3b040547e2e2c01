// The staff desk on a desktop (1280×800): a staff member logs in, finds
// each submission the public scenarios made, moves it through its
// workflow, and the worker's 进度查询 shows the new state; then logout.
// Needs the state the public scenarios left (references, phones).
import assert from 'node:assert/strict';
import {
  DESKTOP, field, choose, button, submit, follow, assertAccepted, assertRefused, assertFieldError, lookup,
  SMALL_ACTIVITY,
} from './lib.mjs';

const ADMIN = { user: 'admin', password: 'admin-password-1' };
const LAWYER = { user: 'lawyer1', name: '孙律师', password: 'lawyer-initial-1', next: 'lawyer-password-2' };

// A desktop page already logged in as admin.
async function adminPage(t) {
  return t.page({ js: true, viewport: DESKTOP, storageState: t.state.adminSession });
}

// Open the desk's section by its link in the staff navigation.
async function nav(page, name) {
  await follow(page, page.getByRole('navigation', { name: '工作台' }).getByRole('link', { name, exact: true }));
}

// The notice a staff action leaves (role=status).
async function notice(page) {
  const n = page.getByRole('status');
  return (await n.count()) ? (await n.first().innerText()).trim() : '';
}

// Search a staff queue for ref and open its record.
async function findAndOpen(page, searchLabel, ref) {
  await field(page, searchLabel).fill(ref);
  await follow(page, button(page, '筛选'));
  const link = page.getByRole('link', { name: ref, exact: true });
  assert.equal(await link.count(), 1, `searching for ${ref} does not list it once`);
  await follow(page, link);
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), new RegExp(ref));
}

export const scenarios = [
  {
    name: 'staff /staff/login on a desktop: a wrong password is refused; admin logs in to 工作台',
    async run(t) {
      const page = await t.page({ js: true, viewport: DESKTOP });
      await page.goto(t.base + '/staff');
      assert.match(new URL(page.url()).pathname, /^\/staff\/login/, 'the desk does not ask to log in first');
      assert.equal(await button(page, '登录').count(), 1, 'no 登录 button');
      await t.record(page, 'staff-login', { pub: false });
      await field(page, '用户名').fill(ADMIN.user);
      await field(page, '密码').fill('not-the-password');
      let res = await submit(page, '登录');
      assert.equal(res.redirected, null, 'a wrong password logged in');
      assert.match(new URL(page.url()).pathname, /^\/staff\/login/);
      assert.ok(await page.getByRole('alert').count(), 'a wrong password shows no message');
      assert.equal(await field(page, '用户名').inputValue(), ADMIN.user, '用户名 kept');
      assert.equal(await field(page, '密码').inputValue(), '', 'the password must not be sent back');
      await t.record(page, 'staff-login-errors', { pub: false });
      await field(page, '密码').fill(ADMIN.password);
      res = await submit(page, '登录');
      assertAccepted(res, 'login');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '工作台');
      await t.record(page, 'staff-home', { pub: false });
      t.state.adminSession = await page.context().storageState();
    },
  },
  {
    name: 'staff: admin creates a 法律援助专员 account for the district of the legal-aid case',
    needs: ['adminSession', 'legal'],
    async run(t) {
      const page = await adminPage(t);
      await page.goto(t.base + '/staff');
      await nav(page, '账号');
      await t.record(page, 'staff-accounts', { pub: false });
      await follow(page, page.getByRole('link', { name: /新建账号/ }));
      await t.record(page, 'staff-accounts-new', { pub: false });
      await field(page, '用户名').fill(LAWYER.user);
      await field(page, '姓名').fill(LAWYER.name);
      await field(page, '角色').selectOption({ label: '法律援助专员' });
      await field(page, '所在区县').selectOption({ label: t.state.legal.district });
      await field(page, '初始密码').fill(LAWYER.password);
      const res = await submit(page, '创建账号');
      assertAccepted(res, 'new account');
      assert.match(await page.locator('main').innerText(), new RegExp(`${LAWYER.user}[^\\n]*已创建|已创建[^\\n]*${LAWYER.user}`),
        'no notice that the account was created');
      t.state.lawyer = LAWYER;
    },
  },
  {
    name: 'staff: 入会审核 finds each application by its reference; one approved, one refused with a reason; /status shows both',
    needs: ['adminSession', 'join', 'join2'],
    async run(t) {
      const page = await adminPage(t);
      await page.goto(t.base + '/staff');
      await nav(page, '入会审核');
      await t.record(page, 'staff-joins', { pub: false });
      // The list masks ID numbers.
      assert.doesNotMatch(await page.locator('main').innerText(), /11010519900307123/,
        'the list shows a full ID number');
      await findAndOpen(page, '搜索', t.state.join.ref);
      await t.record(page, 'staff-join-record', { pub: false });
      let res = await submit(page, '通过,分配会员编号');
      assertAccepted(res, 'approve');
      const text = await page.locator('main').innerText();
      assert.match(text, /已通过/, 'the record does not show 已通过');
      const no = text.match(/会员编号\s*([0-9A-Z-]+)/);
      assert.ok(no, 'no 会员编号 on the approved record');
      // Refuse the other, first without a reason (refused), then with one.
      await page.goto(t.base + '/staff/joins');
      await findAndOpen(page, '搜索', t.state.join2.ref);
      res = await submit(page, '不通过');
      assertRefused(res, 'a refusal without a reason');
      await assertFieldError(page, field(page, '未通过原因'), '未通过原因');
      assert.match(await page.locator('main').innerText(), /待审核/, 'a refused refusal changed the status');
      await t.record(page, 'staff-join-reject-errors', { pub: false });
      await field(page, '未通过原因').fill('身份证照片不清楚,请到驿站现场办理');
      res = await submit(page, '不通过');
      assertAccepted(res, 'reject');
      assert.match(await page.locator('main').innerText(), /未通过/);

      // What the workers see.
      const worker = await t.page({ js: true });
      let r = await lookup(worker, t, t.state.join.ref, t.state.join.phone);
      assert.match(r.text, /已通过/, `the approved worker's /status: ${r.text.slice(0, 300)}`);
      assert.match(r.text, new RegExp(no[1]), 'the member number is not shown to the worker');
      r = await lookup(worker, t, t.state.join2.ref, t.state.join2.phone);
      assert.match(r.text, /未通过/, 'the refused worker does not see 未通过');
      assert.match(r.text, /身份证照片不清楚/, 'the refused worker does not see the reason');
      await t.record(worker, 'status-refused');
    },
  },
  {
    name: 'staff: a legal-aid case with its evidence is accepted, assigned, mediated and closed; /status follows',
    needs: ['adminSession', 'legal', 'lawyer'],
    async run(t) {
      const page = await adminPage(t);
      const worker = await t.page({ js: true });
      const { ref, phone } = t.state.legal;
      const seen = async (re, what) => {
        const r = await lookup(worker, t, ref, phone);
        assert.match(r.text, re, `/status after ${what}: ${r.text.slice(0, 300)}`);
      };
      await page.goto(t.base + '/staff');
      await nav(page, '法律援助');
      await t.record(page, 'staff-legal', { pub: false });
      await findAndOpen(page, '编号、姓名或手机号', ref);
      assert.equal(await page.getByRole('link', { name: /gongzitiao\.png/ }).count(), 1,
        'the evidence file is not listed on the case');
      await t.record(page, 'staff-legal-case', { pub: false });
      let res = await submit(page, '受理');
      assertAccepted(res, 'accept');
      await seen(/已受理/, '受理');
      const options = await field(page, '负责人').locator('option').allInnerTexts();
      const mine = options.find((o) => o.includes(LAWYER.name));
      assert.ok(mine, `the new 法律援助专员 is not among the assignees: ${options.join(' / ')}`);
      await field(page, '负责人').selectOption({ label: mine });
      await field(page, '律师或调解员姓名').fill('周律师');
      res = await submit(page, '指派');
      assertAccepted(res, 'assign');
      assert.match(await page.locator('main').innerText(), /已指派/);
      res = await submit(page, '开始调解');
      assertAccepted(res, 'mediate');
      await seen(/调解中/, '开始调解');
      // Closing with a wrong amount is refused, then done right.
      await choose(page, '办结结果', '调解成功');
      await field(page, '追回金额(元)').fill('12000.505');
      res = await submit(page, '结案');
      assertRefused(res, 'close with a three-decimal amount');
      await t.record(page, 'staff-legal-close-errors', { pub: false });
      await choose(page, '办结结果', '调解成功');
      await field(page, '追回金额(元)').fill('12000.50');
      await field(page, '给申请人的说明').fill('经调解,公司同意在一周内支付全部欠薪。');
      res = await submit(page, '结案');
      assertAccepted(res, 'close');
      const text = await page.locator('main').innerText();
      assert.match(text, /调解成功/);
      assert.match(text, /12,?000\.50/, 'the recovered amount is not shown');
      await t.record(page, 'staff-legal-closed', { pub: false });
      await seen(/调解成功/, '结案');
    },
  },
  {
    name: 'staff: the volunteer roster lists the confirmed and the wait-listed sign-ups',
    needs: ['adminSession', 'waiting'],
    async run(t) {
      const page = await adminPage(t);
      await page.goto(t.base + '/staff');
      await nav(page, '志愿服务');
      await t.record(page, 'staff-volunteer', { pub: false });
      await follow(page, page.getByRole('link', { name: new RegExp(SMALL_ACTIVITY) }).first());
      const text = await page.locator('main').innerText();
      assert.match(text, /3 \/ 3 已确认,1 人候补/, `the roster's counts: ${text.slice(0, 400)}`);
      for (const p of t.state.waiting) assert.match(text, new RegExp(p.ref), `${p.name} (${p.ref}) is not on the roster`);
      await t.record(page, 'staff-volunteer-roster', { pub: false });
    },
  },
  {
    name: 'staff: the new 法律援助专员 must change the initial password, then sees the case',
    needs: ['lawyer', 'legal'],
    async run(t) {
      const page = await t.page({ js: true, viewport: DESKTOP });
      await page.goto(t.base + '/staff/login');
      await field(page, '用户名').fill(LAWYER.user);
      await field(page, '密码').fill(LAWYER.password);
      let res = await submit(page, '登录');
      assertAccepted(res, 'the lawyer logs in');
      assert.match(new URL(page.url()).pathname, /^\/staff\/password/, 'an initial password is not changed first');
      await t.record(page, 'staff-password', { pub: false });
      await field(page, '当前密码').fill(LAWYER.password);
      await field(page, '新密码').fill(LAWYER.next);
      await field(page, '再次输入新密码').fill(LAWYER.next);
      res = await submit(page, '保存新密码');
      assertAccepted(res, 'password change');
      await page.goto(t.base + '/staff/legal-aid');
      assert.equal(await page.getByRole('link', { name: t.state.legal.ref, exact: true }).count(), 1,
        'the lawyer does not see the case of the district');
    },
  },
  {
    // A session of its own: the one the other scenarios share stays valid
    // for those after this (feedback.mjs, actions.mjs).
    name: 'staff: 退出 logs out; the desk asks to log in again',
    async run(t) {
      const page = await t.page({ js: true, viewport: DESKTOP });
      await page.goto(t.base + '/staff/login');
      await field(page, '用户名').fill(ADMIN.user);
      await field(page, '密码').fill(ADMIN.password);
      assertAccepted(await submit(page, '登录'), 'login');
      const res = await submit(page, '退出');
      assert.ok(res.redirected && res.redirected.status === 303, `logout answered ${JSON.stringify(res)}`);
      await page.goto(t.base + '/staff');
      assert.match(new URL(page.url()).pathname, /^\/staff\/login/, 'still logged in after 退出');
    },
  },
];

export const expectedPages = [
  'staff-login', 'staff-login-errors', 'staff-home', 'staff-accounts', 'staff-accounts-new',
  'staff-joins', 'staff-join-record', 'staff-join-reject-errors', 'status-refused', 'staff-legal',
  'staff-legal-case', 'staff-legal-close-errors', 'staff-legal-closed', 'staff-volunteer',
  'staff-volunteer-roster', 'staff-password',
];
