/**
 * `get` on one host: REMOTE (a file, or with -r a tree) lands in `LOCALDIR/<host>/<name>`. Each
 * file is written to a temp beside its final name, verified against the sha256 the host computes
 * (over exec, while the download runs), then renamed into place. Remote names are untrusted and
 * checked one by one (transfer-local.ts); the host fails with FLEET_UNSAFE_PATH on the first one
 * that could lead outside `LOCALDIR/<host>/` or through a local symlink.
 */
import { chmod, mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../errors.js';
import type { TransferOutput } from '../result.js';
import type { Connection, SftpSession } from '../transport/index.js';
import { downloadFile } from './transfer-download.js';
import { fanOutUntilFailure } from '../concurrency/fan-out.js';
import { Lanes } from './transfer-lanes.js';
import { checkLocalTarget, checkPathComponent, ensureLocalDir, localError } from './transfer-local.js';
import { baseName, normalizeRemotePath } from './transfer-paths.js';
import { TransferProgress } from './transfer-progress.js';
import { remoteSha256 } from './transfer-remote-hash.js';
import { placeLink, walkRemoteTree, type RemoteFile, type RemoteTree } from './transfer-tree.js';
import type { TransferEnv } from './transfer-shared.js';

/** One get, the same for every host. */
export interface GetJob {
  remote: string;
  /** Files go to `localDir/<host>/`. */
  localDir: string;
  recursive: boolean;
  verify: boolean;
}

// Files per remote checksum command, and files downloading at once within a batch.
const BATCH = 64;
const FILES_IN_FLIGHT = 4;

/** Runs `job` on the host of `conn`. Rejects with a FleetError; temps it made are removed first. */
export async function getFiles(conn: Connection, job: GetJob, env: TransferEnv): Promise<TransferOutput> {
  const host = conn.host;
  const stop = new AbortController();
  const signal = AbortSignal.any([env.signal, stop.signal]);
  const progress = new TransferProgress(host, env.emit);
  const out: TransferOutput = { files: 0, bytes: 0, unchanged: 0, sha256: {}, verified: job.verify ? 'sha256' : 'none', warnings: [] };
  const hostDir = join(job.localDir, checkPathComponent(host, host, 'host name'));
  await mkdir(job.localDir, { recursive: true }).catch((error: unknown) => {
    throw localError(error, host, `create ${job.localDir}`);
  });
  await ensureLocalDir(hostDir, host);
  const session = await conn.sftp({ signal });
  const temps = new Set<string>();
  let lanes: Lanes | undefined;
  try {
    const t0 = performance.now();
    const tree = await describeRemote(session, job);
    lanes = new Lanes(conn, session, performance.now() - t0, env.shared.lanes);
    out.warnings.push(...tree.warnings);
    for (const dir of tree.dirs) await ensureLocalDir(join(hostDir, ...dir.parts), host);
    progress.setTotals(
      tree.files.reduce((n, f) => n + f.size, 0),
      tree.files.length,
    );
    const active = lanes;
    for (let i = 0; i < tree.files.length; i += BATCH) {
      const batch = tree.files.slice(i, i + BATCH);
      // The host hashes its copies while they download.
      const remote = job.verify ? remoteSha256(conn, batch.map((f) => f.remote), signal) : undefined;
      remote?.catch(() => undefined);
      const done = await fanOutUntilFailure(batch, FILES_IN_FLIGHT, stop, async (file) =>
        downloadFile(
          {
            host,
            remote: file.remote,
            localDir: join(hostDir, ...file.parts.slice(0, -1)),
            name: file.parts.at(-1) as string,
            lanes: await active.forFile(file.size, signal),
            hash: job.verify ? env.shared.hashStream() : undefined,
            signal,
            onBytes: (n) => {
              out.bytes += n;
              progress.addBytes(n);
            },
          },
          (temp) => temps.add(temp),
        ),
      );
      const digests = remote ? await remote : undefined;
      if (digests?.tool === 'none') {
        out.verified = 'size';
        out.warnings.push('neither openssl nor sha256sum found on the host: files were checked by size only');
      }
      for (const [j, file] of batch.entries()) {
        const got = done[j] as Awaited<ReturnType<typeof downloadFile>>;
        const local = got.digest?.sha256;
        if (digests !== undefined && digests.tool !== 'none') {
          const theirs = digests.digests[j];
          if (theirs === undefined) throw new FleetError('FLEET_VERIFY_FAILED', `${host}: could not hash ${file.remote} on the host to verify it`, { host });
          if (theirs !== local) {
            throw new FleetError('FLEET_CHECKSUM_MISMATCH', `${host}: ${file.remote}: the downloaded copy's sha256 ${local} differs from the host's ${theirs} (did it change during the download?)`, {
              host,
              details: { path: file.remote, remote: theirs, local },
            });
          }
        }
        const final = join(hostDir, ...file.parts);
        await checkLocalTarget(final, host);
        await rename(got.temp, final).catch((error: unknown) => {
          throw localError(error, host, `rename ${got.temp} to ${final}`);
        });
        temps.delete(got.temp);
        out.files += 1;
        if (local !== undefined) out.sha256[final] = local;
        progress.fileDone();
      }
    }
    for (const link of tree.links) await placeLink(hostDir, link, host);
    // Deepest first; the owner keeps rwx so that the next get can write into them again.
    for (const dir of [...tree.dirs].reverse()) {
      const path = join(hostDir, ...dir.parts);
      await chmod(path, (dir.mode & 0o777) | 0o700).catch((error: unknown) => {
        throw localError(error, host, `set the mode of ${path}`);
      });
    }
    return out;
  } catch (error) {
    await Promise.allSettled([...temps].map((t) => unlink(t)));
    throw error instanceof FleetError ? error : new FleetError('FLEET_INTERNAL', String(error), { host }, { cause: error });
  } finally {
    progress.finish();
    await Promise.allSettled([lanes?.endExtra(), session.end()]);
  }
}

/** The remote side: one file, or (-r) a tree, with its local layout (checked names). */
async function describeRemote(session: SftpSession, job: GetJob): Promise<RemoteTree> {
  const host = session.host;
  const target = normalizeRemotePath(job.remote);
  const stats = await session.stat(target);
  // `.`, `..` and `~` name a directory by reference: its real name is what goes into LOCALDIR/<host>/.
  const name = checkPathComponent(baseName(/^\.\.?$/.test(baseName(target)) ? await session.realpath(target) : target), host, 'remote name');
  if (stats.isDirectory) {
    if (!job.recursive) throw new FleetError('FLEET_USAGE', `${host}: ${target} is a directory (use -r to get it and everything below it)`, { host });
    return walkRemoteTree(session, target, name, stats.mode);
  }
  if (!stats.isFile) throw new FleetError('FLEET_SFTP_FAILURE', `${host}: ${target} is not a regular file`, { host });
  const file: RemoteFile = { remote: target, parts: [name], size: stats.size };
  return { dirs: [], files: [file], links: [], warnings: [] };
}
