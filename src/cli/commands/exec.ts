import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Registers `fleet exec CMD`; the implementation loads only when the command runs. */
export function defineExec(program: Command, ctx: CommandContext): void {
  addCommonOptions(
    program
      .command('exec')
      .description('run a shell command on every selected host')
      .argument('<command>', "the command, run by the remote user's shell"),
  ).action(async (command: string, options: CommonOptions) => {
    const { runExecCommand } = await import('./exec-action.js');
    ctx.setExitCode(await runExecCommand(command, options, ctx.io));
  });
}
