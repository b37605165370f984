// `attnflow reproduce`: regenerates the report of the paper's results
// (src/report/reproduce.ts) as Markdown with SVG figures in the output folder.

import { TINY_REPORT } from '../report/config.js';
import { writeReport } from '../report/reproduce.js';

export async function reproduce(outDir: string, quiet: boolean, quick: boolean): Promise<void> {
  const started = Date.now();
  const files = quick ? await writeReport(outDir, TINY_REPORT) : await writeReport(outDir);
  if (!quiet) {
    console.log(`wrote ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
    for (const f of files) console.log(`  ${f}`);
  }
}
