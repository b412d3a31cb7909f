import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Options of `fleet config`. */
export interface ConfigOptions extends CommonOptions {
  explain?: boolean;
  json?: boolean;
}

/** Registers `fleet config`; the implementation loads only when the command runs. */
export function defineConfig(program: Command, ctx: CommandContext): void {
  const command = addCommonOptions(
    program
      .command('config')
      .description('show the settings a run would use (forks, output, timeouts, inventory, ...); reads ~/.config/fleet/config.yaml and ./fleet.yaml or above')
      .option('--explain', 'also show where each value came from (flag, FLEET_* variable, file:line, built-in) and which files were read')
      .option('--json', 'one JSON document: {settings: [{key, value, source}], files: {user, project}}'),
  );
  command.action(async (options: ConfigOptions) => {
    const { runConfigCommand } = await import('./config-action.js');
    ctx.setExitCode(await runConfigCommand(command, options, ctx.io));
  });
}
