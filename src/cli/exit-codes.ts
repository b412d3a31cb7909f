import { isFleetError, type FleetErrorCode } from '../errors.js';
import type { RunSummary } from '../result.js';

/** The one table of process exit codes (DESIGN.md §2). */
export const ExitCode = {
  /** Every selected host ran and succeeded. */
  Ok: 0,
  /** Every host ran; at least one command exited non-zero. */
  CommandFailed: 1,
  /** Usage, inventory or config error before any connection. */
  Usage: 2,
  /** At least one host failed to run or finish (wins over CommandFailed). */
  HostFailed: 3,
  /** A bug in fleet. */
  Internal: 70,
  /** Interrupted (128 + SIGINT). */
  Interrupted: 130,
} as const;

/** A value of the ExitCode table. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE_CODES: ReadonlySet<FleetErrorCode> = new Set<FleetErrorCode>([
  'FLEET_CONFIG_INVALID',
  'FLEET_INVENTORY_INVALID',
  'FLEET_INVENTORY_NOT_FOUND',
  'FLEET_INVENTORY_PARSE',
  'FLEET_KEY_INVALID',
  'FLEET_SELECTOR_EMPTY',
  'FLEET_SELECTOR_INVALID',
  'FLEET_USAGE',
]);

/** The exit code of a finished run, from its counts. */
export function exitCodeForSummary(summary: RunSummary, interrupted: boolean): ExitCodeValue {
  if (interrupted || summary.interrupted > 0) return ExitCode.Interrupted;
  const couldNotRun = summary.timeout + summary.unreachable + summary.auth + summary.hostkey + summary.error;
  if (couldNotRun > 0) return ExitCode.HostFailed;
  if (summary.failed > 0) return ExitCode.CommandFailed;
  return ExitCode.Ok;
}

/** The exit code for an error that ended the command before or outside the fan-out. */
export function exitCodeForError(error: unknown): ExitCodeValue {
  if (isFleetError(error)) {
    if (USAGE_CODES.has(error.code)) return ExitCode.Usage;
    if (error.code === 'FLEET_CANCELLED') return ExitCode.Interrupted;
    return ExitCode.Internal;
  }
  return ExitCode.Internal;
}
