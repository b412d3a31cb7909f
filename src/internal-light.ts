/**
 * The CLI's light way into the library: what the commands that connect to nothing (`hosts`,
 * `shards`, `__complete`) and the option parsing they share need. It must never reach the
 * transport, ssh2 or the runner: `fleet hosts` stays light (test/e2e/hosts.test.ts checks the
 * bundle). Everything else the CLI needs comes through internal.ts; the layering rule
 * (.dependency-cruiser.cjs, docs/architecture.md) allows these two entries only.
 */
export { parseDuration } from './duration.js';
export { describeHosts, hostsDocument, loadInventory, resolveInventoryPaths, type HostOverrides, type HostRow } from './inventory/index.js';
export { escapeTerminal } from './render/escape.js';
export { HOST_KEY_POLICY } from './run/connect-target.js';
export { resolveHostSelection, type HostSelectionOptions } from './selection.js';
export { planShards, selectShard, type ShardPlan } from './shard/plan.js';
export { resolveShard } from './shard/shard-env.js';
