import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';
import { type HostKey, hostKeyFromBlob } from './host-key.js';
import { loadKnownHosts } from './known-hosts-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Distinct, well-formed ed25519 blobs (the store never verifies key math).
function key(seed: number): HostKey {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  blob.writeUInt32BE(seed, 4 + type.length + 4);
  return hostKeyFromBlob(blob) as HostKey;
}
const line = (host: string, k: HostKey): string => `${host} ${k.type} ${k.blob.toString('base64')}`;
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('accept-new writes', () => {
  it('pins 500 hosts accepted at once: one line each, existing lines kept, mode 0600', async () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `old.test ${key(99_999).type} ${key(99_999).blob.toString('base64')}`, { mode: 0o644 }); // no final newline
    const kh = await loadKnownHosts({ files: [file], globalFiles: [] });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => kh.add(`10.0.${i >> 8}.${i & 255}`, i % 2 ? 2222 : 22, key(i))));
    expect(results.every((r) => r.status === 'match')).toBe(true);
    const written = lines(file);
    expect(written).toHaveLength(501);
    expect(new Set(written).size).toBe(501);
    expect(written[0]).toMatch(/^old\.test /);
    expect(written).toContain(line('[10.0.0.1]:2222', key(1)));
    expect(written).toContain(line('10.0.0.2', key(2)));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Line numbers given back point at the real lines.
    const r = results[7];
    expect(written[(r?.entry?.line ?? 0) - 1]).toBe(line('[10.0.0.7]:2222', key(7)));
    expect(kh.lookup('10.0.0.7', 2222, key(7)).status).toBe('match');
  });

  it('writes one line when many connections to the same host accept at once', async () => {
    const file = join(dir, 'known_hosts');
    const kh = await loadKnownHosts({ files: [file], globalFiles: [] });
    await Promise.all(Array.from({ length: 20 }, () => kh.add('h.test', 22, key(1))));
    await kh.add('h.test', 22, key(1));
    expect(lines(file)).toEqual([line('h.test', key(1))]);
  });

  it('loses nothing when two writers (separate runs) share the file, and honours what the other pinned', async () => {
    const file = join(dir, 'known_hosts');
    const a = await loadKnownHosts({ files: [file], globalFiles: [] });
    const b = await loadKnownHosts({ files: [file], globalFiles: [] });
    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => a.add(`a${i}.test`, 22, key(i))),
      ...Array.from({ length: 100 }, (_, i) => b.add(`b${i}.test`, 22, key(1000 + i))),
      ...Array.from({ length: 30 }, (_, i) => a.add(`both${i}.test`, 22, key(5000 + i))),
      ...Array.from({ length: 30 }, (_, i) => b.add(`both${i}.test`, 22, key(5000 + i))),
    ]);
    const written = lines(file);
    expect(written).toHaveLength(230);
    expect(new Set(written).size).toBe(230);
    // b now pins a different key for a host a pinned meanwhile: the file wins, nothing is written.
    const c = await loadKnownHosts({ files: [join(dir, 'elsewhere')], globalFiles: [], writeFile: file });
    const conflict = await c.add('a0.test', 22, key(777));
    expect(conflict.status).toBe('mismatch');
    expect(conflict.entry?.line).toBeGreaterThan(0);
    expect(lines(file)).toHaveLength(230);
  });

  it('updates the target of a symlinked file and keeps the link', async () => {
    const real = join(dir, 'real_known_hosts');
    const link = join(dir, 'known_hosts');
    writeFileSync(real, '');
    symlinkSync(real, link);
    const kh = await loadKnownHosts({ files: [link], globalFiles: [] });
    await kh.add('s.test', 22, key(3));
    expect(lines(real)).toEqual([line('s.test', key(3))]);
    expect(readFileSync(link, 'utf8')).toBe(readFileSync(real, 'utf8'));
  });

  it('pins in memory only when the run may not write, or the write fails', async () => {
    const readOnly = await loadKnownHosts({ files: [join(dir, 'x')], globalFiles: [], writeFile: null });
    expect(await readOnly.add('h.test', 22, key(1))).toMatchObject({ status: 'match', entry: { file: '(memory)' } });
    expect(readOnly.lookup('h.test', 22, key(1)).status).toBe('match');
    const errors: string[] = [];
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, '');
    const failing = await loadKnownHosts({ files: [join(blocked, 'known_hosts')], globalFiles: [], onWriteError: (e) => errors.push(e.code) });
    expect((await failing.add('h.test', 22, key(1))).status).toBe('match');
    expect(errors).toEqual(['FLEET_LOCAL_IO']);
  });
});

describe('withFileLock', () => {
  it('takes over a lock left by a dead process', async () => {
    const file = join(dir, 'f');
    writeFileSync(`${file}.lock`, '999999\n');
    expect(await withFileLock(file, async () => 'ran', { timeoutMs: 500 })).toBe('ran');
  });

  it('waits for a live holder and gives up with FLEET_LOCAL_IO', async () => {
    const file = join(dir, 'f');
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const started = Date.now();
    await expect(withFileLock(file, async () => 'ran', { timeoutMs: 150 })).rejects.toMatchObject({ code: 'FLEET_LOCAL_IO' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('serializes holders and always removes the lock', async () => {
    const file = join(dir, 'f');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(file, async () => {
          maxInside = Math.max(maxInside, ++inside);
          await new Promise((r) => setTimeout(r, 2));
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    await expect(withFileLock(file, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(() => statSync(`${file}.lock`)).toThrow();
  });
});
