import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globMatcher, requiredLiteral } from './glob.js';

const NAMES = ['web01', 'web01.example.com', 'db1.dc1.example.com', 'x.dc1.example.com.evil', '.hidden', 'a', 'ab', 'web', 'dc1', '.dc1.example.com'];
const GLOBS = ['web*', '*.dc1.example.com', 'db?.*', '*', '?b', 'w*b0?', '*web*', 'web[0-9]*', '{web,db}*', '!(web)*', 'a\\*', '*.example.*'];

describe('globMatcher', () => {
  it.each(GLOBS)('%s matches exactly what picomatch matches', (glob) => {
    const re = picomatch.makeRe(glob, { dot: true });
    const match = globMatcher(glob);
    for (const name of NAMES) expect(match(name), name).toBe(re.test(name));
  });

  // The linear matcher must mean what picomatch means: every simple glob over an alphabet with
  // the characters that matter, against every short name over it.
  it('simple globs (literals, ?, classes, *) match exactly what picomatch matches', () => {
    const globs = ['*', '**x', 'a*', '*a', 'a*b', '*a*', 'a?b', '?', '??', '[ab]*', '*[!a]', '[^a-b]?', 'a\\*b', '*.b', 'a.*', '*a*a*b', 'a[-]b', '[a-]*', '[]a]*'];
    // No `/` and no leading `.`: host names have neither, and picomatch gives them path and
    // dotfile meanings (`*` matches "/"; `.*` does not match ".").
    const alphabet = ['a', 'b', '.', '-', '*', ']'];
    const names = [''];
    for (let len = 1; len <= 4; len++) for (const base of names.filter((n) => n.length === len - 1)) for (const c of alphabet) names.push(base + c);
    for (const glob of globs) {
      const re = picomatch.makeRe(glob, { dot: true });
      const match = globMatcher(glob);
      for (const name of names.filter((n) => !n.startsWith('.'))) expect(match(name), `${glob} vs ${JSON.stringify(name)}`).toBe(re.test(name));
    }
  });

  it('many stars cannot hang: *a*a*a*a*a*a*a*b against long names finishes at once (picomatch: 16 s at 60 chars)', () => {
    const match = globMatcher('*a*a*a*a*a*a*a*b');
    const started = performance.now();
    for (let n = 60; n <= 1000; n += 10) expect(match('a'.repeat(n))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('braces and extglobs (picomatch) are refused past two repetitions, saying why', () => {
    expect(globMatcher('{web,db}*')('web1')).toBe(true);
    expect(() => globMatcher('{a,b}*a*a*b')).toThrow(/at most 2 times; this one has 3/);
  });

  it('pre-filters only globs whose literal pieces are certain', () => {
    expect(requiredLiteral('*.dc1.example.com')).toBe('.dc1.example.com');
    expect(requiredLiteral('web*')).toBe('web');
    expect(requiredLiteral('w*b')).toBeUndefined();
    expect(requiredLiteral('web[0-9]*')).toBeUndefined();
    expect(requiredLiteral('{web,db}*')).toBeUndefined();
    expect(requiredLiteral('a\\*')).toBeUndefined();
  });
});
