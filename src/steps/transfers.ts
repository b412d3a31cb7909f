/**
 * put and get steps over the transfer tasks: one set of shared resources
 * (the hash pool, shared local reads) for the whole run, and each local source planned once,
 * when the first host needs it (a `local` step before may have just created it).
 */
import { getFiles } from '../tasks/get.js';
import { putFiles } from '../tasks/put.js';
import { planPut, type PutPlan } from '../tasks/transfer-plan.js';
import { TransferResources } from '../tasks/transfer-shared.js';
import type { TransferSteps } from './transfer-steps.js';

/** The run's transfers; `close()` stops the hash workers when the run ends. */
export function createTransferSteps(): TransferSteps & { close(): Promise<void> } {
  let shared: TransferResources | undefined;
  const plans = new Map<string, Promise<PutPlan>>();
  return {
    put: async (req) => {
      shared ??= new TransferResources();
      const key = `${req.recursive ? 'r' : 'f'}:${req.src}`;
      let plan = plans.get(key);
      if (plan === undefined) {
        plan = planPut([req.src], { recursive: req.recursive });
        plan.catch(() => undefined);
        plans.set(key, plan);
      }
      const output = await putFiles(
        req.conn,
        { plan: await plan, remote: req.dest, mode: req.mode, skipUnchanged: false, verify: true },
        { signal: req.signal, emit: req.emit, shared },
      );
      output.warnings.unshift(...(await plan).warnings);
      return output;
    },
    get: async (req) => {
      shared ??= new TransferResources();
      return getFiles(req.conn, { remote: req.src, localDir: req.dest, recursive: req.recursive, verify: true }, { signal: req.signal, emit: req.emit, shared });
    },
    close: async () => {
      await shared?.close();
    },
  };
}
