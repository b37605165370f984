// The `deno` entry: the .wasm files sit next to this module and are
// fetched (Deno fetches file: URLs with --allow-read, and npm: packages
// are read from its cache, so this also works for `import "npm:attnflow"`).

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
