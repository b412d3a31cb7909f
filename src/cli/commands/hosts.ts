import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions } from '../shard-options.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Options of `fleet hosts`: the common ones plus the listing's own. */
export interface HostsOptions extends CommonOptions {
  shard?: string;
  shardTotal?: string;
  json?: boolean;
  explain?: boolean;
}

/** Registers `fleet hosts`; the implementation loads only when the command runs. */
export function defineHosts(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addCommonOptions(
    program
      .command('hosts')
      .description('list the selected hosts with address, port, user and groups; connects to nothing')
      .option('--json', 'one JSON document: {version: 1, hosts: [...]}')
      .option('--explain', 'show every connection setting and where it came from (cli, host, group:NAME, defaults, ssh_config:FILE, default)'),
  ), { selectionOnly: true }).action(async (options: HostsOptions) => {
    const { runHostsCommand } = await import('./hosts-action.js');
    ctx.setExitCode(await runHostsCommand(options, ctx.io));
  });
}
