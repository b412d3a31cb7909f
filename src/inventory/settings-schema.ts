/**
 * Validation of the per-layer keys of a fleet YAML inventory (defaults, hosts, groups): each
 * value checked for type and range, errors located at the offending key or value.
 */
import { isShellName } from '../shell-quote.js';
import { suggestion } from './did-you-mean.js';
import { emptyLayer } from './model.js';
import type { Layer } from './model.js';
import { resolveFilePath } from './paths.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

/** Connection keys allowed in defaults, hosts and groups. */
export const CONNECTION_KEYS = [
  'port',
  'user',
  'key',
  'key_env',
  'agent',
  'password_env',
  'known_hosts',
  'proxy_jump',
  'connect_timeout',
  'strict_host_keys',
  'kex_profile',
  'persist',
  'server_alive_interval',
  'server_alive_count_max',
] as const;

/** What validation needs beyond the data: where errors point and how paths resolve. */
export interface SchemaContext {
  src: YamlSource;
  home: string;
  /** Directory of the inventory file; relative key and known_hosts paths resolve against it. */
  baseDir: string;
}

/** True for a YAML mapping turned into a plain object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fails on the first key not in `allowed`, suggesting the closest allowed key. */
export function checkKeys(ctx: SchemaContext, obj: Record<string, unknown>, path: YamlPath, allowed: readonly string[]): void {
  // for-in rather than Object.keys: no array per call, and this runs once per host.
  for (const key in obj) {
    if (!allowed.includes(key)) {
      ctx.src.fail([...path, key], `unknown key "${key}"${suggestion(key, allowed)}`, 'key');
    }
  }
}

/** Reads the connection keys (plus `host` when allowed), `labels` and `vars` into a Layer. */
export function readLayer(ctx: SchemaContext, obj: Record<string, unknown>, path: YamlPath, allowHost: boolean): Layer {
  const layer = emptyLayer();
  const s = layer.settings;
  const at = (key: string): YamlPath => [...path, key];
  if (allowHost && obj['host'] !== undefined) s.address = readString(ctx, obj['host'], at('host'));
  if (obj['port'] !== undefined) s.port = readPort(ctx, obj['port'], at('port'));
  if (obj['user'] !== undefined) s.user = readString(ctx, obj['user'], at('user'));
  if (obj['key'] !== undefined) {
    s.identityFiles = readStringList(ctx, obj['key'], at('key')).map((p) => resolveFilePath(p, ctx.home, ctx.baseDir));
  }
  if (obj['key_env'] !== undefined) s.keyEnv = readEnvName(ctx, obj['key_env'], at('key_env'));
  if (obj['agent'] !== undefined) s.agent = readBoolean(ctx, obj['agent'], at('agent'));
  if (obj['password_env'] !== undefined) s.passwordEnv = readEnvName(ctx, obj['password_env'], at('password_env'));
  if (obj['known_hosts'] !== undefined) {
    s.knownHostsFiles = readStringList(ctx, obj['known_hosts'], at('known_hosts')).map((p) =>
      resolveFilePath(p, ctx.home, ctx.baseDir),
    );
  }
  if (obj['proxy_jump'] !== undefined) s.proxyJump = readString(ctx, obj['proxy_jump'], at('proxy_jump'));
  if (obj['connect_timeout'] !== undefined) {
    s.connectTimeoutMs = readDuration(ctx, obj['connect_timeout'], at('connect_timeout'));
  }
  if (obj['strict_host_keys'] !== undefined) s.strictHostKeys = readStrictHostKeys(ctx, obj['strict_host_keys'], at('strict_host_keys'));
  if (obj['kex_profile'] !== undefined) {
    const profile = readString(ctx, obj['kex_profile'], at('kex_profile'));
    if (profile !== 'default' && profile !== 'fast') ctx.src.fail(at('kex_profile'), 'expected "default" or "fast"');
    s.kexProfile = profile;
  }
  if (obj['persist'] !== undefined) s.persistMs = readDuration(ctx, obj['persist'], at('persist'));
  if (obj['server_alive_interval'] !== undefined) {
    const value = obj['server_alive_interval'];
    // 0 turns keepalives off, as ServerAliveInterval 0 does.
    s.serverAliveIntervalMs = value === 0 || value === '0' ? 0 : readDuration(ctx, value, at('server_alive_interval'));
  }
  if (obj['server_alive_count_max'] !== undefined) {
    s.serverAliveCountMax = readCount(ctx, obj['server_alive_count_max'], at('server_alive_count_max'));
  }
  if (obj['labels'] !== undefined) layer.labels = readLabels(ctx, obj['labels'], at('labels'));
  if (obj['vars'] !== undefined) {
    const vars = obj['vars'];
    if (vars !== null && !isPlainObject(vars)) ctx.src.fail(at('vars'), '"vars" must be a mapping');
    layer.vars = vars ?? {};
  }
  return layer;
}

/** A non-empty string (YAML numbers are accepted and turned into text, e.g. `user: 1000`). */
export function readString(ctx: SchemaContext, value: unknown, path: YamlPath): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') ctx.src.fail(path, 'expected a non-empty string');
  return value;
}

/** A string or a list of strings. */
export function readStringList(ctx: SchemaContext, value: unknown, path: YamlPath): string[] {
  if (!Array.isArray(value)) return [readString(ctx, value, path)];
  return value.map((item, i) => readString(ctx, item, [...path, i]));
}

function readPort(ctx: SchemaContext, value: unknown, path: YamlPath): number {
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.src.fail(path, 'port must be an integer from 1 to 65535');
  }
  return port;
}

// As --strict-host-keys spells it; YAML booleans mean yes/no (ssh_config's StrictHostKeyChecking).
function readStrictHostKeys(ctx: SchemaContext, value: unknown, path: YamlPath): 'yes' | 'accept-new' | 'no' {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (value === 'yes' || value === 'accept-new' || value === 'no') return value;
  return ctx.src.fail(path, 'strict_host_keys must be yes, accept-new or no');
}

function readCount(ctx: SchemaContext, value: unknown, path: YamlPath): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) ctx.src.fail(path, 'expected a whole number from 1 to 1000');
  return n;
}

function readBoolean(ctx: SchemaContext, value: unknown, path: YamlPath): boolean {
  if (typeof value !== 'boolean') ctx.src.fail(path, 'expected true or false');
  return value;
}

// Names, not secrets: a value that is not a valid variable name is most likely the secret
// itself pasted in by mistake, so it is refused.
function readEnvName(ctx: SchemaContext, value: unknown, path: YamlPath): string {
  const name = readString(ctx, value, path);
  if (!isShellName(name)) ctx.src.fail(path, 'expected the name of an environment variable');
  return name;
}

function readDuration(ctx: SchemaContext, value: unknown, path: YamlPath): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) ctx.src.fail(path, 'expected a duration: seconds as a number, or "500ms", "10s", "2m"');
  return ms;
}

/** `10` (seconds), `"10s"`, `"500ms"`, `"2m"` → milliseconds; undefined when not positive or malformed. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (!m) return undefined;
  const scale = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000;
  const ms = Math.round(Number(m[1]) * scale);
  return ms > 0 ? ms : undefined;
}

function readLabels(ctx: SchemaContext, value: unknown, path: YamlPath): Record<string, string> {
  if (value === null) return {};
  if (!isPlainObject(value)) ctx.src.fail(path, '"labels" must be a mapping of names to strings');
  const labels: Record<string, string> = {};
  for (const k in value) {
    const v = value[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') labels[k] = String(v);
    else ctx.src.fail([...path, k], 'label values must be strings, numbers or booleans');
  }
  return labels;
}
