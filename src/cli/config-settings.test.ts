import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCommonOptions } from './common-options.js';
import { applyConfig } from './config-settings.js';
import type { CliIo } from './io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-config-'));
  await mkdir(path.join(dir, 'home'));
  await writeFile(path.join(dir, 'fleet.yaml'), 'persist: 60s\nmax_connections: 200\nforks: 9\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const io = (env: Record<string, string | undefined>): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env, cwd: dir });

describe('applyConfig', () => {
  it('sets flags the user did not give, from the file (persist and max_connections included)', async () => {
    const command = addCommonOptions(new Command('exec'));
    command.parse(['--output', 'stream'], { from: 'user' });
    const env: Record<string, string | undefined> = { HOME: path.join(dir, 'home') };
    await applyConfig(command, io(env));
    expect(command.opts()).toMatchObject({ forks: '9', output: 'stream' });
    expect(command.getOptionValueSource('forks')).toBe('config');
    expect(command.opts()).toMatchObject({ persist: '60s', maxConnections: '200' });
    expect(command.getOptionValueSource('persist')).toBe('config');
  });

  it('a set FLEET_* variable wins over the file and is left as it is', async () => {
    const command = addCommonOptions(new Command('exec'));
    command.parse([], { from: 'user' });
    const env: Record<string, string | undefined> = { HOME: path.join(dir, 'home'), FLEET_PERSIST: '0', FLEET_FORKS: '4' };
    await applyConfig(command, io(env));
    expect(command.opts()).toMatchObject({ forks: '4' });
    expect(env['FLEET_PERSIST']).toBe('0');
  });
});
