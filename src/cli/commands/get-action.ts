import type { CliIo } from '../io.js';
import type { ShardOptions } from '../shard-options.js';
import type { GetCommandOptions } from './get.js';
import { runTransferCommand } from './put-action.js';

/** `fleet get REMOTE LOCALDIR`. */
export function runGetCommand(remote: string, localDir: string, options: GetCommandOptions & ShardOptions, io: CliIo): Promise<number> {
  return runTransferCommand(options, io, { kind: 'get', label: `get ${remote} ${localDir}` }, (fleet, settings, common) =>
    fleet.get(remote, localDir, {
      ...common,
      recursive: options.recursive === true,
      verify: options.verify,
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
    }),
  );
}
