// init() in two worker threads at once: each gets its own engine and module
// instance, and both agree bitwise with the main thread.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { randomMatrix, seededRandom } from './helpers.js';

function inWorker(backend: string, problem: object): Promise<{ backend: string; tokens: number[]; status: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fixtures/solve-in-worker.mjs', import.meta.url), { workerData: { backend, problem } });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('inits in two workers', () => {
  it.each(['simd', 'scalar'])('are independent of each other and of the main thread (%s)', async (backend) => {
    const random = seededRandom(8);
    const a = { tokens: randomMatrix(random, 40, 3), t1: 2, geometry: 'sphere' };
    const b = { tokens: randomMatrix(random, 25, 2), t1: 3 };
    const [ra, rb] = await Promise.all([inWorker(backend, a), inWorker(backend, b)]);
    const engine = await createEngine({ backend: backend as 'simd' });
    expect(ra.backend).toBe(backend);
    expect(rb.backend).toBe(backend);
    expect(ra.tokens).toEqual(Array.from(engine.solve(a as never).finalTokens));
    expect(rb.tokens).toEqual(Array.from(engine.solve(b as never).finalTokens));
  });
});
