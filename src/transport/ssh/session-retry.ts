import { setTimeout as sleep } from 'node:timers/promises';
import type { Semaphore } from '../../concurrency/semaphore.js';
import { FleetError } from '../../errors.js';
import { isSessionLimitError } from './errors.js';

/** Opens after a refusal for the server's session limit, before the refusal is final. */
export const SESSION_LIMIT_RETRIES = 5;
// First pause when no other channel of ours is open: the server is still closing one we ended.
const CLOSING_PAUSE_MS = 25;

/**
 * Decides what to do after a channel open failed: rethrow, or (resolving) try again. A refusal
 * for the server's session limit (its MaxSessions) is retried:
 * - while other channels of this connection are open, the limit shrinks to them and the retry
 *   waits for a slot (back-pressure, DESIGN §7);
 * - with none open, the server is still tearing down a session this connection just closed
 *   (sshd frees it after the channel close, once the child is reaped): a short, growing pause.
 */
export async function retryAfterSessionRefusal(error: unknown, attempt: number, sessions: Semaphore, signal: AbortSignal | undefined): Promise<void> {
  if (!(error instanceof FleetError) || !isSessionLimitError(error) || attempt >= SESSION_LIMIT_RETRIES) throw error;
  const others = sessions.active;
  if (others > 0) {
    sessions.setLimit(others);
    return;
  }
  await sleep(CLOSING_PAUSE_MS * 2 ** attempt, undefined, signal ? { signal } : {}).catch(() => {
    throw error;
  });
}
