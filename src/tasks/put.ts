/**
 * `put` on one host: every file goes to a temp name beside its target (`.NAME.fleet-<random>`),
 * is verified (size, and sha256 unless `verify` is off), then renamed into place, atomically
 * replacing an existing target where the server offers posix-rename. Directories are created as
 * needed; with -r, trees keep their structure, modes and symlinks. On any failure or interrupt the
 * temps are removed (best effort, bounded in time), and what was already renamed stays: each
 * target is either its old version or the complete new one, never half-written.
 */
import { FleetError } from '../errors.js';
import type { TransferOutput } from '../result.js';
import type { Connection, SftpSession } from '../transport/index.js';
import { layoutPut, type PutLayout } from './transfer-layout.js';
import { Leftovers } from './transfer-leftovers.js';
import { namingTarget } from './transfer-target-error.js';
import { fanOutUntilFailure } from '../concurrency/fan-out.js';
import { Lanes } from './transfer-lanes.js';
import { tempPathFor } from './transfer-paths.js';
import type { PutPlan } from './transfer-plan.js';
import { TransferProgress } from './transfer-progress.js';
import { makeDirs, removeQuietly, replaceInto } from './transfer-remote-fs.js';
import type { TransferEnv } from './transfer-shared.js';
import { uploadFile } from './transfer-upload.js';
import { findUnchanged, Verifier } from './transfer-verify.js';

/** One put, the same for every host. */
export interface PutJob {
  plan: PutPlan;
  /** The remote destination as the user wrote it. */
  remote: string;
  /** Mode for every file sent (`--mode`); default: each local file's own. */
  mode?: number | undefined;
  /** Leave files whose target has the same size and sha256 (status `unchanged`, no data sent). */
  skipUnchanged: boolean;
  /** Check each upload's sha256 against the local file's (size is always checked). */
  verify: boolean;
}

// Files uploading at once per host: small files are a few round trips each, so several overlap.
const FILES_IN_FLIGHT = 4;
// Cleanup after a failure: the connection may be dead; never hang on it.
const CLEANUP_MS = 5_000;

const SIZE_ONLY_WARNING = 'neither openssl nor sha256sum found on the host: files were verified by size only';

/** Runs `job` on the host of `conn`. Rejects with a FleetError; cleans up its temps first. */
export async function putFiles(conn: Connection, job: PutJob, env: TransferEnv): Promise<TransferOutput> {
  // The host's own stop: the first failed file ends the uploads still running beside it.
  const stop = new AbortController();
  const signal = AbortSignal.any([env.signal, stop.signal]);
  const progress = new TransferProgress(conn.host, env.emit);
  const out: TransferOutput = { files: 0, bytes: 0, unchanged: 0, sha256: {}, verified: job.verify ? 'sha256' : 'none', warnings: [] };
  const warn = (text: string): void => {
    if (!out.warnings.includes(text)) out.warnings.push(text);
  };
  const session = await conn.sftp({ signal });
  const temps = new Set<string>();
  // Every temp this put made (temps holds those not yet in place).
  const ours = new Set<string>();
  let lanes: Lanes | undefined;
  try {
    // Extra lanes (for large files on a slow link) are probed for and opened while the layout is
    // read, the directories made and the first file starts on the main lane: they join it.
    lanes = new Lanes(conn, session, undefined, env.shared.lanes);
    lanes.prepare(largestFile(job.plan), signal);
    const layout = await layoutPut(session, job.plan, job.remote);
    // Listed now, removed once this put succeeded (see transfer-leftovers.ts).
    const leftovers = new Leftovers(session, [...layout.files, ...layout.links].map((f) => f.remote), ours);
    const known = new Set<string>(layout.knownDirs);
    for (const parent of layout.parents) await makeDirs(session, parent, known);
    // Writable by us while its contents arrive; the local mode is applied at the end.
    for (const dir of layout.dirs) await makeDirs(session, dir.remote, known, dir.mode | 0o700);

    const files = await skipUnchanged(conn, session, layout, job, { ...env, signal }, out, warn);
    progress.setTotals(
      files.reduce((n, f) => n + f.entry.size, 0),
      layout.files.length,
    );
    for (let i = 0; i < out.unchanged; i += 1) progress.fileDone();

    const verifier = new Verifier(conn, session, {
      shared: env.shared,
      verify: job.verify,
      signal,
      hooks: {
        placed: (item, sha256) => {
          temps.delete(item.temp);
          out.files += 1;
          if (sha256 !== undefined) out.sha256[item.target] = sha256;
          progress.fileDone();
        },
        sizeOnly: () => {
          out.verified = 'size';
          warn(SIZE_ONLY_WARNING);
        },
      },
    });
    const active = lanes;
    await fanOutUntilFailure(files, FILES_IN_FLIGHT, stop, async ({ entry, remote }) => {
      const temp = tempPathFor(remote);
      temps.add(temp);
      ours.add(temp);
      await uploadFile({
        temp,
        size: entry.size,
        lane: active.main,
        joining: active.extraFor(entry.size, signal),
        chunks: () => env.shared.sources.consumer(entry.local, entry.size),
        signal,
        onBytes: (n) => {
          out.bytes += n;
          progress.addBytes(n);
        },
      }).catch((error: unknown) => {
        throw namingTarget(error, conn.host, remote);
      });
      await verifier.add({ temp, target: remote, local: entry.local, size: entry.size, mode: job.mode ?? entry.mode });
    });
    await verifier.flush();

    for (const { entry, remote } of layout.links) {
      const temp = tempPathFor(remote);
      temps.add(temp);
      ours.add(temp);
      await session.symlink(entry.target, temp);
      await replaceInto(session, temp, remote);
      temps.delete(temp);
    }
    // Before the directories get their modes: a read-only one would keep them.
    await leftovers.remove(session);
    // Deepest first, so a read-only directory is closed only after everything below it is in place.
    for (const dir of [...layout.dirs].reverse()) await session.chmod(dir.remote, dir.mode);
    return out;
  } catch (error) {
    await cleanUp(conn, session, temps);
    throw error instanceof FleetError ? error : new FleetError('FLEET_INTERNAL', String(error), { host: conn.host }, { cause: error });
  } finally {
    progress.finish();
    await bounded(Promise.allSettled([lanes?.endExtra(), session.end()]));
  }
}

/** Drops the files already in place (`--skip-unchanged`) from the work list, counting them. */
async function skipUnchanged(
  conn: Connection,
  session: SftpSession,
  layout: PutLayout,
  job: PutJob,
  env: TransferEnv,
  out: TransferOutput,
  warn: (text: string) => void,
): Promise<PutLayout['files']> {
  if (!job.skipUnchanged || layout.files.length === 0) return layout.files;
  const targets = layout.files.map((f) => ({ remote: f.remote, local: f.entry.local, size: f.entry.size }));
  const { unchanged, tool } = await findUnchanged(conn, session, targets, env.shared, env.signal);
  if (tool === 'none') warn('neither openssl nor sha256sum found on the host: --skip-unchanged could not compare, every file was sent');
  const rest: PutLayout['files'] = [];
  for (const file of layout.files) {
    const sha256 = unchanged.get(file.remote);
    if (sha256 === undefined) {
      rest.push(file);
      continue;
    }
    out.files += 1;
    out.unchanged += 1;
    out.sha256[file.remote] = sha256;
    // Same bytes, but the mode asked for still applies.
    await session.chmod(file.remote, job.mode ?? file.entry.mode);
  }
  return rest;
}

/**
 * Removes the temps a failed put left. The put's session may be what failed (its channel closed),
 * so a fresh one is tried when it does not answer; the whole is bounded in time.
 */
async function cleanUp(conn: Connection, session: SftpSession, temps: ReadonlySet<string>): Promise<void> {
  if (temps.size === 0) return;
  const removeAll = async (s: SftpSession): Promise<boolean> => {
    const results = await Promise.allSettled([...temps].map((t) => s.unlink(t)));
    return results.every((r) => r.status === 'fulfilled' || (r.reason instanceof FleetError && r.reason.code === 'FLEET_SFTP_NO_SUCH_FILE'));
  };
  await bounded(
    (async () => {
      if (await removeAll(session).catch(() => false)) return;
      const fresh = await conn.sftp().catch(() => undefined);
      if (fresh === undefined) return;
      try {
        for (const temp of temps) await removeQuietly(fresh, temp);
      } finally {
        await fresh.end();
      }
    })(),
  );
}

/** `promise`, or nothing after CLEANUP_MS. */
async function bounded(promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLEANUP_MS)))]);
  clearTimeout(timer);
}

/** The size of the plan's largest file (0 when it has none). */
function largestFile(plan: PutPlan): number {
  let largest = 0;
  for (const source of plan.sources) for (const entry of source.entries) if (entry.kind === 'file' && entry.size > largest) largest = entry.size;
  return largest;
}
