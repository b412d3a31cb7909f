/** Test helpers for the inventory unit tests: text → Inventory, temp files, thrown errors. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FleetError, InventoryError } from '../../../src/errors.js';
import { buildInventory } from '../../../src/inventory/inventory.js';
import type { Inventory } from '../../../src/inventory/inventory.js';
import { parseInventoryText } from '../../../src/inventory/load-file.js';
import type { LoadFileOptions } from '../../../src/inventory/load-file.js';
import { mergeSources } from '../../../src/inventory/merge.js';
import type { SshConfigLookup } from '../../../src/inventory/ssh-config.js';
import { tempDir } from '../../support/temp-dir.js';

/** A fake home every test uses, so `~` expansion is deterministic. */
export const HOME = '/home/tester';

/** Parses, merges and resolves inventory texts (one per file name) without touching disk. */
export function inventoryFromTexts(
  files: Record<string, string>,
  opts: Partial<LoadFileOptions> & { user?: string; sshConfig?: SshConfigLookup } = {},
): Inventory {
  const sources = Object.entries(files).map(([file, text]) => parseInventoryText(text, file, { home: HOME, ...opts }));
  return buildInventory(mergeSources(sources), Object.keys(files), {
    home: HOME,
    user: opts.user ?? 'localuser',
    sshConfig: opts.sshConfig,
  });
}

/** One-file shortcut for inventoryFromTexts. */
export function inventoryFromText(text: string, file = '/inv/hosts.yaml', opts: Parameters<typeof inventoryFromTexts>[1] = {}): Inventory {
  return inventoryFromTexts({ [file]: text }, opts);
}

/** Runs `fn` and returns what it threw; fails the test if it did not throw a FleetError. */
export function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw new Error(`expected a FleetError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a throw');
}

/** Async variant of thrown. */
export async function rejected(promise: Promise<unknown>): Promise<FleetError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw new Error(`expected a FleetError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

/** Narrows to InventoryError for location assertions. */
export function asInventoryError(err: FleetError): InventoryError {
  if (!(err instanceof InventoryError)) throw new Error(`expected an InventoryError, got ${err.name} ${err.code}: ${err.message}`);
  return err;
}

/** A fresh temp directory populated with `files` (relative paths → contents). */
export function tempTree(files: Record<string, string>): string {
  const dir = tempDir('fleet-inv-');
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}
