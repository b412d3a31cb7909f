import { Command, CommanderError } from 'commander';
// The start-up path (`fleet --help`) imports leaf modules, not the internal entry: see .dependency-cruiser.cjs.
import { isFleetError } from '../errors.js';
import type { CommandContext } from './command-context.js';
import { defineExec } from './commands/exec.js';
import { defineGet } from './commands/get.js';
import { definePut } from './commands/put.js';
import { defineRun } from './commands/run.js';
import { defineHosts } from './commands/hosts.js';
import { defineHostKeys } from './commands/hostkeys.js';
import { definePing } from './commands/ping.js';
import { ExitCode, exitCodeForError } from './exit-codes.js';
import type { CliIo } from './io.js';

const VERSION = '0.1.0';

/**
 * Runs the CLI in-process and resolves to the exit code; never calls process.exit, so tests
 * (and bin/fleet) decide what to do with it. Command implementations are imported lazily, so
 * `fleet --help` loads neither ssh2 nor yaml.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('fleet')
    .description('Run commands and move files on many hosts over SSH; every host ends with an exact result.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true);

  const ctx: CommandContext = { io, setExitCode };
  // One line per command; each definition lazy-loads its implementation.
  defineExec(program, ctx);
  definePut(program, ctx);
  defineGet(program, ctx);
  defineRun(program, ctx);
  defineHosts(program, ctx);
  definePing(program, ctx);
  defineHostKeys(program, ctx);

  return program;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version "errors" are commander's way of stopping; they are successes.
    if (error.exitCode === 0) return ExitCode.Ok;
    return ExitCode.Usage;
  }
  const code = exitCodeForError(error);
  if (isFleetError(error)) {
    io.stderr.write(`fleet: ${error.message}\n`);
  } else {
    const detail = error instanceof Error ? (io.env['FLEET_DEBUG'] ? error.stack : error.message) : String(error);
    io.stderr.write(`fleet: internal error (a bug; FLEET_DEBUG=1 shows the stack): ${detail}\n`);
  }
  return code;
}
