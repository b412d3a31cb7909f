import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

/** Registers `fleet persist status|stop`; the implementation loads only when the command runs. */
export function definePersist(program: Command, ctx: CommandContext): void {
  const persist = program
    .command('persist')
    .description('the background keeper that --persist starts: list its connections, or stop it (docs/persist.md)');
  persist
    .command('status')
    .description('hosts the keeper holds connections to, with their idle times')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const { runPersistStatus } = await import('./persist-action.js');
      ctx.setExitCode(await runPersistStatus(options, ctx.io));
    });
  persist
    .command('stop')
    .description('close every kept connection (running commands finish first) and end the keeper')
    .action(async () => {
      const { runPersistStop } = await import('./persist-action.js');
      ctx.setExitCode(await runPersistStop(ctx.io));
    });
}
