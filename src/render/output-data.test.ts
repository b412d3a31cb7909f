import { describe, expect, it } from 'vitest';
import { outputBytes, outputText } from './output-data.js';

const b64 = (bytes: number[]): { data: string; encoding: 'base64' } => ({ data: Buffer.from(bytes).toString('base64'), encoding: 'base64' });

describe('outputText', () => {
  it('passes text through', () => {
    expect(outputText({ data: 'héllo\n' })).toBe('héllo\n');
  });

  it('shows bytes that are not UTF-8 as \\xNN and decodes the valid ones around them', () => {
    expect(outputText(b64([0x41, 0xff, 0xc3, 0xa9, 0xfe, 0x0a]))).toBe('A\\xffé\\xfe\n');
  });

  it('rejects overlongs, surrogates and truncated sequences byte by byte', () => {
    expect(outputText(b64([0xc0, 0xaf]))).toBe('\\xc0\\xaf');
    expect(outputText(b64([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
    expect(outputText(b64([0xe2, 0x82]))).toBe('\\xe2\\x82');
    expect(outputText(b64([0xf0, 0x9f, 0x98, 0x80]))).toBe('😀');
  });
});

describe('outputBytes', () => {
  it('returns the exact bytes for either encoding', () => {
    expect([...outputBytes(b64([0, 255, 10]))]).toEqual([0, 255, 10]);
    expect(outputBytes({ data: '€' }).equals(Buffer.from('€'))).toBe(true);
  });
});
