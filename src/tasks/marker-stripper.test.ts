import { describe, expect, it } from 'vitest';
import { MarkerStripper } from './marker-stripper.js';

const MARK = '[fleet-sudo-ab12]';

function feed(chunks: string[], eatNewline = false): string {
  const stripper = new MarkerStripper(MARK, { eatNewline });
  let out = '';
  for (const c of chunks) out += stripper.push(Buffer.from(c, 'utf8')).toString('utf8');
  return out + stripper.end().toString('utf8');
}

describe('MarkerStripper', () => {
  it('removes every occurrence, however the stream is split', () => {
    const text = `${MARK}Sorry, try again.\n${MARK}${MARK}ok [fleet-sudo-ab1 not it\n${MARK}`;
    const expected = 'Sorry, try again.\nok [fleet-sudo-ab1 not it\n';
    for (let a = 0; a <= text.length; a += 1) {
      for (let b = a; b <= text.length; b += 5) {
        expect(feed([text.slice(0, a), text.slice(a, b), text.slice(b)])).toBe(expected);
      }
    }
  });

  it('passes output without the marker through unchanged, a lookalike tail included', () => {
    expect(feed(['plain output\n'])).toBe('plain output\n');
    expect(feed(['ends with [fleet-su'])).toBe('ends with [fleet-su');
  });

  it('works byte by byte', () => {
    const text = `a${MARK}b`;
    expect(feed([...text])).toBe('ab');
  });

  it('on a pty, also drops the one line break sudo writes after the prompt, however it is split', () => {
    const text = `${MARK}\r\nroot\r\n${MARK}\n\nnext${MARK}x\r${MARK}`;
    const expected = 'root\r\n\nnextx\r';
    for (let a = 0; a <= text.length; a += 1) {
      for (let b = a; b <= text.length; b += 3) {
        expect(feed([text.slice(0, a), text.slice(a, b), text.slice(b)], true)).toBe(expected);
      }
    }
    expect(feed([`${MARK}\r`], true)).toBe('\r');
  });

  it('refuses an empty marker', () => {
    expect(() => new MarkerStripper('')).toThrow(TypeError);
  });
});
