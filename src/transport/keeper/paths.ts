/**
 * Where the keeper lives: one private directory per user, `$XDG_RUNTIME_DIR/fleet` or
 * `~/.cache/fleet` (FLEET_KEEPER_DIR overrides, for tests), mode 0700 and owned by the user;
 * in it the socket (0600), the token file (0600), the keeper's pid file and its log (0600).
 * Nothing is used unless the directory passes the checks: a directory someone else could write
 * to would let them stand in for the keeper.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FleetError } from '../../errors.js';

/** The keeper's files. */
export interface KeeperPaths {
  dir: string;
  socket: string;
  token: string;
  /** The keeper's own diagnostics (never secrets: host names and error codes); rotated to `log.1`. */
  log: string;
  /** The running keeper's pid, written once it listens: how to find it when its socket does not answer. */
  pid: string;
}

/** The directory as the environment names it (not yet checked). */
export function keeperPaths(env: Readonly<Record<string, string | undefined>>): KeeperPaths {
  const home = env['HOME'] ?? os.homedir();
  const runtime = env['XDG_RUNTIME_DIR'];
  const dir = env['FLEET_KEEPER_DIR'] ?? (runtime !== undefined && runtime !== '' ? path.join(runtime, 'fleet') : path.join(home, '.cache', 'fleet'));
  return {
    dir,
    socket: path.join(dir, 'keeper.sock'),
    token: path.join(dir, 'token'),
    log: path.join(dir, 'keeper.log'),
    pid: path.join(dir, 'keeper.pid'),
  };
}

/**
 * Creates the directory (0700) if absent, then checks it: a real directory (not a symlink), owned
 * by this user, with no access for group or others. Throws FLEET_CONFIG_INVALID otherwise.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivateDir(dir);
}

/** The checks of {@link ensurePrivateDir} on a directory that must already exist (ENOENT otherwise). */
export function checkPrivateDir(dir: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory()) throw unsafe(dir, 'is not a directory');
  if (uid !== undefined && st.uid !== uid) throw unsafe(dir, `is owned by uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0) throw unsafe(dir, `has mode ${(st.mode & 0o777).toString(8)}; it must be 0700`);
}

/** Checks that `file` is a regular file or socket of this user that only the user can access. */
export function checkPrivateFile(file: string): void {
  const st = lstatSync(file);
  const uid = process.getuid?.();
  if (st.isSymbolicLink()) throw unsafe(file, 'is a symlink');
  if (uid !== undefined && st.uid !== uid) throw unsafe(file, `is owned by uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0) throw unsafe(file, `has mode ${(st.mode & 0o777).toString(8)}; it must be 0600`);
}

function unsafe(file: string, why: string): FleetError {
  return new FleetError('FLEET_CONFIG_INVALID', `fleet keeper: ${file} ${why}: refusing to use it (see docs/security.md, "The keeper")`, { details: { file } });
}

/** Writes a fresh random token, 0600 (the keeper, at start). */
export function writeToken(file: string): string {
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** Reads the token after checking the file is private (a client, before connecting). */
export function readToken(file: string): string {
  checkPrivateFile(file);
  return readFileSync(file, 'utf8').trim();
}

/** Constant-time comparison of a presented token with the keeper's. */
export function tokenMatches(presented: unknown, token: string): boolean {
  if (typeof presented !== 'string' || presented.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(token));
}
