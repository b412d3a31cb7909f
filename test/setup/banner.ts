import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface BannerWaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Checked between attempts: throw to stop waiting (e.g. the server process already exited). */
  check?: () => void;
}

/**
 * Resolve with the server's SSH identification line (`SSH-2.0-...`) once `host:port` sends it.
 * Refused, reset or silent connections are retried with a short back-off until the deadline:
 * readiness is the banner itself, never a fixed sleep. (Docker's port proxy accepts before sshd
 * listens and then closes, so "connected" alone means nothing.)
 */
export async function waitForSshBanner(host: string, port: number, options: BannerWaitOptions = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let pause = 5;
  for (;;) {
    options.signal?.throwIfAborted();
    options.check?.();
    try {
      return await readBanner(host, port, Math.max(1, Math.min(5_000, deadline - Date.now())));
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(`no SSH banner from ${host}:${port}: ${(err as Error).message}`, { cause: err });
      }
    }
    await delay(pause, undefined, { signal: options.signal });
    pause = Math.min(pause * 2, 100);
  }
}

/** One attempt: connect, read up to the first `SSH-` line, close. */
export function readBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    let buffered = '';
    const finish = (err: Error | undefined, banner?: string): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(banner ?? '');
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`timed out after ${timeoutMs} ms`)));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n').slice(0, -1)) {
        if (line.startsWith('SSH-')) return finish(undefined, line.replace(/\r$/, ''));
      }
      if (buffered.length > 8_192) finish(new Error('no SSH identification line'));
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('closed before the SSH banner')));
  });
}
