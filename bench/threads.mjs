// Multi-core benchmarks of the 'simd' backend (run `npm run build` first):
//   field:  ms per attention right-hand side, 1 thread vs T threads, samples interleaved
//           (1, T, 1, T, ...) so that both see the same load on a shared machine;
//   kernel: the same field without the TypeScript around it (copies in and out run on one thread):
//           exports.fieldRhs on one laid-out problem, with and without the pool, same instance;
//   solve:  ms per Dormand-Prince solve (t1 = 0.25, rtol 1e-8), the same way;
//   ceiling: what the machine allows: ms per field (1024 x 64) of one single-threaded engine alone,
//           then of T independent single-threaded engines on T worker threads at once; their summed
//           speed over the fastest one's is the best any T-thread split can reach right now (on a
//           shared VM the cores can differ in speed, e.g. a vCPU whose core a neighbour also uses);
//   phase:  a batched ensemble with solveMany, the phase diagram of Geshkovski, Letrouit,
//           Polyanskiy, Rigollet: systems of N = 32 tokens on the circle (d = 2) with random
//           initial positions, for each of 90 values of beta (0.1, 0.2, ..., 9), solved to t1;
//           prints the fraction of systems collapsed into one cluster at each save time.
// Medians of the samples, wall clock and CPU time of all the process's threads (on a loaded
// machine the CPU time shows the work was split even when the wall clock cannot); the load average
// before and after is printed with them.
//
//   node bench/threads.mjs                              all parts, the full phase diagram
//                                                       (2048 systems x 90 betas = 184320 solves)
//   node bench/threads.mjs --only field --size 1024x64  one part (or a list: --only ceiling,field), one size
//   node bench/threads.mjs --only phase --systems 64    a scaled-down phase diagram
//   options: --threads T (default: the core count), --samples S, --t1 X (phase, default 30)
// Results go to bench/results/threads.json (one line of JSON; not committed, see bench/.gitignore).

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { randomMatrix, seededRandom } from '../build/tsc/random.js';
import { createEngine } from '../dist/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    size: { type: 'string', multiple: true },
    threads: { type: 'string' },
    samples: { type: 'string', default: '15' },
    systems: { type: 'string', default: '2048' },
    betas: { type: 'string', default: '90' },
    t1: { type: 'string', default: '30' },
    rtol: { type: 'string', default: '1e-6' },
  },
});
const THREADS = Number(args.threads ?? os.availableParallelism());
const SAMPLES = Number(args.samples);
const SIZES = (args.size ?? ['256x64', '1024x16', '1024x64']).map((s) => s.split('x').map(Number));
const parts = args.only ? args.only.split(',') : ['ceiling', 'field', 'kernel', 'solve', 'phase'];
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4));

const one = await createEngine({ backend: 'simd', threads: 1 });
const many = await createEngine({ backend: 'simd', threads: THREADS });
console.log(
  `attnflow threads benchmark: ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`,
);
console.log(`engines: "${one.description}" vs "${many.description}"; load average ${load().join(' ')}`);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cores: os.availableParallelism(),
  threads: many.threads,
  loadAtStart: load(),
};

/** Interleaved samples of two functions after a warm-up: V8 tiers a fresh module up only after a few calls. */
function sideBySide(f1, f2, samples, warmup) {
  for (let i = 0; i < warmup; i++) {
    f1();
    f2();
  }
  const a = [];
  const b = [];
  const cpuA = [];
  const cpuB = [];
  const time = (f, wall, cpu) => {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000); // every thread of the process
  };
  for (let i = 0; i < samples; i++) {
    time(f1, a, cpuA);
    time(f2, b, cpuB);
  }
  return { one: median(a), many: median(b), ratio: median(a) / median(b), cpuOne: median(cpuA), cpuMany: median(cpuB) };
}

/** Source of a thread that times a single-threaded engine's 1024 x 64 field for `ms` and posts the median. */
const CEILING_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { createEngine } = await import(workerData.index);
  const e = await createEngine({ backend: 'simd', threads: 1 });
  const n = 1024, d = 64;
  const o = { tokens: { data: Float64Array.from({ length: n * d }, (_, i) => Math.sin(i)), n, d } };
  for (let w = 0; w < 5; w++) e.attentionRhs(o);
  const t = [];
  const until = performance.now() + workerData.ms;
  while (performance.now() < until) { const s = performance.now(); e.attentionRhs(o); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  parentPort.postMessage(t[t.length >> 1]);
})();
`;

async function concurrentFields(count, ms) {
  const index = new URL('../dist/index.js', import.meta.url).href;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(CEILING_SOURCE, { eval: true, workerData: { index, ms } });
          w.once('message', (m) => {
            resolve(m);
            w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
}

if (parts.includes('ceiling')) {
  const [alone] = await concurrentFields(1, 2000);
  const together = await concurrentFields(THREADS, 2000);
  // Cores may differ in speed (a vCPU sharing its core with a neighbour): the best a split can do is the
  // summed speed of the T threads, relative to the fastest single thread seen (where a single-threaded run may land).
  const fastest = Math.min(alone, ...together);
  const ceiling = together.reduce((sum, t) => sum + fastest / t, 0);
  console.log(
    `ceiling 1024x64: one engine alone ${fmt(alone)} ms; ${THREADS} engines at once ${together.map(fmt).join(', ')} ms; ` +
      `best possible ${THREADS}-thread ratio now ~${ceiling.toFixed(2)}x (summed speed / fastest)`,
  );
  results.ceiling = { alone, together, ceiling };
}

if (parts.includes('field') || parts.includes('solve')) {
  for (const [n, d] of SIZES) {
    const random = seededRandom(n + d);
    const tokens = { data: Float64Array.from(randomMatrix(random, n, d).flat()), n, d };
    if (parts.includes('field')) {
      const options = { tokens };
      const r = sideBySide(
        () => one.attentionRhs(options),
        () => many.attentionRhs(options),
        SAMPLES,
        5,
      );
      console.log(
        `field ${n}x${d}: 1 thread ${fmt(r.one)} ms, ${THREADS} threads ${fmt(r.many)} ms, ratio ${r.ratio.toFixed(2)}x (CPU ms, all threads: ${fmt(r.cpuOne)} vs ${fmt(r.cpuMany)})`,
      );
      results[`field ${n}x${d}`] = r;
    }
    if (parts.includes('solve')) {
      const options = { tokens, t1: 0.25 };
      const evals = one.solve(options).stats.rhsEvaluations;
      const r = sideBySide(
        () => one.solve(options),
        () => many.solve(options),
        Math.max(3, SAMPLES >> 2),
        1,
      );
      console.log(
        `solve ${n}x${d} (${evals} RHS): 1 thread ${fmt(r.one)} ms, ${THREADS} threads ${fmt(r.many)} ms, ratio ${r.ratio.toFixed(2)}x (CPU ms, all threads: ${fmt(r.cpuOne)} vs ${fmt(r.cpuMany)})`,
      );
      results[`solve ${n}x${d}`] = { ...r, rhsEvaluations: evals };
    }
  }
}

if (parts.includes('kernel')) {
  const { ABI, kernelExports } = await import('../build/tsc/wasm/abi.js');
  const { Arena } = await import('../build/tsc/wasm/arena.js');
  const { wasmModule } = await import('../build/tsc/wasm/load.js');
  const { ThreadPool } = await import('../build/tsc/wasm/threads.js');
  const { allocProblem, widestHead, writeProblem } = await import('../build/tsc/wasm/records.js');
  const { fieldProblem } = await import('../build/tsc/problem.js');
  const pool = await ThreadPool.create(await wasmModule('simd-threads'), THREADS);
  const ex = kernelExports(pool.instance);
  for (const [n, d] of SIZES) {
    const arena = new Arena(ex.memory, pool.pool + ABI.POOL_BYTES);
    const random = seededRandom(n + d);
    const { problem, x } = fieldProblem({ tokens: { data: Float64Array.from(randomMatrix(random, n, d).flat()), n, d } });
    const scratch = ex.attentionScratchBytes(n, d, widestHead(problem));
    const split = allocProblem(arena, problem, scratch, 0, pool.pool, THREADS);
    const alone = allocProblem(arena, problem, scratch);
    const xPtr = arena.alloc(8 * x.length);
    const outPtr = arena.alloc(8 * x.length);
    arena.commit('the kernel benchmark');
    writeProblem(arena, split, problem, problem.layers[0]);
    writeProblem(arena, alone, problem, problem.layers[0]);
    arena.f64(xPtr, x.length).set(x);
    const r = sideBySide(
      () => ex.fieldRhs(alone.record, xPtr, outPtr),
      () => ex.fieldRhs(split.record, xPtr, outPtr),
      SAMPLES,
      5,
    );
    console.log(
      `kernel ${n}x${d}: 1 thread ${fmt(r.one)} ms, ${THREADS} threads ${fmt(r.many)} ms, ratio ${r.ratio.toFixed(2)}x (CPU ms, all threads: ${fmt(r.cpuOne)} vs ${fmt(r.cpuMany)})`,
    );
    results[`kernel ${n}x${d}`] = r;
  }
  pool.dispose();
}

if (parts.includes('phase')) {
  const systems = Number(args.systems);
  const betaCount = Number(args.betas);
  const t1 = Number(args.t1);
  const rtol = Number(args.rtol);
  const betas = Array.from({ length: betaCount }, (_, i) => Math.round(((9 * (i + 1)) / betaCount) * 1000) / 1000);
  const saveAt = Array.from({ length: Math.floor(t1) + 1 }, (_, i) => i);
  const shared = { geometry: 'sphere', t1, saveAt, rtol, atol: rtol * 1e-3 };
  /** One cluster: every token within 1e-2 of the first (on the circle the flow collapses to a point; for large beta it lingers near several clusters first, Geshkovski et al.). */
  const clustered = (x) => {
    for (let i = 1; i < 32; i++) if (Math.hypot(x[2 * i] - x[0], x[2 * i + 1] - x[1]) > 1e-2) return false;
    return true;
  };
  const run = (engine) => {
    const fractions = [];
    let ms = 0;
    let evals = 0;
    let solves = 0;
    for (const beta of betas) {
      // The same initial systems for every beta and both engines.
      const r = seededRandom(7);
      const problems = Array.from({ length: systems }, () => ({ beta, tokens: randomMatrix(r, 32, 2) }));
      const t = performance.now();
      const sols = engine.solveMany(problems, shared);
      ms += performance.now() - t;
      solves += sols.length;
      for (const s of sols) {
        if (s.status !== 'success') throw new Error(`beta = ${beta}: ${s.message}`);
        evals += s.stats.rhsEvaluations;
      }
      fractions.push(saveAt.map((_, i) => sols.filter((s) => clustered(s.tokens[i])).length / systems));
    }
    return { ms, evals, solves, fractions };
  };
  console.log(
    `phase diagram: ${systems} systems x ${betaCount} betas, N = 32, d = 2, t1 = ${t1}, rtol ${rtol}; load ${load().join(' ')}`,
  );
  const a = run(one);
  const b = run(many);
  const same = JSON.stringify(a.fractions) === JSON.stringify(b.fractions);
  console.log(
    `phase: 1 thread ${(a.ms / 1000).toFixed(1)} s, ${THREADS} threads ${(b.ms / 1000).toFixed(1)} s, ratio ${(a.ms / b.ms).toFixed(2)}x; ` +
      `${a.solves} solves, ${(a.evals / a.solves).toFixed(0)} RHS per solve, ${((1000 * b.solves) / b.ms).toFixed(0)} solves/s on ${THREADS} threads; identical diagrams: ${same}`,
  );
  console.log('fraction of systems in one cluster (rows: beta; columns: t = 0, 5, 10, ...):');
  const cols = saveAt.filter((t) => t % 5 === 0);
  for (let i = 0; i < betas.length; i += Math.max(1, Math.floor(betas.length / 18))) {
    console.log(`  beta ${betas[i].toFixed(2).padStart(5)}: ${cols.map((t) => a.fractions[i][t].toFixed(2)).join(' ')}`);
  }
  results.phase = {
    systems,
    betas,
    t1,
    rtol,
    saveAt,
    oneThreadMs: a.ms,
    manyThreadsMs: b.ms,
    ratio: a.ms / b.ms,
    rhsPerSolve: a.evals / a.solves,
    identical: same,
    fractions: a.fractions,
  };
}

results.loadAtEnd = load();
console.log(`load average at the end: ${results.loadAtEnd.join(' ')}`);
mkdirSync(join(HERE, 'results'), { recursive: true });
writeFileSync(join(HERE, 'results', 'threads.json'), `${JSON.stringify(results)}\n`);
one.dispose();
many.dispose();
