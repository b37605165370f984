// A progress bar on stderr, drawn only on a TTY, only once a run has taken
// more than `delayMs` (short runs stay silent), and erased at the end.

export interface Progress {
  update(fraction: number, label: string): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean, delayMs = 1000): Progress {
  const started = Date.now();
  let drawn = false;
  let last = 0;
  const width = 30;
  return {
    update(fraction, label) {
      if (!enabled || !stream.isTTY) return;
      const now = Date.now();
      if (now - started < delayMs || now - last < 100) return;
      last = now;
      drawn = true;
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}% ${label}\x1b[K`,
      );
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
