#!/usr/bin/env node
// Browser tests: the site as people use it, in Debian's Chromium driven by
// playwright-core (never a browser download).
//
//   node tests/browser/run.mjs            (from anywhere; `make test` runs it)
//
// Starts its own site the way tests/http/harness.py does (deploy/local.sh on
// a free port of 127.0.0.1, a fresh database with the sample activities),
// runs every scenario with a bounded time, then checks every page the
// scenarios recorded: axe-core (no serious or critical violation), the Nu
// Html Checker (no error; one java run for all pages), weight (HTML + CSS
// under 30 KB for a public page) and hosts (127.0.0.1 only).  Screenshots of
// every page at 390×844 and 1280×800 go to build/test-output/screenshots/,
// the HTML as served to build/test-output/html/.
//
// Prints "ok N - name" / "not ok N - name" (diagnostics as "# " lines) and
// ends with "N passed, N failed"; exits 1 if anything failed.
// Environment: CHROMIUM (default /usr/bin/chromium), JAVA (java),
// KEEP_TEST_DIRS (keep the site's temp dir), BROWSER_ONLY (a substring: run
// only the scenarios whose name has it; those needing an earlier one fail).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Site, TOP, CHROMIUM, CHROMIUM_ARGS, secs, withTimeout } from './site.mjs';

// The npm packages (playwright-core, axe-core) are imported here
// so that a missing `npm ci` is one clear failing line, not a stack trace.
let chromium, Recorder, PHONE, publicSide, staffSide, feedbackSide, actionsSide;
try {
  ({ chromium } = await import('playwright-core'));
  ({ Recorder, PHONE } = await import('./lib.mjs'));
  publicSide = await import('./public.mjs');
  staffSide = await import('./staff.mjs');
  feedbackSide = await import('./feedback.mjs');
  actionsSide = await import('./actions.mjs');
} catch (e) {
  console.log('not ok 1 - the npm packages are installed (npm ci --ignore-scripts, from package-lock.json)');
  console.log('# ' + String(e.message).split('\n')[0]);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const OUT = path.join(TOP, 'build', 'test-output');
const JAVA = process.env.JAVA || 'java';
// A short java run: the C1 compiler only and the serial collector start and
// finish it sooner (measured: 36 pages in 8.5 s instead of 12.1 s).
const JAVA_FAST = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const VNU = path.join(TOP, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const SCENARIO_MS = 60_000;       // one scenario, at most
const RUN_MS = 300_000;           // the whole run, at most
const PAGE_BUDGET = 30 * 1024;    // HTML + CSS of a public page, transferred

const started = Date.now();
let n = 0, passed = 0, failed = 0;
const failures = [];

function diag(text) {
  for (const line of String(text).split('\n')) if (line.trim()) console.log('# ' + line);
}
function info(text) {
  for (const line of String(text).split('\n')) if (line.trim()) console.log('    ' + line);
}
function result(ok, name, why) {
  n++;
  if (ok) passed++; else { failed++; failures.push(name); }
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok && why) diag(why);
}

// ---- the run ----

const run = {
  pages: [],          // what Recorder.record found, in order
  foreign: [],        // requests to any other host
  shotDir: path.join(OUT, 'screenshots'),
  htmlDir: path.join(OUT, 'html'),
  origin: null,
  isLocal(url) {
    return /^(data|blob|about):/.test(url) || new URL(url).origin === this.origin;
  },
  steps: new Map(),   // where the time goes: step -> {n, ms, max}
  time(step, ms) {
    const s = this.steps.get(step) ?? { n: 0, ms: 0, max: 0 };
    s.n++; s.ms += ms; s.max = Math.max(s.max, ms);
    this.steps.set(step, s);
  },
  axeRules: new Set(),   // every axe rule that ran on some page
  noteAxeRules(ids) { for (const id of ids) this.axeRules.add(id); },
  noteForeign(url, from) {
    if (!this.foreign.some((f) => f.url === url && f.from === from)) this.foreign.push({ url, from });
  },
};

function freshDir(dir, ext) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.endsWith(ext)) fs.rmSync(path.join(dir, f));
}

async function scenario(browser, site, state, s) {
  const contexts = [];
  const recorders = new Map();
  const t = {
    base: site.base,
    db: site.db,      // for what no page shows: the texts the outbox holds
    state,
    // A new page in a new context: a phone unless viewport says otherwise,
    // logged in when given a storageState.
    async page({ js = true, viewport = PHONE, storageState } = {}) {
      const ctx = await browser.newContext({
        viewport, javaScriptEnabled: js, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState,
      });
      contexts.push(ctx);
      ctx.setDefaultTimeout(8000);
      ctx.setDefaultNavigationTimeout(15_000);
      const page = await ctx.newPage();
      const rec = new Recorder(run, page, { axe: js });
      await rec.noCache();
      recorders.set(page, rec);
      return page;
    },
    record(page, name, opts) { return recorders.get(page).record(name, opts); },
  };
  const t0 = Date.now();
  try {
    const missing = (s.needs || []).filter((k) => !(k in state));
    if (missing.length) throw `needs ${missing.join(', ')} from an earlier scenario, which failed or did not run`;
    await withTimeout(s.run(t), s.timeout || SCENARIO_MS, s.name);
    result(true, `${s.name} (${secs(Date.now() - t0)})`);
  } catch (e) {
    let why = e && e.stack ? e.stack.split('\n').filter((l) => !/node_modules|node:internal/.test(l)).slice(0, 6).join('\n') : String(e);
    // What the person saw when it went wrong.
    let i = 0;
    for (const [page] of recorders) {
      if (page.isClosed()) continue;
      const shot = path.join(run.shotDir, `FAILED-${n + 1}-${++i}.png`);
      try {
        await page.screenshot({ path: shot, fullPage: true, timeout: 5000 });
        why += `\nat ${page.url()} (screenshot ${path.relative(TOP, shot)})`;
      } catch { /* the page is gone */ }
    }
    result(false, `${s.name} (${secs(Date.now() - t0)})`, why);
  } finally {
    for (const ctx of contexts) await ctx.close().catch(() => {});
  }
}

function pageChecks() {
  if (run.axeRules.size) info(`axe-core ran ${run.axeRules.size} distinct rules (its defaults: WCAG 2.x A/AA and best practices)`);
  for (const p of run.pages) {
    const where = `${p.name} (${new URL(p.url).pathname})`;
    if (p.axeRan) {
      const why = p.problems.map((v) => `[${v.impact}] ${v.id} at ${v.where}: ${v.help}; ${v.targets.join(' | ')}`).join('\n');
      result(p.problems.length === 0, `axe-core: ${where}: no serious or critical violation`, why);
      for (const v of p.notes || []) info(`axe note [${v.impact}] ${v.id} at ${v.where}: ${v.help}; ${v.targets.join(' | ')}`);
    }
    // Workers use phones; the staff desk is for desktops (issue 5).
    const views = p.pub ? ['390×844', '1280×800'] : ['1280×800'];
    const bad = views.flatMap((v) => (p.layout[v] || []).map((x) => `${v}: ${x}`));
    result(bad.length === 0, `layout: ${where}: no sideways scrolling, the header fits (${views.join(', ')})`, bad.join('\n'));
    if (!p.pub) for (const x of p.layout['390×844'] || []) info(`layout note ${p.name} at 390×844: ${x}`);
    const foreign = p.foreign;
    const ok = (!p.pub || p.bytes < PAGE_BUDGET) && foreign.length === 0;
    const why = [
      p.pub && p.bytes >= PAGE_BUDGET ? `transferred ${p.bytes} bytes, over ${PAGE_BUDGET}: ${p.parts.join(', ')}` : '',
      ...foreign.map((url) => `request to another host: ${url}`),
    ].filter(Boolean).join('\n');
    result(ok, `weight: ${where}: ${p.bytes} bytes${p.pub ? ` (under ${PAGE_BUDGET / 1024} KB)` : ''}, only 127.0.0.1`, why);
  }
  // Each public page says what it is in a description of its own (what a
  // search shows under its title): two pages with different titles never
  // share one (a form answered with its errors is the same page).
  const byText = new Map();
  for (const p of run.pages.filter((x) => x.pub)) {
    const where = `${p.name} (${new URL(p.url).pathname})`;
    const d = p.description;
    const same = d ? (byText.get(d) || []).filter((q) => q.title !== p.title) : [];
    result(!!d && same.length === 0, `description: ${where}: a <meta name="description"> of its own${d ? ` (${[...d].length} characters)` : ''}`,
      d === null ? 'more than one <meta name="description">'
        : !d ? 'no description, or an empty one' : `the same as ${same.map((q) => q.name).join(', ')}: ${d}`);
    if (d) byText.set(d, [...(byText.get(d) || []), p]);
  }
  result(run.foreign.length === 0, 'no request to any host but the site, on any page',
    run.foreign.slice(0, 20).map((f) => `${f.url} (from ${f.from})`).join('\n'));
}

function vnu() {
  const files = run.pages.map((p) => p.htmlFile);
  if (!files.length) return;
  const t0 = Date.now();
  if (!fs.existsSync(VNU)) { result(false, 'Nu Html Checker', `${VNU} missing: run npm ci`); return; }
  const r = spawnSync(JAVA, ['-Xss4m', ...JAVA_FAST, '-jar', VNU, '--format', 'json', '--stdout', ...files],
    { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  let messages;
  try { messages = JSON.parse(r.stdout).messages; } catch {
    result(false, 'Nu Html Checker runs', `${JAVA} -jar vnu.jar: ${r.error || ''} exit ${r.status}\n${(r.stderr || r.stdout || '').slice(0, 2000)}`);
    return;
  }
  info(`Nu Html Checker: ${files.length} pages in ${secs(Date.now() - t0)}`);
  for (const p of run.pages) {
    const mine = messages.filter((m) => m.url && fileURLToPath(m.url) === p.htmlFile);
    const fmt = (m) => `line ${m.lastLine ?? '?'}: ${m.message}${m.extract ? ` «${m.extract.replace(/\s+/g, ' ').trim().slice(0, 120)}»` : ''}`;
    const errors = mine.filter((m) => m.type === 'error' || m.type === 'non-document-error');
    for (const w of mine.filter((m) => m.type === 'info' && m.subType === 'warning')) info(`vnu warning ${p.name}: ${fmt(w)}`);
    result(errors.length === 0, `Nu Html Checker: ${p.name} (${new URL(p.url).pathname}): no error`,
      errors.map(fmt).join('\n'));
  }
  const stray = messages.filter((m) => !m.url);
  if (stray.length) info('vnu: ' + stray.map((m) => m.message).join('; '));
}

function screenshots(expected) {
  const have = new Map(run.pages.map((p) => [p.name, p]));
  const missing = expected.filter((name) => !have.has(name));
  const noFile = run.pages.flatMap((p) => p.shots.filter((f) => !fs.existsSync(f)));
  result(missing.length === 0 && noFile.length === 0,
    `screenshots of every page at 390×844 and 1280×800 in ${path.relative(TOP, run.shotDir)}/ (${run.pages.length * 2} files)`,
    [missing.length ? `pages never shown (their scenario failed): ${missing.join(', ')}` : '',
      ...noFile.map((f) => `no file ${f}`)].filter(Boolean).join('\n'));
}

async function main() {
  freshDir(run.shotDir, '.png');
  freshDir(run.htmlDir, '.html');
  const only = process.env.BROWSER_ONLY;
  const sides = [publicSide, staffSide, feedbackSide, actionsSide];
  const scenarios = sides.flatMap((m) => m.scenarios)
    .filter((s) => !only || s.name.includes(only));
  const expected = only ? [] : sides.flatMap((m) => m.expectedPages);

  const site = new Site();
  let browser = null;
  const cleanup = async () => {
    if (browser) await browser.close().catch(() => {});
    browser = null;
    return site.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => { await cleanup(); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
  }
  const watchdog = setTimeout(async () => {
    result(false, `the whole run finished within ${secs(RUN_MS)}`, 'stopped by the watchdog');
    await cleanup();
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(1);
  }, RUN_MS);

  try {
    let t0 = Date.now();
    try {
      await site.start();
    } catch (e) {
      result(false, 'the site starts (deploy/local.sh)', e.message);
      return;
    }
    run.origin = new URL(site.base).origin;
    info(`site on ${site.base} in ${secs(Date.now() - t0)}`);
    t0 = Date.now();
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30_000,
      });
    } catch (e) {
      result(false, `chromium starts (${CHROMIUM})`, String(e.message).slice(0, 1500));
      return;
    }
    info(`chromium ${browser.version()} started in ${secs(Date.now() - t0)}`);

    // Without a CJK font every Chinese character is a box in the screenshots.
    const fonts = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
    result(fonts.status === 0 && fonts.stdout.trim() !== '',
      'a Chinese font is installed, so the screenshots are readable',
      'fc-list :lang=zh found none: install Debian fonts-wqy-microhei (or fonts-noto-cjk)');

    const state = {};
    for (const s of scenarios) await scenario(browser, site, state, s);
    await browser.close();
    browser = null;
    t0 = Date.now();
    pageChecks();
    vnu();
    if (expected.length) screenshots(expected);
  } finally {
    clearTimeout(watchdog);
    const problems = await cleanup();
    if (process.env.KEEP_TEST_DIRS && site.dir) info(`site kept in ${site.dir}`);
    if (site.port) result(problems.length === 0, 'the server log shows no bug (statements left open, crashes)', problems.slice(0, 10).join('\n'));
    for (const [step, s] of run.steps)
      info(`time in record(): ${step}: ${secs(s.ms)} over ${s.n} (mean ${s.n ? Math.round(s.ms / s.n) : 0} ms, max ${s.max} ms)`);
    info(`browser tests took ${secs(Date.now() - started)}`);
    console.log(`${passed} passed, ${failed} failed`);
    if (failures.length) process.exitCode = 1;
  }
}

main().catch((e) => {
  console.log(`not ok ${n + 1} - the runner itself`);
  diag(e.stack || String(e));
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
