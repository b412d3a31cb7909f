import { describe, expect, it } from 'vitest';
import { OutputCapture, truncationMarker, type OutputPiece } from './output-capture.js';

function capture(limit: number, chunks: Buffer[]): { kept: string; pieces: OutputPiece[]; texts: string[]; truncated: boolean; bytes: number } {
  const pieces: OutputPiece[] = [];
  const texts: string[] = [];
  const cap = new OutputCapture(limit, true, (text, piece) => {
    texts.push(text);
    pieces.push(piece);
  });
  for (const chunk of chunks) cap.push(chunk);
  const kept = cap.end();
  return { kept, pieces, texts, truncated: cap.truncated, bytes: cap.bytes };
}

/** The exact bytes a sequence of pieces stands for. */
function bytesOf(pieces: OutputPiece[]): Buffer {
  return Buffer.concat(pieces.map((p) => Buffer.from(p.data, p.encoding === 'base64' ? 'base64' : 'utf8')));
}

describe('OutputCapture', () => {
  it('forwards text pieces and keeps the same text', () => {
    const out = capture(100, [Buffer.from('hel'), Buffer.from('lo\n')]);
    expect(out.pieces).toEqual([{ data: 'hel' }, { data: 'lo\n' }]);
    expect(out.kept).toBe('hello\n');
    expect(out.truncated).toBe(false);
  });

  it('does not call a character cut by a chunk boundary invalid', () => {
    const euro = Buffer.from('€');
    const out = capture(100, [euro.subarray(0, 1), euro.subarray(1)]);
    expect(out.pieces).toEqual([{ data: '€' }]);
  });

  it('forwards bytes that are not UTF-8 exactly, as base64, with a lossy text for display', () => {
    const bin = Buffer.from([0x41, 0xff, 0x00, 0xfe, 0x0a]);
    const out = capture(100, [bin]);
    expect(out.pieces).toEqual([{ data: bin.toString('base64'), encoding: 'base64' }]);
    expect(bytesOf(out.pieces).equals(bin)).toBe(true);
    expect(out.texts).toEqual(['A\ufffd\u0000\ufffd\n']);
  });

  it('forwards an unfinished character at the end as bytes', () => {
    const out = capture(100, [Buffer.from([0x61, 0xe2, 0x82])]);
    expect(bytesOf(out.pieces).equals(Buffer.from([0x61, 0xe2, 0x82]))).toBe(true);
    expect(out.pieces[1]?.encoding).toBe('base64');
  });

  it('stops at the cap with one marker, counts what it dropped, keeps at most the cap', () => {
    const out = capture(10, [Buffer.from('12345678'), Buffer.from('abcdef'), Buffer.from('more')]);
    expect(out.kept).toBe(`12345678ab${truncationMarker(10)}`);
    expect(out.pieces.map((p) => p.data).join('')).toBe(out.kept);
    expect(out.truncated).toBe(true);
    expect(out.bytes).toBe(18);
  });

  it('cuts at a character boundary: a character split by the cap is dropped, not reported as bytes', () => {
    const out = capture(4, [Buffer.from('abc€')]); // € is 3 bytes: only 1 fits
    expect(out.pieces).toEqual([{ data: 'abc' }, { data: truncationMarker(4) }]);
  });

  it('keeps nothing when asked not to, but still forwards', () => {
    const pieces: string[] = [];
    const cap = new OutputCapture(100, false, (text) => pieces.push(text));
    cap.push(Buffer.from('x'));
    expect(cap.end()).toBe('');
    expect(pieces).toEqual(['x']);
  });
});
