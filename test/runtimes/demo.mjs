// The browser demo in headless Chromium (playwright-core): the page loads and
// runs the SIMD build in its worker, playing advances time, the heatmap is
// not blank, changing N re-runs; a screenshot goes to test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { launchChromium } from './chromium.mjs';
import { root } from './util.mjs';

export async function run() {
  const server = await serve();
  const browser = await launchChromium();
  const failures = [];
  let passed = 0;
  const check = async (name, body) => {
    try {
      await body();
      passed += 1;
    } catch (error) {
      failures.push({ name, message: String(error?.stack ?? error) });
    }
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const time = async () => Number(await page.textContent('#time'));

    await check('the page loads and the worker runs the SIMD build', async () => {
      await page.goto(`${server.url}demo/`);
      await page.waitForSelector('body[data-run="1"]', { timeout: 15_000 });
      const backend = await page.textContent('#backend');
      if (backend !== 'simd' && backend !== 'relaxed') throw new Error(`backend ${backend}`);
      if ((await time()) !== 0) throw new Error(`t = ${await time()} before playing`);
    });

    await check('playing advances the time and counts steps per second', async () => {
      await page.click('#play');
      await page.waitForFunction(() => Number(document.getElementById('time').textContent) > 1, null, { timeout: 15_000 });
      await page.waitForFunction(() => Number(document.getElementById('rate').textContent) > 0, null, { timeout: 15_000 });
    });

    await check('the heatmap canvas is not blank (many colours, rows of a stochastic matrix)', async () => {
      const colours = await page.evaluate(() => {
        const c = document.getElementById('heatmap');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let k = 0; k < data.length; k += 4) seen.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
        return seen.size;
      });
      if (colours < 3) throw new Error(`${colours} distinct colours`);
    });

    await check('changing N re-runs the simulation from t = 0 with N tokens', async () => {
      const before = await time();
      await page.fill('#n', '9');
      await page.dispatchEvent('#n', 'change');
      await page.waitForSelector('body[data-run="2"][data-n="9"]', { timeout: 15_000 });
      const after = await time();
      if (!(after < before)) throw new Error(`t went from ${before} to ${after}`);
      await page.waitForFunction(() => Number(document.getElementById('time').textContent) > 0.5, null, { timeout: 15_000 });
      const caption = await page.textContent('#tokens-caption');
      if (!caption.startsWith('N = 9 ')) throw new Error(`caption "${caption}"`);
    });

    await check('a screenshot is written to test-results/', async () => {
      mkdirSync(join(root, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-results', 'demo.png') });
    });

    if (errors.length > 0) failures.push({ name: 'no page errors', message: errors.join('\n') });
  } finally {
    await browser.close();
    await server.close();
  }
  return { passed, failed: failures.length, failures };
}
