import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asInventoryError, rejected, tempTree, thrown } from '../../test/unit/inventory/helpers.js';
import { makeLargeInventory } from '../../bench/bench-inventory.js';
import {
  applyOverrides,
  loadInventory,
  parseAdHocHosts,
  resolveInventoryPaths,
  selectHosts,
  sniffFormat,
} from './index.js';
import type { HostSpec } from './index.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../inventories');
const HOME = '/home/ex';
const load = (file: string) => loadInventory(path.join(EXAMPLES, file), { home: HOME, user: 'me', sshConfig: false });
const summary = (hosts: HostSpec[]) => hosts.map((h) => `${h.user}@${h.name}(${h.address}:${h.port})`);

describe('example inventories', () => {
  it('small.yaml', async () => {
    const inv = await load('small.yaml');
    expect(summary(inv.hosts)).toEqual([
      'deploy@app1(192.0.2.10:22)',
      'deploy@app2(192.0.2.11:22)',
      'postgres@db1(192.0.2.21:2222)',
      'deploy@edge1(192.0.2.40:22)',
    ]);
    expect(inv.hosts[3]).toMatchObject({ proxyJump: 'bastion', connectTimeoutMs: 10_000, identityFiles: [`${HOME}/.ssh/id_ed25519`] });
  });

  const GROUPED = [
    'ops@web01(web01:22)',
    'ops@web02(web02:22)',
    'ops@web03(web03:22)',
    'ops@web04(web04:22)',
    'ops@web05(web05:22)',
    'postgres@db1(10.0.0.21:2222)',
    'postgres@db2(10.0.0.22:2222)',
  ];

  // Ansible's rule: unions first, then intersections, then exclusions. web = web01..05;
  // prod = web02..05 plus its child db (db1, db2); web ∩ prod = web02..05; minus web03.
  it.each(['grouped.yaml', 'ansible.ini', 'ansible.yaml'])('%s selects web:&prod:!web03 as Ansible would', async (file) => {
    const inv = await load(file);
    expect(summary(inv.hosts)).toEqual(GROUPED);
    expect(selectHosts(inv, 'web:&prod:!web03').map((h) => h.name)).toEqual(['web02', 'web04', 'web05']);
    expect(selectHosts(inv, 'datacenter:!prod').map((h) => h.name)).toEqual(['web01']);
  });

  it.each(['grouped.yaml', 'ansible.ini', 'ansible.yaml'])('%s layers vars the same way', async (file) => {
    const inv = await load(file);
    const [web01, web02, , , , db1] = inv.hosts;
    expect(web01?.vars).toMatchObject({ dc: 'eu-west', env: 'staging', http_port: 8080 });
    expect(web02?.vars).toMatchObject({ dc: 'eu-west', env: 'prod', http_port: 8080 });
    expect(db1?.vars).toMatchObject({ dc: 'eu-west', env: 'prod', pg_version: 16 });
    expect(db1?.groups).toEqual(['datacenter', 'prod', 'db']);
    expect(web02?.sources?.user).toBe('group:datacenter');
    expect(web02?.identityFiles).toEqual([`${HOME}/.ssh/id_ed25519`]);
  });

  it('hosts.txt', async () => {
    const inv = await load('hosts.txt');
    expect(summary(inv.hosts)).toEqual([
      'me@web01.example.com(web01.example.com:22)',
      'me@web02.example.com(web02.example.com:22)',
      'me@web03.example.com(web03.example.com:22)',
      'deploy@db1.example.com(db1.example.com:2222)',
      'me@2001:db8::10(2001:db8::10:22)',
    ]);
  });
});

describe('loadInventory', () => {
  const dir = tempTree({
    'fleet.yaml': 'defaults: {user: u}\nhosts:\n  a: {port: 2201}\n  b: {}\ngroups:\n  g: {hosts: [a, c]}\n',
    'more.yaml': 'hosts:\n  c: {}\n  a: {labels: {x: "1"}}\n',
    'ansible.ini': '[g2]\nd\n',
    'inventory': '[g3]\ne ansible_port=2\n',
    'list': 'f\nroot@g:2\n',
    'ansible-like': 'all:\n  hosts:\n    h:\n',
    'conflict.yaml': 'hosts:\n  a: {port: 9}\n',
    'dir.yaml/x': '',
    '.ssh/config': 'Host a\n  HostName a.from.ssh\nHost *\n  User sshuser\n',
  });
  const at = (f: string) => path.join(dir, f);

  it('merges several files of different formats in order', async () => {
    const inv = await loadInventory([at('fleet.yaml'), at('more.yaml'), at('ansible.ini'), at('inventory'), at('list')], {
      home: dir,
      user: 'me',
      sshConfig: false,
    });
    expect(inv.hosts.map((h) => h.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(inv.hosts[0]).toMatchObject({ user: 'u', port: 2201, labels: { x: '1' }, groups: ['g'] });
    // A group in one file may name a host defined in another.
    expect(inv.groups.get('g')?.hosts).toEqual(['a', 'c']);
    expect(inv.hosts[4]).toMatchObject({ port: 2, groups: ['g3'] });
    expect(inv.hosts[6]).toMatchObject({ user: 'root', port: 2 });
    expect(inv.files).toEqual([at('fleet.yaml'), at('more.yaml'), at('ansible.ini'), at('inventory'), at('list')]);
  });

  it('reads ~/.ssh/config by default and not with sshConfig: false', async () => {
    const files = [at('fleet.yaml'), at('more.yaml')];
    const withSsh = await loadInventory(files, { home: dir, user: 'me' });
    expect(withSsh.hosts[0]).toMatchObject({ address: 'a.from.ssh', user: 'u' });
    expect(withSsh.hosts[0]?.sources?.address).toBe(`ssh_config:${at('.ssh/config')}`);
    const without = await loadInventory(files, { home: dir, user: 'me', sshConfig: false });
    expect(without.hosts[0]?.address).toBe('a');
  });

  it('detects Ansible YAML without an extension', async () => {
    const inv = await loadInventory(at('ansible-like'), { home: dir, sshConfig: false });
    expect(inv.hosts.map((h) => h.name)).toEqual(['h']);
  });

  it('rejects the same host with conflicting settings across files', async () => {
    const err = asInventoryError(
      await rejected(loadInventory([at('fleet.yaml'), at('more.yaml'), at('conflict.yaml')], { home: dir, sshConfig: false })),
    );
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: at('conflict.yaml'), line: 2 });
  });

  it('a missing file is FLEET_INVENTORY_NOT_FOUND naming it', async () => {
    const err = asInventoryError(await rejected(loadInventory([at('more.yaml'), at('nope.yaml')], { home: dir, sshConfig: false })));
    expect(err.code).toBe('FLEET_INVENTORY_NOT_FOUND');
    expect(err.location.file).toBe(at('nope.yaml'));
  });

  it('a directory is FLEET_INVENTORY_INVALID', async () => {
    const err = asInventoryError(await rejected(loadInventory(at('dir.yaml'), { home: dir, sshConfig: false })));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
  });

  it('refuses inventories over the size limit before parsing', async () => {
    const big = at('big.yaml');
    writeFileSync(big, `hosts:\n${'  # padding\n'.repeat(1000)}`);
    const err = asInventoryError(await rejected(loadInventory(big, { home: dir, sshConfig: false, maxBytes: 10_000 })));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location.file).toBe(big);
  });

  it('refuses an inventory over 10 MB by default', async () => {
    const big = at('huge.yaml');
    writeFileSync(big, `# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    expect((await rejected(loadInventory(big, { home: dir, sshConfig: false }))).code).toBe('FLEET_INVENTORY_INVALID');
  });

  it('an explicit ssh config that does not exist is FLEET_CONFIG_INVALID', async () => {
    expect((await rejected(loadInventory(at('more.yaml'), { home: dir, sshConfig: at('missing') }))).code).toBe('FLEET_CONFIG_INVALID');
  });

  it.each<[string, string, string]>([
    ['x.ini', 'a\n', 'ansible-ini'],
    ['x.yml', 'a\n', 'fleet-yaml'],
    ['x.json', '{}', 'fleet-yaml'],
    ['hosts', '[web]\na\n', 'ansible-ini'],
    ['hosts', 'hosts:\n  a: {}\n', 'fleet-yaml'],
    ['hosts', '---\nall:\n', 'fleet-yaml'],
    ['hosts', 'a\nu@b:22\n[::1]:22\n', 'hosts-file'],
    ['hosts.txt', '# just comments\n', 'hosts-file'],
  ])('sniffFormat(%s, %j) = %s', (file, text, format) => {
    expect(sniffFormat(file, text)).toBe(format);
  });
});

describe('resolveInventoryPaths', () => {
  const dir = tempTree({ 'cwd/inventory.yaml': '', 'home/.config/fleet/hosts.yaml': '', 'only-home/.config/fleet/hosts.yaml': '' });
  const cwd = path.join(dir, 'cwd');
  const home = path.join(dir, 'home');

  it.each<[string, string[], Record<string, string>, string, string[]]>([
    ['explicit -i wins, relative to cwd', ['a.yaml', '/abs/b.yaml', '~/c.yaml'], { FLEET_INVENTORY: '/env.yaml' }, cwd, [path.join(cwd, 'a.yaml'), '/abs/b.yaml', path.join(home, 'c.yaml')]],
    ['then $FLEET_INVENTORY (comma-separated)', [], { FLEET_INVENTORY: 'x.yaml, /y.yaml' }, cwd, [path.join(cwd, 'x.yaml'), '/y.yaml']],
    ['then ./hosts.yaml or ./inventory.yaml', [], { FLEET_INVENTORY: '' }, cwd, [path.join(cwd, 'inventory.yaml')]],
    ['then ~/.config/fleet/hosts.yaml', [], {}, dir, [path.join(home, '.config/fleet/hosts.yaml')]],
  ])('%s', (_, explicit, env, from, expected) => {
    expect(resolveInventoryPaths(explicit, env, from, home)).toEqual(expected);
  });

  it('prefers ./hosts.yaml over ./inventory.yaml', () => {
    const both = tempTree({ 'hosts.yaml': '', 'inventory.yaml': '' });
    expect(resolveInventoryPaths([], {}, both, home)).toEqual([path.join(both, 'hosts.yaml')]);
  });

  it('nothing found is FLEET_INVENTORY_NOT_FOUND listing the places looked', () => {
    const empty = tempTree({ x: '' });
    const err = thrown(() => resolveInventoryPaths([], {}, empty, empty));
    expect(err.code).toBe('FLEET_INVENTORY_NOT_FOUND');
    expect(err.context.details?.['searched']).toEqual([
      '$FLEET_INVENTORY',
      path.join(empty, 'hosts.yaml'),
      path.join(empty, 'inventory.yaml'),
      path.join(empty, '.config/fleet/hosts.yaml'),
    ]);
  });
});

describe('applyOverrides (command line beats everything)', () => {
  const hosts = parseAdHocHosts('a,u@b:2200', { home: HOME, user: 'me' });

  it('replaces given fields and marks them cli, leaving the rest', () => {
    const out = applyOverrides(hosts, { user: 'root', identityFiles: ['~/k1', '/k2'], connectTimeoutMs: 500, strictHostKeys: 'accept-new' }, { home: HOME });
    expect(out[1]).toMatchObject({ user: 'root', port: 2200, identityFiles: [`${HOME}/k1`, '/k2'], connectTimeoutMs: 500, strictHostKeys: 'accept-new' });
    expect(out[1]?.sources).toMatchObject({ user: 'cli', identityFiles: 'cli', port: 'cli', address: 'default' });
    expect(out[0]?.sources?.port).toBe('default');
  });

  it('does not mutate its input and ignores undefined fields', () => {
    const out = applyOverrides(hosts, { port: 2022, user: undefined });
    expect(out.map((h) => [h.user, h.port])).toEqual([
      ['me', 2022],
      ['u', 2022],
    ]);
    expect(hosts[1]).toMatchObject({ user: 'u', port: 2200 });
  });

  it.each([{ port: 0 }, { port: 70000 }, { port: 2.5 }, { connectTimeoutMs: 0 }])('rejects %j with FLEET_USAGE', (o) => {
    expect(thrown(() => applyOverrides(hosts, o)).code).toBe('FLEET_USAGE');
  });
});

describe('makeLargeInventory', () => {
  it('generates a loadable inventory whose groups cover every host', async () => {
    const dir = tempTree({ 'large.yaml': makeLargeInventory(500) });
    const inv = await loadInventory(path.join(dir, 'large.yaml'), { home: dir, sshConfig: false });
    expect(inv.hosts).toHaveLength(500);
    expect(inv.groups.get('fleet')?.hosts).toHaveLength(500);
    const racks = [...inv.groups.keys()].filter((g) => g.startsWith('rack'));
    expect(racks.reduce((n, g) => n + (inv.groups.get(g)?.hosts.length ?? 0), 0)).toBe(500);
    const selected = selectHosts(inv, 'prod:&web:!rack002');
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.every((h) => h.groups.includes('web') && h.vars['env'] === 'prod' && h.labels['rack'] !== 'r002')).toBe(true);
  });
});
