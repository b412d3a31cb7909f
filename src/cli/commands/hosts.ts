import { Option, type Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions } from '../shard-options.js';
import { addSelectionOptions, type SelectionCliOptions } from '../common-options.js';

/**
 * Options of `fleet hosts`: the selection ones plus the listing's own. It connects to nothing,
 * so the options of commands that connect (forks, timeouts, host-key policy...) are not its.
 */
export interface HostsOptions extends SelectionCliOptions {
  shard?: string;
  shardTotal?: string;
  json?: boolean;
  explain?: boolean;
  output: 'table' | 'json';
}

/** Registers `fleet hosts`; the implementation loads only when the command runs. */
export function defineHosts(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addSelectionOptions(
    program
      .command('hosts')
      .description('list the selected hosts with address, port, user and groups; connects to nothing')
      .option('--json', 'one JSON document: {version: 1, hosts: [...]}')
      .option('--explain', 'show every connection setting and where it came from (cli, host, group:NAME, defaults, ssh_config:FILE, default)')
      .addOption(new Option('--output <format>', 'table, or json (as --json)').choices(['table', 'json']).default('table')),
  ), { selectionOnly: true }).action(async (options: HostsOptions) => {
    const { runHostsCommand } = await import('./hosts-action.js');
    ctx.setExitCode(await runHostsCommand(options, ctx.io));
  });
}
