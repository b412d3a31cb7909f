/**
 * Where a connect attempt was when it failed, for the retry policy (no credential is sent before
 * 'authentication'). Its own module so that the retry policy does not load the handshake code
 * and ssh2 (lazy-ssh-transport.ts).
 */
import type { FleetError } from '../../errors.js';

/** Where a connect attempt was when it failed. */
export type ConnectStage = 'tcp' | 'ssh-handshake' | 'authentication';

// Kept beside the error rather than in it: errors stay as translated.
const failedStages = new WeakMap<FleetError, ConnectStage>();

/** Records the stage `error` ended a connect attempt in (the first record wins). */
export function recordConnectStage(error: FleetError, stage: ConnectStage): void {
  if (!failedStages.has(error)) failedStages.set(error, stage);
}

/** The stage in which `error` ended a connect attempt; undefined for errors not from connectSsh. */
export function connectStageOf(error: FleetError): ConnectStage | undefined {
  return failedStages.get(error);
}
