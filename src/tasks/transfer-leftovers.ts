/**
 * Temps that earlier puts left behind: an upload cut mid-way (connection lost, process killed)
 * never reaches its rename or its cleanup, and its `.NAME.fleet-<random>` stays beside the
 * target. The next put to the same target removes them once its own file is in place.
 *
 * They are listed when the put starts (one readdir per target directory, sent while the first
 * uploads run, so it costs no round trip of its own) and removed only after the put succeeded,
 * and only those whose size and mtime have not changed since the listing: a temp that appeared
 * after our start is never touched, a put that fails removes nothing of anyone else's, and the
 * temp of an upload still running beside ours (another fleet run, or another host writing to the
 * same shared directory, e.g. NFS) grows meanwhile and is left alone. What remains exposed is an
 * upload that wrote nothing at all for the whole of our put, which then loses its temp and fails
 * its rename naming the target.
 */
import { FleetError } from '../errors.js';
import type { SftpSession } from '../transport/index.js';
import { baseName, isTempNameFor, remoteDirname, remoteJoin } from './transfer-paths.js';

/** The leftover temps of a put's targets, as found when it started. */
export class Leftovers {
  readonly #found: Promise<Listed[]>;
  readonly #ours: ReadonlySet<string>;

  /**
   * Starts listing the directories of `targets`. `ours` holds the temps this put makes (checked
   * when the listing is used, so a temp of ours that the listing caught is never taken for a leftover).
   */
  constructor(session: SftpSession, targets: readonly string[], ours: ReadonlySet<string>) {
    this.#ours = ours;
    const byDir = new Map<string, string[]>();
    for (const target of targets) {
      const dir = remoteDirname(target);
      byDir.set(dir, [...(byDir.get(dir) ?? []), target]);
    }
    this.#found = Promise.all([...byDir].map(([dir, inDir]) => listLeftovers(session, dir, inDir))).then((lists) => lists.flat());
    // Used only after a successful put; a listing that failed must not go unhandled meanwhile.
    this.#found.catch(() => undefined);
  }

  /** Removes the leftovers found (best effort: a leftover that cannot be removed is no failure of this put). */
  async remove(session: SftpSession): Promise<string[]> {
    const mine = new Set([...this.#ours].map(baseName));
    const found = (await this.#found.catch(() => [])).filter((temp) => !mine.has(baseName(temp.path)));
    // Still as listed? A temp that grew or was touched belongs to an upload that is alive.
    const now = await Promise.allSettled(found.map((temp) => session.lstat(temp.path)));
    const stale = found.filter((temp, i) => {
      const r = now[i];
      return r?.status === 'fulfilled' && r.value.size === temp.size && r.value.mtime === temp.mtime;
    });
    const results = await Promise.allSettled(stale.map((temp) => session.unlink(temp.path)));
    return stale.filter((_, i) => results[i]?.status === 'fulfilled').map((temp) => temp.path);
  }
}

/** A temp as the listing saw it. */
interface Listed {
  path: string;
  size: number;
  mtime: number;
}

async function listLeftovers(session: SftpSession, dir: string, targets: readonly string[]): Promise<Listed[]> {
  let entries;
  try {
    entries = await session.readdir(dir);
  } catch (error) {
    // A directory this put creates has no leftovers; an unreadable one is left as it is.
    if (error instanceof FleetError) return [];
    throw error;
  }
  return entries
    .filter((e) => e.stats.isFile && targets.some((t) => isTempNameFor(t, e.name)))
    .map((e) => ({ path: remoteJoin(dir, e.name), size: e.stats.size, mtime: e.stats.mtime }));
}
