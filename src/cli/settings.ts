import { parseDuration } from '../internal.js';
import { FleetError } from '../internal.js';
import type { HostKeyPolicy } from '../internal.js';
import type { HostOverrides } from '../internal.js';
import { HOST_KEY_POLICY } from '../internal.js';
import type { HostSelectionOptions } from '../internal.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';

/** The common options, parsed and validated: what the library is called with. */
export interface CommonSettings {
  forks: number;
  connectTimeoutMs: number | undefined;
  timeoutMs: number | undefined;
  deadlineMs: number | undefined;
  /** Set only when the flag was given: it then overrides the inventory. */
  hostKeyPolicy: HostKeyPolicy | undefined;
  port: number | undefined;
}

/** Parses the common options; a bad value is FLEET_USAGE (exit 2) naming the flag. */
export function parseCommonSettings(options: CommonOptions): CommonSettings {
  return {
    forks: parseInteger(options.forks, '--forks', 1, 100_000),
    connectTimeoutMs:
      options.connectTimeout === undefined ? undefined : parseDuration(options.connectTimeout, '--connect-timeout'),
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout'),
    deadlineMs: options.deadline === undefined ? undefined : parseDuration(options.deadline, '--deadline'),
    hostKeyPolicy: options.strictHostKeys === undefined ? undefined : HOST_KEY_POLICY[options.strictHostKeys],
    port: options.port === undefined ? undefined : parseInteger(options.port, '--port', 1, 65_535),
  };
}

/** Parses a whole number in [min, max]; anything else is FLEET_USAGE naming the flag. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FleetError('FLEET_USAGE', `invalid value for ${flag}: '${text}' (a whole number from ${min} to ${max})`);
  }
  return value;
}

/** What `-i`, `-H`, `-l` and the override flags mean for host selection. */
export function selectionOptions(options: CommonOptions, settings: CommonSettings, io: CliIo): HostSelectionOptions {
  const overrides: HostOverrides = {
    ...(options.user !== undefined && { user: options.user }),
    ...(settings.port !== undefined && { port: settings.port }),
    ...(options.identity && { identityFiles: options.identity }),
    ...(options.passwordEnv !== undefined && { passwordEnv: options.passwordEnv }),
    ...(options.knownHosts && { knownHostsFiles: options.knownHosts }),
    ...(settings.connectTimeoutMs !== undefined && { connectTimeoutMs: settings.connectTimeoutMs }),
  };
  return {
    inventoryFiles: options.inventory ?? [],
    ...(options.hosts !== undefined && { adHoc: options.hosts }),
    ...(options.limit !== undefined && { limit: options.limit }),
    ...(options.sshConfig !== undefined && { sshConfig: options.sshConfig }),
    overrides,
    env: io.env,
    cwd: io.cwd,
    ...(io.env['HOME'] !== undefined && { home: io.env['HOME'] }),
  };
}
