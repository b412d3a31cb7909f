import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_VERSION, type FleetEvent } from '../events.js';
import { recordRun } from './__fixtures__/run-events.js';
import { JsonlRenderer } from './jsonl.js';
import type { TextSink } from './renderer.js';

/** Records each write separately: one write per event is the flushing contract. */
class WriteLog implements TextSink {
  writes: string[] = [];
  write(text: string): void {
    this.writes.push(text);
  }
}

const events = recordRun('uptime', [
  { host: 'web1', output: [['stdout', 'up\n'], ['stderr', 'warn\n']] },
  { host: 'db1', status: 'auth', error: { code: 'FLEET_AUTH_FAILED', message: 'all keys refused' } },
]);

function render(input: FleetEvent[]): WriteLog {
  const out = new WriteLog();
  const renderer = new JsonlRenderer(out);
  for (const event of input) renderer.onEvent(event);
  return out;
}

describe('JsonlRenderer', () => {
  it('writes each event as it arrives: one write, one line, one JSON object', () => {
    const out = new WriteLog();
    const renderer = new JsonlRenderer(out);
    events.forEach((event, i) => {
      renderer.onEvent(event);
      expect(out.writes).toHaveLength(i + 1);
    });
    for (const line of out.writes) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(typeof JSON.parse(line)).toBe('object');
    }
  });

  it('keeps the events as they are, in order, with the schema version on every line', () => {
    const parsed = render(events).writes.map((line) => JSON.parse(line) as { v: number } & FleetEvent);
    expect(parsed.map(({ v, ...event }) => event)).toEqual(events);
    expect(parsed.every((record) => record.v === EVENT_SCHEMA_VERSION)).toBe(true);
    expect(parsed.map((r) => r.type)).toEqual([
      'run_start',
      'host_state',
      'host_state',
      'host_state',
      'host_state',
      'host_state',
      'stdout',
      'stderr',
      'host_state',
      'exit',
      'host_state',
      'host_state',
      'exit',
      'summary',
    ]);
  });

  it('ends with the summary event itself: counts, duration and failed hosts', () => {
    const last = render(events).writes.at(-1) ?? '';
    expect(JSON.parse(last)).toEqual({
      v: EVENT_SCHEMA_VERSION,
      type: 'summary',
      summary: { total: 2, ok: 1, unchanged: 0, failed: 0, timeout: 0, unreachable: 0, auth: 1, hostkey: 0, error: 0, lost: 0, skipped: 0, interrupted: 0 },
      durationMs: 1_500,
      failed: [{ host: 'db1', status: 'auth', reason: 'FLEET_AUTH_FAILED: all keys refused' }],
    });
    expect(last.startsWith('{"v":2,"type":"summary",')).toBe(true);
  });

  it('writes a binary chunk as the event carries it: base64 with its encoding', () => {
    const data = Buffer.from([0xff, 0xfe, 0x00]).toString('base64');
    const line = render([{ type: 'stdout', host: 'h', data, encoding: 'base64' }]).writes[0] ?? '';
    expect(line).toBe(`{"v":2,"type":"stdout","host":"h","data":"${data}","encoding":"base64"}\n`);
  });

  it('escapes control characters, C1 and line separators, yet decodes to the exact remote bytes', () => {
    const data = 'a\u001b[31m\u0000\u009b\u0085\u007f\u2028\u2029\r\nz';
    const line = render([{ type: 'stdout', host: 'h', data }]).writes[0] ?? '';
    // eslint-disable-next-line no-control-regex
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect((JSON.parse(line) as { data: string }).data).toBe(data);
  });
});
