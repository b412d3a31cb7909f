import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StringSink } from '../../internal.js';
import type { CliIo } from '../io.js';
import { parseByteSize, parseEnv, parseExecSettings, parseHostCount, type ExecCommandOptions } from './exec-options.js';
import { tempDir } from '../../../test/support/temp-dir.js';

const usage = expect.objectContaining({ code: 'FLEET_USAGE' });

function io(over: Partial<CliIo> = {}): CliIo {
  return { stdout: new StringSink(), stderr: new StringSink(), env: {}, cwd: os.tmpdir(), ...over };
}
const base = { forks: '50', output: 'stream', color: false, failOn: 'any' } as ExecCommandOptions;

describe('parseByteSize', () => {
  it.each([
    ['1MiB', 1048576],
    ['512k', 524288],
    ['64KB', 65536],
    ['2m', 2097152],
    ['1048576', 1048576],
    ['0', 0],
    ['1.5k', 1536],
    ['1 GiB', 1073741824],
  ])('%s → %i', (text, bytes) => expect(parseByteSize(text, '--max-output')).toBe(bytes));
  it.each(['', 'k', '1x', '-1', '1TiB', 'lots'])('rejects %j', (text) => expect(() => parseByteSize(text, '--max-output')).toThrow(usage));
});

describe('parseHostCount', () => {
  it('takes counts and percentages', () => {
    expect(parseHostCount('3', '--batch', 1)).toBe(3);
    expect(parseHostCount('25%', '--batch', 1)).toBe('25%');
    expect(parseHostCount('0', '--max-fail', 0)).toBe(0);
    expect(parseHostCount('0%', '--max-fail', 0)).toBe('0%');
  });
  it.each([['0', 1], ['0%', 1], ['101%', 0], ['x', 0], ['-1', 0]])('rejects %j (min %i)', (text, min) =>
    expect(() => parseHostCount(text, '--batch', min)).toThrow(usage),
  );
});

describe('parseEnv', () => {
  it('splits at the first =, later names win, values may hold anything', () => {
    expect(parseEnv(['A=1', `B='$x;|&"=y`, 'A=2', 'EMPTY='])).toEqual({ A: '2', B: `'$x;|&"=y`, EMPTY: '' });
  });
  it.each(['A', '=1', '1A=x', 'A-B=x'])('rejects %j', (pair) => expect(() => parseEnv([pair])).toThrow(usage));
});

describe('parseExecSettings', () => {
  it('reads the sudo password from the named env var and never from argv; a missing one is a usage error naming the var only', async () => {
    expect(await parseExecSettings({ ...base, sudoPasswordEnv: 'PW' }, io({ env: { PW: 'hunter2' } }))).toEqual({ sudo: { password: 'hunter2' } });
    expect(await parseExecSettings({ ...base, sudo: true }, io())).toEqual({ sudo: { password: undefined } });
    await expect(parseExecSettings({ ...base, sudoPasswordEnv: 'PW' }, io())).rejects.toThrow(/PW/);
  });

  it('reads --stdin once, from a file or from our stdin', async () => {
    const dir = tempDir('fleet-stdin-');
    await writeFile(path.join(dir, 'in.bin'), Buffer.from([0, 1, 255]));
    const fromFile = await parseExecSettings({ ...base, stdin: 'in.bin' }, io({ cwd: dir }));
    expect([...(fromFile.stdin as Buffer)]).toEqual([0, 1, 255]);
    const fromStdin = await parseExecSettings({ ...base, stdin: '-' }, io({ stdin: Readable.from([Buffer.from('a'), Buffer.from('b')]) }));
    expect((fromStdin.stdin as Buffer).toString()).toBe('ab');
    await expect(parseExecSettings({ ...base, stdin: 'missing' }, io({ cwd: dir }))).rejects.toThrow(usage);
  });

  it('maps the rest of the flags', async () => {
    const settings = await parseExecSettings({ ...base, pty: true, env: ['A=1'], cwd: '/srv', maxOutput: '512k', batch: '10%', maxFail: '2', canary: '1' }, io());
    expect(settings).toEqual({ pty: true, env: { A: '1' }, cwd: '/srv', maxOutputBytes: 524288, batch: '10%', maxFail: 2, canary: 1 });
  });
});
