// workerd: spawns the binary of the npm package `workerd` directly (killing
// `npx workerd` would orphan it) with a generated config that lists dist/ as
// ES modules and the two builds as compiled wasm modules, then asks the
// worker to run the suite.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, root, waitFor } from './util.mjs';

const require = createRequire(import.meta.url);

export async function run() {
  const binary = require('workerd').default;
  const port = await freePort();
  const modules = [
    ['test/runtimes/workerd-worker.js', 'esModule'],
    ['test/runtimes/core-suite.js', 'esModule'],
    ...readdirSync(join(root, 'dist'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => [`dist/${f}`, 'esModule']),
    ['dist/attnflow.simd.wasm', 'wasm'],
    ['dist/attnflow.scalar.wasm', 'wasm'],
  ];
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
${modules.map(([name, kind]) => `    (name = "${name}", ${kind} = embed "../../${name}")`).join(',\n')}
  ],
  compatibilityDate = "2025-01-01",
);
`;
  // workerd reads embeds relative to the config only: keep it inside the repository (build/ is ignored).
  const dir = join(root, 'build', 'workerd');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.capnp');
  writeFileSync(file, config);
  const child = spawn(binary, ['serve', file, '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => {
    log += d;
  });
  child.stderr.on('data', (d) => {
    log += d;
  });
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  try {
    const response = await waitFor(
      () => {
        if (exited !== null) throw new Error(`workerd exited with code ${exited}`);
        return fetch(`http://127.0.0.1:${port}/`);
      },
      20_000,
      () => log,
      () => exited !== null,
    );
    if (!response.ok) throw new Error(`workerd answered HTTP ${response.status}: ${await response.text()}\n${log}`);
    return await response.json();
  } finally {
    child.kill('SIGTERM');
  }
}
