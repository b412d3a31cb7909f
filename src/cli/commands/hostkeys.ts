import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Options of `fleet hostkeys accept`. */
export interface HostKeysAcceptOptions extends CommonOptions {
  yes?: boolean;
}

/** Registers `fleet hostkeys scan|accept`; the implementation loads only when a subcommand runs. */
export function defineHostKeys(program: Command, ctx: CommandContext): void {
  const hostkeys = program
    .command('hostkeys')
    .description('batch trust-on-first-use: read host keys without logging in, then pin the unknown ones');
  addCommonOptions(
    hostkeys
      .command('scan')
      .description("show each host's key type and SHA256 fingerprint and whether known_hosts knows it (known, unknown, changed, revoked); authenticates to no host"),
  ).action(async (options: CommonOptions) => {
    const { runHostKeysScan } = await import('./hostkeys-action.js');
    ctx.setExitCode(await runHostKeysScan(options, ctx.io));
  });
  addCommonOptions(
    hostkeys
      .command('accept')
      .description('scan, show, then append the unknown keys to the known_hosts file (--known-hosts, else the first one); never a changed key')
      .option('-y, --yes', 'write without asking (required when stdin is not a terminal)'),
  ).action(async (options: HostKeysAcceptOptions) => {
    const { runHostKeysAccept } = await import('./hostkeys-action.js');
    ctx.setExitCode(await runHostKeysAccept(options, ctx.io));
  });
}
