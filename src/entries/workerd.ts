// The `workerd` entry (Cloudflare Workers): workerd forbids compiling
// WebAssembly from bytes at run time, so the builds are imported as modules,
// which the runtime (or wrangler's CompiledWasm rule) hands over compiled.

import scalarModule from './attnflow.scalar.wasm';
import simdModule from './attnflow.simd.wasm';
import { bindEntry } from './bind.js';

export * from '../api.js';

export const { init, createEngine } = bindEntry(async (build) => (build === 'simd' ? simdModule : scalarModule));
