// What @edge-runtime/vm evaluates (bundled by edge.mjs): the portable core
// suite against the `edge-light` entry, plus a check that byte compilation is denied.
import * as api from '../../dist/edge-light.js';
import { coreCases, runCases } from './core-suite.js';

export async function result() {
  const cases = coreCases(api);
  cases.push({
    name: 'the VM denies compiling WebAssembly from bytes, as Vercel Edge does',
    async run() {
      let denied = false;
      try {
        await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      } catch {
        denied = true;
      }
      if (!denied) throw new Error('WebAssembly.compile(bytes) succeeded in the VM');
    },
  });
  return JSON.stringify(await runCases(cases));
}
