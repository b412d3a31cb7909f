import { describe, expect, it } from 'vitest';
import { diffLines, foldDiff } from './line-diff.js';

describe('diffLines', () => {
  it('marks only the differing line when one line changed', () => {
    const base = ['a', 'b', 'version 1.2.3', 'c'];
    const other = ['a', 'b', 'version 1.2.4', 'c'];
    expect(diffLines(base, other)).toEqual([
      [' ', 'a'],
      [' ', 'b'],
      ['-', 'version 1.2.3'],
      ['+', 'version 1.2.4'],
      [' ', 'c'],
    ]);
  });

  it('finds insertions and deletions in the middle (Myers), not a whole rewrite', () => {
    const base = ['1', '2', '3', '4', '5', '6'];
    const other = ['1', 'x', '2', '3', '5', '6', '7'];
    const diff = diffLines(base, other);
    expect(diff.filter((d) => d[0] !== ' ')).toEqual([
      ['+', 'x'],
      ['-', '4'],
      ['+', '7'],
    ]);
    // Applying it gives back both texts.
    expect(diff.filter((d) => d[0] !== '+').map((d) => d[1])).toEqual(base);
    expect(diff.filter((d) => d[0] !== '-').map((d) => d[1])).toEqual(other);
  });

  it('gives up past maxEdits: all removed, then all added', () => {
    const base = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const other = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const diff = diffLines(base, other, 10);
    expect(diff).toHaveLength(100);
    expect(diff.slice(0, 50).every((d) => d[0] === '-')).toBe(true);
  });

  it('handles empty texts', () => {
    expect(diffLines([], ['x'])).toEqual([['+', 'x']]);
    expect(diffLines(['x'], [])).toEqual([['-', 'x']]);
    expect(diffLines([], [])).toEqual([]);
  });
});

describe('foldDiff', () => {
  it('keeps two lines of context around a change and folds the rest into a count', () => {
    const base = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const other = base.map((l) => (l === 'l10' ? 'changed' : l));
    expect(foldDiff(diffLines(base, other))).toEqual([
      ['=', 8],
      [' ', 'l8'],
      [' ', 'l9'],
      ['-', 'l10'],
      ['+', 'changed'],
      [' ', 'l11'],
      [' ', 'l12'],
      ['=', 7],
    ]);
  });
});
