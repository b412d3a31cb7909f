import { describe, expect, it } from 'vitest';
import type { FleetEvent, HostRef } from '../../events.js';
import { emptySummary } from '../../result.js';
import { HostBoard } from './host-board.js';

const ref = (host: string): HostRef => ({ host, address: host, port: 22, user: 'u' });
const state = (host: string, s: 'queued' | 'connecting' | 'authenticated' | 'running' | 'done', t: number): Extract<FleetEvent, { type: 'host_state' }> => ({
  type: 'host_state',
  host,
  state: s,
  t,
});
const exit = (host: string, status: 'ok' | 'failed' | 'unreachable' | 'skipped', durationMs = 50): Extract<FleetEvent, { type: 'exit' }> => ({
  type: 'exit',
  host,
  status,
  exitCode: status === 'ok' ? 0 : status === 'failed' ? 1 : null,
  signal: null,
  durationMs,
  ...(status === 'unreachable' || status === 'skipped' ? { error: { code: status === 'skipped' ? 'FLEET_SKIPPED' : 'FLEET_DNS', message: 'nope' } } : {}),
});

describe('HostBoard', () => {
  it('tracks gates, counting elapsed time from the first gate after queued', () => {
    const board = new HostBoard([ref('a'), ref('bb')]);
    const a = board.hosts[0];
    if (!a) throw new Error('no host');
    expect(board.titleOf(a, 0)).toBe('a   queued');
    board.applyState(state('a', 'connecting', 100));
    board.applyState(state('a', 'authenticated', 400));
    expect(a.startedAt).toBe(100);
    expect(board.titleOf(a, 1_600)).toBe('a   authenticated  1.5s');
    board.applyExit(exit('a', 'failed', 2_000));
    expect(board.titleOf(a, 9_999)).toBe('a   exit 1         2s');
  });

  it('ignores unknown hosts, gates after the exit and a second exit', () => {
    const board = new HostBoard([ref('a')]);
    expect(board.applyState(state('ghost', 'running', 1))).toBeUndefined();
    expect(board.applyExit(exit('a', 'unreachable'))).toBeDefined();
    expect(board.applyState(state('a', 'running', 2))).toBeUndefined();
    expect(board.applyExit(exit('a', 'ok'))).toBeUndefined();
    expect(board.hosts[0]?.exit?.status).toBe('unreachable');
    expect(board.exited).toBe(1);
  });

  it('counts hosts per gate and per final status', () => {
    const board = new HostBoard(['a', 'b', 'c', 'd', 'e'].map(ref));
    board.applyState(state('a', 'connecting', 0));
    board.applyState(state('b', 'running', 0));
    board.applyState(state('c', 'done', 0));
    board.applyExit(exit('d', 'ok'));
    const { phases, statuses } = board.counts();
    expect(phases).toEqual({ queued: 1, connecting: 1, authenticated: 0, running: 2 });
    expect([...statuses]).toEqual([['ok', 1]]);
  });

  it('lists the slowest hosts in flight and the latest failures, skipped hosts excluded', () => {
    const board = new HostBoard(['a', 'b', 'c', 'd', 'e', 'f'].map(ref));
    board.applyState(state('a', 'running', 300));
    board.applyState(state('b', 'connecting', 100));
    board.applyState(state('c', 'running', 200));
    board.applyExit(exit('d', 'failed'));
    board.applyExit(exit('e', 'skipped'));
    board.applyExit(exit('f', 'unreachable'));
    expect(board.slowest(1_000, 2).map((s) => [s.host.name, s.elapsedMs])).toEqual([
      ['b', 900],
      ['c', 800],
    ]);
    expect(board.failures(5).map((h) => h.name)).toEqual(['d', 'f']);
    expect(board.failures(1).map((h) => h.name)).toEqual(['f']);
    expect(board.failureCount).toBe(2);
  });

  it('escapes host names and error messages in titles and caps the name column at 40', () => {
    const long = 'x'.repeat(60);
    const board = new HostBoard([ref('a\u001b[2J'), ref(long)]);
    board.applyExit({ ...exit('a\u001b[2J', 'unreachable'), error: { code: 'FLEET_DNS', message: 'bad\u009bname' } });
    const [evil, big] = board.hosts;
    if (!evil || !big) throw new Error('no host');
    expect(board.titleOf(evil, 0)).toBe(`${'a\\x1b[2J'.padEnd(40)}  unreachable    50ms  FLEET_DNS: bad\\x9bname`);
    expect(board.titleOf(big, 0)).toBe(`${long}  queued`);
  });
});

describe('HostBoard, steps runs', () => {
  const build = { index: 0, name: 'build' };
  const deploy = { index: 1, name: 'deploy' };
  type Step = typeof build;
  const stepState = (host: string, s: 'connecting' | 'running' | 'done', t: number, step: Step): Extract<FleetEvent, { type: 'host_state' }> => ({ ...state(host, s, t), step });
  const stepExit = (host: string, status: 'ok' | 'failed' | 'skipped', durationMs: number, step: Step): Extract<FleetEvent, { type: 'exit' }> => ({ ...exit(host, status, durationMs), step });
  const summary = (failed: { host: string; status: 'failed' }[]): Extract<FleetEvent, { type: 'summary' }> => ({
    type: 'summary',
    summary: emptySummary(),
    durationMs: 0,
    failed: failed.map((f) => ({ ...f, reason: 'exit 1' })),
  });

  it('keeps a host in the run after a successful step, waiting, and shows the step it is on', () => {
    const board = new HostBoard([ref('a'), ref('b')]);
    const a = board.hosts[0];
    if (!a) throw new Error('no host');
    board.applyState(stepState('a', 'connecting', 100, build));
    board.applyState(stepState('a', 'running', 200, build));
    expect(board.titleOf(a, 700)).toBe('a  running        600ms  step 1 "build"');
    board.applyState(stepState('a', 'done', 1_100, build));
    expect(board.applyExit(stepExit('a', 'ok', 1_000, build))).toBe(a);
    expect(a.exit).toBeUndefined();
    expect(board.exited).toBe(0);
    expect(board.titleOf(a, 5_000)).toBe('a  waiting        1s  step 1 "build" done');
    expect(board.counts().phases).toEqual({ queued: 1, connecting: 0, authenticated: 0, running: 0, waiting: 1 });
    expect(board.slowest(5_000, 5)).toEqual([]);

    board.applyState(stepState('a', 'running', 2_000, deploy));
    expect(board.titleOf(a, 2_100)).toBe('a  running        2s  step 2 "deploy"');
    // A late event of an earlier step changes nothing.
    expect(board.applyState(stepState('a', 'done', 2_050, build))).toBeUndefined();
    board.applyState(stepState('a', 'done', 3_100, deploy));
    board.applyExit(stepExit('a', 'ok', 1_100, deploy));
    expect(board.counts().phases.waiting).toBe(1);
  });

  it('ends a host at its first failed or skipped step, with its whole time', () => {
    const board = new HostBoard([ref('a'), ref('b')]);
    board.applyState(stepState('a', 'running', 100, build));
    board.applyState(stepState('a', 'done', 400, build));
    board.applyExit(stepExit('a', 'ok', 300, build));
    board.applyState(stepState('a', 'running', 500, deploy));
    board.applyState(stepState('a', 'done', 2_100, deploy));
    board.applyExit(stepExit('a', 'failed', 1_600, deploy));
    board.applyState(stepState('b', 'done', 2_200, deploy));
    board.applyExit(stepExit('b', 'skipped', 0, deploy));
    const [a, b] = board.hosts;
    if (!a || !b) throw new Error('no host');
    expect(board.exited).toBe(2);
    expect(board.titleOf(a, 9_999)).toBe('a  exit 1         2s  step 2 "deploy"');
    expect(board.titleOf(b, 9_999)).toBe('b  skipped        0ms  step 2 "deploy"  FLEET_SKIPPED: nope');
    expect(board.failures(5)).toEqual([a]);
    expect(board.applyExit(stepExit('a', 'ok', 1, deploy))).toBeUndefined();
  });

  it('counts the steps when run_start listed them: step 2/3', () => {
    const board = new HostBoard([ref('a')], [build, deploy, { index: 2, name: 'check' }]);
    const [a] = board.hosts;
    if (!a) throw new Error('no host');
    board.applyState(stepState('a', 'running', 0, deploy));
    expect(board.titleOf(a, 1_200)).toBe('a  running        1.2s  step 2/3 "deploy"');
  });

  it('settles hosts still waiting when the summary arrives, with the status it gives them', () => {
    const board = new HostBoard([ref('a'), ref('b'), ref('c')]);
    for (const host of ['a', 'b']) {
      board.applyState(stepState(host, 'running', 0, deploy));
      board.applyState(stepState(host, 'done', 1_500, deploy));
      board.applyExit(stepExit(host, 'ok', 1_500, deploy));
    }
    const settled = board.settle(summary([{ host: 'b', status: 'failed' }]));
    expect(settled.map((h) => [h.name, h.exit?.status, h.exit?.durationMs])).toEqual([
      ['a', 'ok', 1_500],
      ['b', 'failed', 1_500],
    ]);
    expect(board.exited).toBe(2);
    expect(board.hosts[2]?.exit).toBeUndefined();
    expect(board.settle(summary([]))).toEqual([]);
  });

  it('shows no waiting count outside steps runs', () => {
    const board = new HostBoard([ref('a')]);
    board.applyExit(exit('a', 'ok'));
    expect(board.counts().phases).toEqual({ queued: 0, connecting: 0, authenticated: 0, running: 0 });
  });
});
