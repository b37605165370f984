// Unknown option keys: a clear error with the closest known name.

import { AttnflowError } from './errors.js';

/** Levenshtein distance, for did-you-mean hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** Throws for keys that are not options, suggesting the closest one. */
export function rejectUnknownKeys(options: object, known: readonly string[], path: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const best = [...known].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0];
    const hint = best !== undefined && editDistance(key, best) <= 2 ? ` (did you mean '${best}'?)` : '';
    throw new AttnflowError('invalid_option', path ? `${path}.${key}` : key, `is not an option${hint}`);
  }
}
