import { describe, expect, it } from 'vitest';
import { BannerParser, escapeBytes } from './banner.js';

const verdict = (...chunks: (string | Buffer)[]) => {
  const p = new BannerParser();
  let v = p.verdict;
  for (const c of chunks) v = p.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return v;
};

describe('BannerParser (OpenSSH kex_exchange_identification rules)', () => {
  it('accepts an identification, after other lines, split anywhere', () => {
    expect(verdict('SSH-2.0-OpenSSH_9.2 Debian\r\n')).toEqual({ kind: 'ident', ident: 'SSH-2.0-OpenSSH_9.2 Debian' });
    expect(verdict('hello\r\nworld\n', 'SSH-2.0-', 'x\r', '\n')).toEqual({ kind: 'ident', ident: 'SSH-2.0-x' });
    expect(verdict('SSH-1.99-old\n')).toMatchObject({ kind: 'ident' });
  });

  it('waits while a line is incomplete', () => {
    expect(verdict('SSH-2.0-Open')).toEqual({ kind: 'more' });
    expect(verdict('220 smtp\r\n')).toEqual({ kind: 'more' });
  });

  it.each([
    ['NUL byte', Buffer.from([0x16, 0x03, 0x00]), 'banner line contains invalid characters'],
    ['CR not before LF', 'SSH-2.0-a\rb\r\n', 'banner line contains invalid characters'],
    ['identification over 255 bytes', `SSH-2.0-${'a'.repeat(246)}\r\n`, 'banner line too long'],
    ['other line over 8192 bytes', 'x'.repeat(8193), 'banner line too long'],
    ['1024 lines without identification', 'x\n'.repeat(1024), 'No SSH version received in first 1024 lines from server'],
    ['SSH-1', 'SSH-1.5-x\r\n', 'Protocol major versions differ: 2 vs. 1'],
    ['malformed', 'SSH-2-x\r\n', "Bad remote protocol version identification: 'SSH-2-x'"],
  ])('%s', (_name, input, reason) => {
    expect(verdict(input)).toEqual({ kind: 'invalid', reason });
  });

  it('takes an identification of exactly 255 bytes with its CR LF', () => {
    expect(verdict(`SSH-2.0-${'a'.repeat(245)}\r\n`)).toMatchObject({ kind: 'ident' });
  });

  it('escapes remote bytes for messages', () => {
    expect(escapeBytes(Buffer.from('a\r\n\x00\\é', 'latin1'))).toBe('a\\r\\n\\x00\\x5c\\xe9');
    expect(escapeBytes(Buffer.from('abcdef'), 3)).toBe('abc...');
  });
});
