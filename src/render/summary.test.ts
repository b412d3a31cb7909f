import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { summarize } from '../result.js';
import { createStyle } from './style.js';
import { formatSummary } from './summary.js';

type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

const plain = createStyle(false);

function summaryEvent(statuses: Parameters<typeof summarize>[0], failed: SummaryEvent['failed'], durationMs = 1_500): SummaryEvent {
  return { type: 'summary', summary: summarize(statuses), durationMs, failed };
}

describe('formatSummary', () => {
  it('prints counts in status order, then every failed host with its reason, aligned', () => {
    const event = summaryEvent(['unreachable', 'ok', 'failed', 'ok'], [
      { host: 'web2', status: 'failed', reason: 'exit 3' },
      { host: 'db10', status: 'unreachable', reason: 'FLEET_CONNECT_REFUSED: connection refused' },
    ]);
    expect(formatSummary(event, plain)).toBe(
      'summary: 4 hosts in 1.5s: 2 ok, 1 failed, 1 unreachable\n' +
        'failed hosts (2):\n' +
        '  web2  failed       exit 3\n' +
        '  db10  unreachable  FLEET_CONNECT_REFUSED: connection refused\n',
    );
  });

  it('says host for one host and has no failure list when all succeeded', () => {
    expect(formatSummary(summaryEvent(['ok'], [], 250), plain)).toBe('summary: 1 host in 250ms: 1 ok\n');
  });

  it('says nothing ran for an empty run', () => {
    expect(formatSummary(summaryEvent([], [], 0), plain)).toBe('summary: 0 hosts in 0ms: nothing ran\n');
  });

  it('escapes control characters in host names and reasons', () => {
    const event = summaryEvent(['error'], [{ host: 'h\u001b[2J', status: 'error', reason: 'bad \u009b banner' }]);
    const text = formatSummary(event, plain);
    expect(text).toContain('h\\x1b[2J  error  bad \\x9b banner');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u009b');
  });

  it('aligns the columns on the names as printed (escaped), not as received', () => {
    const event = summaryEvent(['error', 'error'], [
      { host: 'a\u0007', status: 'error', reason: 'r1' },
      { host: 'bbbb', status: 'error', reason: 'r2' },
    ]);
    expect(formatSummary(event, plain).split('\n').slice(2, 4)).toEqual(['  a\\x07  error  r1', '  bbbb   error  r2']);
  });

  it('colours success green and failures red when colour is on', () => {
    const text = formatSummary(summaryEvent(['ok', 'timeout'], [{ host: 'a', status: 'timeout', reason: 'FLEET_TIMEOUT: 5s' }]), createStyle(true));
    expect(text).toContain('\u001b[32m1 ok\u001b[39m');
    expect(text).toContain('\u001b[31m1 timeout\u001b[39m');
  });
});
