/**
 * Stops remote process groups through a second exec channel on the same connection (DESIGN §8).
 * Kills asked for while one kill runs are batched into the next, so a run-wide Ctrl-C over nine
 * running commands costs two channels at most, not nine. The kill channel bypasses the session
 * semaphore: the connection keeps one session slot free for it (see ssh-connection.ts). A server
 * whose MaxSessions leaves no slot (MaxSessions 1, the one session held by the hung command:
 * sshd keeps a session while its command lives, even after the channel closed) refuses that
 * channel; the kill then goes through a second connection to the host (`side`).
 */
import type { ClientChannel } from 'ssh2';
import { killCommand } from './remote-command.js';
import type { SshLink } from './link.js';

/** Batches process-group kills on one connection. */
export class GroupKiller {
  #link: SshLink;
  #side: (() => Promise<SshLink | undefined>) | undefined;
  #timeoutMs: number;
  #pending = new Set<number>();
  #waiters: Array<() => void> = [];
  #running = false;

  /**
   * @param side - a second connection to the same host, for when this one refuses the channel.
   * @param timeoutMs - bound on one kill round (TERM, grace, KILL, round trips).
   */
  constructor(link: SshLink, side?: () => Promise<SshLink | undefined>, timeoutMs = 5000) {
    this.#link = link;
    this.#side = side;
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves once a kill round covering `pgid` has finished or timed out. Never rejects. */
  kill(pgid: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#pending.add(pgid);
      this.#waiters.push(resolve);
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#pending.size > 0) {
        const pgids = [...this.#pending];
        const waiters = this.#waiters.splice(0);
        this.#pending.clear();
        const started = performance.now();
        const ran = await runQuiet(this.#link, killCommand(pgids), this.#timeoutMs);
        const side = ran ? undefined : await this.#side?.();
        if (side !== undefined) await runQuiet(side, killCommand(pgids), Math.max(0, this.#timeoutMs - (performance.now() - started)));
        for (const done of waiters) done();
      }
    } finally {
      this.#running = false;
    }
  }
}

/**
 * Runs a command whose output does not matter and waits for its channel to close, at most
 * `timeoutMs`. Never rejects: a dead connection or a refused channel just ends the wait.
 * Resolves false when the channel could not be opened at all.
 */
export function runQuiet(link: SshLink, command: string, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let channel: ClientChannel | undefined;
    const timer = setTimeout(() => {
      channel?.close();
      resolve(channel !== undefined);
    }, timeoutMs);
    const done = (opened: boolean): void => {
      clearTimeout(timer);
      resolve(opened);
    };
    try {
      link.client.exec(command, (err, ch) => {
        if (err) return done(false);
        channel = ch;
        ch.on('error', () => undefined); // a stream error must not crash us; close still follows
        ch.on('close', () => done(true));
        ch.resume();
        ch.stderr.resume();
        ch.end();
      });
    } catch {
      done(false);
    }
  });
}
