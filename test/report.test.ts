// The reproduction report generator on a tiny configuration: it runs, writes
// the Markdown and well-formed SVG figures that the Markdown links to.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_REPORT } from '../src/report/config.js';
import { writeReport } from '../src/report/reproduce.js';
import { svgChart } from '../src/report/svg-chart.js';

/** Well-formedness of the XML subset svgChart writes: balanced tags, quoted attributes, escaped text, no NaN. */
function checkSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    expect(svg.slice(last, m.index)).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/); // text between tags
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('report', () => {
  it('svgChart escapes text, skips non-finite points and handles log axes', () => {
    const svg = svgChart({
      title: 'a < b & c',
      xLabel: 'x',
      yLabel: 'y',
      xScale: 'log',
      yScale: 'log',
      series: [
        {
          name: 'line',
          points: [
            [1, 1],
            [10, 100],
            [100, Number.NaN],
            [0, 5],
          ],
        },
        { name: 'dots', points: [[2, 3]], style: 'scatter' },
      ],
      lines: [{ axis: 'y', value: 10, label: 'ten' }],
    });
    checkSvg(svg);
    expect(svg).toContain('a &lt; b &amp; c');
  });

  it('writes paper.md and every figure it links, as valid SVG, on a tiny configuration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attnflow-report-'));
    try {
      const files = await writeReport(dir, TINY_REPORT);
      expect(basename(files[0])).toBe('paper.md');
      const md = await readFile(files[0], 'utf8');
      expect(md).toMatch(/## 1\. The corridor half-width v0\(N\)/);
      expect(md).toMatch(/Random 1-D prompts/);
      expect(md).toMatch(/collapse of attention/);
      expect(md).not.toMatch(/NaN|undefined|\*\*NO\*\*/);
      const linked = [...md.matchAll(/\]\(figures\/([^)]+)\)/g)].map((m) => m[1]);
      const svgs = files.filter((f) => f.endsWith('.svg'));
      expect(svgs.map((f) => basename(f)).sort()).toEqual([...linked].sort());
      for (const f of svgs) checkSvg(await readFile(f, 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
