import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fingerprintSha256, type HostKey, hostKeyFromBlob, readKeyBlobType } from './host-key.js';
import { hashHostName, hostLookupName, matchHashedName, matchHostPatternList, matchWildcard, parseHashedName } from './host-patterns.js';
import { KnownHostsIndex, parseKnownHosts } from './known-hosts.js';

// Fixtures come from real OpenSSH tools: see __fixtures__/make-fixtures.sh.
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url)), 'utf8');

function pubKey(name: string): HostKey {
  const [, base64] = fixture(`host_${name}.pub`).trim().split(' ');
  const key = hostKeyFromBlob(Buffer.from(base64 ?? '', 'base64'));
  if (key === undefined) throw new Error(`bad fixture ${name}`);
  return key;
}

const keys = {
  alphaEd: pubKey('alpha_ed25519'),
  alphaEcdsa: pubKey('alpha_ecdsa'),
  betaRsa: pubKey('beta_rsa'),
  gamma: pubKey('gamma_ed25519'),
  revoked: pubKey('revoked_ed25519'),
  ca: pubKey('ca_ed25519'),
};

function indexOf(file: string): KnownHostsIndex {
  return new KnownHostsIndex(parseKnownHosts(fixture(file), file).entries);
}

describe('parseKnownHosts', () => {
  it('reads every valid line of a file written by ssh-keygen and reports the invalid one', () => {
    const parsed = parseKnownHosts(fixture('known_hosts'), 'known_hosts');
    expect(parsed.entries.map((e) => e.line)).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
    expect(parsed.invalidLines).toEqual([14]);
    expect(parsed.entries[6]).toMatchObject({ marker: 'revoked', hosts: '*', keyType: 'ssh-ed25519' });
    expect(parsed.entries[7]).toMatchObject({ marker: 'cert-authority', hosts: '*.example.com' });
  });

  it('handles CRLF, tabs, unknown markers, truncated and SSH-1 lines', () => {
    const text = [
      'a.test\tssh-ed25519\tAAAA\r',
      '@bogus b.test ssh-ed25519 AAAA',
      'c.test ssh-ed25519',
      'd.test 1024 35 12345',
      '@revoked @revoked e.test ssh-ed25519 AAAA',
      '  \t',
    ].join('\n');
    const parsed = parseKnownHosts(text, 'f');
    expect(parsed.entries).toEqual([{ file: 'f', line: 1, marker: undefined, hosts: 'a.test', keyType: 'ssh-ed25519', keyBase64: 'AAAA' }]);
    expect(parsed.invalidLines).toEqual([2, 3, 4, 5]);
  });
});

describe('KnownHostsIndex.entriesFor agrees with `ssh-keygen -F`', () => {
  const oracle = fixture('lookups.txt')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(' '));
  const cases = new Map<string, { file: string; name: string; lines: string[] }>();
  for (const [file = '', name = '', line = '', marker] of oracle) {
    const key = `${file} ${name}`;
    const tag = marker === 'REVOKED' ? 'revoked' : marker === 'CA' ? 'cert-authority' : 'plain';
    const entry = cases.get(key) ?? { file, name, lines: [] };
    entry.lines.push(`${line}:${tag}`);
    cases.set(key, entry);
  }
  const indexes = { known_hosts: indexOf('known_hosts'), known_hosts_hashed: indexOf('known_hosts_hashed') };

  it.each([...cases.values()])('$file $name', ({ file, name, lines }) => {
    const index = indexes[file as keyof typeof indexes];
    const got = index.entriesFor(name).map((e) => `${e.line}:${e.marker ?? 'plain'}`);
    expect(got).toEqual(lines);
  });

  it('covers plain, hashed, port, pattern, negated and marker lines', () => {
    expect(cases.size).toBeGreaterThanOrEqual(20);
  });
});

describe.each(['known_hosts', 'known_hosts_hashed'])('KnownHostsIndex.lookup (%s)', (file) => {
  const index = indexOf(file);

  it('matches each pinned key of a host, whatever its type', () => {
    expect(index.lookup('alpha.example.com', 22, keys.alphaEd).status).toBe('match');
    expect(index.lookup('alpha.example.com', 22, keys.alphaEcdsa).status).toBe('match');
    expect(index.lookup('ALPHA.Example.COM', 22, keys.alphaEd).status).toBe('match');
  });

  it('looks up [host]:port for ports other than 22', () => {
    expect(index.lookup('alpha.example.com', 2222, keys.betaRsa).status).toBe('match');
    expect(index.lookup('10.0.0.2', 2200, keys.betaRsa).status).toBe('match');
    expect(index.lookup('10.0.0.2', 2201, keys.betaRsa).status).toBe('unknown');
  });

  it('reports a changed key with the line to fix, same key type first', () => {
    const result = index.lookup('alpha.example.com', 22, keys.gamma);
    expect(result.status).toBe('mismatch');
    expect(result.entry).toMatchObject({ file, line: 2, keyType: 'ssh-ed25519' });
    expect(result.known).toHaveLength(2);
    expect(index.lookup('alpha.example.com', 2222, keys.alphaEd).status).toBe('mismatch');
  });

  it('honours wildcards and negation', () => {
    expect(index.lookup('x.gamma.test', 22, keys.gamma).status).toBe('match');
    expect(index.lookup('bad.gamma.test', 22, keys.gamma).status).toBe('unknown');
    expect(index.lookup('web-1.example.org', 22, keys.gamma).status).toBe('match');
    expect(index.lookup('web-10.example.org', 22, keys.gamma).status).toBe('unknown');
  });

  it('rejects a @revoked key for any host it covers, even where a plain line pins it', () => {
    expect(index.lookup('unknown.example.net', 22, keys.revoked)).toMatchObject({ status: 'revoked' });
    expect(index.lookup('revoked.example.com', 22, keys.revoked).status).toBe('revoked');
  });

  it('never takes a @cert-authority key as a host key', () => {
    expect(index.lookup('zzz.example.com', 22, keys.ca).status).toBe('unknown');
    expect(index.lookup('ca-only.example.com', 22, keys.ca).status).toBe('mismatch');
  });

  it('lists pinned key types so they can be offered first', () => {
    expect(index.keyTypesFor('alpha.example.com', 22)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(index.keyTypesFor('nobody.test', 22)).toEqual([]);
  });
});

describe('KnownHostsIndex.add', () => {
  it('makes a newly accepted key visible to the next lookup', () => {
    const index = indexOf('known_hosts');
    expect(index.lookup('new.test', 2222, keys.gamma).status).toBe('unknown');
    index.add({ file: 'k', line: 99, marker: undefined, hosts: '[new.test]:2222', keyType: keys.gamma.type, keyBase64: keys.gamma.blob.toString('base64') });
    expect(index.lookup('new.test', 2222, keys.gamma)).toMatchObject({ status: 'match', entry: { line: 99 } });
  });

  it('finds each of 200 hosts among 500 hashed lines (its speed is measured in the bench)', () => {
    const b64 = keys.gamma.blob.toString('base64');
    const lines = Array.from({ length: 500 }, (_, i) => `${hashHostName(`h${i}.test`, Buffer.alloc(20, i))} ssh-ed25519 ${b64}`);
    const index = new KnownHostsIndex(parseKnownHosts(lines.join('\n'), 'hashed').entries);
    for (let i = 0; i < 200; i += 1) expect(index.lookup(`h${i}.test`, 22, keys.gamma)).toMatchObject({ status: 'match', entry: { line: i + 1 } });
  });

  it('matches 1000 hosts against 1000 plain lines with ports and address lists', () => {
    const lines: string[] = [];
    const b64 = keys.gamma.blob.toString('base64');
    for (let i = 0; i < 1000; i += 1) lines.push(`[h${i}.test]:2222,10.1.${i >> 8}.${i & 255} ssh-ed25519 ${b64}`);
    const index = new KnownHostsIndex(parseKnownHosts(lines.join('\n'), 'big').entries);
    for (let i = 0; i < 1000; i += 1) expect(index.lookup(`h${i}.test`, 2222, keys.gamma).status).toBe('match');
    expect(index.lookup('h1000.test', 2222, keys.gamma).status).toBe('unknown');
  });
});

describe('host patterns', () => {
  it.each([
    ['web01', 'web*', true],
    ['web01', 'web?', false],
    ['web01', 'web??', true],
    ['a.b.c', '*.c', true],
    ['', '*', true],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', '*a*a*a*a*a*a*c', false],
    ['[h]:22', '[h]:2?', true],
  ])('matchWildcard(%s, %s) = %s', (name, pattern, expected) => {
    expect(matchWildcard(name, pattern)).toBe(expected);
  });

  it('lets a matching negation veto the whole list', () => {
    expect(matchHostPatternList('a.test', '*.test,!a.test')).toBe(false);
    expect(matchHostPatternList('b.test', '*.test,!a.test')).toBe(true);
    expect(matchHostPatternList('b.test', '!a.test')).toBe(false);
  });

  it('hashes names like ssh-keygen -H', () => {
    const salt = Buffer.alloc(20, 7);
    const hashed = parseHashedName(hashHostName('[h.test]:2222', salt));
    expect(hashed).toBeDefined();
    expect(matchHashedName('[h.test]:2222', hashed!)).toBe(true);
    expect(matchHashedName('h.test', hashed!)).toBe(false);
    expect(parseHashedName('|1|short|x')).toBeUndefined();
  });

  it('writes [host]:port only for ports other than 22', () => {
    expect(hostLookupName('Host.Test', 22)).toBe('host.test');
    expect(hostLookupName('::1', 2222)).toBe('[::1]:2222');
  });
});

describe('host key blobs', () => {
  it('fingerprints exactly as ssh-keygen -lf', () => {
    for (const line of fixture('fingerprints.txt').trim().split('\n')) {
      const [file = '', expected] = line.split(' ');
      const [, base64] = fixture(file).trim().split(' ');
      expect(fingerprintSha256(Buffer.from(base64 ?? '', 'base64'))).toBe(expected);
    }
  });

  it('reads the type name from the blob and refuses garbage', () => {
    expect(readKeyBlobType(keys.betaRsa.blob)).toBe('ssh-rsa');
    expect(readKeyBlobType(Buffer.from([0, 0, 0, 9, 1]))).toBeUndefined();
    expect(readKeyBlobType(Buffer.alloc(2))).toBeUndefined();
  });
});
