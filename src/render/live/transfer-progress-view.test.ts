import { describe, expect, it } from 'vitest';
import type { FleetEvent, HostRef } from '../../events.js';
import { formatCompact } from './compact.js';
import { HostBoard } from './host-board.js';

const refs = (names: string[]): HostRef[] => names.map((host) => ({ host, address: host, port: 22, user: 'u' }));
const progress = (host: string, bytes: number, rate: number, etaMs: number | null): Extract<FleetEvent, { type: 'transfer_progress' }> => ({
  type: 'transfer_progress',
  host,
  bytes,
  totalBytes: 64 * 1024 * 1024,
  files: 0,
  totalFiles: 1,
  rate,
  etaMs,
});

describe('transfer progress in the live view', () => {
  it('shows bytes, rate and ETA on a running host row, and the bytes moved once it ends', () => {
    const board = new HostBoard(refs(['a', 'bb']));
    board.applyState({ type: 'host_state', host: 'a', state: 'running', t: 0 });
    const a = board.applyProgress(progress('a', 16 * 1024 * 1024, 32 * 1024 * 1024, 1500));
    if (!a) throw new Error('no host');
    expect(board.titleOf(a, 500)).toBe('a   running        500ms  16.0 MiB/64.0 MiB  32.0 MiB/s  ETA 1.5s');
    board.applyExit({ type: 'exit', host: 'a', status: 'ok', exitCode: null, signal: null, durationMs: 2000 });
    expect(board.titleOf(a, 9999)).toBe('a   ok             2s  16.0 MiB');
    // Progress after the exit is ignored; unknown hosts too.
    expect(board.applyProgress(progress('a', 1, 1, null))).toBeUndefined();
    expect(board.applyProgress(progress('ghost', 1, 1, null))).toBeUndefined();
  });

  it('adds the transfer totals to the compact frame', () => {
    const board = new HostBoard(refs(['a', 'b']));
    board.applyProgress(progress('a', 1024 * 1024, 1024 * 1024, null));
    board.applyProgress(progress('b', 3 * 1024 * 1024, 2 * 1024 * 1024, null));
    expect(formatCompact(board, 0, 'put').body.split('\n')).toContain('transferred: 4.0 MiB of 128.0 MiB  3.0 MiB/s');
  });
});
