// The `deno` entry: the .wasm files sit next to this module and are
// fetched (Deno fetches file: URLs with --allow-read, and npm: packages
// are read from its cache, so this also works for `import "npm:attnflow"`).

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
