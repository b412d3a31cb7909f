/**
 * Where a put's sources land on one host, decided as cp and scp do, from the remote side's state:
 * - REMOTE is an existing directory (or a symlink to one): each source goes inside it, by name;
 * - REMOTE is written as a directory (`dir/`, `.`, `~`) or there are several sources: it must be a
 *   directory; it is created when missing, and each source goes inside it;
 * - otherwise (one source): REMOTE is the new name of the file (or, with -r, of the directory).
 */
import { FleetError } from '../errors.js';
import type { SftpSession } from '../transport/index.js';
import type { PutEntry, PutPlan } from './transfer-plan.js';
import { namesDirectory, normalizeRemotePath, remoteDirname, remoteJoin } from './transfer-paths.js';
import { statOrAbsent } from './transfer-remote-fs.js';

type FileEntry = Extract<PutEntry, { kind: 'file' }>;
type LinkEntry = Extract<PutEntry, { kind: 'symlink' }>;

/** A put's work on one host, with remote paths. */
export interface PutLayout {
  /** Directories that must exist first (REMOTE itself, or the target's parent). */
  parents: string[];
  /** Directories of -r trees, parents first, with the local mode to give them at the end. */
  dirs: { remote: string; mode: number }[];
  files: { entry: FileEntry; remote: string }[];
  links: { entry: LinkEntry; remote: string }[];
  /** Directories already seen to exist (REMOTE or its parent): no mkdir round trips for them. */
  knownDirs: string[];
}

/** Maps the plan onto `remote` on the host of `session`. */
export async function layoutPut(session: SftpSession, plan: PutPlan, remote: string): Promise<PutLayout> {
  const target = normalizeRemotePath(remote);
  // The parent is asked about in the same round trip: it is where a single file lands.
  const parent = remoteDirname(target);
  const [stats, parentStats] = await Promise.all([
    statOrAbsent(session, target),
    parent === target ? undefined : statOrAbsent(session, parent).catch(() => undefined),
  ]);
  const knownDirs = [...(stats?.isDirectory ? [target] : []), ...(parentStats?.isDirectory ? [parent] : [])];
  const layout: PutLayout = { parents: [], dirs: [], files: [], links: [], knownDirs };
  const intoDir = stats?.isDirectory === true || namesDirectory(remote) || plan.sources.length > 1;
  if (intoDir) {
    if (stats !== undefined && !stats.isDirectory) {
      throw new FleetError('FLEET_SFTP_FAILURE', `${session.host}: ${target} exists and is not a directory`, { host: session.host, details: { path: target } });
    }
    if (stats === undefined) layout.parents.push(target);
  } else {
    const source = plan.sources[0];
    if (source?.kind === 'dir' && stats !== undefined) {
      throw new FleetError('FLEET_SFTP_FAILURE', `${session.host}: ${target} exists and is not a directory`, { host: session.host, details: { path: target } });
    }
    layout.parents.push(remoteDirname(target));
  }
  for (const source of plan.sources) {
    const base = intoDir ? remoteJoin(target, source.name) : target;
    for (const entry of source.entries) {
      const path = remoteJoin(base, entry.rel);
      if (entry.kind === 'dir') layout.dirs.push({ remote: path, mode: entry.mode });
      else if (entry.kind === 'file') layout.files.push({ entry, remote: path });
      else layout.links.push({ entry, remote: path });
    }
  }
  return layout;
}
