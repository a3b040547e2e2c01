// Helpers shared by the browser scenarios: finding fields by their visible
// labels, submitting forms, test data (ID numbers, a tiny PNG) and the
// page recorder that saves every page's HTML, screenshots it in both
// viewports, runs axe-core on it, and counts what it transferred.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import axeCore from 'axe-core';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

// ---- finding things the way a person does ----

function esc(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A label's text, maybe followed by the "(必填)" marker the forms add to
// required fields; nothing else (so 姓名 does not find 紧急联系人姓名).
export function labelRe(label) {
  return new RegExp('^\\s*' + esc(label) + '\\s*(\\(必填\\)|(必填))?\\s*$');
}

// The control whose visible <label> says label.
export function field(page, label) {
  return page.getByLabel(labelRe(label));
}

// A group of radio buttons or check boxes (fieldset + legend).
export function group(page, legend) {
  return page.getByRole('group', { name: labelRe(legend) });
}

// Choose the option labelled choice inside the group legend.
export async function choose(page, legend, choice) {
  await group(page, legend).getByLabel(choice, { exact: true }).check();
}

export function button(page, name) {
  return page.getByRole('button', { name, exact: true });
}

// Click a submit button and wait for the page it leads to.  Returns
// { status, redirected }: the final response's status, and whether the
// POST answered 303 See Other on the way there.
export async function submit(page, name) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    button(page, name).click(),
  ]);
  assert.ok(resp, `no page after pressing ${name}`);
  const from = resp.request().redirectedFrom();
  let redirected = null;
  if (from) {
    const r = await from.response();
    redirected = { method: from.method(), status: r ? r.status() : 0 };
  }
  return { status: resp.status(), redirected, url: page.url() };
}

// Follow a link by its visible text and wait for the page.
export async function follow(page, locator) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    locator.click(),
  ]);
  return resp;
}

// A POST that must have been accepted: 303 then the confirmation.
export function assertAccepted(res, what) {
  assert.ok(res.redirected && res.redirected.method === 'POST' && res.redirected.status === 303,
    `${what}: expected 303 See Other after the POST, got ${JSON.stringify(res)}`);
  assert.equal(res.status, 200, `${what}: the confirmation page answered ${res.status}`);
}

// A POST that must have been refused with the form again.
export function assertRefused(res, what) {
  assert.equal(res.status, 422, `${what}: expected 422 with the form again, got ${res.status} at ${res.url}`);
  assert.equal(res.redirected, null, `${what}: a refused form must not redirect`);
}

// The field with this label is marked wrong and its message, tied with
// aria-describedby, is visible right beside it.  Returns the message.
export async function assertFieldError(page, control, label, expect, { isGroup = false } = {}) {
  await control.first().waitFor({ state: 'attached', timeout: 5000 });
  const c = control.first();
  // A group of radios (fieldset) carries the description itself.
  if (!isGroup)
    assert.equal(await c.getAttribute('aria-invalid'), 'true', `${label}: not marked aria-invalid="true"`);
  const ids = ((await c.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
  assert.ok(ids.length, `${label}: no aria-describedby tying it to its message`);
  let message = null, msgBox = null;
  for (const id of ids) {
    const el = page.locator(`[id="${id}"]`);
    if ((await el.count()) !== 1) continue;
    const cls = (await el.getAttribute('class')) || '';
    if (!/\berror\b/.test(cls)) continue;
    message = (await el.innerText()).trim();
    assert.ok(await el.isVisible(), `${label}: its message is not visible`);
    msgBox = await el.boundingBox();
  }
  assert.ok(message, `${label}: aria-describedby (${ids.join(' ')}) names no visible error message`);
  if (expect) assert.match(message, expect, `${label}: message "${message}"`);
  // "Beside": within a short distance of the control, not elsewhere on the page.
  const box = await c.boundingBox();
  if (box && msgBox) {
    const gap = Math.max(msgBox.y - (box.y + box.height), box.y - (msgBox.y + msgBox.height), 0);
    assert.ok(gap < 120, `${label}: its message is ${Math.round(gap)} px away from it`);
  }
  return message;
}

// The field with this label is not marked wrong.
export async function assertFieldOk(control, label) {
  assert.notEqual(await control.first().getAttribute('aria-invalid'), 'true',
    `${label}: marked wrong, but its input was right`);
}

// The error summary at the top: visible, above the form, one link per
// wrong field, each leading to a field on the page.  Returns its text.
export async function assertSummary(page, count) {
  const summary = page.getByRole('alert').filter({ hasText: /需要修改/ });
  assert.equal(await summary.count(), 1, 'no error summary (role=alert, "…需要修改") on the page');
  assert.ok(await summary.isVisible(), 'the error summary is not visible');
  const sbox = await summary.boundingBox();
  const fbox = await page.locator('form.form').first().boundingBox();
  assert.ok(sbox && fbox && sbox.y < fbox.y, 'the error summary is not above the form');
  const text = await summary.innerText();
  const links = summary.getByRole('link');
  const n = await links.count();
  if (count !== undefined) {
    assert.equal(n, count, `the summary lists ${n} problems, expected ${count}: ${text}`);
    assert.match(text, new RegExp(`有 ${count} 处需要修改`), `summary heading: ${text}`);
  }
  for (let i = 0; i < n; i++) {
    const href = await links.nth(i).getAttribute('href');
    assert.match(href || '', /^#./, `summary link ${i + 1} is not a link into the page`);
    assert.equal(await page.locator(`[id="${href.slice(1)}"]`).count(), 1,
      `summary link ${href} leads to no field`);
  }
  return text;
}

// ---- test data ----

// The sample activity (cgi-bin/page-volunteer.c) with 3 places that the
// public scenarios fill and the staff scenarios then manage.
export const SMALL_ACTIVITY = '劳动法律咨询进驿站';

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
// A 身份证号 with its GB 11643 check character.
export function idno(first17) {
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * W[i];
  return first17 + '10X98765432'[s % 11];
}
// The same number with a wrong check character.
export function oneOff(id) {
  const c = id[17] === '0' ? '1' : id[17] === 'X' ? '0' : String((Number(id[17]) + 1) % 10);
  return id.slice(0, 17) + c;
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
// A real, tiny PNG (w×h, one colour): what a phone photo of a pay slip
// would be, only smaller.
export function tinyPng(w = 4, h = 4) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const row = Buffer.alloc(1 + 3 * w);
  for (let x = 0; x < w; x++) row.set([200, 40, 40], 1 + 3 * x);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const REF = (prefix) => new RegExp(`^${prefix}[2-9A-HJKMNP-Z]{8}$`);

// The reference number shown on a confirmation page.
export async function shownRef(page, prefix) {
  const el = page.locator('#ref');
  assert.equal(await el.count(), 1, 'the confirmation shows no reference number');
  assert.ok(await el.isVisible(), 'the reference number is not visible');
  const ref = (await el.innerText()).trim();
  assert.match(ref, REF(prefix), `reference "${ref}"`);
  return ref;
}

// 进度查询 as the worker does it: the reference and the phone.
export async function lookup(page, t, ref, phone) {
  await page.goto(t.base + '/status');
  await field(page, '编号').fill(ref);
  await field(page, '手机号').fill(phone);
  const res = await submit(page, '查询');
  return { res, text: await page.locator('main').innerText() };
}

// ---- the page recorder ----

// axe-core on the page as it is now, with its default rules (every rule
// not marked experimental: WCAG 2.0/2.1/2.2 A and AA, and best practices),
// the same set @axe-core/playwright's AxeBuilder runs when given no tags.
// It is put into the page once per document and run there with axe.run:
// our pages have no frames, so AxeBuilder's runPartial in every frame and
// finishRun in a fresh blank page (which injects the 0.5 MB script again)
// only cost time, 2.5-5 s of it a page.  Passes and inapplicable rules are
// reported by id only (resultTypes): the same rules run, less comes back.
// Returns { violations, rules } (rules: the ids of every rule that ran).
export async function axeRun(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeCore.source);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    const rules = [r.violations, r.passes, r.incomplete, r.inapplicable].flat().map((x) => x.id);
    return {
      rules,
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    };
  });
}

// Watches one page: every request it makes (for the host check), and the
// requests of the current document (for its weight).  Call record(name)
// once a page is shown to keep it as test output and check it.
export class Recorder {
  constructor(run, page, { axe = true } = {}) {
    this.run = run;            // the runner's shared state
    this.page = page;
    this.axe = axe;
    this.doc = [];             // [{url, sizes: Promise}] of the current document
    this.docResponse = null;   // its main-frame response
    this.foreign = [];         // its requests to any other host
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
        this.doc = [];
        this.docResponse = null;
        this.foreign = [];
      }
      const entry = { url: req.url(), req, sizes: null };
      this.doc.push(entry);
      if (!run.isLocal(req.url())) {
        this.foreign.push(req.url());
        run.noteForeign(req.url(), page.url());
      }
    });
    page.on('requestfinished', (req) => {
      const e = this.doc.find((x) => x.req === req);
      if (e) e.sizes = req.sizes().catch(() => null);
    });
    page.on('response', (resp) => {
      const req = resp.request();
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) this.docResponse = resp;
    });
  }

  // The browser's HTTP cache off, so each page counts as a first visit.
  async noCache() {
    const cdp = await this.page.context().newCDPSession(this.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  }

  async record(name, { pub = true } = {}) {
    const page = this.page;
    const run = this.run;
    const step = async (what, fn) => { const t0 = Date.now(); try { return await fn(); } finally { run.time(what, Date.now() - t0); } };
    // Our pages load nothing after 'load' (no scripts fetching): once the
    // document has loaded, everything it transferred is in this.doc.
    await step('load wait', () => page.waitForLoadState('load'));
    const info = {
      name, url: page.url(), pub, status: this.docResponse?.status(), problems: [],
      foreign: [...new Set(this.foreign)],
    };
    // What the page transferred: bodies of the document and everything it loaded.
    let bytes = 0;
    const parts = [];
    for (const e of this.doc) {
      if (!this.run.isLocal(e.url)) continue;   // counted as foreign, never as weight
      let s = e.sizes ? await e.sizes : null;
      if (!s) {   // not reported finished yet: wait for its body to end
        const r = await e.req.response().catch(() => null);
        if (r && (await r.finished().catch(() => 'gone')) === null) s = await e.req.sizes().catch(() => null);
      }
      if (!s) {
        const r = await e.req.response().catch(() => null);
        const b = r ? await r.body().catch(() => null) : null;
        s = { responseBodySize: b ? b.length : 0 };
      }
      bytes += s.responseBodySize;
      parts.push(`${new URL(e.url).pathname} ${s.responseBodySize}`);
    }
    info.bytes = bytes;
    info.parts = parts;
    // What a search engine shows: the title, and the description under it.
    info.title = await page.title();
    info.description = await page.locator('meta[name="description"]')
      .evaluateAll((els) => (els.length === 1 ? els[0].content.trim() : els.length ? null : ''));
    // The HTML exactly as served, for the Nu Html Checker.
    let html = null;
    if (this.docResponse) html = await this.docResponse.body().catch(() => null);
    if (!html) html = Buffer.from(await page.content());
    const file = path.join(run.htmlDir, `${name}.html`);
    fs.writeFileSync(file, html);
    info.htmlFile = file;
    // Screenshots and axe in both viewports.
    const shot = (v) => path.join(run.shotDir, `${String(run.pages.length + 1).padStart(2, '0')}-${name}-${v}.png`);
    const a11y = async (where) => {
      if (!this.axe) return;
      const res = await step(`axe ${where}`, () => axeRun(page));
      run.noteAxeRules(res.rules);
      for (const v of res.violations) {
        const item = { where, id: v.id, impact: v.impact, help: v.help, targets: v.targets.slice(0, 5) };
        (v.impact === 'serious' || v.impact === 'critical' ? info.problems : (info.notes ??= [])).push(item);
      }
    };
    // Layout a person notices: no sideways scrolling, the site's name in
    // the header on one line.
    info.layout = {};
    const layout = async (where) => {
      // One round trip: the brand link found by role, measured in the page.
      const { wide, box } = await page.getByRole('banner').getByRole('link', { name: /职工之家/ })
        .evaluateAll((els) => ({
          wide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          box: els.length ? { height: els[0].getBoundingClientRect().height } : null,
        })).catch(() => ({ wide: 0, box: null }));
      info.layout[where] = [
        wide > 0 ? `the page scrolls sideways by ${wide} px` : '',
        box && box.height > 44 ? `the site name in the header wraps (${Math.round(box.height)} px tall)` : '',
      ].filter(Boolean);
    };
    // Each viewport once, the page's own first: one switch to the other
    // and, for a phone page, one back (every switch lays the page out again).
    const size = page.viewportSize() || PHONE;
    const views = size.width === DESKTOP.width ? [DESKTOP, PHONE] : [PHONE, DESKTOP];
    let now = size;
    info.axeRan = this.axe;
    for (const v of views) {
      const where = `${v.width}×${v.height}`;
      const tag = v === PHONE ? 'phone' : 'desktop';
      if (now.width !== v.width || now.height !== v.height)
        await step(`viewport ${tag}`, () => page.setViewportSize(v));
      now = v;
      await step(`screenshot ${tag}`, () => page.screenshot({ path: shot(tag), fullPage: true }));
      await step('layout', () => layout(where));
      await a11y(where);
    }
    if (now.width !== size.width || now.height !== size.height) await step('viewport back', () => page.setViewportSize(size));
    info.shots = [shot('phone'), shot('desktop')];
    run.pages.push(info);
    return info;
  }
}
