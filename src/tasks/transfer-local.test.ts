import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { checkLocalTarget, checkPathComponent, ensureLocalDir, openLocalTemp } from './transfer-local.js';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: unknown) => (e as FleetError).code);

describe('checkPathComponent', () => {
  it.each(['', '.', '..', '../x', '/etc/passwd', 'a/b', 'x\u0000y', '/'])('refuses %j as FLEET_UNSAFE_PATH naming the host', (name) => {
    let error: unknown;
    try {
      checkPathComponent(name, 'web1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FLEET_UNSAFE_PATH');
    expect((error as FleetError).message).toContain('web1');
  });

  it.each(['file.txt', '.hidden', '..dots..', 'with space', 'ünïcode', 'a\\b', '-dash'])('accepts %j', (name) => {
    expect(checkPathComponent(name, 'h')).toBe(name);
  });
});

describe('local path safety', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-local-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ensureLocalDir creates a missing directory, accepts a real one, refuses a symlink or a file', async () => {
    await ensureLocalDir(join(dir, 'new'), 'h');
    expect(lstatSync(join(dir, 'new')).isDirectory()).toBe(true);
    await ensureLocalDir(join(dir, 'new'), 'h');
    mkdirSync(join(dir, 'target'));
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    expect(await codeOf(ensureLocalDir(join(dir, 'link'), 'h'))).toBe('FLEET_UNSAFE_PATH');
    writeFileSync(join(dir, 'file'), '');
    expect(await codeOf(ensureLocalDir(join(dir, 'file'), 'h'))).toBe('FLEET_UNSAFE_PATH');
    expect(await codeOf(ensureLocalDir(join(dir, 'missing', 'deeper'), 'h'))).toBe('FLEET_LOCAL_IO');
  });

  it('checkLocalTarget: absent or a regular file is fine; a symlink (even dangling) or a directory is refused', async () => {
    expect(await checkLocalTarget(join(dir, 'none'), 'h')).toBe('absent');
    writeFileSync(join(dir, 'f'), 'x');
    expect(await checkLocalTarget(join(dir, 'f'), 'h')).toBe('file');
    symlinkSync(join(dir, 'f'), join(dir, 'to-file'));
    symlinkSync('/nonexistent/x', join(dir, 'dangling'));
    expect(await codeOf(checkLocalTarget(join(dir, 'to-file'), 'h'))).toBe('FLEET_UNSAFE_PATH');
    expect(await codeOf(checkLocalTarget(join(dir, 'dangling'), 'h'))).toBe('FLEET_UNSAFE_PATH');
    expect(await codeOf(checkLocalTarget(dir, 'h'))).toBe('FLEET_UNSAFE_PATH');
  });

  it('openLocalTemp makes a new 0600 file beside the target, named .NAME.fleet-*, never through a symlink', async () => {
    const { path, handle } = await openLocalTemp(dir, 'data.bin', 'h');
    await handle.close();
    expect(path.startsWith(join(dir, '.data.bin.fleet-'))).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
