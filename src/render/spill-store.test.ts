import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpillStore } from './spill-store.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SpillStore', () => {
  it('keeps texts in memory up to its budget, then in a 0600 file, and reads both back exactly', () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-spill-test-'));
    const store = new SpillStore(10, dir);
    const a = store.put('héllo'); // 6 bytes: in memory
    const b = store.put('wörld!'); // 7 more: over the budget, to disk
    const c = store.put('');
    expect(a).toEqual({ text: 'héllo' });
    expect(b).toEqual({ offset: 0, bytes: 7 });
    expect(store.heldBytes).toBe(6);
    expect([store.read(a), store.read(b), store.read(c)]).toEqual(['héllo', 'wörld!', '']);
    const [spillDir] = readdirSync(dir);
    expect(statSync(join(dir, spillDir as string)).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, spillDir as string, 'spill')).mode & 0o777).toBe(0o600);
    store.drop(a);
    expect(store.heldBytes).toBe(0);
    store.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('makes no file while everything fits', () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-spill-test-'));
    const store = new SpillStore(100, dir);
    store.put('x'.repeat(100));
    store.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
