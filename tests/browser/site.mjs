// The site under test, for the browser scenarios (run.mjs) and the
// Lighthouse runner (lighthouse.mjs): deploy/local.sh on a free port of
// 127.0.0.1 with a fresh database and the sample activities, started and
// stopped the way tests/http/harness.py does it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Debian's Chromium as root, headless, on a closed network: without the
// background-networking flags it keeps trying Google's hosts.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// Lines in the server's log that mean a bug even when every request answered
// (the same as tests/http/harness.py).
const LOG_PROBLEMS = /left open|handler gave no response|AddressSanitizer|runtime error/;

export function secs(ms) { return (ms / 1000).toFixed(1) + ' s'; }

// A promise that resolves after ms without keeping the process alive.
export function sleep(ms, value = null) {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${secs(ms)}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export class Site {
  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhijia-browser-'));
    fs.chmodSync(this.dir, 0o755);   // nginx workers run as nobody
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.db = path.join(this.dir, 'zhijia.db');
    this.logFile = path.join(this.dir, 'server.log');
    const log = fs.openSync(this.logFile, 'w');
    const env = {
      ...process.env,
      ZHIJIA_WORKERS: '2', POST_RATE: '10000r/s', POST_BURST: '10000',
      ZHIJIA_ADMIN_PASSWORD: 'admin-password-1', ZHIJIA_SAMPLES: '1',
    };
    this.proc = spawn(path.join(TOP, 'deploy', 'local.sh'),
      [String(this.port), path.join(this.dir, 'run'), this.db],
      { cwd: TOP, env, stdio: ['ignore', log, log], detached: true });   // its own process group
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({ code, sig })));
    this.proc.on('exit', () => { this.gone = true; });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.gone) throw new Error('the site exited:\n' + this.logTail());
      try {
        const r = await fetch(this.base + '/healthz', { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the site did not come up:\n' + this.logTail());
  }

  logTail() {
    try { return fs.readFileSync(this.logFile, 'utf8').slice(-3000); } catch { return ''; }
  }

  // Stops the site; returns the log lines that mean a bug.  keep: leave
  // the temp dir (its path is in this.dir).
  async stop({ keep = !!process.env.KEEP_TEST_DIRS } = {}) {
    if (!this.proc) return [];
    if (!this.gone) {
      this.proc.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(40_000)]);
      if (!done) {
        try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
        await Promise.race([this.exited, sleep(10_000)]);
      }
    }
    const problems = fs.existsSync(this.logFile)
      ? fs.readFileSync(this.logFile, 'utf8').split('\n').filter((l) => LOG_PROBLEMS.test(l)) : [];
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
    this.proc = null;
    return problems;
  }
}
