import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { StringSink } from '../render/renderer.js';
import type { CommonOptions } from './common-options.js';
import { chooseRenderer } from './renderer-choice.js';

const tty = () => ({ stdout: Object.assign(new StringSink(), { isTTY: true, columns: 100 }), stderr: new StringSink(), env: { TERM: 'xterm' }, cwd: '/' });
const options = (verbose: number): CommonOptions => ({ forks: '50', output: 'auto', color: false, verbose });

describe('chooseRenderer with -v', () => {
  it('on a terminal, auto means stream (no live view to break), and phases go to stderr', async () => {
    const io = tty();
    const renderer = await chooseRenderer(options(1), io);
    const events: FleetEvent[] = [
      { type: 'host_phase', host: 'web01', phase: 'tcp', durationMs: 1.25, t: 2 },
      { type: 'stdout', host: 'web01', data: 'hello\n' },
    ];
    for (const e of events) renderer.onEvent(e);
    await renderer.close();
    expect(io.stdout.text).toBe('web01 | hello\n');
    expect(io.stderr.text).toBe('web01  tcp      1.3ms\n');
  });
});
