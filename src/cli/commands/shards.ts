import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Options of `fleet shards N`. */
export interface ShardsOptions extends CommonOptions {
  json?: boolean;
}

/** Registers `fleet shards N`; the implementation loads only when the command runs. */
export function defineShards(program: Command, ctx: CommandContext): void {
  addCommonOptions(
    program
      .command('shards')
      .description('show how --shard K/N splits the selected hosts: hosts per shard, each host\'s shard, the plan hash; connects to nothing')
      .argument('<n>', 'the number of shards')
      .option('--json', 'one JSON document: {version: 1, algorithm, total, planHash, hostCount, counts, hosts: [{host, shard}]}'),
  ).action(async (n: string, options: ShardsOptions) => {
    const { runShardsCommand } = await import('./shards-action.js');
    ctx.setExitCode(await runShardsCommand(n, options, ctx.io));
  });
}
