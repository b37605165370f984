// The `browser` entry: the .wasm files sit next to this module and are
// fetched. Bundlers (Vite, webpack 5, esbuild, Parcel) recognize
// `new URL('./file', import.meta.url)` with a literal path and ship the file.

import { cachedSource } from '../core.js';
import { bindEntry } from './bind.js';
import { compileFetched } from './fetch.js';

export * from '../api.js';

const source = cachedSource((build) =>
  compileFetched(
    build === 'simd' ? new URL('./attnflow.simd.wasm', import.meta.url) : new URL('./attnflow.scalar.wasm', import.meta.url),
  ),
);

export const { init, createEngine } = bindEntry(source);
