// solve(): save points, layers, statuses and input errors.

import { describe, expect, it } from 'vitest';
import { AttnflowError } from '../src/errors.js';
import { attentionRhs, init, solve } from '../src/index.js';
import { hasRelaxedSimd } from '../src/wasm/detect.js';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

describe.each(BACKEND_NAMES)('solve on %s', (backend) => {
  it('returns exactly the requested save times, including 0, and interpolates between steps', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(1);
    const tokens = randomMatrix(random, 5, 2);
    const saveAt = [0, 0.013, 0.5, 1.25, 2];
    const sol = engine.solve({ tokens, t1: 2, saveAt, rtol: 1e-10, atol: 1e-12 });
    expect(Array.from(sol.t)).toEqual(saveAt);
    expect(Array.from(sol.tokens[0])).toEqual(tokens.flat());
    // Each interpolated save equals a solve that ends there.
    for (let s = 1; s < saveAt.length; s++) {
      const direct = engine.solve({ tokens, t1: saveAt[s], rtol: 1e-10, atol: 1e-12 });
      expect(relativeError(sol.tokens[s], direct.tokens[0])).toBeLessThan(1e-8);
    }
    expect(sol.finalTime).toBe(2);
    expect(Array.from(sol.finalTokens)).toEqual(Array.from(sol.tokens[4]));
  });

  it('runs layer l on [l - 1, l): two layers equal two chained solves, no step crossing the boundary', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(2);
    const d = 3;
    const tokens = randomMatrix(random, 6, d);
    const first = randomHeads(random, d, 1, 3);
    const second = randomHeads(random, d, 2, 2);
    for (const method of ['dopri5', 'rk4'] as const) {
      const dt = method === 'rk4' ? 0.3 : undefined; // 0.3 does not divide 1: the step is clipped at the boundary
      const layered = engine.solve({ tokens, layers: [first, second], t1: 1.7, saveAt: [1, 1.7], method, dt });
      const a = engine.solve({ tokens, heads: first, t1: 1, method, dt });
      const b = engine.solve({ tokens: { data: a.tokens[0], n: 6, d }, heads: second, t1: 0.7, method, dt });
      expect(relativeError(layered.tokens[0], a.tokens[0])).toBeLessThan(method === 'rk4' ? 1e-15 : 1e-7);
      expect(relativeError(layered.tokens[1], b.tokens[0])).toBeLessThan(method === 'rk4' ? 1e-14 : 1e-7);
    }
  });

  it('stops with non_finite when the 1-D model overflows, keeping the last finite state', async () => {
    const engine = await engineFor(backend);
    const sol = engine.solve({ tokens: [[-0.5], [0.2], [1.5]], t1: 1000, saveAt: [1, 100, 1000] });
    expect(sol.status).toBe('non_finite');
    expect(sol.message).toMatch(/non-finite/);
    expect(sol.finalTime).toBeGreaterThan(300);
    expect(sol.finalTime).toBeLessThan(400);
    expect(Array.from(sol.t)).toEqual([1, 100]);
    for (const x of [...sol.tokens, sol.finalTokens]) for (const v of x) expect(Number.isFinite(v)).toBe(true);
  });

  it('names the overflow bound of its precision: x_i x_j past 1.3e154 (float64), 1.8e19 (float32)', async () => {
    const engine = await engineFor(backend);
    const sol64 = engine.solve({ tokens: [[-0.5], [0.2], [1.5]], t1: 1000 });
    expect(sol64.status).toBe('non_finite');
    expect(sol64.message).toMatch(/overflow float64 near 1\.3e154/);
    // sqrt(3.4e38) = 1.8e19: scores of tokens of 1e20 overflow float32 at once (the js backend computes in float64).
    const sol32 = engine.solve({
      tokens: [
        [1e20, 0],
        [0, 1e20],
        [1e20, 1e20],
      ],
      t1: 1,
      precision: 'float32',
    });
    if (backend === 'js') {
      expect(sol32.status).toBe('success');
      return;
    }
    expect(sol32.status).toBe('non_finite');
    expect(sol32.finalTime).toBe(0);
    expect(sol32.message).toMatch(/largest \|x\| was 1\.000e\+20, products x_i x_j overflow float32 near 1\.8e19/);
  });

  it('stops with max_steps, reporting how far it got', async () => {
    const engine = await engineFor(backend);
    const sol = engine.solve({ tokens: [[0.1], [0.4]], t1: 10, method: 'euler', dt: 0.01, maxSteps: 50 });
    expect(sol.status).toBe('max_steps');
    expect(sol.stats.steps).toBe(50);
    expect(sol.finalTime).toBeCloseTo(0.5, 12);
    expect(sol.t.length).toBe(0);
  });

  it("saves each head's attention matrix, rows summing to 1", async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(4);
    const sol = engine.solve({
      tokens: randomMatrix(random, 7, 3),
      heads: randomHeads(random, 3, 3, 2),
      t1: 1,
      saveAt: [0, 1],
      saveAttention: true,
    });
    expect(sol.attention?.length).toBe(2);
    for (const perHead of sol.attention ?? []) {
      expect(perHead.length).toBe(3);
      for (const p of perHead)
        for (let i = 0; i < 7; i++) expect(p.subarray(7 * i, 7 * i + 7).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
    }
  });
});

describe('input errors', () => {
  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['ragged rows', { tokens: [[1, 2], [3]], t1: 1 }, 'tokens[1]', /ragged/],
    ['an empty prompt', { tokens: [], t1: 1 }, 'tokens', /empty/],
    ['NaN in tokens', { tokens: [[1], [Number.NaN]], t1: 1 }, 'tokens[1][0]', /finite/],
    [
      'a key of the wrong shape',
      {
        tokens: [[1, 2]],
        heads: [
          {},
          {
            query: [[1], [2]],
            key: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
        t1: 1,
      },
      'heads[1].key',
      /d_k/,
    ],
    [
      'a value of the wrong shape',
      {
        tokens: [[1, 2]],
        heads: [
          {
            value: [
              [1, 2, 3],
              [4, 5, 6],
            ],
          },
        ],
        t1: 1,
      },
      'heads[0].value[0]',
      /columns/,
    ],
    [
      'Infinity in a weight',
      { tokens: [[1]], heads: [{ value: [[Number.POSITIVE_INFINITY]] }], t1: 1 },
      'heads[0].value[0][0]',
      /finite/,
    ],
    ['a misspelt option', { tokens: [[1]], t1: 1, geomtry: 'sphere' }, 'geomtry', /did you mean 'geometry'/],
    ['an unknown method', { tokens: [[1]], t1: 1, method: 'rk45' }, 'method', /one of/],
    ['t1 <= 0', { tokens: [[1]], t1: 0 }, 't1', /> 0/],
    ['unsorted saveAt', { tokens: [[1]], t1: 1, saveAt: [0.5, 0.2] }, 'saveAt[1]', /increasing/],
    ['saveAt past t1', { tokens: [[1]], t1: 1, saveAt: [2] }, 'saveAt[0]', /outside/],
    ['a fixed-step method without dt', { tokens: [[1]], t1: 1, method: 'rk4' }, 'dt', /give dt/],
    ['more time than layers', { tokens: [[1]], t1: 3, layers: [[{}], [{}]] }, 't1', /layers/],
    ['a zero token on the sphere', { tokens: [[0, 0]], t1: 1, geometry: 'sphere' }, 'tokens[0]', /sphere/],
  ];

  it.each(bad)('%s is an AttnflowError naming the field', async (_, options, path, message) => {
    const engine = await engineFor('simd');
    let error: unknown;
    try {
      engine.solve(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttnflowError);
    expect((error as AttnflowError).path).toBe(path);
    expect((error as AttnflowError).message).toMatch(message);
  });

  it('sizes beyond WebAssembly memory are refused before any allocation, with both numbers', async () => {
    const engine = await engineFor('simd');
    const data = new Float64Array(4);
    const many = Array.from({ length: 300 }, (_, i) => i / 300);
    expect(() =>
      engine.solve({ tokens: { data: new Float64Array(2 ** 20 * 8), n: 2 ** 20, d: 8 }, t1: 1, saveAt: many }),
    ).toThrow(/needs .* GiB.*limit is 4\.00 GiB/);
    expect(data.length).toBe(4);
  });
});

describe('the default engine', () => {
  it('init() picks simd here (relaxed where relaxed SIMD validates), and init({ backend }) forces one', async () => {
    expect(await init()).toBe(hasRelaxedSimd() ? 'relaxed' : 'simd');
    expect(await init({ backend: 'scalar' })).toBe('scalar');
    const sol = solve({ tokens: [[0.5]], t1: 1 });
    expect(sol.backend).toBe('scalar');
    expect(sol.tokens[0][0]).toBeCloseTo(0.5 * Math.E, 8); // one token: x' = x
    expect(attentionRhs({ tokens: [[2], [2]] })).toEqual(Float64Array.of(2, 2));
    await expect(init({ backend: 'gpu' as never })).rejects.toThrow(/backend/);
  });
});

describe.each(BACKEND_NAMES)('the dt_min status on %s', (backend) => {
  it('stops with dt_min when accuracy needs steps below 1e-14 |t|, keeping the last accepted state', async () => {
    // A token rotating on the circle at angular speed omega = 1e4 (V = omega J, skew), started at
    // t0 = 1e12 (a late segment): dopri5 needs steps near 1e-6, far below 1e-14 t0 = 0.01.
    const { WasmBackend } = await import('../src/wasm/backend.js');
    const { wasmModule } = await import('../src/wasm/load.js');
    const { createReferenceBackend } = await import('../src/reference/integrate.js');
    const { planSolve } = await import('../src/options.js');
    const omega = 1e4;
    const plan = planSolve({
      tokens: [[1, 0]],
      heads: [
        {
          value: [
            [0, omega],
            [-omega, 0],
          ],
        },
      ],
      geometry: 'sphere',
      t1: 1,
    });
    const impl = backend === 'js' ? createReferenceBackend() : new WasmBackend(await wasmModule(backend), backend);
    const integration = impl.integrate(plan.problem, plan.method, plan.y0, 1, false, null);
    const t0 = 1e12;
    const r = integration.runSegment(0, {
      t0,
      t1: t0 + 1,
      dt: 0,
      rtol: 1e-8,
      atol: 1e-10,
      maxSteps: 10000,
      facold: 0,
      controller: plan.controller,
      dtMax: plan.dtMax,
      saveTimes: Float64Array.of(t0 + 1),
      resume: false,
      stepLimit: 0,
    });
    expect(r.status).toBe(3); // STATUS_NAMES[3] = 'dt_min'
    expect(r.tReached).toBeGreaterThanOrEqual(t0);
    const y = integration.state();
    expect(Math.hypot(y[0], y[1])).toBeCloseTo(1, 12);
  });
});

describe('unknown keys everywhere', () => {
  it('names a misspelt field option and a misspelt head matrix, with a suggestion', async () => {
    const engine = await engineFor('simd');
    expect(() => engine.attentionRhs({ tokens: [[1]], betta: 2 } as never)).toThrow(
      /betta: is not an option \(did you mean 'beta'\?\)/,
    );
    expect(() => engine.solve({ tokens: [[1, 0]], heads: [{ querry: [[1], [0]] }], t1: 1 } as never)).toThrow(
      /heads\[0\]\.querry: is not an option \(did you mean 'query'\?\)/,
    );
  });
});

describe.each(BACKEND_NAMES)('onProgress on %s', (backend) => {
  it('reports increasing times up to t1 and leaves the solution bit for bit the same', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(21);
    const options = { tokens: randomMatrix(random, 9, 2), heads: randomHeads(random, 2, 2, 2), t1: 6, saveAt: [1, 2.5, 6] };
    const plain = engine.solve(options);
    const seen: number[] = [];
    const watched = engine.solve({ ...options, onProgress: (t) => seen.push(t) });
    expect(plain.stats.steps).toBeGreaterThan(20); // more than one callback, each every 16 steps
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (let k = 1; k < seen.length; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1]);
    expect(seen[seen.length - 1]).toBe(6);
    expect(watched.stats).toEqual(plain.stats);
    for (let s = 0; s < plain.tokens.length; s++) expect(Array.from(watched.tokens[s])).toEqual(Array.from(plain.tokens[s]));
    expect(() => engine.solve({ ...options, onProgress: 3 as never })).toThrow(/onProgress/);
  });
});
