// The SSH transport against real OpenSSH: the local sshd lab (test/lab), whose sessions run in
// this machine's PID namespace, so kill tests can prove with pgrep that a remote process is gone.
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError, FleetError, HostKeyError } from '../../src/errors.js';
import type { HostSpec } from '../../src/inventory/host-spec.js';
import {
  type Connection,
  type ConnectOptions,
  createCredentialCache,
  createSshTransport,
  type KnownHosts,
  loadKnownHosts,
} from '../../src/transport/index.js';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { FIXTURE_KEY_PASSPHRASE, fixtureKeyPath, fixturePublicKey } from '../setup/keys.js';

const run = promisify(execFile);
const transport = createSshTransport();

let lab: Lab;
let work: string;
let knownHosts: KnownHosts;

beforeAll(async () => {
  // MaxSessions 10 is OpenSSH's default; the lab raises it, this file wants the real limit.
  lab = await startLab({ hosts: 2, name: 'transport-test', sshdOptions: { MaxSessions: '10' } });
  work = mkdtempSync(join(tmpdir(), 'fleet-transport-'));
  knownHosts = await loadKnownHosts({ files: [lab.knownHostsFile], globalFiles: [], writeFile: null });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function hostSpec(index: number, over: Partial<HostSpec> = {}): HostSpec {
  const h = lab.hosts[index];
  if (h === undefined) throw new Error(`no lab host ${index}`);
  return { name: h.name, address: h.address, port: h.port, user: 'root', identityFiles: [lab.keyFile], knownHostsFiles: [], labels: {}, vars: {}, groups: [], ...over };
}

function options(over: Partial<ConnectOptions> = {}): ConnectOptions {
  return { connectTimeoutMs: 10_000, hostKeyPolicy: 'strict', knownHosts, credentials: createCredentialCache(), ...over };
}

async function rejection(promise: Promise<unknown>): Promise<FleetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
}

// Machine-wide (the lab and other projects run beside this file): each tag here is unique in the suite.
async function pgrep(pattern: string): Promise<string[]> {
  const out = await run('pgrep', ['-f', pattern]).then(
    (r) => r.stdout,
    () => '',
  );
  return out.split('\n').filter(Boolean);
}

describe('exec', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await transport.connect(hostSpec(0), options());
  });
  afterAll(() => conn?.close());

  it('streams stdout and stderr, feeds stdin and env, and returns the exit code', async () => {
    let stdout = '';
    let stderr = '';
    const exit = await conn.exec({
      command: 'echo "out $GREETING"; echo err >&2; cat; exit 7',
      env: { GREETING: `it's me` },
      stdin: 'from stdin\n',
      onStdout: (c) => (stdout += c.toString()),
      onStderr: (c) => (stderr += c.toString()),
    });
    expect(exit).toEqual({ exitCode: 7, signal: null });
    expect(stdout).toBe(`out it's me\nfrom stdin\n`);
    // The pgid report is stripped: the caller sees the command's own stderr only.
    expect(stderr).toBe('err\n');
    expect(conn.hostKey.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('streams large stdin, and survives stdin to a command that never reads it', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    let out = '';
    expect((await conn.exec({ command: 'wc -c', stdin: big, onStdout: (c) => (out += c.toString()) })).exitCode).toBe(0);
    expect(out.trim()).toBe(String(big.length));
    expect((await conn.exec({ command: 'exit 0', stdin: big })).exitCode).toBe(0);
  });

  it('runs a command on a pty, without echoing its stdin', async () => {
    let out = '';
    const exit = await conn.exec({ command: 'test -t 0 && echo tty; read line; echo "got $line"', pty: true, stdin: 'secret\n', onStdout: (c) => (out += c.toString()) });
    expect(exit.exitCode).toBe(0);
    expect(out).toBe('tty\r\ngot secret\r\n');
  });

  it('reports the signal that killed a command', async () => {
    expect(await conn.exec({ command: 'kill -s KILL $$' })).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('runs 12 commands at once on one connection under MaxSessions 10 (the rest queue)', async () => {
    const shared = new AbortController().signal;
    const outputs = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        let out = '';
        const exit = await conn.exec({ command: `sleep 0.3; echo ${i}`, signal: shared, onStdout: (c) => (out += c.toString()) });
        return { exit, out };
      }),
    );
    expect(outputs.map((o) => o.exit.exitCode)).toEqual(Array(12).fill(0));
    expect(getEventListeners(shared, 'abort')).toHaveLength(0); // no listener outlives its exec
    expect(outputs.map((o) => o.out)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}\n`));
  });

  it.each([false, true])('abort kills the remote process group (pty: %s) and rejects with the reason', async (pty) => {
    const tag = pty ? 'sleep 301' : 'sleep 300';
    const controller = new AbortController();
    const running = conn.exec({ command: `sh -c '${tag} & ${tag}; wait'`, pty, signal: controller.signal });
    await vi.waitFor(async () => expect(await pgrep(`^${tag}$`)).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const started = Date.now();
    controller.abort(new FleetError('FLEET_TIMEOUT', 'too slow'));
    const error = await rejection(running);
    expect(error.code).toBe('FLEET_TIMEOUT');
    // Nothing left: neither the sleeps nor the shells whose command lines name them.
    expect(await pgrep(tag)).toEqual([]);
    expect(labProcesses(lab, { pattern: tag })).toEqual([]);
    // The kill is bounded (1 s TERM grace, then KILL), not left to the command.
    expect(Date.now() - started).toBeLessThan(1000 + 2000 + 2000);
    // The connection stays usable after a kill.
    expect((await conn.exec({ command: 'true' })).exitCode).toBe(0);
  });

  it('an abort reason that is not a FleetError becomes FLEET_CANCELLED', async () => {
    const controller = new AbortController();
    const running = conn.exec({ command: 'sleep 302', signal: controller.signal });
    await vi.waitFor(async () => expect(await pgrep('^sleep 302$')).toHaveLength(1), { timeout: 10_000, interval: 50 });
    controller.abort();
    expect((await rejection(running)).code).toBe('FLEET_CANCELLED');
    expect(await pgrep('sleep 302')).toEqual([]);
  });
});

describe('close', () => {
  it('stops running commands, settles closed with undefined, and is idempotent', async () => {
    const conn = await transport.connect(hostSpec(1), options());
    const running = conn.exec({ command: 'sleep 303' });
    await vi.waitFor(async () => expect(await pgrep('^sleep 303$')).toHaveLength(1), { timeout: 10_000, interval: 50 });
    await Promise.all([conn.close(), conn.close()]);
    expect((await rejection(running)).code).toBe('FLEET_CANCELLED');
    expect(await pgrep('sleep 303')).toEqual([]);
    expect(await conn.closed).toBeUndefined();
    expect((await rejection(conn.exec({ command: 'true' }))).code).toBe('FLEET_CANCELLED');
  });
});

describe('connection loss', () => {
  it('rejects the running command and settles closed with FLEET_CONNECTION_LOST', async () => {
    const conn = await transport.connect(hostSpec(1), options());
    const running = conn.exec({ command: 'sleep 304' });
    await vi.waitFor(async () => expect(await pgrep('^sleep 304$')).toHaveLength(1), { timeout: 10_000, interval: 50 });
    // The server side of this connection: the privileged sshd process of the session.
    for (const p of labProcesses(lab, { host: lab.hosts[1]?.name, pattern: /^sshd: root/ })) process.kill(p.pid, 'SIGKILL');
    expect((await rejection(running)).code).toBe('FLEET_CONNECTION_LOST');
    expect((await conn.closed)?.code).toBe('FLEET_CONNECTION_LOST');
    await run('pkill', ['-f', '^sleep 304$']).catch(() => undefined); // no connection left to kill it through
    await conn.close();
  });
});

describe('host keys', () => {
  const labKeyLine = (index: number): string => readFileSync(lab.knownHostsFile, 'utf8').trim().split('\n')[index] ?? '';

  it('refuses an unknown key under strict before authenticating, naming its fingerprint', async () => {
    const empty = await loadKnownHosts({ files: [join(work, 'none')], globalFiles: [] });
    const phases: string[] = [];
    const log = join(lab.dir, 'hosts', lab.hosts[0]?.name ?? '', 'sshd.log');
    const accepted = (): number => readFileSync(log, 'utf8').split('Accepted publickey').length;
    const before = accepted();
    const error = await rejection(transport.connect(hostSpec(0), options({ knownHosts: empty, onPhase: (p) => phases.push(p) })));
    expect(error).toBeInstanceOf(HostKeyError);
    expect(error.code).toBe('FLEET_HOSTKEY_UNKNOWN');
    const [, type, blob] = labKeyLine(0).split(' ');
    const { stdout } = await run('sh', ['-c', `echo '${type} ${blob}' | ssh-keygen -lf -`]);
    expect((error as HostKeyError).fingerprint).toBe(stdout.split(' ')[1]);
    expect(error.message).toContain((error as HostKeyError).fingerprint);
    expect(phases).toEqual([]);
    expect(accepted()).toBe(before);
  });

  it('refuses a changed key with the remedy, the fingerprint and file:line', async () => {
    const file = join(work, 'changed_known_hosts');
    const h = lab.hosts[0];
    writeFileSync(file, `# header\nother.test ${fixturePublicKey('ssh_host_rsa_key')}\n${h?.address} ${fixturePublicKey('ssh_host_ed25519_key')}\n`);
    const changed = await loadKnownHosts({ files: [file], globalFiles: [] });
    for (const policy of ['strict', 'accept-new'] as const) {
      const error = await rejection(transport.connect(hostSpec(0), options({ knownHosts: changed, hostKeyPolicy: policy })));
      expect(error.code).toBe('FLEET_HOSTKEY_CHANGED');
      expect(error.message).toContain(`ssh-keygen -R '${h?.address}'`);
      expect(error.message).toContain(`${file}:3`);
      expect(error.message).toContain((error as HostKeyError).fingerprint);
    }
  });

  it('accept-new writes exactly one line per host, 0600, even for concurrent connections', async () => {
    const file = join(work, 'accept_new_known_hosts');
    const fresh = await loadKnownHosts({ files: [file], globalFiles: [] });
    const opts = options({ knownHosts: fresh, hostKeyPolicy: 'accept-new' });
    const conns = await Promise.all([0, 1, 0, 1, 0, 1, 0, 1].map((i) => transport.connect(hostSpec(i), opts)));
    await Promise.all(conns.map((c) => c.close()));
    const lines = readFileSync(file, 'utf8').trim().split('\n').sort();
    expect(lines).toEqual([labKeyLine(0), labKeyLine(1)].sort());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A later run trusts them under strict.
    const reread = await loadKnownHosts({ files: [file], globalFiles: [] });
    await (await transport.connect(hostSpec(1), options({ knownHosts: reread }))).close();
  });
});

describe('connect failures', () => {
  let silent: Server;
  const held: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('a refused port fails fast with FLEET_CONNECT_REFUSED', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const error = await rejection(transport.connect(hostSpec(0, { address: '127.0.0.1', port }), options()));
    expect(error.code).toBe('FLEET_CONNECT_REFUSED');
  });

  it('a listener that never sends a banner fails with FLEET_CONNECT_TIMEOUT within the bound', async () => {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const error = await rejection(transport.connect(hostSpec(0, { address: '127.0.0.1', port }), options({ connectTimeoutMs: 700 })));
    expect(error.code).toBe('FLEET_CONNECT_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    // Bounded by the connect timeout, with the 2 s slack the fault rules allow.
    expect(Date.now() - started).toBeLessThan(700 + 2000);
  });

  it('a key the server does not accept fails with AuthError listing the attempt', async () => {
    const key = fixtureKeyPath('id_ed25519_unauthorized');
    const error = await rejection(transport.connect(hostSpec(0, { identityFiles: [key] }), options()));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('FLEET_AUTH_FAILED');
    expect((error as AuthError).attempts).toEqual([{ method: 'publickey', source: key, ok: false }]);
  });

  it('aborting a connect rejects with the reason at once', async () => {
    const port = (silent.address() as { port: number }).port;
    const error = await rejection(transport.connect(hostSpec(0, { address: '127.0.0.1', port }), options({ signal: AbortSignal.timeout(100) })));
    expect(error.code).toBe('FLEET_CANCELLED');
  });
});

describe('keys', () => {
  it.each(['id_rsa', 'id_rsa_pem'] as const)('authenticates with the RSA key %s, after a refused key', async (name) => {
    const identityFiles = [fixtureKeyPath('id_ed25519_unauthorized'), fixtureKeyPath(name)];
    const conn = await transport.connect(hostSpec(0, { identityFiles }), options());
    expect((await conn.exec({ command: 'true' })).exitCode).toBe(0);
    await conn.close();
  });

  it('decrypts an encrypted key with FLEET_KEY_PASSPHRASE, and fails fast without it', async () => {
    const identityFiles = [fixtureKeyPath('id_ed25519_encrypted')];
    const withPass = createCredentialCache({ env: { FLEET_KEY_PASSPHRASE: FIXTURE_KEY_PASSPHRASE } });
    await (await transport.connect(hostSpec(0, { identityFiles }), options({ credentials: withPass }))).close();
    const error = await rejection(transport.connect(hostSpec(0, { identityFiles }), options({ credentials: createCredentialCache({ env: {} }) })));
    expect(error.code).toBe('FLEET_KEY_INVALID');
    expect(error.message).toContain(identityFiles[0]);
  });

  it('refuses a private key readable by others, as OpenSSH does', async () => {
    const loose = join(work, 'loose_key');
    copyFileSync(lab.keyFile, loose);
    chmodSync(loose, 0o644);
    const error = await rejection(transport.connect(hostSpec(0, { identityFiles: [loose] }), options()));
    expect(error.code).toBe('FLEET_KEY_INVALID');
    expect(error.message).toContain(loose);
  });
});
