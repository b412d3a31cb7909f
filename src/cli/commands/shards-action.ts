import { escapeTerminal, planShards, resolveHostSelection, type ShardPlan } from '../../internal-light.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { parseCommonSettings, parseInteger, selectionOptions } from '../settings.js';
import type { ShardsOptions } from './shards.js';

/**
 * `fleet shards N`: the plan every `--shard K/N` of the same selection follows. Loads the
 * inventory only: no transport, no ssh2.
 */
export async function runShardsCommand(n: string, options: ShardsOptions, io: CliIo): Promise<number> {
  const total = parseInteger(n, 'the number of shards', 1, 100_000);
  const settings = parseCommonSettings(options);
  const hosts = await resolveHostSelection(selectionOptions(options, settings, io));
  const plan = planShards(
    hosts.map((h) => h.name),
    total,
  );
  io.stdout.write(options.json === true || options.output === 'json' ? `${JSON.stringify({ version: 1, ...plan })}\n` : formatPlan(plan));
  return ExitCode.Ok;
}

/** Counts per shard first (what one looks at), then one `HOST  SHARD` line per host. */
export function formatPlan(plan: ShardPlan): string {
  const lines = [`plan ${plan.planHash}: ${plan.hostCount} hosts in ${plan.total} shards (${plan.algorithm})`];
  const width = String(plan.total).length;
  plan.counts.forEach((count, i) => lines.push(`shard ${String(i + 1).padStart(width)}/${plan.total}: ${count} hosts${count === 0 ? ' (empty: that shard succeeds doing nothing)' : ''}`));
  const names = plan.hosts.map((h) => escapeTerminal(h.host));
  const hostWidth = Math.max(4, ...names.map((s) => s.length));
  lines.push('', `${'HOST'.padEnd(hostWidth)}  SHARD`);
  plan.hosts.forEach((h, i) => lines.push(`${(names[i] as string).padEnd(hostWidth)}  ${h.shard}`));
  return `${lines.join('\n')}\n`;
}
