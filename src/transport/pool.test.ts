import { describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors.js';
import { ConnectionPool, isOutOfDescriptors, type PoolConnectOptions } from './pool.js';
import type { ConnectionSlot, ConnectOptions, ConnectTarget, Connection, JumpHosts, Transport } from './transport.js';

function target(name: string): ConnectTarget {
  return { name, address: name, port: 22, user: 'u', identityFiles: [] };
}

/** A transport whose connects the test settles by hand; counts what is open and in flight. */
class ScriptedTransport implements Transport {
  inFlight = 0;
  peakInFlight = 0;
  open = 0;
  connects = 0;
  closedHosts: string[] = [];
  pending: Array<{ target: ConnectTarget; resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal | undefined }> = [];
  /** When set, a connect fails at once with this (e.g. EMFILE) while it returns true. */
  failWhen: ((t: ConnectTarget) => unknown) | undefined;
  auto = true;

  connect(t: ConnectTarget, opts: ConnectOptions): Promise<Connection> {
    this.connects += 1;
    const failure = this.failWhen?.(t);
    if (failure !== undefined) return Promise.reject(failure);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    return new Promise<Connection>((resolve, reject) => {
      let closedResolve: (v: undefined) => void = () => {};
      const closed = new Promise<FleetError | undefined>((r) => {
        closedResolve = r;
      });
      let isClosed = false;
      const conn = {
        host: t.name,
        closed,
        close: async () => {
          if (isClosed) return;
          isClosed = true;
          this.open -= 1;
          this.closedHosts.push(t.name);
          closedResolve(undefined);
        },
      } as unknown as Connection;
      const done = (): void => {
        this.inFlight -= 1;
        this.open += 1;
        resolve(conn);
      };
      const fail = (e: unknown): void => {
        this.inFlight -= 1;
        reject(e);
      };
      opts.signal?.addEventListener('abort', () => fail(opts.signal?.reason), { once: true });
      if (this.auto) setImmediate(done);
      else this.pending.push({ target: t, resolve: done, reject: fail, signal: opts.signal });
    });
  }
}

const options = () => ({}) as PoolConnectOptions;

/** One jump host for every target with a proxyJump, opened in a pool slot, held as the contract says. */
class OneJumpHost implements JumpHosts {
  opened = 0;
  open = false;
  users = 0;
  #slot: ConnectionSlot | undefined;
  #connecting: Promise<void> | undefined;

  async hold(t: ConnectTarget, opts: ConnectOptions): Promise<(() => void) | undefined> {
    if (!t.proxyJump) return undefined;
    this.#connecting ??= (async () => {
      const slots = opts.slots;
      if (slots === undefined) throw new Error('no slots given');
      this.#slot = await slots.take('bastion', () => this.#closeNow());
      this.opened += 1;
      this.open = true;
    })();
    await this.#connecting;
    this.users += 1;
    this.#slot?.setIdle(false);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.users -= 1;
      if (this.users === 0) this.#slot?.setIdle(true);
    };
  }

  #closeNow(): void {
    this.open = false;
    this.#connecting = undefined;
    this.#slot?.release();
  }

  async close(): Promise<void> {
    if (this.open) this.#closeNow();
  }
}
const never = new AbortController().signal;

describe('ConnectionPool', () => {
  it('never has more connections open than its cap, and every host gets one', async () => {
    const transport = new ScriptedTransport();
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 3 });
    let peakOpen = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const conn = await pool.acquire(target(`h${i}`), never);
        peakOpen = Math.max(peakOpen, transport.open);
        await new Promise((r) => setImmediate(r));
        pool.release(conn);
      }),
    );
    expect(transport.connects).toBe(20);
    expect(peakOpen).toBeLessThanOrEqual(3);
    expect(pool.peakOpen).toBe(3);
    await pool.close();
    expect(transport.open).toBe(0);
  });

  it('lends one connection to two tasks of a host, and keeps it open after release for the next', async () => {
    const transport = new ScriptedTransport();
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 2 });
    const [a, b] = await Promise.all([pool.acquire(target('h'), never), pool.acquire(target('h'), never)]);
    expect(a).toBe(b);
    pool.release(a);
    pool.release(b);
    expect(pool.isOpen('h')).toBe(true);
    expect(await pool.acquire(target('h'), never)).toBe(a);
    expect(transport.connects).toBe(1);
    await pool.close();
  });

  it('closes an idle connection to make room for a waiting host', async () => {
    const transport = new ScriptedTransport();
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 1 });
    const a = await pool.acquire(target('a'), never);
    const waiting = pool.acquire(target('b'), never);
    pool.release(a);
    await waiting;
    expect(transport.closedHosts).toEqual(['a']);
    await pool.close();
  });

  it('runs at most maxHandshakes connects at once', async () => {
    const transport = new ScriptedTransport();
    transport.auto = false;
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 50, maxHandshakes: 4 });
    const all = Promise.all(Array.from({ length: 12 }, (_, i) => pool.acquire(target(`h${i}`), never)));
    while (transport.connects < 12 || transport.pending.length > 0) {
      await new Promise((r) => setImmediate(r));
      expect(transport.pending.length).toBeLessThanOrEqual(4);
      transport.pending.shift()?.resolve();
    }
    await all;
    expect(transport.peakInFlight).toBeLessThanOrEqual(4);
    await pool.close();
  });

  it('treats EMFILE as back-pressure: lowers its cap, waits for a release and connects again', async () => {
    const transport = new ScriptedTransport();
    // The "process" can hold two sockets.
    transport.failWhen = () => (transport.open + transport.inFlight >= 2 ? Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }) : undefined);
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 10 });
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const conn = await pool.acquire(target(`h${i}`), never);
        await new Promise((r) => setImmediate(r));
        pool.release(conn);
        return conn.host;
      }),
    );
    expect(results).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    expect(pool.limit).toBeLessThanOrEqual(2);
    await pool.close();
  });

  it('backs off when out of descriptors with nothing to wait for; fails the host only when that lasts', async () => {
    const transport = new ScriptedTransport();
    transport.failWhen = () => Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' });
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 10, descriptorBackoffMs: 1 });
    await expect(pool.acquire(target('h'), never)).rejects.toMatchObject({ code: 'FLEET_INTERNAL' });
    expect(transport.connects).toBe(16);
    // A transient shortage (descriptors free again after two tries) is no failure.
    let tries = 0;
    transport.failWhen = () => (++tries <= 2 ? Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }) : undefined);
    await expect(pool.acquire(target('g'), never)).resolves.toMatchObject({ host: 'g' });
    await pool.close();
  });

  it('close() aborts connects in flight and waiting hosts, and closes open connections', async () => {
    const transport = new ScriptedTransport();
    transport.auto = false;
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 1 });
    const first = pool.acquire(target('a'), never);
    const second = pool.acquire(target('b'), never);
    await new Promise((r) => setImmediate(r));
    expect(transport.pending).toHaveLength(1);
    await pool.close();
    await expect(first).rejects.toMatchObject({ code: 'FLEET_CANCELLED' });
    await expect(second).rejects.toMatchObject({ code: 'FLEET_CANCELLED' });
    await expect(pool.acquire(target('c'), never)).rejects.toMatchObject({ code: 'FLEET_CANCELLED' });
  });

  it('closes an idle connection after idleTimeoutMs', async () => {
    const transport = new ScriptedTransport();
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 2, idleTimeoutMs: 20 });
    const conn = await pool.acquire(target('a'), never);
    pool.release(conn);
    await conn.closed;
    expect(pool.isOpen('a')).toBe(false);
    await pool.close();
  });

  it('raiseLimit lifts the cap until restored, then trims idle connections back to it', async () => {
    const transport = new ScriptedTransport();
    const pool = new ConnectionPool({ transport, optionsFor: options, maxConnections: 1 });
    const restore = pool.raiseLimit(3);
    const conns = await Promise.all(['a', 'b', 'c'].map((n) => pool.acquire(target(n), never)));
    expect(pool.openCount).toBe(3);
    for (const c of conns) pool.release(c);
    restore();
    await Promise.all([conns[0]?.closed, conns[1]?.closed]);
    expect(transport.open).toBe(1);
    expect(pool.openCount).toBe(1);
    await pool.close();
  });

  it('isOutOfDescriptors finds EMFILE/ENFILE in an error or its causes', () => {
    expect(isOutOfDescriptors(Object.assign(new Error('x'), { code: 'ENFILE' }))).toBe(true);
    expect(isOutOfDescriptors(new FleetError('FLEET_INTERNAL', 'y', {}, { cause: Object.assign(new Error('z'), { code: 'EMFILE' }) }))).toBe(true);
    expect(isOutOfDescriptors(new Error('ECONNREFUSED'))).toBe(false);
  });

  describe('jump hosts', () => {
    const behind = (name: string): ConnectTarget => ({ ...target(name), proxyJump: 'bastion' });

    it('a jump host takes a slot, the hosts behind it none; idle, it closes for a waiting host', async () => {
      const transport = new ScriptedTransport();
      const jumps = new OneJumpHost();
      const pool = new ConnectionPool({ transport, optionsFor: () => ({ jumps }) as unknown as PoolConnectOptions, maxConnections: 2 });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => pool.acquire(behind(n), never)));
      expect(jumps.opened).toBe(1);
      expect(pool.openCount).toBe(1); // the jump host; a, b and c are channels of it
      const d = await pool.acquire(target('d'), never);
      expect(pool.openCount).toBe(2);
      // The cap is reached: e waits, and closes idle connections behind the jump host, then the jump host.
      const e = pool.acquire(target('e'), never);
      for (const conn of [a, b, c]) if (conn) pool.release(conn);
      await e;
      expect(jumps.open).toBe(false);
      expect(transport.closedHosts.sort()).toEqual(['a', 'b', 'c']);
      expect(pool.peakOpen).toBe(2);
      pool.release(d);
      await pool.close();
      expect(transport.open).toBe(0);
    });

    it('an idle jump host closes after idleTimeoutMs, and close() closes one in use', async () => {
      const transport = new ScriptedTransport();
      const jumps = new OneJumpHost();
      const pool = new ConnectionPool({ transport, optionsFor: () => ({ jumps }) as unknown as PoolConnectOptions, maxConnections: 5, idleTimeoutMs: 20 });
      const a = await pool.acquire(behind('a'), never);
      pool.release(a);
      await a.closed; // idle: closed, which lets go of the jump host, idle in turn
      await vi.waitFor(() => expect(jumps.open).toBe(false));
      expect(pool.openCount).toBe(0);
      await pool.acquire(behind('b'), never);
      expect(jumps.opened).toBe(2);
      await pool.close();
      expect(jumps.open).toBe(false);
      expect(pool.openCount).toBe(0);
    });
  });
});
