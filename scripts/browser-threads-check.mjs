// Checks the Web Worker path of the threaded engine in headless Chromium (run `npm run build`
// first): a cross-origin-isolated page must get 2 threads whose results equal 1 thread's bit for
// bit (field, solve, solveMany); a page without COOP/COEP must fall back to 1 thread and say why.
// Prints both pages' reports and a 1024 x 64 field timing; exits 1 on a failed check.
//
//   node scripts/browser-threads-check.mjs        (CHROMIUM=/path/to/chrome to choose the browser)

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const PAGE = `<!doctype html><html><body><script type="module">
import { createEngine } from '/dist/index.js';
const out = {};
try {
  const two = await createEngine({ threads: 2, parallelThreshold: 0 });
  const one = await createEngine({ threads: 1 });
  Object.assign(out, { description: two.description, threads: two.threads, crossOriginIsolated: self.crossOriginIsolated });
  let diff = 0;
  for (const n of [1, 2, 3, 17, 123]) {
    const tokens = { data: Float64Array.from({ length: n * 3 }, (_, i) => Math.sin(i * 1.3 + n)), n, d: 3 };
    const a = two.attentionRhs({ tokens }), b = one.attentionRhs({ tokens });
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    const s = two.solve({ tokens, t1: 1 }).finalTokens, r = one.solve({ tokens, t1: 1 }).finalTokens;
    for (let i = 0; i < s.length; i++) diff = Math.max(diff, Math.abs(s[i] - r[i]));
  }
  out.maxDifference = diff;
  const problems = Array.from({ length: 40 }, (_, k) => ({ beta: k / 4, tokens: { data: Float64Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.7 + k)), n: 32, d: 2 } }));
  const many = two.solveMany(problems, { geometry: 'sphere', t1: 3 });
  out.solveManyEqualsSolve = problems.every((p, k) => {
    const alone = one.solve({ ...p, geometry: 'sphere', t1: 3 }).finalTokens;
    return many[k].finalTokens.every((v, i) => v === alone[i]);
  });
  const o = { tokens: { data: Float64Array.from({ length: 1024 * 64 }, (_, i) => Math.sin(i)), n: 1024, d: 64 } };
  for (let w = 0; w < 3; w++) { one.attentionRhs(o); two.attentionRhs(o); }
  const ta = [], tb = [];
  for (let r = 0; r < 9; r++) {
    let t = performance.now(); one.attentionRhs(o); ta.push(performance.now() - t);
    t = performance.now(); two.attentionRhs(o); tb.push(performance.now() - t);
  }
  const median = (x) => x.sort((p, q) => p - q)[4];
  out.field1024x64Ms = { oneThread: median(ta), twoThreads: median(tb) };
  two.dispose();
  one.dispose();
} catch (e) { out.error = String((e && e.stack) || e); }
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script></body></html>`;

/** Serves the page and dist/ (with or without cross-origin isolation) until the page posts its report. */
function runPage(isolated) {
  return new Promise((resolve, reject) => {
    let browser;
    const server = http.createServer((req, res) => {
      const headers = isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {};
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          res.end();
          browser.kill();
          server.close();
          resolve(JSON.parse(body));
        });
        return;
      }
      try {
        const html = req.url === '/';
        const body = html ? PAGE : readFileSync(join(ROOT, req.url.split('?')[0]));
        res.writeHead(200, { ...headers, 'Content-Type': html ? 'text/html' : 'text/javascript' });
        res.end(body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    const profile = join(tmpdir(), `attnflow-chromium-${process.pid}-${isolated}`);
    server.on('close', () => setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500));
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      browser = spawn(CHROMIUM, [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        `http://127.0.0.1:${port}/`,
      ]);
      browser.on('error', reject);
      setTimeout(() => {
        browser.kill();
        server.close();
        reject(new Error('no report from the page within 60 s'));
      }, 60_000).unref();
    });
  });
}

const isolated = await runPage(true);
const plain = await runPage(false);
console.log('cross-origin isolated page:', JSON.stringify(isolated));
console.log('page without COOP/COEP:   ', JSON.stringify(plain));
const ok =
  isolated.threads === 2 &&
  isolated.maxDifference === 0 &&
  isolated.solveManyEqualsSolve === true &&
  plain.threads === 1 &&
  /SharedArrayBuffer is unavailable/.test(plain.description) &&
  plain.maxDifference === 0 &&
  plain.solveManyEqualsSolve === true;
console.log(ok ? 'browser threads check passed' : 'browser threads check FAILED');
process.exit(ok ? 0 : 1);
