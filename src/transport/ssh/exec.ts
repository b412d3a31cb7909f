/**
 * One command on an open connection: a session slot (the server's MaxSessions), an exec channel
 * running the wrapped command, output streamed with the pgid report stripped, and exit/close
 * turned into one promise. Abort kills the remote process group before the promise rejects.
 */
import { finished } from 'node:stream/promises';
import type { ClientChannel } from 'ssh2';
import { onAbort } from '../../concurrency/abort-fan-out.js';
import type { Semaphore } from '../../concurrency/semaphore.js';
import { FleetError, toFleetError } from '../../errors.js';
import type { ExecExit, ExecRequest } from '../transport.js';
import { abortError, translateSshError } from './errors.js';
import { retryAfterSessionRefusal } from './session-retry.js';
import type { GroupKiller } from './group-killer.js';
import type { SshLink } from './link.js';
import { PgidMarkerParser, wrapCommand } from './remote-command.js';

/** What an exec needs from its connection. */
export interface ExecContext {
  link: SshLink;
  sessions: Semaphore;
  killer: GroupKiller;
  /**
   * Registers an exec's controller, to be aborted when the connection closes (running commands are
   * stopped like a cancel); returns the unregister function. One Set in the connection rather than
   * one listener per exec on a shared signal, which would trip MaxListenersExceededWarning.
   */
  watchClose(controller: AbortController): () => void;
  /** A second connection to the host with its own session slots (see openSession). */
  side?: () => Promise<SideLane | undefined>;
}

/** A second connection to a host and the semaphore of its sessions. */
export interface SideLane {
  link: SshLink;
  sessions: Semaphore;
}

// Bounds of the abort path: wait for the pgid report, then for the channel to close after the kill.
const PGID_WAIT_MS = 2000;
const CLOSE_WAIT_MS = 2000;
// Stdin waits for the pgid report to pass (it must come first on a pty's single stream), not forever.
const PTY_STDIN_HOLD_MS = 2000;
// No echo: stdin (a sudo password, say) written before the program turns echo off itself would
// otherwise come straight back as output.
const PTY_OPTIONS = { term: 'xterm', rows: 24, cols: 200, modes: { ECHO: 0 } } as const;

/** Runs `req` on the connection of `ctx`. Rejects only with FleetError. */
export async function runExec(ctx: ExecContext, req: ExecRequest): Promise<ExecExit> {
  const host = ctx.link.target.host;
  // One local signal for "the caller aborted or the connection is closing"; listeners removed in finally.
  const local = new AbortController();
  const unwatch = ctx.watchClose(local);
  const relay = (): void => local.abort(abortError(req.signal as AbortSignal, host));
  // One listener on the caller's signal however many commands share it (see onAbort).
  let stopRelay = (): void => {};
  if (req.signal?.aborted) relay();
  else if (req.signal) stopRelay = onAbort(req.signal, relay);
  try {
    if (local.signal.aborted) throw abortError(local.signal, host);
    const command = wrapCommand(req.command, req.env);
    const t0 = performance.now();
    const { opened, release, link } = await openSession(ctx, command, req.pty === true, local.signal, req.aliveWithinMs);
    try {
      const t1 = performance.now();
      req.onTiming?.('channel', t1 - t0);
      const exit = await drive({ ...ctx, link }, opened, req, local);
      req.onTiming?.('exit', performance.now() - t1);
      return exit;
    } finally {
      release();
    }
  } catch (error) {
    throw toFleetError(error, host);
  } finally {
    stopRelay();
    unwatch();
  }
}

async function openSession(ctx: ExecContext, command: string, pty: boolean, signal: AbortSignal, aliveWithinMs: number | undefined): Promise<{ opened: OpenChannel; release: () => void; link: SshLink }> {
  for (let attempt = 0; ; attempt += 1) {
    // A server that allows one session, and it is held: its holder may be waiting for this very
    // command (an upload's SFTP session for its checksum), so waiting for the slot could
    // deadlock. The command goes over a second connection instead.
    if (ctx.sessions.limit === 1 && ctx.sessions.active >= 1) {
      const lane = await ctx.side?.();
      if (lane !== undefined) return openOn(lane, command, pty, signal);
    }
    try {
      return await openOn(ctx, command, pty, signal, aliveWithinMs);
    } catch (error) {
      await retryAfterSessionRefusal(error, attempt, ctx.sessions, signal);
    }
  }
}

/** Opens the channel on `lane` (a connection and its session slots); the slot is released on failure. */
async function openOn(lane: SideLane, command: string, pty: boolean, signal: AbortSignal, aliveWithinMs?: number): Promise<{ opened: OpenChannel; release: () => void; link: SshLink }> {
  const release = await lane.sessions.acquire({ signal }).catch(() => {
    throw abortError(signal, lane.link.target.host);
  });
  try {
    return { opened: await openChannel(lane.link, command, pty, aliveWithinMs), release, link: lane.link };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Opens the session channel and starts recording its exit at once: ssh2 emits 'exit' as a plain
 * event while it parses a batch of packets, and for a quick command the exit-status often arrives
 * in the same batch as the exec reply, before any listener added after an `await` could see it.
 */
function openChannel(link: SshLink, command: string, pty: boolean, aliveWithinMs?: number): Promise<OpenChannel> {
  const ctx = { ...link.target, phase: 'session' as const };
  const dead = aliveWithinMs === undefined ? undefined : livenessCheck(link, aliveWithinMs);
  return new Promise<OpenChannel>((resolve, reject) => {
    // Whatever ssh2 does with the pending open of a torn-down connection, the exec ends here.
    void dead?.then((notStarted) => notStarted && reject(notStarted));
    try {
      link.client.exec(command, pty ? { pty: PTY_OPTIONS } : {}, (err, channel) => {
        if (err) {
          // Failed with the keepalive unanswered: the channel never opened, nothing was sent.
          void (dead ?? Promise.resolve(undefined)).then((notStarted) => reject(notStarted ?? translateSshError(err, ctx)));
          return;
        }
        const opened: OpenChannel = { channel, exit: undefined };
        channel.on('exit', (code: number | null, signalName?: string) => {
          opened.exit ??= { exitCode: typeof code === 'number' ? code : null, signal: signalName ?? null };
        });
        resolve(opened);
      });
    } catch (error) {
      reject(link.failure ?? translateSshError(error, ctx));
    }
  });
}

/**
 * Sends a keepalive now, just before the channel open; resolves undefined when it is answered,
 * else with the not-started error, after tearing the connection down. The teardown runs in the
 * same macrotask as the timeout (microtasks only in between), so no packet read later, e.g. a
 * late channel confirmation, can make ssh2 send the exec request.
 */
function livenessCheck(link: SshLink, withinMs: number): Promise<FleetError | undefined> {
  const host = link.target.host;
  return link.roundTrip(AbortSignal.timeout(withinMs)).then(
    () => undefined,
    (error: unknown) => {
      link.destroy();
      const why = error instanceof FleetError ? error.message : `no answer within ${withinMs} ms`;
      return new FleetError('FLEET_CONNECTION_LOST', `${host}: the connection did not answer before the command was sent (${why})`, { host, details: { started: false } }, { cause: error });
    },
  );
}

/** A session channel and its exit status, once the server has sent it. */
interface OpenChannel {
  channel: ClientChannel;
  exit: ExecExit | undefined;
}

function drive(ctx: ExecContext, opened: OpenChannel, req: ExecRequest, local: AbortController): Promise<ExecExit> {
  const { link } = ctx;
  const { channel } = opened;
  const host = link.target.host;
  const pty = req.pty === true;
  return new Promise<ExecExit>((resolve, reject) => {
    let aborting = false;
    let stdinTimer: NodeJS.Timeout | undefined;
    let resolvePgid!: (pgid: number | undefined) => void;
    const pgidKnown = new Promise<number | undefined>((r) => (resolvePgid = r));

    const writeStdin = (): void => {
      if (stdinTimer !== undefined) clearTimeout(stdinTimer);
      stdinTimer = undefined;
      if (channel.writableEnded) return;
      if (req.stdin === undefined) channel.end();
      else channel.end(req.stdin);
    };
    const parser = new PgidMarkerParser((pgid) => {
      resolvePgid(pgid);
      if (pty) writeStdin();
    });
    // A throwing callback is the caller's bug: stop the command and report it, do not crash.
    const deliver = (sink: ((chunk: Buffer) => void) | undefined, chunk: Buffer): void => {
      if (sink === undefined || chunk.length === 0 || aborting) return;
      try {
        sink(chunk);
      } catch (error) {
        local.abort(toFleetError(error, host));
      }
    };
    // ssh2 channels are streams: an 'error' without a listener would crash the process (e.g. stdin
    // written to a command that already exited). The outcome is decided by exit/close below.
    channel.on('error', () => undefined);
    channel.stderr.on('error', () => undefined);
    const markerStream = pty ? channel : channel.stderr;
    // A congested consumer pauses the channel; ssh2 then stops replenishing its window.
    const flow = req.flow;
    let paused = false;
    const holdBack = (): void => {
      if (flow === undefined || paused || !flow.congested) return;
      paused = true;
      channel.pause();
      channel.stderr.pause();
      void flow.whenClear().then(() => {
        paused = false;
        channel.resume();
        channel.stderr.resume();
      });
    };
    channel.on('data', (chunk: Buffer) => {
      deliver(req.onStdout, pty ? parser.push(chunk) : chunk);
      holdBack();
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      deliver(req.onStderr, pty ? chunk : parser.push(chunk));
      holdBack();
    });
    markerStream.once('end', () => deliver(pty ? req.onStdout : req.onStderr, parser.end()));
    // 'close' comes after the channel's own 'end'; stderr may end a tick apart: wait for both.
    const closed = Promise.allSettled([new Promise((r) => channel.once('close', r)), finished(channel.stderr)]);

    if (pty) stdinTimer = setTimeout(writeStdin, PTY_STDIN_HOLD_MS);
    else writeStdin();

    const onAbort = (): void => {
      if (opened.exit !== undefined || aborting) return;
      aborting = true;
      // A channel held back for a slow reader must flow again to reach its close (output is dropped now).
      if (paused) {
        channel.resume();
        channel.stderr.resume();
      }
      void stopCommand().then(() => reject(abortError(local.signal, host)));
    };
    const stopCommand = async (): Promise<void> => {
      const pgid = parser.done ? parser.pgid : await withTimeout(pgidKnown, PGID_WAIT_MS);
      if (pgid !== undefined) {
        await ctx.killer.kill(pgid);
      } else {
        // No report (not a POSIX shell?): a signal request works for non-root users at least.
        try {
          channel.signal('KILL');
        } catch {
          // the channel is already gone
        }
      }
      channel.close();
      await withTimeout(closed, CLOSE_WAIT_MS);
      if (stdinTimer !== undefined) clearTimeout(stdinTimer);
    };
    local.signal.addEventListener('abort', onAbort, { once: true });
    if (local.signal.aborted) onAbort();

    void closed.then(() => {
      local.signal.removeEventListener('abort', onAbort);
      if (stdinTimer !== undefined) clearTimeout(stdinTimer);
      resolvePgid(undefined);
      if (aborting) return; // the abort path settles, once the kill is done
      if (opened.exit !== undefined) resolve(opened.exit);
      else if (link.isClosed || link.failure !== undefined) reject(lostError(link));
      else resolve({ exitCode: null, signal: null });
    });
  });
}

/** `promise`'s value, or undefined after `ms`; the timer never outlives the race (no 2 s exit stall). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function lostError(link: SshLink): FleetError {
  const { host, address, port } = link.target;
  if (link.failure !== undefined) return link.failure;
  if (link.isClosing) return new FleetError('FLEET_CANCELLED', `${host}: the connection was closed while the command ran`, { host });
  return new FleetError('FLEET_CONNECTION_LOST', `${host} (${address}:${port}): connection lost while the command ran`, { host });
}
