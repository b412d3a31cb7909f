import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { recordRun, type HostScript } from './__fixtures__/run-events.js';
import { GroupRenderer, outcomeLabel } from './group.js';
import { StringSink } from './renderer.js';
import { createStyle } from './style.js';

function setup(quiet = false): { renderer: GroupRenderer; stdout: StringSink; stderr: StringSink } {
  const stdout = new StringSink();
  const stderr = new StringSink();
  return { renderer: new GroupRenderer({ stdout, stderr, style: createStyle(false), quiet }), stdout, stderr };
}

function render(events: FleetEvent[], quiet = false): { out: string; err: string } {
  const { renderer, stdout, stderr } = setup(quiet);
  for (const event of events) renderer.onEvent(event);
  return { out: stdout.text, err: stderr.text };
}

const same = (host: string): HostScript => ({ host, output: [['stdout', 'v1.2\n']] });
const unreachable: HostScript = { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_REFUSED', message: 'connection refused' } };

describe('GroupRenderer', () => {
  it('prints identical outputs once under a folded header, largest group first, errors only in the summary', () => {
    const events = recordRun('app --version', [
      same('web1'),
      same('web2'),
      { host: 'web3', output: [['stdout', 'v1.1\n']] },
      unreachable,
      same('web4'),
      same('web42'),
    ]);
    const { out, err } = render(events);
    expect(out).toBe(
      '---------------- web[1-2,4,42] (4 hosts) exit 0\n' + 'v1.2\n' + '---------------- web3 (1 host) exit 0\n' + 'v1.1\n',
    );
    expect(err).toBe(
      'summary: 6 hosts in 1.5s: 5 ok, 1 unreachable\n' + 'failed hosts (1):\n' + '  db1  unreachable  FLEET_CONNECT_REFUSED: connection refused\n',
    );
  });

  it('keeps hosts apart when the output matches but the exit status does not', () => {
    const { out } = render(recordRun('x', [same('a1'), { host: 'a2', output: [['stdout', 'v1.2\n']], exitCode: 1 }, same('a3')]));
    expect(out).toBe('---------------- a[1,3] (2 hosts) exit 0\nv1.2\n' + '---------------- a2 (1 host) exit 1\nv1.2\n');
  });

  it('orders groups of equal size by inventory order, not by name', () => {
    const hosts: HostScript[] = ['zeta', 'alpha', 'mid'].map((host) => ({ host, output: [['stdout', `${host}\n`]] }));
    const headers = render(recordRun('x', hosts)).out.split('\n').filter((l) => l.startsWith('-'));
    expect(headers).toEqual(['---------------- zeta (1 host) exit 0', '---------------- alpha (1 host) exit 0', '---------------- mid (1 host) exit 0']);
  });

  it('merges a host\'s stdout and stderr line by line in arrival order', () => {
    const output: HostScript['output'] = [
      ['stdout', 'out-1\nout-'],
      ['stderr', 'err-1\n'],
      ['stdout', '2\n'],
      ['stderr', 'err-2 no newline'],
    ];
    expect(render(recordRun('x', [{ host: 'h1', output }])).out).toBe('---------------- h1 (1 host) exit 0\nout-1\nerr-1\nout-2\nerr-2 no newline\n');
  });

  it('shows the partial output of a host with an error, labelled by its status', () => {
    const timedOut: HostScript = { host: 'slow1', output: [['stdout', 'step 1\n']], status: 'timeout', error: { code: 'FLEET_TIMEOUT', message: 'timed out after 5s' } };
    const { out, err } = render(recordRun('x', [timedOut, unreachable]));
    expect(out).toBe('---------------- slow1 (1 host) timeout\nstep 1\n');
    expect(err).toContain('  slow1  timeout      FLEET_TIMEOUT: timed out after 5s\n');
  });

  it('labels a command killed by a signal, and a silent success with its header only', () => {
    const killed: HostScript = { host: 'k1', output: [['stdout', 'x\n']], status: 'failed', exitCode: null, signal: 'KILL' };
    expect(render(recordRun('x', [{ host: 'q1' }, killed])).out).toBe('---------------- q1 (1 host) exit 0\n' + '---------------- k1 (1 host) signal KILL\nx\n');
  });

  it('escapes remote control characters per line and trims CRLF, keeping tabs', () => {
    const { out } = render(recordRun('x', [{ host: 'h1', output: [['stdout', 'a\tb\r\n\u001b]0;title\u0007\n\u009b2J\n']] }]));
    expect(out).toBe('---------------- h1 (1 host) exit 0\na\tb\n\\x1b]0;title\\x07\n\\x9b2J\n');
  });

  it('groups binary output by its bytes and shows bytes that are not UTF-8 as \\xNN', () => {
    const bin = (bytes: number[]): HostScript['output'] => [['stdout', Buffer.from(bytes).toString('base64'), 'base64']];
    const { out } = render(recordRun('x', [{ host: 'b1', output: bin([0xff, 0x0a]) }, { host: 'b2', output: bin([0xff, 0x0a]) }, { host: 'b3', output: bin([0xfe, 0x0a]) }]));
    expect(out).toBe('---------------- b[1-2] (2 hosts) exit 0\n\\xff\n' + '---------------- b3 (1 host) exit 0\n\\xfe\n');
  });

  it('prints no summary when quiet', () => {
    const { out, err } = render(recordRun('x', [same('a'), unreachable]), true);
    expect(out).toBe('---------------- a (1 host) exit 0\nv1.2\n');
    expect(err).toBe('');
  });

  it('prints the groups once: at the summary, or at close when no summary came', async () => {
    const events = recordRun('x', [same('a')]);
    const withSummary = setup();
    for (const event of events) withSummary.renderer.onEvent(event);
    await withSummary.renderer.close();
    expect(withSummary.stdout.text).toBe('---------------- a (1 host) exit 0\nv1.2\n');

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
    expect(renderer.groups()).toEqual([{ hosts: ['a'], outcome: 'exit 0', lines: ['v1.2'] }]);
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
