import { describe, expect, it } from 'vitest';
import { FleetError } from '../internal.js';
import { summarize, type HostStatus } from '../internal.js';
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
  });
});
