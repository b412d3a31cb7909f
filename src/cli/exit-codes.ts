// On the start-up path: a leaf module, not the internal entry (see .dependency-cruiser.cjs).
import { isFleetError, type FleetErrorCode } from '../errors.js';
import type { RunSummary } from '../internal.js';

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
  /** The reader of our output went away (128 + SIGPIPE): `fleet exec ... | head -1`. */
  BrokenPipe: 141,
} as const;

/** A value of the ExitCode table. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE_CODES: ReadonlySet<FleetErrorCode> = new Set<FleetErrorCode>([
  'FLEET_CONFIG_INVALID',
  'FLEET_INVENTORY_INVALID',
  'FLEET_INVENTORY_NOT_FOUND',
  'FLEET_INVENTORY_PARSE',
  'FLEET_KEY_INVALID',
  'FLEET_RETRY_REFUSED',
  'FLEET_SELECTOR_EMPTY',
  'FLEET_SELECTOR_INVALID',
  'FLEET_SHARD_MISMATCH',
  'FLEET_STEPS_INVALID',
  'FLEET_USAGE',
]);

/**
 * When host outcomes make the exit code non-zero (`--fail-on`):
 * - `any` (the default, DESIGN §2): any host that did not succeed;
 * - `all`: only when no host succeeded (e.g. "is the service up anywhere?");
 * - `never`: host outcomes never do (the report says what happened; exit 2, 70 and 130 remain).
 */
export type FailOn = 'any' | 'all' | 'never';

/** Every `--fail-on` value, for option parsing. */
export const FAIL_ON_VALUES: readonly FailOn[] = ['any', 'all', 'never'];

/**
 * The exit code of a finished run, from its counts. Interrupted (a Ctrl-C, or a host ended
 * `interrupted`) is 130 whatever `failOn` says. A `skipped` host did not run (max-fail, canary,
 * deadline), so it counts with the hosts that failed to run (3), as DESIGN §2 defines 3; so does
 * `lost` (a merged shard report's host whose outcome is unknown).
 */
export function exitCodeForSummary(summary: RunSummary, interrupted: boolean, failOn: FailOn = 'any'): ExitCodeValue {
  if (interrupted || summary.interrupted > 0) return ExitCode.Interrupted;
  const succeeded = summary.ok + summary.unchanged;
  if (failOn === 'never' || succeeded === summary.total) return ExitCode.Ok;
  if (failOn === 'all' && succeeded > 0) return ExitCode.Ok;
  const couldNotRun = summary.timeout + summary.unreachable + summary.auth + summary.hostkey + summary.error + summary.skipped + summary.lost;
  if (couldNotRun > 0) return ExitCode.HostFailed;
  if (summary.failed > 0) return ExitCode.CommandFailed;
  return ExitCode.Ok;
}

/**
 * The exit code for an error that ended the command before or outside the fan-out: usage and
 * config codes 2, cancellation 130, `FLEET_INTERNAL` and anything that is not a FleetError 70 (a
 * bug), and every other code 3, as docs/errors.md gives it: a host or transfer failure that
 * escaped the fan-out (a single-host command) is still a host that failed to run, not a bug.
 */
export function exitCodeForError(error: unknown): ExitCodeValue {
  if (!isFleetError(error)) return ExitCode.Internal;
  if (USAGE_CODES.has(error.code)) return ExitCode.Usage;
  if (error.code === 'FLEET_CANCELLED') return ExitCode.Interrupted;
  if (error.code === 'FLEET_INTERNAL') return ExitCode.Internal;
  return ExitCode.HostFailed;
}
