// Fuzzing the attnflow CLI (dist/cli.js) with random and malformed configs
// and flags: it always answers with one line on stderr and a non-zero exit
// (or runs a config that happens to be valid), never a stack trace or a hang.
// Each case is a real process; the run is bounded to a few seconds.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'attnflow-cli-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
function runCli(args: string[], config?: string) {
  const dir = join(work, `case-${counter++}`);
  const argv = [...args];
  if (config !== undefined) {
    const file = join(work, `config-${counter}.json`);
    writeFileSync(file, config);
    argv.splice(1, 0, file);
  }
  const r = spawnSync(process.execPath, [CLI, ...argv, '--out', dir, '--quiet'], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** JSON-ish text: valid JSON of junk values, truncated JSON, deep nesting, NaN strings, huge numbers. */
const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-1', '', 'sphere', 'dopri5', null, true, false, 1e308, -1e308, 0, -1, 3.5, 2 ** 40),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { maxLength: 3 }),
  fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { maxLength: 3 }), { maxLength: 4 }),
);
const keys = [
  'tokens',
  't1',
  'beta',
  'geometry',
  'method',
  'dt',
  'rtol',
  'atol',
  'maxSteps',
  'saveAt',
  'heads',
  'layers',
  'n',
  'd',
  'seed',
  'preset',
  'formats',
  'name',
  'geomtry',
  'tokenz',
  '$schema',
  'constructor',
];
const config = fc.oneof(
  fc.dictionary(fc.constantFrom(...keys), junkValue, { maxKeys: 5 }).map((o) => JSON.stringify({ t1: 0.1, n: 3, d: 1, ...o })),
  fc.string({ maxLength: 40 }),
  fc.nat(60).map((depth) => `${'['.repeat(depth * 50)}${']'.repeat(depth * 50)}`),
  fc.constantFrom(
    '{"t1": NaN}',
    '{"t1": 1,}',
    '{',
    '{"tokens": [[1], [2, 3]], "t1": 1}',
    '{"t1": "1"}',
    '{"t1": 1e999}',
    '{"name": "../../etc/x", "t1": 0.1, "n": 2}',
  ),
);
const flags = fc.array(
  fc.oneof(
    fc.constantFrom(
      '--t1',
      '--beta',
      '--geometry',
      '--method',
      '--dt',
      '--save-at',
      '--tokens',
      '--n',
      '--no-quiet',
      '--bogus',
      '--save-attention=maybe',
      '--preset',
      '-q',
    ),
    fc.constantFrom('NaN', '-1', '1e999', 'sphere', '[[1],[2]]', '[[1],[', 'gisin-1d', '0', ''),
  ),
  { maxLength: 6 },
);

describe('fuzzing the CLI', () => {
  it('answers random configs and flags with one line and a non-zero exit, or runs them', () => {
    fc.assert(
      fc.property(config, flags, (text, extra) => {
        const r = runCli(['run', ...extra], text);
        expect(r.signal).toBeNull(); // no hang (killed by the timeout) and no crash
        if (r.status === 0) return; // a config that happened to be valid
        expect(r.status === 2 || r.status === 3, r.stderr).toBe(true);
        const lines = r.stderr.trim().split('\n');
        expect(lines.length, r.stderr).toBe(1);
        expect(lines[0]).toMatch(/^attnflow: /);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 40, interruptAfterTimeLimit: 12_000 },
    );
  });
});
