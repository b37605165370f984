// The `workerd` entry (Cloudflare Workers): workerd forbids compiling
// WebAssembly from bytes at run time, so the builds are imported as modules,
// which the runtime (or wrangler's CompiledWasm rule) hands over compiled.

import { AttnflowError } from '../errors.js';
import scalarModule from './attnflow.scalar.wasm';
import simdModule from './attnflow.simd.wasm';
import { bindEntry } from './bind.js';

export * from '../api.js';

// The relaxed-SIMD and threads builds are not bundled here: a detected 'relaxed' falls back to 'simd', threads to one.
export const { init, createEngine } = bindEntry(async (build) => {
  if (build === 'relaxed' || build === 'simd-threads' || build === 'relaxed-threads') {
    throw new AttnflowError('backend_unavailable', 'backend', `this entry ships no '${build}' build`);
  }
  return build === 'simd' ? simdModule : scalarModule;
});
