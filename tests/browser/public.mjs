// The public side, as a worker on a phone uses it: 网上入会, 法律援助,
// 志愿服务 (sign-up, wait-list, cancel), 进度查询, and the pages around
// them.  Fields are found only by their visible labels.
import assert from 'node:assert/strict';
import {
  field, group, choose, button, submit, follow, assertAccepted, assertRefused,
  assertFieldError, assertFieldOk, assertSummary, idno, oneOff, tinyPng, shownRef, lookup,
  SMALL_ACTIVITY,
} from './lib.mjs';

// The people who fill the forms (ID numbers are valid, born 1990/1988).
const ZHANG = { name: '张伟', gender: '男', id: idno('11010519900307123'), phone: '13800138001' };
const MA = { name: '马丽·艾力', gender: '女', id: idno('65010219880808002'), phone: '13900139002' };
const LI = { name: '李强', phone: '13700137003' };

async function fillJoin(page, p) {
  await field(page, '姓名').fill(p.name);
  await choose(page, '性别', p.gender);
  await field(page, '身份证号').fill(p.id);
  await field(page, '手机号').fill(p.phone);
  await field(page, '民族').selectOption({ label: '汉族' });
  await field(page, '学历').selectOption({ label: '初中' });
  await choose(page, '就业形态', '新就业形态(平台)');
  await field(page, '职业').selectOption({ label: '网约送餐员' });
  await field(page, '工作单位').fill('某外卖平台');
  await field(page, '所在区县').selectOption({ index: 1 });
  await field(page, '居住地址').fill('朝阳区某街道 3 号楼');
  await choose(page, '曾是工会会员', '否');
}

// 网上入会: wrong, then right.  opts.js false: the same with JavaScript off.
async function joinFlow(t, { js, who, record }) {
  const page = await t.page({ js });
  const rec = (name) => (record ? t.record(page, name) : null);
  await page.goto(t.base + '/');
  if (record) await rec('home');
  await follow(page, page.getByRole('link', { name: /网上入会/ }));
  assert.match(new URL(page.url()).pathname, /^\/join$/);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '网上入会');
  if (record) await rec('join');

  // Wrongly: a one-digit-off ID number, a 10-digit phone, no consent.
  await fillJoin(page, { ...who, id: oneOff(who.id), phone: who.phone.slice(0, 10) });
  await field(page, '同意遵守《中国工会章程》').check();
  let res = await submit(page, '提交入会申请');
  assertRefused(res, 'join with wrong input');
  await assertSummary(page, 3);
  await assertFieldError(page, field(page, '身份证号'), '身份证号', /校验/);
  await assertFieldError(page, field(page, '手机号'), '手机号');
  await assertFieldError(page, field(page, '同意处理身份证号等敏感个人信息'), '同意处理身份证号等敏感个人信息');
  await assertFieldOk(field(page, '姓名'), '姓名');
  // Everything typed is still there.
  assert.equal(await field(page, '姓名').inputValue(), who.name);
  assert.equal(await field(page, '身份证号').inputValue(), oneOff(who.id));
  assert.equal(await field(page, '手机号').inputValue(), who.phone.slice(0, 10));
  assert.equal(await group(page, '性别').getByLabel(who.gender, { exact: true }).isChecked(), true, '性别 kept');
  assert.equal(await group(page, '就业形态').getByLabel('新就业形态(平台)', { exact: true }).isChecked(), true,
    '就业形态 kept');
  assert.equal(await field(page, '职业').inputValue(), '网约送餐员', '职业 kept');
  assert.equal(await field(page, '民族').inputValue(), '汉族', '民族 kept');
  assert.notEqual(await field(page, '所在区县').inputValue(), '', '所在区县 kept');
  assert.equal(await field(page, '工作单位').inputValue(), '某外卖平台', '工作单位 kept');
  assert.equal(await field(page, '同意遵守《中国工会章程》').isChecked(), true, 'the charter box kept');
  if (record) await rec('join-errors');

  // Rightly.
  await field(page, '身份证号').fill(who.id);
  await field(page, '手机号').fill(who.phone);
  await field(page, '同意处理身份证号等敏感个人信息').check();
  res = await submit(page, '提交入会申请');
  assertAccepted(res, 'join');
  const ref = await shownRef(page, 'RH');
  assert.match(await page.locator('main').innerText(), /15 个工作日/, 'the promised answer time');
  if (record) await rec('join-done');
  return ref;
}

async function legalFlow(t, { js, who, record }) {
  const page = await t.page({ js });
  const rec = (name) => (record ? t.record(page, name) : null);
  await page.goto(t.base + '/');
  await follow(page, page.getByRole('link', { name: /法律援助/ }));
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '法律援助');
  assert.equal(await field(page, '涉及人数').inputValue(), '1', '涉及人数 defaults to 1');
  if (record) await rec('legal-aid');

  const png = { name: 'gongzitiao.png', mimeType: 'image/png', buffer: tinyPng() };
  const facts = '2024 年 3 月起在某物流公司做快递员,公司拖欠三个月工资共 12000.50 元,多次催要未果。';
  // Wrongly: no 用人单位, an amount with three decimals, 事实经过 too short.
  await field(page, '姓名').fill(who.name);
  await field(page, '手机号').fill(who.phone);
  await field(page, '所在区县').selectOption({ index: 2 });
  const district = (await field(page, '所在区县').inputValue()).trim();
  await field(page, '纠纷类型').selectOption({ label: '拖欠工资' });
  await field(page, '涉及人数').fill('3');
  await field(page, '涉及金额(元)').fill('12000.505');
  await field(page, '事实经过').fill('欠我工资');
  await field(page, '诉求').fill('要求公司支付拖欠的工资');
  await field(page, '证据材料').setInputFiles(png);
  await choose(page, '是否工会会员', '否');
  await field(page, '方便联系时间').fill('晚上 8 点以后');
  await field(page, '可以联系').check();
  await field(page, '同意处理身份证号等敏感个人信息').check();
  let res = await submit(page, '提交法律援助申请');
  assertRefused(res, 'legal aid with wrong input');
  await assertSummary(page, 3);
  await assertFieldError(page, field(page, '用人单位'), '用人单位');
  await assertFieldError(page, field(page, '涉及金额(元)'), '涉及金额(元)');
  await assertFieldError(page, field(page, '事实经过'), '事实经过');
  await assertFieldOk(field(page, '诉求'), '诉求');
  assert.equal(await field(page, '姓名').inputValue(), who.name);
  assert.equal(await field(page, '涉及金额(元)').inputValue(), '12000.505');
  assert.equal(await field(page, '事实经过').inputValue(), '欠我工资');
  assert.equal(await field(page, '诉求').inputValue(), '要求公司支付拖欠的工资');
  assert.equal(await field(page, '涉及人数').inputValue(), '3');
  assert.equal(await field(page, '纠纷类型').inputValue(), '拖欠工资');
  assert.equal(await field(page, '方便联系时间').inputValue(), '晚上 8 点以后');
  assert.equal(await field(page, '可以联系').isChecked(), true, '可以联系 kept');
  assert.equal(await group(page, '是否工会会员').getByLabel('否', { exact: true }).isChecked(), true);
  // A browser cannot keep a chosen file: the page must say so.
  assert.match(await page.locator('main').innerText(), /重新选择/,
    'no notice asking to choose the evidence file again');
  if (record) await rec('legal-aid-errors');

  await field(page, '用人单位').fill('某某物流有限公司');
  await field(page, '涉及金额(元)').fill('12000.50');
  await field(page, '事实经过').fill(facts);
  await field(page, '证据材料').setInputFiles(png);
  res = await submit(page, '提交法律援助申请');
  assertAccepted(res, 'legal aid');
  const ref = await shownRef(page, 'FY');
  if (record) await rec('legal-aid-done');
  return { ref, district };
}

// Sign up one person for the activity at url; returns the confirmation.
async function signUp(t, page, url, p, { record } = {}) {
  await page.goto(url);
  await field(page, '姓名').fill(p.name);
  await field(page, '手机号').fill(p.phone);
  await field(page, '同意处理个人信息').check();
  const full = (await button(page, '报名候补').count()) > 0;
  const res = await submit(page, full ? '报名候补' : '提交报名');
  assertAccepted(res, `sign-up of ${p.name}`);
  const ref = await shownRef(page, 'ZY');
  const status = (await page.locator('#status').innerText()).trim();
  const cancel = page.getByRole('link', { name: '取消报名' });
  const cancelUrl = (await cancel.count()) ? new URL(await cancel.getAttribute('href'), page.url()).href : null;
  if (record) await t.record(page, record);
  return { ref, status, cancelUrl, url: page.url(), phone: p.phone, name: p.name };
}

export const scenarios = [
  {
    name: '网上入会 /join on a phone: wrong input gets messages and keeps it; right input gets RH…',
    async run(t) {
      t.state.join = { ref: await joinFlow(t, { js: true, who: ZHANG, record: true }), phone: ZHANG.phone };
    },
  },
  {
    name: '网上入会 /join with JavaScript off: the same, all of it',
    async run(t) {
      t.state.join2 = { ref: await joinFlow(t, { js: false, who: MA, record: false }), phone: MA.phone };
    },
  },
  {
    name: '法律援助 /legal-aid on a phone: wrong then right, with an evidence photo → FY…',
    async run(t) {
      const r = await legalFlow(t, { js: true, who: LI, record: true });
      t.state.legal = { ...r, phone: LI.phone };
    },
  },
  {
    name: '法律援助 /legal-aid with JavaScript off: the upload works without scripts',
    async run(t) {
      const r = await legalFlow(t, { js: false, who: { name: '赵敏', phone: '13600136004' }, record: false });
      t.state.legal2 = { ...r, phone: '13600136004' };
    },
  },
  {
    name: '志愿服务: list → sample activity → wrong then right sign-up → ZY… with a private cancel link',
    async run(t) {
      const page = await t.page({ js: true });
      await page.goto(t.base + '/');
      await follow(page, page.getByRole('link', { name: /志愿服务/ }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '志愿服务');
      await t.record(page, 'volunteer');
      const card = page.getByRole('link', { name: new RegExp(SMALL_ACTIVITY) });
      assert.equal(await card.count(), 1, `the list does not show ${SMALL_ACTIVITY}`);
      assert.match(await card.innerText(), /还剩 3 个名额/, 'places left on the list');
      assert.match(await card.innerText(), /示例/, 'a sample activity is marked 示例');
      await follow(page, card);
      t.state.activityUrl = page.url();
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), new RegExp(SMALL_ACTIVITY));
      assert.match(await page.locator('main').innerText(), /还剩 3 个名额/);
      await t.record(page, 'volunteer-detail');

      // Wrongly: nothing but a bad phone.
      await field(page, '手机号').fill('1380013');
      let res = await submit(page, '提交报名');
      assertRefused(res, 'sign-up with wrong input');
      await assertSummary(page, 3);
      await assertFieldError(page, field(page, '姓名'), '姓名');
      await assertFieldError(page, field(page, '手机号'), '手机号');
      await assertFieldError(page, field(page, '同意处理个人信息'), '同意处理个人信息');
      assert.equal(await field(page, '手机号').inputValue(), '1380013', '手机号 kept');
      await t.record(page, 'volunteer-errors');

      // Rightly, with two skills and a note.
      await field(page, '姓名').fill('王芳');
      await field(page, '手机号').fill('13500135001');
      await group(page, '特长').getByLabel('法律', { exact: true }).check();
      await group(page, '特长').getByLabel('心理', { exact: true }).check();
      await field(page, '备注').fill('周末全天都可以');
      await field(page, '同意处理个人信息').check();
      res = await submit(page, '提交报名');
      assertAccepted(res, 'sign-up');
      const ref = await shownRef(page, 'ZY');
      assert.match(await page.locator('#status').innerText(), /已确认/);
      const cancel = page.getByRole('link', { name: '取消报名' });
      assert.equal(await cancel.count(), 1, 'no private cancel link on the confirmation');
      const href = new URL(await cancel.getAttribute('href'), page.url());
      assert.match(href.pathname, new RegExp(`^/volunteer/signup/${ref}/cancel$`), `cancel link ${href}`);
      assert.match(href.searchParams.get('t') || '', /^[0-9a-f]{32,}$/, 'the cancel link carries no private token');
      assert.match(await page.locator('main').innerText(), /私人取消链接/);
      t.state.first = { ref, phone: '13500135001', url: page.url(), cancelUrl: href.href };
      await t.record(page, 'volunteer-done');
      // The same phone again: a clear message, not a second place.
      await page.goto(t.state.activityUrl);
      await field(page, '姓名').fill('王芳');
      await field(page, '手机号').fill('13500135001');
      await field(page, '同意处理个人信息').check();
      res = await submit(page, '提交报名');
      assertRefused(res, 'a second sign-up with the same phone');
      await assertFieldError(page, field(page, '手机号'), '手机号', /已/);
    },
  },
  {
    name: '志愿服务: once the activity is full the next sign-up is 候补 with its position',
    needs: ['first'],
    async run(t) {
      const page = await t.page({ js: true });
      const url = t.state.activityUrl;
      const b = await signUp(t, page, url, { name: '陈刚', phone: '13500135002' });
      assert.match(b.status, /已确认/, `second person: ${b.status}`);
      const c = await signUp(t, page, url, { name: '刘洋', phone: '13500135003' });
      assert.match(c.status, /已确认/, `third person: ${c.status}`);
      // Full now: the page says so and offers the wait-list.
      await page.goto(url);
      assert.match(await page.locator('main').innerText(), /已满/, 'a full activity does not say 已满');
      assert.equal(await button(page, '报名候补').count(), 1, 'a full activity offers no 报名候补 button');
      await t.record(page, 'volunteer-full');
      const d = await signUp(t, page, url, { name: '周杰', phone: '13500135004' }, { record: 'volunteer-waitlisted' });
      assert.match(d.status, /候补第 1 位/, `fourth person: ${d.status}`);
      const e = await signUp(t, page, url, { name: '吴静', phone: '13500135005' });
      assert.match(e.status, /候补第 2 位/, `fifth person: ${e.status}`);
      await page.goto(t.base + '/volunteer');
      assert.match(await page.getByRole('link', { name: new RegExp(SMALL_ACTIVITY) }).innerText(), /已满/);
      t.state.waiting = [d, e];
    },
  },
  {
    name: '志愿服务: cancelling through the private link confirms the first wait-listed person',
    needs: ['first', 'waiting'],
    async run(t) {
      const page = await t.page({ js: true });
      const [d, e] = t.state.waiting;
      await page.goto(t.state.first.cancelUrl);
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /取消报名/);
      await t.record(page, 'volunteer-cancel');
      const res = await submit(page, '确认取消报名');
      assertAccepted(res, 'cancel');
      assert.match(await page.locator('#status').innerText(), /已取消/);
      assert.equal(await page.getByRole('link', { name: '取消报名' }).count(), 0,
        'a cancelled sign-up still offers to cancel');
      await t.record(page, 'volunteer-cancelled');
      // The first wait-listed person now has the place; the second moved up.
      await page.goto(d.url);
      assert.match(await page.locator('#status').innerText(), /已确认/, 'the wait-listed person was not promoted');
      await page.goto(e.url);
      assert.match(await page.locator('#status').innerText(), /候补第 1 位/, 'the second on the wait-list did not move up');
      // The list still shows the activity full (3 confirmed again).
      await page.goto(t.state.activityUrl);
      assert.match(await page.locator('main').innerText(), /已满/);
      t.state.promoted = d;
    },
  },
  {
    name: '进度查询 /status: reference + phone shows the status; a wrong pair shows 未找到',
    needs: ['join'],
    async run(t) {
      const page = await t.page({ js: true });
      await page.goto(t.base + '/');
      await follow(page, page.getByRole('banner').getByRole('link', { name: '进度查询' }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '进度查询');
      await t.record(page, 'status');
      // The join application.
      let { res, text } = await lookup(page, t, t.state.join.ref, t.state.join.phone);
      assert.equal(res.status, 200, `lookup answered ${res.status}`);
      assert.match(text, new RegExp(`网上入会[^\\n]*${t.state.join.ref}`), 'kind and reference');
      assert.match(text, /正在审核|待审核/, 'status in plain words');
      assert.match(text, /办理记录/, 'a dated history');
      await t.record(page, 'status-found');
      // The promoted volunteer sees the new state.
      if (t.state.promoted) {
        ({ text } = await lookup(page, t, t.state.promoted.ref, t.state.promoted.phone));
        assert.match(text, /已确认/, 'the promoted volunteer does not see 已确认');
      }
      if (t.state.legal) {
        ({ text } = await lookup(page, t, t.state.legal.ref, t.state.legal.phone));
        assert.match(text, /法律援助/, 'the legal-aid case is not found');
      }
      // Wrong pairs: a right reference with another phone, a made-up reference.
      ({ res, text } = await lookup(page, t, t.state.join.ref, '13999999999'));
      assert.match(text, /未找到/, 'a wrong phone does not answer 未找到');
      assert.doesNotMatch(text, new RegExp(ZHANG.name), 'a wrong pair shows the name');
      await t.record(page, 'status-not-found');
      const first = text.replace(/RH\w+|1\d{10}/g, '');
      ({ text } = await lookup(page, t, 'RH22222222', t.state.join.phone));
      assert.match(text, /未找到/, 'an unknown reference does not answer 未找到');
      assert.equal(text.replace(/RH\w+|1\d{10}/g, ''), first,
        'the two wrong pairs answer differently (a way to probe which numbers exist)');
    },
  },
  {
    name: 'the other public pages: /privacy says what, why, who and how long; an unknown path is a 404 page',
    async run(t) {
      const page = await t.page({ js: true });
      await page.goto(t.base + '/');
      await follow(page, page.getByRole('contentinfo').getByRole('link', { name: '隐私说明' }));
      const text = await page.locator('main').innerText();
      assert.match(text, /身份证号/, 'privacy: what is collected');
      assert.match(text, /保存|保留/, 'privacy: how long it is kept');
      await t.record(page, 'privacy');
      const r = await page.goto(t.base + '/no-such-page');
      assert.equal(r.status(), 404);
      assert.equal(await page.getByRole('link', { name: '返回首页' }).count(), 1, 'the 404 page leads home');
      await t.record(page, 'not-found');
    },
  },
];

// The pages the scenarios above must have recorded.
export const expectedPages = [
  'home', 'join', 'join-errors', 'join-done', 'legal-aid', 'legal-aid-errors', 'legal-aid-done',
  'volunteer', 'volunteer-detail', 'volunteer-errors', 'volunteer-done', 'volunteer-full',
  'volunteer-waitlisted', 'volunteer-cancel', 'volunteer-cancelled', 'status', 'status-found',
  'status-not-found', 'privacy', 'not-found',
];
