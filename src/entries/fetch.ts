// Compiling a build fetched from a URL (browsers, Deno). compileStreaming
// needs the server to say application/wasm; otherwise compile the bytes.

import { AttnflowError } from '../errors.js';

export async function compileFetched(url: URL): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new AttnflowError('backend_unavailable', 'backend', `fetching ${url.href} answered HTTP ${response.status}`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
