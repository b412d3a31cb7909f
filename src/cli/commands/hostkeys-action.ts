import { createInterface } from 'node:readline';
import { FleetError } from '../../internal.js';
import type { HostSpec } from '../../internal.js';
import type { FleetHostKeysOptions, HostKeyOutput } from '../../internal.js';
import { createStyle, shouldUseColor, type Style } from '../../internal.js';
import type { RunReport } from '../../internal.js';
import type { CommonOptions } from '../common-options.js';
import { openCommandFleet } from '../connect-settings.js';
import { ExitCode, exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { CommonSettings } from '../settings.js';
import { formatHostKeyProblems, formatHostKeySummary, formatHostKeyTable, hostKeyDocument } from './hostkeys-output.js';
import type { HostKeysAcceptOptions } from './hostkeys.js';

/** `fleet hostkeys scan`: read every key (no login), show it against known_hosts. Exit 3 for a changed/revoked key or an unreachable host. */
export async function runHostKeysScan(options: CommonOptions, io: CliIo): Promise<number> {
  const { fleet, hosts, settings } = await openCommandFleet(options, io);
  try {
    const scan = await fleet.scanHostKeys(scanOptions(settings, io));
    show(scan, options, io, writeFileOf(options, hosts));
    return exitCodeForSummary(scan.summary, io.interrupt?.aborted ?? false);
  } finally {
    await fleet.close();
  }
}

/**
 * `fleet hostkeys accept`: scan and show, then (after one confirmation for the whole batch, or
 * `--yes`) append the unknown keys to the known_hosts write file. Without `--yes`, stdin must be a
 * terminal: checked first, so a script gets exit 2 before any connection. Declining writes
 * nothing and exits 1.
 */
export async function runHostKeysAccept(options: HostKeysAcceptOptions, io: CliIo): Promise<number> {
  if (options.yes !== true && io.stdin?.isTTY !== true) {
    throw new FleetError('FLEET_USAGE', 'hostkeys accept: stdin is not a terminal, so nobody can confirm: pass --yes to write without asking');
  }
  const { fleet, hosts, settings } = await openCommandFleet(options, io);
  const file = writeFileOf(options, hosts);
  try {
    const scan = await fleet.scanHostKeys(scanOptions(settings, io));
    const unknown = scan.results.filter((r) => r.ok && r.value.state === 'unknown').length;
    if (unknown === 0 || options.yes === true) {
      const result = unknown === 0 ? scan : await fleet.acceptHostKeys(scan);
      show(result, options, io, file);
      if (unknown === 0) io.stderr.write('fleet: no unknown host keys: nothing to write\n');
      return exitCodeForSummary(result.summary, io.interrupt?.aborted ?? false);
    }
    show(scan, options, io, file, false);
    const yes = await confirm(io, `Add ${unknown} host key${unknown === 1 ? '' : 's'} to ${file ?? 'known_hosts'}? [y/N] `);
    if (!yes) {
      io.stderr.write('fleet: nothing written\n');
      return io.interrupt?.aborted || io.drain?.aborted ? ExitCode.Interrupted : ExitCode.CommandFailed;
    }
    const accepted = await fleet.acceptHostKeys(scan);
    const added = accepted.results.filter((r) => r.ok && r.value.state === 'added').length;
    io.stderr.write(`fleet: added ${added} host key${added === 1 ? '' : 's'} to ${file ?? 'known_hosts'}\n`);
    if (options.quiet !== true && options.output !== 'json') io.stderr.write(formatHostKeySummary(accepted, styleFor(options, io)));
    return exitCodeForSummary(accepted.summary, io.interrupt?.aborted ?? false);
  } finally {
    await fleet.close();
  }
}

/** The table (or json document) on stdout; problems and, unless `withSummary` is false, the summary on stderr. */
function show(report: RunReport<HostKeyOutput>, options: CommonOptions, io: CliIo, file: string | undefined, withSummary = true): void {
  if (options.output === 'json' || options.output === 'jsonl') {
    io.stdout.write(`${JSON.stringify(hostKeyDocument(report, file), null, options.output === 'json' ? 2 : undefined)}\n`);
    return;
  }
  const style = styleFor(options, io);
  io.stdout.write(formatHostKeyTable(report));
  if (options.quiet === true) return;
  io.stderr.write(formatHostKeyProblems(report, style));
  if (withSummary) io.stderr.write(formatHostKeySummary(report, style));
}

function scanOptions(settings: CommonSettings, io: CliIo): FleetHostKeysOptions {
  return { ...(io.interrupt && { signal: io.interrupt }), ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }) };
}

function styleFor(options: CommonOptions, io: CliIo): Style {
  return createStyle(shouldUseColor(io.stderr.isTTY === true, io.env, options.color));
}

// Where the library writes: the first of --known-hosts, else of the hosts' own files (Fleet's default).
function writeFileOf(options: CommonOptions, hosts: readonly HostSpec[]): string | undefined {
  return options.knownHosts?.[0] ?? hosts.flatMap((h) => h.knownHostsFiles)[0];
}

/** Asks once on stderr and reads one line from stdin; anything but y/yes (or Ctrl-C, EOF) is no. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  const input = io.stdin;
  if (input === undefined) return false;
  io.stderr.write(question);
  const rl = createInterface({ input, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      const stop = (): void => resolve('');
      rl.once('line', resolve);
      rl.once('close', stop);
      io.drain?.addEventListener('abort', stop, { once: true });
      io.interrupt?.addEventListener('abort', stop, { once: true });
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
