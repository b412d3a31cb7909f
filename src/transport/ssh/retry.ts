/**
 * Connect retries (`--retries N`): only for failures of the connection phase, before any
 * credential went out, with jittered exponential backoff. A host that refused our key or
 * presented a wrong host key is never asked again; a command is never re-run (retries live
 * below the exec layer, in the connect).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetError, FleetErrorCode } from '../../errors.js';
import { connectStageOf } from './connect-stage.js';
import { abortError } from './errors.js';

/** Default base of the backoff. */
export const DEFAULT_RETRY_DELAY_MS = 250;
/** No wait between attempts is longer than this. */
export const MAX_RETRY_DELAY_MS = 4000;

// Transient by nature: nothing about the host's identity or our credentials was decided.
const RETRYABLE: ReadonlySet<FleetErrorCode> = new Set<FleetErrorCode>([
  'FLEET_CONNECT_REFUSED',
  'FLEET_CONNECT_TIMEOUT',
  'FLEET_CONNECTION_LOST',
  'FLEET_UNREACHABLE',
]);

/**
 * True when a connect failed in a way worth another attempt: refused, reset, unreachable or timed
 * out while still in TCP or the SSH handshake. Failures during authentication are final (the server
 * may count them: MaxAuthTries, PerSourcePenalties), and so are host key, key file and config errors.
 */
export function isRetryableConnectError(error: FleetError): boolean {
  if (!RETRYABLE.has(error.code)) return false;
  const stage = connectStageOf(error);
  return stage === 'tcp' || stage === 'ssh-handshake';
}

/**
 * The wait before retry number `retry` (1-based): `base * 2^(retry-1)`, capped, with "equal jitter"
 * (half fixed, half random) so a fleet of hosts refused together does not come back together.
 */
export function backoffDelayMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Options of {@link withConnectRetries}. */
export interface ConnectRetryOptions {
  retries: number;
  baseDelayMs: number;
  /** Host name for the abort error. */
  host: string;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it resolves, fails with a non-retryable error, or `retries` extra attempts
 * are used up; the last error is the one reported. Resolves with the value and the attempt count.
 */
export async function withConnectRetries<T>(attempt: () => Promise<T>, opts: ConnectRetryOptions): Promise<{ value: T; attempts: number }> {
  for (let n = 1; ; n += 1) {
    try {
      return { value: await attempt(), attempts: n };
    } catch (error) {
      const failure = error as FleetError;
      if (n > opts.retries || !isRetryableConnectError(failure) || opts.signal?.aborted) throw failure;
      try {
        await sleep(backoffDelayMs(n, opts.baseDelayMs), undefined, opts.signal ? { signal: opts.signal } : {});
      } catch {
        throw abortError(opts.signal as AbortSignal, opts.host);
      }
    }
  }
}
