import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  deriveKnownHosts,
  mirrorAddress,
  startLatencyProxies,
  startLatencyProxy,
  writeProxiedInventory,
  type LatencyProxy,
} from '../lab/latency-proxy.js';

// Timing is asserted as a lower bound only: the proxy may be slower on a busy machine, never faster.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** An echo server on 127.0.0.1 that greets each client with `hi\n` first (like an SSH banner). */
async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.write('hi\n');
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function proxyTo(port: number, rttMs: number, maxQueuedBytes?: number): Promise<LatencyProxy> {
  const proxy = await startLatencyProxy({
    listen: { host: '127.0.0.1' },
    target: { host: '127.0.0.1', port },
    rttMs,
    ...(maxQueuedBytes !== undefined ? { maxQueuedBytes } : {}),
  });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Connects, waits for the greeting; resolves with the socket and ms from connect() to greeting. */
async function connectAndGreet(port: number): Promise<{ socket: net.Socket; greetMs: number }> {
  const start = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('hi\n');
  return { socket, greetMs: performance.now() - start };
}

async function roundTrip(socket: net.Socket, payload: Buffer): Promise<{ data: Buffer; ms: number }> {
  const start = performance.now();
  const parts: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      parts.push(b);
      got += b.length;
      if (got >= payload.length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  socket.write(payload);
  await done;
  return { data: Buffer.concat(parts), ms: performance.now() - start };
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
}

describe('startLatencyProxy', () => {
  it('adds about one RTT per round trip and two before the server greeting', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const proxy = await proxyTo(echo.port, 40);
    const { socket, greetMs } = await connectAndGreet(proxy.port);
    cleanups.push(async () => void socket.destroy());
    // 1.5 RTT connect delay + 0.5 RTT for the greeting to travel back.
    expect(greetMs).toBeGreaterThanOrEqual(2 * 40 - 2);
    for (let i = 0; i < 3; i += 1) {
      const { data, ms } = await roundTrip(socket, Buffer.from(`ping ${i}\n`));
      expect(data.toString()).toBe(`ping ${i}\n`);
      expect(ms).toBeGreaterThanOrEqual(40 - 2);
    }
  });

  it('forwards at once with rttMs 0 and keeps the bytes intact', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const proxy = await proxyTo(echo.port, 0);
    const { socket } = await connectAndGreet(proxy.port);
    cleanups.push(async () => void socket.destroy());
    const payload = randomBytes(3 * 1024 * 1024);
    const { data } = await roundTrip(socket, payload);
    expect(data.equals(payload)).toBe(true);
  });

  it('keeps bytes intact and in order under backpressure (tiny queue bound)', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const proxy = await proxyTo(echo.port, 10, 64 * 1024);
    const { socket } = await connectAndGreet(proxy.port);
    cleanups.push(async () => void socket.destroy());
    const payload = randomBytes(4 * 1024 * 1024);
    const { data } = await roundTrip(socket, payload);
    expect(data.length).toBe(payload.length);
    expect(data.equals(payload)).toBe(true);
  });

  it('passes a half-close through after the queued data', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const proxy = await proxyTo(echo.port, 20);
    const { socket } = await connectAndGreet(proxy.port);
    const payload = randomBytes(256 * 1024);
    const parts: Buffer[] = [];
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.end(payload);
    await once(socket, 'close');
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
  });

  it('close() ends every connection and leaves no TCP handles', async () => {
    const before = tcpHandles();
    const echo = await startEcho();
    const proxy = await startLatencyProxy({ listen: { host: '127.0.0.1' }, target: { host: '127.0.0.1', port: echo.port }, rttMs: 10 });
    const { socket } = await connectAndGreet(proxy.port);
    const closed = once(socket, 'close');
    expect(proxy.connections).toBe(2);
    await proxy.close();
    await closed;
    expect(proxy.connections).toBe(0);
    await echo.close();
    const refused = net.connect({ host: '127.0.0.1', port: proxy.port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    refused.destroy();
    await new Promise((r) => setImmediate(r));
    // Handles of earlier tests may still be closing: no more than before is the claim.
    expect(tcpHandles()).toBeLessThanOrEqual(before);
  });
});

describe('proxies for a lab', () => {
  it('mirrors 127.20.x.y to 127.120.x.y and other addresses to an ephemeral port', () => {
    expect(mirrorAddress({ host: '127.20.1.7', port: 22 })).toEqual({ host: '127.120.1.7', port: 22 });
    expect(mirrorAddress({ host: '127.20.1.7', port: 22 }, 1)).toEqual({ host: '127.21.1.7', port: 22 });
    expect(mirrorAddress({ host: '10.0.0.1', port: 22 })).toEqual({ host: '127.0.0.1' });
  });

  it('derives known_hosts lines for the proxy addresses', () => {
    const text = [
      '# comment',
      '127.20.0.1 ssh-ed25519 AAAAkey1',
      '[127.20.0.2]:2222 ssh-ed25519 AAAAkey2 comment',
      '@cert-authority * ssh-ed25519 AAAAca',
      '127.20.0.9 ssh-ed25519 AAAAother',
    ].join('\n');
    const out = deriveKnownHosts(text, [
      { name: 'a', host: '127.20.0.1', port: 22, proxy: { host: '127.120.0.1', port: 22 } },
      { name: 'b', host: '127.20.0.2', port: 2222, proxy: { host: '127.0.0.1', port: 40001 } },
    ]);
    expect(out).toBe('127.120.0.1 ssh-ed25519 AAAAkey1\n[127.0.0.1]:40001 ssh-ed25519 AAAAkey2 comment\n');
  });

  it('writes an inventory that keeps names and settings and points at the proxies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latency-proxy-test-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const inventoryFile = join(dir, 'hosts.yaml');
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(
      inventoryFile,
      `defaults: {user: root, key: /k, known_hosts: ${knownHostsFile}}\nhosts:\n  web1: {host: 127.0.0.1, port: ${echo.port}, labels: {role: web}}\n`,
    );
    await writeFile(knownHostsFile, `[127.0.0.1]:${echo.port} ssh-ed25519 AAAAkey\n`);
    const proxies = await startLatencyProxies({
      targets: [{ name: 'web1', host: '127.0.0.1', port: echo.port }],
      rttMs: 0,
      listenFor: () => ({ host: '127.0.0.1' }),
    });
    cleanups.push(() => proxies.close());
    const [web1] = proxies.hosts;
    if (web1 === undefined) throw new Error('no proxy');
    const out = await writeProxiedInventory({
      inventoryFile,
      knownHostsFile,
      hosts: proxies.hosts,
      outInventory: join(dir, 'proxied.yaml'),
      outKnownHosts: join(dir, 'proxied_known_hosts'),
    });
    const doc = parse(await readFile(out.inventoryFile, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(doc['defaults']).toEqual({ user: 'root', key: '/k', known_hosts: out.knownHostsFile });
    expect(doc['hosts']).toEqual({ web1: { host: '127.0.0.1', port: web1.proxy.port, labels: { role: 'web' } } });
    expect(await readFile(out.knownHostsFile, 'utf8')).toBe(`[127.0.0.1]:${web1.proxy.port} ssh-ed25519 AAAAkey\n`);
    const { socket } = await connectAndGreet(web1.proxy.port);
    socket.destroy();
  });
});
