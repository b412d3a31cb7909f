/**
 * The fleet CLI under test (`node bin/fleet`, built into dist/ by `npm run build`). Which commands
 * and options exist is read from its help, so cases for features still being built are skipped
 * with "not implemented yet" and light up by themselves once the command ships.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FleetCli {
  /** argv prefix: [node, bin/fleet]. */
  argv: readonly string[];
  commands: ReadonlySet<string>;
  /** Whether `fleet CMD --help` lists `option` (e.g. `--skip-unchanged`). */
  hasOption(command: string, option: string): boolean;
  /** Why a case needing `command` (and options) cannot run, or undefined when it can. */
  missing(command: string, ...options: string[]): string | undefined;
}

async function helpText(argv: readonly string[], args: string[]): Promise<string> {
  const [file, ...rest] = argv;
  if (file === undefined) return '';
  try {
    const { stdout, stderr } = await run(file, [...rest, ...args], { timeout: 30_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return (e.stdout ?? '') + (e.stderr ?? '');
  }
}

/** Parses the `Commands:` section of commander's help. */
export function parseCommands(help: string): Set<string> {
  const commands = new Set<string>();
  let inCommands = false;
  for (const line of help.split('\n')) {
    if (/^Commands:/.test(line)) {
      inCommands = true;
      continue;
    }
    if (inCommands) {
      const m = /^ {2}([a-z][\w-]*)/.exec(line);
      if (m?.[1] !== undefined) commands.add(m[1]);
      else if (/^\S/.test(line)) inCommands = false;
    }
  }
  commands.delete('help');
  return commands;
}

export async function detectFleet(repoRoot: string): Promise<FleetCli> {
  const argv = [process.execPath, join(repoRoot, 'bin', 'fleet')] as const;
  const commands = parseCommands(await helpText(argv, ['--help']));
  const helps = new Map<string, string>();
  for (const command of commands) helps.set(command, await helpText(argv, [command, '--help']));
  const hasOption = (command: string, option: string): boolean =>
    new RegExp(`(^|[\\s,])${option.replace(/[-]/g, '\\-')}([\\s,=<[]|$)`, 'm').test(helps.get(command) ?? '');
  return {
    argv,
    commands,
    hasOption,
    missing(command, ...options) {
      if (!commands.has(command)) return `not implemented yet (no \`fleet ${command}\`)`;
      const absent = options.filter((o) => !hasOption(command, o));
      return absent.length > 0 ? `not implemented yet (\`fleet ${command}\` has no ${absent.join(', ')})` : undefined;
    },
  };
}
