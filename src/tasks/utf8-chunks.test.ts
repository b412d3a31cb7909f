import { describe, expect, it } from 'vitest';
import { toOutputPiece, unfinishedTail, Utf8Chunker } from './utf8-chunks.js';

describe('Utf8Chunker', () => {
  it('never splits a character, whatever the chunk boundaries', () => {
    const bytes = Buffer.from('aé€😀z', 'utf8');
    for (let a = 0; a <= bytes.length; a += 1) {
      for (let b = a; b <= bytes.length; b += 1) {
        const chunker = new Utf8Chunker();
        const pieces = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((c) => chunker.push(c));
        pieces.push(chunker.flush());
        for (const piece of pieces) expect(toOutputPiece(piece).encoding).toBeUndefined();
        expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
      }
    }
  });

  it('returns an unfinished character at the end of the stream as bytes', () => {
    const chunker = new Utf8Chunker();
    expect(chunker.push(Buffer.from([0x61, 0xe2, 0x82])).toString()).toBe('a');
    const tail = chunker.flush();
    expect([...tail]).toEqual([0xe2, 0x82]);
    expect(toOutputPiece(tail)).toEqual({ data: Buffer.from([0xe2, 0x82]).toString('base64'), encoding: 'base64' });
  });

  it('discards held bytes on purpose', () => {
    const chunker = new Utf8Chunker();
    chunker.push(Buffer.from([0xf0, 0x9f]));
    chunker.discard();
    expect(chunker.flush().length).toBe(0);
  });
});

describe('unfinishedTail', () => {
  it.each([
    [[0x61], 0],
    [[0xc3], 1],
    [[0xc3, 0xa9], 0],
    [[0xe2, 0x82], 2],
    [[0xf0, 0x9f, 0x98], 3],
    [[0xf0, 0x9f, 0x98, 0x80], 0],
    [[0x80, 0x80, 0x80], 0], // continuation bytes with no lead: invalid, not held
    [[0xff], 0],
    [[0xc0], 0], // never a valid lead
  ])('%j → %i', (bytes, n) => expect(unfinishedTail(Buffer.from(bytes))).toBe(n));
});

describe('toOutputPiece', () => {
  it('keeps valid UTF-8 as text and anything else as exact base64', () => {
    expect(toOutputPiece(Buffer.from('héllo\n'))).toEqual({ data: 'héllo\n' });
    const bin = Buffer.from([0x00, 0xff, 0xfe, 0x41]);
    const piece = toOutputPiece(bin);
    expect(piece.encoding).toBe('base64');
    expect(Buffer.from(piece.data, 'base64').equals(bin)).toBe(true);
  });
});
