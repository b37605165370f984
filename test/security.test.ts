// No dynamic code in what we ship, and no known vulnerability in what users install.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.includes('.generated.') ? [path] : [];
  });
}

describe('security', () => {
  it('ships no eval, no Function constructor, no string timers', () => {
    const offenders: string[] = [];
    for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'assembly'))]) {
      const text = readFileSync(file, 'utf8');
      if (/\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*['"`]|set(Timeout|Interval)\s*\(\s*['"`]/.test(text))
        offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('npm audit --omit=dev finds nothing', () => {
    const out = execFileSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(out) as { metadata: { vulnerabilities: Record<string, number> } };
    expect(Object.values(report.metadata.vulnerabilities).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
