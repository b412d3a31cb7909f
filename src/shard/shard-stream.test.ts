import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_VERSION, type FleetEvent, type HostRef } from '../events.js';
import { summarize } from '../result.js';
import { journalPath, JournalWriter, readJournal } from './journal.js';
import { ShardStream, type ShardRunInfo } from './shard-stream.js';

const ref = (host: string): HostRef => ({ host, address: '10.0.0.1', port: 22, user: 'root' });
const info: ShardRunInfo = { runId: 'r1', attempt: 2, shard: { index: 1, total: 2, planHash: 'abc', hostCount: 6, positions: [0, 2, 4] } };

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The engine's events for hosts that ran (ok). */
function engineRun(hosts: string[]): FleetEvent[] {
  return [
    { type: 'run_start', version: EVENT_SCHEMA_VERSION, command: 'true', started: 'x', hosts: hosts.map(ref) },
    ...hosts.flatMap((host): FleetEvent[] => [
      { type: 'host_state', host, state: 'running', t: 1 },
      { type: 'host_state', host, state: 'done', t: 2 },
      { type: 'exit', host, status: 'ok', exitCode: 0, signal: null, durationMs: 2 },
    ]),
    { type: 'summary', summary: summarize(hosts.map(() => 'ok' as const)), durationMs: 3, failed: [] },
  ];
}

describe('ShardStream', () => {
  it('adds run id, shard and attempt to run_start and summary, lists every shard host, and counts replayed and lost hosts', () => {
    const out: FleetEvent[] = [];
    const replayExit: Extract<FleetEvent, { type: 'exit' }> = { type: 'exit', host: 'a', status: 'failed', exitCode: 2, signal: null, durationMs: 9 };
    const stream = new ShardStream({ info, hosts: ['a', 'b', 'c'].map(ref), replay: new Map([['a', { exit: replayExit }]]), lost: new Set(['b']), sinks: [(e) => out.push(e)] });
    for (const e of engineRun(['c'])) stream.onEvent(e);
    const start = out[0] as Extract<FleetEvent, { type: 'run_start' }>;
    expect(start).toMatchObject({ runId: 'r1', attempt: 2, shard: info.shard });
    expect(start.hosts.map((h) => h.host)).toEqual(['a', 'b', 'c']);
    const exits = out.filter((e) => e.type === 'exit');
    expect(exits.map((e) => [e.host, e.status])).toEqual([['a', 'failed'], ['b', 'lost'], ['c', 'ok']]);
    const summary = out.at(-1) as Extract<FleetEvent, { type: 'summary' }>;
    expect(summary).toMatchObject({ runId: 'r1', attempt: 2, shard: { index: 1, total: 2, planHash: 'abc' } });
    expect(summary.summary).toEqual(summarize(['failed', 'lost', 'ok']));
    expect(summary.failed.map((f) => [f.host, f.status])).toEqual([['a', 'failed'], ['b', 'lost']]);
    expect(stream.summary).toEqual(summary.summary);
  });

  it('an empty shard reports a run_start and an all-zero summary without the engine', () => {
    const out: FleetEvent[] = [];
    const stream = new ShardStream({ info, hosts: [], sinks: [(e) => out.push(e)] });
    stream.runWithoutEngine('true');
    expect(out.map((e) => e.type)).toEqual(['run_start', 'summary']);
    expect(stream.summary?.total).toBe(0);
  });
});

describe('journal', () => {
  it('claims a host (on disk) before its command starts, records done after; a retry sees finished, lost and never-started hosts', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-journal-'));
    const file = journalPath(dir, 'r1', 1, 2);
    const journal = new JournalWriter(file, 1, 'abc');
    const stream = new ShardStream({ info, hosts: ['a', 'b', 'c'].map(ref), journal, sinks: [] });
    const events = engineRun(['a', 'b']);
    const claimSeen: string[] = [];
    for (const e of events) {
      stream.onEvent(e);
      // What a crash right after this event would leave: the claim is already in the file.
      if (e.type === 'host_state' && e.state === 'running') claimSeen.push(...readJournal(file).lost);
      // Killed after b started: b's done never written.
      if (e.type === 'host_state' && e.host === 'b' && e.state === 'running') break;
    }
    journal.close();
    expect(claimSeen).toEqual(['a', 'b']);
    // A crash may cut the last line short: it is ignored.
    fs.appendFileSync(file, '{"t":"done","host":"b","att');
    const state = readJournal(file);
    expect(state.attempts).toBe(1);
    expect(state.planHash).toBe('abc');
    expect([...state.done.keys()]).toEqual(['a']);
    expect(state.done.get('a')?.exit.status).toBe('ok');
    expect([...state.lost]).toEqual(['b']);
  });

  it('a missing journal is an empty one', () => {
    expect(readJournal('/nonexistent/fleet/journal')).toMatchObject({ attempts: 0, lost: new Set() });
  });
});
