import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { recordRun } from './__fixtures__/run-events.js';
import { StringSink } from './renderer.js';
import { StreamRenderer } from './stream.js';
import { createStyle } from './style.js';

function render(events: FleetEvent[], quiet = false): { out: string; err: string } {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const renderer = new StreamRenderer({ stdout, stderr, style: createStyle(false), quiet });
  for (const event of events) renderer.onEvent(event);
  return { out: stdout.text, err: stderr.text };
}

const run = recordRun('uptime', [
  { host: 'web1', output: [['stdout', 'up 3 da'], ['stderr', 'warn: x\n'], ['stdout', 'ys\nload 0.1']] },
  { host: 'web10', output: [['stdout', 'crlf line\r\n']], exitCode: 2 },
  { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_REFUSED', message: 'connection refused' } },
]);

describe('StreamRenderer', () => {
  it('prefixes whole lines with the aligned host, stdout to stdout, and flushes an unfinished line at exit', () => {
    const { out } = render(run);
    expect(out).toBe('web1  | up 3 days\n' + 'web1  | load 0.1\n' + 'web10 | crlf line\n');
  });

  it('sends remote stderr, host errors and the closing summary to stderr', () => {
    const { err } = render(run);
    expect(err).toBe(
      'web1  | warn: x\n' +
        'db1   | unreachable: FLEET_CONNECT_REFUSED: connection refused\n' +
        'summary: 3 hosts in 1.5s: 1 ok, 1 failed, 1 unreachable\n' +
        'failed hosts (2):\n' +
        '  web10  failed       exit 2\n' +
        '  db1    unreachable  FLEET_CONNECT_REFUSED: connection refused\n',
    );
  });

  it('with quiet prints only remote output', () => {
    const { out, err } = render(run, true);
    expect(out).toBe('web1  | up 3 days\n' + 'web1  | load 0.1\n' + 'web10 | crlf line\n');
    expect(err).toBe('web1  | warn: x\n');
  });

  it('escapes control characters so a host cannot forge another host\'s line', () => {
    const { out } = render(recordRun('x', [{ host: 'a', output: [['stdout', 'evil\r\u001b[2Kb | forged\n\u009b2J\n']] }]));
    expect(out).toBe('a | evil\\x0d\\x1b[2Kb | forged\n' + 'a | \\x9b2J\n');
  });

  it('shows bytes that are not UTF-8 as \\xNN, never as raw bytes', () => {
    const bin = Buffer.from([0x62, 0x69, 0x6e, 0xff, 0x1b, 0x0a]).toString('base64');
    const { out } = render(recordRun('x', [{ host: 'a', output: [['stdout', bin, 'base64']] }]));
    expect(out).toBe('a | bin\\xff\\x1b\n');
  });

  it('aligns the host column on the names as printed (escaped)', () => {
    const { out } = render(recordRun('x', [{ host: 'a\u0007', output: [['stdout', '1\n']] }, { host: 'bbbb', output: [['stdout', '2\n']] }]));
    expect(out).toBe('a\\x07 | 1\n' + 'bbbb  | 2\n');
  });

  it('keeps each host\'s partial lines apart when chunks interleave', () => {
    const events: FleetEvent[] = [
      ...recordRun('x', [{ host: 'a' }, { host: 'b' }]).slice(0, 3),
      { type: 'stdout', host: 'a', data: 'hel' },
      { type: 'stdout', host: 'b', data: 'wor' },
      { type: 'stdout', host: 'a', data: 'lo\n' },
      { type: 'stdout', host: 'b', data: 'ld\n' },
    ];
    expect(render(events).out).toBe('a | hello\nb | world\n');
  });
});
