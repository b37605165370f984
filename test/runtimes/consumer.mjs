// The consumer test: `npm pack`, install the tarball in a temporary project
// (offline: the package has no dependencies), then import it from ESM and
// from CJS as a user would, and run a solve checked against a closed form.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './util.mjs';

// One token with V = [[0, w], [-w, 0]] (row form x' = x V): x(t) = [x c + y s, x s - y c]... for x0 = (1.2, -0.4).
const SOLVE = `
  const backend = await init();
  const w = 0.7, t1 = 3;
  const sol = solve({ tokens: [[1.2, -0.4]], heads: [{ value: [[0, w], [-w, 0]] }], t1, rtol: 1e-11, atol: 1e-13 });
  const c = Math.cos(w * t1), s = Math.sin(w * t1);
  const error = Math.max(Math.abs(sol.tokens[0][0] - (1.2 * c + 0.4 * s)), Math.abs(sol.tokens[0][1] - (1.2 * s - 0.4 * c)));
  console.log(JSON.stringify({ backend, status: sol.status, error, resolved: RESOLVED }));
`;

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'attnflow-consumer-'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }));
    const tarball = join(dir, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: dir, stdio: 'pipe' });
    writeFileSync(
      join(dir, 'esm.mjs'),
      `import { init, solve } from 'attnflow';\nconst RESOLVED = import.meta.resolve('attnflow');\n${SOLVE}`,
    );
    writeFileSync(
      join(dir, 'cjs.cjs'),
      `const { init, solve } = require('attnflow');\nconst RESOLVED = require.resolve('attnflow');\n(async () => {${SOLVE}})();`,
    );
    const cases = [
      { name: 'the tarball holds dist/ with both .wasm builds, and no sources or tests', check: () => files },
      { name: 'ESM import (node condition, dist/node.js)', script: 'esm.mjs', expect: /dist\/node\.js$/ },
      { name: 'CJS require (node condition, dist/node.cjs)', script: 'cjs.cjs', expect: /dist\/node\.cjs$/ },
    ];
    const failures = [];
    for (const c of cases) {
      try {
        if (c.check) {
          for (const needed of [
            'dist/attnflow.simd.wasm',
            'dist/attnflow.scalar.wasm',
            'dist/index.d.ts',
            'dist/index.d.cts',
            'dist/cli.js',
          ]) {
            if (!files.includes(needed)) throw new Error(`${needed} missing from the tarball: ${files.join(', ')}`);
          }
          const stray = files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
          if (stray.length > 0) throw new Error(`unexpected files in the tarball: ${stray.join(', ')}`);
          continue;
        }
        const out = JSON.parse(execFileSync(process.execPath, [c.script], { cwd: dir, encoding: 'utf8' }));
        if (out.backend !== 'simd') throw new Error(`backend ${out.backend}`);
        if (out.status !== 'success' || !(out.error < 1e-9)) throw new Error(`status ${out.status}, error ${out.error}`);
        if (!c.expect.test(out.resolved)) throw new Error(`resolved to ${out.resolved}`);
      } catch (error) {
        failures.push({ name: c.name, message: String(error?.stack ?? error) });
      }
    }
    return { passed: cases.length - failures.length, failed: failures.length, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
