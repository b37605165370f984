// TypeScript owns the module's linear memory (as in tfjs-backend-wasm): a
// bump arena from heapBase() on, laid out afresh for each operation and
// grown only when an operation needs more than any before it. Views are made
// on demand from memory.buffer, so a grow (which detaches old views) never
// leaves a stale one behind.

import { AttnflowError } from '../errors.js';

const PAGE = 65536;
/** wasm32 addresses at most 65536 pages = 4 GiB. */
export const MAX_WASM_BYTES = 65536 * PAGE;

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

export class Arena {
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  /** Forgets every block; the next layout starts at heapBase again. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` aligned to 16 and returns its offset. Call commit() before using it. */
  alloc(bytes: number): number {
    const start = Math.ceil(this.top / 16) * 16;
    this.top = start + bytes;
    return start;
  }

  /** Grows memory to hold every block reserved so far, or throws 'too_large' saying how much was needed. */
  commit(what: string): void {
    const need = this.top;
    if (need > MAX_WASM_BYTES) {
      throw new AttnflowError(
        'too_large',
        'tokens',
        `${what} needs ${formatBytes(need)} of WebAssembly memory; the limit is ${formatBytes(MAX_WASM_BYTES)}`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (need <= have) return;
    try {
      this.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      throw new AttnflowError(
        'too_large',
        'tokens',
        `${what} needs ${formatBytes(need)} of WebAssembly memory; this runtime refused to grow past ${formatBytes(have)}`,
      );
    }
  }

  /** A float64 view of `length` numbers at `offset` (valid until memory grows). */
  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  /** Bytes of linear memory now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
