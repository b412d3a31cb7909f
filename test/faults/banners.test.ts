/**
 * Servers that answer with anything but a valid SSH identification: binary, a line without a
 * newline, an overlong line, text that is not SSH (then silence or close). Each is a tiny TCP
 * server on 127.0.0.1 written here: it IS the hostile host. Every one ends fast (long before the
 * connect timeout) as FLEET_HANDSHAKE_FAILED with OpenSSH's reason; never FLEET_INTERNAL. So do
 * packets that are not SSH after a valid identification.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';
import { checkedRun, useLeakGuard } from './support/checks.js';
import { direct, endpoint, hostSpecs, writeFaultInventory, type FaultHost } from './support/fault-hosts.js';

/** What a hostile server does with each connection it accepts. */
type Behaviour = (sock: net.Socket) => void;

interface Hostile {
  host: string;
  port: number;
  close(): Promise<void>;
}

async function hostileServer(behave: Behaviour): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.once('close', () => sockets.delete(sock));
    sock.resume(); // read and drop the client's identification
    behave(sock);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const send = (bytes: string | Buffer): Behaviour => (sock) => void sock.write(bytes);
const sendThenClose = (bytes: string | Buffer): Behaviour => (sock) => void sock.end(bytes);

// Host name -> behaviour and the reason (OpenSSH's words) its failure must give.
const CASES: Record<string, { behave: Behaviour; reason: RegExp; code?: string }> = {
  // A TLS ServerHello's first bytes: NUL bytes in a "line".
  binary: { behave: send(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03])), reason: /kex_exchange_identification: banner line contains invalid characters/ },
  'cr-inside': { behave: send('SSH-2.0-OpenSSH_9.2\rX\r\n'), reason: /banner line contains invalid characters/ },
  'no-newline': { behave: send('SSH-2.0-OpenSSH_9.2'), reason: /kex_exchange_identification: no SSH identification from the server/ },
  'long-ident': { behave: send(`SSH-2.0-${'A'.repeat(300)}\r\n`), reason: /kex_exchange_identification: banner line too long/ },
  'long-line': { behave: send('x'.repeat(9000)), reason: /kex_exchange_identification: banner line too long/ },
  'smtp-then-silence': { behave: send('220 mail.example.com ESMTP Postfix\r\n'), reason: /no SSH identification from the server; the server sent "220 mail\.example\.com ESMTP/ },
  'http-then-close': { behave: sendThenClose('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), reason: /kex_exchange_identification: Connection closed by remote host; the server sent "HTTP\/1\.1 400/ },
  'many-lines': { behave: send('motd\r\n'.repeat(1100)), reason: /No SSH version received in first 1024 lines from server/ },
  // Not hostile: sshd's own MaxStartups refusal is a lost connection (retried with --retries).
  'sshd-throttle': { behave: sendThenClose('Exceeded MaxStartups\r\n'), reason: /sshd said "Exceeded MaxStartups"/, code: 'FLEET_CONNECTION_LOST' },
  'ssh-1': { behave: send('SSH-1.5-OpenSSH_1.2.3\r\n'), reason: /Protocol major versions differ: 2 vs\. 1/ },
  'bad-ident': { behave: send('SSH-2.x-foo\r\n'), reason: /Bad remote protocol version identification: 'SSH-2\.x-foo'/ },
};

// A valid identification, then packets a hostile server can send: ssh2 must not turn them into
// FLEET_INTERNAL (two of them make ssh2's parser itself throw: a RangeError, a TypeError).
const IDENT = 'SSH-2.0-OpenSSH_9.2\r\n';
function packet(payload: number[]): Buffer {
  let pad = 8 - ((payload.length + 5) % 8);
  if (pad < 4) pad += 8;
  const b = Buffer.alloc(5 + payload.length + pad);
  b.writeUInt32BE(1 + payload.length + pad, 0);
  b[4] = pad;
  Buffer.from(payload).copy(b, 5);
  return b;
}
CASES['kexinit-truncated'] = { behave: send(Buffer.concat([Buffer.from(IDENT), packet([20, 1, 2, 3])])), reason: /malformed KEXINIT/i };
CASES['unknown-message'] = { behave: send(Buffer.concat([Buffer.from(IDENT), packet([200, 1, 2, 3])])), reason: /unexpected packet type 200/ };
CASES['bad-padding'] = { behave: send(Buffer.concat([Buffer.from(IDENT), Buffer.from([0, 0, 0, 12, 200, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])])), reason: /could not be processed/ };
CASES['newkeys-first'] = { behave: send(Buffer.concat([Buffer.from(IDENT), packet([21])])), reason: /could not be processed/ };

// Far above what any case may take, so that finishing "at the connect timeout" cannot pass.
const CONNECT_TIMEOUT_MS = 8000;
const FAST_MS = 2500;

describe('hostile banners', () => {
  let lab: Lab;
  const servers: Hostile[] = [];
  let hosts: FaultHost[];
  useLeakGuard();

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'faults-banners' });
    const named = await Promise.all(Object.entries(CASES).map(async ([name, c]) => [name, await hostileServer(c.behave)] as const));
    servers.push(...named.map(([, s]) => s));
    hosts = [direct(lab.hosts[0] as Lab['hosts'][0], 'ok'), ...named.map(([name, s]) => endpoint(name, s))];
  });
  afterAll(async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
    await lab?.stop();
  });

  it('library: each ends FLEET_HANDSHAKE_FAILED with OpenSSH\'s reason, fast; the healthy host runs', async () => {
    await using fleet = openFleet({ inventory: hostSpecs(lab, hosts), connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const run = await checkedRun((onEvent) => fleet.exec('echo hi', { onEvent }));
    expect(run.status['ok']).toBe('ok');
    for (const [name, c] of Object.entries(CASES)) {
      const result = run.report.results.find((r) => r.host === name);
      expect(result?.ok, name).toBe(false);
      if (result === undefined || result.ok) continue;
      expect(result.error?.code, `${name}: ${result.error?.message}`).toBe(c.code ?? 'FLEET_HANDSHAKE_FAILED');
      expect(result.error?.message, name).toMatch(c.reason);
      expect(result.durationMs, name).toBeLessThan(FAST_MS);
    }
    expect(run.wallMs).toBeLessThan(FAST_MS + 1000);
  });

  it('CLI: json error codes, exit 3 (not 70), the reason on stderr, fast', async () => {
    const inventory = writeFaultInventory(lab, hosts, 'banners.yaml');
    const t0 = performance.now();
    const json = await runCli(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--connect-timeout', '8s', '--output', 'json']);
    expect(performance.now() - t0).toBeLessThan(FAST_MS + 1000);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout) as { hosts: { host: string; error: { code: string; message: string } | null }[] };
    for (const h of doc.hosts) {
      if (h.host === 'ok') expect(h.error).toBeNull();
      else expect(h.error?.code, h.host).toBe(CASES[h.host]?.code ?? 'FLEET_HANDSHAKE_FAILED');
    }
    const stream = await runCli(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--connect-timeout', '8s', '--output', 'stream', '-l', 'binary,long-ident']);
    expect(stream.code).toBe(3);
    expect(stream.stderr).toMatch(/banner line contains invalid characters/);
    expect(stream.stderr).toMatch(/banner line too long/);
  });

  it('fleet hostkeys scan says the same, fast', async () => {
    const inventory = writeFaultInventory(lab, hosts, 'banners.yaml');
    const t0 = performance.now();
    const scan = await runCli(['hostkeys', 'scan', '-i', inventory, '--ssh-config', '/dev/null', '--connect-timeout', '8s', '-l', 'binary,no-newline,http-then-close']);
    expect(performance.now() - t0).toBeLessThan(FAST_MS + 1000);
    expect(scan.code).toBe(3);
    const text = scan.stdout + scan.stderr;
    expect(text).toMatch(/banner line contains invalid characters/);
    expect(text).toMatch(/no SSH identification from the server/);
    expect(text).toMatch(/Connection closed by remote host/);
  });
});
