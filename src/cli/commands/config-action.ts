import type { Command } from 'commander';
import { cliValues, readConfig, resolveSettings, type ResolvedSetting } from '../config-settings.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ConfigOptions } from './config.js';

/**
 * `fleet config [--explain] [--json]`: every configurable setting with its effective value;
 * `--explain` adds where it came from and which config files were found.
 */
export async function runConfigCommand(command: Command, options: ConfigOptions, io: CliIo): Promise<number> {
  const { places, files } = await readConfig(io);
  const settings = resolveSettings({ cli: cliValues(command), env: io.env, files });
  const found = new Set(files.map((f) => f.file));
  if (options.json) {
    const doc = {
      settings: settings.map((s) => ({ key: s.key, value: s.value ?? null, source: s.source, ...(s.value === undefined && { builtIn: s.builtIn }) })),
      files: {
        user: { file: places.user, found: found.has(places.user) },
        project: places.project === undefined ? null : { file: places.project, found: found.has(places.project) },
      },
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const rows = settings.map((s) => [s.key, display(s), s.source]);
  if (!options.explain) {
    for (const [key, value] of rows) io.stdout.write(`${key}: ${value}\n`);
    return ExitCode.Ok;
  }
  const table = [['SETTING', 'VALUE', 'SOURCE'], ...rows];
  const widths = [0, 1].map((i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const [key, value, source] of table) io.stdout.write(`${(key ?? '').padEnd(widths[0] ?? 0)}  ${(value ?? '').padEnd(widths[1] ?? 0)}  ${source}\n`);
  io.stdout.write('\nprecedence: command line > FLEET_* environment > project fleet.yaml > user config.yaml > built-in\n');
  io.stdout.write(`user file:    ${places.user}${found.has(places.user) ? '' : ' (not found)'}\n`);
  io.stdout.write(`project file: ${places.project ?? 'none (no fleet.yaml in this directory or above)'}\n`);
  return ExitCode.Ok;
}

function display(setting: ResolvedSetting): string {
  const { value } = setting;
  if (value === undefined) return setting.builtIn;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
