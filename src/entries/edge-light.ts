// The `edge-light` entry (Vercel Edge): like workerd, compiling bytes is
// forbidden; `.wasm?module` imports arrive as compiled WebAssembly.Modules.

import scalarModule from './attnflow.scalar.wasm?module';
import simdModule from './attnflow.simd.wasm?module';
import { bindEntry } from './bind.js';

export * from '../api.js';

export const { init, createEngine } = bindEntry(async (build) => (build === 'simd' ? simdModule : scalarModule));
