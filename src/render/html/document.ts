/**
 * The report as one self-contained HTML file: inline style and script, the data as JSON in a
 * `<script type="application/json">` block, and a Content-Security-Policy that allows exactly
 * that script and that style (by sha256) and nothing else: no other script, no inline event
 * handler, no request of any kind (no connect-src, img-src, font-src: default-src 'none').
 */
import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client-script.js';
import { CLIENT_STYLE } from './client-style.js';
import { ReportCollector, type ReportCollectorOptions, type ReportEvent } from './collector.js';
import type { ReportData, ReportMeta } from './model.js';

/** Options of renderHtmlReport. */
export interface HtmlReportOptions extends ReportCollectorOptions, ReportMeta {}

/** The report of a run, from its events (as emitted, or parsed back from jsonl). */
export function renderHtmlReport(events: Iterable<ReportEvent>, options: HtmlReportOptions = {}): string {
  const collector = new ReportCollector(options);
  for (const event of events) collector.onEvent(event);
  return htmlDocument(collector.data(options));
}

/** The page for report data. */
export function htmlDocument(data: ReportData): string {
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(CLIENT_SCRIPT)}'`,
    `style-src '${sha256(CLIENT_STYLE)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `fleet report: ${data.command}`.slice(0, 200);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeText(title)}</title>
<style>${CLIENT_STYLE}</style>
</head>
<body>
<main>
<h1>fleet report</h1>
<pre class="command" id="command"></pre>
<ol class="steps-list" id="steps" hidden></ol>
<dl class="meta" id="meta"></dl>
<div class="chips" id="chips" role="group" aria-label="filter by status"></div>
<h2>Hosts</h2>
<div class="controls"><input type="search" id="search" placeholder="search host, status, error" aria-label="search hosts"><span class="shown" id="shown"></span></div>
<div class="table-wrap"><table id="hosts"><thead><tr id="hosts-head"></tr></thead><tbody id="hosts-body"></tbody></table></div>
<h2>Timeline <span class="muted">(slowest first; hover for each phase)</span></h2>
<div class="legend" id="legend"></div>
<div class="tl-scroll" id="timeline"><canvas id="timeline-canvas"></canvas><div id="timeline-spacer"></div></div>
<h2>Output groups <span class="muted">(identical output and outcome; each compared with the largest)</span></h2>
<div id="groups"></div>
</main>
<div class="tooltip" id="tooltip" hidden></div>
<script type="application/json" id="fleet-data">${embedJson(data)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * JSON that is safe inside a script element: `<` (so no `</script>` or `<!--` from remote
 * output ends the block), `>` and `&` become \u escapes, which JSON.parse reads back as the
 * same characters; U+2028/2029 too, for any reader that treats them as line ends.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A CSP hash source for an inline element's exact text. */
function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}
