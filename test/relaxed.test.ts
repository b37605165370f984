// The relaxed-SIMD build ('relaxed', f64x2.relaxed_madd). Node 20 validates it
// only with --experimental-wasm-relaxed-simd, so the agreement checks run in a
// child process started with that flag (test/fixtures/relaxed-child.mjs, on
// the built dist/: `npm test` builds first). Where the flag is refused (a
// Node that dropped it), the child runs without it, and the check is skipped
// with a printed note if relaxed SIMD does not validate there either.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine, detectBackend } from '../src/engine.js';
import { hasRelaxedSimd, hasSimd } from '../src/wasm/detect.js';

const CHILD = fileURLToPath(new URL('./fixtures/relaxed-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface ChildResult {
  validates: boolean;
  detected: string;
  backend?: string;
  rhs: number[];
  float32: number[];
  matrix: number[];
  threadsDescription?: string;
  threadsRhs: number[];
  threadsSameBits: boolean;
  solve: number | null;
  expUlps?: number;
}

function runChild(): { result: ChildResult | null; note: string } {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  for (const flags of [['--experimental-wasm-relaxed-simd'], []]) {
    const child = spawnSync(process.execPath, [...flags, CHILD], { encoding: 'utf8', timeout: 120000 });
    if (child.status === 0) {
      const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? 'null') as ChildResult;
      if (result.validates) return { result, note: '' };
      return { result: null, note: `relaxed SIMD does not validate under node ${flags.join(' ')}` };
    }
    if (!/bad option|not allowed|unknown/i.test(child.stderr)) throw new Error(`the relaxed child failed:\n${child.stderr}`);
  }
  return { result: null, note: 'node refuses --experimental-wasm-relaxed-simd' };
}

describe('relaxed SIMD backend', () => {
  it('agrees with the js reference in a child process with relaxed SIMD on', () => {
    const { result, note } = runChild();
    if (result === null) {
      console.warn(`skipped the relaxed-SIMD agreement check: ${note}`);
      return;
    }
    expect(result.detected).toBe('relaxed');
    expect(result.backend).toBe('relaxed');
    for (const e of result.rhs) expect(e).toBeLessThan(1e-13);
    // 'relaxed-threads': relaxed SIMD on 2 threads, the same bits as on one.
    expect(result.threadsDescription).toMatch(/^relaxed, 2 threads/);
    for (const e of result.threadsRhs) expect(e).toBeLessThan(1e-13);
    expect(result.threadsSameBits).toBe(true);
    for (const e of result.matrix) expect(e).toBeLessThan(1e-13);
    // float32 through the relaxed build: the bound of test/precision.test.ts is about 1e-5 at these sizes.
    for (const e of result.float32) expect(e).toBeLessThan(1e-5);
    expect(result.solve).toBeLessThan(1e-10);
    expect(result.expUlps).toBeLessThanOrEqual(2);
  }, 180000);

  it('is picked by detectBackend only where it validates, and refused where it does not', async () => {
    if (hasRelaxedSimd()) {
      expect(detectBackend()).toBe('relaxed');
      expect((await createEngine({ backend: 'simd' })).backend).toBe('simd');
    } else {
      expect(detectBackend()).toBe(hasSimd() ? 'simd' : 'scalar');
      await expect(createEngine({ backend: 'relaxed' })).rejects.toThrow(/relaxed SIMD/);
    }
  });
});
