// Runs the portable core suite (core-suite.js) against the built package in
// every runtime and prints one plain line per runtime:
//   <runtime>: N passed, N failed
// Exits non-zero if any case failed or a runtime could not run. Part of
// `npm test` (after the build). `node test/runtimes/run.mjs deno bun` runs a subset.
import { run as chromium } from './chromium.mjs';
import { run as consumer } from './consumer.mjs';
import { run as demo } from './demo.mjs';
import { run as edge } from './edge.mjs';
import { run as node } from './node.mjs';
import { bun, deno } from './spawned.mjs';
import { run as workerd } from './workerd.mjs';

const RUNTIMES = { node, chromium, workerd, edge, bun, deno, consumer, demo };
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(RUNTIMES);

let bad = 0;
let good = 0;
for (const name of chosen) {
  const runtime = RUNTIMES[name];
  if (!runtime) throw new Error(`unknown runtime ${name}; known: ${Object.keys(RUNTIMES).join(', ')}`);
  let result;
  try {
    result = await runtime();
  } catch (error) {
    result = { passed: 0, failed: 1, failures: [{ name: `${name} did not run`, message: String(error?.stack ?? error) }] };
  }
  const failed = Math.max(result.failed, result.failures.length);
  for (const f of result.failures) console.error(`[${name}] FAILED ${f.name}\n${f.message}\n`);
  console.log(`${name}: ${result.passed} passed, ${failed} failed`);
  bad += failed;
  good += result.passed;
}
console.log(`runtimes: ${good} passed, ${bad} failed`);
process.exit(bad > 0 ? 1 : 0);
