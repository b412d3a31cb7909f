import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha1Key, padName } from './hmac-sha1.js';

describe('HmacSha1Key', () => {
  it('agrees with node:crypto for names of every length across block boundaries', () => {
    for (let length = 0; length <= 200; length += 1) {
      const salt = randomBytes(20);
      const name = randomBytes(length).toString('latin1').replace(/[^\x20-\x7e]/g, 'a');
      const digest = createHmac('sha1', salt).update(name).digest();
      const key = new HmacSha1Key(salt, digest);
      expect(key.matches(padName(name))).toBe(true);
      expect(key.matches(padName(`${name}x`))).toBe(false);
    }
  });

  it('accepts any key up to 64 bytes and refuses bad sizes', () => {
    for (const size of [0, 1, 20, 63, 64]) {
      const salt = randomBytes(size);
      expect(new HmacSha1Key(salt, createHmac('sha1', salt).update('h').digest()).matches(padName('h'))).toBe(true);
    }
    expect(() => new HmacSha1Key(randomBytes(65), randomBytes(20))).toThrow(RangeError);
    expect(() => new HmacSha1Key(randomBytes(20), randomBytes(19))).toThrow(RangeError);
  });

  it('matches UTF-8 names as OpenSSH hashes their bytes', () => {
    const salt = randomBytes(20);
    const digest = createHmac('sha1', salt).update(Buffer.from('hôte.test', 'utf8')).digest();
    expect(new HmacSha1Key(salt, digest).matches(padName('hôte.test'))).toBe(true);
  });
});
