/**
 * The end of a put, per batch of uploaded temps: one remote checksum command for the batch, each
 * result compared with the local file's digest (computed once, in the worker pool), then every
 * verified temp renamed into place. Also `--skip-unchanged`: the targets' sizes, then the
 * checksums of those whose size matches.
 */
import { FleetError } from '../errors.js';
import type { Connection, SftpSession } from '../transport/index.js';
import { remoteSha256, type RemoteDigests } from './transfer-remote-hash.js';
import { namingTarget } from './transfer-target-error.js';
import { placeWithMode, statOrAbsent } from './transfer-remote-fs.js';
import type { TransferShared } from './transfer-shared.js';

/** An uploaded file waiting in its temp. */
export interface Uploaded {
  temp: string;
  target: string;
  local: string;
  size: number;
  /** Permission bits the file gets, just before its rename (the temp is 0600 until then). */
  mode: number;
}

/** What the verifier reports as files land. */
export interface VerifyHooks {
  /** A file is in place; `sha256` when it was checked (or computed). */
  placed(item: Uploaded, sha256: string | undefined): void;
  /** The host has no sha256 tool: files were checked by size only. */
  sizeOnly(): void;
}

// Files per checksum command: one exec per batch, not per file, for trees of small files.
const BATCH = 64;

/** Verifies and renames uploaded temps in batches. */
export class Verifier {
  readonly #conn: Connection;
  readonly #session: SftpSession;
  readonly #shared: TransferShared;
  readonly #verify: boolean;
  readonly #signal: AbortSignal;
  readonly #hooks: VerifyHooks;
  #pending: Uploaded[] = [];

  constructor(conn: Connection, session: SftpSession, opts: { shared: TransferShared; verify: boolean; signal: AbortSignal; hooks: VerifyHooks }) {
    this.#conn = conn;
    this.#session = session;
    this.#shared = opts.shared;
    this.#verify = opts.verify;
    this.#signal = opts.signal;
    this.#hooks = opts.hooks;
  }

  /** Queues an upload; verifies and places a full batch. */
  async add(item: Uploaded): Promise<void> {
    this.#pending.push(item);
    if (this.#pending.length >= BATCH) await this.flush();
  }

  /** Verifies and places everything queued. */
  async flush(): Promise<void> {
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    const digests = this.#verify ? await this.#check(batch) : batch.map(() => undefined);
    // Independent renames: pipelined on the channel rather than one round trip each.
    await Promise.all(
      batch.map(async (item, i) => {
        await placeWithMode(this.#session, item.temp, item.target, item.mode).catch((error: unknown) => {
          throw namingTarget(error, this.#conn.host, item.target);
        });
        this.#hooks.placed(item, digests[i]);
      }),
    );
  }

  async #check(batch: readonly Uploaded[]): Promise<(string | undefined)[]> {
    const remote = await remoteSha256(this.#conn, batch.map((b) => b.temp), this.#signal);
    if (remote.tool === 'none') this.#hooks.sizeOnly();
    return Promise.all(
      batch.map(async (item, i) => {
        const local = await this.#localDigest(item.local, item.size);
        if (remote.tool === 'none') return local; // the upload already checked the size
        const got = remote.digests[i];
        if (got === undefined) {
          throw new FleetError('FLEET_VERIFY_FAILED', `${this.#conn.host}: put ${item.target}: could not read its upload (${item.temp}) back to verify it`, {
            host: this.#conn.host,
            details: { path: item.target, temp: item.temp },
          });
        }
        if (got !== local) {
          throw new FleetError('FLEET_CHECKSUM_MISMATCH', `${this.#conn.host}: ${item.target}: the uploaded copy's sha256 ${got} differs from the local file's ${local}`, {
            host: this.#conn.host,
            details: { path: item.target, remote: got, local },
          });
        }
        return local;
      }),
    );
  }

  async #localDigest(path: string, size: number): Promise<string> {
    const local = await this.#shared.digest(path);
    if (local.size !== size) {
      throw new FleetError('FLEET_LOCAL_IO', `${this.#conn.host}: ${path} changed during the transfer (${local.size} bytes hashed, ${size} planned)`, { host: this.#conn.host });
    }
    return local.sha256;
  }
}

/**
 * `--skip-unchanged`: which targets already hold the same bytes (same size, then same sha256).
 * Returns their sha256 by remote path; `tool` says whether checksums could be compared at all.
 */
export async function findUnchanged(
  conn: Connection,
  session: SftpSession,
  files: readonly { remote: string; local: string; size: number }[],
  shared: TransferShared,
  signal: AbortSignal,
): Promise<{ unchanged: Map<string, string>; tool: RemoteDigests['tool'] }> {
  const stats = await Promise.all(files.map((f) => statOrAbsent(session, f.remote, false)));
  const candidates = files.filter((f, i) => stats[i]?.isFile === true && stats[i]?.size === f.size);
  const unchanged = new Map<string, string>();
  if (candidates.length === 0) return { unchanged, tool: 'sha256sum' };
  const remote = await remoteSha256(conn, candidates.map((c) => c.remote), signal);
  if (remote.tool === 'none') return { unchanged, tool: 'none' };
  await Promise.all(
    candidates.map(async (c, i) => {
      const local = await shared.digest(c.local);
      if (local.size === c.size && remote.digests[i] === local.sha256) unchanged.set(c.remote, local.sha256);
    }),
  );
  return { unchanged, tool: remote.tool };
}
