// The worker that workerd runs: the portable core suite against the
// `workerd` entry (dist/workerd.js imports the .wasm builds as modules).
import * as api from '../../dist/workerd.js';
import { coreCases, runCases } from './core-suite.js';

export default {
  async fetch() {
    const cases = coreCases(api);
    cases.push({
      name: 'workerd denies compiling WebAssembly from bytes (so the entry must not)',
      async run() {
        const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
        let denied = false;
        try {
          await WebAssembly.compile(empty);
        } catch {
          denied = true;
        }
        if (!denied)
          throw new Error('WebAssembly.compile(bytes) succeeded: the test would not catch an entry that compiles bytes');
      },
    });
    return Response.json(await runCases(cases));
  },
};
