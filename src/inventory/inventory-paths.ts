/**
 * Which inventory files to load (DESIGN §2): `-i` files as given; otherwise `$FLEET_INVENTORY`
 * (comma-separated, like ANSIBLE_INVENTORY); otherwise the first of `./hosts.yaml`,
 * `./inventory.yaml`, `~/.config/fleet/hosts.yaml` that exists.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { FleetError } from '../errors.js';
import { expandTilde } from './paths.js';

/**
 * Absolute paths of the inventories to load. Explicit and `$FLEET_INVENTORY` paths are returned
 * without checking (loading names a missing one); the fallback search must find one.
 * @throws FleetError FLEET_INVENTORY_NOT_FOUND naming every place looked (`details.searched`).
 */
export function resolveInventoryPaths(
  explicit: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  home: string,
): string[] {
  const abs = (p: string): string => path.resolve(cwd, expandTilde(p, home));
  if (explicit.length > 0) return explicit.map(abs);
  const fromEnv = env['FLEET_INVENTORY']?.split(',').map((p) => p.trim()).filter((p) => p !== '') ?? [];
  if (fromEnv.length > 0) return fromEnv.map(abs);
  const candidates = [
    path.join(cwd, 'hosts.yaml'),
    path.join(cwd, 'inventory.yaml'),
    path.join(home, '.config', 'fleet', 'hosts.yaml'),
  ];
  const found = candidates.find(isFile);
  if (found !== undefined) return [found];
  const searched = ['$FLEET_INVENTORY', ...candidates];
  throw new FleetError(
    'FLEET_INVENTORY_NOT_FOUND',
    `no inventory given (-i or -H) and none found; looked at $FLEET_INVENTORY (unset), ${candidates.join(', ')}`,
    { details: { searched } },
  );
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
