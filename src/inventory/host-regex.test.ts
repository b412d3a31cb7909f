import { describe, expect, it } from 'vitest';
import { inventoryFromText, thrown } from '../../test/unit/inventory/helpers.js';
import { compileHostRegex, HostRegexError, MAX_REGEX_LENGTH } from './host-regex.js';
import { selectHosts } from './select.js';

const regexError = (source: string): HostRegexError => {
  try {
    compileHostRegex(source);
  } catch (err) {
    if (err instanceof HostRegexError) return err;
    throw err;
  }
  throw new Error('expected a HostRegexError');
};

describe('host regexes: linear time, refused with a reason and an offset', () => {
  it('matches from the start of the name, as Ansible (re.match)', () => {
    const m = compileHostRegex('web\\d+');
    expect([m('web01'), m('xweb01'), m('web')]).toEqual([true, false, false]);
    expect(compileHostRegex('(?i)WEB')('web1')).toBe(true);
  });

  // JavaScript's RegExp needs about 2^n steps here: n = 30 is already seconds, 50,000 is forever.
  it('a catastrophic-backtracking pattern finishes at once on a long name', () => {
    const name = `${'a'.repeat(50_000)}!`;
    const started = performance.now();
    expect(compileHostRegex('(a+)+$')(name)).toBe(false);
    expect(compileHostRegex('(a|aa)+$')(name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['(a', /missing closing \)/, 0],
    ['ab(c(d)', /missing closing \)/, 2],
    ['ab)c', /unexpected \)/, 2],
    ['web(?=1)', /unsupported Perl syntax: `\(\?=`/, 3],
    ['(a)\\1', /invalid escape sequence: `\\1`/, 3],
    ['x[z-a]', /invalid character class range: `z-a`/, 2],
    ['a**', /invalid nested repetition operator: `\*\*`/, 1],
  ])('%j: says why and where', (source, reason, offset) => {
    const err = regexError(source);
    expect(err.reason).toMatch(reason);
    expect(err.offset).toBe(offset);
    expect(err.message).toContain(`at offset ${offset}`);
  });

  it('a regex over the length limit is refused before compiling', () => {
    expect(regexError('a'.repeat(MAX_REGEX_LENGTH + 1)).reason).toMatch(/limit is 4096/);
  });

  it('-l ~(a+)+$ against a long host name: selectHosts finishes', () => {
    const long = 'a'.repeat(1_000);
    const inv = inventoryFromText(`hosts:\n  ${long}b: {}\n  ab: {}\n`);
    const started = performance.now();
    expect(thrown(() => selectHosts(inv, '~(a+)+$')).message).toMatch(/matches no host/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('-l with a bad regex: FLEET_SELECTOR_INVALID with the reason and the offset', () => {
    const inv = inventoryFromText('hosts:\n  web1: {}\n');
    const err = thrown(() => selectHosts(inv, '~web(1'));
    expect(err.code).toBe('FLEET_SELECTOR_INVALID');
    expect(err.message).toMatch(/invalid regular expression "~web\(1": missing closing \) \(at offset 3\)/);
  });

  it('an inventory group member regex is matched the same way, and a bad one names file and reason', () => {
    const inv = inventoryFromText(`hosts:\n  ${'a'.repeat(1_000)}b: {}\n  ab: {}\ngroups:\n  g: {hosts: ["~(a+)+b$"]}\n`);
    expect(selectHosts(inv, 'g').map((h) => h.name)).toHaveLength(2);
    expect(() => inventoryFromText('hosts:\n  a: {}\ngroups:\n  g: {hosts: ["~a)"]}\n')).toThrow(/unexpected \) \(at offset 1\)/);
  });
});
