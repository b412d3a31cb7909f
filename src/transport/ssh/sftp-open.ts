/**
 * Opens an SFTP channel on a host's shared ssh2 connection, under the connection's session
 * semaphore: an SFTP channel is a session like an exec, and counts against the server's
 * MaxSessions. The slot is held until the channel closes.
 */
import type { SFTPWrapper } from 'ssh2';
import type { Semaphore } from '../../concurrency/semaphore.js';
import { FleetError } from '../../errors.js';
import { abortError, translateSshError } from './errors.js';
import { retryAfterSessionRefusal } from './session-retry.js';
import type { SshLink } from './link.js';
import { SshSftpSession } from './sftp.js';

/** What opening a session needs from its connection. */
export interface SftpOpenContext {
  link: SshLink;
  sessions: Semaphore;
}

/** Opens one SFTP session; rejects only with FleetError. */
export async function openSftpSession(ctx: SftpOpenContext, signal: AbortSignal | undefined): Promise<SshSftpSession> {
  const host = ctx.link.target.host;
  for (let attempt = 0; ; attempt += 1) {
    if (signal?.aborted) throw abortError(signal, host);
    const release = await ctx.sessions.acquire(signal ? { signal } : {}).catch(() => {
      throw signal ? abortError(signal, host) : new FleetError('FLEET_CANCELLED', `${host}: cancelled`, { host });
    });
    let sftp: SFTPWrapper;
    try {
      sftp = await startSftp(ctx.link);
    } catch (error) {
      release();
      await retryAfterSessionRefusal(error, attempt, ctx.sessions, signal);
      continue;
    }
    ctx.link.batchWrites();
    const session = new SshSftpSession(host, sftp, () => ctx.link.failure, release, () => ctx.link.corkForTick());
    if (signal?.aborted) {
      await session.end();
      throw abortError(signal, host);
    }
    return session;
  }
}

function startSftp(link: SshLink): Promise<SFTPWrapper> {
  const ctx = { ...link.target, phase: 'session' as const };
  return new Promise<SFTPWrapper>((resolve, reject) => {
    try {
      link.client.sftp((err, sftp) => {
        if (err) reject(translateSshError(err, ctx));
        else resolve(sftp);
      });
    } catch (error) {
      reject(link.failure ?? translateSshError(error, ctx));
    }
  });
}
