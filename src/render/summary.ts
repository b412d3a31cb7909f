import type { FleetEvent } from '../events.js';
import { HOST_STATUSES } from '../result.js';
import { formatDuration } from '../duration.js';
import type { Style } from './style.js';
import { escapeTerminal } from './escape.js';

type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

/**
 * The closing lines of every run: counts per status and wall time on one line, then every host
 * that did not succeed with its reason. Failures come last, where the eye lands.
 */
export function formatSummary(event: SummaryEvent, style: Style): string {
  const { summary } = event;
  const counts = HOST_STATUSES.filter((status) => summary[status] > 0).map((status) => {
    const text = `${summary[status]} ${status}`;
    return status === 'ok' || status === 'unchanged' ? style.ok(text) : style.bad(text);
  });
  const hosts = summary.total === 1 ? 'host' : 'hosts';
  let out = `${style.bold('summary:')} ${summary.total} ${hosts} in ${formatDuration(event.durationMs)}: ${counts.join(', ') || 'nothing ran'}\n`;
  if (event.failed.length > 0) {
    const width = Math.max(...event.failed.map((f) => escapeTerminal(f.host).length));
    const statusWidth = Math.max(...event.failed.map((f) => f.status.length));
    out += `${style.bad(`failed hosts (${event.failed.length}):`)}\n`;
    for (const f of event.failed) {
      out += `  ${escapeTerminal(f.host).padEnd(width)}  ${f.status.padEnd(statusWidth)}  ${escapeTerminal(f.reason)}\n`;
    }
  }
  return out;
}
