import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions, type ShardOptions } from '../shard-options.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';
import { addReportOption, type ReportOption } from '../report-option.js';

/** `fleet get`'s own options, as commander parses them. */
export interface GetCommandOptions extends CommonOptions, ReportOption {
  recursive?: boolean;
  /** false with --no-verify. */
  verify: boolean;
}

/** Registers `fleet get REMOTE LOCALDIR`; the implementation loads only when the command runs. */
export function defineGet(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addCommonOptions(
    addReportOption(program
      .command('get')
      .description(
        'fetch a remote file (a directory with -r) from every selected host into LOCALDIR/<host>/, each file ' +
          'verified against the sha256 the host computes; remote names can never lead outside LOCALDIR/<host>/',
      )
      .argument('<remote>', 'the remote file or directory')
      .argument('<localdir>', 'local directory; each host gets LOCALDIR/<host>/')
      .option('-r, --recursive', 'fetch a directory and everything below it (symlinks as links, never followed)')
      .option('--no-verify', 'skip the sha256 check of each download (the size is still checked)')),
  )).action(async (remote: string, localDir: string, options: GetCommandOptions & ShardOptions) => {
    const { runGetCommand } = await import('./get-action.js');
    ctx.setExitCode(await runGetCommand(remote, localDir, options, ctx.io));
  });
}
