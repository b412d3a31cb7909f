import { Argument, type Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { COMPLETION_SHELLS } from '../completion-script.js';

/**
 * Registers `fleet completion bash|zsh|fish` (prints the script) and the hidden
 * `fleet __complete hosts [-i FILE]...` it calls for `-l` (prints host and group names).
 */
export function defineCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(fleet completion bash); zsh: eval "$(fleet completion zsh)"; fish: fleet completion fish | source')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action(async (shell: (typeof COMPLETION_SHELLS)[number]) => {
      const { completionScript } = await import('../completion-script.js');
      ctx.io.stdout.write(completionScript(program, shell));
    });
  program
    .command('__complete', { hidden: true })
    .argument('<what>', 'hosts: host and group names of the inventory')
    .option('-i, --inventory <file>', 'inventory file; repeatable', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .action(async (what: string, options: { inventory?: string[] }) => {
      const { printCompletionNames } = await import('./completion-action.js');
      ctx.setExitCode(await printCompletionNames(what, options.inventory ?? [], ctx.io));
    });
}
