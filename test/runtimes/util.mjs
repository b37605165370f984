// Helpers of the runtime drivers.
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Retries `attempt` until it resolves, `ms` pass or `hopeless()`; the error then carries `context()`. */
export async function waitFor(attempt, ms, context = () => '', hopeless = () => false) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline || hopeless()) throw new Error(`gave up after ${ms} ms: ${error}\n${context()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
