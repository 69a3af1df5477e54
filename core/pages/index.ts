// Pages people look at: the validation report and the statistical bulletin as self-contained HTML, with charts
// rendered to SVG by Vega-Lite and vega at build time.
export {
  type Bulletin,
  type BulletinOptions,
  type BulletinSection,
  buildBulletin,
  renderBulletinPage,
  sectionChart,
} from './bulletin.ts';
export { BULLETIN_SECTIONS, type BulletinSectionSpec, type SectionContext } from './bulletin-sections.ts';
export { type BarChart, barChartSpec, type ChartDatum, chartFigure, renderSvg } from './charts.ts';
export { CONTENT_SECURITY_POLICY } from './page.ts';
export { type RejectedSample, type RejectedSampleOptions, readRejectedSample } from './rejected-sample.ts';
export { type ReportPageOptions, renderReportPage } from './report-page.ts';
