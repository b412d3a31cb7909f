/**
 * What `put` sends, read from the local disk once, before any host is contacted: each source
 * with its tree (with -r), sizes and modes. A missing source or a directory without -r is a
 * usage error (exit 2 before connecting). Symlinks named on the command line are followed (as cp
 * and scp do); symlinks inside a tree are sent as links. Special files (sockets, fifos, devices)
 * inside a tree are skipped with a warning.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FleetError } from '../errors.js';

/** One thing to create on the remote side; `rel` is its path below the source's root ('' = the root). */
export type PutEntry =
  | { kind: 'file'; local: string; rel: string; size: number; mode: number }
  | { kind: 'dir'; local: string; rel: string; mode: number }
  | { kind: 'symlink'; local: string; rel: string; target: string };

/** One command-line source: a file, or a directory (with -r) and everything below it. */
export interface PutSource {
  /** Absolute local path. */
  local: string;
  /** Its base name: the name it gets inside a remote directory. */
  name: string;
  kind: 'file' | 'dir';
  /** Parents before children; the root itself first (rel ''). */
  entries: PutEntry[];
}

/** Everything a put sends. */
export interface PutPlan {
  sources: PutSource[];
  /** Regular files, and their total size. */
  files: number;
  bytes: number;
  warnings: string[];
}

/** Reads the sources; throws FLEET_USAGE for a missing source or a directory without `recursive`. */
export async function planPut(paths: readonly string[], opts: { recursive: boolean; cwd?: string }): Promise<PutPlan> {
  if (paths.length === 0) throw new FleetError('FLEET_USAGE', 'put: no local source given');
  const plan: PutPlan = { sources: [], files: 0, bytes: 0, warnings: [] };
  for (const path of paths) {
    const local = resolve(opts.cwd ?? process.cwd(), path);
    let stats: Stats;
    try {
      stats = await stat(local);
    } catch (error) {
      throw new FleetError('FLEET_USAGE', `put: cannot read local source ${path}: ${codeOf(error)}`, {}, { cause: error });
    }
    const name = basename(local);
    if (stats.isDirectory()) {
      if (!opts.recursive) throw new FleetError('FLEET_USAGE', `put: ${path} is a directory (use -r to send it and everything below it)`);
      const entries: PutEntry[] = [{ kind: 'dir', local, rel: '', mode: stats.mode & 0o7777 }];
      await walk(local, '', entries, plan);
      plan.sources.push({ local, name, kind: 'dir', entries });
    } else if (stats.isFile()) {
      plan.sources.push({ local, name, kind: 'file', entries: [{ kind: 'file', local, rel: '', size: stats.size, mode: stats.mode & 0o7777 }] });
      plan.files += 1;
      plan.bytes += stats.size;
    } else {
      throw new FleetError('FLEET_USAGE', `put: ${path} is not a regular file or directory`);
    }
  }
  refuseSameNames(paths, plan);
  return plan;
}

/**
 * Several sources go into the destination directory under their own names, so two with the
 * same name (`put a/x b/x DIR/`) would land on one remote path, the last silently replacing the
 * first: a usage error instead, naming both.
 */
function refuseSameNames(paths: readonly string[], plan: PutPlan): void {
  const seen = new Map<string, number>();
  plan.sources.forEach((source, i) => {
    const first = seen.get(source.name);
    if (first === undefined) {
      seen.set(source.name, i);
      return;
    }
    throw new FleetError('FLEET_USAGE', `put: ${paths[first] ?? ''} and ${paths[i] ?? ''} have the same name "${source.name}": both would land on REMOTE/${source.name} (send them in two commands, or rename one)`);
  });
}

async function walk(dir: string, rel: string, entries: PutEntry[], plan: PutPlan): Promise<void> {
  let children: Dirent[];
  try {
    children = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `put: cannot list local directory ${dir}: ${codeOf(error)}`, {}, { cause: error });
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const subdirs: { local: string; rel: string }[] = [];
  for (const child of children) {
    const local = join(dir, child.name);
    const childRel = rel === '' ? child.name : `${rel}/${child.name}`;
    const stats = await lstat(local).catch((error: unknown) => {
      throw new FleetError('FLEET_USAGE', `put: cannot read local ${local}: ${codeOf(error)}`, {}, { cause: error });
    });
    if (stats.isSymbolicLink()) {
      entries.push({ kind: 'symlink', local, rel: childRel, target: await readlink(local) });
    } else if (stats.isDirectory()) {
      entries.push({ kind: 'dir', local, rel: childRel, mode: stats.mode & 0o7777 });
      subdirs.push({ local, rel: childRel });
    } else if (stats.isFile()) {
      entries.push({ kind: 'file', local, rel: childRel, size: stats.size, mode: stats.mode & 0o7777 });
      plan.files += 1;
      plan.bytes += stats.size;
    } else {
      plan.warnings.push(`skipped ${local}: not a regular file, directory or symlink`);
    }
  }
  for (const sub of subdirs) await walk(sub.local, sub.rel, entries, plan);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
