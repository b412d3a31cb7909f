import { describe, expect, it } from 'vitest';
import { abortReason } from '../concurrency/deadline.js';
import { FleetError } from '../errors.js';
import type { FleetEvent } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { TaskResult } from '../result.js';
import { statusOfError } from '../result.js';
import type { Connection, Transport } from '../transport/index.js';
import { ConnectionPool, type PoolConnectOptions } from '../transport/pool.js';
import type { HostOutcome, HostTaskContext } from './host-run.js';
import { runHosts, type RunHostsOptions } from './run-hosts.js';

function host(name: string): HostSpec {
  return { name, address: name, port: 22, user: 'u', identityFiles: [], knownHostsFiles: [], labels: {}, vars: {}, groups: [] };
}

// Connections over a transport that connects at once; tasks do the work in these tests.
const fakeTransport: Transport = {
  connect: async (spec) =>
    ({
      host: spec.name,
      hostKey: { type: 'ssh-ed25519', fingerprint: 'SHA256:x' },
      exec: () => Promise.reject(new Error('not used')),
      close: async () => undefined,
      closed: new Promise(() => undefined),
    }) as unknown as Connection,
};

/** A task's outcome: `ok`, a failed exit, or `hang` (until its signal aborts, as the transport does). */
type Script = 'ok' | 'fail' | 'hang';
const classify = (r: TaskResult<number>): HostOutcome =>
  r.ok ? { status: r.value === 0 ? 'ok' : 'failed', exitCode: r.value, signal: null } : { status: statusOfError(r.error.code), exitCode: null, signal: null };

async function run(scripts: Record<string, Script>, opts: Partial<RunHostsOptions<number>> = {}, onTask?: (ctx: HostTaskContext) => void) {
  const events: FleetEvent[] = [];
  const report = await runHosts<number>({
    label: 'test',
    hosts: Object.keys(scripts).map(host),
    forks: 10,
    connections: new ConnectionPool({ transport: fakeTransport, optionsFor: () => ({}) as PoolConnectOptions, maxConnections: 100 }),
    classify,
    onEvent: (e) => events.push(e),
    task: async (ctx) => {
      onTask?.(ctx);
      const script = scripts[ctx.host.name];
      if (script === 'hang') {
        await new Promise((_, reject) => {
          const fail = () => reject(abortReason(ctx.signal, { host: ctx.host.name }));
          if (ctx.signal.aborted) fail();
          else ctx.signal.addEventListener('abort', fail, { once: true });
        });
      }
      await Promise.resolve();
      return script === 'fail' ? 1 : 0;
    },
    ...opts,
  });
  const statuses = Object.fromEntries(report.results.map((r) => [r.host, r.status]));
  return { report, events, statuses };
}

const states = (events: FleetEvent[]) => events.flatMap((e) => (e.type === 'host_state' && e.state !== 'queued' ? [`${e.host}:${e.state}`] : []));

describe('runHosts: waves', () => {
  it('starts no host of a wave before every host of the previous wave is done', async () => {
    const { events } = await run({ a: 'ok', b: 'ok', c: 'ok', d: 'ok', e: 'ok' }, { rollout: { batch: 2 } });
    const order = states(events);
    const at = (s: string) => order.indexOf(s);
    for (const [prev, next] of [[['a', 'b'], ['c', 'd']], [['c', 'd'], ['e']]] as const) {
      for (const p of prev) for (const n of next) expect(at(`${p}:done`)).toBeLessThan(at(`${n}:connecting`));
    }
  });
});

describe('runHosts: results', () => {
  it('each result carries its status, and ok only for a success: a failed exit is ok: false with its value', async () => {
    const { report } = await run({ a: 'ok', b: 'fail' });
    expect(report.results).toMatchObject([
      { host: 'a', status: 'ok', ok: true, value: 0 },
      { host: 'b', status: 'failed', ok: false, value: 1 },
    ]);
    expect(report.results[1]?.error).toBeUndefined();
  });

  it('a host that could not run has its error and no value', async () => {
    const { report } = await run({ a: 'ok', b: 'ok' }, { rollout: { canary: 1 }, task: async () => Promise.reject(new FleetError('FLEET_CHANNEL_OPEN_FAILED', 'nope')) });
    expect(report.results[0]).toMatchObject({ status: 'error', ok: false, error: { code: 'FLEET_CHANNEL_OPEN_FAILED' } });
    expect(report.results[1]).toMatchObject({ status: 'skipped', ok: false, error: { code: 'FLEET_SKIPPED' } });
    expect(report.results.map((r) => r.value)).toEqual([undefined, undefined]);
  });
});

describe('runHosts: stop policies', () => {
  it('max-fail: once more than N hosts failed, the rest end skipped with FLEET_SKIPPED and the reason', async () => {
    const { report, statuses, events } = await run({ a: 'fail', b: 'fail', c: 'ok', d: 'ok' }, { forks: 1, rollout: { maxFail: 1 } });
    expect(statuses).toEqual({ a: 'failed', b: 'failed', c: 'skipped', d: 'skipped' });
    const c = report.results[2];
    expect(c?.error?.code).toBe('FLEET_SKIPPED');
    expect(c?.error?.context.details).toMatchObject({ reason: 'max-fail' });
    const exits = events.filter((e): e is Extract<FleetEvent, { type: 'exit' }> => e.type === 'exit' && e.status === 'skipped');
    expect(exits.map((e) => [e.host, e.error?.code])).toEqual([
      ['c', 'FLEET_SKIPPED'],
      ['d', 'FLEET_SKIPPED'],
    ]);
    // A skipped host never connects: queued, then done.
    expect(states(events).filter((s) => s.startsWith('c:'))).toEqual(['c:done']);
  });

  it('canary: a failed canary skips every other host', async () => {
    const { statuses, report } = await run({ a: 'fail', b: 'ok', c: 'ok' }, { rollout: { canary: 1 } });
    expect(statuses).toEqual({ a: 'failed', b: 'skipped', c: 'skipped' });
    expect(report.results[1]?.error?.message).toMatch(/canary/);
  });

  it('drain (first Ctrl-C): running hosts finish, queued ones are skipped', async () => {
    const drain = new AbortController();
    const { statuses, report } = await run({ a: 'ok', b: 'ok', c: 'ok' }, { forks: 1, drain: drain.signal }, (ctx) => {
      if (ctx.host.name === 'a') drain.abort();
    });
    expect(statuses).toEqual({ a: 'ok', b: 'skipped', c: 'skipped' });
    expect(report.results[1]?.error?.context.details).toMatchObject({ reason: 'drain' });
  });

  it('drain skips the hosts waiting for a slot at once, while the running host is still running', async () => {
    const drain = new AbortController();
    let bothSkipped!: () => void;
    const skippedNow = new Promise<void>((resolve) => (bothSkipped = resolve));
    const seen = new Set<string>();
    const events: FleetEvent[] = [];
    const report = await runHosts<number>({
      label: 'test',
      hosts: ['a', 'b', 'c'].map(host),
      forks: 1,
      connections: new ConnectionPool({ transport: fakeTransport, optionsFor: () => ({}) as PoolConnectOptions, maxConnections: 100 }),
      classify,
      drain: drain.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'exit' && e.status === 'skipped') seen.add(e.host);
        if (seen.size === 2) bothSkipped();
      },
      task: async () => {
        drain.abort();
        await skippedNow; // would never resolve if b and c waited for a's slot
        return 0;
      },
    });
    expect(report.results.map((r) => r.status)).toEqual(['ok', 'skipped', 'skipped']);
    const exits = events.flatMap((e) => (e.type === 'exit' ? [e.host] : []));
    expect(exits).toEqual(['b', 'c', 'a']);
  });

  it('interrupt (second Ctrl-C): running hosts end interrupted with FLEET_CANCELLED, not timeout, even under --timeout', async () => {
    const interrupt = new AbortController();
    let running = 0;
    const { statuses, report } = await run(
      { a: 'hang', b: 'hang', c: 'ok' },
      { forks: 2, signal: interrupt.signal, timeoutMs: 60_000, deadlineMs: 60_000 },
      () => {
        running += 1;
        if (running === 2) interrupt.abort();
      },
    );
    expect(statuses).toEqual({ a: 'interrupted', b: 'interrupted', c: 'skipped' });
    expect(report.results.map((r) => r.error?.code ?? 'ok')).toEqual(['FLEET_CANCELLED', 'FLEET_CANCELLED', 'FLEET_SKIPPED']);
    expect(report.results[2]?.error?.context.details).toMatchObject({ reason: 'interrupted' });
  });

  it('deadline between waves: later waves are skipped with the timeout as the reason', async () => {
    const { statuses, report } = await run({ a: 'hang', b: 'ok' }, { rollout: { batch: 1 }, deadlineMs: 1 });
    expect(statuses).toEqual({ a: 'timeout', b: 'skipped' });
    expect(report.results[1]?.error?.message).toMatch(/FLEET_TIMEOUT/);
    expect(report.results[1]?.error?.context.details).toMatchObject({ reason: 'deadline' });
  });

  it('a host whose task throws a FleetError reports it as a value', async () => {
    const { report } = await run({ a: 'ok' }, {
      task: async () => {
        throw new FleetError('FLEET_CHANNEL_OPEN_FAILED', 'nope');
      },
    });
    expect(report.results[0]?.error?.code).toBe('FLEET_CHANNEL_OPEN_FAILED');
  });
});
