// Benchmarks of attnflow's three backends ('js', 'scalar', 'simd'):
//   rhs:   ms per attention right-hand side, engine.attentionRhs({ tokens }), one identity head;
//   solve: ms per full Dormand-Prince solve, engine.solve({ tokens, t1: 1 }) (rtol 1e-8, atol 1e-10).
// Timing by benchmark.js (median of stats.sample). See bench/README.md for how to read the output.
//
//   node bench/run.mjs                 full run (~4 min on 2 vCPUs): rewrites bench/results/latest.json
//                                      and the table in bench/README.md
//   node bench/run.mjs --quick         smoke run with few samples: writes bench/results/partial.json only
//   node bench/run.mjs --only rhs      (or --only solve) one part: writes bench/results/partial.json only

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Benchmark from 'benchmark';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const README = join(HERE, 'README.md');
const RESULTS_DIR = join(HERE, 'results');
const START_MARKER = '<!-- results:start -->';
const END_MARKER = '<!-- results:end -->';

const USAGE = `usage: node bench/run.mjs [--quick] [--only rhs|solve]
  --quick        few samples per case (smoke run); results go to bench/results/partial.json
  --only PART    run only the 'rhs' or the 'solve' part; results go to bench/results/partial.json
Only a complete run (neither option) rewrites bench/results/latest.json and the table in bench/README.md.`;

/** (N, D) cases, smallest first, so that each backend is warm before the long calls. */
const SIZES = [
  [64, 16],
  [256, 64],
  [1024, 1],
  [1024, 64],
];
const BACKENDS = ['js', 'scalar', 'simd'];
const SOLVE_BACKENDS = ['simd', 'scalar', 'js']; // simd first: its solve gives the RHS count used to decide on js
const SEED = 1;
const T1 = 1;

/**
 * benchmark.js stops sampling a case once it has minSamples samples and maxTime seconds have passed.
 * Note: benchmark.js calls the function once untimed before each timed clock (a check that it runs), so
 * a case whose single call exceeds its minimum sample time (50 ms) costs about 2 calls per sample.
 */
const SETTINGS = {
  full: {
    rhs: { maxTime: 3, minSamples: 7 },
    solve: { maxTime: 3, minSamples: 5 },
    warmup: { rhs: { ms: 300, calls: 2 }, solve: { ms: 300, calls: 1 } },
    jsSolveLimitMs: 5000,
  },
  quick: {
    rhs: { maxTime: 0.25, minSamples: 2 },
    solve: { maxTime: 0.25, minSamples: 1 },
    warmup: { rhs: { ms: 100, calls: 1 }, solve: { ms: 100, calls: 1 } },
    jsSolveLimitMs: 1000,
  },
};

function parseCommandLine() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.only !== undefined && values.only !== 'rhs' && values.only !== 'solve') {
    console.error(`--only takes 'rhs' or 'solve', got '${values.only}'\n${USAGE}`);
    process.exit(2);
  }
  return { quick: values.quick, only: values.only ?? null };
}

/**
 * The library from dist/index.js, and the seeded generator of src/random.ts (not part of the public API):
 * tsc's output of it is dist/random.js while dist/ is plain tsc output, build/tsc/random.js once dist/ is
 * a rollup bundle.
 */
async function loadLibrary() {
  const randomFile = ['dist/random.js', 'build/tsc/random.js'].find((f) => existsSync(join(ROOT, f)));
  if (!existsSync(join(ROOT, 'dist/index.js')) || randomFile === undefined) {
    console.error(
      'bench: dist/index.js or the compiled src/random.ts is missing; run `npm run build` first (`npm run bench` does both).',
    );
    process.exit(1);
  }
  const { createEngine } = await import('../dist/index.js');
  const { randomMatrix, seededRandom } = await import(`../${randomFile}`);
  if (typeof createEngine !== 'function' || typeof randomMatrix !== 'function' || typeof seededRandom !== 'function') {
    throw new Error(`bench: dist/index.js must export createEngine and ${randomFile} randomMatrix and seededRandom`);
  }
  return { createEngine, randomMatrix, seededRandom, randomFile };
}

// ---------------------------------------------------------------------------------------------------------
// Measuring

function median(sorted) {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Calls fn until it has run `calls` times and for at least `ms` milliseconds; returns its last result. */
function warmUp(fn, { ms, calls }) {
  const start = performance.now();
  let result;
  let done = 0;
  while (done < calls || performance.now() - start < ms) {
    result = fn();
    done++;
  }
  return result;
}

/** Times fn with benchmark.js; returns the median and spread of stats.sample in ms. */
function measure(name, fn, limits) {
  const bench = new Benchmark(name, fn, { maxTime: limits.maxTime, minSamples: limits.minSamples });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  if (sample.length === 0) throw new Error(`benchmark ${name} produced no samples`);
  return {
    medianMs: median(sample) * 1e3,
    samples: sample.length,
    callsPerSample: bench.count,
    minMs: sample[0] * 1e3,
    maxMs: sample[sample.length - 1] * 1e3,
    rmePercent: bench.stats.rme,
  };
}

function maxAbs(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** speed-up of `fast` over `slow`: time(slow) / time(fast); null when either is missing. */
function ratio(fast, slow) {
  return fast?.medianMs && slow?.medianMs ? slow.medianMs / fast.medianMs : null;
}

const flopsPerRhs = (n, d) => 4 * n * n * d;

// ---------------------------------------------------------------------------------------------------------
// Formatting

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

const fmtRatio = (r) => (r === null || r === undefined ? '-' : `${r.toFixed(r >= 10 ? 1 : 2)}x`);
const fmtGflops = (g) => (g === null || g === undefined ? '-' : g.toFixed(g >= 10 ? 1 : 2));
const fmtTimed = (m) => (m?.medianMs ? `${fmtMs(m.medianMs)} (${m.samples})` : 'skipped');
const sizeLabel = (n, d) => `${n} x ${d}`;

function textTable(headers, rows) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table, first column left-aligned, the others right-aligned, padded as biome formats it. */
function markdownTable(headers, rows) {
  const widths = headers.map((h, c) => Math.max(3, h.length, ...rows.map((r) => String(r[c]).length)));
  const pad = (x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]));
  const line = (cells) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

function rhsTable(results) {
  const headers = [
    'N x D',
    'js ms (n)',
    'scalar ms (n)',
    'simd ms (n)',
    'js GFLOP/s',
    'scalar GFLOP/s',
    'simd GFLOP/s',
    'scalar/js',
    'simd/js',
    'simd/scalar',
  ];
  const rows = results.map((r) => [
    sizeLabel(r.n, r.d),
    fmtTimed(r.backends.js),
    fmtTimed(r.backends.scalar),
    fmtTimed(r.backends.simd),
    fmtGflops(r.backends.js?.gflops),
    fmtGflops(r.backends.scalar?.gflops),
    fmtGflops(r.backends.simd?.gflops),
    fmtRatio(r.ratios['scalar/js']),
    fmtRatio(r.ratios['simd/js']),
    fmtRatio(r.ratios['simd/scalar']),
  ]);
  return { headers, rows };
}

function solveTable(results) {
  const headers = [
    'N x D',
    'steps',
    'rejected',
    'RHS evals',
    'js ms (n)',
    'scalar ms (n)',
    'simd ms (n)',
    'simd ms/eval',
    'scalar/js',
    'simd/js',
    'simd/scalar',
  ];
  const rows = results.map((r) => [
    sizeLabel(r.n, r.d),
    r.steps,
    r.rejected,
    r.rhsEvaluations,
    fmtTimed(r.backends.js),
    fmtTimed(r.backends.scalar),
    fmtTimed(r.backends.simd),
    fmtMs(r.backends.simd?.msPerRhsEvaluation),
    fmtRatio(r.ratios['scalar/js']),
    fmtRatio(r.ratios['simd/js']),
    fmtRatio(r.ratios['simd/scalar']),
  ]);
  return { headers, rows };
}

// ---------------------------------------------------------------------------------------------------------
// Environment

function gitInfo() {
  try {
    const run = (...args) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run('rev-parse', '--short', 'HEAD');
    const dirty = run('status', '--porcelain', '--', 'src', 'assembly', 'scripts', 'asconfig.json') !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** CPU time (ms) used by the whole machine and by this process, for telling how busy the other processes are. */
function cpuSnapshot() {
  const busyMs = os.cpus().reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const own = process.cpuUsage();
  return { busyMs, ownMs: (own.user + own.system) / 1000, wallMs: performance.now() };
}

/** Share of all CPUs that other processes used between two snapshots, in [0, 1]. */
function otherCpuShare(a, b) {
  const others = b.busyMs - a.busyMs - (b.ownMs - a.ownMs);
  const share = Math.max(0, others) / ((b.wallMs - a.wallMs) * os.cpus().length);
  return Math.round(Math.min(1, share) * 100) / 100;
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpus: cpus.length,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The two parts

function rhsPart(engines, cases, settings, log, notes) {
  log('\n== attention RHS: engine.attentionRhs({ tokens: { data, n, d } }), one identity head ==');
  const results = [];
  for (const { n, d, tokens } of cases) {
    const options = { tokens };
    const backends = {};
    const outputs = {};
    for (const b of BACKENDS) {
      const engine = engines[b];
      const call = () => engine.attentionRhs(options);
      outputs[b] = warmUp(call, settings.warmup.rhs);
      const m = measure(`rhs ${n}x${d} ${b}`, call, settings.rhs);
      m.gflops = flopsPerRhs(n, d) / (m.medianMs * 1e6);
      backends[b] = m;
      log(`  ${sizeLabel(n, d).padEnd(10)} ${b.padEnd(6)} ${fmtMs(m.medianMs).padStart(8)} ms  (${m.samples} samples)`);
    }
    // The backends compute the same field: a benchmark of a wrong answer would be worthless.
    const scale = maxAbs(outputs.js) || 1;
    for (const b of ['scalar', 'simd']) {
      const diff = maxAbsDiff(outputs[b], outputs.js) / scale;
      backends[b].maxRelDiffVsJs = diff;
      if (!(diff <= 1e-10))
        notes.push(`WARNING: rhs ${sizeLabel(n, d)}: ${b} differs from js by ${diff.toExponential(2)} (relative)`);
    }
    results.push({
      n,
      d,
      flops: flopsPerRhs(n, d),
      backends,
      ratios: {
        'scalar/js': ratio(backends.scalar, backends.js),
        'simd/js': ratio(backends.simd, backends.js),
        'simd/scalar': ratio(backends.simd, backends.scalar),
      },
    });
  }
  return results;
}

function solvePart(engines, cases, settings, rhsResults, log, notes) {
  log(`\n== Dormand-Prince solve: engine.solve({ tokens, t1: ${T1} }), rtol 1e-8, atol 1e-10 ==`);
  const results = [];
  for (const { n, d, tokens } of cases) {
    const options = { tokens, t1: T1 };
    const backends = {};
    const solutions = {};
    for (const b of SOLVE_BACKENDS) {
      const engine = engines[b];
      if (b === 'js') {
        // Decide from the RHS time and the number of evaluations the simd solve needed.
        const rhsMs = rhsResults?.find((r) => r.n === n && r.d === d)?.backends.js?.medianMs ?? timeOneRhs(engine, tokens);
        const evaluations = solutions.simd.stats.rhsEvaluations;
        const estimatedMs = rhsMs * evaluations;
        if (estimatedMs > settings.jsSolveLimitMs) {
          const why = `estimated ${(estimatedMs / 1000).toFixed(1)} s = ${evaluations} RHS evaluations x ${fmtMs(rhsMs)} ms, over the ${settings.jsSolveLimitMs / 1000} s limit`;
          backends.js = { skipped: true, estimatedMs, reason: why };
          notes.push(`solve ${sizeLabel(n, d)} js skipped: ${why}.`);
          log(`  ${sizeLabel(n, d).padEnd(10)} js     skipped (${why})`);
          continue;
        }
      }
      const call = () => engine.solve(options);
      const sol = warmUp(call, settings.warmup.solve);
      solutions[b] = sol;
      if (sol.status !== 'success') notes.push(`WARNING: solve ${sizeLabel(n, d)} ${b}: status ${sol.status}: ${sol.message}`);
      const m = measure(`solve ${n}x${d} ${b}`, call, settings.solve);
      m.msPerRhsEvaluation = m.medianMs / sol.stats.rhsEvaluations;
      m.stats = sol.stats;
      backends[b] = m;
      log(
        `  ${sizeLabel(n, d).padEnd(10)} ${b.padEnd(6)} ${fmtMs(m.medianMs).padStart(8)} ms  (${m.samples} samples; ` +
          `${sol.stats.steps} steps, ${sol.stats.rhsEvaluations} RHS evaluations)`,
      );
    }
    const ref = solutions.simd;
    const scale = maxAbs(ref.finalTokens) || 1;
    for (const b of Object.keys(solutions)) {
      if (b === 'simd') continue;
      const s = solutions[b];
      const same = ['steps', 'rejected', 'rhsEvaluations'].every((k) => s.stats[k] === ref.stats[k]);
      if (!same) {
        notes.push(
          `solve ${sizeLabel(n, d)}: ${b} took ${JSON.stringify(s.stats)}, simd ${JSON.stringify(ref.stats)} (step counts differ between backends).`,
        );
      }
      const diff = maxAbsDiff(s.finalTokens, ref.finalTokens) / scale;
      backends[b].maxRelDiffVsSimd = diff;
      if (!(diff <= 1e-6))
        notes.push(`WARNING: solve ${sizeLabel(n, d)}: ${b} final tokens differ from simd by ${diff.toExponential(2)}`);
    }
    results.push({
      n,
      d,
      status: ref.status,
      steps: ref.stats.steps,
      rejected: ref.stats.rejected,
      rhsEvaluations: ref.stats.rhsEvaluations,
      backends,
      ratios: {
        'scalar/js': ratio(backends.scalar, backends.js),
        'simd/js': ratio(backends.simd, backends.js),
        'simd/scalar': ratio(backends.simd, backends.scalar),
      },
    });
  }
  return results;
}

/** One RHS call's time in ms after one warm-up call (used only to decide whether to run the js solve). */
function timeOneRhs(engine, tokens) {
  engine.attentionRhs({ tokens });
  const start = performance.now();
  engine.attentionRhs({ tokens });
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------------------
// Output

const RATIO_NOTE = 'a/b = median time of b / median time of a: how many times faster a is than b, both from this run';
const RHS_NOTE =
  'each RHS figure is one engine.attentionRhs call, so it includes the per-call input validation and copy ' +
  '(tokens passed as { data: Float64Array, n, d }: copied and checked finite, O(ND)), the WASM arena setup and copying the N*D result out';

function summaryMarkdown(report) {
  const m = report.machine;
  const lines = [
    `Measured ${report.date} on ${m.cpuModel} (${m.cpus} logical CPUs), Node ${m.node} (V8 ${m.v8}), ${m.os}; ` +
      `attnflow ${report.attnflow.version}` +
      (report.attnflow.commit ? ` at ${report.attnflow.commit}${report.attnflow.dirty ? ' with uncommitted changes' : ''}` : '') +
      `. Other processes used ${Math.round(100 * m.otherCpuShareDuringRun)}% of the CPUs during the run. ` +
      'Generated by `node bench/run.mjs`; do not edit by hand.',
    '',
  ];
  if (report.rhs) {
    const t = rhsTable(report.rhs);
    lines.push(
      '### Attention RHS, ms per call (median, number of samples)',
      '',
      markdownTable(t.headers, t.rows),
      '',
      `GFLOP/s counts 4 N^2 D flops per RHS. Ratios: ${RATIO_NOTE}. Note: ${RHS_NOTE}.`,
      '',
    );
  }
  if (report.solve) {
    const t = solveTable(report.solve);
    lines.push(
      `### Dormand-Prince solve to t1 = ${T1}, ms per solve (median, number of samples)`,
      '',
      markdownTable(t.headers, t.rows),
      '',
      'steps, rejected and RHS evals are from the simd solve (`sol.stats`); "simd ms/eval" is the solve time divided by RHS evals.',
      '',
    );
  }
  if (report.notes.length > 0) lines.push('Notes:', '', ...report.notes.map((x) => `- ${x}`), '');
  return lines.join('\n');
}

function updateReadme(markdown) {
  const section = `${START_MARKER}\n${markdown.trimEnd()}\n${END_MARKER}`;
  const text = existsSync(README) ? readFileSync(README, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + END_MARKER.length)
      : `${text.trimEnd()}\n\n## Results\n\n${section}\n`;
  writeFileSync(README, next);
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const args = parseCommandLine();
  const settings = args.quick ? SETTINGS.quick : SETTINGS.full;
  const complete = !args.quick && args.only === null;
  const log = (s) => console.log(s);
  const started = performance.now();
  const { createEngine, randomMatrix, seededRandom, randomFile } = await loadLibrary();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  const machine = machineInfo();
  log(`attnflow ${pkg.version} benchmark (${args.quick ? 'quick' : 'full'}${args.only ? `, only ${args.only}` : ''})`);
  log(`${machine.cpuModel}, ${machine.cpus} logical CPUs, Node ${machine.node}, ${machine.os}`);
  const notes = [];
  // Other processes compete for the 2 cores and for the caches: measure how busy they are, idle for 1 s first.
  const idleStart = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const runStart = cpuSnapshot();
  machine.otherCpuShareBeforeStart = otherCpuShare(idleStart, runStart);
  if (args.quick) notes.push('quick run: few samples per case, figures are rough.');

  const engines = {};
  for (const b of BACKENDS) {
    engines[b] = await createEngine({ backend: b });
    if (engines[b].backend !== b) throw new Error(`createEngine({ backend: '${b}' }) gave '${engines[b].backend}'`);
  }
  const cases = SIZES.map(([n, d]) => {
    const rows = randomMatrix(seededRandom(SEED), n, d, 1 / Math.sqrt(d));
    return { n, d, tokens: { data: Float64Array.from(rows.flat()), n, d } };
  });

  const rhs = args.only === 'solve' ? null : rhsPart(engines, cases, settings, log, notes);
  const solve = args.only === 'rhs' ? null : solvePart(engines, cases, settings, rhs, log, notes);
  for (const e of Object.values(engines)) e.dispose();
  machine.otherCpuShareDuringRun = otherCpuShare(runStart, cpuSnapshot());
  const busiest = Math.max(machine.otherCpuShareBeforeStart, machine.otherCpuShareDuringRun);
  if (busiest > 0.1) {
    notes.push(
      `other processes used ${Math.round(100 * machine.otherCpuShareDuringRun)}% of the CPUs during the run ` +
        `(${Math.round(100 * machine.otherCpuShareBeforeStart)}% in the second before it): figures may be noisy.`,
    );
  }

  const git = gitInfo();
  const report = {
    schema: 1,
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    only: args.only,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    attnflow: { version: pkg.version, ...git },
    settings: {
      seed: SEED,
      tokens: `randomMatrix(seededRandom(seed), N, D, 1 / sqrt(D)) from ${randomFile}: normal(0, 1) / sqrt(D)`,
      heads: 'one identity head, beta = 1 / sqrt(D) (the default)',
      solve: { t1: T1, method: 'dopri5', rtol: 1e-8, atol: 1e-10 },
      benchmark: { library: 'benchmark.js 2.1.4', rhs: settings.rhs, solve: settings.solve },
      warmup: settings.warmup,
      jsSolveLimitMs: settings.jsSolveLimitMs,
      median: 'middle of the sorted benchmark.js stats.sample (mean of the two middle values for an even count)',
      flopsPerRhs: '4 N^2 D',
      ratios: RATIO_NOTE,
      rhsOverhead: RHS_NOTE,
    },
    rhs,
    solve,
    notes,
    elapsedSeconds: Math.round((performance.now() - started) / 100) / 10,
  };

  if (rhs) {
    const t = rhsTable(rhs);
    log(`\nAttention RHS, ms per call: median (samples)\n${textTable(t.headers, t.rows)}`);
    log(`GFLOP/s: 4 N^2 D flops per RHS. Ratios: ${RATIO_NOTE}.`);
    log(`Note: ${RHS_NOTE}.`);
  }
  if (solve) {
    const t = solveTable(solve);
    log(`\nDormand-Prince solve to t1 = ${T1}, ms per solve: median (samples)\n${textTable(t.headers, t.rows)}`);
  }
  if (notes.length > 0) log(`\nNotes:\n${notes.map((x) => `- ${x}`).join('\n')}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = join(RESULTS_DIR, complete ? 'latest.json' : 'partial.json');
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwrote ${relative(ROOT, jsonPath)}`);
  if (complete) {
    updateReadme(summaryMarkdown(report));
    log(`updated the results section of ${relative(ROOT, README)}`);
  } else {
    log(`${relative(ROOT, README)} left as is (only a complete run without --quick or --only rewrites it)`);
  }
  log(`total ${report.elapsedSeconds} s`);
}

await main();
