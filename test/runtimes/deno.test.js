// `deno test` runs the portable core suite against the `deno` entry
// (dist/deno.js fetches the .wasm files by file: URL).
import * as api from '../../dist/deno.js';
import { coreCases } from './core-suite.js';

for (const c of coreCases(api)) Deno.test(c.name, c.run);
