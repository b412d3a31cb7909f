import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeeperLog, KEEPER_LOG_MAX_BYTES, keeperLogMaxBytes } from './keeper-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-keeper-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keeper log', () => {
  it('rotates before a line would take the file past the bound, keeping one old file', () => {
    const file = path.join(dir, 'keeper.log');
    const log = createKeeperLog(file, 200);
    for (let i = 0; i < 10; i += 1) log(`line ${i} ${'x'.repeat(40)}`);
    const current = readFileSync(file, 'utf8');
    const old = readFileSync(`${file}.1`, 'utf8');
    expect(statSync(file).size).toBeLessThanOrEqual(200);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(200);
    expect(existsSync(`${file}.2`)).toBe(false);
    expect(current).toMatch(/line 9 x+\n$/);
    const numbers = [...(old + current).matchAll(/line (\d)/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(numbers.slice().sort());
    expect(numbers.at(-1)).toBe(9);
  });

  it('creates the file 0600 and narrows one left readable by others', () => {
    const file = path.join(dir, 'keeper.log');
    createKeeperLog(file, 1000)('first');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    createKeeperLog(file, 1000)('second');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never creates its directory', () => {
    const gone = path.join(dir, 'removed');
    createKeeperLog(path.join(gone, 'keeper.log'), 1000)('a line');
    expect(existsSync(gone)).toBe(false);
  });

  it('does not write through a symlink in place of the log', () => {
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, '');
    const file = path.join(dir, 'keeper.log');
    symlinkSync(target, file);
    createKeeperLog(file, 1000)('a line');
    expect(readFileSync(target, 'utf8')).toBe('');
  });

  it('takes FLEET_KEEPER_LOG_MAX_BYTES (tests) when it is a positive integer, else 1 MiB', () => {
    expect(keeperLogMaxBytes({})).toBe(KEEPER_LOG_MAX_BYTES);
    expect(KEEPER_LOG_MAX_BYTES).toBe(1024 * 1024);
    expect(keeperLogMaxBytes({ FLEET_KEEPER_LOG_MAX_BYTES: '4096' })).toBe(4096);
    for (const bad of ['', '0', '-5', '1.5', 'lots']) expect(keeperLogMaxBytes({ FLEET_KEEPER_LOG_MAX_BYTES: bad })).toBe(KEEPER_LOG_MAX_BYTES);
  });
});
