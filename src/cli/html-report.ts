/**
 * `--report FILE.html`: a ReportCollector rides along with the renderer, and the page is written
 * when the run ends. The file's directory is checked before any host is contacted, so a typo
 * costs a usage error (exit 2), not a 1,000-host run with no report at the end.
 */
import { type FleetEvent, htmlDocument, ReportCollector } from '../internal.js';
import { constants } from 'node:fs';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';
import type { ReportOption } from './report-option.js';

/** The report being gathered: feed it events, then write it with the run's exit code. */
export interface HtmlReportTarget {
  onEvent(event: FleetEvent): void;
  write(exitCode: number): Promise<void>;
}

/** What the report needs of the command line: the file, and the selection for its header. */
export type HtmlReportOptions = Pick<CommonOptions, 'inventory' | 'hosts' | 'limit'> & ReportOption;

/** Starts gathering a report if `--report` was given; throws FLEET_USAGE when its directory cannot take the file. */
export async function startHtmlReport(options: HtmlReportOptions, io: CliIo): Promise<HtmlReportTarget | undefined> {
  if (options.report === undefined) return undefined;
  const file = path.resolve(io.cwd, options.report);
  try {
    await access(path.dirname(file), constants.W_OK);
  } catch {
    throw new FleetError('FLEET_USAGE', `--report ${options.report}: cannot write into ${path.dirname(file)} (missing or not writable)`);
  }
  const collector = new ReportCollector();
  return {
    onEvent: (event) => collector.onEvent(event),
    write: async (exitCode) => {
      const html = htmlDocument(collector.data({ selection: selectionText(options), ranBy: ranBy(io), exitCode }));
      // Written beside the target and renamed, so a reader never sees half a page.
      const temp = `${file}.${process.pid}.tmp`;
      try {
        await writeFile(temp, html, { mode: 0o644 });
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        // The run itself is done and its outcome stands; a lost report is worth a loud warning.
        io.stderr.write(`fleet: warning: could not write the report ${file}: ${(error as Error).message}\n`);
      }
    },
  };
}

/** The selection as given on the command line, for the report's header. */
function selectionText(options: HtmlReportOptions): string {
  const parts: string[] = [];
  for (const file of options.inventory ?? []) parts.push(`-i ${file}`);
  if (options.hosts !== undefined) parts.push(`-H ${options.hosts}`);
  if (options.limit !== undefined) parts.push(`-l ${options.limit}`);
  return parts.length > 0 ? parts.join(' ') : '(default inventory, all hosts)';
}

function ranBy(io: CliIo): string {
  let user = io.env['USER'] ?? io.env['LOGNAME'];
  try {
    user ??= os.userInfo().username;
  } catch {
    user ??= '?';
  }
  return `${user}@${os.hostname()}`;
}
