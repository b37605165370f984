// Events in solve(): crossing times known in closed form (via adaptive
// quadrature of dt = dx / x'(x)), terminal vs non-terminal, directions, pair
// events on the sphere, user functions, and agreement of the WASM builds with
// the TypeScript reference.

import { describe, expect, it } from 'vitest';
import { corridorHalfWidth } from '../src/corridor.js';
import type { EventSpec, SolveOptions } from '../src/types.js';
import { adaptiveSimpson, BACKEND_NAMES, engineFor, randomMatrix, seededRandom, timeToReach } from './helpers.js';

const A = 0.8;
const C = 2;
const pairOptions = (events: EventSpec[], extra: Partial<SolveOptions> = {}): SolveOptions => ({
  tokens: [[-A], [A]],
  t1: 5,
  rtol: 1e-12,
  atol: 1e-12,
  events,
  ...extra,
});

describe.each(BACKEND_NAMES)('events on %s', (backend) => {
  it('locates tokens -a and a reaching the level c at the time of the quadrature, to 1e-8 (dopri5 dense output)', async () => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    const sol = engine.solve(pairOptions([{ kind: 'corridor', level: C, terminal: true }], { saveAt: [1, 2, 4] }));
    expect(sol.status).toBe('event');
    expect(sol.events.map((e) => e.tokens[0]).sort()).toEqual([0, 1]);
    for (const e of sol.events) {
      expect(Math.abs(e.t - exact)).toBeLessThan(1e-8);
      expect(e).toMatchObject({ kind: 'corridor', event: 0, direction: 'rising', terminal: true });
    }
    expect(sol.events.find((e) => e.tokens[0] === 1)?.side).toBe('up');
    expect(sol.events.find((e) => e.tokens[0] === 0)?.side).toBe('down');
    // Stopped at the event: the state is the one there, save points beyond it are not reported.
    expect(Math.abs(sol.finalTime - exact)).toBeLessThan(1e-8);
    expect(sol.finalTokens[1]).toBeCloseTo(C, 9);
    expect(sol.finalTokens[0]).toBeCloseTo(-C, 9);
    expect(Array.from(sol.t)).toEqual([1].filter((t) => t <= exact));
  });

  it('locates the same crossing with fixed-step rk4 and heun through the cubic Hermite interpolant', async () => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    for (const [method, dt] of [
      ['rk4', 1e-3],
      ['heun', 1e-4],
    ] as const) {
      const sol = engine.solve(pairOptions([{ kind: 'corridor', level: C, tokens: [1], terminal: true }], { method, dt }));
      expect(sol.status, method).toBe('event');
      expect(sol.events).toHaveLength(1);
      expect(Math.abs(sol.events[0].t - exact), method).toBeLessThan(1e-8);
    }
  });

  // Found here: dop853 ~2e-11, dopri8 ~1.3e-10; the cubic Hermite interpolant of the same long steps was off
  // by 3.4e-6 (dopri8, before it had a dense output).
  it.each([
    ['dop853', 'its 7th-order dense output (3 extra stages a step)'],
    ['dopri8', 'its 5th-order dense output (1 extra stage a step)'],
  ] as const)('locates it with %s on %s: to 1e-9 at rtol 1e-10', async (method, _interpolant) => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    const events: EventSpec[] = [{ kind: 'corridor', level: C, tokens: [1], terminal: true }];
    const sol = engine.solve(pairOptions(events, { method, rtol: 1e-10, atol: 1e-10 }));
    expect(sol.status).toBe('event');
    expect(sol.events).toHaveLength(1);
    expect(Math.abs(sol.events[0].t - exact)).toBeLessThan(1e-9);
  });

  it('dopri8 with events: 12 new stages per attempt and one per accepted step, f(y_new), shared by its interpolant and the step end', async () => {
    const engine = await engineFor(backend);
    const sol = engine.solve(
      pairOptions([{ kind: 'corridor', level: C, tokens: [1] }], { method: 'dopri8', rtol: 1e-10, atol: 1e-10 }),
    );
    expect(sol.status).toBe('success');
    const { steps, rejected, rhsEvaluations } = sol.stats;
    // f(y0) and the initial-step probe, then stages 2..13 of every attempt, then the extra stage.
    expect(rhsEvaluations).toBe(2 + 12 * (steps + rejected) + steps);
  });

  it('keeps integrating past a non-terminal event, and honours the direction', async () => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    const sol = engine.solve(
      pairOptions([
        { kind: 'corridor', level: C, tokens: [1] }, // rising by default: leaving
        { kind: 'corridor', level: C, tokens: [1], direction: 'falling' }, // coming back in: never
        { kind: 'corridor', level: C, tokens: [0], direction: 'either' },
        // |x_1 - x_0| = 2 x grows past 2c: the pair stops being within 2c (falling), never comes within (rising).
        { kind: 'distance', distance: 2 * C, direction: 'falling' },
        { kind: 'distance', distance: 2 * C },
      ]),
    );
    expect(sol.status).toBe('success');
    expect(sol.finalTime).toBe(5);
    expect(sol.events.map((e) => e.event)).toEqual(expect.arrayContaining([0, 2, 3]));
    expect(sol.events).toHaveLength(3);
    for (const e of sol.events) expect(Math.abs(e.t - exact)).toBeLessThan(1e-8);
    expect(sol.events.find((e) => e.event === 3)).toMatchObject({ kind: 'distance', tokens: [0, 1], direction: 'falling' });
  });

  it('finds every one of 300 periodic crossings in closed form (more than fit in one call of the kernel)', async () => {
    // Zero queries make P = 1/2 everywhere, so both tokens move with the rotating mean m:
    // x_{1,2} = m(t) +- delta, m(t) = (cos t, sin t). |x_1|^2 = 1.25 + cos t crosses 1.25 at t = pi/2 + k pi.
    const engine = await engineFor(backend);
    const periods = 300;
    const sol = engine.solve({
      tokens: [
        [1.5, 0],
        [0.5, 0],
      ],
      heads: [
        {
          query: [
            [0, 0],
            [0, 0],
          ],
          value: [
            [0, 1],
            [-1, 0],
          ],
        },
      ],
      t1: periods * Math.PI + 0.1,
      rtol: 1e-12,
      atol: 1e-12,
      events: [{ kind: 'corridor', level: Math.sqrt(1.25), tokens: [0], direction: 'either' }],
    });
    expect(sol.status).toBe('success');
    expect(sol.events).toHaveLength(periods);
    sol.events.forEach((e, k) => {
      expect(Math.abs(e.t - (Math.PI / 2 + k * Math.PI))).toBeLessThan(1e-8);
      expect(e.direction).toBe(k % 2 === 0 ? 'falling' : 'rising');
    });
  });

  it('locates a cluster merge on the circle: two tokens reaching an inner product, time by quadrature', async () => {
    // On S^1 with V = I the angle between two tokens obeys theta' = -2 P_12 sin theta,
    // P_12 = e^{beta cos theta} / (e^beta + e^{beta cos theta}).
    const engine = await engineFor(backend);
    const beta = 1;
    const theta0 = 2;
    const thetaC = 0.5;
    const p12 = (th: number) => Math.exp(beta * Math.cos(th)) / (Math.exp(beta) + Math.exp(beta * Math.cos(th)));
    const exact = adaptiveSimpson((th) => 1 / (2 * p12(th) * Math.sin(th)), thetaC, theta0);
    const options: SolveOptions = {
      tokens: [
        [1, 0],
        [Math.cos(theta0), Math.sin(theta0)],
      ],
      geometry: 'sphere',
      beta,
      t1: 10,
      rtol: 1e-12,
      atol: 1e-12,
      events: [
        { kind: 'innerProduct', above: Math.cos(thetaC) },
        { kind: 'distance', distance: 2 * Math.sin(thetaC / 2) }, // the same moment, as a chord length
      ],
    };
    const sol = engine.solve(options);
    expect(sol.status).toBe('success');
    expect(sol.events.map((e) => e.kind).sort()).toEqual(['distance', 'innerProduct']);
    for (const e of sol.events) expect(Math.abs(e.t - exact)).toBeLessThan(1e-8);
    const stopped = engine.solve({ ...options, events: [{ kind: 'innerProduct', above: Math.cos(thetaC), terminal: true }] });
    expect(stopped.status).toBe('event');
    expect(Math.abs(stopped.finalTime - exact)).toBeLessThan(1e-8);
    const x = stopped.finalTokens;
    expect(Math.hypot(x[0], x[1])).toBeCloseTo(1, 14); // on the sphere
    expect(x[0] * x[2] + x[1] * x[3]).toBeCloseTo(Math.cos(thetaC), 9);
  });

  it('runs user event functions at every step, terminal and not, located on the interpolant', async () => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    const calls: number[] = [];
    const sol = engine.solve(
      pairOptions([
        {
          kind: 'user',
          fn: (t, x) => {
            calls.push(t);
            return x[1] - 1.5;
          },
          name: 'half way',
        },
        { kind: 'user', fn: (_t, x) => x[1] - C, terminal: true },
        { kind: 'corridor', level: 2.5 }, // after the terminal user event: never reported
      ]),
    );
    expect(sol.status).toBe('event');
    expect(sol.events.map((e) => e.event)).toEqual([0, 1]);
    expect(sol.events[0]).toMatchObject({ kind: 'user', name: 'half way', direction: 'rising', terminal: false, tokens: [] });
    expect(Math.abs(sol.events[0].t - timeToReach(A, 1.5))).toBeLessThan(1e-8);
    expect(Math.abs(sol.events[1].t - exact)).toBeLessThan(1e-8);
    expect(Math.abs(sol.finalTime - exact)).toBeLessThan(1e-8);
    expect(sol.finalTokens[1]).toBeCloseTo(C, 9);
    expect(calls.length).toBeGreaterThan(sol.stats.steps); // every step, plus the root finding
  });

  it('gives exactly the same solution with a user event that never fires (the step-by-step path resumes exactly)', async () => {
    const engine = await engineFor(backend);
    const tokens = randomMatrix(seededRandom(7), 9, 2);
    const base: SolveOptions = { tokens, t1: 3, saveAt: [0.5, 1, 2.5, 3] };
    const plain = engine.solve(base);
    const watched = engine.solve({ ...base, events: [{ kind: 'user', fn: () => 1 }] });
    expect(watched.status).toBe('success');
    expect(watched.events).toEqual([]);
    expect(watched.stats.steps).toBe(plain.stats.steps);
    watched.tokens.forEach((x, i) => {
      expect(Array.from(x)).toEqual(Array.from(plain.tokens[i]));
    });
  });

  it('carries events across layers', async () => {
    const engine = await engineFor(backend);
    const exact = timeToReach(A, C);
    const sol = engine.solve(pairOptions([{ kind: 'corridor', level: C, tokens: [1] }], { layers: [[{}], [{}], [{}]], t1: 3 }));
    expect(sol.status).toBe('success');
    expect(sol.events).toHaveLength(1);
    expect(Math.abs(sol.events[0].t - exact)).toBeLessThan(1e-8);
  });
});

describe('events: WASM builds against the reference', () => {
  it.each([1, 2, 3, 17, 123])('1-D corridor events at the default v0(N), N = %i', async (n) => {
    const tokens = randomMatrix(seededRandom(n), n, 1, 1.2);
    const options: SolveOptions = { tokens, t1: 3, events: [{ kind: 'corridor', direction: 'either' }] };
    const reference = (await engineFor('js')).solve(options);
    if (n > 1) expect(reference.events.length).toBeGreaterThan(0);
    // Exits are final (eq. 12-13): the side of each exit is the side the token ends on.
    for (const e of reference.events) expect(e.side).toBe(reference.finalTokens[e.tokens[0]] > 0 ? 'up' : 'down');
    for (const backend of ['simd', 'scalar'] as const) {
      const sol = (await engineFor(backend)).solve(options);
      expect(sol.events.map((e) => e.tokens)).toEqual(reference.events.map((e) => e.tokens));
      sol.events.forEach((e, k) => {
        expect(Math.abs(e.t - reference.events[k].t)).toBeLessThan(1e-11);
      });
    }
    expect(corridorHalfWidth(n)).toBeGreaterThanOrEqual(0);
  });

  it.each([2, 3, 17])('pair events on the sphere in D = 3, all pairs, N = %i', async (n) => {
    const tokens = randomMatrix(seededRandom(100 + n), n, 3);
    const options: SolveOptions = {
      tokens,
      geometry: 'sphere',
      beta: 2,
      t1: 4,
      events: [
        { kind: 'innerProduct', above: 0.9, direction: 'either' },
        { kind: 'distance', distance: 0.3, pairs: [[0, n - 1]] },
      ],
    };
    const reference = (await engineFor('js')).solve(options);
    for (const backend of ['simd', 'scalar'] as const) {
      const sol = (await engineFor(backend)).solve(options);
      expect(sol.events.map((e) => [e.event, ...e.tokens])).toEqual(reference.events.map((e) => [e.event, ...e.tokens]));
      sol.events.forEach((e, k) => {
        expect(Math.abs(e.t - reference.events[k].t)).toBeLessThan(1e-11);
      });
    }
  });
});

describe('event input errors', () => {
  it('names the offending field', async () => {
    const engine = await engineFor('js');
    const run = (events: unknown, tokens: number[][] = [[0.1], [1]]) =>
      engine.solve({ tokens, t1: 1, events: events as EventSpec[] });
    expect(() => run({})).toThrow(/events/);
    expect(() => run([{ kind: 'exit' }])).toThrow(/events\[0\]\.kind/);
    expect(() => run([{ kind: 'corridor', level: -1 }])).toThrow(/events\[0\]\.level/);
    expect(() => run([{ kind: 'corridor', tokens: [2] }])).toThrow(/events\[0\]\.tokens\[0\]/);
    expect(() => run([{ kind: 'corridor', treshold: 1 }])).toThrow(/events\[0\]\.treshold/);
    expect(() => run([{ kind: 'distance', distance: 1, pairs: [[1, 1]] }])).toThrow(/events\[0\]\.pairs\[0\]/);
    expect(() => run([{ kind: 'innerProduct' }])).toThrow(/events\[0\]\.above/);
    expect(() => run([{ kind: 'user' }])).toThrow(/events\[0\]\.fn/);
    expect(() => run([{ kind: 'corridor', direction: 'up' }])).toThrow(/events\[0\]\.direction/);
    expect(() => run([{ kind: 'corridor' }], [[0.1, 0.2]])).toThrow(/events\[0\]\.level.*D = 2/);
    expect(() => run([{ kind: 'user', fn: () => Number.NaN }])).toThrow(/events\[0\]\.fn.*NaN/);
  });
});
