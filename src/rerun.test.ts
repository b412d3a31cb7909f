import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRerunFile, readRerunFile, writeRerunFile, type RerunRecord } from './rerun.js';
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

  it('lives in $XDG_CACHE_HOME/fleet, else ~/.cache/fleet (a relative XDG path is ignored)', () => {
    expect(defaultRerunFile({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/u')).toBe('/var/cache/me/fleet/last-failed');
    expect(defaultRerunFile({}, '/home/u')).toBe('/home/u/.cache/fleet/last-failed');
    expect(defaultRerunFile({ XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.cache/fleet/last-failed');
  });
});
