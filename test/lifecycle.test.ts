// Engines: buffers reused across solves, independence, disposal, recovery after errors.

import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { AttnflowError } from '../src/errors.js';
import { randomMatrix, seededRandom } from './helpers.js';

describe.each(['simd', 'scalar'] as const)('%s engine lifecycle', (backend) => {
  it('10^4 solves of mixed sizes do not grow WebAssembly memory after warm-up', async () => {
    const engine = await createEngine({ backend });
    const random = seededRandom(1);
    const sizes = [
      [1, 1],
      [7, 3],
      [33, 2],
      [64, 5],
      [3, 17],
    ];
    const problems = sizes.map(([n, d]) => ({ tokens: randomMatrix(random, n, d), t1: 0.05, saveAt: [0.025, 0.05] }));
    for (const p of problems) engine.solve(p); // warm-up: the largest layout is reached
    const after = engine.memoryBytes;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 10000; i++) {
      const sol = engine.solve(problems[i % problems.length]);
      if (sol.status !== 'success') throw new Error(sol.message);
    }
    expect(engine.memoryBytes).toBe(after);
    // Resident memory may move with the JS heap's garbage, but not by the size of 10^4 solves' buffers.
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
  });

  it('keeps two engines independent, even interleaved', async () => {
    const a = await createEngine({ backend });
    const b = await createEngine({ backend });
    const random = seededRandom(2);
    const p = { tokens: randomMatrix(random, 20, 3), t1: 1 };
    const q = { tokens: randomMatrix(random, 50, 2), t1: 1, geometry: 'sphere' as const };
    const alone = [a.solve(p).tokens[0], b.solve(q).tokens[0]];
    const integrationA = a.solve(p);
    const integrationB = b.solve(q);
    expect(Array.from(integrationA.tokens[0])).toEqual(Array.from(alone[0]));
    expect(Array.from(integrationB.tokens[0])).toEqual(Array.from(alone[1]));
  });

  it('stays usable after a solve throws', async () => {
    const engine = await createEngine({ backend });
    const good = { tokens: [[0.3], [-0.2], [1.1]], t1: 2 };
    const before = engine.solve(good).tokens[0];
    expect(() => engine.solve({ tokens: [[1], [Number.NaN]], t1: 1 })).toThrow(AttnflowError);
    expect(() =>
      engine.solve({
        tokens: { data: new Float64Array(2 ** 24), n: 2 ** 22, d: 4 },
        t1: 1,
        saveAt: Array.from({ length: 100 }, (_, i) => i / 100),
      }),
    ).toThrow(/limit/);
    expect(Array.from(engine.solve(good).tokens[0])).toEqual(Array.from(before));
  });

  it('throws a disposed error after dispose()', async () => {
    const engine = await createEngine({ backend });
    engine.dispose();
    expect(() => engine.solve({ tokens: [[1]], t1: 1 })).toThrow(/disposed/);
  });
});
