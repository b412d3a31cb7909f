import { HOST_KEY_POLICY, type HostOverrides, type HostSelectionOptions, parseDuration } from '../internal-light.js';
import type { HostKeyPolicy } from '../internal.js';
import { FleetError } from '../errors.js';
import type { CommonOptions, SelectionCliOptions } from './common-options.js';
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
  /** `--keepalive INTERVAL[,COUNT]`; overrides the inventory and ssh_config. */
  keepalive?: { intervalMs: number; countMax?: number } | undefined;
}

/** Parses the common options; a bad value is FLEET_USAGE (exit 2) naming the flag. */
export function parseCommonSettings(options: CommonOptions): CommonSettings {
  return {
    ...parseSelectionSettings(options),
    forks: parseInteger(options.forks, '--forks', 1, 100_000),
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout'),
    deadlineMs: options.deadline === undefined ? undefined : parseDuration(options.deadline, '--deadline'),
    hostKeyPolicy: options.strictHostKeys === undefined ? undefined : HOST_KEY_POLICY[options.strictHostKeys],
  };
}

/** The selection options' values that need parsing (`fleet hosts` has only these). */
export type SelectionSettings = Pick<CommonSettings, 'connectTimeoutMs' | 'port' | 'keepalive'>;

/** Parses the selection options; a bad value is FLEET_USAGE (exit 2) naming the flag. */
export function parseSelectionSettings(options: SelectionCliOptions): SelectionSettings {
  return {
    connectTimeoutMs:
      options.connectTimeout === undefined ? undefined : parseDuration(options.connectTimeout, '--connect-timeout'),
    port: options.port === undefined ? undefined : parseInteger(options.port, '--port', 1, 65_535),
    keepalive: options.keepalive === undefined ? undefined : parseKeepalive(options.keepalive),
  };
}

/** `5s`, `5s,3`, `0` (off): the keepalive interval and, optionally, the unanswered count that ends a connection. */
export function parseKeepalive(text: string): { intervalMs: number; countMax?: number } {
  const [interval, count, extra] = text.split(',');
  if (interval === undefined || extra !== undefined) {
    throw new FleetError('FLEET_USAGE', `invalid value for --keepalive: '${text}' (INTERVAL or INTERVAL,COUNT, e.g. 5s,3)`);
  }
  const intervalMs = parseDuration(interval, '--keepalive');
  return count === undefined ? { intervalMs } : { intervalMs, countMax: parseInteger(count, '--keepalive count', 1, 1000) };
}

/** Parses a whole number in [min, max]; anything else is FLEET_USAGE naming the flag. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FleetError('FLEET_USAGE', `invalid value for ${flag}: '${text}' (a whole number from ${min} to ${max})`);
  }
  return value;
}

/** `--persist`, else FLEET_PERSIST, over the inventory's `persist` (0 turns it off). */
function persistOverride(flag: string | undefined, env: CliIo['env']): Pick<HostOverrides, 'persistMs'> {
  if (flag !== undefined) return { persistMs: parseDuration(flag, '--persist') };
  const fromEnv = env['FLEET_PERSIST'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { persistMs: parseDuration(fromEnv, 'FLEET_PERSIST') };
  return {};
}

/** What `-i`, `-H`, `-l` and the override flags mean for host selection. */
export function selectionOptions(options: SelectionCliOptions, settings: SelectionSettings, io: CliIo): HostSelectionOptions {
  const overrides: HostOverrides = {
    ...(options.user !== undefined && { user: options.user }),
    ...(settings.port !== undefined && { port: settings.port }),
    ...(options.identity && { identityFiles: options.identity }),
    ...(options.passwordEnv !== undefined && { passwordEnv: options.passwordEnv }),
    ...(options.knownHosts && { knownHostsFiles: options.knownHosts }),
    ...(settings.connectTimeoutMs !== undefined && { connectTimeoutMs: settings.connectTimeoutMs }),
    ...(options.kexProfile !== undefined && { kexProfile: options.kexProfile }),
    ...persistOverride(options.persist, io.env),
    ...(settings.keepalive !== undefined && { serverAliveIntervalMs: settings.keepalive.intervalMs }),
    ...(settings.keepalive?.countMax !== undefined && { serverAliveCountMax: settings.keepalive.countMax }),
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
