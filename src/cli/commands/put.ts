import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions, type ShardOptions } from '../shard-options.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';
import { addReportOption, type ReportOption } from '../report-option.js';

/** `fleet put`'s own options, as commander parses them. */
export interface PutCommandOptions extends CommonOptions, ReportOption {
  recursive?: boolean;
  mode?: string;
  skipUnchanged?: boolean;
  /** false with --no-verify. */
  verify: boolean;
}

/** Registers `fleet put LOCAL... REMOTE`; the implementation loads only when the command runs. */
export function definePut(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addCommonOptions(
    addReportOption(program
      .command('put')
      .description(
        'send local files to every selected host: each goes to a temp name beside its target, is verified ' +
          '(size + sha256) and renamed into place; REMOTE is a directory to put them in, or the new name of one file',
      )
      .usage('[options] LOCAL... REMOTE')
      .argument('<paths...>', 'local files (directories with -r), then the remote destination')
      .option('-r, --recursive', 'send directories and everything below them (structure, modes, symlinks as links)')
      .option('--mode <octal>', 'permission bits for every file sent, e.g. 0644 (default: each local file\'s own)')
      .option('--skip-unchanged', 'leave files whose target has the same size and sha256 (status unchanged, no data sent)')
      .option('--no-verify', 'skip the sha256 check of each upload (the size is still checked)')),
  )).action(async (paths: string[], options: PutCommandOptions & ShardOptions) => {
    const { runPutCommand } = await import('./put-action.js');
    ctx.setExitCode(await runPutCommand(paths, options, ctx.io));
  });
}
