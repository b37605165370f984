// `attnflow reproduce`: regenerates the report of the paper's results with
// writeReport(outDir) from src/report/reproduce.ts (the mathematics issue).
// That module is not part of this build yet: the command exists and says so.

import { AttnflowError } from '../errors.js';

export async function reproduce(_outDir: string, _quiet: boolean): Promise<void> {
  throw new AttnflowError(
    'invalid_option',
    'reproduce',
    'this build has no report generator: `attnflow reproduce` needs writeReport(outDir) from src/report/reproduce.ts (the mathematics issue), which is not merged yet',
  );
}
