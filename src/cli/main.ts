import { readFileSync } from 'node:fs';
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
import { defineConfig } from './commands/config.js';
import { defineCompletion } from './commands/completion.js';
import { defineShards } from './commands/shards.js';
import { defineReport } from './commands/report.js';
import { definePersist } from './commands/persist.js';
import { ExitCode, exitCodeForError } from './exit-codes.js';
import { addCommonOptions } from './common-options.js';
import { rewriteCommanderError } from './error-output.js';
import { inheritCommandLineOptions } from './global-options.js';
import type { CliIo } from './io.js';
import { watchReaders } from './reader-gone.js';

/** The package's version, from the package.json two levels up (dist/cli/ or src/cli/), read once per run. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// Commands that must work whatever the config files hold (a shell's completion script), and
// `fleet config`, which resolves the settings itself to say where each came from.
const NO_CONFIG: ReadonlySet<string> = new Set(['completion', '__complete', 'config']);

/**
 * Runs the CLI in-process and resolves to the exit code; never calls process.exit, so tests
 * (and bin/fleet) decide what to do with it. Command implementations are imported lazily, so
 * `fleet --help` loads neither ssh2 nor yaml.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const readers = watchReaders([io.stdout, io.stderr]);
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(withReaderStop(io, readers.signal), (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    exitCode = readers.signal.aborted ? exitCode : reportError(error, io);
  }
  try {
    await readers.settle();
    if (readers.gone) return ExitCode.BrokenPipe;
    const failure = readers.failure;
    if (failure) {
      io.stderr.write(`fleet: cannot write output (${failure.code ?? failure.message}): the run was stopped\n`);
      return ExitCode.Interrupted;
    }
    return exitCode;
  } finally {
    readers.dispose();
  }
}

/**
 * The io the commands see: a reader going away aborts both `drain` (no new host starts) and
 * `interrupt` (running commands are stopped), as a second Ctrl-C does. The rest of `io` is
 * inherited, not copied, so a lazy getter (stdin) stays lazy.
 */
function withReaderStop(io: CliIo, stop: AbortSignal): CliIo {
  // The drain's reason is what skipped hosts report; the reader going away is not a Ctrl-C. The
  // drain must abort before the interrupt (hosts not started yet then say why): one listener
  // aborts both in that order. Deriving the interrupt from `stop` directly left the order to
  // AbortSignal.any, which on Node 22+ aborts its dependants before any listener runs.
  const drainStop = new AbortController();
  const interruptStop = new AbortController();
  stop.addEventListener(
    'abort',
    () => {
      drainStop.abort("the reader of fleet's output went away");
      interruptStop.abort(stop.reason);
    },
    { once: true },
  );
  const either = (signal: AbortSignal | undefined, own: AbortSignal): AbortSignal => (signal ? AbortSignal.any([signal, own]) : own);
  const derived = Object.create(io) as CliIo;
  derived.drain = either(io.drain, drainStop.signal);
  derived.interrupt = either(io.interrupt, interruptStop.signal);
  return derived;
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('fleet')
    .description('Run commands and move files on many hosts over SSH; every host ends with an exact result.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(rewriteCommanderError(s)),
    })
    .showSuggestionAfterError(true)
    // The common options may come before the command (`fleet -i FILE exec CMD`); positional, so
    // that after the command name they are the command's own and its value wins.
    .enablePositionalOptions()
    .hook('preAction', (_program, action) => inheritCommandLineOptions(action));
  addCommonOptions(program);

  const ctx: CommandContext = { io, setExitCode };
  // One line per command; each definition lazy-loads its implementation.
  defineExec(program, ctx);
  definePut(program, ctx);
  defineGet(program, ctx);
  defineRun(program, ctx);
  defineHosts(program, ctx);
  definePing(program, ctx);
  defineHostKeys(program, ctx);
  defineConfig(program, ctx);
  defineCompletion(program, ctx);

  // Defaults from FLEET_* variables and config files, for flags not given (config-settings.ts).
  // Loaded here, not at start-up: `fleet --help` reads no file and loads no yaml.
  program.hook('preAction', async (_program, action) => {
    if (NO_CONFIG.has(action.name())) return;
    const { applyConfig } = await import('./config-settings.js');
    await applyConfig(action, io);
  });
  defineShards(program, ctx);
  defineReport(program, ctx);
  definePersist(program, ctx);

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
