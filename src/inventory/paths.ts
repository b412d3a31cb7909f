import os from 'node:os';
import path from 'node:path';

/**
 * Expands a leading `~` or `~/` against `home`. `~user` forms are left alone: resolving another
 * user's home needs a passwd lookup, and inventories that need it can spell the path out.
 */
export function expandTilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

/**
 * Expands `~`, then makes a relative path absolute against `baseDir` (the inventory file's
 * directory), so an inventory kept in a repository can point at keys beside it.
 */
export function resolveFilePath(p: string, home: string, baseDir: string | undefined): string {
  const expanded = expandTilde(p, home);
  if (baseDir === undefined || path.isAbsolute(expanded)) return expanded;
  return path.resolve(baseDir, expanded);
}

/** The local user name: os.userInfo() can throw in containers without a passwd entry. */
export function currentUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['LOGNAME'] ?? 'root';
  }
}
