/**
 * Which value each configurable setting takes, and where it came from:
 * command line > environment (FLEET_*) > project fleet.yaml > user config.yaml > built in.
 * `fleet config --explain` prints exactly this resolution; every command applies it before its
 * action runs (applyConfig), so command files keep reading their commander options as before.
 */
import { parseDuration } from '../internal.js';
import os from 'node:os';
import type { Command } from 'commander';
import { FleetError, isFleetError } from '../errors.js';
import { OUTPUT_MODES } from '../render/output-mode.js';
import { findConfigFiles, loadConfigFiles, type ConfigFile, type ConfigKey, type ConfigPlaces, type ConfigValue } from './config-file.js';
import type { CliIo } from './io.js';
import { parseInteger } from './settings.js';

/** How one setting is spelled on the command line, in the environment, and checked. */
interface SettingDef {
  key: ConfigKey;
  /** commander's attribute name of the flag (absent on a command that lacks the flag). */
  option: string;
  flag: string;
  env: string;
  /** What applies when nothing sets it, for --explain. */
  builtIn: string;
  /** Throws a FleetError naming `label` for a bad value. */
  check: (text: string, label: string) => void;
}

const duration = (text: string, label: string): void => void parseDuration(text, label);
const count = (text: string, label: string): void => void parseInteger(text, label, 1, 100_000);

const SETTINGS: readonly SettingDef[] = [
  { key: 'inventory', option: 'inventory', flag: '-i, --inventory', env: 'FLEET_INVENTORY', builtIn: './hosts.yaml, ./inventory.yaml or ~/.config/fleet/hosts.yaml (the first that exists)', check: () => {} },
  { key: 'forks', option: 'forks', flag: '-f, --forks', env: 'FLEET_FORKS', builtIn: '50', check: count },
  {
    key: 'output',
    option: 'output',
    flag: '--output',
    env: 'FLEET_OUTPUT',
    builtIn: 'auto',
    check: (text, label) => {
      if (!(OUTPUT_MODES as readonly string[]).includes(text)) throw new FleetError('FLEET_USAGE', `invalid value for ${label}: '${text}' (one of ${OUTPUT_MODES.join(', ')})`);
    },
  },
  { key: 'connect_timeout', option: 'connectTimeout', flag: '--connect-timeout', env: 'FLEET_CONNECT_TIMEOUT', builtIn: '10s', check: duration },
  { key: 'timeout', option: 'timeout', flag: '--timeout', env: 'FLEET_TIMEOUT', builtIn: 'none', check: duration },
  { key: 'deadline', option: 'deadline', flag: '--deadline', env: 'FLEET_DEADLINE', builtIn: 'none', check: duration },
  { key: 'max_connections', option: 'maxConnections', flag: '--max-connections', env: 'FLEET_MAX_CONNECTIONS', builtIn: 'the connection pool\'s default', check: count },
  { key: 'persist', option: 'persist', flag: '--persist', env: 'FLEET_PERSIST', builtIn: '0 (off)', check: duration },
];

/** Where a resolved value came from. */
export type SettingOrigin = 'cli' | 'env' | 'file' | 'built-in';

/** One setting's value and the place that decided it. */
export interface ResolvedSetting {
  key: ConfigKey;
  flag: string;
  env: string;
  /** The value; undefined when built in. */
  value: ConfigValue | undefined;
  origin: SettingOrigin;
  /** `--forks`, `FLEET_FORKS`, `/path/fleet.yaml:3` or `built-in`. */
  source: string;
  /** The built-in default, for display. */
  builtIn: string;
}

/** Everything the resolution reads. */
export interface ConfigInput {
  /** Values given on the command line (already checked by their flags' own parsing). */
  cli: Partial<Record<ConfigKey, ConfigValue>>;
  env: Readonly<Record<string, string | undefined>>;
  /** Config files in increasing precedence: user, then project. */
  files: readonly ConfigFile[];
}

/**
 * Resolves every setting by precedence. Environment and file values are checked here with the
 * flags' own parsers, so a bad `forks: zero` is FLEET_CONFIG_INVALID naming file:line (exit 2).
 */
export function resolveSettings(input: ConfigInput): ResolvedSetting[] {
  return SETTINGS.map((def): ResolvedSetting => {
    const base = { key: def.key, flag: def.flag, env: def.env, builtIn: def.builtIn };
    const cli = input.cli[def.key];
    if (cli !== undefined) return { ...base, value: cli, origin: 'cli', source: def.flag.replace(/^-., /, '') };
    const fromEnv = input.env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      const value = def.key === 'inventory' ? fromEnv.split(',').map((p) => p.trim()).filter((p) => p !== '') : fromEnv;
      if (typeof value === 'string') checked(def, value, def.env);
      return { ...base, value, origin: 'env', source: def.env };
    }
    for (const file of [...input.files].reverse()) {
      const entry = file.entries[def.key];
      if (entry === undefined) continue;
      if (typeof entry.value === 'string') checked(def, entry.value, `${def.key} (${entry.where})`);
      return { ...base, value: entry.value, origin: 'file', source: entry.where };
    }
    return { ...base, value: undefined, origin: 'built-in', source: 'built-in' };
  });
}

function checked(def: SettingDef, text: string, label: string): void {
  try {
    def.check(text, label);
  } catch (error) {
    if (!isFleetError(error)) throw error;
    throw new FleetError('FLEET_CONFIG_INVALID', error.message, { details: { setting: def.key } }, { cause: error });
  }
}

/** The command-line values of `command` that the config could also set. */
export function cliValues(command: Command): Partial<Record<ConfigKey, ConfigValue>> {
  const values: Partial<Record<ConfigKey, ConfigValue>> = {};
  const options = command.opts<Record<string, unknown>>();
  for (const def of SETTINGS) {
    if (command.getOptionValueSource(def.option) !== 'cli') continue;
    const value = options[def.option];
    if (typeof value === 'string' || typeof value === 'boolean' || Array.isArray(value)) values[def.key] = value as ConfigValue;
  }
  return values;
}

/** Reads the config files for this invocation (HOME, XDG_CONFIG_HOME and cwd from `io`). */
export async function readConfig(io: CliIo): Promise<{ places: ConfigPlaces; files: ConfigFile[] }> {
  const places = await findConfigFiles(io.env, io.cwd, io.env['HOME'] ?? os.homedir());
  return { places, files: await loadConfigFiles(places) };
}

/**
 * Applies env and file settings to the command about to run: a flag the user did not give takes
 * the resolved value (source `config`). A setting the command has no flag for (persist and
 * max_connections on builds without them) is exported as its FLEET_* variable when a file set
 * it, exactly as if the user had set that variable. FLEET_INVENTORY is left to the inventory
 * search, which reads it itself.
 */
export async function applyConfig(command: Command, io: CliIo): Promise<void> {
  const { files } = await readConfig(io);
  const resolved = resolveSettings({ cli: cliValues(command), env: io.env, files });
  const has = new Set(command.options.map((o) => o.attributeName()));
  for (const setting of resolved) {
    if (setting.origin === 'cli' || setting.origin === 'built-in' || setting.value === undefined) continue;
    const def = SETTINGS.find((d) => d.key === setting.key) as SettingDef;
    if (setting.key === 'inventory' && setting.origin === 'env') continue;
    // `-H a,b` alone means just those hosts (no inventory search), whatever a file says.
    if (setting.key === 'inventory' && command.getOptionValueSource('hosts') === 'cli') continue;
    if (has.has(def.option)) {
      command.setOptionValueWithSource(def.option, optionValue(setting.key, setting.value), 'config');
    } else if (setting.origin === 'file') {
      io.env[def.env] = Array.isArray(setting.value) ? setting.value.join(',') : typeof setting.value === 'boolean' ? (setting.value ? '1' : '0') : setting.value;
    }
  }
}

// What commander would have stored for the flag: strings, a list for the repeatable -i.
function optionValue(key: ConfigKey, value: ConfigValue): unknown {
  if (key === 'inventory') return Array.isArray(value) ? value : [value];
  return value;
}
