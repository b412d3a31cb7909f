/**
 * A real SSH + SFTP server in-process (ssh2's Server) on 127.0.0.1, over the local file system,
 * for transfer tests that need a server misbehaving on purpose: directory listings with hostile
 * names, symlinks pointing anywhere, reads that return other bytes than the file holds (a file
 * changing under a download), writes that store other bytes than sent (a bad disk). Exec runs the
 * command with `sh -c` locally, so fleet's remote checksum command really runs, on the real files.
 * It accepts any public key (test only) and identifies as "ssh2js", so fleet sees a non-OpenSSH
 * server: small SFTP requests, no posix-rename (the rename fallback is exercised too).
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, renameSync, rmdirSync, statSync, symlinkSync, unlinkSync, writeFileSync, writeSync, chmodSync, fchmodSync, type Stats } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import ssh2, { type Connection, type SFTPWrapper } from 'ssh2';
import { generateEd25519 } from '../lab/host-key.js';

const { STATUS_CODE, flagsToString } = ssh2.utils.sftp;

/** A listing entry the hooks may add: names are sent exactly as given. */
export interface FakeEntry {
  filename: string;
  kind: 'file' | 'dir' | 'symlink';
  size?: number;
}

/** Fault injection. Paths are the paths the client asked for. */
export interface SftpServerHooks {
  /** Extra entries appended to a directory's real listing. */
  extraEntries?(path: string): FakeEntry[];
  /** The target a symlink (real or fake) reports. */
  readlink?(path: string): string | undefined;
  /** Replaces bytes read from a file. */
  onRead?(path: string, data: Buffer, offset: number): Buffer;
  /** Replaces bytes before they are written. */
  onWrite?(path: string, data: Buffer, offset: number): Buffer;
}

export interface SftpTestServer {
  port: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 ...`, for a known_hosts file. */
  knownHostsLine: string;
  /** Write a fleet inventory for this server (one host named `name`). */
  writeInventory(file: string, name: string, keyFile: string, knownHostsFile: string): void;
  close(): Promise<void>;
}

function attrsOf(stats: Stats): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  return { mode: stats.mode, uid: stats.uid, gid: stats.gid, size: stats.size, atime: Math.floor(stats.atimeMs / 1000), mtime: Math.floor(stats.mtimeMs / 1000) };
}

function fakeAttrs(entry: FakeEntry): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  const type = entry.kind === 'dir' ? 0o040000 : entry.kind === 'symlink' ? 0o120000 : 0o100000;
  return { mode: type | 0o755, uid: 0, gid: 0, size: entry.size ?? 0, atime: 0, mtime: 0 };
}

function errnoStatus(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

function serveSftp(sftp: SFTPWrapper, hooks: SftpServerHooks): void {
  // The client's channel close arrives as 'end'; ssh2 leaves answering it to us (OpenSSH's
  // sftp-server exits, which closes the channel).
  sftp.on('end', () => sftp.end());
  const handles = new Map<number, { fd?: number; path: string; entries?: { filename: string; longname: string; attrs: ReturnType<typeof attrsOf> }[] }>();
  let next = 1;
  const handleOf = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const lookup = (h: Buffer) => handles.get(h.length === 4 ? h.readUInt32BE(0) : -1);
  const guard = (reqid: number, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      sftp.status(reqid, errnoStatus(error));
    }
  };
  sftp.on('OPEN', (reqid, filename, flags, attrs) =>
    guard(reqid, () => {
      const fd = openSync(filename, flagsToString(flags) ?? 'r', attrs.mode ?? 0o644);
      const n = next++;
      handles.set(n, { fd, path: filename });
      sftp.handle(reqid, handleOf(n));
    }),
  );
  sftp.on('READ', (reqid, handle, offset, length) =>
    guard(reqid, () => {
      const h = lookup(handle);
      if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
      const buf = Buffer.alloc(length);
      const n = readSync(h.fd, buf, 0, length, offset);
      if (n === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      const data = buf.subarray(0, n);
      sftp.data(reqid, hooks.onRead ? hooks.onRead(h.path, data, offset) : data);
    }),
  );
  sftp.on('WRITE', (reqid, handle, offset, data) =>
    guard(reqid, () => {
      const h = lookup(handle);
      if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
      const stored = hooks.onWrite ? hooks.onWrite(h.path, Buffer.from(data), offset) : data;
      writeSync(h.fd, stored, 0, stored.length, offset);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('FSTAT', (reqid, handle) => guard(reqid, () => sftp.attrs(reqid, attrsOf(fstatSync(lookup(handle)?.fd ?? -1)))));
  sftp.on('FSETSTAT', (reqid, handle, attrs) =>
    guard(reqid, () => {
      if (attrs.mode !== undefined) fchmodSync(lookup(handle)?.fd ?? -1, attrs.mode & 0o7777);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('SETSTAT', (reqid, path, attrs) =>
    guard(reqid, () => {
      if (attrs.mode !== undefined) chmodSync(path, attrs.mode & 0o7777);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('CLOSE', (reqid, handle) =>
    guard(reqid, () => {
      const h = lookup(handle);
      if (h?.fd !== undefined) {
        fsyncSync(h.fd);
        closeSync(h.fd);
      }
      handles.delete(handle.readUInt32BE(0));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on('OPENDIR', (reqid, path) =>
    guard(reqid, () => {
      const real = readdirSync(path).map((name) => {
        const attrs = attrsOf(lstatSync(join(path, name)));
        return { filename: name, longname: name, attrs };
      });
      const extra = (hooks.extraEntries?.(path) ?? []).map((e) => ({ filename: e.filename, longname: e.filename, attrs: fakeAttrs(e) }));
      const n = next++;
      handles.set(n, { path, entries: [...real, ...extra] });
      sftp.handle(reqid, handleOf(n));
    }),
  );
  sftp.on('READDIR', (reqid, handle) => {
    const h = lookup(handle);
    if (h?.entries === undefined || h.entries.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
    const entries = h.entries;
    h.entries = [];
    sftp.name(reqid, entries);
  });
  const stat = (reqid: number, path: string, follow: boolean): void =>
    guard(reqid, () => sftp.attrs(reqid, attrsOf(follow ? statSync(path) : lstatSync(path))));
  sftp.on('STAT', (reqid, path) => stat(reqid, path, true));
  sftp.on('LSTAT', (reqid, path) => stat(reqid, path, false));
  sftp.on('READLINK', (reqid, path) =>
    guard(reqid, () => {
      const target = hooks.readlink?.(path) ?? readlinkSync(path);
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as never }]);
    }),
  );
  sftp.on('REALPATH', (reqid, path) => guard(reqid, () => sftp.name(reqid, [{ filename: resolve('/', path), longname: resolve('/', path), attrs: {} as never }])));
  const simple = (reqid: number, fn: () => void): void =>
    guard(reqid, () => {
      fn();
      sftp.status(reqid, STATUS_CODE.OK);
    });
  sftp.on('MKDIR', (reqid, path, attrs) => simple(reqid, () => mkdirSync(path, attrs.mode ?? 0o755)));
  sftp.on('RMDIR', (reqid, path) => simple(reqid, () => rmdirSync(path)));
  sftp.on('REMOVE', (reqid, path) => simple(reqid, () => unlinkSync(path)));
  // Standard SFTP rename: fails when the target exists (as OpenSSH's plain rename does).
  sftp.on('RENAME', (reqid, from, to) =>
    guard(reqid, () => {
      lstatSync(to, { throwIfNoEntry: false }) ? sftp.status(reqid, STATUS_CODE.FAILURE) : (renameSync(from, to), sftp.status(reqid, STATUS_CODE.OK));
    }),
  );
  sftp.on('SYMLINK', (reqid, linkPath, targetPath) => simple(reqid, () => symlinkSync(targetPath, linkPath)));
}

function serveExec(client: Connection, hooks: SftpServerHooks): void {
  client.on('session', (acceptSession) => {
    const session = acceptSession();
    session.on('sftp', (accept) => serveSftp(accept(), hooks));
    session.on('exec', (accept, _reject, info) => {
      const stream = accept();
      const child = spawn('sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.pipe(stream, { end: false });
      child.stderr.pipe(stream.stderr, { end: false });
      // The command may exit before reading its input; EPIPE then is not the test's business.
      child.stdin.on('error', () => undefined);
      stream.on('data', (d: Buffer) => child.stdin.write(d));
      stream.on('end', () => child.stdin.end());
      child.on('close', (code) => {
        stream.exit(code ?? 1);
        stream.end();
      });
    });
  });
}

/** Starts the server; `close()` stops it and every connection. */
export async function startSftpTestServer(hooks: SftpServerHooks = {}): Promise<SftpTestServer> {
  // Not ssh2's utils.generateKeyPairSync (a corrupt public key 1 time in 256, and Node's key
  // generation job under it; see host-key.ts).
  const key = generateEd25519('sftp-test-server');
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [key.privateKey] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('ready', () => serveExec(client, hooks));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  const [type, blob] = key.publicKey.split(' ');
  const knownHostsLine = `[127.0.0.1]:${port} ${type} ${blob}`;
  return {
    port,
    knownHostsLine,
    writeInventory(file, name, keyFile, knownHostsFile) {
      writeFileSync(file, `defaults: {user: root, key: ${JSON.stringify(keyFile)}, known_hosts: ${JSON.stringify(knownHostsFile)}}\nhosts:\n  ${name}: {host: 127.0.0.1, port: ${port}}\n`);
    },
    close: async () => {
      for (const client of clients) client.end();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
