// Files of a run: JSON, CSV in long format, .npy (NumPy format 1.0) and SVG
// figures, all inside the output folder. Names come from the config's `name`
// (a plain file name by the schema) and are checked again here: nothing is
// written outside the folder.

import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { AttnflowError } from '../errors.js';
import type { RunResult } from './run.js';
import { attentionHeatmap, clustersAndEnergy, tokensOnSphere, trajectories1d } from './svg.js';

/** `folder/file`, refusing any file name that would leave the folder. */
export function insideFolder(folder: string, file: string): string {
  const root = resolve(folder);
  const path = resolve(root, file);
  const rel = relative(root, path);
  if (file.includes('/') || file.includes('\\') || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new AttnflowError('invalid_value', 'name', `the output file "${file}" would not be a plain file inside ${root}`);
  }
  return path;
}

/**
 * A .npy file (NumPy format version 1.0): magic, header length, a Python dict
 * literal padded with spaces to a multiple of 64 bytes and ended by '\n', then
 * the little-endian float64 data in C order.
 */
export function npy(data: Float64Array, shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + 8 * data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let k = 0; k < data.length; k++) view.setFloat64(8 * k, data[k], true);
  return out;
}

/** t,token,coordinate,value: one row per number (tokens and coordinates from 0). */
export function csvLong(t: Float64Array, states: readonly Float64Array[], n: number, d: number): string {
  const lines = ['t,token,coordinate,value'];
  states.forEach((x, s) => {
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) lines.push(`${t[s]},${i},${k},${x[i * d + k]}`);
  });
  return `${lines.join('\n')}\n`;
}

const rows = (x: Float64Array, n: number, d: number) =>
  Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));

/** The JSON document of a run (numbers as JSON numbers; non-finite ones never occur: solves stop before). */
export function runJson(r: RunResult): unknown {
  const { plan } = r;
  const n = plan.n;
  return {
    attnflow: 'run',
    name: plan.name,
    config: { ...plan.config, tokens: plan.tokens },
    n,
    d: plan.d,
    beta: plan.beta,
    backend: r.backend,
    status: r.status,
    message: r.message,
    finalTime: r.finalTime,
    stats: r.stats,
    milliseconds: Math.round(r.milliseconds * 1000) / 1000,
    t: Array.from(r.t),
    tokens: r.states.map((x) => rows(x, n, plan.d)),
    clusters: r.clusters,
    clusterTolerance: plan.clusterTolerance,
    logEnergy: r.logEnergy,
    corridor: r.corridor,
    attention: r.attentionTimes.map((t, k) => ({ t, heads: r.attention[k].map((p) => rows(p, n, n)) })),
  };
}

/** Writes the run's files into `folder` (created if needed); returns their paths. */
export function writeOutputs(r: RunResult, folder: string): string[] {
  const { plan } = r;
  const { n, d, name } = plan;
  mkdirSync(resolve(folder), { recursive: true });
  const written: string[] = [];
  const put = (file: string, content: string | Uint8Array) => {
    const path = insideFolder(folder, file);
    writeFileSync(path, content);
    written.push(path);
  };
  const formats = new Set(plan.formats);
  if (formats.has('json')) put(`${name}.json`, `${JSON.stringify(runJson(r))}\n`);
  if (formats.has('csv')) put(`${name}.csv`, csvLong(r.t, r.states, n, d));
  if (formats.has('npy')) {
    const all = new Float64Array(r.states.length * n * d);
    r.states.forEach((x, s) => {
      all.set(x, s * n * d);
    });
    put(`${name}.npy`, npy(all, [r.states.length, n, d]));
    put(`${name}.t.npy`, npy(r.t, [r.t.length]));
    if (r.attention.length > 0) {
      const heads = r.attention[0].length;
      const att = new Float64Array(r.attention.length * heads * n * n);
      r.attention.forEach((ps, k) => {
        ps.forEach((p, h) => {
          att.set(p, (k * heads + h) * n * n);
        });
      });
      put(`${name}.attention.npy`, npy(att, [r.attention.length, heads, n, n]));
    }
  }
  if (formats.has('svg')) {
    const label = `${name}: N = ${n}, D = ${d}, beta = ${plan.beta.toPrecision(4)}`;
    if (d === 1 && r.corridor) {
      put(`${name}-trajectories.svg`, trajectories1d(r.t, r.states, r.corridor.v0, r.corridor.exits, `${label}: x_i(t)`));
    } else {
      const sphere = plan.config.geometry === 'sphere';
      put(`${name}-tokens.svg`, tokensOnSphere(r.t, r.states, n, d, sphere, `${label}: tokens over time`));
    }
    r.attentionTimes.forEach((t, k) => {
      if (!plan.heatmapTimes.includes(t)) return;
      r.attention[k].forEach((p, h) => {
        const head = r.attention[k].length > 1 ? `-head${h}` : '';
        put(
          `${name}-attention-t${t}${head}.svg`,
          attentionHeatmap(p, n, `${name}: attention P${head ? `_${h}` : ''} at t = ${t}`),
        );
      });
    });
    put(
      `${name}-clusters-energy.svg`,
      clustersAndEnergy(r.t, r.clusters, r.logEnergy, plan.clusterTolerance, `${label}: clusters and energy`),
    );
  }
  return written;
}
