// Fuzzing the public API: random and malformed problems either solve (finite
// results, a known status) or throw AttnflowError, never anything else. Bounded
// in time; fast-check prints the seed and the shrunk case on failure.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttnflowError } from '../../src/errors.js';
import { engineFor } from '../helpers.js';

const STATUSES = ['success', 'max_steps', 'non_finite', 'dt_min'];

/** Anything a confused caller might pass where a value is expected. */
const junk = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    0,
    1e308,
    -1e-320,
    2 ** 31,
    'NaN',
    '1',
    '',
    null,
    true,
    undefined,
  ),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.array(fc.double(), { maxLength: 3 }),
  fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.double(), { maxKeys: 2 }),
  fc.constant([[[[[1]]]]]),
);

const valid = {
  tokens: [
    [0.1, 0.2],
    [-0.3, 0.4],
    [0.5, -0.6],
  ],
  heads: [
    {
      query: [[1], [0]],
      key: [[0.5], [0.5]],
      value: [
        [1, 0],
        [0, 1],
      ],
    },
  ],
  t1: 0.5,
  saveAt: [0.25, 0.5],
  rtol: 1e-6,
  atol: 1e-8,
};

const keys = [
  ...Object.keys(valid),
  'layers',
  'beta',
  'geometry',
  'method',
  'dt',
  'maxSteps',
  'saveAttention',
  'geomtry',
  'tokenz',
  '__proto__',
];

/** A valid problem with one to three fields replaced by junk, or a head's matrix, or a token entry. */
const mutated = fc.record({
  replacements: fc.array(fc.tuple(fc.constantFrom(...keys), junk), { minLength: 1, maxLength: 3 }),
  deep: fc.option(fc.tuple(fc.constantFrom('token', 'query', 'key', 'value'), fc.nat(3), fc.nat(2), junk), { nil: undefined }),
});

function build({ replacements, deep }: { replacements: [string, unknown][]; deep?: [string, number, number, unknown] }) {
  const problem: Record<string, unknown> = structuredClone(valid);
  for (const [key, value] of replacements)
    Object.defineProperty(problem, key, { value, enumerable: true, configurable: true, writable: true });
  if (deep) {
    const [where, i, j, value] = deep;
    const target =
      where === 'token' ? (problem.tokens as unknown[][] | undefined) : (valid.heads[0] as Record<string, number[][]>)[where];
    if (Array.isArray(target) && Array.isArray(target[i % target.length])) {
      const copy = target.map((r) => (Array.isArray(r) ? [...r] : r));
      (copy[i % copy.length] as unknown[])[j] = value;
      if (where === 'token') problem.tokens = copy;
      else problem.heads = [{ ...valid.heads[0], [where]: copy }];
    }
  }
  return problem;
}

describe.each(['simd', 'js'] as const)('fuzzing solve on %s', (backend) => {
  it('answers every malformed problem with a Solution or an AttnflowError', async () => {
    const engine = await engineFor(backend);
    const thrown = new Set<string>();
    fc.assert(
      fc.property(mutated, (m) => {
        const problem = build(m);
        let sol: ReturnType<typeof engine.solve>;
        try {
          sol = engine.solve({ ...problem, maxSteps: problem.maxSteps === undefined ? 2000 : problem.maxSteps } as never);
        } catch (e) {
          if (!(e instanceof AttnflowError)) throw e;
          thrown.add(e.code);
          expect(e.message.length).toBeGreaterThan(0);
          return;
        }
        expect(STATUSES).toContain(sol.status);
        for (const x of [...sol.tokens, sol.finalTokens]) for (const v of x) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 400, interruptAfterTimeLimit: 4000 },
    );
    // The fuzzer reached the main kinds of rejection.
    for (const code of ['invalid_shape', 'non_finite', 'invalid_value', 'invalid_option']) expect(thrown).toContain(code);
  });
});
