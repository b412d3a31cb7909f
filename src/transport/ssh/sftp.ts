/**
 * The {@link SftpSession} over one ssh2 SFTP channel of a host's shared connection (ssh2's
 * `client.sftp()`; no second connection, unlike an ssh2-sftp-client SftpClient). A thin layer:
 * callbacks become promises, ssh2's status errors become FleetErrors (errors.ts), and writes
 * larger than the server's request limit are split into requests that are all in flight at once
 * (ssh2 would send the rest of an oversized write only after the first part is acknowledged).
 */
import type { SFTPWrapper, Stats } from 'ssh2';
import type { FleetError } from '../../errors.js';
import type { RemoteDirEntry, RemoteHandle, RemoteStats, SftpSession } from '../transport.js';
import { translateSftpError } from './errors.js';

// The safe request size for any server: a 32 KiB SFTP packet less the request header (ssh2's own
// default for servers that are not OpenSSH).
const FALLBACK_MAX_DATA = 34_000 - 2 * 1024;

/** What ssh2 keeps privately and we read: the negotiated request limits and the server's extensions. */
interface Ssh2SftpInternals {
  _maxWriteLen?: number;
  _maxReadLen?: number;
  _extensions?: Record<string, string>;
}

// How long `end()` waits for the server to close the channel before giving the slot back anyway.
const END_GRACE_MS = 2_000;

type Callback<T> = (err: Error | undefined | null, value?: T) => void;

/** An SFTP session on an ssh2 connection. Built by `openSftpSession`. */
export class SshSftpSession implements SftpSession {
  readonly host: string;
  readonly maxWriteBytes: number;
  readonly maxReadBytes: number;
  readonly hasPosixRename: boolean;
  readonly #sftp: SFTPWrapper;
  readonly #lost: () => FleetError | undefined;
  readonly #batch: () => void;
  readonly #closed: Promise<void>;
  #ended = false;
  #gone = false;
  #forceClosed: () => void = () => undefined;

  /**
   * @param sftp - a ready ssh2 SFTP channel
   * @param lost - the connection's fatal error, if it died (named in failures of pending calls)
   * @param onClose - called once when the channel closes (frees the session slot)
   * @param batch - holds the connection's writes to the end of the tick (one writev for many requests)
   */
  constructor(host: string, sftp: SFTPWrapper, lost: () => FleetError | undefined, onClose: () => void, batch: () => void = () => undefined) {
    this.host = host;
    this.#sftp = sftp;
    this.#lost = lost;
    this.#batch = batch;
    const internals = sftp as unknown as Ssh2SftpInternals;
    this.maxWriteBytes = positive(internals._maxWriteLen) ?? FALLBACK_MAX_DATA;
    this.maxReadBytes = positive(internals._maxReadLen) ?? FALLBACK_MAX_DATA;
    this.hasPosixRename = internals._extensions?.['posix-rename@openssh.com'] !== undefined;
    // A channel 'error' without a listener would crash the process; failures reach callers through
    // their pending requests (ssh2 fails them all when the channel closes).
    sftp.on('error', () => undefined);
    // Once the channel has ended (the server closed it: sftp-server killed, say), ssh2 fails the
    // requests pending then, but would take new ones and never answer them: refuse those here.
    sftp.once('end', () => {
      this.#gone = true;
    });
    let closedOnce = false;
    this.#closed = new Promise((resolve) => {
      this.#forceClosed = () => {
        if (closedOnce) return;
        closedOnce = true;
        this.#ended = true;
        onClose();
        resolve();
      };
      sftp.once('close', () => {
        this.#gone = true;
        this.#forceClosed();
      });
    });
  }

  /** Settles when the channel has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  open(path: string, flags: 'r' | 'w' | 'wx' | 'r+', mode?: number): Promise<RemoteHandle> {
    const attrs = mode === undefined ? {} : { mode };
    return this.#call<Buffer>('open', path, (cb) => this.#sftp.open(path, flags, attrs, cb)) as Promise<RemoteHandle>;
  }

  write(handle: RemoteHandle, data: Uint8Array, position: number): Promise<void> {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#batch();
    // The common case, one request: no array, no Promise.all (a 64 MiB upload is ~250 of these per host).
    if (buf.length <= this.maxWriteBytes) {
      return this.#call<void>('write', `at ${position}`, (cb) => this.#sftp.write(handle, buf, 0, buf.length, position, (err) => cb(err)));
    }
    const pieces: Promise<void>[] = [];
    for (let off = 0; off < buf.length; off += this.maxWriteBytes) {
      const len = Math.min(this.maxWriteBytes, buf.length - off);
      const at = position + off;
      pieces.push(this.#call<void>('write', `at ${at}`, (cb) => this.#sftp.write(handle, buf, off, len, at, (err) => cb(err))));
    }
    return Promise.all(pieces).then(() => undefined);
  }

  read(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.#batch();
    return this.#call<number>('read', `at ${position}`, (cb) =>
      this.#sftp.read(handle, buffer, offset, Math.min(length, this.maxReadBytes), position, (err, bytesRead) => cb(err, bytesRead)),
    );
  }

  async fstat(handle: RemoteHandle): Promise<RemoteStats> {
    return toRemoteStats(await this.#call<Stats>('fstat', 'handle', (cb) => this.#sftp.fstat(handle, cb)));
  }

  fchmod(handle: RemoteHandle, mode: number): Promise<void> {
    return this.#call<void>('fchmod', 'handle', (cb) => this.#sftp.fchmod(handle, mode, cb));
  }

  close(handle: RemoteHandle): Promise<void> {
    return this.#call<void>('close', 'handle', (cb) => this.#sftp.close(handle, cb));
  }

  async stat(path: string): Promise<RemoteStats> {
    return toRemoteStats(await this.#call<Stats>('stat', path, (cb) => this.#sftp.stat(path, cb)));
  }

  async lstat(path: string): Promise<RemoteStats> {
    return toRemoteStats(await this.#call<Stats>('lstat', path, (cb) => this.#sftp.lstat(path, cb)));
  }

  mkdir(path: string, mode?: number): Promise<void> {
    return this.#call<void>('mkdir', path, (cb) => this.#sftp.mkdir(path, mode === undefined ? {} : { mode }, cb));
  }

  rename(from: string, to: string): Promise<void> {
    return this.#call<void>('rename', `${from} -> ${to}`, (cb) => this.#sftp.rename(from, to, cb));
  }

  posixRename(from: string, to: string): Promise<void> {
    return this.#call<void>('posix-rename', `${from} -> ${to}`, (cb) => this.#sftp.ext_openssh_rename(from, to, cb));
  }

  unlink(path: string): Promise<void> {
    return this.#call<void>('unlink', path, (cb) => this.#sftp.unlink(path, cb));
  }

  rmdir(path: string): Promise<void> {
    return this.#call<void>('rmdir', path, (cb) => this.#sftp.rmdir(path, cb));
  }

  async readdir(path: string): Promise<RemoteDirEntry[]> {
    const list = await this.#call<{ filename: string; attrs: Stats }[]>('readdir', path, (cb) => this.#sftp.readdir(path, cb));
    return list.map((entry) => ({ name: entry.filename, stats: toRemoteStats(entry.attrs) }));
  }

  readlink(path: string): Promise<string> {
    return this.#call<string>('readlink', path, (cb) => this.#sftp.readlink(path, cb));
  }

  symlink(target: string, path: string): Promise<void> {
    return this.#call<void>('symlink', path, (cb) => this.#sftp.symlink(target, path, cb));
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.#call<void>('chmod', path, (cb) => this.#sftp.chmod(path, mode, cb));
  }

  realpath(path: string): Promise<string> {
    return this.#call<string>('realpath', path, (cb) => this.#sftp.realpath(path, cb));
  }

  async freeBytes(path: string): Promise<number | undefined> {
    const internals = this.#sftp as unknown as Ssh2SftpInternals;
    if (internals._extensions?.['statvfs@openssh.com'] === undefined) return undefined;
    const info = await this.#call<{ f_bavail?: number; f_frsize?: number; f_bsize?: number }>('statvfs', path, (cb) =>
      this.#sftp.ext_openssh_statvfs(path, cb),
    );
    const unit = Number(info.f_frsize || info.f_bsize || 0);
    return info.f_bavail !== undefined && unit > 0 ? Number(info.f_bavail) * unit : undefined;
  }

  end(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      try {
        this.#sftp.end();
      } catch {
        // the channel or the connection is already gone: 'close' follows or has fired
      }
      // A server that never answers the close must not hold the caller (nor, forever, the slot).
      const timer = setTimeout(() => this.#forceClosed(), END_GRACE_MS);
      timer.unref();
      void this.#closed.then(() => clearTimeout(timer));
    }
    return this.#closed;
  }

  /** Runs one ssh2 call; a synchronous throw (closed channel, unsupported extension) rejects too. */
  #call<T>(op: string, path: string, start: (cb: Callback<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (err: unknown): void => reject(translateSftpError(err, { host: this.host, op, path, lost: this.#lost() }));
      if (this.#gone || this.#ended) {
        fail(new Error('No response from server (the SFTP channel is closed)'));
        return;
      }
      try {
        start((err, value) => {
          if (err) fail(err);
          else resolve(value as T);
        });
      } catch (error) {
        fail(error);
      }
    });
  }
}

function positive(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

const S_IFMT = 0o170000;

function toRemoteStats(stats: Stats): RemoteStats {
  const mode = stats.mode ?? 0;
  const type = mode & S_IFMT;
  return {
    size: stats.size ?? 0,
    mode,
    mtime: stats.mtime ?? 0,
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymlink: type === 0o120000,
  };
}
