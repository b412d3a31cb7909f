/**
 * Durations as people type them on the command line (`--timeout 30s`, `--deadline 1h30m`) and as
 * the summary prints them. Milliseconds are the only unit the rest of fleet uses.
 */
import { FleetError } from './errors.js';

/**
 * The largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). Node turns anything larger
 * into 1 ms with a warning, so a "very long" timeout would fire at once; we refuse such values here
 * rather than let `--timeout 999h` mean "now".
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

// Units must appear largest first and at most once (`1h30m`, not `30m1h` or `1m1m`), as Go's
// time.ParseDuration reads them; `ms` is listed before `m` so the alternation does not stop at `m`.
const PART_SOURCE = String.raw`(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)`;
const BARE_NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

/**
 * Parses a human duration into whole milliseconds.
 *
 * Accepted: `500ms`, `10s`, `1.5s`, `2m`, `1h`, compounds largest unit first (`1h30m`, `2m05s`),
 * and a bare number, which means **seconds** (`30` is 30 s, as `ssh -o ConnectTimeout=30` and
 * `timeout 30` read it). Surrounding whitespace is ignored; `0` is allowed (callers decide what a
 * zero timeout means). Fractions of a millisecond are rounded to the nearest millisecond.
 *
 * @param text - what the user typed.
 * @param name - the flag or key it came from (`--timeout`), quoted in the error message.
 * @returns the duration in milliseconds, an integer in `[0, MAX_DURATION_MS]`.
 * @throws FleetError `FLEET_USAGE` for empty text, negatives, unknown units, units out of order,
 *   or values above {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string, name: string): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const ms = BARE_NUMBER.test(trimmed) ? Number(trimmed) * 1_000 : parseUnits(trimmed);
  if (ms === undefined || !Number.isFinite(ms)) throw invalid(text, name);
  const rounded = Math.round(ms);
  if (rounded > MAX_DURATION_MS) {
    throw new FleetError(
      'FLEET_USAGE',
      // Whole hours: formatDuration(MAX_DURATION_MS) rounds up to a value this very check rejects.
      `duration for ${name} is too long: '${String(text)}' (at most ${Math.floor(MAX_DURATION_MS / UNIT_MS.h)}h)`,
      { details: { name, value: String(text) } },
    );
  }
  return rounded;
}

function parseUnits(text: string): number | undefined {
  if (text === '') return undefined;
  // A fresh sticky regex per call: a shared one would carry `lastIndex` between calls.
  const part = new RegExp(PART_SOURCE, 'y');
  let total = 0;
  let nextUnit = 0; // index into UNIT_ORDER: each part must use a strictly smaller unit
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    if (match === null) return undefined;
    const unit = match[2] as Unit;
    const order = UNIT_ORDER.indexOf(unit);
    if (order < nextUnit) return undefined;
    nextUnit = order + 1;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return total;
}

function invalid(text: unknown, name: string): FleetError {
  return new FleetError(
    'FLEET_USAGE',
    `invalid duration for ${name}: '${String(text)}' (use e.g. 500ms, 10s, 2m, 1h)`,
    { details: { name, value: String(text) } },
  );
}

/**
 * Formats milliseconds for people: `850ms`, `1.2s`, `42s`, `2m05s`, `1h02m05s`.
 * The output is always accepted back by {@link parseDuration}.
 *
 * @throws TypeError if `ms` is negative, NaN or infinite (a bug in the caller, not user input).
 */
export function formatDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new TypeError(`The "ms" argument must be a finite number >= 0. Received ${String(ms)}`);
  }
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  // Round once, at the precision we print, so 59.96 s becomes 1m00s rather than "60.0s".
  if (ms < 59_950) {
    const tenths = Math.round(ms / 100);
    return tenths % 10 === 0 ? `${tenths / 10}s` : `${(tenths / 10).toFixed(1)}s`;
  }
  const totalSeconds = Math.round(ms / 1_000);
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const mmss = `${pad2(minutes)}m${pad2(seconds)}s`;
  return hours > 0 ? `${hours}h${mmss}` : `${minutes}m${pad2(seconds)}s`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
