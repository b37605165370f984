// The measured parts of bench/run.mjs: the attention RHS and the solves of every implementation, the
// timing helpers, and the fitted exponents.

import Benchmark from 'benchmark';
import { naiveRhs, tfjsRhs } from './peers.mjs';
import * as R from './report.mjs';

// ---------------------------------------------------------------------------------------------------------
// Measuring

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times fn: benchmark.js (median of stats.sample) for calls under slowCallMs, else `slowSamples` calls
 * timed by hand. Returns the measurement and fn's last result.
 */
function measure(name, fn, limits, settings) {
  let start = performance.now();
  let result = fn();
  const first = performance.now() - start;
  if (first >= settings.slowCallMs) {
    const times = [];
    for (let s = 0; s < settings.slowSamples; s++) {
      start = performance.now();
      result = fn();
      times.push(performance.now() - start);
    }
    const sorted = times.sort((a, b) => a - b);
    return {
      m: { medianMs: median(sorted), samples: sorted.length, minMs: sorted[0], maxMs: sorted.at(-1), timing: 'by hand' },
      result,
    };
  }
  // Warm-up: V8 tiers WASM and JS up lazily; give it a few calls first.
  const warm = performance.now();
  for (let i = 0; i < 3 || performance.now() - warm < 100; i++) result = fn();
  const bench = new Benchmark(name, fn, { maxTime: limits.maxTime, minSamples: limits.minSamples });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  return {
    m: {
      medianMs: median(sample) * 1e3,
      samples: sample.length,
      minMs: sample[0] * 1e3,
      maxMs: sample.at(-1) * 1e3,
      rmePercent: bench.stats.rme,
      timing: 'benchmark.js',
    },
    result,
  };
}

/** One figure from several passes: the median of their medians, every sample counted. */
function combinePasses(ms) {
  if (ms.length === 1) return ms[0];
  return {
    medianMs: median(ms.map((m) => m.medianMs)),
    passMediansMs: ms.map((m) => m.medianMs),
    samples: ms.reduce((s, m) => s + m.samples, 0),
    minMs: Math.min(...ms.map((m) => m.minMs)),
    maxMs: Math.max(...ms.map((m) => m.maxMs)),
    timing: [...new Set(ms.map((m) => m.timing))].join(', '),
  };
}

function relDiff(a, b) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}

const ratio = (fast, slow) => (fast?.medianMs && slow?.medianMs ? slow.medianMs / fast.medianMs : null);
const flopsPerRhs = (n, d) => 4 * n * n * d;

/**
 * Estimated ms of a call at (n, d) from the nearest measured case: the largest smaller N at the same D
 * (time ~ N^2), else the largest smaller D at the same N (time ~ D, an overestimate where exp dominates).
 */
function estimateMs(done, key, n, d) {
  const measured = done.filter((r) => r.backends[key]?.medianMs);
  const sameD = measured.filter((r) => r.d === d && r.n < n).sort((a, b) => b.n - a.n)[0];
  if (sameD) return sameD.backends[key].medianMs * (n / sameD.n) ** 2;
  const sameN = measured.filter((r) => r.n === n && r.d < d).sort((a, b) => b.d - a.d)[0];
  if (sameN) return (sameN.backends[key].medianMs * d) / sameN.d;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// The parts

export function rhsPart(ctx) {
  const { engines, cases, settings, log, notes, tfjs, python, probes } = ctx;
  log('\n== attention RHS, one identity head, beta = 1/sqrt(D) ==');
  const results = [];
  for (const [c, { n, d, tokens }] of cases.entries()) {
    const beta = 1 / Math.sqrt(d);
    const backends = {};
    const outputs = {};
    const runs = [];
    for (const name of Object.keys(engines)) runs.push([name, () => engines[name].attentionRhs({ tokens })]);
    // The same identity-head field through the row-max kernel: what the tied kernel (README "Tied heads") saves.
    runs.push(['rowMax', () => engines.simd.attentionRhs({ tokens, kernel: 'row-max' })]);
    runs.push(['f32', () => engines.simd.attentionRhs({ tokens, precision: 'float32' })]);
    if (engines.relaxed) runs.push(['relaxedF32', () => engines.relaxed.attentionRhs({ tokens, precision: 'float32' })]);
    runs.push(['naive', () => naiveRhs(tokens.data, n, d, beta)]);
    let tf = null;
    if (!tfjs.error) {
      tf = tfjsRhs(tfjs, tokens.data, n, d, beta);
      runs.push(['tfjs', tf.call]);
    }
    const timed = [];
    for (const [name, fn] of runs) {
      const estimate = estimateMs(results, name, n, d);
      if (estimate !== null && estimate > settings.rhsSkipMs) {
        backends[name] = { skipped: true, estimatedMs: estimate };
        notes.push(
          `rhs ${R.sizeLabel(n, d)} ${name} skipped: estimated ${(estimate / 1000).toFixed(1)} s per call (time ~ N^2 D from a smaller case).`,
        );
        log(`  ${R.sizeLabel(n, d).padEnd(10)} ${name.padEnd(10)} skipped (estimated ${R.fmtMs(estimate)} ms)`);
        continue;
      }
      timed.push([name, fn]);
    }
    // Passes over every implementation in turn: on a shared machine a slow phase (a neighbour on the
    // host) then lands in one pass of every column instead of in all samples of one column; the figure
    // is the median of the passes' medians.
    const passes = Object.fromEntries(timed.map(([name]) => [name, []]));
    for (let p = 0; p < (settings.rhs.passes ?? 1); p++) {
      for (const [name, fn] of timed) {
        const { m, result } = measure(`rhs ${n}x${d} ${name}`, fn, settings.rhs, settings);
        passes[name].push(m);
        outputs[name] = result;
      }
    }
    for (const [name] of timed) {
      const m = combinePasses(passes[name]);
      m.gflops = flopsPerRhs(n, d) / (m.medianMs * 1e6);
      backends[name] = m;
      log(`  ${R.sizeLabel(n, d).padEnd(10)} ${name.padEnd(10)} ${R.fmtMs(m.medianMs).padStart(8)} ms  (${m.samples} samples)`);
    }
    tf?.dispose();
    const np = python.rhs?.[c];
    if (np) {
      backends.numpy = { medianMs: np.medianMs, samples: np.samples, gflops: flopsPerRhs(n, d) / (np.medianMs * 1e6) };
      if (np.output) outputs.numpy = np.output;
    }
    // Every implementation computes the same field: a benchmark of a wrong answer would be worthless.
    const reference = outputs.js ?? outputs.simd ?? outputs.scalar;
    for (const [name, out] of Object.entries(outputs)) {
      if (reference === undefined || out === reference) continue;
      const diff = relDiff(out, reference);
      backends[name].maxRelDiff = diff;
      const single = ['f32', 'relaxedF32', 'tfjs'].includes(name);
      if (!(diff <= (single ? 1e-4 : 1e-10)))
        notes.push(`WARNING: rhs ${R.sizeLabel(n, d)}: ${name} differs by ${diff.toExponential(2)} (relative)`);
    }
    const b = backends;
    results.push({
      n,
      d,
      flops: flopsPerRhs(n, d),
      referenceForDiffs: outputs.js ? 'js' : outputs.simd ? 'simd' : 'scalar',
      backends,
      peakShare: peakShares(b, probes),
      ratios: {
        'simd/naive': ratio(b.simd, b.naive),
        'simd/js': ratio(b.simd, b.js),
        'simd/tfjs': ratio(b.simd, b.tfjs),
        'simd/numpy': ratio(b.simd, b.numpy),
        'simd/rowMax': ratio(b.simd, b.rowMax),
        'rk45Control/RK45': ratio(b.rk45Control, b.scipyRK45),
        'relaxedRk45Control/RK45': ratio(b.relaxedRk45Control, b.scipyRK45),
        'relaxedThreadsRk45Control/RK45': ratio(b.relaxedThreadsRk45Control, b.scipyRK45),
        'threads/simd': ratio(b.threads, b.simd),
        'threads/numpy': ratio(b.threads, b.numpy),
        'relaxedThreads/numpy': ratio(b.relaxedThreads, b.numpy),
        'relaxedThreads/relaxed': ratio(b.relaxedThreads, b.relaxed),
        'relaxed/numpy': ratio(b.relaxed, b.numpy),
        'f32/simd': ratio(b.f32, b.simd),
        'relaxedF32/relaxed': ratio(b.relaxedF32, b.relaxed),
        'relaxed/simd': ratio(b.relaxed, b.simd),
        'simd/scalar': ratio(b.simd, b.scalar),
        'relaxed/naive': ratio(b.relaxed, b.naive),
        'relaxed/tfjs': ratio(b.relaxed, b.tfjs),
      },
    });
  }
  return results;
}

/** GFLOP/s of each kernel over its build's probe (float64 or float32 mul+add). */
export function peakShares(b, probes) {
  const share = (m, peak) => (m?.gflops && peak ? m.gflops / peak : null);
  return {
    simd: share(b.simd, probes.simd?.f64Gflops),
    rowMax: share(b.rowMax, probes.simd?.f64Gflops),
    relaxed: share(b.relaxed, probes.relaxed?.f64Gflops),
    f32: share(b.f32, probes.simd?.f32Gflops),
    relaxedF32: share(b.relaxedF32, probes.relaxed?.f32Gflops),
  };
}

export function solvePart(ctx, rhsResults) {
  const { engines, cases, settings, log, notes, python } = ctx;
  const { T1, TOLERANCES, SAVE_AT } = ctx;
  log(`\n== Dormand-Prince solve to t1 = ${T1}, rtol ${TOLERANCES.rtol}, atol ${TOLERANCES.atol} ==`);
  const results = [];
  for (const { n, d, tokens } of cases) {
    const options = { tokens, t1: T1, ...TOLERANCES };
    const runs = [['simd', () => engines.simd.solve(options)]];
    if (engines.threads) runs.push(['threads', () => engines.threads.solve(options)]);
    if (engines.relaxedThreads) runs.push(['relaxedThreads', () => engines.relaxedThreads.solve(options)]);
    if (engines.relaxed) runs.push(['relaxed', () => engines.relaxed.solve(options)]);
    runs.push(['f32', () => engines.simd.solve({ ...options, precision: 'float32' })]);
    // Hairer's DOP853 at the same tolerances: SciPy's DOP853 is the same method.
    runs.push(['dop853', () => engines.simd.solve({ ...options, method: 'dop853' })]);
    if (engines.relaxedThreads) {
      runs.push(['relaxedThreadsDop853', () => engines.relaxedThreads.solve({ ...options, method: 'dop853' })]);
    }
    // The same with save points, interpolated on its dense output (SciPy: t_eval).
    runs.push(['dop853Saves', () => engines.simd.solve({ ...options, method: 'dop853', saveAt: SAVE_AT })]);
    if (engines.relaxedThreads) {
      runs.push([
        'relaxedThreadsDop853Saves',
        () => engines.relaxedThreads.solve({ ...options, method: 'dop853', saveAt: SAVE_AT }),
      ]);
    }
    // dopri5 with SciPy's controller (beta 0: no PI term), which takes RK45's very steps.
    const scipyControl = { ...options, controller: { beta: 0 } };
    runs.push(['rk45Control', () => engines.simd.solve(scipyControl)]);
    if (engines.relaxed) runs.push(['relaxedRk45Control', () => engines.relaxed.solve(scipyControl)]);
    if (engines.relaxedThreads) runs.push(['relaxedThreadsRk45Control', () => engines.relaxedThreads.solve(scipyControl)]);
    runs.push(['scalar', () => engines.scalar.solve(options)], ['js', () => engines.js.solve(options)]);
    const backends = {};
    const finals = {};
    let evaluations = null;
    for (const [name, fn] of runs) {
      // The backend whose RHS time estimates this run (for the skip rule).
      const rhsKey = name.startsWith('relaxedThreads')
        ? 'relaxedThreads'
        : name.startsWith('relaxed')
          ? 'relaxed'
          : name.startsWith('dop853') || name.startsWith('rk45')
            ? 'simd'
            : name;
      // Without the RHS part (--only solve): the simd solve's time per evaluation, times what the slow
      // backends cost over simd at most (bench/README.md: js ~30x, scalar ~5x).
      const rhsMs = rhsResults
        ? rhsResults.find((r) => r.n === n && r.d === d)?.backends[rhsKey]?.medianMs
        : backends.simd?.msPerRhsEvaluation * ({ js: 40, scalar: 8 }[name] ?? 1);
      const estimate = evaluations !== null && rhsMs ? rhsMs * evaluations : null;
      if (evaluations !== null && (estimate === null || estimate > settings.solveSkipMs)) {
        const why = estimate === null ? 'its RHS was not timed' : `estimated ${(estimate / 1000).toFixed(1)} s`;
        backends[name] = { skipped: true, estimatedMs: estimate };
        notes.push(`solve ${R.sizeLabel(n, d)} ${name} skipped: ${why} (${evaluations} RHS evaluations).`);
        log(`  ${R.sizeLabel(n, d).padEnd(10)} ${name.padEnd(8)} skipped (${why})`);
        continue;
      }
      const { m, result: sol } = measure(`solve ${n}x${d} ${name}`, fn, settings.solve, settings);
      if (sol.status !== 'success') notes.push(`WARNING: solve ${R.sizeLabel(n, d)} ${name}: ${sol.status}: ${sol.message}`);
      evaluations ??= sol.stats.rhsEvaluations;
      m.stats = sol.stats;
      m.msPerRhsEvaluation = m.medianMs / sol.stats.rhsEvaluations;
      backends[name] = m;
      finals[name] = sol.finalTokens;
      log(
        `  ${R.sizeLabel(n, d).padEnd(10)} ${name.padEnd(8)} ${R.fmtMs(m.medianMs).padStart(8)} ms  (${m.samples} samples; ${sol.stats.steps} steps, ${sol.stats.rhsEvaluations} evals)`,
      );
    }
    for (const [name, y] of Object.entries(finals))
      if (name !== 'simd') backends[name].maxRelDiffVsSimd = relDiff(y, finals.simd);
    if (!backends.simd?.stats) continue;
    for (const s of python.solve?.filter((s) => s.n === n && s.d === d) ?? []) {
      const key = `scipy${s.method}`;
      backends[key] = { medianMs: s.medianMs, samples: s.samples, nfev: s.nfev, steps: s.steps, success: s.success };
      if (s.final) backends[key].maxRelDiffVsSimd = relDiff(Float64Array.from(s.final), finals.simd);
    }
    const b = backends;
    results.push({
      n,
      d,
      steps: b.simd.stats.steps,
      rejected: b.simd.stats.rejected,
      rhsEvaluations: b.simd.stats.rhsEvaluations,
      backends,
      ratios: {
        'simd/RK45': ratio(b.simd, b.scipyRK45),
        'simd/DOP853': ratio(b.simd, b.scipyDOP853),
        'dop853/DOP853': ratio(b.dop853, b.scipyDOP853),
        'relaxedThreadsDop853/DOP853': ratio(b.relaxedThreadsDop853, b.scipyDOP853),
        'dop853Saves/DOP853saves': ratio(b.dop853Saves, b.scipyDOP853saves),
        'relaxedThreadsDop853Saves/DOP853saves': ratio(b.relaxedThreadsDop853Saves, b.scipyDOP853saves),
        'threads/RK45': ratio(b.threads, b.scipyRK45),
        'relaxedThreads/RK45': ratio(b.relaxedThreads, b.scipyRK45),
        'rk45Control/RK45': ratio(b.rk45Control, b.scipyRK45),
        'relaxedRk45Control/RK45': ratio(b.relaxedRk45Control, b.scipyRK45),
        'relaxedThreadsRk45Control/RK45': ratio(b.relaxedThreadsRk45Control, b.scipyRK45),
        'threads/simd': ratio(b.threads, b.simd),
        'relaxed/RK45': ratio(b.relaxed, b.scipyRK45),
        'relaxed/DOP853': ratio(b.relaxed, b.scipyDOP853),
        'simd/scalar': ratio(b.simd, b.scalar),
        'simd/js': ratio(b.simd, b.js),
        'f32/simd': ratio(b.f32, b.simd),
      },
    });
  }
  return results;
}

/** Least-squares slope of log(time) against log(x) over the cases where x varies and the other size is fixed. */
export function exponents(rhs) {
  const keys = ['naive', 'js', 'scalar', 'simd', 'relaxed', 'f32', 'tfjs', 'numpy'];
  const slope = (points) => {
    if (points.length < 2) return null;
    const xs = points.map((p) => Math.log(p[0]));
    const ys = points.map((p) => Math.log(p[1]));
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i] - my);
      sxx += (x - mx) ** 2;
    });
    return sxy / sxx;
  };
  const againstN = {};
  const againstD = {};
  for (const k of keys) {
    againstN[k] = slope(rhs.filter((r) => r.d === 64 && r.backends[k]?.medianMs).map((r) => [r.n, r.backends[k].medianMs]));
    againstD[k] = slope(rhs.filter((r) => r.n === 1024 && r.backends[k]?.medianMs).map((r) => [r.d, r.backends[k].medianMs]));
  }
  return { againstN, againstD, cases: 'N in {256, 1024, 4096} at D = 64; D in {1, 16, 64} at N = 1024' };
}
