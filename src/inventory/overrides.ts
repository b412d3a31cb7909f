/**
 * Command-line settings (`-u`, `-p`, `--identity`, `--password-env`, ...) applied over resolved
 * hosts: the top precedence layer, recorded as source `cli`.
 */
import { FleetError } from '../errors.js';
import type { HostSpec, KexProfileName, StrictHostKeys } from './host-spec.js';
import { expandTilde } from './paths.js';

/** Settings given on the command line; each one given replaces the host's value. */
export interface HostOverrides {
  user?: string;
  port?: number;
  /** Replaces the inventory's key list (`--identity`, repeatable). */
  identityFiles?: string[];
  keyEnv?: string;
  passwordEnv?: string;
  agent?: boolean;
  knownHostsFiles?: string[];
  proxyJump?: string;
  connectTimeoutMs?: number;
  strictHostKeys?: StrictHostKeys;
  kexProfile?: KexProfileName;
  /** `--persist` / FLEET_PERSIST: 0 turns persisting off. */
  persistMs?: number;
  /** `--keepalive INTERVAL[,COUNT]`. */
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
}

/** Options for applyOverrides. */
export interface ApplyOverridesOptions {
  /** Home for `~` in paths (`--identity=~/.ssh/x` reaches us unexpanded by the shell). */
  home?: string;
}

/**
 * Returns new HostSpecs with every given override applied and its source set to `cli`; with no
 * override given, a new array of the same HostSpecs (nothing to copy for 10,000 hosts).
 * @throws FleetError FLEET_USAGE for an out-of-range port or timeout.
 */
export function applyOverrides(hosts: readonly HostSpec[], overrides: HostOverrides, opts: ApplyOverridesOptions = {}): HostSpec[] {
  const { port, connectTimeoutMs } = overrides;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new FleetError('FLEET_USAGE', `port must be an integer from 1 to 65535, got ${port}`, { details: { port } });
  }
  if (connectTimeoutMs !== undefined && !(connectTimeoutMs > 0)) {
    throw new FleetError('FLEET_USAGE', 'connect timeout must be positive', { details: { connectTimeoutMs } });
  }
  const expand = (list: string[]): string[] => (opts.home === undefined ? [...list] : list.map((p) => expandTilde(p, opts.home ?? '')));
  const entries = Object.entries(overrides).filter(([, v]) => v !== undefined) as Array<[keyof HostOverrides, unknown]>;
  if (entries.length === 0) return [...hosts];
  return hosts.map((host) => {
    const next: HostSpec = { ...host, sources: { ...host.sources } };
    for (const [key, value] of entries) {
      const v = key === 'identityFiles' || key === 'knownHostsFiles' ? expand(value as string[]) : value;
      (next as unknown as Record<string, unknown>)[key] = v;
      if (next.sources) next.sources[key] = 'cli';
    }
    return next;
  });
}
