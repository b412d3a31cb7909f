import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keeperStatus, stopKeeper } from './keeper-transport.js';

describe('asking a keeper that never ran', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('status and stop answer "not running" and create no keeper directory', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'fleet-keeper-absent-'));
    made.push(parent);
    const env = { FLEET_KEEPER_DIR: path.join(parent, 'keeper') };
    expect(await keeperStatus(env)).toBeUndefined();
    expect(await stopKeeper(env)).toBe(false);
    expect(existsSync(env.FLEET_KEEPER_DIR)).toBe(false);
  });
});
