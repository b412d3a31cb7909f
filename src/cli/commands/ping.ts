import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCommonOptions, type CommonOptions } from '../common-options.js';

/** Registers `fleet ping`; the implementation loads only when the command runs. */
export function definePing(program: Command, ctx: CommandContext): void {
  addCommonOptions(
    program
      .command('ping')
      .description(
        'connect and authenticate to every selected host: handshake time, one SSH round trip, host key ' +
          'fingerprint (a table; --output json for one document, jsonl for the event stream)',
      ),
  ).action(async (options: CommonOptions) => {
    const { runPingCommand } = await import('./ping-action.js');
    ctx.setExitCode(await runPingCommand(options, ctx.io));
  });
}
