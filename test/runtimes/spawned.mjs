// Bun (`bun test`) and Deno (`deno test`), both from npm: each runs its own
// test file over the portable suite; we read the counts from its summary.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './util.mjs';

// ANSI colour codes, which deno prints even with NO_COLOR.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function runTool(tool, args, parse) {
  const result = spawnSync(join(root, 'node_modules/.bin', tool), args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.replace(ANSI, '');
  const counts = parse(output);
  if (!counts) return { passed: 0, failed: 1, failures: [{ name: `${tool} summary`, message: output.slice(-4000) }] };
  const failures =
    counts.failed > 0 || result.status !== 0 ? [{ name: `${tool} exit ${result.status}`, message: output.slice(-4000) }] : [];
  return { passed: counts.passed, failed: Math.max(counts.failed, failures.length), failures };
}

export const bun = () =>
  runTool('bun', ['test', './test/runtimes/bun.test.js'], (out) => {
    const pass = /^\s*(\d+) pass\s*$/m.exec(out);
    const fail = /^\s*(\d+) fail\s*$/m.exec(out);
    return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : null;
  });

export const deno = () =>
  runTool('deno', ['test', '--allow-read', '--no-check', 'test/runtimes/deno.test.js'], (out) => {
    const m = /(?:ok|FAILED) \| (\d+) passed \| (\d+) failed/.exec(out);
    return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
  });
