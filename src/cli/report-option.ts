/**
 * `--report FILE.html` on exec, put, get and run. Only the option lives here (commands are
 * defined eagerly for `--help`); html-report.ts, which builds the page, loads with the action.
 */
import type { Command } from 'commander';

/** The option as commander parses it. */
export interface ReportOption {
  report?: string;
}

/** Adds `--report FILE.html` to a command. */
export function addReportOption(command: Command): Command {
  return command.option('--report <file.html>', 'also write the run as one self-contained HTML page (timeline, failures, output diffs) to FILE');
}
