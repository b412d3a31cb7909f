/**
 * The rerun file: after each run, the hosts that did not succeed, one name per line, with what
 * selected them (`--only-failed` / `--rerun FILE` read it back). Default place:
 * `$XDG_CACHE_HOME/fleet/last-failed`, else `~/.cache/fleet/last-failed`.
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
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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

/** The default rerun file for an environment (`$XDG_CACHE_HOME`, else `$HOME/.cache`). */
export function defaultRerunFile(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env['XDG_CACHE_HOME'];
  // The XDG spec says a relative path is invalid and must be ignored.
  const cache = xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.cache');
  return join(cache, 'fleet', 'last-failed');
}

/** Writes `record` to `file` atomically (a temp file renamed into place), mode 0600. */
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
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
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
