import { describe, expect, it } from 'vitest';
import { CappedText } from './capped-text.js';

describe('CappedText', () => {
  it('keeps output under the cap whole', () => {
    const text = new CappedText(100);
    text.push('one\n');
    text.push('two\n');
    expect(text.text()).toBe('one\ntwo\n');
    expect(text.cut).toBe(0);
  });

  it('keeps the head and the tail of a long output, with a marker line saying how much was cut', () => {
    const text = new CappedText(20);
    text.push('HEAD-----\n');
    for (let i = 0; i < 1000; i += 1) text.push('middle line\n');
    text.push('the error\n');
    const kept = text.text();
    expect(kept.startsWith('HEAD-----\n')).toBe(true);
    expect(kept.endsWith('the error\n')).toBe(true);
    expect(text.length).toBe(10 + 12_000 + 10);
    expect(text.cut).toBe(text.length - 20);
    expect(kept).toContain(`${text.cut} characters cut here`);
    expect(kept.split('\n').filter((l) => l.includes('cut here'))).toHaveLength(1);
  });
});
