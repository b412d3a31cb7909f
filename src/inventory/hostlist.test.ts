import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/unit/inventory/helpers.js';
import { expandHostlist, foldHostnames, hasHostRange, MAX_HOSTLIST_EXPANSION } from './hostlist.js';

describe('expandHostlist', () => {
  it.each<[string, string[]]>([
    ['web01', ['web01']],
    ['web[1:3]', ['web1', 'web2', 'web3']],
    ['web[01:03].example.com', ['web01.example.com', 'web02.example.com', 'web03.example.com']],
    ['h[8:11]', ['h8', 'h9', 'h10', 'h11']],
    ['h[08:11]', ['h08', 'h09', 'h10', 'h11']],
    ['h[001:003]', ['h001', 'h002', 'h003']],
    ['h[1-3]', ['h1', 'h2', 'h3']],
    ['h[1-3,7,9:10]', ['h1', 'h2', 'h3', 'h7', 'h9', 'h10']],
    ['h[ 1-2 , 5 ]', ['h1', 'h2', 'h5']],
    ['h[5]', ['h5']],
    ['h[0:6:2]', ['h0', 'h2', 'h4', 'h6']],
    ['h[0-6/3]', ['h0', 'h3', 'h6']],
    ['rack[a:c]', ['racka', 'rackb', 'rackc']],
    ['rack[A-C]', ['rackA', 'rackB', 'rackC']],
    ['db-[a:f:2].dc', ['db-a.dc', 'db-c.dc', 'db-e.dc']],
    ['[1:2]x', ['1x', '2x']],
    ['r[1:2]n[1:2]', ['r1n1', 'r1n2', 'r2n1', 'r2n2']],
    ['r[a:b]-[01:02].dc[1:2]', ['ra-01.dc1', 'ra-01.dc2', 'ra-02.dc1', 'ra-02.dc2', 'rb-01.dc1', 'rb-01.dc2', 'rb-02.dc1', 'rb-02.dc2']],
    ['h[1,1,2]', ['h1', 'h2']],
  ])('%s', (pattern, expected) => {
    expect(expandHostlist(pattern)).toEqual(expected);
  });

  it('expands h[1:1000] to 1000 names in order', () => {
    const names = expandHostlist('h[1:1000]');
    expect(names).toHaveLength(1000);
    expect(names[0]).toBe('h1');
    expect(names[999]).toBe('h1000');
  });

  it.each<[string, string]>([
    ['h[5:1]', 'empty range'],
    ['h[c:a]', 'empty range'],
    ['h[]', 'empty range'],
    ['h[1,,2]', 'empty item'],
    ['h[1:3', 'unclosed'],
    ['h1:3]', 'stray ]'],
    ['h[[1:2]]', 'nested'],
    ['h[1:b]', 'mixed kinds'],
    ['h[a:B]', 'mixed case'],
    ['h[aa:bb]', 'multi-letter'],
    ['h[01:100]', 'padding width mismatch'],
    ['h[1:010]', 'padded end only'],
    ['h[1:9:0]', 'zero step'],
    ['h[1:x]', 'malformed'],
    [`h[1:${MAX_HOSTLIST_EXPANSION + 1}]`, 'too large'],
    ['a[1:1000]b[1:1000]c[1:1000]', 'product too large'],
  ])('rejects %s (%s)', (pattern) => {
    const err = thrown(() => expandHostlist(pattern));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.context.details?.['pattern']).toBe(pattern);
  });

  it('hasHostRange detects brackets', () => {
    expect(hasHostRange('web[1:2]')).toBe(true);
    expect(hasHostRange('web1')).toBe(false);
  });
});

describe('foldHostnames', () => {
  const seq = (prefix: string, from: number, to: number, width = 0, suffix = ''): string[] =>
    Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(width, '0')}${suffix}`);

  it.each<[string, string[], string]>([
    ['single name', ['web01'], 'web01'],
    ['no digits', ['alpha', 'beta'], 'alpha,beta'],
    ['unpadded run with a gap', [...seq('h', 1, 40), 'h42'], 'h[1-40,42]'],
    ['padded with suffix', seq('web', 1, 3, 2, '.dc'), 'web[01-03].dc'],
    ['padded across a width boundary', seq('n', 8, 12, 2), 'n[08-12]'],
    ['unpadded across a width boundary', seq('n', 8, 12), 'n[8-12]'],
    ['1 and 01 stay apart', ['h1', 'h01'], 'h1,h01'],
    ['two axes', ['r1n01', 'r1n02', 'r2n01', 'r2n02'], 'r[1-2]n[01-02]'],
    ['two axes, ragged', ['r1n1', 'r1n2', 'r2n1'], 'r1n[1-2],r2n1'],
    ['mixed prefixes sorted naturally', ['web2', 'db1', 'web10', 'web1'], 'db1,web[1-2,10]'],
    ['duplicates ignored', ['h1', 'h1', 'h2'], 'h[1-2]'],
    ['long digit runs kept verbatim', ['i-1234567890123456', 'i-1234567890123457'], 'i-1234567890123456,i-1234567890123457'],
    ['empty', [], ''],
  ])('%s', (_, names, expected) => {
    expect(foldHostnames(names)).toBe(expected);
  });

  it.each([
    [[...seq('h', 1, 40), 'h42']],
    [seq('web', 1, 20, 2, '.example.com')],
    [['r1n01', 'r1n02', 'r2n01', 'r3n07', 'x', 'y7z']],
  ])('round-trips through expandHostlist', (names) => {
    const folded = foldHostnames(names);
    const back = folded.split(/,(?![^[]*\])/).flatMap((part) => expandHostlist(part));
    expect(new Set(back)).toEqual(new Set(names));
  });
});
