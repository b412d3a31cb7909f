import { createKeeperTransport, createSshTransport, type Fleet, type FleetOptions, type HostSpec, openFleet, resolveHostSelection, sshDebugPrinter } from '../internal.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';
import { redactorFor, verbosity } from './verbosity.js';
import { parseCommonSettings, parseInteger, selectionOptions, type CommonSettings } from './settings.js';

/** A Fleet over the selected hosts, opened as the common options say (the caller closes it). */
export interface CommandFleet {
  fleet: Fleet;
  hosts: HostSpec[];
  settings: CommonSettings;
}

/**
 * Parses the common options, selects the hosts (FLEET_USAGE / inventory errors: exit 2, before any
 * connection) and opens the Fleet. Warns on stderr when host keys are not checked.
 */
export async function openCommandFleet(options: CommonOptions, io: CliIo): Promise<CommandFleet> {
  const settings = parseCommonSettings(options);
  const hosts = await resolveHostSelection(selectionOptions(options, settings, io));
  return { fleet: await openFleetForHosts(options, settings, hosts, io), hosts, settings };
}

/**
 * Opens a Fleet over hosts already selected, as the common options say (the caller closes it).
 * Warns on stderr when host keys are not checked.
 */
export async function openFleetForHosts(options: CommonOptions, settings: CommonSettings, hosts: HostSpec[], io: CliIo): Promise<Fleet> {
  const connect = await connectFleetOptions(options, settings, hosts, io);
  io.beforeConnect?.();
  if (settings.hostKeyPolicy === 'off') {
    io.stderr.write('fleet: warning: --strict-host-keys no: host keys are NOT checked; anyone on the path can impersonate these hosts\n');
  }
  return openFleet({
    inventory: hosts,
    forks: settings.forks,
    ...(settings.hostKeyPolicy && { hostKeyPolicy: settings.hostKeyPolicy }),
    ...(options.knownHosts && { knownHostsFiles: options.knownHosts }),
    env: io.env,
    ...connect,
  });
}

/**
 * The connection options of openFleet that the command line sets beyond the common settings:
 * `--retries`, `--jump-handshakes`, `--max-connections`, the hosts `proxy_jump` names resolve
 * against, and the keeper's transport when a host is to persist. Shared by every command that connects.
 */
export async function connectFleetOptions(
  options: CommonOptions,
  settings: CommonSettings,
  selected: readonly HostSpec[],
  io: CliIo,
): Promise<Pick<FleetOptions, 'retries' | 'jumpHandshakes' | 'jumpHosts' | 'sshDebug' | 'transport' | 'maxConnections'>> {
  const retries = options.retries === undefined ? 0 : parseInteger(options.retries, '--retries', 0, 100);
  const jumpHandshakes = options.jumpHandshakes === undefined ? undefined : parseInteger(options.jumpHandshakes, '--jump-handshakes', 1, 10_000);
  const jumpHosts = await jumpHostsFor(options, settings, selected, io);
  const maxConnections = options.maxConnections === undefined ? undefined : parseInteger(options.maxConnections, '--max-connections', 1, 1_000_000);
  // -vv: the SSH library's protocol debug, per host, on stderr (redacted, escaped).
  const sshDebug = verbosity(options) >= 2 ? sshDebugPrinter(io.stderr, redactorFor(options, io, [...selected, ...(jumpHosts ?? [])])) : undefined;
  // --persist / persist: / FLEET_PERSIST: connections go through the keeper (others stay direct).
  const keep = selected.some((h) => h.persistMs !== undefined && h.persistMs > 0);
  const transport = keep ? createKeeperTransport({ direct: createSshTransport(), env: io.env }) : undefined;
  return {
    retries,
    ...(jumpHandshakes !== undefined && { jumpHandshakes }),
    ...(jumpHosts && { jumpHosts }),
    ...(sshDebug && { sshDebug }),
    ...(transport && { transport }),
    ...(maxConnections !== undefined && { maxConnections }),
  };
}

/**
 * The whole inventory (not just `-l`'s selection), for proxy_jump names such as `bastion`; loaded
 * only when a selected host has a proxy_jump. The command line's settings apply to bastions too,
 * except `-u` and `-p`, which name the targets' account and port (as `ssh -l`/`-p` leave `-J` hosts alone).
 */
async function jumpHostsFor(options: CommonOptions, settings: CommonSettings, selected: readonly HostSpec[], io: CliIo): Promise<HostSpec[] | undefined> {
  if (!selected.some((h) => h.proxyJump !== undefined && h.proxyJump !== '')) return undefined;
  const all = selectionOptions(options, settings, io);
  delete all.limit;
  if (all.overrides) {
    const { user: _user, port: _port, ...rest } = all.overrides;
    all.overrides = rest;
  }
  return resolveHostSelection(all);
}
