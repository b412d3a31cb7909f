/**
 * A remote tree for `get -r`, walked over SFTP without following remote symlinks, with every name
 * checked as one path component before it becomes part of a local path; and the local symlinks
 * that mirror the remote ones, created without ever following or replacing a local symlink.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../errors.js';
import type { SftpSession } from '../transport/index.js';
import { checkPathComponent, localError } from './transfer-local.js';
import { remoteJoin, TEMP_MARK } from './transfer-paths.js';

/** A remote file and where it goes below `LOCALDIR/<host>/` (checked components). */
export interface RemoteFile {
  remote: string;
  parts: string[];
  size: number;
}

/** A remote symlink to recreate (its target text kept as it is: it is never followed here). */
export interface RemoteLink {
  parts: string[];
  target: string;
}

/** What `get` will create below `LOCALDIR/<host>/`: directories parents first, files, links. */
export interface RemoteTree {
  /** With the remote permission bits, applied (owner rwx kept) once their contents are in place. */
  dirs: { parts: string[]; mode: number }[];
  files: RemoteFile[];
  links: RemoteLink[];
  warnings: string[];
}

// A server can describe an endless tree; real ones are far shallower than this.
const MAX_DEPTH = 256;

/** Walks the directory `root` (named `name` locally). */
export async function walkRemoteTree(session: SftpSession, root: string, name: string, mode: number): Promise<RemoteTree> {
  const tree: RemoteTree = { dirs: [{ parts: [name], mode }], files: [], links: [], warnings: [] };
  const queue: { remote: string; parts: string[] }[] = [{ remote: root, parts: [name] }];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (dir.parts.length > MAX_DEPTH) {
      throw new FleetError('FLEET_UNSAFE_PATH', `${session.host}: ${dir.remote} is more than ${MAX_DEPTH} directories deep`, { host: session.host });
    }
    const entries = await session.readdir(dir.remote);
    const seen = new Set<string>();
    for (const entry of entries) {
      const child = checkPathComponent(entry.name, session.host);
      if (seen.has(child)) throw new FleetError('FLEET_UNSAFE_PATH', `${session.host}: ${dir.remote} lists ${JSON.stringify(child)} twice`, { host: session.host });
      seen.add(child);
      const remote = remoteJoin(dir.remote, child);
      const parts = [...dir.parts, child];
      if (entry.stats.isSymlink) tree.links.push({ parts, target: await session.readlink(remote) });
      else if (entry.stats.isDirectory) {
        tree.dirs.push({ parts, mode: entry.stats.mode });
        queue.push({ remote, parts });
      } else if (entry.stats.isFile) tree.files.push({ remote, parts, size: entry.stats.size });
      else tree.warnings.push(`skipped ${remote}: not a regular file, directory or symlink`);
    }
  }
  return tree;
}

/**
 * Creates the local symlink `hostDir/parts` → `link.target` through a temp name and a rename (a
 * rename replaces a directory entry, it never follows one). An existing symlink with the same
 * target is left as it is; any other symlink, or a directory, in the way fails the host.
 */
export async function placeLink(hostDir: string, link: RemoteLink, host: string): Promise<void> {
  if (link.target.includes('\0')) throw new FleetError('FLEET_UNSAFE_PATH', `${host}: refusing a symlink target with NUL`, { host });
  const final = join(hostDir, ...link.parts);
  const existing = await lstat(final).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    if ((await readlink(final)) === link.target) return;
    throw new FleetError('FLEET_UNSAFE_PATH', `${host}: ${final} is a local symlink; refusing to replace it`, { host });
  }
  if (existing !== undefined && !existing.isFile()) throw new FleetError('FLEET_UNSAFE_PATH', `${host}: ${final} is in the way of a symlink`, { host });
  const temp = join(hostDir, ...link.parts.slice(0, -1), `.${(link.parts.at(-1) as string).slice(0, 200)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  try {
    await symlink(link.target, temp);
    await rename(temp, final);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw localError(error, host, `create the symlink ${final}`);
  }
}
