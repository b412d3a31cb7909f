import { describe, expect, it } from 'vitest';
import { HOME, inventoryFromText } from '../../test/unit/inventory/helpers.js';
import { describeHosts, explainSettings, formatEndpoint, hostsDocument } from './describe.js';
import { applyOverrides } from './overrides.js';
import { selectHosts } from './select.js';

const TEXT = `
defaults:
  user: deploy
  key: ~/.ssh/id_ed25519
hosts:
  web[01:02]: {labels: {role: web}}
  db1: {host: 10.0.0.21, port: 2222, user: postgres, key_env: DB_KEY, password_env: DB_PASS}
  edge1: {host: "2001:db8::4", proxy_jump: bastion, agent: true, connect_timeout: 1500ms}
groups:
  web: {hosts: ["web*"], vars: {http_port: 8080}}
  prod: {children: [web], hosts: [db1], user: ops, vars: {env: prod}}
`;

describe('describeHosts', () => {
  const inventory = inventoryFromText(TEXT);

  it('one row per host: name, address:port (IPv6 in brackets), user, groups in layering order', () => {
    expect(describeHosts(inventory.hosts)).toEqual([
      { host: 'web01', endpoint: 'web01:22', user: 'ops', groups: ['prod', 'web'] },
      { host: 'web02', endpoint: 'web02:22', user: 'ops', groups: ['prod', 'web'] },
      { host: 'db1', endpoint: '10.0.0.21:2222', user: 'postgres', groups: ['prod'] },
      { host: 'edge1', endpoint: '[2001:db8::4]:22', user: 'deploy', groups: [] },
    ]);
  });

  it('explain: every setting a host has, its value as text and its source', () => {
    const [web01, , db1, edge1] = describeHosts(inventory.hosts, { explain: true });
    expect(web01?.settings).toEqual([
      { setting: 'address', value: 'web01', source: 'default' },
      { setting: 'port', value: '22', source: 'default' },
      { setting: 'user', value: 'ops', source: 'group:prod' },
      { setting: 'identityFiles', value: `${HOME}/.ssh/id_ed25519`, source: 'defaults' },
      { setting: 'knownHostsFiles', value: `${HOME}/.ssh/known_hosts`, source: 'default' },
    ]);
    // Env var names are shown, never values (the inventory holds no secrets).
    expect(db1?.settings?.filter((s) => /Env$/.test(s.setting))).toEqual([
      { setting: 'keyEnv', value: 'DB_KEY', source: 'host' },
      { setting: 'passwordEnv', value: 'DB_PASS', source: 'host' },
    ]);
    expect(edge1?.settings?.filter((s) => ['agent', 'proxyJump', 'connectTimeoutMs'].includes(s.setting))).toEqual([
      { setting: 'agent', value: 'true', source: 'host' },
      { setting: 'proxyJump', value: 'bastion', source: 'host' },
      { setting: 'connectTimeoutMs', value: '1.5s', source: 'host' },
    ]);
  });

  it('command-line overrides show as cli', () => {
    const [db1] = applyOverrides(selectHosts(inventory, 'db1'), { user: 'root', strictHostKeys: 'accept-new' });
    if (!db1) throw new Error('db1 not selected');
    const settings = explainSettings(db1);
    expect(settings.find((s) => s.setting === 'user')).toEqual({ setting: 'user', value: 'root', source: 'cli' });
    expect(settings.at(-1)).toEqual({ setting: 'strictHostKeys', value: 'accept-new', source: 'cli' });
  });
});

describe('hostsDocument', () => {
  const inventory = inventoryFromText(TEXT);

  it('is versioned; vars only when a host has some; sources only with explain', () => {
    const doc = hostsDocument(selectHosts(inventory, 'web01,edge1'));
    expect(doc).toEqual({
      version: 1,
      hosts: [
        {
          host: 'web01',
          address: 'web01',
          port: 22,
          user: 'ops',
          groups: ['prod', 'web'],
          labels: { role: 'web' },
          vars: { env: 'prod', http_port: 8080 },
        },
        { host: 'edge1', address: '2001:db8::4', port: 22, user: 'deploy', groups: [], labels: {} },
      ],
    });
    const explained = hostsDocument(selectHosts(inventory, 'db1'), { explain: true });
    expect(explained.hosts[0]?.sources).toEqual({
      address: 'host',
      port: 'host',
      user: 'host',
      identityFiles: 'defaults',
      knownHostsFiles: 'default',
      keyEnv: 'host',
      passwordEnv: 'host',
    });
  });

  it('copies what it returns: changing the document leaves the inventory alone', () => {
    const doc = hostsDocument(inventory.hosts);
    const [first] = doc.hosts;
    first?.groups.push('x');
    if (first) first.labels['role'] = 'changed';
    expect(inventory.hosts[0]?.groups).toEqual(['prod', 'web']);
    expect(inventory.hosts[0]?.labels).toEqual({ role: 'web' });
  });
});

describe('formatEndpoint', () => {
  it.each([
    ['web01', 22, 'web01:22'],
    ['10.0.0.1', 2222, '10.0.0.1:2222'],
    ['::1', 22, '[::1]:22'],
  ])('%s port %d is %s', (address, port, text) => {
    expect(formatEndpoint(address, port)).toBe(text);
  });
});
