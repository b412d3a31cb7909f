/**
 * `fleet exec`'s own options, parsed and validated: bad values are FLEET_USAGE (exit 2) naming
 * the flag, before any host is selected or connected.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FleetError } from '../../internal.js';
import type { FleetExecOptions } from '../../internal.js';
import type { HostCount } from '../../internal.js';
import { isShellName } from '../../internal.js';
import type { CommonOptions } from '../common-options.js';
import type { FailOn } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ReportOption } from '../report-option.js';
import { parseInteger } from '../settings.js';

/** The options of `fleet exec`, as commander parses them. */
export interface ExecCommandOptions extends CommonOptions, ReportOption {
  sudo?: boolean;
  sudoPasswordEnv?: string;
  sudoUser?: string;
  pty?: boolean;
  stdin?: string;
  env?: string[];
  cwd?: string;
  maxOutput?: string;
  batch?: string;
  maxFail?: string;
  canary?: string;
  failOn: FailOn;
  onlyFailed?: boolean;
  rerun?: string;
}

/** What the exec options mean for the library call (the run signals and sink are added later). */
export type ExecSettings = Pick<FleetExecOptions, 'sudo' | 'pty' | 'stdin' | 'env' | 'cwd' | 'maxOutputBytes' | 'batch' | 'maxFail' | 'canary'>;

/**
 * Parses the exec options. Reads `--stdin` once (a file, or all of our stdin for `-`) so every
 * host gets the same bytes, and the sudo password from the environment, never from argv.
 */
export async function parseExecSettings(options: ExecCommandOptions, io: CliIo): Promise<ExecSettings> {
  const settings: ExecSettings = {};
  if (options.sudo || options.sudoPasswordEnv !== undefined || options.sudoUser !== undefined) {
    settings.sudo = { password: sudoPassword(options.sudoPasswordEnv, io), ...(options.sudoUser !== undefined && { user: options.sudoUser }) };
  }
  if (options.pty) settings.pty = true;
  if (options.stdin !== undefined) settings.stdin = await readStdinOption(options.stdin, io);
  if (options.env) settings.env = parseEnv(options.env);
  if (options.cwd !== undefined) {
    if (options.cwd === '') throw new FleetError('FLEET_USAGE', 'invalid value for --cwd: empty');
    settings.cwd = options.cwd;
  }
  if (options.maxOutput !== undefined) settings.maxOutputBytes = parseByteSize(options.maxOutput, '--max-output');
  if (options.batch !== undefined) settings.batch = parseHostCount(options.batch, '--batch', 1);
  if (options.maxFail !== undefined) settings.maxFail = parseHostCount(options.maxFail, '--max-fail', 0);
  if (options.canary !== undefined) settings.canary = parseInteger(options.canary, '--canary', 1, 1_000_000);
  return settings;
}

function sudoPassword(envVar: string | undefined, io: CliIo): string | undefined {
  if (envVar === undefined) return undefined;
  const value = io.env[envVar];
  // The message names the variable, never its value.
  if (value === undefined || value === '') throw new FleetError('FLEET_USAGE', `--sudo-password-env ${envVar}: the variable is not set (or empty)`);
  return value;
}

async function readStdinOption(source: string, io: CliIo): Promise<Buffer> {
  if (source === '-') {
    if (!io.stdin) throw new FleetError('FLEET_USAGE', '--stdin -: no standard input to read');
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks);
  }
  const file = path.resolve(io.cwd, source);
  try {
    return await readFile(file);
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `--stdin ${source}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {}, { cause: error });
  }
}

/** `K=V` pairs (repeatable `--env`); a later K wins. The value may hold anything, `=` included. */
export function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (eq === -1 || !isShellName(name)) {
      throw new FleetError('FLEET_USAGE', `invalid value for --env: '${pair}' (expected NAME=value, NAME a shell variable name)`);
    }
    env[name] = pair.slice(eq + 1);
  }
  return env;
}

/** `N` or `N%` for `--batch` / `--max-fail`. */
export function parseHostCount(text: string, flag: string, min: number): HostCount {
  const trimmed = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (pct) {
    const value = Number(pct[1]);
    if (value > 100 || (min > 0 && value === 0)) throw new FleetError('FLEET_USAGE', `invalid value for ${flag}: '${text}' (a percentage from ${min > 0 ? 'above 0' : '0'} to 100%)`);
    return `${value}%`;
  }
  return parseInteger(trimmed, flag, min, 1_000_000);
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * A size such as `1MiB`, `512k`, `64KB` or `1048576`. Units are binary whatever the spelling
 * (k = KB = KiB = 1024), as output caps are usually meant; case does not matter.
 */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > 2 ** 40) {
    throw new FleetError('FLEET_USAGE', `invalid value for ${flag}: '${text}' (a size such as 1MiB, 512k or 65536)`);
  }
  return value;
}
