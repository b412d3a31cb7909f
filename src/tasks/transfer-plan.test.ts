import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planPut } from './transfer-plan.js';

describe('planPut', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-plan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a tree parents first, with modes, sizes and symlinks as links', async () => {
    mkdirSync(join(dir, 't', 'b', 'c'), { recursive: true });
    writeFileSync(join(dir, 't', 'a.txt'), 'aaa');
    writeFileSync(join(dir, 't', 'b', 'c', 'd.txt'), 'd');
    chmodSync(join(dir, 't', 'a.txt'), 0o640);
    symlinkSync('a.txt', join(dir, 't', 'l'));
    const plan = await planPut([join(dir, 't')], { recursive: true });
    expect(plan).toMatchObject({ files: 2, bytes: 4 });
    const entries = plan.sources[0]?.entries.map((e) => [e.kind, e.rel, 'mode' in e ? (e.mode & 0o777).toString(8) : e.kind === 'symlink' ? e.target : '']);
    expect(entries).toEqual([
      ['dir', '', '755'],
      ['file', 'a.txt', '640'],
      ['dir', 'b', '755'],
      ['symlink', 'l', 'a.txt'],
      ['dir', 'b/c', '755'],
      ['file', 'b/c/d.txt', '644'],
    ]);
  });

  it('two sources with the same name are a usage error naming both, never a silent overwrite', async () => {
    for (const d of ['a', 'b', 'c/x']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'a', 'x'), '1');
    writeFileSync(join(dir, 'b', 'x'), '2');
    await expect(planPut(['a/x', 'b/x'], { recursive: false, cwd: dir })).rejects.toMatchObject({ code: 'FLEET_USAGE', message: expect.stringMatching(/a\/x and b\/x have the same name "x"/) });
    // A file and a directory of the same name clash the same way.
    await expect(planPut(['a/x', 'c/x'], { recursive: true, cwd: dir })).rejects.toMatchObject({ code: 'FLEET_USAGE' });
    expect((await planPut(['a/x'], { recursive: false, cwd: dir })).sources).toHaveLength(1);
  });

  it('is a usage error for a missing source or a directory without -r', async () => {
    await expect(planPut([join(dir, 'missing')], { recursive: false })).rejects.toMatchObject({ code: 'FLEET_USAGE' });
    await expect(planPut([dir], { recursive: false })).rejects.toMatchObject({ code: 'FLEET_USAGE', message: expect.stringContaining('use -r') });
    await expect(planPut([], { recursive: false })).rejects.toMatchObject({ code: 'FLEET_USAGE' });
  });

  it('follows a symlink named on the command line, resolving relative sources against cwd', async () => {
    writeFileSync(join(dir, 'real.txt'), 'x');
    symlinkSync(join(dir, 'real.txt'), join(dir, 'link.txt'));
    const plan = await planPut(['link.txt'], { recursive: false, cwd: dir });
    expect(plan.sources[0]).toMatchObject({ name: 'link.txt', kind: 'file', local: join(dir, 'link.txt') });
    expect(plan.bytes).toBe(1);
  });
});
