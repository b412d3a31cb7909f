import { describe, expect, it } from 'vitest';
import type { HostRef } from '../../events.js';
import { formatCompact } from './compact.js';
import { HostBoard } from './host-board.js';

const refs = (names: string[]): HostRef[] => names.map((host) => ({ host, address: host, port: 22, user: 'u' }));

describe('formatCompact', () => {
  it('shows progress, hosts per gate, results, slowest in flight and failures', () => {
    const board = new HostBoard(refs(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8']));
    board.applyExit({ type: 'exit', host: 'h1', status: 'ok', exitCode: 0, signal: null, durationMs: 100 });
    board.applyExit({ type: 'exit', host: 'h2', status: 'unreachable', exitCode: null, signal: null, durationMs: 40, error: { code: 'FLEET_CONNECT_REFUSED', message: 'refused' } });
    board.applyState({ type: 'host_state', host: 'h3', state: 'running', t: 0 });
    board.applyState({ type: 'host_state', host: 'h4', state: 'connecting', t: 1_700 });
    board.applyState({ type: 'host_state', host: 'h5', state: 'authenticated', t: 500 });

    const frame = formatCompact(board, 2_000, 'exec uptime');
    expect(frame.title).toBe('exec uptime  [#####---------------] 2/8 hosts  25%  2s');
    expect(frame.body.split('\n')).toEqual([
      'queued 3  connecting 1  authenticated 1  running 1',
      'done: 1 ok, 1 unreachable',
      'slowest:',
      '  h3  running        2s',
      '  h5  authenticated  1.5s',
      '  h4  connecting     300ms',
      'failures (1):',
      '  h2  unreachable    40ms  FLEET_CONNECT_REFUSED: refused',
    ]);
  });

  it('stays bounded: top 5 slowest and the latest 5 of many failures', () => {
    const names = Array.from({ length: 30 }, (_, i) => `n${i + 1}`);
    const board = new HostBoard(refs(names));
    names.slice(0, 12).forEach((host, i) => {
      board.applyExit({ type: 'exit', host, status: 'failed', exitCode: 1, signal: null, durationMs: i });
    });
    names.slice(12, 20).forEach((host, i) => board.applyState({ type: 'host_state', host, state: 'running', t: i * 10 }));
    const lines = formatCompact(board, 1_000, 'x').body.split('\n');
    expect(lines.length).toBeLessThanOrEqual(16);
    const slowest = lines.slice(lines.indexOf('slowest:') + 1, lines.indexOf('slowest:') + 6).map((l) => l.trim().split(' ')[0]);
    expect(slowest).toEqual(['n13', 'n14', 'n15', 'n16', 'n17']);
    const failures = lines.slice(lines.indexOf('failures (12, latest 5):') + 1).map((l) => l.trim().split(' ')[0]);
    expect(failures).toEqual(['n8', 'n9', 'n10', 'n11', 'n12']);
  });

  it('reaches 100% only when every host is done, and says so with nothing in flight', () => {
    const board = new HostBoard(refs(['a', 'b', 'c']));
    board.applyExit({ type: 'exit', host: 'a', status: 'ok', exitCode: 0, signal: null, durationMs: 1 });
    board.applyExit({ type: 'exit', host: 'b', status: 'ok', exitCode: 0, signal: null, durationMs: 1 });
    expect(formatCompact(board, 10, 'x').title).toContain('2/3 hosts  66%');
    board.applyExit({ type: 'exit', host: 'c', status: 'ok', exitCode: 0, signal: null, durationMs: 1 });
    const done = formatCompact(board, 10, 'x');
    expect(done.title).toBe('x  [####################] 3/3 hosts  100%  10ms');
    expect(done.body).toBe('queued 0  connecting 0  authenticated 0  running 0\ndone: 3 ok');
  });
});
