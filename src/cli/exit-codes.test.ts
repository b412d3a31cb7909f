import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FleetError, type FleetErrorCode } from '../errors.js';
import { statusOfError, summarize, type HostStatus } from '../result.js';
import { ExitCode, exitCodeForError, exitCodeForSummary, type FailOn } from './exit-codes.js';

const code = (statuses: HostStatus[], failOn?: FailOn, interrupted = false) => exitCodeForSummary(summarize(statuses), interrupted, failOn);

describe('exitCodeForSummary', () => {
  it('follows the DESIGN §2 table by default (--fail-on any)', () => {
    expect(code(['ok', 'unchanged'])).toBe(ExitCode.Ok);
    expect(code(['ok', 'failed'])).toBe(ExitCode.CommandFailed);
    expect(code(['failed', 'timeout'])).toBe(ExitCode.HostFailed);
    expect(code(['ok', 'unreachable'])).toBe(ExitCode.HostFailed);
    expect(code([])).toBe(ExitCode.Ok);
  });

  it('counts skipped hosts as hosts that did not run', () => {
    expect(code(['ok', 'skipped'])).toBe(ExitCode.HostFailed);
    expect(code(['failed', 'skipped'])).toBe(ExitCode.HostFailed);
  });

  it('counts lost hosts (a dead shard\'s, outcome unknown) as hosts that did not finish: 3', () => {
    expect(code(['ok', 'lost'])).toBe(ExitCode.HostFailed);
    expect(code(['failed', 'lost'])).toBe(ExitCode.HostFailed);
  });

  it('is 130 when interrupted, whatever else happened and whatever --fail-on says', () => {
    expect(code(['ok', 'interrupted'])).toBe(ExitCode.Interrupted);
    expect(code(['ok', 'ok'], 'never', true)).toBe(ExitCode.Interrupted);
  });

  it('--fail-on all: non-zero only when no host succeeded', () => {
    expect(code(['ok', 'failed', 'unreachable'], 'all')).toBe(ExitCode.Ok);
    expect(code(['failed', 'failed'], 'all')).toBe(ExitCode.CommandFailed);
    expect(code(['failed', 'unreachable'], 'all')).toBe(ExitCode.HostFailed);
  });

  it('--fail-on never: host outcomes never fail the command', () => {
    expect(code(['failed', 'unreachable', 'skipped'], 'never')).toBe(ExitCode.Ok);
  });
});

describe('exitCodeForError', () => {
  it('maps usage codes to 2, cancellation to 130, the rest to 70', () => {
    expect(exitCodeForError(new FleetError('FLEET_USAGE', 'x'))).toBe(ExitCode.Usage);
    expect(exitCodeForError(new FleetError('FLEET_CANCELLED', 'x'))).toBe(ExitCode.Interrupted);
    expect(exitCodeForError(new Error('bug'))).toBe(ExitCode.Internal);
    expect(exitCodeForError(new FleetError('FLEET_RETRY_REFUSED', 'x'))).toBe(ExitCode.Usage);
    expect(exitCodeForError(new FleetError('FLEET_SHARD_MISMATCH', 'x'))).toBe(ExitCode.Usage);
  });
});

describe('every FLEET_* code exits as docs/errors.md says', () => {
  // A Record over the union: adding a code without listing it here fails to compile.
  const ALL: Record<FleetErrorCode, true> = {
    FLEET_AUTH_FAILED: true, FLEET_CANCELLED: true, FLEET_CHANNEL_OPEN_FAILED: true, FLEET_CHECKSUM_MISMATCH: true,
    FLEET_CONFIG_INVALID: true, FLEET_CONNECT_REFUSED: true, FLEET_CONNECT_TIMEOUT: true, FLEET_CONNECTION_LOST: true,
    FLEET_DNS: true, FLEET_EVENTS_OVERFLOW: true, FLEET_HANDSHAKE_FAILED: true, FLEET_HOSTKEY_CHANGED: true,
    FLEET_HOSTKEY_REVOKED: true, FLEET_HOSTKEY_UNKNOWN: true, FLEET_HOST_LOST: true, FLEET_RETRY_REFUSED: true, FLEET_SHARD_MISMATCH: true, FLEET_INTERNAL: true, FLEET_INVENTORY_INVALID: true,
    FLEET_INVENTORY_NOT_FOUND: true, FLEET_INVENTORY_PARSE: true, FLEET_KEY_INVALID: true, FLEET_LOCAL_IO: true,
    FLEET_SELECTOR_EMPTY: true, FLEET_SELECTOR_INVALID: true, FLEET_SFTP_FAILURE: true, FLEET_SFTP_NO_SPACE: true,
    FLEET_SFTP_NO_SUCH_FILE: true, FLEET_SFTP_PERMISSION_DENIED: true, FLEET_SKIPPED: true, FLEET_STEPS_INVALID: true, FLEET_TEMPLATE_UNDEFINED: true,
    FLEET_TIMEOUT: true, FLEET_UNREACHABLE: true, FLEET_UNSAFE_PATH: true, FLEET_USAGE: true, FLEET_VERIFY_FAILED: true,
  };
  // `| \`CODE\` | status[ / status] | exit[ / exit] | ...`, the first of each pair per host.
  const rows = new Map<string, { statuses: string[]; exits: string[] }>();
  for (const line of readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').split('\n')) {
    const m = /^\| `(FLEET_[A-Z_]+)` \| ([^|]+) \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1] as string, { statuses: (m[2] as string).split('/').map((x) => x.trim()), exits: (m[3] as string).split('/').map((x) => x.trim()) });
  }

  it('documents every code of the union, and nothing else', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ALL).sort());
  });

  it.each(Object.keys(ALL) as FleetErrorCode[])('%s', (code) => {
    const row = rows.get(code);
    expect(row).toBeDefined();
    if (row === undefined) return;
    row.statuses.forEach((status, i) => {
      const exit = Number.parseInt(row.exits[i] ?? '', 10);
      if (status === '–') {
        // Ends the command before or outside the fan-out (library-only codes have no exit: '–').
        if (!Number.isNaN(exit)) expect(exitCodeForError(new FleetError(code, 'x'))).toBe(exit);
        return;
      }
      // Found on one host: that host's status, and the run's exit code from it.
      expect(statusOfError(code)).toBe(status);
      expect(exitCodeForSummary(summarize([statusOfError(code)]), false)).toBe(exit);
    });
    // Never a bug's exit code unless it is the bug code.
    if (code !== 'FLEET_INTERNAL') expect(exitCodeForError(new FleetError(code, 'x'))).not.toBe(ExitCode.Internal);
  });
});
