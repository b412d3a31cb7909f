/**
 * Validates steps given as plain data (a parsed steps file, or a list built in code) into
 * {@link Step}s. Every error is a StepsError naming the file, line and key, with a did-you-mean
 * for misspelt keys; nothing here touches the network, so a bad steps file fails before any
 * connection (exit 2).
 */
import { StepsError, isFleetError, type InventoryLocation } from '../errors.js';
import { parseDuration } from '../duration.js';
import { suggestion } from '../inventory/did-you-mean.js';
import { parseSelector } from '../inventory/select-parse.js';
import { STEP_GATES, STEP_KINDS, type Step, type StepAction, type StepGate } from './model.js';
import { BUILTIN_NAMESPACES, BUILTIN_VARS, isHostValueName, isVariableName, parseTemplate, templateNames, type Template } from './template.js';

/** A path into the data: keys and list indexes. */
export type DataPath = ReadonlyArray<string | number>;

/** Finds a path's position in the source; `key` points at the key itself rather than its value. */
export type Locate = (path: DataPath, part?: 'key' | 'value') => InventoryLocation;

/** One step as written in a steps file or passed to `Fleet.run`. */
export interface StepInput {
  name?: string;
  /** A command for each host's shell. */
  exec?: string;
  /** A command run once, on the machine running fleet (cwd: the steps file's directory). */
  local?: string;
  /** Upload `src` (local) to `dest` (remote) on each host. */
  put?: { src: string; dest: string; mode?: string | number; recursive?: boolean };
  /** Download `src` (remote) into `dest/<host>/` (local). */
  get?: { src: string; dest: string; recursive?: boolean; allow_dest_outside?: boolean };
  gate?: StepGate;
  canary?: number;
  when?: string;
  register?: string;
  /** Duration (`30s`, `2m`; a bare number is seconds). */
  timeout?: string | number;
  env?: Record<string, string | number | boolean>;
  pty?: boolean;
}

const STEP_KEYS = ['name', ...STEP_KINDS, 'gate', 'canary', 'when', 'register', 'timeout', 'env', 'pty'] as const;
const TOP_KEYS = ['steps'] as const;
const PUT_KEYS = ['src', 'dest', 'mode', 'recursive'] as const;
const GET_KEYS = ['src', 'dest', 'recursive', 'allow_dest_outside'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates `data` (`{steps: [...]}` or a bare list). `locate` maps data paths to source
 * positions; for steps built in code it returns just `{file: '<steps>', path}`.
 * @throws StepsError FLEET_STEPS_INVALID naming file, line and key.
 */
export function normalizeSteps(data: unknown, file: string, locate: Locate): Step[] {
  const fail: Fail = (path, message, part) => {
    throw new StepsError(message, locate(path, part));
  };
  let list: unknown;
  let base: DataPath = [];
  if (Array.isArray(data)) {
    list = data;
  } else if (isPlainObject(data)) {
    checkKeys(data, [], TOP_KEYS, fail);
    list = data['steps'];
    base = ['steps'];
    if (list === undefined || list === null) fail([], 'a steps file needs a "steps" list');
  } else {
    fail([], 'a steps file must be a list of steps, or a mapping with a "steps" list');
  }
  if (!Array.isArray(list)) return fail(base, '"steps" must be a list');
  if (list.length === 0) fail(base, 'no steps: the list is empty');
  const vars = { host: new Set<string>(BUILTIN_VARS), global: new Set<string>() };
  return list.map((raw, index) => {
    const step = normalizeStep(raw, index, [...base, index], fail, vars);
    const where = locate([...base, index]);
    if (where.line !== undefined && file !== '<steps>') step.definedAt = `${where.file}:${where.line}`;
    return step;
  });
}

type Fail = (path: DataPath, message: string, part?: 'key' | 'value') => never;

function normalizeStep(raw: unknown, index: number, path: DataPath, fail: Fail, vars: { host: Set<string>; global: Set<string> }): Step {
  if (!isPlainObject(raw)) return fail(path, 'a step must be a mapping such as {exec: "uptime"}');
  checkKeys(raw, path, STEP_KEYS, fail);
  const kinds = STEP_KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length === 0) fail(path, `a step needs one action: ${STEP_KINDS.join(', ')}`);
  if (kinds.length > 1) fail([...path, kinds[1] as string], `a step has one action; this one has ${kinds.join(' and ')} (split it into two steps)`, 'key');
  const kind = kinds[0] as StepAction['kind'];
  // Local steps run once, for no host in particular: only run-wide variables are known there.
  const known = kind === 'local' ? vars.global : new Set([...vars.host, ...vars.global]);
  const template = (p: DataPath, value: unknown): Template => {
    const text = readString(value, p, fail);
    let parsed: Template;
    try {
      parsed = parseTemplate(text);
    } catch (error) {
      return fail(p, (error as Error).message);
    }
    for (const name of templateNames(parsed)) {
      // Inventory values (`vars.X`, `labels.X`) are per host: whether a host has one is known
      // only at run time, where a host without it fails with FLEET_TEMPLATE_UNDEFINED.
      if (known.has(name) || (kind !== 'local' && isHostValueName(name))) continue;
      const hint = kind === 'local' && vars.host.has(name) ? ' (a local step runs once, so per-host variables do not apply)' : suggestion(name, known);
      fail(p, `{{ ${name} }} is not a variable here: register it in an earlier step${hint}`);
    }
    return parsed;
  };

  const action = readAction(raw, kind, path, fail, template);
  const step: Step = { index, name: defaultName(raw, action, path, fail), action, gate: 'all', canary: 1 };
  readGate(raw, step, path, fail);
  if (raw['when'] !== undefined) {
    if (kind === 'local') fail([...path, 'when'], 'a local step runs once on this machine; "when" does not apply', 'key');
    step.when = readString(raw['when'], [...path, 'when'], fail);
    // As with -l: an empty pattern is never "all hosts" (a template that rendered empty, say).
    if (isEmptyPattern(step.when)) fail([...path, 'when'], '"when" is an empty host pattern; write "all" for every host, or leave "when" out');
  }
  if (raw['timeout'] !== undefined) step.timeoutMs = readDuration(raw['timeout'], [...path, 'timeout'], fail);
  if (raw['env'] !== undefined) {
    if (kind !== 'exec' && kind !== 'local') fail([...path, 'env'], `"env" applies to exec and local steps, not ${kind}`, 'key');
    step.env = readEnv(raw['env'], [...path, 'env'], fail, template);
  }
  if (raw['pty'] !== undefined) {
    if (kind !== 'exec') fail([...path, 'pty'], '"pty" applies to exec steps only', 'key');
    if (typeof raw['pty'] !== 'boolean') fail([...path, 'pty'], '"pty" must be true or false');
    step.pty = raw['pty'] as boolean;
  }
  if (raw['register'] !== undefined) {
    const p = [...path, 'register'];
    if (kind !== 'exec' && kind !== 'local') fail(p, `"register" stores a command's output; a ${kind} step has none`, 'key');
    const name = readString(raw['register'], p, fail);
    if (!isVariableName(name)) fail(p, `"${name}" is not a variable name (letters, digits and "_", not starting with a digit)`);
    if (BUILTIN_VARS.includes(name) || BUILTIN_NAMESPACES.includes(name)) fail(p, `"${name}" is built in (a value from the host's inventory entry); pick another name`);
    step.register = name;
    (kind === 'local' ? vars.global : vars.host).add(name);
  }
  return step;
}

function readAction(raw: Record<string, unknown>, kind: StepAction['kind'], path: DataPath, fail: Fail, template: (p: DataPath, v: unknown) => Template): StepAction {
  const p = [...path, kind];
  if (kind === 'exec' || kind === 'local') {
    const command = template(p, raw[kind]);
    if (command.source.trim() === '') fail(p, `"${kind}" needs a command`);
    return { kind, command };
  }
  const spec = raw[kind];
  if (!isPlainObject(spec)) return fail(p, `"${kind}" must be a mapping {src: ..., dest: ...}`);
  checkKeys(spec, p, kind === 'put' ? PUT_KEYS : GET_KEYS, fail);
  for (const key of ['src', 'dest']) if (spec[key] === undefined) fail(p, `"${kind}" needs "${key}"`);
  const src = template([...p, 'src'], spec['src']);
  const dest = template([...p, 'dest'], spec['dest']);
  const action: Extract<StepAction, { kind: 'put' | 'get' }> = { kind, src, dest };
  if (spec['recursive'] !== undefined) {
    if (typeof spec['recursive'] !== 'boolean') fail([...p, 'recursive'], '"recursive" must be true or false');
    action.recursive = spec['recursive'] as boolean;
  }
  if (kind === 'get') {
    const allow = spec['allow_dest_outside'];
    if (allow === undefined) return action;
    if (typeof allow !== 'boolean') fail([...p, 'allow_dest_outside'], '"allow_dest_outside" must be true or false');
    return { ...action, kind, allowDestOutside: allow as boolean };
  }
  return { ...action, kind, ...(spec['mode'] !== undefined && { mode: readMode(spec['mode'], [...p, 'mode'], fail) }) };
}

function readGate(raw: Record<string, unknown>, step: Step, path: DataPath, fail: Fail): void {
  const gate = raw['gate'];
  if (gate !== undefined) {
    if (typeof gate !== 'string' || !(STEP_GATES as readonly string[]).includes(gate)) {
      fail([...path, 'gate'], `"gate" must be one of ${STEP_GATES.join(', ')}${typeof gate === 'string' ? suggestion(gate, STEP_GATES) : ''}`);
    }
    step.gate = gate as StepGate;
  }
  if (step.action.kind === 'local' && step.gate !== 'all') {
    fail([...path, 'gate'], 'a local step is always a barrier (gate: all): it runs after every host finished the steps before it');
  }
  const canary = raw['canary'];
  if (canary === undefined) return;
  const p = [...path, 'canary'];
  if (typeof canary !== 'number' || !Number.isInteger(canary) || canary < 1) fail(p, '"canary" must be a whole number of hosts, at least 1');
  // `canary: 2` alone means gate: canary; with another gate it would be silently ignored.
  if (gate === undefined) step.gate = 'canary';
  else if (gate !== 'canary') fail(p, `"canary" applies to gate: canary, not gate: ${String(gate)}`, 'key');
  step.canary = canary as number;
}

function readEnv(raw: unknown, path: DataPath, fail: Fail, template: (p: DataPath, v: unknown) => Template): Record<string, Template> {
  if (!isPlainObject(raw)) return fail(path, '"env" must be a mapping of NAME: value');
  const env: Record<string, Template> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!ENV_NAME.test(name)) fail([...path, name], `"${name}" is not a valid environment variable name`, 'key');
    const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    env[name] = template([...path, name], text);
  }
  return env;
}

function readDuration(raw: unknown, path: DataPath, fail: Fail): number {
  if (typeof raw !== 'string' && typeof raw !== 'number') return fail(path, '"timeout" must be a duration such as 30s or 2m');
  try {
    return parseDuration(String(raw), 'timeout');
  } catch (error) {
    if (!isFleetError(error)) throw error;
    return fail(path, error.message);
  }
}

function readMode(raw: unknown, path: DataPath, fail: Fail): number {
  // A YAML 0644 is the number 644 in YAML 1.2; a mode is octal, as chmod reads it.
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  if (!/^0?[0-7]{3,4}$/.test(text)) return fail(path, '"mode" must be an octal mode such as "0644"');
  return Number.parseInt(text, 8);
}

function defaultName(raw: Record<string, unknown>, action: StepAction, path: DataPath, fail: Fail): string {
  if (raw['name'] !== undefined) {
    const name = readString(raw['name'], [...path, 'name'], fail).trim();
    if (name === '') fail([...path, 'name'], '"name" must not be empty');
    return name;
  }
  const text = action.kind === 'exec' || action.kind === 'local' ? action.command.source : `${action.src.source} -> ${action.dest.source}`;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `${action.kind} ${oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine}`;
}

function readString(value: unknown, path: DataPath, fail: Fail): string {
  if (typeof value !== 'string') return fail(path, `expected a string, got ${describe(value)}`);
  return value;
}

function checkKeys(obj: Record<string, unknown>, path: DataPath, allowed: readonly string[], fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail([...path, key], `unknown key "${key}"${suggestion(key, allowed)}`, 'key');
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

/** A non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A pattern with no term at all (blank, or only separators); a malformed one is reported when the run resolves it. */
function isEmptyPattern(pattern: string): boolean {
  try {
    return parseSelector(pattern).length === 0;
  } catch {
    return false;
  }
}
