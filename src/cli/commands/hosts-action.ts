import { resolveShard, selectShard } from '../../internal-light.js';
import { escapeTerminal } from '../../internal-light.js';
import { describeHosts, hostsDocument, type HostRow } from '../../internal-light.js';
import { resolveHostSelection } from '../../internal-light.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { parseSelectionSettings, selectionOptions } from '../settings.js';
import type { HostsOptions } from './hosts.js';

/**
 * `fleet hosts`: parse, select hosts, describe them through the library, print a table or one
 * JSON document. Loads the inventory library only: no transport, no ssh2.
 */
export async function runHostsCommand(options: HostsOptions, io: CliIo): Promise<number> {
  const settings = parseSelectionSettings(options);
  const selected = await resolveHostSelection(selectionOptions(options, settings, io));
  // --shard: the hosts of one shard, as exec --shard would run them (an empty shard lists none).
  const spec = resolveShard(options.shard, options.shardTotal, io.env);
  const hosts = spec ? selectShard(selected, (h) => h.name, spec.index, spec.total).hosts : selected;
  const explain = options.explain === true;
  if (options.json === true || options.output === 'json') {
    io.stdout.write(`${JSON.stringify(hostsDocument(hosts, { explain }), null, 2)}\n`);
  } else {
    io.stdout.write(formatHostRows(describeHosts(hosts, { explain })));
  }
  return ExitCode.Ok;
}

const HEADER = ['HOST', 'ADDRESS', 'USER', 'GROUPS'];

/**
 * An aligned table, one line per host; with settings, each host's settings follow it, indented
 * and aligned across all hosts. Inventory text is escaped: a name or value with control
 * characters cannot move the cursor or forge lines.
 */
export function formatHostRows(rows: readonly HostRow[]): string {
  const table = rows.map((r) => [r.host, r.endpoint, r.user, r.groups.length > 0 ? r.groups.join(',') : '-'].map(escapeTerminal));
  const widths = columnWidths([HEADER, ...table]);
  const settingRows = rows.map((r) => (r.settings ?? []).map((s) => [s.setting, escapeTerminal(s.value), escapeTerminal(s.source)]));
  const settingWidths = columnWidths(settingRows.flat());
  const out: string[] = [alignRow(HEADER, widths)];
  table.forEach((cells, i) => {
    out.push(alignRow(cells, widths));
    for (const cells2 of settingRows[i] ?? []) out.push(`  ${alignRow(cells2, settingWidths)}`);
  });
  return `${out.join('\n')}\n`;
}

function columnWidths(rows: ReadonlyArray<readonly string[]>): number[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return widths;
}

/** Cells padded to their column width, two spaces apart; the last cell is not padded. */
function alignRow(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
}
