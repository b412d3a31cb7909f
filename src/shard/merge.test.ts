import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type FleetEvent, type HostRef } from '../events.js';
import { exitCodeForSummary } from '../cli/exit-codes.js';
import { JsonRenderer } from '../render/json.js';
import { StringSink } from '../render/renderer.js';
import { summarize, type HostStatus } from '../result.js';
import { ShardMerger } from './merge.js';
import { mergeFiles, mergeStream } from './merge-sources.js';
import { selectShard } from './plan.js';

const NAMES = Array.from({ length: 40 }, (_, i) => `web${String(i + 1).padStart(2, '0')}`);
const ref = (host: string): HostRef => ({ host, address: `10.0.0.${NAMES.indexOf(host) + 1}`, port: 22, user: 'root' });
/** web07 fails, web13 is unreachable, the rest print their name. */
const outcome = (host: string): HostStatus => (host === 'web07' ? 'failed' : host === 'web13' ? 'unreachable' : 'ok');

/** The events one host produces, as the engine emits them. */
function hostEvents(host: string): FleetEvent[] {
  const status = outcome(host);
  if (status === 'unreachable') {
    return [
      { type: 'host_state', host, state: 'connecting', t: 1 },
      { type: 'host_state', host, state: 'done', t: 5 },
      { type: 'exit', host, status, exitCode: null, signal: null, durationMs: 5, error: { code: 'FLEET_CONNECT_REFUSED', message: `${host}: connection refused` } },
    ];
  }
  return [
    { type: 'host_state', host, state: 'connecting', t: 1 },
    { type: 'host_state', host, state: 'authenticated', t: 2 },
    { type: 'host_state', host, state: 'running', t: 3 },
    { type: 'stdout', host, data: `${host}\n` },
    { type: 'host_state', host, state: 'done', t: 4 },
    { type: 'exit', host, status, exitCode: status === 'ok' ? 0 : 1, signal: null, durationMs: 4 },
  ];
}

function summaryEvent(hosts: readonly string[], extra: object = {}): FleetEvent {
  return {
    type: 'summary',
    summary: summarize(hosts.map(outcome)),
    durationMs: 10,
    failed: hosts.filter((h) => outcome(h) !== 'ok').map((h) => ({ host: h, status: outcome(h), reason: outcome(h) === 'failed' ? 'exit 1' : `FLEET_CONNECT_REFUSED: ${h}: connection refused` })),
    ...extra,
  } as FleetEvent;
}

/** The events of one unsharded run over `hosts`. */
function unshardedRun(hosts: readonly string[]): FleetEvent[] {
  return [
    { type: 'run_start', version: EVENT_SCHEMA_VERSION, command: 'uname -n', started: '2026-01-01T00:00:00.000Z', hosts: hosts.map(ref) },
    ...hosts.map((host): FleetEvent => ({ type: 'host_state', host, state: 'queued', t: 0 })),
    ...hosts.flatMap(hostEvents),
    summaryEvent(hosts),
  ];
}

/** The events of shard k of n over NAMES (as --shard k/n --run-id r1 writes them). */
function shardRun(k: number, n: number, opts: { runId?: string; attempt?: number; names?: string[]; cutAfter?: string } = {}): FleetEvent[] {
  const names = opts.names ?? NAMES;
  const shard = selectShard(names, (x) => x, k, n);
  const info = { runId: opts.runId ?? 'r1', attempt: opts.attempt ?? 1 };
  const start: FleetEvent = {
    type: 'run_start',
    version: EVENT_SCHEMA_VERSION,
    command: 'uname -n',
    started: '2026-01-01T00:00:00.000Z',
    hosts: shard.hosts.map(ref),
    ...info,
    shard: { index: k, total: n, planHash: shard.planHash, hostCount: shard.hostCount, positions: shard.positions },
  };
  const body: FleetEvent[] = [...shard.hosts.map((host): FleetEvent => ({ type: 'host_state', host, state: 'queued', t: 0 })), ...shard.hosts.flatMap(hostEvents)];
  if (opts.cutAfter !== undefined) {
    const cut = body.findIndex((e) => e.type === 'host_state' && e.host === opts.cutAfter && e.state === 'running');
    return [start, ...body.slice(0, cut + 1)];
  }
  return [start, ...body, summaryEvent(shard.hosts, { ...info, shard: { index: k, total: n, planHash: shard.planHash } })];
}

const jsonl = (events: readonly FleetEvent[]): string => events.map((e) => JSON.stringify({ v: EVENT_SCHEMA_VERSION, ...e })).join('\n') + '\n';

/** The json document a run's events render to, without its timings. */
async function jsonDocument(events: readonly FleetEvent[]): Promise<unknown> {
  const out = new StringSink();
  const renderer = new JsonRenderer(out);
  for (const e of events) renderer.onEvent(e);
  await renderer.close();
  const doc = JSON.parse(out.text) as { durationMs: number; hosts: { durationMs: number }[] };
  expect(typeof doc.durationMs).toBe('number');
  doc.durationMs = 0;
  return doc;
}

let dir: string | undefined;
function tempDir(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-merge-'));
  return dir;
}
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function writeShards(d: string, shards: Record<string, FleetEvent[] | string>): string[] {
  return Object.entries(shards).map(([name, events]) => {
    const file = path.join(d, name);
    fs.writeFileSync(file, typeof events === 'string' ? events : jsonl(events));
    return file;
  });
}

async function mergeOf(files: string[]): Promise<{ events: FleetEvent[]; warnings: string[]; result: ReturnType<ShardMerger['end']> }> {
  const events: FleetEvent[] = [];
  const warnings: string[] = [];
  const merger = new ShardMerger((e) => events.push(e));
  await mergeFiles(files, merger, (w) => warnings.push(w));
  return { events, warnings, result: merger.end() };
}

describe('fleet report merge', () => {
  it('4 shards merge into what one unsharded run over the same hosts reports: hosts in inventory order, same summary, same json', async () => {
    const d = tempDir();
    const files = writeShards(d, Object.fromEntries([1, 2, 3, 4].map((k) => [`shard-${k}-of-4.a1.jsonl`, shardRun(k, 4)])));
    const { events, result } = await mergeOf(files.reverse());
    const unsharded = unshardedRun(NAMES);
    expect(result.summary).toEqual(summarize(NAMES.map(outcome)));
    expect(result.missingShards).toEqual([]);
    expect(result.failedHosts).toEqual(['web07', 'web13']);
    const start = events[0] as Extract<FleetEvent, { type: 'run_start' }>;
    expect(start.hosts.map((h) => h.host)).toEqual(NAMES);
    const summary = events.at(-1) as Extract<FleetEvent, { type: 'summary' }>;
    expect(summary.failed).toEqual((unsharded.at(-1) as typeof summary).failed);
    expect(await jsonDocument(events)).toEqual(await jsonDocument(unsharded));
    expect(exitCodeForSummary(result.summary, false)).toBe(3);
  });

  it('an empty shard is a shard that ran: nothing missing', async () => {
    const d = tempDir();
    // 3 hosts over 8 shards: most shards are empty.
    const names = ['a1', 'b2', 'c3'];
    const files = writeShards(d, Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((k) => [`s${k}.jsonl`, shardRun(k, 8, { names })])));
    const { result } = await mergeOf(files);
    expect(result.missingShards).toEqual([]);
    expect(result.summary.total).toBe(3);
  });

  it('reports a shard that never started by number, with the count of hosts it leaves unaccounted for', async () => {
    const d = tempDir();
    const files = writeShards(d, { 'a.jsonl': shardRun(1, 4), 'b.jsonl': shardRun(2, 4), 'd.jsonl': shardRun(4, 4) });
    const { result } = await mergeOf(files);
    expect(result.missingShards).toEqual([3]);
    expect(result.missingHosts).toBe(selectShard(NAMES, (x) => x, 3, 4).hosts.length);
    expect(result.summary.total).toBe(NAMES.length - result.missingHosts);
  });

  it('a truncated shard file (killed mid-run): started-unfinished hosts are lost, never-started ones skipped, finished ones keep their outcome', async () => {
    const d = tempDir();
    const shard2 = selectShard(NAMES, (x) => x, 2, 4).hosts;
    const victim = shard2[Math.floor(shard2.length / 2)] as string;
    const cut = jsonl(shardRun(2, 4, { cutAfter: victim })) + '{"v":1,"type":"stdout","host":"' + victim + '","da';
    const files = writeShards(d, { '1.jsonl': shardRun(1, 4), '2.jsonl': cut, '3.jsonl': shardRun(3, 4), '4.jsonl': shardRun(4, 4) });
    const { events, result } = await mergeOf(files);
    expect(result.deadShards).toEqual([2]);
    const exits = new Map(events.filter((e): e is Extract<FleetEvent, { type: 'exit' }> => e.type === 'exit').map((e) => [e.host, e]));
    const i = shard2.indexOf(victim);
    // Events of each host come in a block here, so hosts before the victim finished, it was running, the rest had not started.
    for (const host of shard2.slice(0, i)) expect(exits.get(host)?.status).toBe(outcome(host));
    expect(exits.get(victim)).toMatchObject({ status: 'lost', error: { code: 'FLEET_HOST_LOST' } });
    for (const host of shard2.slice(i + 1)) expect(exits.get(host)).toMatchObject({ status: 'skipped', error: { code: 'FLEET_SKIPPED' } });
    expect(result.summary.lost).toBe(1);
    expect(result.summary.total).toBe(NAMES.length);
    expect(result.failedHosts).toContain(victim);
    expect(exitCodeForSummary(result.summary, false)).toBe(3);
  });

  it('refuses shards of different plans or runs (FLEET_SHARD_MISMATCH, exit 2) before printing anything', async () => {
    const d = tempDir();
    const other = NAMES.slice(1);
    const files = writeShards(d, { '1.jsonl': shardRun(1, 2), '2.jsonl': shardRun(2, 2, { names: other }) });
    const events: FleetEvent[] = [];
    const merger = new ShardMerger((e) => events.push(e));
    const error = await mergeFiles(files, merger, () => {}).catch((e: unknown) => e);
    expect((error as FleetError).code).toBe('FLEET_SHARD_MISMATCH');
    expect((error as FleetError).message).toMatch(/plan/);
    expect(events).toEqual([]);
    const n = writeShards(d, { '3.jsonl': shardRun(1, 2), '4.jsonl': shardRun(2, 3) });
    expect(((await mergeFiles(n, new ShardMerger(() => {}), () => {}).catch((e: unknown) => e)) as FleetError).code).toBe('FLEET_SHARD_MISMATCH');
    const r = writeShards(d, { '5.jsonl': shardRun(1, 2), '6.jsonl': shardRun(2, 2, { runId: 'r2' }) });
    expect(((await mergeFiles(r, new ShardMerger(() => {}), () => {}).catch((e: unknown) => e)) as FleetError).message).toMatch(/two runs/);
  });

  it('of two attempts of a shard the latest counts, and a host started in both is reported as possibly run twice', async () => {
    const d = tempDir();
    const files = writeShards(d, {
      '1.jsonl': shardRun(1, 2),
      'shard-2-of-2.a1.jsonl': shardRun(2, 2, { cutAfter: selectShard(NAMES, (x) => x, 2, 2).hosts[1] }),
      'shard-2-of-2.a2.jsonl': shardRun(2, 2, { attempt: 2 }),
    });
    const { result, warnings } = await mergeOf(files);
    expect(result.deadShards).toEqual([]);
    expect(result.summary).toEqual(summarize(NAMES.map(outcome)));
    const twice = selectShard(NAMES, (x) => x, 2, 2).hosts.slice(0, 2).filter((h) => outcome(h) !== 'unreachable');
    expect(warnings.filter((w) => /run twice/.test(w))).toHaveLength(twice.length);
  });

  it('merges shards interleaved line by line on one stream (GNU parallel --line-buffer) as it merges files', async () => {
    const shards = [1, 2, 3].map((k) => jsonl(shardRun(k, 3)).trimEnd().split('\n'));
    const lines: string[] = [];
    for (let i = 0; shards.some((s) => i < s.length); i++) for (const s of shards) if (i < s.length) lines.push(s[i] as string);
    const events: FleetEvent[] = [];
    const merger = new ShardMerger((e) => events.push(e));
    await mergeStream(Readable.from([lines.join('\n') + '\n']), merger, () => {});
    const result = merger.end();
    expect(result.summary).toEqual(summarize(NAMES.map(outcome)));
    expect(await jsonDocument(events)).toEqual(await jsonDocument(unshardedRun(NAMES)));
  });
});

describe('fleet report --follow DIR', () => {
  it('renders shards as their files grow and ends when every shard has its summary', async () => {
    const { followDirectory } = await import('./merge-sources.js');
    const d = tempDir();
    const run = path.join(d, 'r1');
    fs.mkdirSync(run);
    const shard1 = jsonl(shardRun(1, 2));
    const shard2 = jsonl(shardRun(2, 2)).split('\n');
    fs.writeFileSync(path.join(run, 'shard-1-of-2.a1.jsonl'), shard1);
    // Shard 2 has started (its run_start and half a line are there): the merged run_start can go out.
    fs.writeFileSync(path.join(run, 'shard-2-of-2.a1.jsonl'), `${shard2.slice(0, 3).join('\n')}\n${(shard2[3] as string).slice(0, 10)}`);
    const events: FleetEvent[] = [];
    const merger = new ShardMerger((e) => events.push(e));
    let done = false;
    const following = followDirectory(d, merger, () => {}, { pollMs: 10 }).then(() => (done = true));
    await vi.waitFor(() => expect(merger.isOpen).toBe(true));
    expect(done).toBe(false);
    fs.appendFileSync(path.join(run, 'shard-2-of-2.a1.jsonl'), `${(shard2[3] as string).slice(10)}\n${shard2.slice(4).join('\n')}`);
    await following;
    const result = merger.end();
    expect(result.summary).toEqual(summarize(NAMES.map(outcome)));
    expect(await jsonDocument(events)).toEqual(await jsonDocument(unshardedRun(NAMES)));
  });
});
