// Imports of .wasm files as compiled modules (workerd, Vercel Edge, bundlers' CompiledWasm rules).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}
