// The TypeScript view of the WASM exports (src/wasm/abi.ts) against what the
// binaries really export: names, kinds, arities and the ABI constants.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ABI, KERNEL_FUNCTION_ARITY } from '../src/wasm/abi.js';
import { wasmBytes } from '../src/wasm/load.js';

describe.each(['simd', 'scalar'] as const)('%s build exports', (build) => {
  const module = new WebAssembly.Module(wasmBytes(build));
  const exports = WebAssembly.Module.exports(module);
  const instance = new WebAssembly.Instance(module, {});

  it('imports nothing (no env.abort, no runtime)', () => {
    expect(WebAssembly.Module.imports(module)).toEqual([]);
  });

  it('exports exactly the functions of the TypeScript view, with their arities', () => {
    const functions = exports.filter((e) => e.kind === 'function').map((e) => e.name);
    expect(functions.sort()).toEqual(Object.keys(KERNEL_FUNCTION_ARITY).sort());
    for (const [name, arity] of Object.entries(KERNEL_FUNCTION_ARITY)) {
      expect((instance.exports[name] as (...a: unknown[]) => unknown).length, name).toBe(arity);
    }
  });

  it('exports one memory and exactly the ABI constants, with equal values', () => {
    expect(exports.filter((e) => e.kind === 'memory').map((e) => e.name)).toEqual(['memory']);
    const globals = exports.filter((e) => e.kind === 'global').map((e) => e.name);
    expect(globals.sort()).toEqual(Object.keys(ABI).sort());
    for (const [name, value] of Object.entries(ABI)) {
      expect((instance.exports[name] as WebAssembly.Global).value, name).toBe(value);
    }
  });

  it(build === 'simd' ? 'uses f64x2 SIMD' : 'uses no v128 instruction (validates where SIMD is missing)', () => {
    const wat = readFileSync(new URL(`../build/attnflow.${build}.wat`, import.meta.url), 'utf8');
    if (build === 'simd') expect(wat).toMatch(/f64x2\.mul/);
    else expect(wat).not.toMatch(/v128|f64x2|i64x2/);
  });
});
