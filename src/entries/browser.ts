// The `browser` entry: the .wasm files sit next to this module and are
// fetched. Bundlers (Vite, webpack 5, esbuild, Parcel) recognize
// `new URL('./file', import.meta.url)` with a literal path and ship the file.

import { cachedSource } from '../core.js';
import { bindEntry } from './bind.js';
import { compileFetched } from './fetch.js';

export * from '../api.js';

// Literal paths, so that bundlers see and ship each file.
const FILES = {
  relaxed: new URL('./attnflow.relaxed.wasm', import.meta.url),
  simd: new URL('./attnflow.simd.wasm', import.meta.url),
  scalar: new URL('./attnflow.scalar.wasm', import.meta.url),
  'simd-threads': new URL('./attnflow.simd-threads.wasm', import.meta.url),
  'relaxed-threads': new URL('./attnflow.relaxed-threads.wasm', import.meta.url),
};

const source = cachedSource((build) => compileFetched(FILES[build]));

export const { init, createEngine } = bindEntry(source);
