import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addShardOptions, type ShardOptions } from '../shard-options.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';
import { addReportOption, type ReportOption } from '../report-option.js';

/** Options of `fleet run`: the common ones plus the run's own. */
export interface RunCommandOptions extends CommonOptions, ReportOption {
  maxFail?: string;
}

/** Registers `fleet run STEPS.yaml`; the implementation loads only when the command runs. */
export function defineRun(program: Command, ctx: CommandContext): void {
  addShardOptions(
    addCommonOptions(
    addReportOption(program
      .command('run')
      .description('run a steps file (exec, put, get, local steps with gates) over one set of connections')
      .argument('<steps-file>', 'YAML: {steps: [...]} or a list; each step is exec/put/get/local plus name, gate, when, register, timeout, env')
      .option('--max-fail <n>', 'stop starting steps once more than N hosts (or N%) have failed')),
  )).action(async (file: string, options: RunCommandOptions & ShardOptions) => {
    const { runStepsCommand } = await import('./run-action.js');
    ctx.setExitCode(await runStepsCommand(file, options, ctx.io));
  });
}
