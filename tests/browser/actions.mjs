// 贴心工会 码上行动 (issue 11), as people use it: the union adds a station
// at the desk; a worker scans its QR code on a phone (opens /s/{code}),
// finds it in /stations, raises a 诉求, makes a wish and rates the station,
// all by label; staff dispatch and answer the 诉求, publish and claim the
// wish; the worker reads the answer and the claim at /status, and sees the
// wish on the wall.  Runs after public.mjs and staff.mjs, with a session
// of its own (staff.mjs ends by logging out).
import assert from 'node:assert/strict';
import {
  DESKTOP, field, group, choose, button, submit, follow, assertAccepted, assertRefused,
  assertFieldError, assertFieldOk, assertSummary, shownRef, lookup,
} from './lib.mjs';

const ADMIN = { user: 'admin', password: 'admin-password-1' };
const STATION = {
  code: 'CJ-01', name: '长江路户外劳动者驿站', address: '长江中路 88 号',
  landmark: '人民公园东门对面', motto: '冬送暖茶夏送凉', phone: '0562-2881234',
};
// The worker who scans the poster (a delivery rider).
const WORKER = { name: '赵磊', phone: '13912345678' };
const WISH = '孩子明年上初中,想要一套初中数学和英语的辅导书。';
const APPEAL = '站点这个月起每单配送费降了 0.5 元,没有任何通知,想问这样合不合规定。';
const REPLY = '已联系配送站点负责人核实:调价须提前公示。站点已承诺下月起恢复原价并补发差额,请留意工资条。';

async function adminPage(t) {
  return t.page({ js: true, viewport: DESKTOP, storageState: t.state.actionsAdmin });
}

async function nav(page, name) {
  await follow(page, page.getByRole('navigation', { name: '工作台' }).getByRole('link', { name, exact: true }));
}

async function notice(page) {
  const n = page.getByRole('status');
  return (await n.count()) ? (await n.first().innerText()).trim() : '';
}

// Search a staff queue for ref and open its record.
async function findAndOpen(page, ref) {
  await field(page, '搜索').fill(ref);
  await follow(page, button(page, '筛选'));
  const link = page.getByRole('link', { name: ref, exact: true });
  assert.equal(await link.count(), 1, `searching for ${ref} does not list it once`);
  await follow(page, link);
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), new RegExp(ref));
}

// One of the station page's service cards, by its title.
function service(page, title) {
  return page.getByRole('main').getByRole('link', { name: new RegExp(`^${title}`) });
}

export const scenarios = [
  {
    name: '码上行动: admin adds a station with its address, hours and services at the desk',
    async run(t) {
      const page = await t.page({ js: true, viewport: DESKTOP });
      await page.goto(t.base + '/staff/login');
      await field(page, '用户名').fill(ADMIN.user);
      await field(page, '密码').fill(ADMIN.password);
      assertAccepted(await submit(page, '登录'), 'admin logs in');
      t.state.actionsAdmin = await page.context().storageState();
      await page.goto(t.base + '/staff/stations/new');
      await field(page, '驿站代码').fill(STATION.code);
      await field(page, '驿站名称').fill(STATION.name);
      await field(page, '所在区县').selectOption({ index: 1 });
      const district = (await field(page, '所在区县').locator('option:checked').innerText()).trim();
      await field(page, '地址').fill(STATION.address);
      await field(page, '地标').fill(STATION.landmark);
      await field(page, '一站一品').fill(STATION.motto);
      await field(page, '联系电话').fill(STATION.phone);
      for (const s of ['饮水', '热饭', '充电']) await group(page, '服务').getByLabel(s, { exact: true }).check();
      await field(page, '每天相同').fill('24小时');
      const active = page.getByLabel(/^开放使用/);
      if (!(await active.isChecked())) await active.check();
      await t.record(page, 'staff-station-new', { pub: false });
      const res = await submit(page, '添加');
      assertAccepted(res, 'adding the station');
      assert.match(await page.locator('main').innerText(), new RegExp(STATION.name), 'the station is not shown after adding it');
      t.state.station = { ...STATION, district };
    },
  },
  {
    name: '码上行动: a worker scans the poster (/s/{code}) on a phone and finds the station in /stations',
    needs: ['station'],
    async run(t) {
      const st = t.state.station;
      const page = await t.page({ js: true });
      const r = await page.goto(`${t.base}/s/${st.code}`);
      assert.equal(r.status(), 200);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), st.name);
      const text = await page.locator('main').innerText();
      for (const want of [st.address, st.landmark, st.motto, st.phone, st.district, '现在开放', '饮水', '热饭', '充电'])
        assert.ok(text.includes(want), `the station page does not show ${want}`);
      for (const s of ['申请入会', '法律援助', '提诉求', '许微心愿', '评价这个驿站'])
        assert.equal(await service(page, s).count(), 1, `the station page offers no ${s}`);
      assert.equal(await page.getByRole('link', { name: st.phone }).getAttribute('href'), `tel:${st.phone.replace(/\D/g, '')}`,
        'the phone number is not a link a phone can call');
      await t.record(page, 'station');

      // The directory, filtered as a worker looks for somewhere to charge a phone.
      await follow(page, page.getByRole('link', { name: /全部驿站/ }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '工会驿站');
      await field(page, '区县').selectOption({ label: st.district });
      await field(page, '服务').selectOption({ label: '充电' });
      await field(page, '只看现在开放的').check();
      await follow(page, button(page, '查找'));
      const card = page.getByRole('link', { name: st.name, exact: true });
      assert.equal(await card.count(), 1, 'the filtered directory does not list the station');
      assert.match(await page.locator('#count').innerText(), /共 1 个驿站/);
      await t.record(page, 'stations');
      // A service it does not have: not listed.
      await field(page, '服务').selectOption({ label: '药箱' });
      await follow(page, button(page, '查找'));
      assert.equal(await page.getByRole('link', { name: st.name, exact: true }).count(), 0,
        'a station without 药箱 is listed under 药箱');
      await follow(page, page.getByRole('link', { name: '看全部' }));
      await follow(page, page.getByRole('link', { name: st.name, exact: true }));
      assert.equal(new URL(page.url()).pathname, `/s/${st.code}`);
      // An unknown code is the 404 page.
      const gone = await page.goto(`${t.base}/s/NO-SUCH-STATION`);
      assert.equal(gone.status(), 404);
    },
  },
  {
    name: '码上行动: from the station, the worker makes a wish: wrong input kept with messages, then XY…',
    needs: ['station'],
    async run(t) {
      const st = t.state.station;
      const page = await t.page({ js: true });
      await page.goto(`${t.base}/s/${st.code}`);
      await follow(page, service(page, '许微心愿'));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '许微心愿');
      assert.match(await page.locator('main').innerText(), new RegExp(`来自工会驿站:${st.name}`), 'the station is not carried');
      await t.record(page, 'wish');

      // Wrongly: no category, a wish over 200 characters, a short phone.
      await field(page, '心愿内容').fill('想要'.repeat(101));
      await field(page, '所在区县').selectOption({ label: st.district });
      await field(page, '姓名').fill(WORKER.name);
      await field(page, '手机号').fill('1391234');
      let res = await submit(page, '提交心愿');
      assertRefused(res, 'a wish with wrong input');
      await assertSummary(page, 3);
      await assertFieldError(page, group(page, '心愿类别'), '心愿类别', null, { isGroup: true });
      await assertFieldError(page, field(page, '心愿内容'), '心愿内容', /200/);
      await assertFieldError(page, field(page, '手机号'), '手机号');
      await assertFieldOk(field(page, '姓名'), '姓名');
      assert.equal(await field(page, '姓名').inputValue(), WORKER.name, '姓名 kept');
      assert.equal(await field(page, '手机号').inputValue(), '1391234', '手机号 kept');
      assert.equal(await field(page, '心愿内容').inputValue(), '想要'.repeat(101), '心愿内容 kept');
      assert.match(await page.locator('main').innerText(), new RegExp(`来自工会驿站:${st.name}`), 'the station is lost on the error page');
      await t.record(page, 'wish-errors');

      await choose(page, '心愿类别', '子女教育');
      await field(page, '心愿内容').fill(WISH);
      await field(page, '手机号').fill(WORKER.phone);
      await field(page, '同意在心愿墙公开心愿内容(不公开姓名和手机号)').check();
      res = await submit(page, '提交心愿');
      assertAccepted(res, 'the wish');
      const ref = await shownRef(page, 'XY');
      await t.record(page, 'wish-done');
      t.state.wish = { ref, phone: WORKER.phone };
    },
  },
  {
    name: '码上行动: the worker rates the station (stars without scripts), leaving a phone for the draw',
    needs: ['station'],
    async run(t) {
      const st = t.state.station;
      const page = await t.page({ js: false });
      await page.goto(`${t.base}/s/${st.code}`);
      await follow(page, service(page, '评价这个驿站'));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '评价这个驿站');
      assert.match(await page.locator('main').innerText(), new RegExp(st.name));
      await t.record(page, 'rate');
      const score = (what, n) => group(page, what).getByLabel(new RegExp(`(^|\\s)${n} 分`)).check();
      // Wrongly: only 设施 scored, a phone one digit short.
      await score('设施', 5);
      await field(page, '手机号').fill('1391234567');
      let res = await submit(page, '提交评价');
      assertRefused(res, 'a rating with wrong input');
      await assertSummary(page, 4);
      for (const what of ['卫生', '服务', '便利'])
        await assertFieldError(page, group(page, what), what, null, { isGroup: true });
      await assertFieldError(page, field(page, '手机号'), '手机号');
      assert.equal(await group(page, '设施').getByLabel(/(^|\s)5 分/).isChecked(), true, '设施 kept');
      await t.record(page, 'rate-errors');

      await score('卫生', 4);
      await score('服务', 5);
      await score('便利', 3);
      await field(page, '意见建议').fill('热水很方便,希望晚上多留一盏灯');
      await field(page, '手机号').fill(WORKER.phone);
      res = await submit(page, '提交评价');
      assertAccepted(res, 'the rating');
      const text = await page.locator('main').innerText();
      assert.match(text, /感谢您的评价/);
      assert.match(text, /抽奖/, 'a rater who left a phone is not told about the draw');
      await t.record(page, 'rate-done');
      // The same phone again this month: refused beside the phone.
      await page.goto(`${t.base}/s/${st.code}/rate`);
      for (const what of ['设施', '卫生', '服务', '便利']) await score(what, 2);
      await field(page, '手机号').fill(WORKER.phone);
      res = await submit(page, '提交评价');
      assertRefused(res, 'a second rating by the same phone this month');
      await assertFieldError(page, field(page, '手机号'), '手机号', /本月|已/);
    },
  },
  {
    name: '码上行动: staff publish the wish and claim it themselves (我来认领)',
    needs: ['actionsAdmin', 'wish'],
    async run(t) {
      const page = await adminPage(t);
      await page.goto(t.base + '/staff');
      await nav(page, '微心愿');
      await t.record(page, 'staff-wishes', { pub: false });
      await findAndOpen(page, t.state.wish.ref);
      let text = await page.locator('main').innerText();
      assert.match(text, /待审核/);
      assert.match(text, new RegExp(WISH.slice(0, 10)));
      await t.record(page, 'staff-wish', { pub: false });
      let res = await submit(page, '发布');
      assertAccepted(res, 'publish');
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /已发布/);
      res = await submit(page, '我来认领');
      assertAccepted(res, 'claim');
      text = await page.locator('main').innerText();
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /已认领/);
      assert.match(text, /工作人员/, 'the claimer is not shown');
      assert.equal(await button(page, '我来认领').count(), 0, 'a claimed wish can be claimed again');
      await t.record(page, 'staff-wish-claimed', { pub: false });
    },
  },
  {
    name: '码上行动: the worker sees the claim at /status, and the wish on the wall without name or phone',
    needs: ['wish', 'station'],
    async run(t) {
      const page = await t.page({ js: true });
      let { res, text } = await lookup(page, t, t.state.wish.ref, t.state.wish.phone);
      assert.equal(res.status, 200);
      assert.match(text, new RegExp(`微心愿[^\\n]*${t.state.wish.ref}`), 'kind and reference');
      assert.match(text, /已认领/, 'the claim is not shown at /status');
      assert.match(text, /办理记录/);
      await t.record(page, 'status-wish');
      await page.goto(t.base + '/wishes');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '心愿墙');
      text = await page.locator('main').innerText();
      assert.ok(text.includes(WISH), 'the published wish is not on the wall');
      assert.ok(!text.includes(WORKER.name) && !text.includes(WORKER.phone), 'the wall shows the name or the phone');
      await t.record(page, 'wishes');
      await field(page, '进展').selectOption({ label: '已认领' });
      await follow(page, button(page, '筛选'));
      assert.ok((await page.locator('main').innerText()).includes(WISH), 'the wish is not under 已认领');
    },
  },
];

export const expectedPages = [
  'staff-station-new', 'station', 'stations', 'wish', 'wish-errors', 'wish-done', 'rate', 'rate-errors',
  'rate-done', 'staff-wishes', 'staff-wish', 'staff-wish-claimed', 'status-wish', 'wishes',
];
