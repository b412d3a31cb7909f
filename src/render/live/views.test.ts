import { describe, expect, it } from 'vitest';
import type { HostRef } from '../../events.js';
import { HostBoard } from './host-board.js';
import type { TaskHandle } from './listr-setup.js';
import { CompactView, RowsView, type LiveView } from './views.js';

const refs = (names: string[]): HostRef[] => names.map((host) => ({ host, address: host, port: 22, user: 'u' }));

/** Stands in for listr2's task wrapper; records what the view draws. */
class FakeHandle implements TaskHandle {
  titles: string[] = [];
  outputs: string[] = [];
  skipped: string[] = [];
  set title(value: string | unknown[]) {
    this.titles.push(String(Array.isArray(value) ? value[1] : value));
  }
  get title(): string {
    return this.titles.at(-1) ?? '';
  }
  set output(value: string | unknown[]) {
    this.outputs.push(String(Array.isArray(value) ? value[1] : value));
  }
  get output(): string {
    return this.outputs.at(-1) ?? '';
  }
  skip(_format?: string, message?: unknown): void {
    this.skipped.push(String(message));
  }
}

function startTask(view: LiveView, index: number, handle: FakeHandle): Promise<unknown> {
  const task = view.tasks[index]?.task;
  if (!task) throw new Error('no task');
  return Promise.resolve(task(undefined, handle as never));
}

describe('CompactView', () => {
  it('redraws on ticks only, however many events arrive between them', async () => {
    let now = 0;
    const board = new HostBoard(refs(['a', 'b', 'c']));
    const view: LiveView = new CompactView(board, () => now, 100, 'x');
    expect(view.intervalMs).toBe(100);
    const handle = new FakeHandle();
    const done = startTask(view, 0, handle);
    expect(handle.outputs).toHaveLength(1);

    for (const host of ['a', 'b']) {
      const at = board.applyState({ type: 'host_state', host, state: 'running', t: 0 });
      if (at) view.changed(at, 0);
    }
    expect(handle.outputs).toHaveLength(1);
    now = 100;
    view.tick();
    expect(handle.outputs).toHaveLength(2);
    expect(handle.outputs[1]).toContain('running 2');

    for (const host of ['a', 'b', 'c']) {
      const at = board.applyExit({ type: 'exit', host, status: 'ok', exitCode: 0, signal: null, durationMs: 5 });
      if (at) view.changed(at, 0);
    }
    view.tick();
    const drawn = handle.outputs.length;
    view.tick();
    expect(handle.outputs).toHaveLength(drawn);
    view.finish();
    await expect(done).resolves.toBeUndefined();
  });

  it('fails its task (red) when any host failed', async () => {
    const board = new HostBoard(refs(['a']));
    const view = new CompactView(board, () => 0, 100, 'x');
    const done = startTask(view, 0, new FakeHandle());
    board.applyExit({ type: 'exit', host: 'a', status: 'failed', exitCode: 1, signal: null, durationMs: 5 });
    view.finish();
    await expect(done).rejects.toThrow('1/1 hosts');
  });
});

describe('RowsView', () => {
  it('ticks refresh elapsed time of hosts in flight only', () => {
    let now = 0;
    const board = new HostBoard(refs(['a', 'b', 'c']));
    const view = new RowsView(board, () => now, 1_000);
    const handles = [new FakeHandle(), new FakeHandle(), new FakeHandle()];
    handles.forEach((h, i) => void startTask(view, i, h).catch(() => {}));
    const a = board.applyState({ type: 'host_state', host: 'a', state: 'running', t: 0 });
    if (a) view.changed(a, 0);
    const b = board.applyExit({ type: 'exit', host: 'b', status: 'ok', exitCode: 0, signal: null, durationMs: 5 });
    if (b) view.changed(b, 0);
    now = 2_000;
    view.tick();
    expect(handles[0]?.titles).toEqual(['a  running        0ms', 'a  running        2s']);
    expect(handles[1]?.titles).toEqual(['b  exit 0         5ms']);
    expect(handles[2]?.titles).toEqual([]);
    view.finish();
  });
});
