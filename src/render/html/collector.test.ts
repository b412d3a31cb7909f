import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../events.js';
import { recordRun } from '../__fixtures__/run-events.js';
import { ReportCollector, type ReportEvent } from './collector.js';

function collect(events: readonly ReportEvent[], cap?: number): ReturnType<ReportCollector['data']> {
  const collector = new ReportCollector(cap === undefined ? {} : { maxOutputChars: cap });
  for (const event of events) collector.onEvent(event);
  return collector.data({ selection: '-l web*', ranBy: 'ops@box', exitCode: 3 });
}

describe('ReportCollector', () => {
  const events = recordRun('uname -r', [
    { host: 'web1', output: [['stdout', '6.1.0\nok\n']] },
    { host: 'web2', output: [['stdout', '6.1.0\nok\n']] },
    { host: 'web3', output: [['stdout', '5.10.0\nok\n']] },
    { host: 'web4', output: [['stderr', 'boom\n']], exitCode: 2 },
    { host: 'web5', status: 'unreachable', error: { code: 'FLEET_CONNECT_REFUSED', message: 'connection refused' } },
  ]);

  it('one host per selected host with status, exit code, error and duration', () => {
    const data = collect(events);
    expect(data.hosts.map((h) => [h.host, h.status, h.exitCode, h.errorCode])).toEqual([
      ['web1', 'ok', 0, null],
      ['web2', 'ok', 0, null],
      ['web3', 'ok', 0, null],
      ['web4', 'failed', 2, null],
      ['web5', 'unreachable', null, 'FLEET_CONNECT_REFUSED'],
    ]);
    expect(data.hosts[4]?.errorMessage).toBe('connection refused');
    expect(data.summary).toEqual([
      ['ok', 3],
      ['failed', 1],
      ['unreachable', 1],
    ]);
    expect(data).toMatchObject({ command: 'uname -r', selection: '-l web*', ranBy: 'ops@box', exitCode: 3, durationMs: 1500 });
  });

  it('groups identical outputs, largest first, and diffs each group against the largest', () => {
    const data = collect(events);
    expect(data.groups.map((g) => [g.label, g.count, g.outcome])).toEqual([
      ['web[1-2]', 2, 'exit 0'],
      ['web3', 1, 'exit 0'],
      ['web4', 1, 'exit 2'],
    ]);
    expect(data.groups[0]?.diff).toBeNull();
    expect(data.groups[1]?.diff?.filter((d) => d[0] === '-' || d[0] === '+')).toEqual([
      ['-', '6.1.0'],
      ['+', '5.10.0'],
    ]);
    // An unreachable host that printed nothing forms no group.
    expect(data.hosts.map((h) => h.group)).toEqual([0, 0, 1, 2, -1]);
  });

  it('timeline segments from host_state: queued wait, connect, run', () => {
    const data = collect(events);
    const kinds = data.hosts[1]?.segments.map((s) => s[0]);
    expect(kinds).toEqual(['wait', 'connect', 'run']);
    // The unreachable host only ever connected.
    expect(data.hosts[4]?.segments.map((s) => s[0])).toEqual(['wait', 'connect']);
  });

  it('reads host_phase events when the run carries them', () => {
    const phases: ReportEvent[] = [
      { type: 'host_phase', host: 'web1', phase: 'tcp', durationMs: 3, t: 5 },
      { type: 'host_phase', host: 'web1', phase: 'kex', durationMs: 20, t: 30 },
    ];
    const data = collect([...events.slice(0, 7), ...phases, ...events.slice(7)]);
    const web1 = data.hosts[0]?.segments ?? [];
    expect(web1).toContainEqual(['tcp', 2, 5, -1]);
    expect(web1).toContainEqual(['kex', 10, 30, -1]);
  });

  it('takes a merged run\'s `lost` status from the summary and lists it after the others', () => {
    const last = events.at(-1) as Extract<FleetEvent, { type: 'summary' }>;
    const summary = { ...last, summary: { ...last.summary, lost: 1, ok: 2 }, failed: [...last.failed, { host: 'web2', status: 'lost' }] };
    const data = collect([...events.slice(0, -1), summary as unknown as FleetEvent]);
    expect(data.hosts[1]?.status).toBe('lost');
    expect(data.summary.map((s) => s[0])).toEqual(['ok', 'failed', 'unreachable', 'lost']);
  });

  it('caps each host\'s output and says so; identical long outputs still fold into one group', () => {
    const long = 'x'.repeat(100) + '\n';
    const big = recordRun('yes', [
      { host: 'a1', output: Array.from({ length: 200 }, () => ['stdout', long] as const) },
      { host: 'a2', output: Array.from({ length: 200 }, () => ['stdout', long] as const) },
    ]);
    const data = collect(big, 1024);
    expect(data.groups).toHaveLength(1);
    expect(data.groups[0]?.cut).toBe(true);
    expect(data.groups[0]?.text.length).toBeLessThan(1300);
    expect(data.groups[0]?.text).toContain('characters cut here');
  });

  it('steps runs: one cell per step, step headers in the output, the failing step decides', () => {
    const step0 = { index: 0, name: 'hello' };
    const step1 = { index: 1, name: 'check' };
    const stepsEvents: FleetEvent[] = [
      { type: 'run_start', version: 1, command: 'run s.yaml', started: '2024-05-01T12:00:00.000Z', hosts: [{ host: 'h1', address: '10.0.0.1', port: 22, user: 'r' }], steps: [step0, step1] },
      { type: 'host_state', host: 'h1', state: 'connecting', t: 1, step: step0 },
      { type: 'host_state', host: 'h1', state: 'authenticated', t: 40, step: step0 },
      { type: 'host_state', host: 'h1', state: 'running', t: 40, step: step0 },
      { type: 'stdout', host: 'h1', data: 'hi\n' },
      { type: 'host_state', host: 'h1', state: 'done', t: 50, step: step0 },
      { type: 'exit', host: 'h1', status: 'ok', exitCode: 0, signal: null, durationMs: 49, step: step0 },
      { type: 'host_state', host: 'h1', state: 'running', t: 51, step: step1 },
      { type: 'stdout', host: 'h1', data: 'bad\n' },
      { type: 'host_state', host: 'h1', state: 'done', t: 60, step: step1 },
      { type: 'exit', host: 'h1', status: 'failed', exitCode: 4, signal: null, durationMs: 9, step: step1 },
      { type: 'summary', summary: { total: 1, ok: 0, unchanged: 0, failed: 1, timeout: 0, unreachable: 0, auth: 0, hostkey: 0, error: 0, skipped: 0, interrupted: 0, lost: 0 }, durationMs: 61, failed: [{ host: 'h1', status: 'failed', reason: 'step 2: exit 4' }] },
    ];
    const data = collect(stepsEvents);
    expect(data.steps).toEqual(['hello', 'check']);
    expect(data.hosts[0]).toMatchObject({ status: 'failed', exitCode: 4, durationMs: 58, steps: [['ok', 0, 49], ['failed', 4, 9]] });
    expect(data.hosts[0]?.segments.map((s) => [s[0], s[3]])).toEqual([['connect', 0], ['run', 0], ['run', 1]]);
    expect(data.groups[0]?.text).toBe('\u2500\u2500 step 1 hello \u2500\u2500\nhi\n\u2500\u2500 step 2 check \u2500\u2500\nbad\n');
  });

  it('shards\' streams one after another: every host, counts summed, the later shard\'s times after its start', () => {
    const first = recordRun('uptime', [{ host: 'a1' }, { host: 'a2', exitCode: 1 }], 1000);
    const second = recordRun('uptime', [{ host: 'b1' }], 800).map((e) =>
      e.type === 'run_start' ? { ...e, started: new Date(Date.parse(e.started) + 5000).toISOString() } : e,
    );
    const data = collect([...first, ...second]);
    expect(data.hosts.map((h) => [h.host, h.status])).toEqual([['a1', 'ok'], ['a2', 'failed'], ['b1', 'ok']]);
    expect(data.summary).toEqual([['ok', 2], ['failed', 1]]);
    expect(data.durationMs).toBe(5800);
    expect(data.hosts[2]?.segments[0]?.[1]).toBe(5000);
  });

  it('transfers: the last progress gives bytes and rate, and the running segment is a transfer', () => {
    const put = recordRun('put a /tmp/a', [{ host: 'h1' }]);
    const at = put.findIndex((e) => e.type === 'host_state' && e.state === 'done');
    put.splice(at, 0, { type: 'transfer_progress', host: 'h1', bytes: 3000, totalBytes: 3000, files: 1, totalFiles: 1, rate: 1500, etaMs: 0 });
    const data = collect(put);
    expect(data.hosts[0]?.transfer).toEqual([3000, 3000, 1, 1, 1500]);
    expect(data.hosts[0]?.segments.at(-1)?.[0]).toBe('transfer');
  });
});
