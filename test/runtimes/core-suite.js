// The core tests that run unchanged in every runtime (Node, Chromium,
// workerd, @edge-runtime/vm, Bun, Deno) against the BUILT package: each
// runtime's driver imports its entry of dist/ and hands the module namespace
// to coreCases(). Plain JavaScript with its own tiny assertions, so that no
// runtime needs a transpiler or a test framework to run it.
//
// Oracles are independent of the package: the field and the residual layer
// written out directly (eqs. 1-3, 7), closed-form solutions, and the paper's
// 1-D facts (eq. 9).

/** mulberry32 + Box-Muller: seeded normal samples, the same in every runtime. */
function normals(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function matrix(next, rows, cols, scale = 1) {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * next()));
}

const matmul = (a, b) => a.map((r) => b[0].map((_, j) => r.reduce((s, v, l) => s + v * b[l][j], 0)));

/** Row-wise softmax of beta (X Q)(X K)^T, subtracting the row maximum. */
function attention(x, q, k, beta) {
  const xq = matmul(x, q);
  const xk = matmul(x, k);
  return xq.map((qi) => {
    const s = xk.map((kj) => beta * qi.reduce((acc, v, l) => acc + v * kj[l], 0));
    const m = Math.max(...s);
    const e = s.map((si) => Math.exp(si - m));
    const z = e.reduce((acc, v) => acc + v, 0);
    return e.map((v) => v / z);
  });
}

/** f(X) = sum_h P_h X V_h (eq. 7), written out. */
function field(x, heads, beta) {
  const out = x.map((r) => r.map(() => 0));
  for (const h of heads) {
    const pxv = matmul(matmul(attention(x, h.query, h.key, beta), x), h.value);
    pxv.forEach((r, i) => {
      r.forEach((v, j) => {
        out[i][j] += v;
      });
    });
  }
  return out.flat();
}

function relativeError(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertClose(actual, expected, tolerance, what) {
  const e = relativeError(actual, expected);
  assert(e <= tolerance, `${what}: relative error ${e.toExponential(2)} > ${tolerance}`);
}

/** The time for x' = x tanh(x^2) to go from a to c (adaptive Simpson). */
function timeToReach(a, c) {
  const g = (x) => 1 / (x * Math.tanh(x * x));
  const simpson = (lo, hi) => ((hi - lo) / 6) * (g(lo) + 4 * g((lo + hi) / 2) + g(hi));
  const adapt = (lo, hi, whole, tol, depth) => {
    const mid = (lo + hi) / 2;
    const left = simpson(lo, mid);
    const right = simpson(mid, hi);
    if (depth > 50 || Math.abs(left + right - whole) <= 15 * tol) return left + right + (left + right - whole) / 15;
    return adapt(lo, mid, left, tol / 2, depth + 1) + adapt(mid, hi, right, tol / 2, depth + 1);
  };
  return adapt(a, c, simpson(a, c), 1e-13, 0);
}

/**
 * The portable core tests. `api` is the namespace of one of the package's
 * entries; `expectSimd` says whether the runtime must pick the SIMD build.
 */
export function coreCases(api, { expectSimd = true } = {}) {
  const engines = new Map();
  const engine = (backend) => {
    if (!engines.has(backend)) engines.set(backend, api.createEngine({ backend }));
    return engines.get(backend);
  };
  const cases = [];
  const test = (name, run) => cases.push({ name, run });

  test('init() picks a WebAssembly build (SIMD where it validates)', async () => {
    const backend = await api.init();
    const detected = api.detectBackend();
    // An entry without the relaxed build (workerd, edge) falls back from a detected 'relaxed' to 'simd'.
    assert(
      backend === detected || (detected === 'relaxed' && backend === 'simd'),
      `init gave ${backend}, detectBackend ${detected}`,
    );
    assert(backend === 'relaxed' || backend === 'simd' || (!expectSimd && backend === 'scalar'), `backend ${backend}`);
    assert(api.backend() === backend, 'backend() after init');
  });

  for (const backend of ['simd', 'scalar', 'js']) {
    test(`${backend}: the field of eq. (7) equals P X V written out (N = 17, D = 3, H = 2, random Q, K, V)`, async () => {
      const e = await engine(backend);
      const next = normals(17);
      const d = 3;
      const x = matrix(next, 17, d);
      const heads = [0, 1].map(() => ({
        query: matrix(next, d, 2, 0.5),
        key: matrix(next, d, 2, 0.5),
        value: matrix(next, d, d, 0.5),
      }));
      const beta = 0.9;
      assertClose(e.attentionRhs({ tokens: x, heads, beta }), field(x, heads, beta), 1e-13, 'f(X)');
      assertClose(
        e.attentionMatrix({ tokens: x, heads, beta }, 1),
        attention(x, heads[1].query, heads[1].key, beta).flat(),
        1e-13,
        'P_1',
      );
    });

    test(`${backend}: on the sphere the field is f projected on the tangent space (N = 5, D = 4)`, async () => {
      const e = await engine(backend);
      const raw = matrix(normals(5), 5, 4);
      const x = raw.map((r) => {
        const norm = Math.hypot(...r);
        return r.map((v) => v / norm);
      });
      const eye = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
      const f = field(x, [{ query: eye, key: eye, value: eye }], 1.5);
      const projected = x.flatMap((xi, i) => {
        const fi = f.slice(4 * i, 4 * i + 4);
        const dot = fi.reduce((s, v, j) => s + v * xi[j], 0);
        return fi.map((v, j) => v - dot * xi[j]);
      });
      assertClose(e.attentionRhs({ tokens: raw, beta: 1.5, geometry: 'sphere' }), projected, 1e-13, 'projected f(X)');
    });

    test(`${backend}: one token with V = rotation by w moves on a circle, x(t) = R(w t) x0`, async () => {
      const e = await engine(backend);
      const w = 0.7;
      const t1 = 3;
      const sol = e.solve({
        tokens: [[1.2, -0.4]],
        heads: [
          {
            value: [
              [0, w],
              [-w, 0],
            ],
          },
        ],
        t1,
        saveAt: [1, t1],
        rtol: 1e-11,
        atol: 1e-13,
      });
      assert(sol.status === 'success', sol.message);
      assert(sol.t.length === 2 && sol.t[0] === 1 && sol.t[1] === t1, `save times ${Array.from(sol.t)}`);
      const c = Math.cos(w * t1);
      const s = Math.sin(w * t1);
      // row form: x' = x V, so x(t) = x0 expm(t V) = [x c - y s, x s + y c]
      assertClose(sol.tokens[1], [1.2 * c + 0.4 * s, 1.2 * s - 0.4 * c], 1e-9, 'x(t1)');
    });

    test(`${backend}: 1-D tokens -a, a: the upper one follows x' = x tanh(x^2) (eq. 9)`, async () => {
      const e = await engine(backend);
      const a = 0.8;
      const sol = e.solve({ tokens: [[-a], [a]], t1: 2, rtol: 1e-12, atol: 1e-12 });
      assert(sol.tokens[0][0] === -sol.tokens[0][1], 'the symmetry x -> -x is exact');
      const t = timeToReach(a, sol.tokens[0][1]);
      assert(Math.abs(t - 2) < 1e-8, `time to reach x(2) is ${t}`);
    });

    test(`${backend}: one Euler step with dt = 1 is the residual layer X + softmax(X X^T) X (eqs. 1-3)`, async () => {
      const e = await engine(backend);
      const x = matrix(normals(3), 6, 4, 0.7);
      const eye = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
      const f = field(x, [{ query: eye, key: eye, value: eye }], 1);
      const sol = e.solve({ tokens: x, beta: 1, t1: 1, method: 'euler', dt: 1 });
      assert(sol.stats.steps === 1, `${sol.stats.steps} steps`);
      assertClose(
        sol.tokens[0],
        x.flat().map((v, i) => v + f[i]),
        1e-13,
        'X + Phi(X)',
      );
    });
  }

  test('1-D model: order preserved and gaps never shrink (paper, fact 1), on the default engine', () => {
    const x0 = matrix(normals(11), 9, 1);
    const saveAt = Array.from({ length: 21 }, (_, i) => i * 0.2);
    const sol = api.solve({ tokens: x0, t1: 4, saveAt });
    assert(sol.status === 'success', sol.message);
    const order = x0.map((_, i) => i).sort((i, j) => x0[i][0] - x0[j][0]);
    for (let s = 1; s < sol.t.length; s++) {
      for (let k = 1; k < order.length; k++) {
        const gap = sol.tokens[s][order[k]] - sol.tokens[s][order[k - 1]];
        const before = sol.tokens[s - 1][order[k]] - sol.tokens[s - 1][order[k - 1]];
        assert(gap >= before * (1 - 1e-9), `gap ${k} shrank at t = ${sol.t[s]}`);
      }
    }
  });

  test('bad input throws AttnflowError with code and path, before any work', () => {
    try {
      api.solve({ tokens: [[1], [2, 3]], t1: 1 });
    } catch (error) {
      assert(error instanceof api.AttnflowError, `threw ${error}`);
      assert(error.code === 'invalid_shape', `code ${error.code}`);
      return;
    }
    throw new Error('ragged tokens were accepted');
  });

  return cases;
}

/** Runs cases one after another; never throws. */
export async function runCases(cases) {
  const failures = [];
  for (const c of cases) {
    try {
      await c.run();
    } catch (error) {
      failures.push({ name: c.name, message: String(error?.stack ?? error) });
    }
  }
  return { passed: cases.length - failures.length, failed: failures.length, failures };
}
