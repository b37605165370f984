// Spawned by bench/run.mjs: one solve with N = 65536 tokens of dimension
// D = 16 (one explicit Euler step, so one RHS evaluation of 2.7e11 flops),
// then prints its peak resident set size. Everything the solve holds is
// O(N D): tokens, the RK work vectors and the attention scratch; no N x N
// matrix is ever formed.

import { readFileSync } from 'node:fs';
import { seededRandom } from '../build/tsc/random.js';
import { createEngine } from '../dist/index.js';

/**
 * This process's peak resident set size in bytes. On Linux from /proc/self/status (VmHWM, this address
 * space's high-water mark): getrusage's maxRSS, which resourceUsage() reports, keeps the parent's peak
 * across the exec of a child spawned by a vfork-style clone (libuv), so after a bench run that held
 * hundreds of MiB it reported the parent's peak, not the solve's. Elsewhere: maxRSS (kilobytes).
 */
function peakRssBytes() {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    const kib = line ? Number.parseInt(line.slice(6), 10) : Number.NaN;
    if (Number.isFinite(kib)) return { bytes: kib * 1024, source: 'VmHWM (/proc/self/status)' };
  } catch {
    // not Linux
  }
  return { bytes: process.resourceUsage().maxRSS * 1024, source: 'resourceUsage().maxRSS' };
}

const N = 65536;
const D = 16;
const random = seededRandom(3);
const data = new Float64Array(N * D);
for (let l = 0; l < data.length; l++) data[l] = (random() - 0.5) * 0.5;
const engine = await createEngine();
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const sol = engine.solve({ tokens: { data, n: N, d: D }, t1: 0.01, method: 'euler', dt: 0.01 });
const ms = performance.now() - start;
const peak = peakRssBytes();
console.log(
  JSON.stringify({
    n: N,
    d: D,
    backend: engine.backend,
    method: 'euler, one step (t1 = dt = 0.01)',
    status: sol.status,
    rhsEvaluations: sol.stats.rhsEvaluations,
    ms,
    wasmMemoryBytes: engine.memoryBytes,
    rssBeforeSolveBytes: rssBefore,
    peakRssBytes: peak.bytes,
    peakRssSource: peak.source,
  }),
);
