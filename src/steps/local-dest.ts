/**
 * Where a `get` step's files land locally. Its `dest` may hold placeholders, and a registered
 * value is remote output: a host answering `../../home/me/.ssh` must not choose where fleet
 * writes. So when `dest` has a placeholder, the filled path must stay inside the directory its
 * literal start names (`backups/{{ day }}` stays in `backups/`; `{{ day }}` in the steps file's
 * directory), unless the step says `allow_dest_outside: true`.
 */
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { Template } from './template.js';

/**
 * The absolute local directory for a get step: `filled` (the rendered `dest`) resolved against
 * `baseDir` (the steps file's directory).
 * @throws FleetError FLEET_UNSAFE_PATH (this host fails alone) when a placeholder led outside.
 */
export function confinedLocalDest(dest: Template, filled: string, baseDir: string, opts: { allowOutside: boolean; host: string }): string {
  const resolved = path.resolve(baseDir, filled);
  const firstPlaceholder = dest.parts.findIndex((p) => typeof p !== 'string');
  if (firstPlaceholder < 0 || opts.allowOutside) return resolved;
  const literal = dest.parts.slice(0, firstPlaceholder).join('');
  // The directory the literal start names: `out/run-{{ x }}` -> out/, `{{ x }}` -> baseDir.
  const cut = literal.lastIndexOf('/');
  const base = path.resolve(baseDir, cut < 0 ? '.' : literal.slice(0, cut + 1));
  const rel = path.relative(base, resolved);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new FleetError(
      'FLEET_UNSAFE_PATH',
      `${opts.host}: get dest "${dest.source}" filled as "${filled}" leads outside ${base}; a placeholder may not choose where local files land (allow_dest_outside: true permits it)`,
      { host: opts.host, details: { dest: dest.source, filled, base } },
    );
  }
  return resolved;
}
