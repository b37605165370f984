// The `node` entry: reads the .wasm files next to this module from disk
// (Node 20's fetch cannot load file: URLs). Also built as CommonJS, where
// rollup turns import.meta.url into the file's URL.

import { readFile } from 'node:fs/promises';
import { cachedSource } from '../core.js';
import { bindEntry } from './bind.js';

export * from '../api.js';

const source = cachedSource(async (build) =>
  WebAssembly.compile(
    await readFile(
      build === 'simd' ? new URL('./attnflow.simd.wasm', import.meta.url) : new URL('./attnflow.scalar.wasm', import.meta.url),
    ),
  ),
);

export const { init, createEngine } = bindEntry(source);
