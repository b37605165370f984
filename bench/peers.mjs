// What attnflow is compared with, in the same run: a naive JavaScript
// implementation, tfjs-backend-wasm (float32), NumPy and SciPy through python3
// (bench/python_peer.py), and the peak probes (assembly/probe/, built as
// build/attnflow.probe*.wasm by scripts/build-wasm.mjs).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

/**
 * The attention RHS F(X) = softmax(beta X X^T) X written the obvious way in JavaScript (typed arrays,
 * one row at a time, stable softmax): what someone would write without thinking about speed.
 */
export function naiveRhs(x, n, d, beta) {
  const out = new Float64Array(n * d);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k] * x[j * d + k];
      s[j] = beta * dot;
      if (s[j] > max) max = s[j];
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      s[j] = Math.exp(s[j] - max);
      sum += s[j];
    }
    for (let j = 0; j < n; j++) {
      const w = s[j] / sum;
      for (let k = 0; k < d; k++) out[i * d + k] += w * x[j * d + k];
    }
  }
  return out;
}

/** tfjs-core with the WASM backend (SIMD, single-threaded in Node), or null with the reason. */
export async function loadTfjs() {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;
    wasm.setWasmPaths(dist);
    await tf.setBackend('wasm');
    await tf.ready();
    const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8'));
    return {
      tf,
      version: pkg.version,
      simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    };
  } catch (e) {
    return { error: `tfjs-backend-wasm unavailable: ${e.message}` };
  }
}

/** A function computing the RHS with tfjs in float32: matMul, softmax, matMul; returns a Float32Array. */
export function tfjsRhs(tfjs, x, n, d, beta) {
  const { tf } = tfjs;
  const xt = tf.tensor2d(Float32Array.from(x), [n, d]);
  const call = () => tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(tf.mul(xt, beta), xt, false, true)), xt)).dataSync();
  return { call, dispose: () => xt.dispose() };
}

/** Runs bench/python_peer.py on the cases; null with a note when python3 or numpy is missing. */
export function runPython(cases, options) {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { skipped: 'python3 with numpy is not available' };
  const dir = mkdtempSync(join(os.tmpdir(), 'attnflow-bench-'));
  try {
    const spec = {
      ...options,
      cases: cases.map(({ n, d, tokens }, i) => {
        const file = join(dir, `x${i}.f64`);
        writeFileSync(file, Buffer.from(tokens.data.buffer, tokens.data.byteOffset, tokens.data.byteLength));
        return { n, d, file, out: join(dir, `f${i}.f64`) };
      }),
    };
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const child = spawnSync('python3', [join(HERE, 'python_peer.py'), specFile], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) return { skipped: `python_peer.py failed (status ${child.status})` };
    const result = JSON.parse(child.stdout.trim().split('\n').pop());
    for (const [i, r] of result.rhs.entries()) {
      const out = spec.cases[i].out;
      if (existsSync(out)) {
        // A small file's Buffer is a view into Node's shared pool: copy exactly its bytes.
        const bytes = readFileSync(out);
        r.output = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Peak probes: f64x2 and f32x4 multiply-add (12 independent chains) and vector exp rates of one core,
 * the best of 7 runs (a peak is what the core does when nothing else runs: on this shared machine a
 * median of 20 ms runs once came out 17% under the other runs), for the plain SIMD build and (where it
 * validates) the relaxed one. bench/run.mjs probes twice, before and after the RHS part, and keeps the
 * higher rate (mergeProbes).
 */
export function runProbes(relaxedAvailable) {
  const builds = { simd: 'attnflow.probe.wasm', relaxed: 'attnflow.probe-relaxed.wasm' };
  const result = {};
  for (const [name, file] of Object.entries(builds)) {
    if (name === 'relaxed' && !relaxedAvailable) continue;
    const path = join(ROOT, 'build', file);
    if (!existsSync(path)) continue;
    const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {}).exports;
    const rate = (fn, iterations, perIteration) => {
      fn(1000);
      const times = [];
      for (let r = 0; r < 7; r++) {
        const t = performance.now();
        fn(iterations);
        times.push(performance.now() - t);
      }
      return (perIteration * iterations) / (Math.min(...times) * 1e6);
    };
    result[name] = {
      f64Gflops: rate(ex.peakF64, 1e7, 48),
      f32Gflops: rate(ex.peakF32, 1e7, 96),
      expF64PerNs: rate(ex.expRateF64, 2e6, 4),
      expF32PerNs: rate(ex.expRateF32, 2e6, 8),
    };
  }
  return result;
}

/** The higher rate of two probe runs, field by field (a build missing from one keeps the other's). */
export function mergeProbes(a, b) {
  const merged = {};
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[name] ?? {};
    const y = b[name] ?? {};
    merged[name] = {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) merged[name][key] = Math.max(x[key] ?? 0, y[key] ?? 0);
  }
  return merged;
}

/** Spawns bench/memory-child.mjs (a solve with N = 65536, D = 16) and reads its peak resident set size. */
export function runMemoryChild(flags) {
  const child = spawnSync(process.execPath, [...flags, join(HERE, 'memory-child.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) return { error: `memory-child.mjs failed (status ${child.status})` };
  return JSON.parse(child.stdout.trim().split('\n').pop());
}
