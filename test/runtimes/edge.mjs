// @edge-runtime/vm, with WebAssembly code generation denied as on Vercel Edge
// (the package allows it by default). The `edge-light` entry and the suite
// are bundled to one script, each `.wasm?module` import becoming a global
// that holds the module compiled outside the VM, as Vercel does at build time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgeVM } from '@edge-runtime/vm';
import { rollup } from 'rollup';
import { root } from './util.mjs';

const wasmAsGlobal = {
  name: 'wasm-module-global',
  resolveId: (source) => (/\.wasm\?module$/.test(source) ? `\0${source}` : null),
  load(id) {
    const build = /attnflow\.(simd|scalar)\.wasm\?module$/.exec(id)?.[1];
    return build ? `export default globalThis.__attnflow_${build};` : null;
  },
};

export async function run() {
  const bundle = await rollup({
    input: join(root, 'test/runtimes/edge-entry.js'),
    plugins: [wasmAsGlobal],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'iife', name: 'attnflowEdgeTest' });
  await bundle.close();
  const vm = new EdgeVM({ codeGeneration: { strings: false, wasm: false } });
  for (const build of ['simd', 'scalar']) {
    vm.context[`__attnflow_${build}`] = await WebAssembly.compile(await readFile(join(root, `dist/attnflow.${build}.wasm`)));
  }
  vm.evaluate(output[0].code);
  return JSON.parse(await vm.evaluate('attnflowEdgeTest.result()'));
}
