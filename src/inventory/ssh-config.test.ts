import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFromText, rejected, tempTree } from '../../test/unit/inventory/helpers.js';
import { expandGlob } from './ssh-config-include.js';
import { loadSshConfig, parseSshConfig } from './ssh-config.js';

const CONFIG = [
  'Host web*',
  '  User webuser',
  '  Port 2200',
  '  IdentityFile ~/.ssh/web_%r',
  'Host db1',
  '  HostName 10.0.0.21',
  '  ProxyJump bastion',
  '  UserKnownHostsFile ~/.ssh/kh1 %d/kh2',
  '  StrictHostKeyChecking accept-new',
  '  ConnectTimeout 7',
  'Host nojump',
  '  ProxyJump none',
  '  StrictHostKeyChecking ask',
  '  IdentityFile none',
  'Host tokens',
  '  HostName %h.example.com',
  'Host *',
  '  User fallback',
  '  IdentityFile ~/.ssh/id_ed25519',
].join('\n');

describe('ssh_config lookups', async () => {
  const home = '/home/t';
  const cfg = await parseSshConfig(CONFIG, '/home/t/.ssh/config', { home, localUser: 'local' });

  it.each<[string, { user?: string; port?: number } | undefined, Record<string, unknown>]>([
    ['web1', undefined, { user: 'webuser', port: 2200, identityFiles: ['/home/t/.ssh/web_webuser', '/home/t/.ssh/id_ed25519'] }],
    ['web1', { user: 'given' }, { port: 2200, identityFiles: ['/home/t/.ssh/web_given', '/home/t/.ssh/id_ed25519'] }],
    [
      'db1',
      undefined,
      {
        hostName: '10.0.0.21',
        user: 'fallback',
        proxyJump: 'bastion',
        knownHostsFiles: ['/home/t/.ssh/kh1', '/home/t/kh2'],
        strictHostKeys: 'accept-new',
        connectTimeoutMs: 7000,
      },
    ],
    ['nojump', undefined, { strictHostKeys: 'yes', identityFiles: ['/home/t/.ssh/id_ed25519'] }],
    ['tokens', undefined, { hostName: 'tokens.example.com' }],
    ['other', undefined, { user: 'fallback', identityFiles: ['/home/t/.ssh/id_ed25519'] }],
  ])('%s %j', (host, context, expected) => {
    const values = cfg.lookup(host, context);
    expect(values).toMatchObject(expected);
    if (context?.user) expect(values.user).toBeUndefined();
  });

  it('ProxyJump none means no jump host', () => {
    expect(cfg.lookup('nojump').proxyJump).toBeUndefined();
  });

  it.each([
    ['Host a\n  Port http\n', 'Port'],
    ['Host a\n  StrictHostKeyChecking maybe\n', 'StrictHostKeyChecking'],
    ['Host a\n  ConnectTimeout soon\n', 'ConnectTimeout'],
  ])('invalid values are FLEET_CONFIG_INVALID (%s)', async (text) => {
    const bad = await parseSshConfig(text, '/cfg', { home, localUser: 'l' });
    expect(() => bad.lookup('a')).toThrow(expect.objectContaining({ code: 'FLEET_CONFIG_INVALID' }));
  });

  it('never runs Match exec', async () => {
    const m = await parseSshConfig('Match exec "touch /tmp/fleet-should-not-exist"\n  Port 1\n', '/cfg', { home, localUser: 'l' });
    expect(m.lookup('a').port).toBeUndefined();
  });
});

describe('ssh_config Include', () => {
  const home = tempTree({
    '.ssh/config': [
      'Include conf.d/*.conf',
      'Host main',
      '  Include ~/.ssh/inner.conf',
      '  Port 2001',
      'Host *',
      '  User everyone',
    ].join('\n'),
    '.ssh/conf.d/10-a.conf': 'Host a\n  HostName a.example.com\n',
    '.ssh/conf.d/20-b.conf': 'Host b\n  Port 2202\n  Include nested.conf\n',
    '.ssh/conf.d/skip.txt': 'Host a\n  Port 9\n',
    '.ssh/nested.conf': 'User nested\n',
    '.ssh/inner.conf': 'HostName inner.example.com\nHost unrelated\n  Port 9\n',
    '.ssh/loop.conf': 'Include loop.conf\n',
  });

  it('follows relative, glob, tilde and nested includes in the including block', async () => {
    const cfg = await loadSshConfig({ home, localUser: 'l' });
    expect(cfg?.lookup('a')).toMatchObject({ hostName: 'a.example.com', user: 'everyone' });
    expect(cfg?.lookup('b')).toMatchObject({ port: 2202, user: 'nested' });
    // After an Include inside "Host main", the rest of that block still applies to main only.
    expect(cfg?.lookup('main')).toMatchObject({ hostName: 'inner.example.com', port: 2001 });
    expect(cfg?.lookup('unrelated')).toMatchObject({ port: 9 });
    expect(cfg?.lookup('zzz').port).toBeUndefined();
  });

  it('stops runaway include recursion', async () => {
    const err = await rejected(loadSshConfig({ home, file: path.join(home, '.ssh', 'loop.conf'), localUser: 'l' }));
    expect(err.code).toBe('FLEET_CONFIG_INVALID');
  });

  it('a missing default config is no config; a missing given one is an error', async () => {
    const empty = tempTree({ 'x': '' });
    expect(await loadSshConfig({ home: empty })).toBeUndefined();
    expect((await rejected(loadSshConfig({ home: empty, file: '~/nope' }))).code).toBe('FLEET_CONFIG_INVALID');
  });

  it('expandGlob sorts matches and skips dotfiles', async () => {
    const dir = tempTree({ 'b.conf': '', 'a.conf': '', '.h.conf': '', 'c.txt': '' });
    expect(await expandGlob(path.join(dir, '*.conf'))).toEqual([path.join(dir, 'a.conf'), path.join(dir, 'b.conf')]);
    expect(await expandGlob(path.join(dir, 'none', '*.conf'))).toEqual([]);
  });
});

describe('precedence: inventory > ssh_config > built-in', async () => {
  const ssh = await parseSshConfig(
    'Host *\n  User sshuser\n  Port 2022\n  HostName ssh.example.com\n  IdentityFile /k/ssh\n  ConnectTimeout 3\n  ProxyJump j\n',
    '/cfg',
    { home: '/h', localUser: 'l' },
  );
  const text = [
    'defaults: {connect_timeout: 9}',
    'hosts:',
    '  a: {}',
    '  b: {host: 10.0.0.2, user: hostuser}',
    '  c: {}',
    'groups:',
    '  g: {hosts: [c], port: 2200}',
  ].join('\n');
  const inv = inventoryFromText(text, '/inv/h.yaml', { sshConfig: ssh });
  const [a, b, c] = inv.hosts;

  it.each<[string, unknown, string]>([
    ['address', 'ssh.example.com', 'ssh_config:/cfg'],
    ['user', 'sshuser', 'ssh_config:/cfg'],
    ['port', 2022, 'ssh_config:/cfg'],
    ['identityFiles', ['/k/ssh'], 'ssh_config:/cfg'],
    ['proxyJump', 'j', 'ssh_config:/cfg'],
    ['connectTimeoutMs', 9000, 'defaults'],
  ])('host with no settings: %s from %s', (field, value, source) => {
    expect((a as unknown as Record<string, unknown>)[field]).toEqual(value);
    expect(a?.sources?.[field as 'user']).toBe(source);
  });

  it('host settings beat ssh_config', () => {
    expect(b).toMatchObject({ address: '10.0.0.2', user: 'hostuser', port: 2022 });
    expect(b?.sources).toMatchObject({ address: 'host', user: 'host', port: 'ssh_config:/cfg' });
  });

  it('group settings beat ssh_config', () => {
    expect(c).toMatchObject({ port: 2200 });
    expect(c?.sources?.port).toBe('group:g');
  });
});

describe('keepalive: ServerAliveInterval / ServerAliveCountMax, server_alive_* keys', async () => {
  const ssh = await parseSshConfig('Host *\n  ServerAliveInterval 5\n  ServerAliveCountMax 2\n', '/cfg', { home: '/h', localUser: 'l' });

  it('reads ssh_config seconds as ms; 0 turns keepalives off / never gives up', async () => {
    expect(ssh.lookup('a')).toMatchObject({ serverAliveIntervalMs: 5000, serverAliveCountMax: 2 });
    const off = await parseSshConfig('Host off\n  ServerAliveInterval 0\n  ServerAliveCountMax 0\n', '/cfg', { home: '/h', localUser: 'l' });
    expect(off.lookup('off')).toMatchObject({ serverAliveIntervalMs: 0, serverAliveCountMax: Number.MAX_SAFE_INTEGER });
  });

  it('the inventory keys beat ssh_config, per layer, with their sources', () => {
    const inv = inventoryFromText(
      ['defaults: {server_alive_interval: 2s}', 'hosts:', '  a: {}', '  b: {server_alive_count_max: 4, server_alive_interval: 0}'].join('\n'),
      '/inv/h.yaml',
      { sshConfig: ssh },
    );
    const [a, b] = inv.hosts;
    expect(a).toMatchObject({ serverAliveIntervalMs: 2000, serverAliveCountMax: 2 });
    expect(a?.sources).toMatchObject({ serverAliveIntervalMs: 'defaults', serverAliveCountMax: 'ssh_config:/cfg' });
    expect(b).toMatchObject({ serverAliveIntervalMs: 0, serverAliveCountMax: 4 });
  });

  it.each([
    ['Host a\n  ServerAliveInterval soon\n', 'ServerAliveInterval'],
    ['Host a\n  ServerAliveCountMax -1\n', 'ServerAliveCountMax'],
  ])('invalid values are FLEET_CONFIG_INVALID (%s)', async (text) => {
    const bad = await parseSshConfig(text, '/cfg', { home: '/h', localUser: 'l' });
    expect(() => bad.lookup('a')).toThrow(expect.objectContaining({ code: 'FLEET_CONFIG_INVALID' }));
  });
});
