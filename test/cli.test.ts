// The attnflow CLI, as built (dist/cli.js, run by `npm test` after the build):
// outputs checked against closed forms and theorems, the files it writes
// (JSON, CSV long format, .npy read back by NumPy when python3 has it), the
// config schema, and its errors.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insideFolder, npy } from '../src/cli/outputs.js';
import { PRESETS } from '../src/cli/presets.js';
import { validateConfig } from '../src/cli/schema.js';
import { corridorHalfWidth } from '../src/corridor.js';
import { engineFor } from './helpers.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'attnflow-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runJson(args: string[]) {
  const r = cli([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('attnflow run', () => {
  it('flags for tokens, heads and tolerances: one token under V = rotation moves on a circle (closed form)', () => {
    const out = join(work, 'rotation');
    const w = 0.7;
    const summary = runJson([
      'run',
      '--tokens',
      '[[1.2,-0.4]]',
      '--heads',
      JSON.stringify([
        {
          value: [
            [0, w],
            [-w, 0],
          ],
        },
      ]),
      '--t1',
      '3',
      '--saves',
      '4',
      '--rtol',
      '1e-11',
      '--atol=1e-13',
      '--name',
      'rot',
      '--out',
      out,
    ]);
    expect(summary.status).toBe('success');
    const doc = JSON.parse(readFileSync(join(out, 'rot.json'), 'utf8'));
    expect(doc.t).toEqual([0, 1, 2, 3]);
    doc.t.forEach((t: number, s: number) => {
      const [x, y] = doc.tokens[s][0];
      const c = Math.cos(w * t);
      const sn = Math.sin(w * t);
      expect(Math.abs(x - (1.2 * c + 0.4 * sn))).toBeLessThan(1e-9);
      expect(Math.abs(y - (1.2 * sn - 0.4 * c))).toBeLessThan(1e-9);
    });
  });

  it('a config file gives the same keys; fixed-step rk4 there is 4th-order accurate on the same closed form', () => {
    const out = join(work, 'config');
    const file = join(work, 'rot.json');
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [[1.2, -0.4]],
        heads: [
          {
            value: [
              [0, 1],
              [-1, 0],
            ],
          },
        ],
        t1: 2,
        saves: 3,
        method: 'rk4',
        dt: 0.01,
        name: 'rk4',
      }),
    );
    const summary = runJson(['run', file, '--out', out]);
    expect(summary.stats.steps).toBe(200);
    const doc = JSON.parse(readFileSync(join(out, 'rk4.json'), 'utf8'));
    const [x, y] = doc.tokens[2][0];
    // RK4 error for a rotation over t = 2 with h = 0.01 is ~ t h^4 / 120 ~ 2e-10.
    expect(Math.hypot(x - (1.2 * Math.cos(2) + 0.4 * Math.sin(2)), y - (1.2 * Math.sin(2) - 0.4 * Math.cos(2)))).toBeLessThan(
      1e-8,
    );
  });

  it('--preset gisin-1d: order kept, gaps grow, exits are the first save outside [-v0, v0] (eq. 13), CSV/.npy hold the same numbers', () => {
    const out = join(work, 'gisin');
    const summary = runJson(['run', '--preset', 'gisin-1d', '--out', out]);
    expect(summary.status).toBe('success');
    const doc = JSON.parse(readFileSync(join(out, 'gisin-1d.json'), 'utf8'));
    const n = 16;
    expect(doc.corridor.v0).toBe(corridorHalfWidth(n));
    const x = (s: number, i: number): number => doc.tokens[s][i][0];
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x(0, a) - x(0, b));
    for (let s = 1; s < doc.t.length; s++) {
      for (let k = 1; k < n; k++) {
        expect(x(s, order[k]) - x(s, order[k - 1])).toBeGreaterThanOrEqual(
          (x(s - 1, order[k]) - x(s - 1, order[k - 1])) * (1 - 1e-9),
        );
      }
    }
    expect(doc.corridor.exits.length).toBeGreaterThan(0);
    for (const e of doc.corridor.exits) {
      const s = doc.t.indexOf(e.t);
      expect(Math.abs(x(s, e.token))).toBeGreaterThan(doc.corridor.v0);
      expect(Math.abs(x(s - 1, e.token))).toBeLessThanOrEqual(doc.corridor.v0);
      expect(e.direction).toBe(x(s, e.token) > 0 ? 'up' : 'down');
    }
    // Heatmap times are saved, and each attention row sums to 1.
    expect(doc.attention.map((a: { t: number }) => a.t)).toEqual([0, 2, 8]);
    for (const a of doc.attention)
      for (const row of a.heads[0]) expect(row.reduce((p: number, v: number) => p + v, 0)).toBeCloseTo(1, 12);
    // CSV long format: one row per (t, token, coordinate), same numbers as the JSON.
    const csv = readFileSync(join(out, 'gisin-1d.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,token,coordinate,value');
    expect(csv.length - 1).toBe(doc.t.length * n);
    const [t, token, coordinate, value] = csv[1 + 5 * n + 3].split(',').map(Number);
    expect([t, token, coordinate, value]).toEqual([doc.t[5], 3, 0, x(5, 3)]);
    // Figures: one line per token, one marker per exit.
    const svg = readFileSync(join(out, 'gisin-1d-trajectories.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(n);
    expect(svg.match(/<circle/g)?.length).toBe(doc.corridor.exits.length);
    for (const f of ['gisin-1d-attention-t8.svg', 'gisin-1d-clusters-energy.svg']) expect(existsSync(join(out, f))).toBe(true);
  });

  it.skipIf(!hasNumpy)('.npy files load in NumPy with the right shape and values (python3 + numpy)', () => {
    const out = join(work, 'gisin');
    if (!existsSync(join(out, 'gisin-1d.json'))) runJson(['run', '--preset', 'gisin-1d', '--out', out]);
    const doc = JSON.parse(readFileSync(join(out, 'gisin-1d.json'), 'utf8'));
    const script = `import json, numpy as np
x = np.load(${JSON.stringify(join(out, 'gisin-1d.npy'))})
t = np.load(${JSON.stringify(join(out, 'gisin-1d.t.npy'))})
a = np.load(${JSON.stringify(join(out, 'gisin-1d.attention.npy'))})
print(json.dumps({"shape": list(x.shape), "dtype": str(x.dtype), "t": t.tolist(), "x": x[:, :, 0].tolist(), "ashape": list(a.shape), "rows": a.sum(axis=3).ravel().tolist()}))`;
    const py = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
    expect(py.shape).toEqual([doc.t.length, 16, 1]);
    expect(py.dtype).toBe('float64');
    expect(py.t).toEqual(doc.t);
    expect(py.x).toEqual(doc.tokens.map((s: number[][]) => s.map((r) => r[0])));
    expect(py.ashape).toEqual([3, 1, 16, 16]);
    for (const r of py.rows) expect(r).toBeCloseTo(1, 12);
  });

  it('the .npy header is NumPy format 1.0, padded to 64 bytes (checked without NumPy)', () => {
    const bytes = npy(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const headerLength = bytes[8] + 256 * bytes[9];
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    expect((10 + headerLength) % 64).toBe(0);
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(Array.from(new Float64Array(bytes.slice(10 + headerLength).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('--preset sphere-clusters: E_beta never decreases along the flow on the sphere (Geshkovski et al. 2023) and tokens stay on it', () => {
    const out = join(work, 'sphere');
    const summary = runJson([
      'run',
      '--preset',
      'sphere-clusters',
      '--t1',
      '10',
      '--saves',
      '51',
      '--out',
      out,
      '--formats',
      'json,svg',
    ]);
    expect(summary.status).toBe('success');
    const doc = JSON.parse(readFileSync(join(out, 'sphere-clusters.json'), 'utf8'));
    for (let s = 1; s < doc.logEnergy.length; s++) expect(doc.logEnergy[s]).toBeGreaterThanOrEqual(doc.logEnergy[s - 1] - 1e-12);
    expect(doc.logEnergy[doc.logEnergy.length - 1]).toBeGreaterThan(doc.logEnergy[0]);
    for (const state of doc.tokens) for (const row of state) expect(Math.hypot(...row)).toBeCloseTo(1, 12);
    expect(readdirSync(out).sort()).toEqual([
      'sphere-clusters-attention-t0.svg',
      'sphere-clusters-attention-t10.svg',
      'sphere-clusters-attention-t5.svg',
      'sphere-clusters-clusters-energy.svg',
      'sphere-clusters-tokens.svg',
      'sphere-clusters.json',
    ]);
  });

  it('--kernel row-max and --precision float32 change the arithmetic, not the flow (1e-12 and 1e-5 of the default)', () => {
    const last = (name: string, extra: string[]) => {
      const out = join(work, 'kernels');
      runJson([
        'run',
        '--n',
        '100',
        '--d',
        '3',
        '--t1',
        '2',
        '--saves',
        '2',
        '--name',
        name,
        '--out',
        out,
        '--formats',
        'json',
        ...extra,
      ]);
      const doc = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
      return (doc.tokens.at(-1) as number[][]).flat();
    };
    const auto = last('auto', []);
    const rowMax = last('row-max', ['--kernel', 'row-max']);
    const float32 = last('float32', ['--precision', 'float32']);
    const gap = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(gap(rowMax, auto)).toBeLessThan(1e-12);
    expect(gap(float32, auto)).toBeLessThan(1e-5);
    expect(gap(float32, auto)).toBeGreaterThan(0);
    expect(cli(['run', '--kernel', 'fast']).stderr).toMatch(/kernel: must be one of auto, row-max/);
  });

  it("--controller sets the step-size control: the library's steps with the same controller", async () => {
    const tokens = [
      [0.3, -1.2],
      [1.1, 0.4],
      [-0.7, 0.9],
      [0.2, 0.05],
    ];
    const controller = { beta: 0, safety: 0.8, maxFactor: 3 };
    const common = ['run', '--tokens', JSON.stringify(tokens), '--t1', '5', '--saves', '2', '--backend', 'simd'];
    const withIt = runJson([...common, '--controller', JSON.stringify(controller), '--out', join(work, 'ctl')]);
    const engine = await engineFor('simd');
    const data = { data: Float64Array.from(tokens.flat()), n: 4, d: 2 };
    const lib = engine.solve({ tokens: data, t1: 5, saveAt: [0, 5], controller });
    expect(withIt.stats).toEqual(lib.stats);
    expect(withIt.stats).not.toEqual(engine.solve({ tokens: data, t1: 5, saveAt: [0, 5] }).stats);
    const capped = runJson([...common, '--dt-max', '0.1', '--out', join(work, 'ctl')]);
    expect(capped.stats).toEqual(engine.solve({ tokens: data, t1: 5, saveAt: [0, 5], dtMax: 0.1 }).stats);
    expect(capped.stats.steps).toBeGreaterThanOrEqual(50);
    expect(cli(['run', '--t1', '1', '--controller', '{"beta":-1}']).stderr).toContain('controller.beta: must be >= 0');
    expect(cli(['run', '--t1', '1', '--controller', 'beta=0']).stderr).toContain('--controller: needs a JSON object');
  });

  it('--preset metastability is 5 tokens on the circle, beta = 4, t = 400', () => {
    const doc = runJson(['run', '--preset', 'metastability', '--out', join(work, 'meta'), '--formats', 'json']);
    expect([doc.n, doc.d, doc.beta, doc.finalTime]).toEqual([5, 2, 4, 400]);
    expect(doc.status).toBe('success');
  });

  it('--quiet prints nothing; no progress bar when stderr is not a TTY', () => {
    const r = cli(['run', '--preset', 'gisin-1d', '--quiet', '--out', join(work, 'quiet'), '--formats', 'json']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
  });
});

describe('attnflow config and errors', () => {
  it('unknown keys and flags are clear errors with a did-you-mean, exit code 2', () => {
    const file = join(work, 'typo.json');
    writeFileSync(file, JSON.stringify({ t1: 1, bta: 2 }));
    const a = cli(['run', file]);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('bta: unknown key (did you mean "beta"?)');
    const b = cli(['run', '--t1', '1', '--max-step', '3']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('--max-step: unknown flag (did you mean "max-steps"?)');
    const c = cli(['run', '--t1', '1', '--geometry', 'spehre']);
    expect(c.stderr).toContain('did you mean "sphere"?');
    const d = cli(['run', '--t1', '-1']);
    expect(d.stderr).toContain('t1: must be > 0');
  });

  it('writes nothing outside the output folder: names are plain file names', () => {
    const box = mkdtempSync(join(work, 'box-'));
    const file = join(box, 'evil.json');
    for (const name of ['../escape', '/tmp/abs', 'a/b', '..']) {
      writeFileSync(file, JSON.stringify({ preset: 'gisin-1d', name }));
      const r = cli(['run', file, '--out', join(box, 'out')], box);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('name');
    }
    expect(readdirSync(box)).toEqual(['evil.json']);
    expect(() => insideFolder(box, '../x')).toThrow(/would not be a plain file/);
    expect(() => insideFolder(box, 'a/../../x')).toThrow(/would not be a plain file/);
    expect(insideFolder(box, 'ok.json')).toBe(join(box, 'ok.json'));
  });

  it('the published schema is what `attnflow schema` prints, and every preset satisfies it', () => {
    const published = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'dist', 'config.schema.json'), 'utf8'));
    expect(JSON.parse(cli(['schema']).stdout)).toEqual(published);
    for (const p of Object.values(PRESETS)) expect(() => validateConfig(p.config)).not.toThrow();
    expect(Object.keys(published.properties)).toContain('maxSteps');
  });

  it('reproduce --quick writes the report: Markdown linking SVG figures that exist', () => {
    const dir = join(work, 'report');
    const r = cli(['reproduce', '--quick', '--out', dir]);
    expect(r.status).toBe(0);
    const markdown = readFileSync(join(dir, 'paper.md'), 'utf8');
    const figures = [...markdown.matchAll(/\]\(([^)]+\.svg)\)/g)].map((m) => m[1]);
    expect(figures.length).toBeGreaterThan(2);
    for (const f of figures) expect(readFileSync(join(dir, f), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});
