/**
 * The HTML run report (`--report FILE.html`, `fleet report --html`): a collector sink that keeps
 * what the page needs while a run goes, and the page itself.
 */
export { DEFAULT_REPORT_OUTPUT_CAP, ReportCollector } from './collector.js';
export type { ReportCollectorOptions, ReportEvent } from './collector.js';
export { embedJson, htmlDocument, renderHtmlReport } from './document.js';
export type { HtmlReportOptions } from './document.js';
export type { HostPhaseEvent, ReportData, ReportGroup, ReportHost, ReportMeta, Segment, SegmentKind, StepCell } from './model.js';
