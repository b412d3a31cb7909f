/**
 * One HostSpec from its layers, highest first: command line (applied later by applyOverrides)
 * > inventory host > inventory groups (deepest last, so children beat parents) > inventory
 * defaults > ssh_config > built-in defaults. Each setting records its source.
 */
import path from 'node:path';
import type { HostSettingField, HostSpec } from './host-spec.js';
import type { ConnectionSettings, HostDef, Layer, SettingName } from './model.js';
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
  /** `group:<name>`, made once per group rather than once per host. */
  source?: string;
}

/**
 * The defaults and group layers merged once per distinct (file defaults, groups) combination:
 * in a large inventory thousands of hosts share a few hundred combinations, and merging eight
 * layers per host was most of the time spent resolving it.
 */
export class LayerBases {
  readonly #root = new Map<Layer, BaseNode>();

  /** The merged layers under a host's own, for its file defaults and groups (in layering order). */
  get(defaults: Layer, groups: readonly AppliedGroup[]): Readonly<Accumulated> {
    let node: BaseNode | undefined = this.#root.get(defaults);
    if (!node) this.#root.set(defaults, (node = { next: new Map() }));
    for (const g of groups) {
      let next: BaseNode | undefined = node.next.get(g);
      if (!next) node.next.set(g, (next = { next: new Map() }));
      node = next;
    }
    return (node.base ??= mergeBase(defaults, groups));
  }
}

interface BaseNode {
  next: Map<AppliedGroup, BaseNode>;
  base?: Accumulated;
}

function mergeBase(defaults: Layer, groups: readonly AppliedGroup[]): Accumulated {
  const acc: Accumulated = { settings: {}, sources: {}, labels: {}, vars: {}, groupNames: groups.map((g) => g.name) };
  // Lowest layer first; each later layer overwrites what it sets.
  applyLayer(acc, defaults, 'defaults');
  for (const g of groups) applyLayer(acc, g.layer, g.source ?? `group:${g.name}`);
  return acc;
}

/**
 * Builds the HostSpec for one definition and the groups it belongs to (in layering order).
 * `bases` shares the merge of defaults and groups between hosts that have the same ones.
 */
export function buildHostSpec(def: HostDef, groups: readonly AppliedGroup[], opts: ResolveOptions, bases?: LayerBases): HostSpec {
  const base = bases ? bases.get(def.defaults, groups) : mergeBase(def.defaults, groups);
  // Each field is resolved by name, highest layer first: computed-key merging of eleven fields
  // per host made V8 fall back to slow property stores and cost several µs per host.
  const o = def.own.settings;
  const b = base.settings;
  const bs = base.sources;
  const ownSource = def.ownSource ?? 'host';
  const address = o.address ?? b.address;
  const user = o.user ?? b.user;
  const port = o.port ?? b.port;
  const ssh = opts.sshConfig?.lookup(address ?? def.name, { user, port });
  const sshSource = opts.sshConfig ? `ssh_config:${opts.sshConfig.file}` : '';
  const from: SourceNames = { own: ownSource, ssh: sshSource };

  const sources: Partial<Record<HostSettingField, string>> = {
    address: pick(from, o.address, b.address, bs.address, ssh?.hostName) ?? 'default',
    port: pick(from, o.port, b.port, bs.port, ssh?.port) ?? 'default',
    user: pick(from, o.user, b.user, bs.user, ssh?.user) ?? 'default',
    identityFiles: pick(from, o.identityFiles, b.identityFiles, bs.identityFiles, ssh?.identityFiles) ?? 'default',
    knownHostsFiles: pick(from, o.knownHostsFiles, b.knownHostsFiles, bs.knownHostsFiles, ssh?.knownHostsFiles) ?? 'default',
  };
  const identityFiles = o.identityFiles ?? b.identityFiles ?? ssh?.identityFiles ?? [];
  const knownHostsFiles =
    o.knownHostsFiles ?? b.knownHostsFiles ?? ssh?.knownHostsFiles ?? opts.defaultKnownHosts ?? [path.join(opts.home, '.ssh', 'known_hosts')];
  const spec: HostSpec = {
    name: def.name,
    address: address ?? ssh?.hostName ?? def.name,
    port: port ?? ssh?.port ?? 22,
    user: user ?? ssh?.user ?? opts.user,
    identityFiles: [...identityFiles],
    knownHostsFiles: [...knownHostsFiles],
    labels: { ...base.labels, ...def.own.labels },
    vars: { ...base.vars, ...def.own.vars },
    groups: base.groupNames.slice(),
    sources,
    definedIn: def.loc.line === undefined ? def.loc.file : `${def.loc.file}:${def.loc.line}`,
  };
  // The optional settings, each only when some layer sets it (fixed order keeps object shapes few).
  const keyEnv = o.keyEnv ?? b.keyEnv;
  if (keyEnv !== undefined) {
    spec.keyEnv = keyEnv;
    sources.keyEnv = pick(from, o.keyEnv, b.keyEnv, bs.keyEnv, undefined);
  }
  const passwordEnv = o.passwordEnv ?? b.passwordEnv;
  if (passwordEnv !== undefined) {
    spec.passwordEnv = passwordEnv;
    sources.passwordEnv = pick(from, o.passwordEnv, b.passwordEnv, bs.passwordEnv, undefined);
  }
  const agent = o.agent ?? b.agent;
  if (agent !== undefined) {
    spec.agent = agent;
    sources.agent = pick(from, o.agent, b.agent, bs.agent, undefined);
  }
  const proxyJump = o.proxyJump ?? b.proxyJump ?? ssh?.proxyJump;
  if (proxyJump !== undefined) {
    spec.proxyJump = proxyJump;
    sources.proxyJump = pick(from, o.proxyJump, b.proxyJump, bs.proxyJump, ssh?.proxyJump);
  }
  const timeout = o.connectTimeoutMs ?? b.connectTimeoutMs ?? ssh?.connectTimeoutMs;
  if (timeout !== undefined) {
    spec.connectTimeoutMs = timeout;
    sources.connectTimeoutMs = pick(from, o.connectTimeoutMs, b.connectTimeoutMs, bs.connectTimeoutMs, ssh?.connectTimeoutMs);
  }
  const alive = o.serverAliveIntervalMs ?? b.serverAliveIntervalMs ?? ssh?.serverAliveIntervalMs;
  if (alive !== undefined) {
    spec.serverAliveIntervalMs = alive;
    sources.serverAliveIntervalMs = pick(from, o.serverAliveIntervalMs, b.serverAliveIntervalMs, bs.serverAliveIntervalMs, ssh?.serverAliveIntervalMs);
  }
  const aliveCount = o.serverAliveCountMax ?? b.serverAliveCountMax ?? ssh?.serverAliveCountMax;
  if (aliveCount !== undefined) {
    spec.serverAliveCountMax = aliveCount;
    sources.serverAliveCountMax = pick(from, o.serverAliveCountMax, b.serverAliveCountMax, bs.serverAliveCountMax, ssh?.serverAliveCountMax);
  }
  const strict = o.strictHostKeys ?? b.strictHostKeys ?? ssh?.strictHostKeys;
  if (strict !== undefined) {
    spec.strictHostKeys = strict;
    sources.strictHostKeys = pick(from, o.strictHostKeys, b.strictHostKeys, bs.strictHostKeys, ssh?.strictHostKeys);
  }
  const kexProfile = o.kexProfile ?? b.kexProfile;
  if (kexProfile !== undefined) {
    spec.kexProfile = kexProfile;
    sources.kexProfile = pick(from, o.kexProfile, b.kexProfile, bs.kexProfile, undefined);
  }
  const persistMs = o.persistMs ?? b.persistMs;
  if (persistMs !== undefined) {
    spec.persistMs = persistMs;
    sources.persistMs = pick(from, o.persistMs, b.persistMs, bs.persistMs, undefined);
  }
  return spec;
}

/** How `sources` names the host's own layer and ssh_config. */
interface SourceNames {
  own: string;
  ssh: string;
}

/** Where a setting came from: the highest layer that sets it; undefined when none does. */
function pick(from: SourceNames, own: unknown, base: unknown, baseSource: string | undefined, ssh: unknown): string | undefined {
  if (own !== undefined) return from.own;
  if (base !== undefined) return baseSource;
  return ssh !== undefined ? from.ssh : undefined;
}

/** Settings, their sources, labels and vars, as layers are applied. */
interface Accumulated {
  settings: ConnectionSettings;
  sources: Partial<Record<HostSettingField, string>>;
  labels: Record<string, string>;
  vars: Record<string, unknown>;
  /** The groups' names, in layering order (copied into each HostSpec). */
  groupNames: string[];
}

// Iterates only the keys a layer sets: most layers set one or two of the eleven. Runs once per
// distinct combination of layers (LayerBases), not once per host.
function applyLayer(acc: Accumulated, layer: Layer, source: string): void {
  for (const k in layer.settings) {
    const v = layer.settings[k as SettingName];
    if (v !== undefined) {
      (acc.settings as Record<string, unknown>)[k] = v;
      acc.sources[k as SettingName] = source;
    }
  }
  for (const k in layer.labels) acc.labels[k] = layer.labels[k] ?? '';
  for (const k in layer.vars) acc.vars[k] = layer.vars[k];
}
