// Benchmarks of attnflow against itself and its peers, all in one run (see bench/README.md):
//   rhs:   ms per attention right-hand side for js / scalar / simd / relaxed / f32 (float32 kernels),
//          a naive JS implementation, tfjs-backend-wasm (f32) and NumPy; fraction of the measured peak;
//   solve: ms per Dormand-Prince solve (t1 = 1, rtol 1e-8, atol 1e-10) against SciPy solve_ivp;
//   peak probes, fitted exponents of time against N and D, and the peak RSS of an N = 65536, D = 16 solve.
//
//   node bench/run.mjs                 full run: rewrites bench/results/latest.json and the tables in bench/README.md
//   node bench/run.mjs --quick         smoke run with few samples: writes bench/results/partial.json only
//   node bench/run.mjs --only rhs      (or --only solve) one part: writes bench/results/partial.json only
// On Node 20 the script re-runs itself with --experimental-wasm-relaxed-simd so that 'relaxed' is measured.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exponents, peakShares, rhsPart, solvePart } from './parts.mjs';
import { loadTfjs, mergeProbes, runMemoryChild, runProbes, runPython } from './peers.mjs';
import * as R from './report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const README = join(HERE, 'README.md');
const RESULTS_DIR = join(HERE, 'results');
const START_MARKER = '<!-- results:start -->';
const END_MARKER = '<!-- results:end -->';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

const USAGE = `usage: node bench/run.mjs [--quick] [--only rhs|solve]
  --quick        few samples per case (smoke run); results go to bench/results/partial.json
  --only PART    run only the 'rhs' or the 'solve' part; results go to bench/results/partial.json
Only a complete run (neither option) rewrites bench/results/latest.json and the tables in bench/README.md.`;

/** (N, D) cases, smallest first, so that each backend is warm before the long calls. */
const SIZES = [
  [32, 2], // the systems of the phase diagrams of Geshkovski et al. (32 tokens on the circle): per-call overheads
  [64, 16],
  [256, 64],
  [1024, 1],
  [1024, 16],
  [1024, 64],
  [4096, 64],
];
const SEED = 1;
const T1 = 1;
const TOLERANCES = { rtol: 1e-8, atol: 1e-10 };
/** Save points of the dense-output comparison: 100 times evenly spaced in (0, T1]. */
const SAVE_AT = Array.from({ length: 100 }, (_, i) => (T1 * (i + 1)) / 100);

const SETTINGS = {
  full: {
    rhs: { maxTime: 0.7, minSamples: 5, passes: 3 }, // passes: see rhsPart (bench/parts.mjs)
    solve: { maxTime: 2, minSamples: 3 },
    slowCallMs: 400, // calls longer than this are timed slowSamples times by hand instead of by benchmark.js
    slowSamples: 3,
    rhsSkipMs: 6000, // RHS calls estimated longer than this are skipped
    solveSkipMs: 30000, // solves estimated longer than this are skipped
    python: { maxTime: 2, minSamples: 5, solveMinSamples: 3, solveMaxTime: 2, solveCapS: 12, solveLimitS: 30 },
  },
  quick: {
    rhs: { maxTime: 0.2, minSamples: 2, passes: 1 },
    solve: { maxTime: 0.2, minSamples: 1 },
    slowCallMs: 200,
    slowSamples: 1,
    rhsSkipMs: 2500,
    solveSkipMs: 4000,
    python: { maxTime: 0.3, minSamples: 2, solveMinSamples: 1, solveMaxTime: 0.3, solveCapS: 2, solveLimitS: 4 },
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

async function loadLibrary() {
  for (const file of ['dist/index.js', 'build/tsc/random.js', 'build/attnflow.probe.wasm']) {
    if (!existsSync(join(ROOT, file))) {
      console.error(`bench: ${file} is missing; run \`npm run build\` first (\`npm run bench\` does both).`);
      process.exit(1);
    }
  }
  const { createEngine } = await import('../dist/index.js');
  const { randomMatrix, seededRandom } = await import('../build/tsc/random.js');
  const { hasRelaxedSimd } = await import('../build/tsc/wasm/detect.js');
  return { createEngine, randomMatrix, seededRandom, hasRelaxedSimd };
}

/** On a Node that validates relaxed SIMD only behind a flag, re-run this script with the flag. */
function reexecWithRelaxedFlag(hasRelaxedSimd) {
  if (hasRelaxedSimd() || process.env.ATTNFLOW_BENCH_REEXEC) return null;
  const accepted = spawnSync(process.execPath, [RELAXED_FLAG, '-e', ''], { stdio: 'ignore' }).status === 0;
  if (!accepted) return null;
  const child = spawnSync(
    process.execPath,
    [RELAXED_FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, ATTNFLOW_BENCH_REEXEC: '1' },
    },
  );
  return child.status ?? 1;
}

// ---------------------------------------------------------------------------------------------------------
// Environment and output

function gitInfo() {
  try {
    const run = (...args) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return {
      commit: run('rev-parse', '--short', 'HEAD'),
      dirty: run('status', '--porcelain', '--', 'src', 'assembly', 'scripts', 'asconfig.json') !== '',
    };
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
    flags: process.execArgv,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpus: cpus.length,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function summaryMarkdown(report) {
  const m = report.machine;
  const lines = [
    `Measured ${report.date} on ${m.cpuModel} (${m.cpus} logical CPUs), Node ${m.node} (V8 ${m.v8}${m.flags.length ? `, ${m.flags.join(' ')}` : ''}), ${m.os}; ` +
      `attnflow ${report.attnflow.version}${report.attnflow.commit ? ` at ${report.attnflow.commit}${report.attnflow.dirty ? ' with uncommitted changes' : ''}` : ''}. ` +
      `Other processes used ${Math.round(100 * m.otherCpuShareDuringRun)}% of the CPUs during the run. Generated by \`node bench/run.mjs\`; do not edit by hand.`,
    '',
    '### Peak probes (one core)',
    '',
    R.markdownTable(...Object.values(R.probeTable(report.probes))),
    '',
  ];
  if (report.rhs) {
    lines.push('### Attention RHS, ms per call (median)', '', R.markdownTable(...Object.values(R.rhsTimeTable(report.rhs))), '');
    lines.push(
      '### RHS: GFLOP/s, fraction of the measured peak, ratios',
      '',
      R.markdownTable(...Object.values(R.rhsRatioTable(report.rhs))),
      '',
    );
    lines.push(
      `GFLOP/s counts 4 N^2 D flops per RHS, what the row-max kernel executes; the tied kernel (simd, relaxed, f32, ` +
        `threads here: one identity head) executes about 3 N^2 D and half the exponentials, so its "fraction of peak" is ` +
        `an effective one, and row-max/peak is the executed efficiency (at D <= 3 the small-width tied kernel, ` +
        `assembly/tied-small.ts (float32: f32/tied-small.ts), takes every N, 32 x 2 included). threads: ${report.machine.threads ?? 'none'}; ` +
        `relaxed threads: ${report.machine.relaxedThreads ?? 'none'}. Ratios: ${R.RATIO_NOTE}. Note: ${R.RHS_NOTE}.`,
      '',
    );
    lines.push('### Fitted exponents', '', R.markdownTable(...Object.values(R.exponentTable(report.exponents))), '');
  }
  if (report.solve) {
    lines.push(`### Dormand-Prince solve to t1 = ${T1} (rtol 1e-8, atol 1e-10), ms per solve (median)`, '');
    lines.push(R.markdownTable(...Object.values(R.solveTable(report.solve))), '');
    lines.push(
      "steps and RHS evals are from the simd solve; SciPy solve_ivp gets the same tokens and tolerances. *f32: the same solve with `precision: 'float32'`. dop853: the same solve with `method: 'dop853'` (Hairer's DOP853, the method of SciPy's DOP853).",
      '',
    );
    lines.push("### dopri5 with SciPy's step-size controller against SciPy RK45, ms per solve (median)", '');
    lines.push(R.markdownTable(...Object.values(R.controlTable(report.solve))), '');
    lines.push(
      "The solve above with `controller: { beta: 0 }`: dopri5.f's PI control without its PI term is the controller of SciPy's `solve_ivp` (safety 0.9, step ratio in [0.2, 10], no growth after a rejection), and its initial step is the same (HNW II.4). Equal evaluations: the same steps, so the ratio is the cost of the same algorithm. attnflow's default (beta 0.04, dopri5.f's) takes a few more steps here.",
      '',
    );
    lines.push(`### DOP853 with ${SAVE_AT.length} save points (dense output), ms per solve (median)`, '');
    lines.push(R.markdownTable(...Object.values(R.denseTable(report.solve))), '');
    lines.push(
      `The dop853 solve above with \`saveAt\`: ${SAVE_AT.length} times evenly spaced in (0, ${T1}], against SciPy's DOP853 with the same \`t_eval\`. Both interpolate them on Hairer's 7th-order dense output, whose 3 extra stages run only on the steps that hold a save point: equal evaluations mean the same steps and the same rule.`,
      '',
    );
  }
  if (report.memory) {
    const mem = report.memory;
    lines.push(
      '### Memory',
      '',
      mem.error
        ? `The N = 65536, D = 16 solve failed: ${mem.error}.`
        : `A solve with N = ${mem.n}, D = ${mem.d} (${mem.method}, backend ${mem.backend}, ${R.fmtMs(mem.ms)} ms) peaked at ` +
            `${(mem.peakRssBytes / 2 ** 20).toFixed(0)} MiB resident (${mem.peakRssSource ?? 'maxRSS'}; WebAssembly memory ${(mem.wasmMemoryBytes / 2 ** 20).toFixed(0)} MiB).`,
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

async function main() {
  const args = parseCommandLine();
  const lib = await loadLibrary();
  const reexec = reexecWithRelaxedFlag(lib.hasRelaxedSimd);
  if (reexec !== null) process.exit(reexec);
  const settings = args.quick ? SETTINGS.quick : SETTINGS.full;
  const complete = !args.quick && args.only === null;
  const log = (s) => console.log(s);
  const started = performance.now();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const machine = machineInfo();
  log(`attnflow ${pkg.version} benchmark (${args.quick ? 'quick' : 'full'}${args.only ? `, only ${args.only}` : ''})`);
  log(`${machine.cpuModel}, ${machine.cpus} logical CPUs, Node ${machine.node} ${machine.flags.join(' ')}, ${machine.os}`);
  const notes = [];
  const idleStart = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const runStart = cpuSnapshot();
  machine.otherCpuShareBeforeStart = otherCpuShare(idleStart, runStart);
  if (args.quick) notes.push('quick run: few samples per case, figures are rough.');

  const relaxed = lib.hasRelaxedSimd();
  if (!relaxed) notes.push(`relaxed SIMD does not validate on this runtime (even with ${RELAXED_FLAG}): no 'relaxed' columns.`);
  const engines = {};
  // Every backend on one thread, side by side; 'threads' is the SIMD build on every core (one shared memory).
  for (const b of ['js', 'scalar', 'simd', ...(relaxed ? ['relaxed'] : [])])
    engines[b] = await lib.createEngine({ backend: b, threads: 1 });
  engines.threads = await lib.createEngine({ backend: 'simd' });
  if (engines.threads.threads < 2) {
    notes.push(`threads: one thread only (${engines.threads.description}); no 'threads' column.`);
    engines.threads.dispose();
    delete engines.threads;
  } else machine.threads = engines.threads.description;
  // 'relaxedThreads': the relaxed-threads build (fused multiply-add) on every core.
  if (relaxed && engines.threads) {
    engines.relaxedThreads = await lib.createEngine({ backend: 'relaxed' });
    machine.relaxedThreads = engines.relaxedThreads.description;
  }
  const cases = SIZES.map(([n, d]) => {
    const rows = lib.randomMatrix(lib.seededRandom(SEED), n, d, 1 / Math.sqrt(d));
    return { n, d, tokens: { data: Float64Array.from(rows.flat()), n, d } };
  });

  let probes = runProbes(relaxed);
  log(`\npeak probes:\n${R.textTable(...Object.values(R.probeTable(probes)))}`);
  const tfjs = await loadTfjs();
  if (tfjs.error) notes.push(tfjs.error);
  log('\nrunning the NumPy / SciPy peers (python3) ...');
  const python = runPython(cases, {
    maxTime: settings.python.maxTime,
    minSamples: settings.python.minSamples,
    solveMinSamples: settings.python.solveMinSamples,
    solveMaxTime: settings.python.solveMaxTime,
    solveCapS: settings.python.solveCapS,
    solveLimitS: settings.python.solveLimitS,
    t1: T1,
    saveAt: SAVE_AT,
    ...TOLERANCES,
  });
  if (python.skipped) notes.push(`NumPy and SciPy skipped: ${python.skipped}.`);
  else if (python.scipy === null) notes.push('SciPy is not importable: no solve_ivp comparison.');
  notes.push(...(python.notes ?? []));
  const ctx = { engines, cases, settings, log, notes, tfjs, python, probes, T1, TOLERANCES, SAVE_AT };

  const rhs = args.only === 'solve' ? null : rhsPart(ctx);
  if (rhs) {
    // Probe again after the RHS part and keep the higher rates: the fractions of peak use those.
    probes = mergeProbes(probes, runProbes(relaxed));
    for (const r of rhs) r.peakShare = peakShares(r.backends, probes);
    log(`\npeak probes, the higher of two runs:\n${R.textTable(...Object.values(R.probeTable(probes)))}`);
  }
  const solve = args.only === 'rhs' ? null : solvePart(ctx, rhs);
  for (const e of Object.values(engines)) e.dispose();
  log('\nmemory: a solve with N = 65536, D = 16 in a child process ...');
  const memory = runMemoryChild(process.execArgv);
  if (!memory.error && memory.peakRssBytes > 200 * 2 ** 20)
    notes.push(
      `WARNING: the N = 65536, D = 16 solve peaked at ${(memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB resident, over 200 MB.`,
    );
  machine.otherCpuShareDuringRun = otherCpuShare(runStart, cpuSnapshot());
  if (Math.max(machine.otherCpuShareBeforeStart, machine.otherCpuShareDuringRun) > 0.1) {
    notes.push(
      `other processes used ${Math.round(100 * machine.otherCpuShareDuringRun)}% of the CPUs during the run ` +
        `(${Math.round(100 * machine.otherCpuShareBeforeStart)}% in the second before it): figures may be noisy.`,
    );
  }
  const { rhs: pyRhs, ...pythonInfo } = python;
  const report = {
    schema: 2,
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    only: args.only,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    attnflow: { version: pkg.version, ...gitInfo() },
    peers: {
      tfjs: tfjs.error ? { error: tfjs.error } : { version: tfjs.version, simd: tfjs.simd, threads: tfjs.threads },
      python: { ...pythonInfo, solve: undefined, rhsCases: pyRhs?.length ?? 0 },
    },
    settings: {
      seed: SEED,
      tokens: 'randomMatrix(seededRandom(seed), N, D, 1 / sqrt(D)) from src/random.ts: normal(0, 1) / sqrt(D)',
      heads: 'one identity head, beta = 1 / sqrt(D) (the default)',
      solve: { t1: T1, method: 'dopri5', ...TOLERANCES },
      timing: settings,
      flopsPerRhs: '4 N^2 D',
      ratios: R.RATIO_NOTE,
      rhsOverhead: R.RHS_NOTE,
    },
    probes,
    rhs,
    exponents: rhs ? exponents(rhs) : null,
    solve,
    memory,
    notes,
    elapsedSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  if (rhs) {
    log(`\nAttention RHS, ms per call (median)\n${R.textTable(...Object.values(R.rhsTimeTable(rhs)))}`);
    log(`\n${R.textTable(...Object.values(R.rhsRatioTable(rhs)))}`);
    log(`\nFitted exponents\n${R.textTable(...Object.values(R.exponentTable(report.exponents)))}`);
  }
  if (solve) log(`\nDormand-Prince solve to t1 = ${T1}, ms per solve\n${R.textTable(...Object.values(R.solveTable(solve)))}`);
  if (solve) log(`\ndopri5 with SciPy's controller\n${R.textTable(...Object.values(R.controlTable(solve)))}`);
  if (solve) log(`\nDOP853 with ${SAVE_AT.length} save points\n${R.textTable(...Object.values(R.denseTable(solve)))}`);
  log(`\nmemory: ${JSON.stringify(memory)}`);
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
