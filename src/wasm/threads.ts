// Worker threads for the 'simd' backend: one shared WebAssembly.Memory, the
// 'simd-threads' build instantiated once per thread on it, workers parked in
// workerLoop (assembly/parallel.ts) until the main thread hands out a job.
//
// Node uses worker_threads, browsers Web Workers; both run a few lines of
// inline source (no worker file to resolve, which keeps bundlers and `eval`
// workers out of the way). Where shared memory or workers are missing (a
// browser page without cross-origin isolation, some edge runtimes) the caller
// falls back to one thread and reports why.

import { THREADS_ABI } from './threads-abi.js';

/** The build's static data fits in its declared minimum of 2 pages (asconfig.json initialMemory). */
const INITIAL_PAGES = 2;
/** Maximum sizes tried for the shared memory, largest first (a shared memory reserves its maximum up front). */
const MAXIMUM_PAGES = [65536, 16384, 4096];

/**
 * Smallest block of rows a thread takes from a field (assembly/parallel.ts).
 * Each block packs all N keys again, about 2 rows' work at any N (1024 x 64:
 * 35 us against 20 us a row); the last thread to finish idles the others for
 * at most one block.
 */
export const MIN_BLOCK_ROWS = 16;

/** Polls of a counter before a thread sleeps in wait32: a few microseconds, as Runge-Kutta stages come back to back. */
export const SPIN_POLLS = 4096;

/** Why threads cannot run here, or null when they can. */
export function sharedMemoryUnavailable(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return 'SharedArrayBuffer is unavailable (a browser page must be cross-origin isolated: COOP/COEP headers)';
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (COOP/COEP headers), so memory cannot be shared';
  }
  try {
    const probe = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(probe.buffer instanceof SharedArrayBuffer)) return 'this runtime does not share WebAssembly memory';
  } catch {
    return 'this runtime cannot create a shared WebAssembly.Memory';
  }
  if (!isNode() && typeof Worker !== 'function') return 'this runtime has no Web Workers';
  return null;
}

/** Whether this thread may block in Atomics.wait: everywhere but a browser's main thread. */
function mayBlock(): boolean {
  if (isNode()) return true;
  return typeof (globalThis as { importScripts?: unknown }).importScripts === 'function'; // a (classic) Web Worker
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Logical cores: os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers, else 1. */
export async function coreCount(): Promise<number> {
  if (isNode()) {
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus(): unknown[] };
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/**
 * What each worker runs: instantiate the shared module, report ready, park in
 * workerLoop. A constant source (no code is ever built from input); the name
 * `module` is avoided since Deno's worker_threads wraps eval'd code in a
 * CommonJS function that declares it.
 */
const NODE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module: wasmModule, memory, pool, index } = workerData;
const instance = new WebAssembly.Instance(wasmModule, { env: { memory } });
parentPort.postMessage('ready');
instance.exports.workerLoop(pool, index);
parentPort.close();
`;
const WEB_WORKER_SOURCE = `
onmessage = (event) => {
  const { module, memory, pool, index } = event.data;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  postMessage('ready');
  instance.exports.workerLoop(pool, index);
  close();
};
`;

/** The parts of a Node Worker and a Web Worker used here. */
interface ThreadHandle {
  terminate(): unknown;
}

/** The part of node:worker_threads used here (typed locally: the library builds without Node's types). */
interface NodeWorker extends ThreadHandle {
  unref(): void;
  once(event: 'message', listener: () => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
  once(event: 'exit', listener: (code: number) => void): void;
}
type NodeWorkerConstructor = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

function sharedMemory(): WebAssembly.Memory {
  let last: unknown;
  for (const maximum of MAXIMUM_PAGES) {
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** Threads 1..T-1 running workerLoop on the main instance's shared memory. */
export class ThreadPool {
  private stopped = false;

  private constructor(
    /** The main thread's instance (thread 0). */
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    /** Byte offset of the pool record (at heapBase; the arena starts after it). */
    readonly pool: number,
    /** Threads in all, the main thread included. */
    readonly threads: number,
    private readonly workers: ThreadHandle[],
    /** Node: resolves with each worker's exit code once all have ended (0: workerLoop returned). Browsers: at stop(). */
    readonly exited: Promise<number[]>,
    private readonly markStopped: () => void,
  ) {}

  /** Bytes at heapBase the pool record takes; the arena starts after them. */
  static readonly RESERVED_BYTES = THREADS_ABI.POOL_BYTES;

  /** Spawns threads - 1 workers on `module` (the 'simd-threads' build) and waits until each is ready. */
  static async create(module: WebAssembly.Module, threads: number): Promise<ThreadPool> {
    const memory = sharedMemory();
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const pool = (instance.exports.heapBase as () => number)();
    const words = new Int32Array(memory.buffer, pool, THREADS_ABI.POOL_BYTES / 4);
    words.fill(0);
    words[THREADS_ABI.POOL_THREADS] = threads;
    words[THREADS_ABI.POOL_MAIN_MAY_WAIT] = mayBlock() ? 1 : 0;
    words[THREADS_ABI.POOL_MIN_BLOCK_ROWS] = MIN_BLOCK_ROWS;
    words[THREADS_ABI.POOL_SPIN_POLLS] = SPIN_POLLS;
    const workers: ThreadHandle[] = [];
    const ready: Promise<void>[] = [];
    const exits: Promise<number>[] = [];
    let markStopped = (): void => {};
    const stoppedSignal = new Promise<number[]>((resolve) => {
      markStopped = () => resolve([]);
    });
    try {
      if (isNode()) {
        const specifier = 'node:worker_threads';
        const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as { Worker: NodeWorkerConstructor };
        for (let index = 1; index < threads; index++) {
          const worker = new NodeWorker(NODE_WORKER_SOURCE, { eval: true, workerData: { module, memory, pool, index } });
          workers.push(worker);
          exits.push(new Promise((resolve) => worker.once('exit', resolve)));
          ready.push(
            new Promise((resolve, reject) => {
              worker.once('message', () => {
                // A parked worker must not keep the process alive; unref only once it is ready, since
                // Deno ends a run whose only pending work is an unref'd worker.
                worker.unref();
                resolve();
              });
              worker.once('error', reject);
            }),
          );
        }
      } else {
        const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
        for (let index = 1; index < threads; index++) {
          const worker = new Worker(url);
          workers.push(worker);
          ready.push(
            new Promise((resolve, reject) => {
              worker.onmessage = () => resolve();
              worker.onerror = (event) => reject(new Error(event.message));
            }),
          );
          worker.postMessage({ module, memory, pool, index });
        }
        URL.revokeObjectURL(url);
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    const exited = exits.length > 0 ? Promise.all(exits) : stoppedSignal;
    return new ThreadPool(instance, memory, pool, threads, workers, exited, markStopped);
  }

  /**
   * Asks the workers to end: STOP, a new generation and a notify make each
   * workerLoop return, after which the worker's script ends by itself.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const words = new Int32Array(this.memory.buffer, this.pool, THREADS_ABI.POOL_BYTES / 4);
    Atomics.store(words, THREADS_ABI.POOL_STOP, 1);
    Atomics.add(words, THREADS_ABI.POOL_GENERATION, 1);
    Atomics.notify(words, THREADS_ABI.POOL_GENERATION);
    this.markStopped();
  }

  /** Rows (field) and solves (batch) each thread has done since the pool started; thread 0 is the caller. */
  workDone(): number[] {
    const words = new Int32Array(this.memory.buffer, this.pool + 4 * THREADS_ABI.POOL_WORK_DONE0, this.threads);
    return Array.from(words);
  }

  /** stop(), then terminate every worker at once (whether or not it has ended by itself yet). */
  dispose(): void {
    this.stop();
    for (const w of this.workers) w.terminate();
  }
}
