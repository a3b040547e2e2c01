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
// The district's 审核员 the 诉求 is dispatched to.
const HANDLER = { user: 'cjreviewer', name: '周敏', password: 'handler-initial-1', next: 'handler-password-2' };
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
    name: '码上行动: from the station, the worker raises a 诉求: wrong input kept with messages, then SQ…',
    needs: ['station'],
    async run(t) {
      const st = t.state.station;
      const page = await t.page({ js: true });
      await page.goto(`${t.base}/s/${st.code}`);
      await follow(page, service(page, '提诉求'));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '提诉求');
      assert.match(await page.locator('main').innerText(), new RegExp(`来自工会驿站:${st.name}`), 'the station is not carried');
      await t.record(page, 'appeal');

      // Wrongly: no 诉求类型, 具体内容 over 500 characters.
      await choose(page, '事项', '工资报酬');
      await field(page, '具体内容').fill('配送费'.repeat(170));
      await field(page, '所在区县').selectOption({ label: st.district });
      await field(page, '称呼').fill('赵师傅');
      await field(page, '手机号').fill(WORKER.phone);
      await choose(page, '方便联系', '可以');
      let res = await submit(page, '提交诉求');
      assertRefused(res, 'a 诉求 with wrong input');
      await assertSummary(page, 2);
      await assertFieldError(page, group(page, '诉求类型'), '诉求类型', null, { isGroup: true });
      await assertFieldError(page, field(page, '具体内容'), '具体内容', /500/);
      await assertFieldOk(field(page, '手机号'), '手机号');
      assert.equal(await group(page, '事项').getByLabel('工资报酬', { exact: true }).isChecked(), true, '事项 kept');
      assert.equal(await field(page, '称呼').inputValue(), '赵师傅', '称呼 kept');
      assert.equal(await field(page, '所在区县').inputValue(), st.district, '所在区县 kept');
      assert.equal(await group(page, '方便联系').getByLabel('可以', { exact: true }).isChecked(), true, '方便联系 kept');
      assert.match(await page.locator('main').innerText(), new RegExp(`来自工会驿站:${st.name}`), 'the station is lost on the error page');
      await t.record(page, 'appeal-errors');

      await choose(page, '诉求类型', '咨询');
      await field(page, '具体内容').fill(APPEAL);
      res = await submit(page, '提交诉求');
      assertAccepted(res, 'the 诉求');
      const ref = await shownRef(page, 'SQ');
      assert.match(await page.locator('main').innerText(), /10 个工作日/, 'the promised answer time');
      await t.record(page, 'appeal-done');
      t.state.appeal = { ref, phone: WORKER.phone };
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
      // The same phone again this month: thanked exactly like the first
      // time (the answer must not tell a prober that this phone rated
      // the station before); the phone keeps its one draw entry.
      await page.goto(`${t.base}/s/${st.code}/rate`);
      for (const what of ['设施', '卫生', '服务', '便利']) await score(what, 2);
      await field(page, '手机号').fill(WORKER.phone);
      res = await submit(page, '提交评价');
      assertAccepted(res, 'a second rating by the same phone this month');
      assert.equal(await page.locator('main').innerText(), text, 'the second thank-you differs from the first');
      assert.equal(await page.locator('.error').count(), 0, 'the second rating shows an error');
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
    name: '码上行动: admin adds the district\'s 审核员 and dispatches the 诉求 to them with a due date; phones masked in the queue',
    needs: ['actionsAdmin', 'appeal', 'station'],
    async run(t) {
      const st = t.state.station;
      const page = await adminPage(t);
      await page.goto(t.base + '/staff/accounts/new');
      await field(page, '用户名').fill(HANDLER.user);
      await field(page, '姓名').fill(HANDLER.name);
      await field(page, '角色').selectOption({ label: '审核员' });
      await field(page, '所在区县').selectOption({ label: st.district });
      await field(page, '初始密码').fill(HANDLER.password);
      assertAccepted(await submit(page, '创建账号'), 'the 审核员 account');

      await page.goto(t.base + '/staff');
      await nav(page, '诉求');
      const list = await page.locator('main').innerText();
      assert.ok(list.includes(t.state.appeal.ref), 'the queue does not list the new 诉求');
      assert.ok(!list.includes(WORKER.phone), 'the queue shows the whole phone number');
      assert.match(list, /139\*{4}5678/, 'the queue does not show the phone masked as 139****5678');
      await t.record(page, 'staff-appeals', { pub: false });
      await findAndOpen(page, t.state.appeal.ref);
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /待分派/);
      const text = await page.locator('main').innerText();
      assert.ok(text.includes(APPEAL), 'the record does not show 具体内容');
      assert.ok(text.includes(st.name), 'the record does not show the station it came from');
      await t.record(page, 'staff-appeal', { pub: false });

      await field(page, '办理区县').selectOption({ label: st.district });
      const who = field(page, '负责人');
      const label = (await who.locator('option').allInnerTexts()).find((o) => o.includes(`(${HANDLER.user})`));
      assert.ok(label, `the 审核员 of ${st.district} is not offered as 负责人`);
      await who.selectOption({ label });
      const due = await field(page, '答复期限').inputValue();
      assert.match(due, /^\d{4}-\d{2}-\d{2}$/, `答复期限 has no default date: ${due}`);
      const res = await submit(page, '派单');
      assertAccepted(res, 'dispatch');
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /已派单/);
      const after = await page.locator('main').innerText();
      assert.ok(after.includes(HANDLER.name), 'the record does not name the 负责人');
      await t.record(page, 'staff-appeal-dispatched', { pub: false });
      t.state.dispatched = { due };
    },
  },
  {
    name: '码上行动: the 审核员 logs in, finds the 诉求 dispatched to them and answers it',
    needs: ['dispatched', 'appeal'],
    async run(t) {
      const page = await t.page({ js: true, viewport: DESKTOP });
      await page.goto(t.base + '/staff/login');
      await field(page, '用户名').fill(HANDLER.user);
      await field(page, '密码').fill(HANDLER.password);
      assertAccepted(await submit(page, '登录'), 'the 审核员 logs in');
      // An initial password is changed first.
      await field(page, '当前密码').fill(HANDLER.password);
      await field(page, '新密码').fill(HANDLER.next);
      await field(page, '再次输入新密码').fill(HANDLER.next);
      assertAccepted(await submit(page, '保存新密码'), 'password change');
      await page.goto(t.base + '/staff');
      await nav(page, '诉求');
      await findAndOpen(page, t.state.appeal.ref);
      // Wrongly: an empty answer.
      let res = await submit(page, '答复');
      assert.equal(res.status, 422, `an empty answer: ${res.status}`);
      await assertFieldError(page, field(page, '答复内容'), '答复内容');
      await field(page, '答复内容').fill(REPLY);
      res = await submit(page, '答复');
      assertAccepted(res, 'answer');
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /已答复/);
      assert.ok((await page.locator('main').innerText()).includes(REPLY), 'the record does not show the answer');
      await t.record(page, 'staff-appeal-answered', { pub: false });
      t.state.answered = true;
    },
  },
  {
    name: '码上行动: the worker reads the union\'s answer to the 诉求 at /status',
    needs: ['answered', 'appeal'],
    async run(t) {
      const page = await t.page({ js: true });
      const { res, text } = await lookup(page, t, t.state.appeal.ref, t.state.appeal.phone);
      assert.equal(res.status, 200);
      assert.match(text, new RegExp(`诉求[^\n]*${t.state.appeal.ref}`), 'kind and reference');
      assert.match(text, /已答复/, 'the state is not 已答复');
      assert.match(text, /工会答复/);
      assert.ok(text.includes(REPLY), 'the answer is not shown at /status');
      assert.match(text, /办理记录/);
      assert.ok(!text.includes(HANDLER.user), 'the worker sees the staff member\'s user name');
      await t.record(page, 'status-appeal');
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
  'staff-station-new', 'station', 'stations', 'appeal', 'appeal-errors', 'appeal-done', 'wish',
  'wish-errors', 'wish-done', 'rate', 'rate-errors', 'rate-done', 'staff-wishes', 'staff-wish',
  'staff-wish-claimed', 'staff-appeals', 'staff-appeal', 'staff-appeal-dispatched', 'staff-appeal-answered',
  'status-appeal', 'status-wish', 'wishes',
];
