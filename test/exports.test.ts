// The package's exports map: each runtime's conditions reach its entry, and
// the entries for workerd and edge-light (and the core they share) contain no
// byte compilation, which those runtimes forbid. Reads the built dist/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

type Target = string | { [condition: string]: Target };

/** Node's condition matching (PACKAGE_TARGET_RESOLVE): the first key, in object order, that is active. */
function resolve(target: Target, conditions: readonly string[]): string | null {
  if (typeof target === 'string') return target;
  for (const [key, value] of Object.entries(target)) {
    if (key === 'default' || conditions.includes(key)) {
      const r = resolve(value, conditions);
      if (r !== null) return r;
    }
  }
  return null;
}

const RUNTIMES: [string, string[], string][] = [
  ['workerd (wrangler)', ['workerd', 'worker', 'browser', 'import'], './dist/workerd.js'],
  ['Vercel Edge', ['edge-light', 'worker', 'browser', 'import'], './dist/edge-light.js'],
  ['a browser bundler', ['browser', 'import'], './dist/browser.js'],
  ['Deno', ['deno', 'node', 'import'], './dist/deno.js'],
  ['Node import', ['node', 'import'], './dist/node.js'],
  ['Node require', ['node', 'require'], './dist/node.cjs'],
  ['Bun', ['bun', 'node', 'import'], './dist/node.js'],
  ['an unknown bundler, import', ['import'], './dist/index.js'],
  ['an unknown bundler, require', ['require'], './dist/index.cjs'],
];

describe('exports map', () => {
  it.each(RUNTIMES)('%s gets its entry', (_, conditions, expected) => {
    const file = resolve(pkg.exports['.'], conditions);
    expect(file).toBe(expected);
    expect(existsSync(join(root, file as string))).toBe(true);
  });

  it('every entry has types', () => {
    for (const [, conditions] of RUNTIMES) {
      const types = resolve(pkg.exports['.'], ['types', ...conditions]);
      expect(types).toMatch(conditions.includes('require') ? /^\.\/dist\/index\.d\.cts$/ : /^\.\/dist\/index\.d\.ts$/);
    }
  });
});

/** The text of an ES module of dist/ and of everything it imports statically (relative .js imports). */
function moduleGraph(file: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  seen.set(file, text);
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*'(\.[^']+\.js)'|import\s*'(\.[^']+\.js)'/g)) {
    moduleGraph(join(dirname(file), m[1] ?? m[2]), seen);
  }
  return seen;
}

describe.each(['workerd', 'edge-light'])('the %s entry', (entry) => {
  it('and everything it imports never compile bytes (no WebAssembly.compile / Module / instantiate(bytes), no base64)', () => {
    const graph = moduleGraph(join(root, 'dist', `${entry}.js`));
    expect(graph.size).toBeGreaterThan(1);
    for (const [file, text] of graph) {
      expect(text, file).not.toMatch(/WebAssembly\.(compile|compileStreaming|instantiate|instantiateStreaming|Module)\s*\(/);
      expect(text, file).not.toMatch(/new WebAssembly\.Module/);
      expect(text, file).not.toMatch(/[A-Za-z0-9+/]{2000}/);
    }
    const wasmImports = [...graph.values()].flatMap((t) =>
      [...t.matchAll(/from '(\.\/attnflow\.\w+\.wasm(\?module)?)'/g)].map((m) => m[1]),
    );
    const suffix = entry === 'edge-light' ? '?module' : '';
    expect(wasmImports.sort()).toEqual([`./attnflow.scalar.wasm${suffix}`, `./attnflow.simd.wasm${suffix}`]);
  });
});
