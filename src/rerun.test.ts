import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRerunFile, rerunFileFor, selectionMismatch, writeRerunFile, type RerunRecord } from './rerun.js';
import { tempDir } from '../test/support/temp-dir.js';

const record: RerunRecord = {
  hosts: ['web03', 'db1'],
  command: "echo 'two\nlines' # and a comment",
  written: '2025-01-01T12:00:00.000Z',
  inventory: ['/etc/fleet/hosts.yaml', '/tmp/more hosts.yaml'],
  adHoc: 'a,b',
  limit: 'web*:!web01',
};

describe('rerun file', () => {
  it('writes the documented format, and reads back what it wrote', async () => {
    const dir = tempDir('fleet-rerun-');
    const file = path.join(dir, 'nested', 'last-failed');
    await writeRerunFile(file, record);
    expect(await readFile(file, 'utf8')).toBe(
      '# fleet rerun file: hosts that did not succeed in the last run, one per line\n' +
        '# written: "2025-01-01T12:00:00.000Z"\n' +
        '# command: "echo \'two\\nlines\' # and a comment"\n' +
        '# inventory: "/etc/fleet/hosts.yaml"\n' +
        '# inventory: "/tmp/more hosts.yaml"\n' +
        '# hosts: "a,b"\n' +
        '# limit: "web*:!web01"\n' +
        'web03\n' +
        'db1\n',
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readRerunFile(file)).toEqual(record);
  });

  it('records an all-ok run as no hosts', async () => {
    const dir = tempDir('fleet-rerun-');
    const file = path.join(dir, 'last-failed');
    await writeRerunFile(file, { ...record, hosts: [], adHoc: undefined, limit: undefined });
    expect((await readRerunFile(file)).hosts).toEqual([]);
  });

  it('a missing or foreign file is a usage error (exit 2)', async () => {
    const dir = tempDir('fleet-rerun-');
    await expect(readRerunFile(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'FLEET_USAGE' });
    const foreign = path.join(dir, 'foreign');
    await writeFile(foreign, 'web01\n');
    await expect(readRerunFile(foreign)).rejects.toMatchObject({ code: 'FLEET_USAGE' });
  });

  it('lives in $XDG_CACHE_HOME/fleet/rerun, else ~/.cache/fleet/rerun (a relative XDG path is ignored)', () => {
    const sel = { inventory: ['/etc/fleet/hosts.yaml'] };
    expect(rerunFileFor({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/u', sel)).toMatch(/^\/var\/cache\/me\/fleet\/rerun\/[0-9a-f]{20}$/);
    expect(rerunFileFor({}, '/home/u', sel)).toMatch(/^\/home\/u\/\.cache\/fleet\/rerun\/[0-9a-f]{20}$/);
    expect(rerunFileFor({ XDG_CACHE_HOME: 'rel' }, '/home/u', sel)).toMatch(/^\/home\/u\/\.cache\/fleet\/rerun\//);
  });

  it('one file per selection: inventory paths, -H and -l each make their own', () => {
    const file = (inventory: string[], adHoc?: string, limit?: string): string => rerunFileFor({}, '/h', { inventory, adHoc, limit });
    const base = file(['/a.yaml']);
    expect(file(['/a.yaml'])).toBe(base);
    expect(file(['/a.yaml'], undefined, ' web ')).toBe(file(['/a.yaml'], undefined, 'web'));
    const others = [file(['/b.yaml']), file(['/a.yaml', '/b.yaml']), file(['/a.yaml'], 'x'), file(['/a.yaml'], undefined, 'web'), file([], 'x')];
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('says how a recorded selection differs from the current one', () => {
    const rec = { inventory: ['/a.yaml'], limit: 'web' };
    expect(selectionMismatch(rec, { inventory: ['/a.yaml'], limit: 'web' }, true)).toBeUndefined();
    expect(selectionMismatch(rec, { inventory: ['/b.yaml'], limit: 'web' }, true)).toMatch(/inventory "\/a\.yaml", not "\/b\.yaml"/);
    expect(selectionMismatch(rec, { inventory: ['/a.yaml'] }, true)).toMatch(/-l "web", not none/);
    expect(selectionMismatch(rec, { inventory: ['/a.yaml'] }, false)).toBeUndefined();
  });

  it('concurrent writers of one file never leave a mixed or partial file, nor a temp file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-rerun-'));
    const file = path.join(dir, 'f');
    const writers = Array.from({ length: 20 }, (_, i) => ({ ...record, hosts: Array.from({ length: 500 }, (_, j) => `w${i}-h${j}`) }));
    await Promise.all(writers.map((w) => writeRerunFile(file, w)));
    const back = await readRerunFile(file);
    expect(writers.map((w) => w.hosts)).toContainEqual(back.hosts);
    expect(await readdir(dir)).toEqual(['f']);
    await rm(dir, { recursive: true });
  });
});
