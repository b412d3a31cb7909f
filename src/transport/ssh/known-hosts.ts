/**
 * OpenSSH known_hosts: parsing and an index built once per run. Pure (no I/O); the file side,
 * including accept-new writes, is in known-hosts-store.ts.
 *
 * Line format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c `hostkeys_foreach`):
 *   [@revoked|@cert-authority] hostnames keytype base64-key [comment]
 * `hostnames` is either one hashed name `|1|salt|hmac` or a comma list of patterns with `*`, `?`
 * and `!negation`; a port other than 22 is written `[host]:port`. Leading blanks, blank lines and
 * `#` comments are skipped; lines that do not parse are ignored (and reported), as OpenSSH does.
 */
import {
  compileHostPatterns,
  type HashedName,
  type HostPattern,
  hostLookupName,
  isPatternList,
  matchHashedName,
  matchHostPatterns,
  padName,
  parseHashedName,
} from './host-patterns.js';
import { type HostKey, sameKeyBlob } from './host-key.js';
import type { KnownHostsEntry, KnownHostsLookup, KnownHostsMarker } from '../transport.js';

export type { KnownHostsEntry, KnownHostsLookup, KnownHostsMarker, KnownHostsStatus } from '../transport.js';

/** The entries of one file, plus the line numbers that did not parse. */
export interface ParsedKnownHosts {
  entries: KnownHostsEntry[];
  invalidLines: number[];
}

/**
 * Parses known_hosts text. Never throws: malformed lines go to `invalidLines`.
 * @param file - the path recorded in each entry (for messages such as "known_hosts:12").
 */
export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = [];
  const invalidLines: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    const body = raw.replace(/^[ \t]+/, '');
    if (body === '' || body.startsWith('#')) continue;
    const entry = parseLine(body, file, i + 1);
    if (entry === undefined) invalidLines.push(i + 1);
    else entries.push(entry);
  }
  return { entries, invalidLines };
}

function parseLine(body: string, file: string, line: number): KnownHostsEntry | undefined {
  const fields = body.split(/[ \t]+/);
  let marker: KnownHostsMarker | undefined;
  if (fields[0]?.startsWith('@')) {
    const word = fields.shift();
    if (word === '@revoked') marker = 'revoked';
    else if (word === '@cert-authority') marker = 'cert-authority';
    else return undefined;
  }
  const [hosts, keyType, keyBase64] = fields;
  if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return undefined;
  if (hosts.startsWith('@') || keyType.startsWith('#') || keyBase64.startsWith('#')) return undefined;
  // A numeric first field is a legacy SSH-1 RSA line ("bits e n"); OpenSSH skips those too.
  if (!/^[A-Za-z][A-Za-z0-9@._-]*$/.test(keyType)) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return undefined;
  return { file, line, marker, hosts, keyType, keyBase64 };
}

interface Indexed {
  readonly seq: number;
  readonly entry: KnownHostsEntry;
}

/**
 * All known_hosts entries of a run, indexed so that each lookup is cheap at 1000 hosts x 1000 lines:
 * literal names sit in a Map; only pattern lines are scanned, and hashed lines cost one HMAC each
 * per distinct name. Results are cached per lookup name for the life of the index (one run).
 */
export class KnownHostsIndex {
  #exact = new Map<string, Indexed[]>();
  #patterns: Array<{ patterns: HostPattern[]; item: Indexed }> = [];
  #hashed: Array<{ name: HashedName; item: Indexed }> = [];
  #cache = new Map<string, readonly KnownHostsEntry[]>();
  #seq = 0;
  #size = 0;

  /** @param entries - in priority order: earlier files and lines are cited first. */
  constructor(entries: Iterable<KnownHostsEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Number of entries indexed. */
  get size(): number {
    return this.#size;
  }

  /** Adds one entry (e.g. a key just accepted under accept-new) after all existing ones. */
  add(entry: KnownHostsEntry): void {
    const item: Indexed = { seq: this.#seq++, entry };
    this.#size += 1;
    if (entry.hosts.startsWith('|')) {
      const name = parseHashedName(entry.hosts);
      if (name !== undefined) this.#hashed.push({ name, item });
      this.#cache.clear();
      return;
    }
    if (isPatternList(entry.hosts)) {
      this.#patterns.push({ patterns: compileHostPatterns(entry.hosts), item });
      this.#cache.clear();
      return;
    }
    for (const host of entry.hosts.split(',')) {
      if (host === '') continue;
      const lower = host.toLowerCase();
      const list = this.#exact.get(lower);
      if (list === undefined) this.#exact.set(lower, [item]);
      else list.push(item);
      this.#cache.delete(lower);
    }
  }

  /**
   * Every entry whose host field matches `name` (a lookup name from `hostLookupName`), markers
   * included, in file order: what `ssh-keygen -F name` lists.
   */
  entriesFor(name: string): readonly KnownHostsEntry[] {
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const found: Indexed[] = [...(this.#exact.get(name) ?? [])];
    for (const { patterns, item } of this.#patterns) {
      if (matchHostPatterns(name, patterns)) found.push(item);
    }
    if (this.#hashed.length > 0) {
      const padded = padName(name); // padded once, checked against every hashed line
      for (const { name: hashed, item } of this.#hashed) {
        if (matchHashedName(padded, hashed)) found.push(item);
      }
    }
    found.sort((a, b) => a.seq - b.seq);
    const entries = found.map((item) => item.entry);
    this.#cache.set(name, entries);
    return entries;
  }

  /**
   * Checks `key` for `host` on `port` as OpenSSH's `check_key_in_hostkeys` does: a `@revoked` line
   * with this key wins; then any plain line with this key is a match; any other plain line for the
   * name means the key changed; `@cert-authority` lines are never taken as host keys.
   */
  lookup(host: string, port: number, key: HostKey): KnownHostsLookup {
    const name = hostLookupName(host, port);
    const entries = this.entriesFor(name);
    const blobBase64 = key.blob.toString('base64');
    const same = (e: KnownHostsEntry): boolean => e.keyType === key.type && sameKeyBlob(e.keyBase64, key.blob, blobBase64);
    const revoked = entries.find((e) => e.marker === 'revoked' && same(e));
    if (revoked !== undefined) return { status: 'revoked', name, entry: revoked, known: [] };
    const plain = entries.filter((e) => e.marker === undefined);
    const match = plain.find(same);
    if (match !== undefined) return { status: 'match', name, entry: match, known: [] };
    if (plain.length === 0) return { status: 'unknown', name, known: [] };
    const cited = plain.find((e) => e.keyType === key.type) ?? (plain[0] as KnownHostsEntry);
    return { status: 'mismatch', name, entry: cited, known: plain };
  }

  /**
   * Key types pinned for this host, in file order, so that the client can offer them first and the
   * server presents a key we can check (OpenSSH's `order_hostkeyalgs`).
   */
  keyTypesFor(host: string, port: number): string[] {
    const types: string[] = [];
    for (const e of this.entriesFor(hostLookupName(host, port))) {
      if (e.marker === undefined && !types.includes(e.keyType)) types.push(e.keyType);
    }
    return types;
  }
}
