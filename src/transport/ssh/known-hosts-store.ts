/**
 * known_hosts files on disk: read once per run into a {@link KnownHostsIndex}, and accept-new
 * writes. Writes are serialized in-process (one flush loop, batching every key accepted meanwhile)
 * and across processes (an O_EXCL lock file), re-read the file under the lock so a key pinned by
 * someone else in the meantime is honoured, and replace the file atomically (temp + rename, 0600).
 */
import { readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FleetError } from '../../errors.js';
import type { KnownHosts } from '../transport.js';
import { replaceFileAtomic, withFileLock } from './file-lock.js';
import type { HostKey } from './host-key.js';
import { hostLookupName } from './host-patterns.js';
import { type KnownHostsEntry, KnownHostsIndex, type KnownHostsLookup, parseKnownHosts } from './known-hosts.js';

/** The `file` of entries pinned in memory only (a key accepted that could not be written). */
export const IN_MEMORY_FILE = '(memory)';

/** Options of {@link loadKnownHosts}. */
export interface LoadKnownHostsOptions {
  /** User files, read first. Default: ~/.ssh/known_hosts and ~/.ssh/known_hosts2. */
  files?: readonly string[];
  /** System files, read after. Default: /etc/ssh/ssh_known_hosts and /etc/ssh/ssh_known_hosts2. */
  globalFiles?: readonly string[];
  /** Where accept-new appends. Default: the first user file. `null`: never write. */
  writeFile?: string | null;
  /** Bound on waiting for another process's lock. Default 10000 ms. */
  lockTimeoutMs?: number;
  /**
   * Called when an accepted key could not be written (the key stays pinned in memory for this
   * run, as ssh goes on after "Failed to add the host to the list of known hosts"). The CLI warns.
   */
  onWriteError?: (error: FleetError) => void;
}

/**
 * Reads every file once (missing files count as empty) and returns the run's {@link KnownHosts}.
 * Rejects with FLEET_LOCAL_IO when a file exists but cannot be read.
 */
export async function loadKnownHosts(options: LoadKnownHostsOptions = {}): Promise<KnownHosts> {
  const files = options.files ?? [join(homedir(), '.ssh', 'known_hosts'), join(homedir(), '.ssh', 'known_hosts2')];
  const globalFiles = options.globalFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  const all = [...files, ...globalFiles];
  const index = new KnownHostsIndex();
  const invalidLines: Array<{ file: string; line: number }> = [];
  const missing: string[] = [];
  for (const file of all) {
    const text = await readIfExists(file);
    if (text === undefined && files.includes(file)) missing.push(file);
    const parsed = parseKnownHosts(text ?? '', file);
    for (const entry of parsed.entries) index.add(entry);
    for (const line of parsed.invalidLines) invalidLines.push({ file, line });
  }
  const writeFile = options.writeFile === null ? undefined : (options.writeFile ?? files[0]);
  const known = new FileKnownHosts(all, writeFile, index, invalidLines, options.lockTimeoutMs ?? 10_000, options.onWriteError);
  known.missingFiles = missing;
  return known;
}

interface PendingAdd {
  host: string;
  port: number;
  key: HostKey;
  resolve: (lookup: KnownHostsLookup) => void;
  reject: (error: unknown) => void;
}

class FileKnownHosts implements KnownHosts {
  readonly files: readonly string[];
  readonly writeFile: string | undefined;
  readonly invalidLines: ReadonlyArray<{ file: string; line: number }>;
  missingFiles: readonly string[] = [];
  #index: KnownHostsIndex;
  #lockTimeoutMs: number;
  #onWriteError: ((error: FleetError) => void) | undefined;
  #queue: PendingAdd[] = [];
  #inFlight = new Map<string, Promise<KnownHostsLookup>>();
  #flushing: Promise<void> | undefined;

  constructor(
    files: string[],
    writeFile: string | undefined,
    index: KnownHostsIndex,
    invalid: Array<{ file: string; line: number }>,
    lockTimeoutMs: number,
    onWriteError: ((error: FleetError) => void) | undefined,
  ) {
    this.files = files;
    this.writeFile = writeFile;
    this.#index = index;
    this.invalidLines = invalid;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#onWriteError = onWriteError;
  }

  lookup(host: string, port: number, key: HostKey): KnownHostsLookup {
    return this.#index.lookup(host, port, key);
  }

  keyTypesFor(host: string, port: number): string[] {
    return this.#index.keyTypesFor(host, port);
  }

  add(host: string, port: number, key: HostKey): Promise<KnownHostsLookup> {
    const current = this.#index.lookup(host, port, key);
    if (current.status !== 'unknown') return Promise.resolve(current);
    if (this.writeFile === undefined) return Promise.resolve(this.#pinInMemory(host, port, key));
    // Concurrent connections to the same host share one write: exactly one line per host and key.
    const id = `${hostLookupName(host, port)} ${key.type} ${key.blob.toString('base64')}`;
    let pending = this.#inFlight.get(id);
    if (pending === undefined) {
      pending = new Promise<KnownHostsLookup>((resolve, reject) => this.#queue.push({ host, port, key, resolve, reject }));
      this.#inFlight.set(id, pending);
      void pending.finally(() => this.#inFlight.delete(id)).catch(() => undefined);
      this.#flushing ??= this.#flushLoop(this.writeFile);
    }
    return pending;
  }

  // Trusted for this run only: the next run will meet the key as unknown again.
  #pinInMemory(host: string, port: number, key: HostKey): KnownHostsLookup {
    if (this.#index.lookup(host, port, key).status === 'unknown') {
      this.#index.add({ file: IN_MEMORY_FILE, line: 0, marker: undefined, hosts: hostLookupName(host, port), keyType: key.type, keyBase64: key.blob.toString('base64') });
    }
    return this.#index.lookup(host, port, key);
  }

  async #flushLoop(file: string): Promise<void> {
    try {
      // Everything queued while one batch is being written goes out in the next batch.
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          await this.#writeBatch(file, batch);
        } catch (error) {
          const failure = error instanceof FleetError ? error : new FleetError('FLEET_LOCAL_IO', `cannot update ${file}`, {}, { cause: error });
          this.#onWriteError?.(failure);
          for (const item of batch) item.resolve(this.#pinInMemory(item.host, item.port, item.key));
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #writeBatch(file: string, batch: PendingAdd[]): Promise<void> {
    const target = await realpath(file).catch(() => file);
    await withFileLock(
      target,
      async () => {
        const text = (await readIfExists(target)) ?? '';
        // Another process may have pinned some of these hosts since we loaded the file: honour it.
        const onDisk = new KnownHostsIndex(parseKnownHosts(text, file).entries);
        let content = text === '' || text.endsWith('\n') ? text : `${text}\n`;
        let line = content === '' ? 0 : content.split('\n').length - 1;
        const results: Array<[PendingAdd, KnownHostsLookup]> = [];
        for (const item of batch) {
          const seen = onDisk.lookup(item.host, item.port, item.key);
          if (seen.status !== 'unknown') {
            if (seen.entry !== undefined) this.#index.add(seen.entry);
            results.push([item, seen]);
            continue;
          }
          const entry: KnownHostsEntry = {
            file,
            line: (line += 1),
            marker: undefined,
            hosts: hostLookupName(item.host, item.port),
            keyType: item.key.type,
            keyBase64: item.key.blob.toString('base64'),
          };
          content += `${entry.hosts} ${entry.keyType} ${entry.keyBase64}\n`;
          onDisk.add(entry);
          results.push([item, { status: 'match', name: entry.hosts, entry, known: [] }]);
        }
        if (content !== text) await replaceFileAtomic(target, content, 0o600);
        for (const [item, result] of results) {
          if (result.status === 'match' && result.entry !== undefined) this.#index.add(result.entry);
          item.resolve(result.status === 'match' ? result : this.#index.lookup(item.host, item.port, item.key));
        }
      },
      { timeoutMs: this.#lockTimeoutMs },
    );
  }
}

/** The file's text; undefined when it does not exist (which counts as empty). */
async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new FleetError('FLEET_LOCAL_IO', `cannot read known_hosts file ${file} (${code ?? 'EIO'})`, { details: { file } }, { cause: error });
  }
}
