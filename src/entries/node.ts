// The `node` entry: reads the .wasm files next to this module from disk
// (Node 20's fetch cannot load file: URLs). Also built as CommonJS, where
// rollup turns import.meta.url into the file's URL.

import { readFile } from 'node:fs/promises';
import { cachedSource } from '../core.js';
import { bindEntry } from './bind.js';

export * from '../api.js';

const FILES = {
  relaxed: new URL('./attnflow.relaxed.wasm', import.meta.url),
  simd: new URL('./attnflow.simd.wasm', import.meta.url),
  scalar: new URL('./attnflow.scalar.wasm', import.meta.url),
  'simd-threads': new URL('./attnflow.simd-threads.wasm', import.meta.url),
  'relaxed-threads': new URL('./attnflow.relaxed-threads.wasm', import.meta.url),
};

const source = cachedSource(async (build) => WebAssembly.compile(await readFile(FILES[build])));

export const { init, createEngine } = bindEntry(source);
