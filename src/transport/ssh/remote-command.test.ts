import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../shell-quote.js';
import { killCommand, PgidMarkerParser, wrapCommand } from './remote-command.js';

const run = promisify(execFile);
const MARK = '\x1efleet-pgid:4242\x1e\n';

function feed(parser: PgidMarkerParser, chunks: string[]): string {
  let out = '';
  for (const c of chunks) out += parser.push(Buffer.from(c, 'latin1')).toString('latin1');
  return out + parser.end().toString('latin1');
}

describe('PgidMarkerParser', () => {
  it('strips the report and yields the pgid, however the bytes are split', () => {
    const text = `${MARK}real stderr\n`;
    for (let cut = 0; cut <= text.length; cut += 1) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 7) {
        const seen: Array<number | undefined> = [];
        const parser = new PgidMarkerParser((pgid) => seen.push(pgid));
        expect(feed(parser, [text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)])).toBe('real stderr\n');
        expect(parser.pgid).toBe(4242);
        expect(seen).toEqual([4242]);
      }
    }
  });

  it('accepts the CR LF a pty produces', () => {
    const parser = new PgidMarkerParser();
    expect(feed(parser, ['\x1efleet-pgid:77\x1e\r', '\nhello'])).toBe('hello');
    expect(parser.pgid).toBe(77);
  });

  it.each([
    ['plain output', 'error: nope\n'],
    ['a lookalike', '\x1efleet-pgix:1\x1e\n'],
    ['no digits', '\x1efleet-pgid:\x1e\n'],
    ['pgid 1', '\x1efleet-pgid:1\x1e\n'],
    ['too many digits', '\x1efleet-pgid:12345678901\x1e\n'],
    ['garbage after', '\x1efleet-pgid:12\x1ex'],
    ['truncated', '\x1efleet-pg'],
  ])('passes %s through untouched', (_label, text) => {
    const seen: Array<number | undefined> = [];
    const parser = new PgidMarkerParser((pgid) => seen.push(pgid));
    expect(feed(parser, [text.slice(0, 3), text.slice(3)])).toBe(text);
    expect(parser.pgid).toBeUndefined();
    expect(seen).toEqual([undefined]);
  });

  it('delivers at once when the first byte already differs', () => {
    const parser = new PgidMarkerParser();
    expect(parser.push(Buffer.from('x')).toString()).toBe('x');
    expect(parser.done).toBe(true);
  });
});

describe('wrapCommand', () => {
  it('exports env safely and refuses bad names', () => {
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(wrapCommand('true', { A_1: `x'y` }).split('\n').slice(1)).toEqual([`export A_1='x'\\''y'`, 'true']);
    expect(() => wrapCommand('true', { 'A-B': '1' })).toThrow(expect.objectContaining({ code: 'FLEET_USAGE' }));
  });

  it('still KILLs a group that ignores TERM, after the grace', async () => {
    const child = spawn('/bin/sh', ['-c', wrapCommand("trap '' TERM; echo trapped; sleep 30 & wait")], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = await new Promise<number | undefined>((resolve) => {
      const parser = new PgidMarkerParser(resolve);
      child.stderr.on('data', (c: Buffer) => parser.push(c));
    });
    // The trap is set once the command says so (its output comes after the pgid marker).
    let stdout = '';
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        stdout += c.toString();
        if (stdout.includes('trapped\n')) resolve();
      };
      child.stdout.on('data', onData);
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const started = Date.now();
    await run('/bin/sh', ['-c', killCommand([pgid as number], 3)]);
    expect(await exited).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('refuses to build a kill for group 0 or 1', () => {
    expect(() => killCommand([1])).toThrow(expect.objectContaining({ code: 'FLEET_INTERNAL' }));
    expect(() => killCommand([0])).toThrow();
  });
});

// The shells sshd would run the wrapper with (sessions are setsid'd, as `detached` does here).
const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

describe.each(shells)('wrapper and kill under %s', (shell) => {
  it('reports its process group first, then runs the command with env', async () => {
    const child = spawn(shell, ['-c', wrapCommand('echo "out $GREETING"; echo err >&2; exit 3', { GREETING: `it's me` })], { detached: true });
    let stdout = '';
    let stderr = Buffer.alloc(0);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = Buffer.concat([stderr, c])));
    const code = await new Promise((resolve) => child.on('close', resolve));
    const parser = new PgidMarkerParser();
    const rest = Buffer.concat([parser.push(stderr), parser.end()]).toString();
    expect(parser.pgid).toBe(child.pid);
    expect(rest).toBe('err\n');
    expect(stdout).toBe(`out it's me\n`);
    expect(code).toBe(3);
  });

  it('kills the whole group, children included, and stays quiet', async () => {
    const child = spawn(shell, ['-c', wrapCommand('sleep 30 & sleep 30; wait')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    const pgid = await new Promise<number | undefined>((resolve) => {
      const parser = new PgidMarkerParser(resolve);
      child.stderr.on('data', (c: Buffer) => parser.push(c));
    });
    expect(pgid).toBe(child.pid);
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const { stdout, stderr } = await run(shell, ['-c', killCommand([pgid as number, 999_999])]);
    expect(stdout + stderr).toBe('');
    expect(await exited).toBe('SIGTERM');
    // Zombies may linger here (this sandbox's PID 1 reaps lazily); nothing may still run.
    const { stdout: ps } = await run('ps', ['-eo', 'pgid=,stat=']);
    const running = ps.split('\n').filter((l) => l.trim().split(/\s+/)[0] === String(pgid) && !l.includes('Z'));
    expect(running).toEqual([]);
  });
});
