/**
 * Host name matching as OpenSSH does it for known_hosts (match.c `match_pattern_list`,
 * hostfile.c `host_hash`). Pure functions; no I/O.
 */
import { createHmac } from 'node:crypto';
import { HmacSha1Key, type PaddedName, padName } from './hmac-sha1.js';

/**
 * The name OpenSSH looks a host up by: the host itself for port 22, `[host]:port` otherwise.
 * Lowercased, because ssh lowercases the host before any lookup and hashed names are computed on it.
 */
export function hostLookupName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

/**
 * Glob match with OpenSSH's two wildcards: `*` (any run, also empty) and `?` (one character).
 * Everything else, `[` and `]` included, is literal. Iterative with one backtrack point, so a
 * hostile pattern such as `*a*a*a*b` costs O(n*m) at worst, never exponential time.
 */
export function matchWildcard(name: string, pattern: string): boolean {
  let n = 0;
  let p = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (pc !== undefined && (pc === '?' || pc === name[n])) {
      p += 1;
      n += 1;
    } else if (starP !== -1) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** True when a known_hosts host field needs pattern evaluation (wildcards or negations). */
export function isPatternList(field: string): boolean {
  return /[*?!]/.test(field);
}

/** One entry of a host pattern list, split and lowercased once. */
export interface HostPattern {
  readonly negated: boolean;
  readonly pattern: string;
  /** No `*` or `?`: a plain string comparison will do. */
  readonly literal: boolean;
}

/** Splits a comma-separated known_hosts pattern list once, for repeated matching. */
export function compileHostPatterns(list: string): HostPattern[] {
  const compiled: HostPattern[] = [];
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (pattern !== '') compiled.push({ negated, pattern, literal: !/[*?]/.test(pattern) });
  }
  return compiled;
}

/**
 * OpenSSH `match_hostname` over a pattern list: a negated pattern (`!name`) that matches vetoes
 * the whole line; otherwise any positive match wins. `name` must be lowercase.
 */
export function matchHostPatterns(name: string, patterns: readonly HostPattern[]): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.literal ? p.pattern === name : matchWildcard(name, p.pattern)) {
      if (p.negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** {@link matchHostPatterns} on an uncompiled list. */
export function matchHostPatternList(name: string, list: string): boolean {
  return matchHostPatterns(name, compileHostPatterns(list));
}

/** A hashed known_hosts name `|1|base64(salt)|base64(hmac-sha1(salt, name))`, ready to match. */
export interface HashedName {
  readonly key: HmacSha1Key;
}

export { type PaddedName, padName };

const SHA1_BYTES = 20;

/** Decodes a `|1|salt|hash` field; `undefined` when it is malformed (OpenSSH ignores such lines). */
export function parseHashedName(field: string): HashedName | undefined {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return undefined;
  const salt = decodeBase64Strict(parts[2] ?? '');
  const hash = decodeBase64Strict(parts[3] ?? '');
  if (salt?.length !== SHA1_BYTES || hash?.length !== SHA1_BYTES) return undefined;
  return { key: new HmacSha1Key(salt, hash) };
}

/** True when `name` (lowercase lookup name, or its {@link padName} form) is the one hashed into `hashed`. */
export function matchHashedName(name: string | PaddedName, hashed: HashedName): boolean {
  return hashed.key.matches(typeof name === 'string' ? padName(name) : name);
}

/** Hashes `name` with `salt` into the `|1|...|...` form, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer): string {
  const digest = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${digest.toString('base64')}`;
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
