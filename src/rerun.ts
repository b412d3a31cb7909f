/**
 * The rerun file: after each run, the hosts that did not succeed, one name per line, with what
 * selected them (`--only-failed` / `--rerun FILE` read it back). One file per selection (the
 * inventory files' absolute paths, the `-H` list and the `-l` pattern), in
 * `$XDG_CACHE_HOME/fleet/rerun/<key>`, else `~/.cache/fleet/rerun/<key>`: a run on another
 * inventory or pattern, even at the same time, never replaces this run's file, and
 * `--only-failed` can only run on the failed hosts of a run with the same selection.
 * Paths, not contents, make the key: fixing a host's entry must not lose the list.
 *
 * Format (text, so `cat` and `xargs` work on it):
 * ```
 * # fleet rerun file: hosts that did not succeed in the last run, one per line
 * # written: "2025-01-01T12:00:00.000Z"
 * # command: "systemctl restart app"
 * # inventory: "/etc/fleet/hosts.yaml"
 * # hosts: "a,b,user@c:2222"
 * # limit: "web*"
 * web03
 * web07
 * ```
 * Header values are JSON strings (a command may hold newlines); `inventory` repeats per file;
 * `hosts` (the `-H` list) and `limit` appear when they were given. Other `#` lines are ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FleetError } from './errors.js';

/** What a rerun file records. */
export interface RerunRecord {
  /** Hosts that did not succeed (any status but ok/unchanged), in inventory order. */
  hosts: string[];
  command: string;
  /** When the run ended (ISO 8601). */
  written: string;
  /** Inventory files the hosts came from, absolute. */
  inventory: string[];
  /** Ad-hoc hosts (`-H`), when given. */
  adHoc?: string | undefined;
  /** The host pattern (`-l`), when given. */
  limit?: string | undefined;
}

/** What selected a run's hosts: the key of its rerun file. */
export type RerunSelection = Pick<RerunRecord, 'inventory' | 'adHoc' | 'limit'>;

/** The directory of rerun files for an environment (`$XDG_CACHE_HOME`, else `$HOME/.cache`). */
export function rerunDirectory(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env['XDG_CACHE_HOME'];
  // The XDG spec says a relative path is invalid and must be ignored.
  const cache = xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.cache');
  return join(cache, 'fleet', 'rerun');
}

/** The rerun file of runs with this selection. */
export function rerunFileFor(env: Readonly<Record<string, string | undefined>>, home: string, selection: RerunSelection): string {
  const key = createHash('sha256').update(JSON.stringify(selectionKey(selection))).digest('hex').slice(0, 20);
  return join(rerunDirectory(env, home), key);
}

function selectionKey(selection: RerunSelection): [string[], string | null, string | null] {
  return [selection.inventory, selection.adHoc ?? null, selection.limit?.trim() ?? null];
}

/**
 * How a record's selection differs from `current` (inventory and `-H` always; the pattern
 * when `compareLimit`), in words for an error message; undefined when they agree.
 */
export function selectionMismatch(record: RerunSelection, current: RerunSelection, compareLimit: boolean): string | undefined {
  const [recInv, recAdHoc, recLimit] = selectionKey(record);
  const [curInv, curAdHoc, curLimit] = selectionKey(current);
  const quote = (v: string | null): string => (v === null ? 'none' : JSON.stringify(v));
  if (JSON.stringify(recInv) !== JSON.stringify(curInv)) {
    return `it was recorded for inventory ${recInv.map((f) => JSON.stringify(f)).join(', ') || 'none'}, not ${curInv.map((f) => JSON.stringify(f)).join(', ') || 'none'}`;
  }
  if (recAdHoc !== curAdHoc) return `it was recorded for -H ${quote(recAdHoc)}, not ${quote(curAdHoc)}`;
  if (compareLimit && recLimit !== curLimit) return `it was recorded for -l ${quote(recLimit)}, not ${quote(curLimit)}`;
  return undefined;
}

/** The patterns (`-l`) of the other runs recorded for this inventory and `-H`, for a hint. */
export async function recordedLimits(env: Readonly<Record<string, string | undefined>>, home: string, selection: RerunSelection): Promise<string[]> {
  const dir = rerunDirectory(env, home);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const limits: string[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) continue;
    const record = await readRerunFile(join(dir, name)).catch(() => undefined);
    if (record && selectionMismatch(record, selection, false) === undefined) limits.push(record.limit === undefined ? '(no -l)' : `-l ${JSON.stringify(record.limit)}`);
  }
  return limits.sort();
}

/**
 * Writes `record` to `file` atomically (a temp file of this writer's own, renamed into place),
 * mode 0600: a reader never sees half a file, and of two runs with the same selection ending
 * together, one complete file wins.
 */
export async function writeRerunFile(file: string, record: RerunRecord): Promise<void> {
  const header = [
    '# fleet rerun file: hosts that did not succeed in the last run, one per line',
    `# written: ${JSON.stringify(record.written)}`,
    `# command: ${JSON.stringify(record.command)}`,
    ...record.inventory.map((f) => `# inventory: ${JSON.stringify(f)}`),
    ...(record.adHoc === undefined ? [] : [`# hosts: ${JSON.stringify(record.adHoc)}`]),
    ...(record.limit === undefined ? [] : [`# limit: ${JSON.stringify(record.limit)}`]),
  ];
  for (const host of record.hosts) {
    // A name that would not read back as itself is a bug upstream, not something to write.
    if (host === '' || /[\r\n]/.test(host) || host.startsWith('#')) throw new FleetError('FLEET_INTERNAL', `rerun file: cannot record host name ${JSON.stringify(host)}`);
  }
  const text = `${[...header, ...record.hosts].join('\n')}\n`;
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new FleetError('FLEET_LOCAL_IO', `cannot write the rerun file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {}, { cause: error });
  }
}

/**
 * Reads a rerun file. A missing file is FLEET_USAGE (exit 2: there is nothing to rerun yet);
 * one that is not a rerun file is FLEET_USAGE too, naming the line.
 */
export async function readRerunFile(file: string): Promise<RerunRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ': no run has recorded its failed hosts there yet' : ` (${code ?? String(error)})`;
    throw new FleetError('FLEET_USAGE', `cannot read the rerun file ${file}${hint}`, {}, { cause: error });
  }
  const record: RerunRecord = { hosts: [], command: '', written: '', inventory: [] };
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('# fleet rerun file')) {
    throw new FleetError('FLEET_USAGE', `${file}:1: not a fleet rerun file (it starts with "# fleet rerun file")`);
  }
  lines.forEach((line, i) => {
    if (line === '') return;
    const header = /^# (\w+): (.*)$/.exec(line);
    if (header) {
      const value = parseValue(header[2] as string, file, i + 1);
      const key = header[1] as string;
      if (key === 'inventory') record.inventory.push(value);
      else if (key === 'hosts') record.adHoc = value;
      else if (key === 'limit') record.limit = value;
      else if (key === 'command') record.command = value;
      else if (key === 'written') record.written = value;
      return;
    }
    if (!line.startsWith('#')) record.hosts.push(line);
  });
  return record;
}

function parseValue(text: string, file: string, line: number): string {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  throw new FleetError('FLEET_USAGE', `${file}:${line}: a rerun file header value must be a JSON string`);
}
