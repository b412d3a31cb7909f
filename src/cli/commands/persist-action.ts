import { formatDuration, keeperStatus, stopKeeper } from '../../internal.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/** `fleet persist status`: the keeper's hosts and idle times (exit 0 also when no keeper runs). */
export async function runPersistStatus(options: { json?: boolean }, io: CliIo): Promise<number> {
  const status = await keeperStatus(io.env);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(status === undefined ? { running: false, hosts: [] } : { running: true, ...status }, null, 2)}\n`);
    return ExitCode.Ok;
  }
  if (status === undefined) {
    io.stdout.write('no keeper running\n');
    return ExitCode.Ok;
  }
  io.stdout.write(`keeper pid ${status.pid}, up since ${status.startedAt}, RSS ${Math.round(status.rssBytes / 2 ** 20)} MiB, ${status.hosts.length} connection(s)\n`);
  const rows = status.hosts.map((h) => [h.host, `${h.user}@${h.address}:${h.port}`, h.active > 0 ? `${h.active} running` : `idle ${formatDuration(h.idleMs)}`, `closes after ${formatDuration(h.persistMs)} idle`]);
  const widths = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
  for (const r of rows) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
  return ExitCode.Ok;
}

/** `fleet persist stop`: ends the keeper once its running commands finish. */
export async function runPersistStop(io: CliIo): Promise<number> {
  const stopped = await stopKeeper(io.env);
  io.stderr.write(stopped ? 'fleet: keeper stopping (running commands finish first)\n' : 'fleet: no keeper running\n');
  return ExitCode.Ok;
}
