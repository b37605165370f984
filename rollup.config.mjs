// Bundles tsc's output (build/tsc, see tsconfig.build.json) into dist/:
// one ESM entry per runtime (the `exports` conditions in package.json), CJS
// for Node's require, the CLI, one bundled .d.ts (+ .d.cts) shared by all
// entries (they export the same API), and the five .wasm builds next to the
// entries that load them by relative URL or import.
import { readFileSync, rmSync } from 'node:fs';
import { dts } from 'rollup-plugin-dts';

const tsc = 'build/tsc';
rmSync('dist', { recursive: true, force: true }); // no stale chunks from an earlier build

/** Keeps `./attnflow.*.wasm` and `./attnflow.*.wasm?module` imports as written: the files sit next to the entries. */
const wasmImports = {
  name: 'attnflow-wasm-imports',
  resolveId(source) {
    if (/\.wasm(\?module)?$/.test(source)) return { id: source, external: true };
    return null;
  },
};

/** Copies the two builds into dist/, and publishes the CLI's config schema as dist/config.schema.json. */
const { RUN_CONFIG_SCHEMA } = await import(`./${tsc}/cli/schema.js`);
const assets = {
  name: 'attnflow-assets',
  generateBundle() {
    for (const build of ['relaxed', 'simd', 'scalar', 'simd-threads', 'relaxed-threads']) {
      this.emitFile({ type: 'asset', fileName: `attnflow.${build}.wasm`, source: readFileSync(`build/attnflow.${build}.wasm`) });
    }
    this.emitFile({ type: 'asset', fileName: 'config.schema.json', source: `${JSON.stringify(RUN_CONFIG_SCHEMA, null, 2)}\n` });
  },
};

const external = (id) => id.startsWith('node:');
// Chunks stay in dist/ itself, so that `new URL('./attnflow.simd.wasm', import.meta.url)` is right from any of them.
const output = { dir: 'dist', chunkFileNames: 'shared-[hash].js', entryFileNames: '[name].js', format: 'es' };

export default [
  {
    input: {
      index: `${tsc}/index.js`,
      node: `${tsc}/entries/node.js`,
      browser: `${tsc}/entries/browser.js`,
      deno: `${tsc}/entries/deno.js`,
      workerd: `${tsc}/entries/workerd.js`,
      'edge-light': `${tsc}/entries/edge-light.js`,
      cli: `${tsc}/cli/main.js`,
    },
    external,
    plugins: [wasmImports, assets],
    output,
  },
  {
    input: { index: `${tsc}/index.js`, node: `${tsc}/entries/node.js` },
    external,
    output: { ...output, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'shared-[hash].cjs' },
  },
  {
    input: `${tsc}/index.d.ts`,
    plugins: [dts()],
    output: [{ file: 'dist/index.d.ts' }, { file: 'dist/index.d.cts' }],
  },
];
