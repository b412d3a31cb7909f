import { Option, type Command } from 'commander';
import { OUTPUT_MODES, type OutputMode } from '../../render/output-mode.js';
import type { CommandContext } from '../command-context.js';

/** Options of `fleet report`. */
export interface ReportOptions {
  output: OutputMode;
  quiet?: boolean;
  color: boolean;
  hostsFile?: string;
  follow?: boolean;
  html?: string;
}

/** Registers `fleet report FILES|DIR|-`; the implementation loads only when the command runs. */
export function defineReport(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('merge the JSONL events of a sharded run\'s shards (--out/--out-dir) into one result: the output, summary and exit code of one run over all their hosts')
    .argument('<sources...>', "shard files (.jsonl), a directory of them (--out-dir's, or one run's), or '-' for stdin")
    .addOption(new Option('--output <mode>', 'auto (live view on a terminal), stream, group, json, jsonl').choices(OUTPUT_MODES).default('auto'))
    .option('-q, --quiet', 'only remote output: no per-host errors, no summary')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--hosts-file <file>', 'write the hosts that did not succeed (failed, unreachable, lost, ...) to FILE, for an explicit rerun: fleet exec --rerun FILE, or -H @FILE')
    .option('--html <file>', 'also write the merged run as one self-contained HTML page (as --report of exec/put/get/run; docs/report.md)')
    .option('--follow', 'render while the shards run: read a directory as its files grow, or stdin as lines arrive, until every shard has ended')
    .action(async (sources: string[], options: ReportOptions) => {
      const { runReportCommand } = await import('./report-action.js');
      ctx.setExitCode(await runReportCommand(sources, options, ctx.io));
    });
}
