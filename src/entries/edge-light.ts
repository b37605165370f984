// The `edge-light` entry (Vercel Edge): like workerd, compiling bytes is
// forbidden; `.wasm?module` imports arrive as compiled WebAssembly.Modules.

import { AttnflowError } from '../errors.js';
import scalarModule from './attnflow.scalar.wasm?module';
import simdModule from './attnflow.simd.wasm?module';
import { bindEntry } from './bind.js';

export * from '../api.js';

// The relaxed-SIMD and threads builds are not bundled here: a detected 'relaxed' falls back to 'simd', threads to one.
export const { init, createEngine } = bindEntry(async (build) => {
  if (build === 'relaxed' || build === 'simd-threads' || build === 'relaxed-threads') {
    throw new AttnflowError('backend_unavailable', 'backend', `this entry ships no '${build}' build`);
  }
  return build === 'simd' ? simdModule : scalarModule;
});
