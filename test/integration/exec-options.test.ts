/**
 * `fleet exec` options and output modes against the three sshd containers (c1..c3): each
 * output mode's exact format, sudo as the password user `tester`, pty, stdin fan-out, env, cwd,
 * quoting, --timeout really killing the remote command, escaping, the output cap, binary output.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { FleetEvent } from '../../src/events.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { StringSink } from '../../src/render/renderer.js';
import { truncationMarker } from '../../src/tasks/output-capture.js';
import { runCli, type CliRun } from '../support/cli.js';
import { sampleRetainedMemory } from '../support/retained-memory.js';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const sshd = inject('sshd');
const HOSTS = ['c1', 'c2', 'c3'];
const NASTY = `'$x;|&"`;
const SUDO_ENV = 'FLEET_TEST_SUDO_PW';

let cache: string;
beforeAll(async () => {
  cache = tempDir('fleet-cache-');
});

/** `fleet exec ARGS` in-process against the containers; the rerun file goes to a temp cache. */
function fleet(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['exec', ...args, '-i', sshd.inventoryFile, '--ssh-config', '/dev/null'], {
    env: { HOME: os.tmpdir(), PATH: process.env['PATH'], XDG_CACHE_HOME: cache, ...env },
  });
}

/** Live processes in a container whose command line contains `pattern`. */
async function containerProcesses(name: string, pattern: string): Promise<string[]> {
  const id = sshd.containers.find((c) => c.name === name)?.containerId as string;
  const { stdout } = await run('docker', ['exec', id, 'ps', '-eo', 'args=']);
  return stdout.split('\n').filter((line) => line.includes(pattern) && !line.startsWith('ps '));
}

const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();
const jsonl = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { v: number } & FleetEvent);

describe('output modes, exact formats on 3 hosts', () => {
  it('stream: `host | line`, stdout to stdout, stderr and the summary to stderr', async () => {
    const result = await fleet(['echo "out $(uname -n)"; echo "err $(uname -n)" >&2', '--output', 'stream']);
    expect(result.code).toBe(0);
    expect(sorted(result.stdout)).toEqual(['c1 | out c1', 'c2 | out c2', 'c3 | out c3']);
    const err = result.stderr.split('\n').filter(Boolean);
    expect(err.slice(0, 3).sort()).toEqual(['c1 | err c1', 'c2 | err c2', 'c3 | err c3']);
    expect(err.slice(3)).toEqual([expect.stringMatching(/^summary: 3 hosts in \d+(\.\d+)?m?s: 3 ok$/)]);
  });

  it('group: identical outputs once under a folded header, the odd host apart', async () => {
    const result = await fleet(['if [ "$(uname -n)" = c2 ]; then echo beta; else echo alpha; fi', '--output', 'group']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('---------------- c[1,3] (2 hosts) exit 0\nalpha\n' + '---------------- c2 (1 host) exit 0\nbeta\n');
  });

  it('json: one document, hosts in inventory order, the DESIGN §4 fields', async () => {
    const result = await fleet(['uname -n; [ "$(uname -n)" != c3 ]', '--output', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      version: 2,
      command: 'uname -n; [ "$(uname -n)" != c3 ]',
      started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      durationMs: expect.any(Number),
      hosts: sshd.containers.map((c) => ({
        host: c.name,
        address: '127.0.0.1',
        port: c.port,
        user: 'root',
        status: c.name === 'c3' ? 'failed' : 'ok',
        exitCode: c.name === 'c3' ? 1 : 0,
        signal: null,
        stdout: `${c.name}\n`,
        stderr: '',
        stdoutBase64: null,
        stderrBase64: null,
        durationMs: expect.any(Number),
        error: null,
      })),
      summary: { total: 3, ok: 2, unchanged: 0, failed: 1, timeout: 0, unreachable: 0, auth: 0, hostkey: 0, error: 0, lost: 0, skipped: 0, interrupted: 0 },
    });
  });

  it('jsonl: every event on its own line, each host through its gates, output and exit', async () => {
    const result = await fleet(['uname -n', '--output', 'jsonl']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    const events = jsonl(result.stdout);
    expect(events.every((e) => e.v === 2)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run_start', version: 2, command: 'uname -n', hosts: HOSTS.map((host) => ({ host, address: '127.0.0.1', user: 'root' })) });
    expect(events.at(-1)).toMatchObject({ type: 'summary', summary: { total: 3, ok: 3 }, failed: [] });
    for (const host of HOSTS) {
      const own = events.filter((e) => 'host' in e && e.host === host);
      // The phase timings (host_phase, as -v prints them) ride alongside the gates, in order.
      const gates = own.filter((e) => e.type !== 'host_phase');
      expect(gates.map((e) => (e.type === 'host_state' ? e.state : e.type))).toEqual(['queued', 'connecting', 'authenticated', 'running', 'stdout', 'done', 'exit']);
      // A fresh connection shows all six; one reused from a --persist keeper only channel and exit.
      const phases = own.flatMap((e) => (e.type === 'host_phase' ? [e.phase] : []));
      const fresh = ['tcp', 'banner', 'kex', 'auth', 'channel', 'exit'];
      expect(process.env['FLEET_PERSIST'] ? [fresh, ['channel', 'exit']] : [fresh]).toContainEqual(phases);
      expect(lines).toContain(`{"v":2,"type":"stdout","host":"${host}","data":"${host}\\n"}`);
      expect(own.at(-1)).toEqual({ v: 2, type: 'exit', host, status: 'ok', exitCode: 0, signal: null, durationMs: expect.any(Number) });
    }
  });

  it('jsonl and json keep output that is not UTF-8 byte-exact (base64)', async () => {
    const bytes = "printf '\\377\\000\\376ok'";
    const lines = jsonl((await fleet([bytes, '-l', 'c1', '--output', 'jsonl'])).stdout);
    const chunks = lines.flatMap((e) => (e.type === 'stdout' ? [Buffer.from(e.data, e.encoding === 'base64' ? 'base64' : 'utf8')] : []));
    expect([...Buffer.concat(chunks)]).toEqual([0xff, 0x00, 0xfe, 0x6f, 0x6b]);
    const doc = JSON.parse((await fleet([bytes, '-l', 'c1', '--output', 'json'])).stdout) as { hosts: { stdout: string; stdoutBase64: string }[] };
    expect(doc.hosts[0]?.stdoutBase64).toBe(Buffer.from([0xff, 0x00, 0xfe, 0x6f, 0x6b]).toString('base64'));
    expect(doc.hosts[0]?.stdout).toBe('\ufffd\u0000\ufffdok');
  });

  it('stream neutralises ANSI escapes and control characters a host prints', async () => {
    const result = await fleet(["printf '\\033[31mred\\033[0m \\033]0;title\\007 \\033[2J\\r\\n'", '-l', 'c1', '--output', 'stream']);
    expect(result.stdout).toBe('c1 | \\x1b[31mred\\x1b[0m \\x1b]0;title\\x07 \\x1b[2J\n');
    expect(result.stdout).not.toContain('\u001b');
  });
});

describe('sudo as the password user tester', () => {
  const password = (): string => sshd.testerPassword;
  const everything = (r: CliRun): string => r.stdout + r.stderr;

  it('runs as root with the password from the env var; the password appears in no output, event or error', async () => {
    // --cwd /root: only root may enter it, so the cd runs under sudo; --env crosses sudo's env_reset.
    const args = ['whoami; pwd; printf "%s\n" "$V"; cat', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--cwd', '/root', '--env', `V=${NASTY}`];
    const result = await fleet([...args, '--stdin', await tempFile('data-for-the-command\n'), '--output', 'jsonl'], { [SUDO_ENV]: password() });
    expect(result.code).toBe(0);
    const events = jsonl(result.stdout);
    const out = (host: string) => events.flatMap((e) => (e.type === 'stdout' && e.host === host ? [e.data] : [])).join('');
    for (const host of HOSTS) expect(out(host)).toBe(`root\n/root\n${NASTY}\ndata-for-the-command\n`);
    expect(everything(result)).not.toContain(password());
    expect(everything(result)).not.toContain('fleet-sudo-');
  });

  it('also through a pty (sudo -S reads the password from the terminal, echo off)', async () => {
    const result = await fleet(['whoami', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--pty', '--output', 'group'], { [SUDO_ENV]: password() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('---------------- c[1-3] (3 hosts) exit 0\nroot\n');
    expect(everything(result)).not.toContain(password());
  });

  it('a wrong password fails each host with sudo\'s own message; neither password shows anywhere', async () => {
    const wrong = `wrong-${password()}`;
    const result = await fleet(['whoami', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--output', 'json'], { [SUDO_ENV]: wrong });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { hosts: { status: string; stdout: string; stderr: string }[] };
    for (const host of doc.hosts) {
      expect(host).toMatchObject({ status: 'failed', stdout: '' });
      expect(host.stderr).toMatch(/incorrect password|Sorry, try again/);
    }
    expect(everything(result)).not.toContain(password());
    expect(everything(result)).not.toContain('fleet-sudo-');
  });

  it('--sudo-user runs the command as that user, not root (sudo -u); cwd and env still apply', async () => {
    const result = await fleet(['id -un; pwd; printf "%s\n" "$V"', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--sudo-user', 'nobody', '--cwd', '/', '--env', 'V=x y', '--output', 'json'], { [SUDO_ENV]: password() });
    const doc = JSON.parse(result.stdout) as { hosts: { stdout: string; stderr: string }[] };
    expect([result.code, doc.hosts.map((h) => h.stderr)]).toEqual([0, HOSTS.map(() => '')]);
    expect(doc.hosts.map((h) => h.stdout)).toEqual(HOSTS.map(() => 'nobody\n/\nx y\n'));
    expect(everything(result)).not.toContain(password());
  });

  it('without a password uses sudo -n: fails at once instead of prompting', async () => {
    const result = await fleet(['whoami', '-u', 'tester', '--sudo', '-l', 'c1', '--output', 'json']);
    const doc = JSON.parse(result.stdout) as { hosts: { status: string; exitCode: number; stderr: string }[] };
    expect(doc.hosts[0]).toMatchObject({ status: 'failed', exitCode: 1, stderr: expect.stringContaining('a password is required') });
  });

  it('a sudo command killed by --timeout is gone, root processes included', async () => {
    const result = await fleet(['sleep 3001; echo never', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--timeout', '1s', '--output', 'json'], { [SUDO_ENV]: password() });
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout) as { hosts: { status: string; error: { code: string } }[] };
    expect(doc.hosts.map((h) => [h.status, h.error.code])).toEqual(HOSTS.map(() => ['timeout', 'FLEET_TIMEOUT']));
    // Root processes are beyond the login user's kill: the watchdog sudo runs ends them just after.
    await vi.waitFor(async () => {
      for (const host of HOSTS) expect(await containerProcesses(host, 'sleep 3001')).toEqual([]);
    }, { timeout: 10_000, interval: 200 });
  });
});

describe('sudo as another user (--sudo-user)', () => {
  it('a command killed by --timeout is gone: the watchdog, running as that user, still sees the login shell end', async () => {
    const result = await fleet(['sleep 3002; echo never', '-u', 'tester', '--sudo-password-env', SUDO_ENV, '--sudo-user', 'nobody', '--timeout', '1s', '--output', 'json'], { [SUDO_ENV]: sshd.testerPassword });
    const doc = JSON.parse(result.stdout) as { hosts: { status: string }[] };
    expect([result.code, doc.hosts.map((h) => h.status)]).toEqual([3, HOSTS.map(() => 'timeout')]);
    await vi.waitFor(async () => {
      for (const host of HOSTS) expect(await containerProcesses(host, 'sleep 3002')).toEqual([]);
    }, { timeout: 10_000, interval: 200 });
  });
});

describe('pty, stdin, env, cwd, quoting', () => {
  it('--pty gives the command a terminal, with stderr merged into stdout', async () => {
    const result = await fleet(['tty; echo to-stderr >&2', '-l', 'c1', '--pty', '--output', 'json']);
    const doc = JSON.parse(result.stdout) as { hosts: { stdout: string; stderr: string }[] };
    expect(doc.hosts[0]?.stdout).toMatch(/^\/dev\/pts\/\d+\r\nto-stderr\r\n$/);
    expect(doc.hosts[0]?.stderr).toBe('');
  });

  it('--stdin FILE: the same bytes reach every host', async () => {
    const data = Buffer.concat([Buffer.from('binary\u0000'), Buffer.alloc(300_000, 0xa5)]);
    const file = await tempFile(data);
    const result = await fleet(['sha256sum | cut -d" " -f1', '--stdin', file, '--output', 'group']);
    expect(result.stdout).toBe(`---------------- c[1-3] (3 hosts) exit 0\n${createHash('sha256').update(data).digest('hex')}\n`);
  });

  it('--stdin -: read once from our stdin, fed to every host', async () => {
    const stdout = new StringSink();
    const code = await main(['exec', 'cat', '--stdin', '-', '-i', sshd.inventoryFile, '--ssh-config', '/dev/null', '--output', 'group'], {
      stdout,
      stderr: new StringSink(),
      env: { HOME: os.tmpdir(), PATH: process.env['PATH'], XDG_CACHE_HOME: cache },
      cwd: os.tmpdir(),
      stdin: Readable.from([Buffer.from('piped '), Buffer.from('once\n')]),
    });
    expect(code).toBe(0);
    expect(stdout.text).toBe('---------------- c[1-3] (3 hosts) exit 0\npiped once\n');
  });

  it('--env: values reach the command exactly, quotes and shell characters included', async () => {
    const result = await fleet(['printf "<%s>\\n" "$A" "$B" "$C"', '--env', 'A=1', '--env', `B=${NASTY}`, '--env', 'C=x=y z', '-l', 'c1', '--output', 'json']);
    expect((JSON.parse(result.stdout) as { hosts: { stdout: string }[] }).hosts[0]?.stdout).toBe(`<1>\n<${NASTY}>\n<x=y z>\n`);
  });

  it('--cwd: runs in a directory whose name needs quoting; a missing one stops the command', async () => {
    const dir = `/tmp/fleet dir ${NASTY}`;
    expect((await fleet([`mkdir -p "$D"`, '--env', `D=${dir}`, '-l', 'c1'])).code).toBe(0);
    const here = await fleet(['pwd', '--cwd', dir, '-l', 'c1', '--output', 'json']);
    expect((JSON.parse(here.stdout) as { hosts: { stdout: string }[] }).hosts[0]?.stdout).toBe(`${dir}\n`);
    const missing = await fleet(['echo ran', '--cwd', '/nonexistent', '-l', 'c1', '--output', 'json']);
    const doc = JSON.parse(missing.stdout) as { hosts: { status: string; stdout: string; stderr: string }[] };
    expect(doc.hosts[0]).toMatchObject({ status: 'failed', stdout: '', stderr: expect.stringContaining('/nonexistent') });
  });

  it('quoting: arguments holding quotes and shell characters arrive as written', async () => {
    const result = await fleet([`printf '<%s>\\n' "'\\$x;|&\\"" '${NASTY.replace(/'/g, `'\\''`)}'`, '-l', 'c1', '--output', 'json']);
    expect((JSON.parse(result.stdout) as { hosts: { stdout: string }[] }).hosts[0]?.stdout).toBe(`<${NASTY}>\n<${NASTY}>\n`);
  });
});

describe('limits', () => {
  it('--timeout kills a hanging command: the host ends timeout and the process is really gone', async () => {
    const result = await fleet(['sleep 3002', '--timeout', '1s', '--output', 'json']);
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout) as { hosts: { status: string; error: { code: string } }[] };
    expect(doc.hosts.map((h) => [h.status, h.error.code])).toEqual(HOSTS.map(() => ['timeout', 'FLEET_TIMEOUT']));
    // The kill completed before fleet reported the timeout: nothing to wait for.
    for (const host of HOSTS) expect(await containerProcesses(host, 'sleep 3002')).toEqual([]);
  });

  // A library Fleet without --persist: the keeper plays no part, so the persist project (which
  // runs this file again) has nothing to add and leaves this one to the integration project.
  it.skipIf(process.env['FLEET_PERSIST'] !== undefined)('50 MiB of output is cut at the cap with one marker, and memory stays bounded', async () => {
    const inventory = await loadInventory(sshd.inventoryFile, { sshConfig: false });
    await using fleetRun = openFleet({ inventory });
    let peak = 0;
    const memory = sampleRetainedMemory();
    let eventBytes = 0;
    const report = await fleetRun.exec('head -c 52428800 /dev/zero | tr "\\000" x', {
      onEvent: (e: FleetEvent) => {
        if (e.type === 'stdout') eventBytes += e.data.length;
      },
    }).finally(() => (peak = memory.stop()));
    const cap = 1024 * 1024;
    for (const result of report.results) {
      expect(result.ok && result.value.truncated).toBe(true);
      expect(result.ok && result.value.stdout).toBe('x'.repeat(cap) + truncationMarker(cap));
    }
    expect(eventBytes).toBe(3 * (cap + truncationMarker(cap).length));
    // 150 MiB went through; what stayed is three capped outputs plus transient buffers.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  });

  it('--max-output sets the cap', async () => {
    const result = await fleet(['head -c 700000 /dev/zero | tr "\\000" y', '--max-output', '512k', '-l', 'c1', '--output', 'json']);
    expect((JSON.parse(result.stdout) as { hosts: { stdout: string }[] }).hosts[0]?.stdout).toBe('y'.repeat(524288) + truncationMarker(524288));
  });
});

async function tempFile(content: string | Buffer): Promise<string> {
  const dir = tempDir('fleet-in-');
  const file = path.join(dir, 'input');
  await writeFile(file, content);
  return file;
}
