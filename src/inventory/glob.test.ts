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

  it('pre-filters only globs whose literal pieces are certain', () => {
    expect(requiredLiteral('*.dc1.example.com')).toBe('.dc1.example.com');
    expect(requiredLiteral('web*')).toBe('web');
    expect(requiredLiteral('w*b')).toBeUndefined();
    expect(requiredLiteral('web[0-9]*')).toBeUndefined();
    expect(requiredLiteral('{web,db}*')).toBeUndefined();
    expect(requiredLiteral('a\\*')).toBeUndefined();
  });
});
