// Formatting of bench/run.mjs's results: text tables for the console,
// Markdown tables for bench/README.md.

export const RATIO_NOTE = 'a/b = median time of b / median time of a: how many times faster a is than b, both from this run';
export const RHS_NOTE =
  'each attnflow RHS figure is one engine.attentionRhs call, so it includes the per-call input validation and copy ' +
  '(tokens passed as { data: Float64Array, n, d }: copied and checked finite, O(ND)), the WASM arena setup and copying the N*D result out';

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export const fmtRatio = (r) => (r === null || r === undefined ? '-' : `${r.toFixed(r >= 10 ? 1 : 2)}x`);
const fmtNumber = (g) => (g === null || g === undefined ? '-' : g.toFixed(g >= 10 ? 1 : 2));
const fmtShare = (f) => (f === null || f === undefined ? '-' : f.toFixed(2));
const fmtTimed = (m) => (m?.medianMs ? fmtMs(m.medianMs) : m?.skipped ? 'skipped' : '-');
export const sizeLabel = (n, d) => `${n} x ${d}`;

export function textTable(headers, rows) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table, first column left-aligned, the others right-aligned, padded as biome formats it. */
export function markdownTable(headers, rows) {
  const widths = headers.map((h, c) => Math.max(3, h.length, ...rows.map((r) => String(r[c]).length)));
  const pad = (x, c) => (c === 0 ? String(x).padEnd(widths[c]) : String(x).padStart(widths[c]));
  const line = (cells) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Columns of the RHS time table, in order: key in result.backends, header. */
export const RHS_COLUMNS = [
  ['naive', 'naive JS'],
  ['js', 'js'],
  ['scalar', 'scalar'],
  ['simd', 'simd'],
  ['rowMax', 'simd row-max'],
  ['relaxed', 'relaxed'],
  ['f32', 'f32'],
  ['relaxedF32', 'relaxed f32'],
  ['threads', 'threads'],
  ['relaxedThreads', 'relaxed threads'],
  ['tfjs', 'tfjs-wasm f32'],
  ['numpy', 'NumPy'],
];

export function rhsTimeTable(results) {
  const headers = ['N x D', ...RHS_COLUMNS.map(([, h]) => `${h} ms`)];
  const rows = results.map((r) => [sizeLabel(r.n, r.d), ...RHS_COLUMNS.map(([k]) => fmtTimed(r.backends[k]))]);
  return { headers, rows };
}

export const RATIO_COLUMNS = [
  'simd/naive',
  'simd/tfjs',
  'simd/rowMax',
  'simd/numpy',
  'relaxed/numpy',
  'threads/numpy',
  'relaxedThreads/numpy',
  'threads/simd',
  'f32/simd',
  'relaxed/simd',
  'simd/scalar',
];

export function rhsRatioTable(results) {
  const headers = ['N x D', 'simd GFLOP/s', 'simd/peak', 'row-max/peak', 'relaxed/peak', 'f32/f32 peak', ...RATIO_COLUMNS];
  const rows = results.map((r) => [
    sizeLabel(r.n, r.d),
    fmtNumber(r.backends.simd?.gflops),
    fmtShare(r.peakShare.simd),
    fmtShare(r.peakShare.rowMax),
    fmtShare(r.peakShare.relaxed),
    fmtShare(r.peakShare.f32),
    ...RATIO_COLUMNS.map((k) => fmtRatio(r.ratios[k])),
  ]);
  return { headers, rows };
}

export const SOLVE_COLUMNS = [
  ['js', 'js'],
  ['scalar', 'scalar'],
  ['simd', 'simd'],
  ['relaxed', 'relaxed'],
  ['f32', 'f32*'],
  ['threads', 'threads'],
  ['relaxedThreads', 'relaxed threads'],
  ['dop853', 'dop853'],
  ['relaxedThreadsDop853', 'dop853 relaxed threads'],
  ['scipyRK45', 'SciPy RK45'],
  ['scipyDOP853', 'SciPy DOP853'],
];

export function solveTable(results) {
  const headers = [
    'N x D',
    'steps',
    'RHS evals',
    ...SOLVE_COLUMNS.map(([, h]) => `${h} ms`),
    'RK45 evals',
    'simd/RK45',
    'simd/DOP853',
    'relaxed/RK45',
    'threads/RK45',
    'relaxedThreads/RK45',
    'dop853 evals',
    'SciPy DOP853 evals',
    'dop853/DOP853',
    'dop853 relaxedThreads/DOP853',
  ];
  const rows = results.map((r) => [
    sizeLabel(r.n, r.d),
    r.steps,
    r.rhsEvaluations,
    ...SOLVE_COLUMNS.map(([k]) => fmtTimed(r.backends[k])),
    r.backends.scipyRK45?.nfev ?? '-',
    fmtRatio(r.ratios['simd/RK45']),
    fmtRatio(r.ratios['simd/DOP853']),
    fmtRatio(r.ratios['relaxed/RK45']),
    fmtRatio(r.ratios['threads/RK45']),
    fmtRatio(r.ratios['relaxedThreads/RK45']),
    r.backends.dop853?.stats?.rhsEvaluations ?? '-',
    r.backends.scipyDOP853?.nfev ?? '-',
    fmtRatio(r.ratios['dop853/DOP853']),
    fmtRatio(r.ratios['relaxedThreadsDop853/DOP853']),
  ]);
  return { headers, rows };
}

/** A table from column specs [header, value of a solve result]. */
function specTable(results, columns) {
  return { headers: columns.map(([h]) => h), rows: results.map((r) => columns.map(([, value]) => value(r))) };
}

const stepsOf = (b) => b?.stats?.steps ?? '-';
const evalsOf = (b) => b?.stats?.rhsEvaluations ?? '-';

/** dopri5 with SciPy's controller (controller: { beta: 0 }) against SciPy's RK45: the same steps. */
export function controlTable(results) {
  return specTable(results, [
    ['N x D', (r) => sizeLabel(r.n, r.d)],
    ['steps', (r) => stepsOf(r.backends.rk45Control)],
    ['RHS evals', (r) => evalsOf(r.backends.rk45Control)],
    ['RK45 evals', (r) => r.backends.scipyRK45?.nfev ?? '-'],
    ['simd ms', (r) => fmtTimed(r.backends.rk45Control)],
    ['relaxed ms', (r) => fmtTimed(r.backends.relaxedRk45Control)],
    ['relaxed threads ms', (r) => fmtTimed(r.backends.relaxedThreadsRk45Control)],
    ['SciPy RK45 ms', (r) => fmtTimed(r.backends.scipyRK45)],
    ['simd/RK45', (r) => fmtRatio(r.ratios['rk45Control/RK45'])],
    ['relaxed/RK45', (r) => fmtRatio(r.ratios['relaxedRk45Control/RK45'])],
    ['relaxedThreads/RK45', (r) => fmtRatio(r.ratios['relaxedThreadsRk45Control/RK45'])],
  ]);
}

/** The dop853 solves with save points against SciPy's DOP853 with t_eval (bench/run.mjs SAVE_AT). */
export function denseTable(results) {
  return specTable(results, [
    ['N x D', (r) => sizeLabel(r.n, r.d)],
    ['dop853 steps', (r) => stepsOf(r.backends.dop853Saves)],
    ['dop853 evals', (r) => evalsOf(r.backends.dop853Saves)],
    ['SciPy DOP853 evals', (r) => r.backends.scipyDOP853saves?.nfev ?? '-'],
    ['dop853 ms', (r) => fmtTimed(r.backends.dop853Saves)],
    ['dop853 relaxed threads ms', (r) => fmtTimed(r.backends.relaxedThreadsDop853Saves)],
    ['SciPy DOP853 ms', (r) => fmtTimed(r.backends.scipyDOP853saves)],
    ['dop853/DOP853', (r) => fmtRatio(r.ratios['dop853Saves/DOP853saves'])],
    ['dop853 relaxedThreads/DOP853', (r) => fmtRatio(r.ratios['relaxedThreadsDop853Saves/DOP853saves'])],
  ]);
}

export function probeTable(probes) {
  const headers = ['build', 'f64x2 mul+add GFLOP/s', 'f32x4 mul+add GFLOP/s', 'f64 exp G/s', 'f32 exp G/s'];
  const rows = Object.entries(probes).map(([name, p]) => [
    name,
    fmtNumber(p.f64Gflops),
    fmtNumber(p.f32Gflops),
    fmtNumber(p.expF64PerNs),
    fmtNumber(p.expF32PerNs),
  ]);
  return { headers, rows };
}

export function exponentTable(exponents) {
  const names = Object.keys(exponents.againstN);
  const headers = ['implementation', 'time ~ N^a at D = 64: a', 'time ~ D^b at N = 1024: b'];
  const rows = names.map((k) => [k, fmtNumber(exponents.againstN[k]), fmtNumber(exponents.againstD[k])]);
  return { headers, rows };
}
