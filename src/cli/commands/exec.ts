import { Option, type Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions, type ShardOptions } from '../shard-options.js';
import { addCommonOptions } from '../common-options.js';
import { FAIL_ON_VALUES } from '../exit-codes.js';
import { addReportOption } from '../report-option.js';
import type { ExecCommandOptions } from './exec-options.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Registers `fleet exec CMD`; the implementation loads only when the command runs. */
export function defineExec(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addCommonOptions(
    addReportOption(program
      .command('exec')
      .description('run a shell command on every selected host')
      .argument('<command>', "the command, run by the remote user's shell")
      .option('--sudo', 'run the command as root through sudo (sudo -n unless a password is given)')
      .option('--sudo-password-env <var>', 'env var holding the sudo password, fed to sudo -S on stdin (implies --sudo)')
      .option('--sudo-user <user>', 'run the command as USER instead of root (sudo -u USER; implies --sudo)')
      .option('--pty', 'allocate a pseudo-terminal (stderr is then merged into stdout)')
      .option('--stdin <file>', "feed FILE (or '-': our stdin, read once) to the command on every host")
      .option('--env <name=value>', 'set a variable for the command; repeatable', collect)
      .option('--cwd <dir>', 'run the command in DIR (it does not run if cd fails)')
      .option('--max-output <size>', 'cap on captured output per host and stream, e.g. 512k, 4MiB (default 1MiB)')
      .option('--batch <n>', 'rolling waves of N hosts (or N%); each waits for the previous one')
      .option('--max-fail <n>', 'once more than N hosts (or N%) failed, start no more; the rest are skipped')
      .option('--canary <n>', 'run N hosts first; if any fails, skip the rest')
      .addOption(new Option('--fail-on <when>', 'exit non-zero when any host, all hosts or never fails').choices(FAIL_ON_VALUES).default('any'))
      .option('--only-failed', 'run only on the hosts that did not succeed in the last run with the same -i/-H/-l (its rerun file)')
      .option('--rerun <file>', 'run only on the hosts listed in FILE (a rerun file; refused when recorded for another inventory)')),
  )).action(async (command: string, options: ExecCommandOptions & ShardOptions) => {
    const { runExecCommand } = await import('./exec-action.js');
    ctx.setExitCode(await runExecCommand(command, options, ctx.io));
  });
}
