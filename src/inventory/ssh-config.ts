/**
 * ssh_config (`~/.ssh/config` or `--ssh-config FILE`) as one precedence layer, below the
 * inventory and above built-in defaults. Parsing and Host/Match evaluation are the ssh-config
 * package's (`SSHConfig.parse(text).compute(host)`); Include is inlined first
 * (ssh-config-include.ts). `Match exec` is never run: loading an inventory executes nothing.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SSHConfig } from 'ssh-config';
import { FleetError } from '../errors.js';
import type { StrictHostKeys } from './host-spec.js';
import { inlineIncludes } from './ssh-config-include.js';
import { currentUserName, expandTilde } from './paths.js';

/** The settings fleet takes from ssh_config, already converted. */
export interface SshConfigValues {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles?: string[];
  proxyJump?: string;
  knownHostsFiles?: string[];
  strictHostKeys?: StrictHostKeys;
  connectTimeoutMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
}

/** What is already known about a host when ssh_config is asked (for Match and %-tokens). */
export interface SshLookupContext {
  user?: string;
  port?: number;
}

/** A parsed ssh_config, ready to answer for any host. */
export interface SshConfigLookup {
  /** The file it came from (named in `sources`). */
  readonly file: string;
  lookup(host: string, context?: SshLookupContext): SshConfigValues;
}

/** Options for loadSshConfig. */
export interface LoadSshConfigOptions {
  /** Config file; default `~/.ssh/config`, which may be absent. A given file must exist. */
  file?: string;
  home?: string;
  localUser?: string;
}

/**
 * Reads and parses an ssh_config with its Includes. Returns undefined when no file was given
 * and the default one does not exist.
 * @throws FleetError FLEET_CONFIG_INVALID when a given file cannot be read or does not parse.
 */
export async function loadSshConfig(opts: LoadSshConfigOptions = {}): Promise<SshConfigLookup | undefined> {
  const home = opts.home ?? os.homedir();
  const file = opts.file === undefined ? path.join(home, '.ssh', 'config') : expandTilde(opts.file, home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (opts.file === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FleetError('FLEET_CONFIG_INVALID', `cannot read ssh config ${file}: ${(err as Error).message}`, {
      details: { file },
    }, { cause: err });
  }
  return parseSshConfig(text, file, { home, localUser: opts.localUser });
}

/** Parses ssh_config text (resolving Include relative to `home`/.ssh). */
export async function parseSshConfig(
  text: string,
  file: string,
  opts: { home: string; localUser?: string | undefined },
): Promise<SshConfigLookup> {
  const localUser = opts.localUser ?? currentUserName();
  const inlined = await inlineIncludes(text, file, { home: opts.home, baseDir: path.join(opts.home, '.ssh'), localUser });
  // Loaded on first use: most runs have no ssh_config, and the package is ~10 ms of start-up.
  const { SSHConfig: Parser } = await import('ssh-config');
  let config: SSHConfig;
  try {
    config = Parser.parse(inlined);
  } catch (err) {
    throw new FleetError('FLEET_CONFIG_INVALID', `cannot parse ssh config ${file}: ${(err as Error).message}`, {
      details: { file },
    }, { cause: err });
  }
  return {
    file,
    lookup: (host, context = {}) => convert(config, host, context, { file, home: opts.home, localUser }),
  };
}

interface ConvertEnv {
  file: string;
  home: string;
  localUser: string;
}

function convert(config: SSHConfig, host: string, context: SshLookupContext, env: ConvertEnv): SshConfigValues {
  const query = context.user === undefined ? { Host: host } : { Host: host, User: context.user };
  const raw = config.compute(query, { ignoreCase: true, matchExec: false });
  const first = (key: string): string | undefined => {
    const v = raw[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const all = (key: string): string[] | undefined => {
    const v = raw[key];
    return v === undefined ? undefined : Array.isArray(v) ? v : v.split(/\s+/);
  };
  const fail = (what: string, value: string): never => {
    throw new FleetError('FLEET_CONFIG_INVALID', `${env.file}: invalid ${what} "${value}" for host ${host}`, {
      host,
      details: { file: env.file },
    });
  };
  const out: SshConfigValues = {};
  const hostName = first('hostname');
  if (hostName !== undefined) out.hostName = expandTokens(hostName, { h: host, n: host, d: env.home, u: env.localUser });
  const port = first('port');
  if (port !== undefined) {
    out.port = Number(port);
    if (!/^\d+$/.test(port) || out.port < 1 || out.port > 65535) fail('Port', port);
  }
  // With a user given, compute() echoes it back; only report a User the config itself set.
  const user = context.user === undefined ? first('user') : undefined;
  if (user !== undefined) out.user = user;
  const tokens = {
    h: out.hostName ?? host,
    n: host,
    d: env.home,
    u: env.localUser,
    r: context.user ?? out.user ?? env.localUser,
    p: String(context.port ?? out.port ?? 22),
    l: os.hostname(),
  };
  const paths = (list: string[] | undefined): string[] | undefined =>
    list?.filter((p) => p.toLowerCase() !== 'none').map((p) => expandTilde(expandTokens(p, tokens), env.home));
  const identityFiles = paths(all('identityfile'));
  if (identityFiles !== undefined) out.identityFiles = identityFiles;
  const knownHostsFiles = paths(all('userknownhostsfile'));
  if (knownHostsFiles !== undefined) out.knownHostsFiles = knownHostsFiles;
  const jump = first('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const strict = first('stricthostkeychecking')?.toLowerCase();
  if (strict !== undefined) {
    // `ask` cannot prompt across hundreds of parallel hosts: it is treated as `yes` (fail closed).
    const map: Record<string, StrictHostKeys> = { yes: 'yes', ask: 'yes', 'accept-new': 'accept-new', no: 'no', off: 'no' };
    out.strictHostKeys = map[strict] ?? fail('StrictHostKeyChecking', strict);
  }
  const timeout = first('connecttimeout');
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout) || Number(timeout) === 0) fail('ConnectTimeout', timeout);
    out.connectTimeoutMs = Number(timeout) * 1000;
  }
  // Seconds; 0 turns keepalives off.
  const alive = first('serveraliveinterval');
  if (alive !== undefined) {
    if (!/^\d+$/.test(alive)) fail('ServerAliveInterval', alive);
    out.serverAliveIntervalMs = Number(alive) * 1000;
  }
  // 0 means "never give up" to OpenSSH: a count no connection reaches.
  const count = first('serveralivecountmax');
  if (count !== undefined) {
    if (!/^\d+$/.test(count)) fail('ServerAliveCountMax', count);
    out.serverAliveCountMax = Number(count) === 0 ? Number.MAX_SAFE_INTEGER : Number(count);
  }
  return out;
}

/** OpenSSH %-tokens; unknown ones are left as written. */
function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, c: string) => (c === '%' ? '%' : (tokens[c] ?? whole)));
}
