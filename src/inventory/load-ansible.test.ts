import { describe, expect, it } from 'vitest';
import { asInventoryError, HOME, inventoryFromText, thrown } from '../../test/unit/inventory/helpers.js';
import { parseIniValue, splitShellWords } from './ansible-ini.js';
import { proxyJumpFromArgs } from './ansible-vars.js';
import { isAnsibleYamlData, looksLikeAnsibleIni, parseAnsibleInventory } from './load-ansible.js';

const INI = '/inv/hosts.ini';

const iniText = [
  '# ungrouped hosts first',
  'mail.example.com',
  '',
  '[web]',
  'web[01:03].example.com ansible_user=deploy',
  'web04.example.com:2200 http_port=8080 motd="hello world"  # comment',
  '',
  '[db]',
  'db1 ansible_host=10.0.0.21 ansible_port=2222 ansible_user=postgres ansible_ssh_private_key_file=~/.ssh/db',
  'db2 ansible_ssh_host=10.0.0.22 ansible_password=secret ansible_ssh_common_args="-o ProxyJump=bastion"',
  '',
  '[db:vars]',
  'pg_version = 16',
  'ratio=0.5',
  'enabled=True',
  'quoted="a b"',
  '',
  '[prod:children]',
  'web',
  'db',
  '',
  '[prod:vars]',
  'env=prod',
  'ansible_port=2022',
  '',
  '[all:vars]',
  'ansible_user=ops',
  'ansible_ssh_timeout=7',
].join('\n');

describe('Ansible INI', () => {
  const inv = inventoryFromText(iniText, INI);
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));

  it('reads hosts in file order, expanding ranges', () => {
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'mail.example.com',
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
      'web04.example.com',
      'db1',
      'db2',
    ]);
  });

  it('maps groups and :children', () => {
    expect(inv.groups.get('web')?.hosts).toHaveLength(4);
    expect(inv.groups.get('prod')?.hosts).toEqual([...(inv.groups.get('web')?.hosts ?? []), 'db1', 'db2']);
    expect(byName.get('mail.example.com')?.groups).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['mail.example.com', { user: 'ops', port: 22, connectTimeoutMs: 7000 }], // [all:vars] are the file's defaults
    ['web01.example.com', { user: 'deploy', port: 2022 }], // host var beats all:vars; port from prod:vars
    ['web04.example.com', { user: 'ops', port: 2200, vars: { http_port: 8080, motd: 'hello world', env: 'prod' } }],
    ['db1', { address: '10.0.0.21', port: 2222, user: 'postgres', identityFiles: [`${HOME}/.ssh/db`] }],
    ['db2', { address: '10.0.0.22', port: 2022, proxyJump: 'bastion' }],
  ])('%s settings', (name, expected) => {
    expect(byName.get(name)).toMatchObject(expected);
  });

  it('types :vars values like Ansible and drops passwords', () => {
    const db2 = byName.get('db2');
    expect(db2?.vars).toMatchObject({ pg_version: 16, ratio: 0.5, enabled: true, quoted: 'a b', env: 'prod' });
    expect(db2?.vars).not.toHaveProperty('ansible_password');
    expect(JSON.stringify(db2)).not.toContain('secret');
  });

  it.each<[string, string, number]>([
    ['an unknown section type', '[web:foo]\na\n', 1],
    ['a malformed header', '[web\na\n', 1],
    ['a host var without =', '[web]\na b\n', 2],
    ['user@host', '[web]\nroot@a\n', 2],
    ['a bad port var', '[web]\na ansible_port=x\n', 2],
    ['a bad group port var', '[web]\na\n[web:vars]\nansible_port=99999\n', 4],
    ['a :vars line without =', '[web:vars]\njust-text\n', 2],
    ['a :children line with spaces', '[p:children]\na b\n', 2],
    ['a bad range', '[web]\nweb[9:1]\n', 2],
  ])('rejects %s', (_, text, line) => {
    const err = asInventoryError(thrown(() => inventoryFromText(text, INI)));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: INI, line });
  });

  it('rejects a host given conflicting vars in two groups', () => {
    const err = asInventoryError(thrown(() => inventoryFromText('[a]\nh ansible_port=1\n[b]\nh ansible_port=2\n', INI)));
    expect(err.location.line).toBe(4);
  });

  it('accepts a host listed bare in one group and with vars in another', () => {
    const inv2 = inventoryFromText('[a]\nh ansible_port=2\n[b]\nh\n', INI);
    expect(inv2.hosts).toHaveLength(1);
    expect(inv2.hosts[0]).toMatchObject({ port: 2, groups: ['a', 'b'] });
  });

  it('creates a group named only in :children (empty groups are fine)', () => {
    expect(inventoryFromText('[p:children]\nc\n', INI).groups.get('p')?.children).toEqual(['c']);
  });

  it.each<[string, string[]]>([
    ['a b  c', ['a', 'b', 'c']],
    ['k="a b" x=\'y z\'', ['k=a b', 'x=y z']],
    ['a\\ b c', ['a b', 'c']],
    ['a # comment', ['a']],
    ['a=#not-comment', ['a=#not-comment']],
  ])('splitShellWords(%j)', (line, words) => {
    expect(splitShellWords(line)).toEqual(words);
  });

  it.each<[string, unknown]>([
    ['16', 16],
    ['-3', -3],
    ['0.5', 0.5],
    ['True', true],
    ['False', false],
    ['true', 'true'],
    ['"quoted"', 'quoted'],
    ["'single'", 'single'],
    ['text', 'text'],
  ])('parseIniValue(%j)', (raw, value) => {
    expect(parseIniValue(raw)).toEqual(value);
  });

  it.each<[string, string | undefined]>([
    ['-o ProxyJump=bastion', 'bastion'],
    ["-o 'ProxyJump jump@gw:22'", 'jump@gw:22'],
    ['-J gw', 'gw'],
    ['-Jgw -v', 'gw'],
    ['-o StrictHostKeyChecking=no', undefined],
  ])('proxyJumpFromArgs(%j)', (args, jump) => {
    expect(proxyJumpFromArgs(args)).toBe(jump);
  });
});

describe('Ansible YAML', () => {
  const FILE = '/inv/ansible.yaml';
  const text = [
    'all:',
    '  vars: {ansible_user: ops}',
    '  hosts:',
    '    mail.example.com:',
    '  children:',
    '    web:',
    '      hosts:',
    '        web[01:02].example.com: {http_port: 80}',
    '        web03.example.com:2200:',
    '      vars: {tier: web}',
    '    prod:',
    '      children:',
    '        web:',
    '        db:',
    '          hosts:',
    '            db1: {ansible_host: 10.0.0.21, ansible_become_pass: x}',
    '          vars: {ansible_port: 2222}',
    'staging:',
    '  hosts:',
    '    web01.example.com:',
  ].join('\n');
  const inv = inventoryFromText(text, FILE);
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));

  it('reads nested children, ranges, ports and top-level groups', () => {
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'mail.example.com',
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
      'db1',
    ]);
    expect(inv.groups.get('prod')?.hosts).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com', 'db1']);
    expect(inv.groups.get('staging')?.hosts).toEqual(['web01.example.com']);
    expect(byName.get('web01.example.com')?.groups).toEqual(['prod', 'staging', 'web']);
  });

  it('maps connection vars and keeps the rest', () => {
    expect(byName.get('web03.example.com')).toMatchObject({ port: 2200, user: 'ops', vars: { tier: 'web' } });
    expect(byName.get('web01.example.com')).toMatchObject({ vars: { http_port: 80, tier: 'web' } });
    expect(byName.get('db1')).toMatchObject({ address: '10.0.0.21', port: 2222, user: 'ops' });
    expect(byName.get('db1')?.vars).not.toHaveProperty('ansible_become_pass');
  });

  it.each<[string, string, number, string]>([
    ['an unknown group key', 'all:\n  children:\n    web:\n      host:\n        a:\n', 4, 'all.children.web.host'],
    ['a bad port', 'all:\n  hosts:\n    a: {ansible_port: none}\n', 3, 'all.hosts.a.ansible_port'],
    ['vars not a mapping', 'all:\n  vars: [1]\n', 2, 'all.vars'],
  ])('rejects %s', (_, yaml, line, path) => {
    const err = asInventoryError(thrown(() => inventoryFromText(yaml, FILE)));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: FILE, line, path });
  });

  it('rejects recursive YAML aliases in children', () => {
    const err = thrown(() => inventoryFromText('all:\n  children:\n    a: &a\n      children:\n        b: *a\n', FILE));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
  });
});

describe('Ansible format detection', () => {
  it.each<[unknown, boolean]>([
    [{ all: { hosts: {} } }, true],
    [{ web: { hosts: { a: null } }, db: null }, true],
    [{ hosts: { a: {} } }, false],
    [{ defaults: {}, hosts: {} }, false],
    [{}, false],
    ['text', false],
  ])('isAnsibleYamlData(%j) = %s', (data, expected) => {
    expect(isAnsibleYamlData(data)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['[web]\na\n', true],
    ['a\n[web:vars]\nx=1\n', true],
    ['[2001:db8::1]:22\n', false],
    ['hosts:\n  a: {}\n', false],
  ])('looksLikeAnsibleIni(%j) = %s', (text, expected) => {
    expect(looksLikeAnsibleIni(text)).toBe(expected);
  });

  it('parseAnsibleInventory picks INI or YAML by extension and content', () => {
    expect(parseAnsibleInventory('[web]\na\n', '/x/inventory', { home: HOME }).format).toBe('ansible-ini');
    expect(parseAnsibleInventory('all:\n  hosts: {a: }\n', '/x/inventory', { home: HOME }).format).toBe('ansible-yaml');
    expect(parseAnsibleInventory('a\n', '/x/inv.ini', { home: HOME }).format).toBe('ansible-ini');
  });
});
