import { describe, expect, it, vi } from 'vitest';
import type { FleetEvent } from '../../events.js';
import { recordRun, type HostScript } from '../__fixtures__/run-events.js';
import { StringSink } from '../renderer.js';
import { createStyle } from '../style.js';
import { formatSummary } from '../summary.js';
import { LiveRenderer } from './live-renderer.js';

/** One line of listr2's `test` renderer: a task event, with the task's title at that moment. */
interface ListrLine {
  event: 'STATE' | 'TITLE' | 'OUTPUT' | 'MESSAGE';
  data: unknown;
  task?: { title?: string };
}

async function runLive(events: FleetEvent[], rows = 24): Promise<{ listr: ListrLine[]; out: string; err: string }> {
  const stdout = new StringSink();
  const stderr = new StringSink();
  // A frozen clock and slow ticks: titles change only with events, so the sequence is exact.
  const live = new LiveRenderer({ stdout, stderr, style: createStyle(false), color: false, rows, renderer: 'test', now: () => 0, tickMs: 60_000, refreshMs: 60_000 });
  await live.start();
  for (const event of events) live.onEvent(event);
  await live.close();
  const isListr = (line: string): boolean => line.startsWith('{"event":');
  const listr = [...stdout.text.split('\n'), ...stderr.text.split('\n')].filter(isListr).map((line) => JSON.parse(line) as ListrLine);
  const strip = (text: string): string => text.split('\n').filter((line) => !isListr(line)).join('\n');
  return { listr, out: strip(stdout.text), err: strip(stderr.text) };
}

const hostOf = (title: string): string => title.split(' ')[0] ?? '';

const scripts: HostScript[] = [
  { host: 'web1', output: [['stdout', 'v2\n']], durationMs: 120 },
  { host: 'web2', output: [['stdout', 'v2\n']], exitCode: 2, durationMs: 80 },
  { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_REFUSED', message: 'refused' }, durationMs: 30 },
  { host: 'gone', status: 'skipped', error: { code: 'FLEET_SKIPPED', message: 'not started' }, durationMs: 0 },
];

describe('LiveRenderer, a row per host', () => {
  it('walks each host row through its gates to its outcome', async () => {
    const { listr } = await runLive(recordRun('app --version', scripts));
    const titles = (host: string): string[] =>
      listr.filter((l) => l.event === 'TITLE' && hostOf(String(l.data)) === host).map((l) => String(l.data).split(/ {2,}/)[1] ?? '');
    expect(titles('web1')).toEqual(['connecting', 'authenticated', 'running', 'exit 0']);
    expect(titles('web2')).toEqual(['connecting', 'authenticated', 'running', 'exit 2']);
    expect(titles('db1')).toEqual(['connecting', 'unreachable']);
    expect(titles('gone')).toEqual(['skipped']);
    const last = listr.filter((l) => l.event === 'TITLE' && hostOf(String(l.data)) === 'db1').at(-1);
    expect(last?.data).toBe('db1   unreachable    30ms  FLEET_CONNECT_REFUSED: refused');
  });

  it('completes ok hosts, skips skipped ones and fails the others (red) without failing the list', async () => {
    const { listr } = await runLive(recordRun('x', scripts));
    const finals = new Map<string, unknown>();
    for (const line of listr) {
      if (line.event === 'STATE' && line.task?.title && line.data !== 'STARTED') finals.set(hostOf(line.task.title), line.data);
    }
    expect(Object.fromEntries(finals)).toEqual({ web1: 'COMPLETED', web2: 'FAILED', db1: 'FAILED', gone: 'SKIPPED' });
    const errors = listr.filter((l) => l.event === 'MESSAGE').map((l) => l.data);
    expect(errors).toContainEqual({ error: 'web2  exit 2         80ms' });
    expect(errors).toContainEqual({ skip: 'gone  skipped        0ms  FLEET_SKIPPED: not started' });
  });

  it('shows no remote output live; prints grouped output after the list and the summary last', async () => {
    const events = recordRun('x', scripts);
    const { listr, out, err } = await runLive(events);
    expect(listr.some((l) => l.event === 'OUTPUT')).toBe(false);
    expect(out).toBe('---------------- web1 (1 host) exit 0\nv2\n' + '---------------- web2 (1 host) exit 2\nv2\n');
    const summary = events.at(-1);
    if (summary?.type !== 'summary') throw new Error('no summary');
    expect(err.endsWith(formatSummary(summary, createStyle(false)))).toBe(true);
  });

  it('ends a host\'s row when its exit arrives, while others still run', async () => {
    const stdout = new StringSink();
    const live = new LiveRenderer({ stdout, stderr: new StringSink(), style: createStyle(false), color: false, renderer: 'test', now: () => 0, tickMs: 60_000 });
    await live.start();
    const events = recordRun('x', [{ host: 'a' }, { host: 'b' }]);
    for (const event of events.filter((e) => !('host' in e && e.host === 'b') && e.type !== 'summary')) live.onEvent(event);
    await vi.waitFor(() => expect(stdout.text).toContain('{"event":"STATE","data":"COMPLETED","task":{"title":"a  exit 0'));
    expect(stdout.text).not.toMatch(/"data":"(COMPLETED|FAILED)","task":\{"title":"b /);
    for (const event of events.filter((e) => ('host' in e && e.host === 'b') || e.type === 'summary')) live.onEvent(event);
    await live.close();
    expect(stdout.text).toContain('{"event":"STATE","data":"COMPLETED","task":{"title":"b  exit 0');
  });

  it('settles hosts that never reported when closed without a summary', async () => {
    const events = recordRun('x', [{ host: 'a' }, { host: 'b' }]).filter((e) => e.type !== 'summary' && !('host' in e && e.host === 'b'));
    const { listr } = await runLive(events);
    const b = listr.filter((l) => l.event === 'STATE' && l.task?.title?.startsWith('b ')).map((l) => l.data);
    expect(b.at(-1)).toBe('FAILED');
    expect(listr).toContainEqual(expect.objectContaining({ event: 'MESSAGE', data: { error: 'b  queued  (no result)' } }));
  });
});

describe('LiveRenderer, compact view', () => {
  const many: HostScript[] = [
    { host: 'n1' },
    { host: 'n2', exitCode: 1 },
    { host: 'n3', status: 'unreachable', error: { code: 'FLEET_DNS', message: 'no such host' } },
    { host: 'n4' },
  ];

  it('switches to one task with counts and failures when hosts outnumber rows - 6', async () => {
    const { listr, out } = await runLive(recordRun('exec uptime', many), 8);
    expect(listr.filter((l) => l.event === 'STATE' && l.data === 'STARTED')).toHaveLength(1);
    const frames = listr.filter((l) => l.event === 'OUTPUT').map((l) => String(l.data));
    expect(frames.at(-1)).toBe(
      'queued 0  connecting 0  authenticated 0  running 0\n' +
        'done: 2 ok, 1 failed, 1 unreachable\n' +
        'failures (2):\n' +
        '  n2  exit 1         200ms\n' +
        '  n3  unreachable    300ms  FLEET_DNS: no such host',
    );
    const titles = listr.filter((l) => l.event === 'TITLE').map((l) => String(l.data));
    expect(titles.at(-1)).toBe('exec uptime  [####################] 4/4 hosts  100%  0ms');
    expect(listr.filter((l) => l.event === 'STATE').at(-1)?.data).toBe('FAILED');
    expect(out).toBe('---------------- n[1,4] (2 hosts) exit 0\n' + '---------------- n2 (1 host) exit 1\n');
  });

  it('keeps the per-host rows while the hosts fit', async () => {
    const { listr } = await runLive(recordRun('x', many), 10);
    expect(listr.filter((l) => l.event === 'STATE' && l.data === 'STARTED')).toHaveLength(4);
  });
});

describe('LiveRenderer, steps runs', () => {
  const steps = [
    { index: 0, name: 'build' },
    { index: 1, name: 'deploy' },
  ];
  /** Host `a` runs both steps; `b` fails the first, so it never starts the second. */
  function stepsRun(): FleetEvent[] {
    const [start] = recordRun('run deploy.yaml', [{ host: 'a' }, { host: 'b' }]);
    if (!start) throw new Error('no run_start');
    const events: FleetEvent[] = [start];
    const step = (host: string, ref: (typeof steps)[number], t: number, exitCode: number): void => {
      for (const state of ['running', 'done'] as const) events.push({ type: 'host_state', host, state, t: state === 'done' ? t + 100 : t, step: ref });
      events.push({ type: 'exit', host, status: exitCode === 0 ? 'ok' : 'failed', exitCode, signal: null, durationMs: 100, step: ref });
    };
    step('a', steps[0]!, 0, 0);
    step('b', steps[0]!, 0, 3);
    step('a', steps[1]!, 200, 0);
    const summary = recordRun('x', [{ host: 'a' }, { host: 'b', exitCode: 3 }]).at(-1);
    if (summary) events.push(summary);
    return events;
  }

  it('keeps a host running until its last step, showing each step, and fails a host at its failed step', async () => {
    const { listr } = await runLive(stepsRun());
    const titles = (host: string): string[] => listr.filter((l) => l.event === 'TITLE' && hostOf(String(l.data)) === host).map((l) => String(l.data));
    expect(titles('a')).toEqual([
      'a  running        0ms  step 1 "build"',
      'a  waiting        100ms  step 1 "build" done',
      'a  running        200ms  step 2 "deploy"',
      'a  waiting        300ms  step 2 "deploy" done',
      'a  exit 0         300ms  step 2 "deploy"',
    ]);
    expect(titles('b')).toEqual(['b  running        0ms  step 1 "build"', 'b  exit 3         100ms  step 1 "build"']);
    const finals = listr.filter((l) => l.event === 'STATE' && l.data !== 'STARTED').map((l) => [hostOf(l.task?.title ?? ''), l.data]);
    expect(Object.fromEntries(finals)).toEqual({ a: 'COMPLETED', b: 'FAILED' });
    expect(finals).toHaveLength(2);
  });
});

describe('LiveRenderer on a terminal (listr2 default renderer)', () => {
  /** A terminal stream as listr2 sees one (it has `on`), recording what reaches the screen. */
  const terminal = (): StringSink & { on(): void; isTTY: boolean; columns: number; rows: number } =>
    Object.assign(new StringSink(), { on: () => undefined, isTTY: true, columns: 100, rows: 30 });

  it('shows a line written to stderr mid-run above the frame at once, and once at the end', async () => {
    const stdout = terminal();
    const stderr = terminal();
    const live = new LiveRenderer({ stdout, stderr, style: createStyle(false), color: false, frameMs: 10 });
    await live.start();
    const events = recordRun('x', [{ host: 'web1' }, { host: 'web2' }]);
    const summary = events.pop();
    live.onEvent(events[0]!);
    await vi.waitFor(() => expect(stdout.text).toContain('web2  queued'));

    stderr.write('\nfleet: Ctrl-C: starting no new hosts\n');
    await vi.waitFor(() => expect(stdout.text).toMatch(/fleet: Ctrl-C: starting no new hosts\n. web1 {2}queued\n/));
    expect(stderr.text).toBe('');

    for (const event of events.slice(1)) live.onEvent(event);
    if (summary) live.onEvent(summary);
    await live.close();
    expect(stdout.text.endsWith('fleet: Ctrl-C: starting no new hosts\n✔ web1  exit 0         100ms\n✔ web2  exit 0         200ms\n' + '\u001b[?25h' + '---------------- web[1-2] (2 hosts) exit 0\n')).toBe(true);
    expect(stderr.text).not.toContain('Ctrl-C');
  });
});

describe('LiveRenderer lifecycle', () => {
  it('closes quietly when no run started', async () => {
    const stdout = new StringSink();
    const live = new LiveRenderer({ stdout, stderr: new StringSink(), style: createStyle(false), color: false, renderer: 'test' });
    await live.start();
    await live.close();
    expect(stdout.text).toBe('');
  });

  it('refuses events before start() loaded listr2', () => {
    const live = new LiveRenderer({ stdout: new StringSink(), stderr: new StringSink(), style: createStyle(false), color: false, renderer: 'test' });
    const [runStart] = recordRun('x', [{ host: 'a' }]);
    if (!runStart) throw new Error('no event');
    expect(() => live.onEvent(runStart)).toThrow(/start\(\)/);
  });
});
