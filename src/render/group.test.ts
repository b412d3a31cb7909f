import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { recordRun, type HostScript } from './__fixtures__/run-events.js';
import { GroupRenderer, outcomeLabel } from './group.js';
import { StringSink } from './renderer.js';
import { SpillStore } from './spill-store.js';
import { createStyle } from './style.js';

function setup(quiet = false): { renderer: GroupRenderer; stdout: StringSink; stderr: StringSink } {
  const stdout = new StringSink();
  const stderr = new StringSink();
  return { renderer: new GroupRenderer({ stdout, stderr, style: createStyle(false), quiet }), stdout, stderr };
}

async function render(events: FleetEvent[], quiet = false): Promise<{ out: string; err: string }> {
  const { renderer, stdout, stderr } = setup(quiet);
  for (const event of events) renderer.onEvent(event);
  await renderer.close();
  return { out: stdout.text, err: stderr.text };
}

const same = (host: string): HostScript => ({ host, output: [['stdout', 'v1.2\n']] });
const unreachable: HostScript = { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_REFUSED', message: 'connection refused' } };

describe('GroupRenderer', () => {
  it('prints identical outputs once under a folded header, largest group first, errors only in the summary', async () => {
    const events = recordRun('app --version', [
      same('web1'),
      same('web2'),
      { host: 'web3', output: [['stdout', 'v1.1\n']] },
      unreachable,
      same('web4'),
      same('web42'),
    ]);
    const { out, err } = await render(events);
    expect(out).toBe(
      '---------------- web[1-2,4,42] (4 hosts) exit 0\n' + 'v1.2\n' + '---------------- web3 (1 host) exit 0\n' + 'v1.1\n',
    );
    expect(err).toBe(
      'summary: 6 hosts in 1.5s: 5 ok, 1 unreachable\n' + 'failed hosts (1):\n' + '  db1  unreachable  FLEET_CONNECT_REFUSED: connection refused\n',
    );
  });

  it('keeps hosts apart when the output matches but the exit status does not', async () => {
    const { out } = await render(recordRun('x', [same('a1'), { host: 'a2', output: [['stdout', 'v1.2\n']], exitCode: 1 }, same('a3')]));
    expect(out).toBe('---------------- a[1,3] (2 hosts) exit 0\nv1.2\n' + '---------------- a2 (1 host) exit 1\nv1.2\n');
  });

  it('orders groups of equal size by inventory order, not by name', async () => {
    const hosts: HostScript[] = ['zeta', 'alpha', 'mid'].map((host) => ({ host, output: [['stdout', `${host}\n`]] }));
    const headers = (await render(recordRun('x', hosts))).out.split('\n').filter((l) => l.startsWith('-'));
    expect(headers).toEqual(['---------------- zeta (1 host) exit 0', '---------------- alpha (1 host) exit 0', '---------------- mid (1 host) exit 0']);
  });

  it('keeps a host\'s stderr apart: its stdout under the header on stdout, its stderr on stderr under the header marked stderr', async () => {
    const output: HostScript['output'] = [
      ['stdout', 'out-1\nout-'],
      ['stderr', 'err-1\n'],
      ['stdout', '2\n'],
      ['stderr', 'err-2 no newline'],
    ];
    const { out, err } = await render(recordRun('x', [{ host: 'h1', output }, { host: 'h2', output: [['stdout', 'out-1\nout-2\n']] }], 1_000), true);
    // Same stdout, different stderr: two groups, and no stderr line on stdout.
    expect(out).toBe('---------------- h1 (1 host) exit 0\nout-1\nout-2\n' + '---------------- h2 (1 host) exit 0\nout-1\nout-2\n');
    expect(err).toBe('---------------- h1 (1 host) exit 0 stderr\nerr-1\nerr-2 no newline\n');
  });

  it('a host that printed only on stderr still shows its header (its outcome) on stdout', async () => {
    const { out, err } = await render(recordRun('x', [{ host: 'h1', output: [['stderr', 'oops\n']], exitCode: 2 }]), true);
    expect(out).toBe('---------------- h1 (1 host) exit 2\n');
    expect(err).toBe('---------------- h1 (1 host) exit 2 stderr\noops\n');
  });

  it('escapes and trims CRLF across chunk boundaries without holding a line whole', async () => {
    const output: HostScript['output'] = [
      ['stdout', 'a\r'],
      ['stdout', '\nb\r'],
      ['stdout', 'x\u001b'],
      ['stdout', '\n'],
    ];
    expect((await render(recordRun('x', [{ host: 'h1', output }]), true)).out).toBe('---------------- h1 (1 host) exit 0\na\nb\\x0dx\\x1b\n');
  });

  it('shows the partial output of a host with an error, labelled by its status', async () => {
    const timedOut: HostScript = { host: 'slow1', output: [['stdout', 'step 1\n']], status: 'timeout', error: { code: 'FLEET_TIMEOUT', message: 'timed out after 5s' } };
    const { out, err } = await render(recordRun('x', [timedOut, unreachable]));
    expect(out).toBe('---------------- slow1 (1 host) timeout\nstep 1\n');
    expect(err).toContain('  slow1  timeout      FLEET_TIMEOUT: timed out after 5s\n');
  });

  it('labels a command killed by a signal, and a silent success with its header only', async () => {
    const killed: HostScript = { host: 'k1', output: [['stdout', 'x\n']], status: 'failed', exitCode: null, signal: 'KILL' };
    expect((await render(recordRun('x', [{ host: 'q1' }, killed]))).out).toBe('---------------- q1 (1 host) exit 0\n' + '---------------- k1 (1 host) signal KILL\nx\n');
  });

  it('escapes remote control characters per line and trims CRLF, keeping tabs', async () => {
    const { out } = await render(recordRun('x', [{ host: 'h1', output: [['stdout', 'a\tb\r\n\u001b]0;title\u0007\n\u009b2J\n']] }]));
    expect(out).toBe('---------------- h1 (1 host) exit 0\na\tb\n\\x1b]0;title\\x07\n\\x9b2J\n');
  });

  it('groups binary output by its bytes and shows bytes that are not UTF-8 as \\xNN', async () => {
    const bin = (bytes: number[]): HostScript['output'] => [['stdout', Buffer.from(bytes).toString('base64'), 'base64']];
    const { out } = await render(recordRun('x', [{ host: 'b1', output: bin([0xff, 0x0a]) }, { host: 'b2', output: bin([0xff, 0x0a]) }, { host: 'b3', output: bin([0xfe, 0x0a]) }]));
    expect(out).toBe('---------------- b[1-2] (2 hosts) exit 0\n\\xff\n' + '---------------- b3 (1 host) exit 0\n\\xfe\n');
  });

  it('prints no summary when quiet', async () => {
    const { out, err } = await render(recordRun('x', [same('a'), unreachable]), true);
    expect(out).toBe('---------------- a (1 host) exit 0\nv1.2\n');
    expect(err).toBe('');
  });

  it('prints the groups once, at close, then the summary; with no summary, the groups alone', async () => {
    const events = recordRun('x', [same('a')]);
    const withSummary = setup();
    for (const event of events) withSummary.renderer.onEvent(event);
    expect(withSummary.stdout.text).toBe('');
    await withSummary.renderer.close();
    await withSummary.renderer.close();
    expect(withSummary.stdout.text).toBe('---------------- a (1 host) exit 0\nv1.2\n');
    expect(withSummary.stderr.text).toBe('summary: 1 host in 1.5s: 1 ok\n');

    const cut = setup();
    for (const event of events.filter((e) => e.type !== 'summary')) cut.renderer.onEvent(event);
    expect(cut.stdout.text).toBe('');
    await cut.renderer.close();
    expect(cut.stdout.text).toBe('---------------- a (1 host) exit 0\nv1.2\n');
    expect(cut.stderr.text).toBe('');
  });

  it('leaves out hosts that have not finished', () => {
    const { renderer } = setup();
    for (const event of recordRun('x', [same('a'), same('b')]).filter((e) => !(e.type === 'exit' && e.host === 'b'))) renderer.onEvent(event);
    expect(renderer.groups()).toEqual([{ hosts: ['a'], outcome: 'exit 0', lines: ['v1.2'], stderr: [] }]);
  });
});

describe('GroupRenderer memory', () => {
  it('prints no group while the reader is congested', async () => {
    let congested = true;
    let clear!: () => void;
    const flow = { get congested() { return congested; }, whenClear: () => new Promise<void>((r) => (clear = r)) };
    const stdout = new StringSink();
    const renderer = new GroupRenderer({ stdout, stderr: new StringSink(), style: createStyle(false), quiet: true, flow });
    for (const event of recordRun('x', [same('a')])) renderer.onEvent(event);
    const closing = renderer.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(stdout.text).toBe('');
    congested = false;
    clear();
    await closing;
    expect(stdout.text).toBe('---------------- a (1 host) exit 0\nv1.2\n');
  });

  it('stores an output shared by many hosts once, and spills distinct ones to a private file it removes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-group-test-'));
    try {
      const store = new SpillStore(64, dir);
      const stdout = new StringSink();
      const renderer = new GroupRenderer({ stdout, stderr: new StringSink(), style: createStyle(false), quiet: true, store });
      const big = (tag: string): HostScript['output'] => [['stdout', `${tag}\n`.repeat(20)]];
      const scripts: HostScript[] = [
        ...['s1', 's2', 's3', 's4'].map((host) => ({ host, output: big('same') })),
        { host: 'd1', output: big('one') },
        { host: 'd2', output: big('two') },
      ];
      for (const event of recordRun('x', scripts)) renderer.onEvent(event);
      // 'same' (100 bytes) exceeds the 64-byte budget already: every distinct text is on disk.
      expect(store.heldBytes).toBe(0);
      const spillDirs = readdirSync(dir);
      expect(spillDirs).toHaveLength(1);
      await renderer.close();
      expect(stdout.text).toBe(
        '---------------- s[1-4] (4 hosts) exit 0\n' + 'same\n'.repeat(20) +
          '---------------- d1 (1 host) exit 0\n' + 'one\n'.repeat(20) +
          '---------------- d2 (1 host) exit 0\n' + 'two\n'.repeat(20),
      );
      expect(existsSync(join(dir, spillDirs[0] as string))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells no output from one empty line', async () => {
    const { out } = await render(recordRun('x', [{ host: 'quiet' }, { host: 'blank', output: [['stdout', '\n']] }]));
    expect(out).toBe('---------------- quiet (1 host) exit 0\n' + '---------------- blank (1 host) exit 0\n\n');
  });

  it('groups a steps run by each host\'s whole output, ending it with its last step', () => {
    const step = (index: number): { index: number; name: string } => ({ index, name: `s${index}` });
    const events: FleetEvent[] = [];
    for (const event of recordRun('run', [{ host: 'a', output: [['stdout', 'one\n']] }, { host: 'b', output: [['stdout', 'one\n']] }])) {
      if (event.type === 'summary') continue;
      events.push(event.type === 'exit' ? { ...event, step: step(0) } : event);
    }
    events.push({ type: 'stdout', host: 'a', data: 'two\n' });
    events.push({ type: 'exit', host: 'a', status: 'ok', exitCode: 0, signal: null, durationMs: 5, step: step(1) });
    events.push({ type: 'stdout', host: 'b', data: 'two\n' });
    events.push({ type: 'exit', host: 'b', status: 'failed', exitCode: 3, signal: null, durationMs: 5, step: step(1) });
    const { renderer, stdout } = setup(true);
    for (const event of events) renderer.onEvent(event);
    expect(renderer.groups()).toEqual([
      { hosts: ['a'], outcome: 'exit 0', lines: ['one', 'two'], stderr: [] },
      { hosts: ['b'], outcome: 'exit 3', lines: ['one', 'two'], stderr: [] },
    ]);
    expect(stdout.text).toBe('');
  });
});

describe('outcomeLabel', () => {
  it('names how a host ended', () => {
    expect(outcomeLabel({ status: 'ok', exitCode: 0, signal: null })).toBe('exit 0');
    expect(outcomeLabel({ status: 'failed', exitCode: 127, signal: null })).toBe('exit 127');
    expect(outcomeLabel({ status: 'failed', exitCode: null, signal: 'TERM' })).toBe('signal TERM');
    expect(outcomeLabel({ status: 'auth', exitCode: null, signal: null, error: { code: 'FLEET_AUTH_FAILED', message: 'denied' } })).toBe('auth');
  });
});
