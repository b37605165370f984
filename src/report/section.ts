/** One section of the reproduction report: Markdown text and the SVG figures it links to. */
export interface ReportSection {
  readonly title: string;
  readonly markdown: string;
  readonly figures: readonly { readonly name: string; readonly svg: string }[];
}
