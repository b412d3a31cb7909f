/**
 * fleet's config files: defaults for every run, so a team writes `forks: 20` once.
 * - user: `$XDG_CONFIG_HOME/fleet/config.yaml` (`~/.config/fleet/config.yaml` without it);
 * - project: the nearest `fleet.yaml` in the current directory or above (like .editorconfig).
 * A file is one YAML mapping of the keys in CONFIG_KEYS; anything else is FLEET_CONFIG_INVALID
 * naming file:line, so a typo never silently does nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FleetError } from '../errors.js';

/** The keys a config file may set (snake_case, as inventories spell keys). */
export const CONFIG_KEYS = ['forks', 'output', 'timeout', 'deadline', 'connect_timeout', 'inventory', 'persist', 'max_connections'] as const;

/** One key of a config file. */
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** A value as written: scalars as text (validated later, with the same parsers as the flags). */
export type ConfigValue = string | string[] | boolean;

/** One setting read from a file, with where it was written. */
export interface ConfigEntry {
  value: ConfigValue;
  /** `file:line`, for errors and `fleet config --explain`. */
  where: string;
}

/** A config file that exists, and what it sets. */
export interface ConfigFile {
  kind: 'user' | 'project';
  file: string;
  entries: Partial<Record<ConfigKey, ConfigEntry>>;
}

/** Where the two files are looked for; `found` says whether each exists. */
export interface ConfigPlaces {
  user: string;
  /** The nearest fleet.yaml, or undefined when no directory up to the root has one. */
  project: string | undefined;
}

/** The user file's path, and the nearest project file at or above `cwd`. */
export async function findConfigFiles(env: Readonly<Record<string, string | undefined>>, cwd: string, home: string): Promise<ConfigPlaces> {
  const xdg = env['XDG_CONFIG_HOME'];
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  const user = path.join(base, 'fleet', 'config.yaml');
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, 'fleet.yaml');
    if (await isFile(candidate)) return { user, project: candidate };
    const parent = path.dirname(dir);
    if (parent === dir) return { user, project: undefined };
    dir = parent;
  }
}

/** Reads the files that exist: user first, then project (the later one wins). */
export async function loadConfigFiles(places: ConfigPlaces): Promise<ConfigFile[]> {
  const files: ConfigFile[] = [];
  if (await isFile(places.user)) files.push(await loadConfigFile(places.user, 'user'));
  if (places.project !== undefined && places.project !== places.user) files.push(await loadConfigFile(places.project, 'project'));
  return files;
}

/**
 * Parses one config file. Relative `inventory` paths resolve against the file's directory, so a
 * project file works from any subdirectory.
 * @throws FleetError FLEET_CONFIG_INVALID naming file:line (syntax, unknown key, wrong type).
 */
export async function loadConfigFile(file: string, kind: ConfigFile['kind']): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FleetError('FLEET_CONFIG_INVALID', `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { details: { file } }, { cause: error });
  }
  const { LineCounter, parseDocument, isMap, isNode, isScalar, isSeq } = await import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (offset: number | undefined): string => `${file}:${offset === undefined ? 1 : lines.linePos(offset).line}`;
  const fail = (offset: number | undefined, message: string): never => {
    throw new FleetError('FLEET_CONFIG_INVALID', `${at(offset)}: ${message}`, { details: { file } });
  };
  const [syntax] = doc.errors;
  if (syntax) fail(syntax.pos[0], syntax.message.split('\n')[0] ?? 'invalid YAML');
  const entries: ConfigFile['entries'] = {};
  if (doc.contents === null) return { kind, file, entries };
  if (!isMap(doc.contents)) return fail(doc.contents.range?.[0], 'a config file is a mapping such as "forks: 20"');
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const keyAt = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      fail(keyAt, `unknown key "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
    }
    const node = pair.value;
    const where = at(keyAt);
    const valueAt = (isNode(node) ? node.range?.[0] : undefined) ?? keyAt;
    let value: ConfigValue;
    if (key === 'inventory' && isSeq(node)) {
      value = node.items.map((item) => (isScalar(item) && typeof item.value === 'string' ? item.value : fail(valueAt, '"inventory" is a path or a list of paths')));
    } else if (isScalar(node) && node.value !== null && ['string', 'number', 'boolean'].includes(typeof node.value)) {
      value = typeof node.value === 'boolean' ? node.value : String(node.value);
    } else {
      return fail(valueAt, `"${key}" needs a value such as ${EXAMPLES[key as ConfigKey]}`);
    }
    // `persist` is how long idle connections stay in the keeper (as --persist); `false` turns it off.
    if (key === 'persist' && value === false) value = '0';
    if (typeof value === 'boolean') fail(valueAt, `"${key}" needs a value such as ${EXAMPLES[key as ConfigKey]}, not ${String(value)}`);
    if (key === 'inventory') {
      const dir = path.dirname(file);
      value = (Array.isArray(value) ? value : [value as string]).map((p) => (p.startsWith('~') ? p : path.resolve(dir, p)));
    }
    entries[key as ConfigKey] = { value, where };
  }
  return { kind, file, entries };
}

const EXAMPLES: Record<ConfigKey, string> = {
  forks: '20',
  output: 'stream',
  timeout: '30s',
  deadline: '10m',
  connect_timeout: '5s',
  inventory: 'hosts.yaml',
  persist: '60s',
  max_connections: '200',
};

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
