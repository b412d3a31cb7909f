/**
 * `--report FILE` and the scale-out options, behind dynamic imports: the HTML report and the
 * shard machinery (journal, plan, merge) load only when a command asks for them, so a plain
 * `fleet exec` does not parse them at start-up (DESIGN start-up budget).
 */
import type { HtmlReportOptions, HtmlReportTarget } from './html-report.js';
import type { CliIo } from './io.js';
import { wantsShard } from './shard-options.js';
import type { finishWithoutEngine as FinishWithoutEngine, prepareShard as PrepareShard, ShardSetup } from './shard-run.js';

/** The report collector for `--report FILE`, or undefined without the option. */
export async function startHtmlReport(options: HtmlReportOptions, io: CliIo): Promise<HtmlReportTarget | undefined> {
  if (options.report === undefined) return undefined;
  return (await import('./html-report.js')).startHtmlReport(options, io);
}

/** See shard-run.ts prepareShard; undefined (nothing loaded) when no scale-out option is given. */
export async function prepareShard(...args: Parameters<typeof PrepareShard>): Promise<ShardSetup | undefined> {
  if (!wantsShard(args[0])) return undefined;
  return (await import('./shard-run.js')).prepareShard(...args);
}

/** See shard-run.ts finishWithoutEngine. */
export async function finishWithoutEngine(...args: Parameters<typeof FinishWithoutEngine>): ReturnType<typeof FinishWithoutEngine> {
  return (await import('./shard-run.js')).finishWithoutEngine(...args);
}
