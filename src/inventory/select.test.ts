import { describe, expect, it } from 'vitest';
import { inventoryFromText, thrown } from '../../test/unit/inventory/helpers.js';
import { openFleet } from '../fleet.js';
import { inventoryFromHosts } from './inventory.js';
import { parseAdHocHosts } from './parse-ad-hoc.js';
import { parseSelector, selectHosts } from './select.js';

const inv = inventoryFromText(
  [
    'hosts:',
    '  web[01:05]: {}',
    '  db[1:3]: {}',
    '  cache1: {}',
    '  10.0.0.1: {}',
    'groups:',
    '  web: {hosts: ["web*"]}',
    '  db: {hosts: ["db*"]}',
    '  prod: {hosts: ["web[01:03]", db1, db2]}',
    '  staging: {hosts: ["web[04:05]", db3]}',
    '  eu: {children: [prod]}',
    '  canary: {hosts: [web01]}',
  ].join('\n'),
);
const ALL = ['web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2', 'db3', 'cache1', '10.0.0.1'];
const names = (pattern?: string): string[] => selectHosts(inv, pattern).map((h) => h.name);

describe('selectHosts: an empty pattern is never "all hosts"', () => {
  it.each(['', ' ', '\t', ',', ':', ' , : ,'])('%j is FLEET_SELECTOR_INVALID', (pattern) => {
    const err = thrown(() => selectHosts(inv, pattern));
    expect(err.code).toBe('FLEET_SELECTOR_INVALID');
    expect(err.message).toMatch(/is empty/);
  });

  it('the library refuses one too: openFleet({ limit: "" }) is not the whole inventory', () => {
    const err = thrown(() => openFleet({ inventory: inv, limit: '' }));
    expect(err.code).toBe('FLEET_SELECTOR_INVALID');
    expect(openFleet({ inventory: inv }).hosts).toHaveLength(ALL.length);
  });
});

describe('selectHosts: label:KEY=VALUE', () => {
  const labelled = inventoryFromText(
    [
      'hosts:',
      '  web1: {labels: {role: web, zone: eu-1}}',
      '  web2: {labels: {role: web, zone: us-1}}',
      '  db1: {labels: {role: db, zone: eu-2}}',
      '  bare: {}',
      'groups:',
      '  label: {hosts: [bare]}',
      '  prod: {hosts: [web1, db1]}',
    ].join('\n'),
  );
  const pick = (pattern: string): string[] => selectHosts(labelled, pattern).map((h) => h.name);

  it.each<[string, string[]]>([
    ['label:role=web', ['web1', 'web2']],
    ['label:zone=eu*', ['web1', 'db1']],
    // with , & ! and the other terms
    ['label:role=db,web2', ['web2', 'db1']],
    ['label:role=web:&prod', ['web1']],
    ['label:role=web:!label:zone=us*', ['web1']],
    ['prod:!label:role=db', ['web1']],
    ['prod,&label:zone=eu-2', ['db1']],
    // without `=`, `label` is a name as before (here a group)
    ['label:db1', ['db1', 'bare']],
  ])('%j selects %j', (pattern, expected) => {
    expect(pick(pattern).sort()).toEqual(expected.sort());
  });

  it('a key no host has is an error with a suggestion; a value none has selects nothing', () => {
    expect(thrown(() => pick('label:rol=web')).message).toMatch(/no host has a label "rol" \(did you mean "role"\?\)/);
    expect(thrown(() => pick('label:role=cache')).code).toBe('FLEET_SELECTOR_EMPTY');
    expect(thrown(() => pick('label:=web')).message).toMatch(/label:KEY=VALUE/);
  });
});

describe('selectHosts: every pattern form', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, ALL],
    ['all', ALL],
    ['*', ALL],
    // names and groups
    ['web01', ['web01']],
    ['web', ['web01', 'web02', 'web03', 'web04', 'web05']],
    ['eu', ['web01', 'web02', 'web03', 'db1', 'db2']],
    ['10.0.0.1', ['10.0.0.1']],
    // globs match group names (all their hosts) and host names
    ['db?', ['db1', 'db2', 'db3']],
    ['web0[45]*', ['web04', 'web05']],
    ['pro*', ['web01', 'web02', 'web03', 'db1', 'db2']],
    ['*.0.0.1', ['10.0.0.1']],
    // ranges
    ['web[01:02]', ['web01', 'web02']],
    ['web[01,03]', ['web01', 'web03']],
    ['db[1-2]', ['db1', 'db2']],
    ['web[04:05],db[3:3]', ['web04', 'web05', 'db3']],
    // regexes, anchored at the start like Ansible's re.match
    ['~^db\\d$', ['db1', 'db2', 'db3']],
    ['~web0[12]', ['web01', 'web02']],
    ['~stag', ['web04', 'web05', 'db3']],
    ['~(web|db)0?1$', ['web01', 'db1']],
    // unions, in inventory order whatever the written order
    ['db1,web01', ['web01', 'db1']],
    ['db1:web01', ['web01', 'db1']],
    [' web01 , db1 ', ['web01', 'db1']],
    ['web01,,db1,', ['web01', 'db1']],
    ['web01,web01,canary', ['web01']],
    // intersection and exclusion
    ['web:&prod', ['web01', 'web02', 'web03']],
    ['prod:!db1', ['web01', 'web02', 'web03', 'db2']],
    ['web:&prod:!web03', ['web01', 'web02']],
    ['&prod', ['web01', 'web02', 'web03', 'db1', 'db2']],
    ['!web', ['db1', 'db2', 'db3', 'cache1', '10.0.0.1']],
    ['web:db:&prod:!db2', ['web01', 'web02', 'web03', 'db1']],
    ['web,db,&staging,!web05', ['web04', 'db3']],
    ['all:!~^web', ['db1', 'db2', 'db3', 'cache1', '10.0.0.1']],
    ['*:!db*:!web*', ['cache1', '10.0.0.1']],
  ])('%j', (pattern, expected) => {
    expect(names(pattern)).toEqual(expected);
  });

  // Ansible documents a:b:&c:!d:!e == &c:a:!d:b:!e == !d:a:!e:&c:b (unions, then &, then !).
  it.each([
    ['web:db:&prod:!web02:!db1', '&prod:web:!web02:db:!db1', '!web02:web:!db1:&prod:db'],
    ['web:&prod:!web03', '!web03:&prod:web', '&prod:!web03:web'],
  ])('order of terms does not matter: %s', (a, b, c) => {
    expect(names(b)).toEqual(names(a));
    expect(names(c)).toEqual(names(a));
  });

  it('returns the HostSpec objects of the inventory', () => {
    expect(selectHosts(inv, 'db1')[0]).toBe(inv.hosts[5]);
  });

  it('inventoryFromHosts keeps the first spec of a repeated name', () => {
    const adHoc = parseAdHocHosts('web01,db9', { home: '/h', user: 'me' });
    const merged = inventoryFromHosts([...inv.hosts, ...adHoc]);
    expect(merged.hosts.map((h) => h.name)).toEqual([...ALL, 'db9']);
    expect(merged.hosts[0]).toBe(inv.hosts[0]);
  });

  it('inventoryFromHosts rejects a repeated name given a different user on the command line', () => {
    const adHoc = parseAdHocHosts('root@web01', { home: '/h', user: 'me' });
    expect(thrown(() => inventoryFromHosts([...inv.hosts, ...adHoc])).code).toBe('FLEET_USAGE');
  });

  it('selects from ad-hoc hosts wrapped with inventoryFromHosts', () => {
    const adHoc = inventoryFromHosts(inv.hosts.slice(0, 3));
    expect(selectHosts(adHoc, 'web0[2:3]').map((h) => h.name)).toEqual(['web02', 'web03']);
    expect(selectHosts(adHoc, 'web:&prod').map((h) => h.name)).toEqual(['web01', 'web02', 'web03']);
  });
});

describe('selectHosts: errors', () => {
  it.each<[string, string, string?]>([
    ['nosuch', 'nosuch'],
    ['web06', 'web06', 'did you mean "web01"'],
    ['stagin', 'stagin', 'did you mean "staging"'],
    ['web:&nosuch', 'nosuch'],
    ['web:!nosuch', 'nosuch'],
    ['x*', 'x*'],
    ['~^zz', '~^zz'],
    ['~(', '~('],
    ['web[3:1]', 'web[3:1]'],
    ['web[01:09]', 'web[01:09]', 'web[06-09]'],
    ['web[1:2]', 'web[1:2]', 'not a slice of group "web"'],
    ['web0[45]', 'web0[45]'], // a range (host web045), not a character class
  ])('%j is FLEET_SELECTOR_INVALID naming the term', (pattern, term, hint) => {
    const err = thrown(() => selectHosts(inv, pattern));
    expect(err.code).toBe('FLEET_SELECTOR_INVALID');
    expect(err.context.details?.['term']).toBe(term);
    if (hint) expect(err.message).toContain(hint);
  });

  it.each(['!', '&', 'web:!', 'web,&', '!!web', '&!web'])('%j is a syntax error', (pattern) => {
    expect(thrown(() => selectHosts(inv, pattern)).code).toBe('FLEET_SELECTOR_INVALID');
  });

  it.each(['web:&db', 'web01:!web01', '!all', 'web:&prod:&staging'])('%j is FLEET_SELECTOR_EMPTY', (pattern) => {
    const err = thrown(() => selectHosts(inv, pattern));
    expect(err.code).toBe('FLEET_SELECTOR_EMPTY');
    expect(err.context.details?.['pattern']).toBe(pattern);
  });

  it('an empty inventory selects nothing', () => {
    expect(thrown(() => selectHosts(inventoryFromText('hosts: {}\n'))).code).toBe('FLEET_SELECTOR_EMPTY');
  });
});

describe('parseSelector', () => {
  it.each<[string, Array<[string, string]>]>([
    ['a', [['union', 'a']]],
    ['a,b:c', [['union', 'a'], ['union', 'b'], ['union', 'c']]],
    ['!d:a:&c:b', [['union', 'a'], ['union', 'b'], ['intersect', 'c'], ['exclude', 'd']]],
    ['!d', [['union', 'all'], ['exclude', 'd']]],
    ['h[1:3]:x', [['union', 'h[1:3]'], ['union', 'x']]],
    ['h[1,3],x', [['union', 'h[1,3]'], ['union', 'x']]],
    ['~(?:a|b):c', [['union', '~(?:a|b)'], ['union', 'c']]],
    ['~a{1,2},b', [['union', '~a{1,2}'], ['union', 'b']]],
    ['2001:db8::1,fe80::1', [['union', '2001:db8::1'], ['union', 'fe80::1']]],
    ['!::1', [['union', 'all'], ['exclude', '::1']]],
  ])('%j', (pattern, expected) => {
    expect(parseSelector(pattern).map((t) => [t.op, t.expr])).toEqual(expected);
  });
});
