/**
 * One HostSpec from its layers, highest first: command line (applied later by applyOverrides)
 * > inventory host > inventory groups (deepest last, so children beat parents) > inventory
 * defaults > ssh_config > built-in defaults. Each setting records its source.
 */
import path from 'node:path';
import type { HostSettingField, HostSpec } from './host-spec.js';
import type { ConnectionSettings, HostDef, Layer, SettingName } from './model.js';
import { SETTING_NAMES } from './model.js';
import type { SshConfigLookup } from './ssh-config.js';

/** Options for resolving hosts. */
export interface ResolveOptions {
  home: string;
  /** Built-in known_hosts list (default `<home>/.ssh/known_hosts`); callers resolving many hosts pass it once. */
  defaultKnownHosts?: readonly string[];
  /** User when nothing else sets one (default: the local user). */
  user: string;
  sshConfig?: SshConfigLookup | undefined;
}

/** A group layer as it applies to a host, in layering order. */
export interface AppliedGroup {
  name: string;
  layer: Layer;
}

/** Builds the HostSpec for one definition and the groups it belongs to (in layering order). */
export function buildHostSpec(def: HostDef, groups: readonly AppliedGroup[], opts: ResolveOptions): HostSpec {
  const settings: ConnectionSettings = {};
  const sources: Partial<Record<HostSettingField, string>> = {};
  const labels: Record<string, string> = {};
  const vars: Record<string, unknown> = {};
  // Lowest layer first; each later layer overwrites what it sets.
  // Iterates only the keys a layer sets: most layers set one or two of the eleven.
  const apply = (layer: Layer, source: string): void => {
    for (const k in layer.settings) {
      const v = layer.settings[k as SettingName];
      if (v !== undefined) {
        (settings as Record<string, unknown>)[k] = v;
        sources[k as SettingName] = source;
      }
    }
    for (const k in layer.labels) labels[k] = layer.labels[k] ?? '';
    for (const k in layer.vars) vars[k] = layer.vars[k];
  };
  apply(def.defaults, 'defaults');
  for (const g of groups) apply(g.layer, `group:${g.name}`);
  apply(def.own, def.ownSource ?? 'host');

  if (opts.sshConfig) {
    const ssh = opts.sshConfig.lookup(settings.address ?? def.name, { user: settings.user, port: settings.port });
    const source = `ssh_config:${opts.sshConfig.file}`;
    const fromSsh: ConnectionSettings = {
      address: ssh.hostName,
      port: ssh.port,
      user: ssh.user,
      identityFiles: ssh.identityFiles,
      knownHostsFiles: ssh.knownHostsFiles,
      proxyJump: ssh.proxyJump,
      connectTimeoutMs: ssh.connectTimeoutMs,
      strictHostKeys: ssh.strictHostKeys,
    };
    for (const k of SETTING_NAMES) {
      if (settings[k] === undefined && fromSsh[k] !== undefined) {
        (settings as Record<SettingName, unknown>)[k] = fromSsh[k];
        sources[k] = source;
      }
    }
  }
  const defaultKnownHosts = opts.defaultKnownHosts ?? [path.join(opts.home, '.ssh', 'known_hosts')];
  builtIn(settings, sources, 'address', def.name);
  builtIn(settings, sources, 'port', 22);
  builtIn(settings, sources, 'user', opts.user);
  builtIn(settings, sources, 'identityFiles', []);
  builtIn(settings, sources, 'knownHostsFiles', defaultKnownHosts);

  const spec: HostSpec = {
    name: def.name,
    address: settings.address ?? def.name,
    port: settings.port ?? 22,
    user: settings.user ?? opts.user,
    identityFiles: [...(settings.identityFiles ?? [])],
    knownHostsFiles: [...(settings.knownHostsFiles ?? [])],
    labels,
    vars,
    groups: groups.map((g) => g.name),
    sources,
    definedIn: def.loc.line === undefined ? def.loc.file : `${def.loc.file}:${def.loc.line}`,
  };
  if (settings.keyEnv !== undefined) spec.keyEnv = settings.keyEnv;
  if (settings.passwordEnv !== undefined) spec.passwordEnv = settings.passwordEnv;
  if (settings.agent !== undefined) spec.agent = settings.agent;
  if (settings.proxyJump !== undefined) spec.proxyJump = settings.proxyJump;
  if (settings.connectTimeoutMs !== undefined) spec.connectTimeoutMs = settings.connectTimeoutMs;
  if (settings.strictHostKeys !== undefined) spec.strictHostKeys = settings.strictHostKeys;
  return spec;
}

function builtIn(
  settings: ConnectionSettings,
  sources: Partial<Record<HostSettingField, string>>,
  k: SettingName,
  value: unknown,
): void {
  if (settings[k] !== undefined) return;
  (settings as Record<SettingName, unknown>)[k] = value;
  sources[k] = 'default';
}
