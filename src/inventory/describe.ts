/**
 * What `fleet hosts` shows, as data: one row per selected host (name, address:port, user,
 * groups) and, to explain precedence, every connection setting with its value and the layer it
 * came from (HostSpec.sources). Also the versioned JSON document of `fleet hosts --json`.
 * Formatting (alignment, terminal escaping) is the caller's.
 */
import { formatDuration } from '../duration.js';
import type { HostSettingField, HostSpec } from './host-spec.js';
import { SETTING_NAMES } from './model.js';

/** Options for describeHosts and hostsDocument. */
export interface DescribeOptions {
  /** Include each setting's value and source. */
  explain?: boolean;
}

/** One setting of a host, as text, with where it came from. */
export interface HostSettingRow {
  setting: HostSettingField;
  value: string;
  /** `cli`, `host`, `group:<name>`, `defaults`, `ssh_config:<file>` or `default` (built in). */
  source: string;
}

/** One selected host, as `fleet hosts` lists it. */
export interface HostRow {
  host: string;
  /** `address:port`, with IPv6 addresses in brackets (`[2001:db8::10]:22`). */
  endpoint: string;
  user: string;
  /** Groups in layering order (parents before children), as in HostSpec.groups. */
  groups: string[];
  /** With `explain`: the settings that are set, in a fixed order. */
  settings?: HostSettingRow[];
}

/** One host of the `fleet hosts --json` document. */
export interface HostsDocumentHost {
  host: string;
  address: string;
  port: number;
  user: string;
  groups: string[];
  labels: Record<string, string>;
  /** Present when the host has variables. */
  vars?: Record<string, unknown>;
  /** Present with `explain`: setting → source. */
  sources?: Partial<Record<HostSettingField, string>>;
}

/** The `fleet hosts --json` document. */
export interface HostsDocument {
  version: 1;
  hosts: HostsDocumentHost[];
}

/** The settings `explain` shows, in this order: every connection setting, as merged. */
export const EXPLAINED_SETTINGS: readonly HostSettingField[] = SETTING_NAMES;

/** Rows for `fleet hosts`, in the order of `hosts`. */
export function describeHosts(hosts: readonly HostSpec[], opts: DescribeOptions = {}): HostRow[] {
  return hosts.map((h) => {
    const row: HostRow = { host: h.name, endpoint: formatEndpoint(h.address, h.port), user: h.user, groups: [...h.groups] };
    if (opts.explain) row.settings = explainSettings(h);
    return row;
  });
}

/** The `fleet hosts --json` document for `hosts`. */
export function hostsDocument(hosts: readonly HostSpec[], opts: DescribeOptions = {}): HostsDocument {
  return {
    version: 1,
    hosts: hosts.map((h) => {
      const entry: HostsDocumentHost = {
        host: h.name,
        address: h.address,
        port: h.port,
        user: h.user,
        groups: [...h.groups],
        labels: { ...h.labels },
      };
      if (Object.keys(h.vars).length > 0) entry.vars = { ...h.vars };
      if (opts.explain) entry.sources = { ...h.sources };
      return entry;
    }),
  };
}

/** `host:port`, bracketing IPv6 literals so the port stays readable. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Each setting the host has, with its value as text and its source (`default` when unrecorded). */
export function explainSettings(h: HostSpec): HostSettingRow[] {
  const rows: HostSettingRow[] = [];
  for (const setting of EXPLAINED_SETTINGS) {
    const value = settingText(h, setting);
    if (value === undefined) continue;
    rows.push({ setting, value, source: h.sources?.[setting] ?? 'default' });
  }
  return rows;
}

function settingText(h: HostSpec, setting: HostSettingField): string | undefined {
  switch (setting) {
    case 'address':
      return h.address;
    case 'port':
      return String(h.port);
    case 'user':
      return h.user;
    case 'identityFiles':
      return h.identityFiles.length > 0 ? h.identityFiles.join(', ') : undefined;
    case 'knownHostsFiles':
      return h.knownHostsFiles.length > 0 ? h.knownHostsFiles.join(', ') : undefined;
    case 'keyEnv':
      return h.keyEnv;
    case 'passwordEnv':
      // The variable's name, never its value.
      return h.passwordEnv;
    case 'agent':
      return h.agent === undefined ? undefined : String(h.agent);
    case 'proxyJump':
      return h.proxyJump;
    case 'connectTimeoutMs':
      return h.connectTimeoutMs === undefined ? undefined : formatDuration(h.connectTimeoutMs);
    case 'strictHostKeys':
      return h.strictHostKeys;
    case 'kexProfile':
      return h.kexProfile;
    case 'persistMs':
      return h.persistMs === undefined ? undefined : formatDuration(h.persistMs);
    case 'serverAliveIntervalMs':
      return h.serverAliveIntervalMs === undefined ? undefined : h.serverAliveIntervalMs === 0 ? 'off' : formatDuration(h.serverAliveIntervalMs);
    case 'serverAliveCountMax':
      return h.serverAliveCountMax === undefined ? undefined : String(h.serverAliveCountMax);
  }
}
