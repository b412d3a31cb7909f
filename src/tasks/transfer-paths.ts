/**
 * Remote path arithmetic for transfers (always POSIX: the remote side is an SFTP server) and the
 * temp names uploads and downloads write before the rename that puts them in place.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { FleetError } from '../errors.js';

/** The prefix of every temp file fleet writes: `.NAME.fleet-<random>` beside its target. */
export const TEMP_MARK = '.fleet-';

// NAME_MAX on Linux and most file systems, in bytes.
const NAME_MAX = 255;

/**
 * A remote path as the user wrote it, made explicit for SFTP: `~` and `~/x` become the login
 * directory and paths relative to it (SFTP paths are relative to it already); trailing slashes go
 * (the caller asks `endsWithSlash` first when it matters). Empty is a usage error.
 */
export function normalizeRemotePath(path: string): string {
  if (path === '' || path.includes('\0')) throw new FleetError('FLEET_USAGE', `invalid remote path: ${JSON.stringify(path)}`);
  let p = path;
  if (p === '~') p = '.';
  else if (p.startsWith('~/')) p = p.slice(2) || '.';
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** True when the user's remote path names a directory by its form (`dir/`, `.`, `~`). */
export function namesDirectory(path: string): boolean {
  return path.endsWith('/') || path === '.' || path === '~' || path === '..';
}

/** `dir/rel` for remote paths; `rel` may be empty (the directory itself). */
export function remoteJoin(dir: string, rel: string): string {
  if (rel === '') return dir;
  if (dir === '.' || dir === '') return rel;
  return dir.endsWith('/') ? `${dir}${rel}` : `${dir}/${rel}`;
}

/** The directory part of a remote path (`.` for a bare name). */
export function remoteDirname(path: string): string {
  return posix.dirname(path);
}

/** The last component of a path. */
export function baseName(path: string): string {
  return posix.basename(path);
}

/**
 * The temp name for `target` in the same directory (so the final rename stays on one file system
 * and is atomic): `.NAME.fleet-<12 hex>`, NAME cut so the whole stays within 255 bytes.
 */
export function tempPathFor(target: string): string {
  const dir = remoteDirname(target);
  const temp = `${tempPrefix(target)}${randomBytes(6).toString('hex')}`;
  return dir === '.' && !target.startsWith('./') ? temp : `${dir === '/' ? '' : dir}/${temp}`;
}

// `.fleet-` + 12 hex digits, as tempPathFor makes them.
const TEMP_SUFFIX_BYTES = Buffer.byteLength(TEMP_MARK) + 12;
const TEMP_RANDOM = /^[0-9a-f]{12}$/;

/** The base name of `target`'s temps up to their random part: `.NAME.fleet-`. */
function tempPrefix(target: string): string {
  const room = NAME_MAX - 1 - TEMP_SUFFIX_BYTES;
  return `.${truncateUtf8(baseName(target), room)}${TEMP_MARK}`;
}

/**
 * True when `entryName` (a name in `target`'s directory) is one of `target`'s temps, as
 * tempPathFor names them: an upload cut before its rename leaves one behind.
 */
export function isTempNameFor(target: string, entryName: string): boolean {
  const prefix = tempPrefix(target);
  return entryName.startsWith(prefix) && TEMP_RANDOM.test(entryName.slice(prefix.length));
}

/** A path safe as a shell word's start: a relative path that begins with `-` gets `./` in front. */
export function commandPath(path: string): string {
  return path.startsWith('-') ? `./${path}` : path;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}
