import { describe, expect, it } from 'vitest';
import { asInventoryError, HOME, inventoryFromText, inventoryFromTexts, thrown } from '../../test/unit/inventory/helpers.js';
import { parseFleetYaml } from './load-yaml.js';

const FILE = '/inv/hosts.yaml';

/** The error thrown while loading `text`, as an InventoryError. */
function loadError(text: string) {
  return asInventoryError(thrown(() => inventoryFromText(text, FILE)));
}

describe('fleet YAML: hosts and defaults', () => {
  const inv = inventoryFromText(
    [
      'defaults:',
      '  user: deploy',
      '  port: 2200',
      '  key: ~/.ssh/id_ed25519',
      '  known_hosts: [~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts]',
      '  connect_timeout: 5s',
      '  labels: {dc: eu}',
      '  vars: {tz: UTC}',
      'hosts:',
      '  web[01:03].example.com: {}',
      '  db1: {host: 10.0.0.21, port: 2222, user: postgres, labels: {role: db}, vars: {tz: CET}}',
      '  edge1: {host: 10.9.0.4, proxy_jump: bastion, agent: true, key_env: EDGE_KEY, password_env: EDGE_PW}',
      '  bare:',
      '  keys: {key: [keys/a, /abs/b], connect_timeout: 1.5}',
    ].join('\n'),
    FILE,
  );
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));

  it('expands ranges and keeps inventory order', () => {
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
      'db1',
      'edge1',
      'bare',
      'keys',
    ]);
  });

  it('applies defaults, expanding ~ against home', () => {
    const web = byName.get('web02.example.com');
    expect(web).toMatchObject({
      address: 'web02.example.com',
      port: 2200,
      user: 'deploy',
      identityFiles: [`${HOME}/.ssh/id_ed25519`],
      knownHostsFiles: [`${HOME}/.ssh/known_hosts`, '/etc/ssh/ssh_known_hosts'],
      connectTimeoutMs: 5000,
      labels: { dc: 'eu' },
      vars: { tz: 'UTC' },
      groups: [],
      definedIn: `${FILE}:10`,
    });
  });

  it('lets host settings override defaults, merging labels and vars key by key', () => {
    expect(byName.get('db1')).toMatchObject({
      address: '10.0.0.21',
      port: 2222,
      user: 'postgres',
      labels: { dc: 'eu', role: 'db' },
      vars: { tz: 'CET' },
    });
  });

  it('reads proxy_jump, agent, key_env and password_env', () => {
    expect(byName.get('edge1')).toMatchObject({ proxyJump: 'bastion', agent: true, keyEnv: 'EDGE_KEY', passwordEnv: 'EDGE_PW' });
  });

  it('accepts an empty host entry', () => {
    expect(byName.get('bare')?.address).toBe('bare');
  });

  it('resolves relative key paths against the inventory directory; numbers are seconds', () => {
    expect(byName.get('keys')).toMatchObject({ identityFiles: ['/inv/keys/a', '/abs/b'], connectTimeoutMs: 1500 });
  });
});

describe('fleet YAML: built-in defaults', () => {
  it('uses port 22, the given user, no keys and ~/.ssh/known_hosts', () => {
    const [h] = inventoryFromText('hosts:\n  a: {}\n', FILE, { user: 'me' }).hosts;
    expect(h).toMatchObject({
      name: 'a',
      address: 'a',
      port: 22,
      user: 'me',
      identityFiles: [],
      knownHostsFiles: [`${HOME}/.ssh/known_hosts`],
    });
    expect(h?.sources).toMatchObject({ address: 'default', port: 'default', user: 'default', knownHostsFiles: 'default' });
  });

  it('an empty document is an empty inventory', () => {
    expect(inventoryFromText('', FILE).hosts).toEqual([]);
    expect(inventoryFromText('# nothing\n', FILE).hosts).toEqual([]);
  });

  it('supports YAML anchors and merge keys', () => {
    const inv = inventoryFromText('hosts:\n  a: &base {port: 2222, user: x}\n  b: {<<: *base, user: y}\n', FILE);
    expect(inv.hosts.map((h) => [h.name, h.port, h.user])).toEqual([
      ['a', 2222, 'x'],
      ['b', 2222, 'y'],
    ]);
  });
});

describe('fleet YAML: strict_host_keys', () => {
  it('sets the host key policy per layer (host over group over defaults); booleans mean yes/no', () => {
    const inv = inventoryFromText(
      'defaults: {strict_host_keys: accept-new}\nhosts:\n  a: {}\n  b: {strict_host_keys: no}\n  c: {strict_host_keys: true}\n  d: {}\ngroups:\n  g: {hosts: [d], strict_host_keys: false}\n',
      FILE,
    );
    expect(inv.hosts.map((h) => [h.name, h.strictHostKeys])).toEqual([['a', 'accept-new'], ['b', 'no'], ['c', 'yes'], ['d', 'no']]);
  });
});

describe('fleet YAML: kex_profile and persist', () => {
  it('reads them from defaults, overridden per host', () => {
    const inv = inventoryFromText(['defaults:', '  kex_profile: fast', '  persist: 10m', 'hosts:', '  a: {}', '  b: {kex_profile: default, persist: 30s}'].join('\n'), FILE);
    expect(inv.hosts.map((h) => [h.kexProfile, h.persistMs, h.sources?.kexProfile, h.sources?.persistMs])).toEqual([
      ['fast', 600_000, 'defaults', 'defaults'],
      ['default', 30_000, 'host', 'host'],
    ]);
  });
});

describe('fleet YAML: validation errors carry file, line, column and key path', () => {
  it.each<[string, string, number, string, string?]>([
    ['unknown top-level key', 'defaults: {}\nhost:\n  a: {}\n', 2, 'host', '"hosts"'],
    ['unknown host key', 'hosts:\n  a: {port: 22}\n  b:\n    usr: x\n', 4, 'hosts.b.usr', '"user"'],
    ['unknown defaults key', 'defaults:\n  known_host: x\n', 2, 'defaults.known_host', '"known_hosts"'],
    ['unknown group key', 'hosts: {a: {}}\ngroups:\n  g: {hosts: [a], childs: []}\n', 3, 'groups.g.childs', '"children"'],
    ['port out of range', 'hosts:\n  a: {port: 70000}\n', 2, 'hosts.a.port'],
    ['port not a number', 'hosts:\n  a:\n    port: ssh\n', 3, 'hosts.a.port'],
    ['agent not boolean', 'hosts:\n  a: {agent: "yes"}\n', 2, 'hosts.a.agent'],
    ['env var name holding a secret', 'defaults:\n  password_env: "hunter2!"\n', 2, 'defaults.password_env'],
    ['bad duration', 'hosts:\n  a: {connect_timeout: soon}\n', 2, 'hosts.a.connect_timeout'],
    ['bad strict_host_keys', 'hosts:\n  a: {strict_host_keys: maybe}\n', 2, 'hosts.a.strict_host_keys'],
    ['unknown kex profile', 'hosts:\n  a: {kex_profile: fastest}\n', 2, 'hosts.a.kex_profile'],
    ['bad persist duration', 'defaults:\n  persist: forever\n', 2, 'defaults.persist'],
    ['labels with a nested value', 'hosts:\n  a:\n    labels:\n      x: [1]\n', 4, 'hosts.a.labels.x'],
    ['vars not a mapping', 'hosts:\n  a: {vars: [1, 2]}\n', 2, 'hosts.a.vars'],
    ['host entry not a mapping', 'hosts:\n  a: 22\n', 2, 'hosts.a'],
    ['hosts is a list', 'hosts:\n  - a\n', 2, 'hosts'],
    ['bad range in a host key', 'hosts:\n  a: {}\n  web[5:1]: {}\n', 3, 'hosts["web[5:1]"]'],
    ['whitespace in a host name', 'hosts:\n  "a b": {}\n', 2, 'hosts["a b"]'],
    ['group named all', 'groups:\n  all: {}\n', 2, 'groups.all'],
    ['group name with an operator', 'groups:\n  "a:b": {}\n', 2, 'groups["a:b"]'],
    ['group hosts not a list', 'hosts: {a: {}}\ngroups:\n  g: {hosts: a}\n', 3, 'groups.g.hosts'],
    ['host key path with dots', 'hosts:\n  web1.example.com: {prot: 1}\n', 2, 'hosts["web1.example.com"].prot', '"port"'],
  ])('%s', (_, text, line, path, hint) => {
    const err = loadError(text);
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: FILE, line, path });
    expect(err.location.column).toBeGreaterThan(0);
    if (hint) expect(err.message).toContain(hint);
  });

  it.each<[string, string, number]>([
    ['unclosed flow map', 'hosts:\n  a: {port: 22\n  b: {}\n', 3],
    ['duplicate host key', 'hosts:\n  a: {}\n  b: {}\n  a: {port: 2}\n', 4],
    ['duplicate key in a small map', 'hosts:\n  a: {port: 1, port: 2}\n', 2],
    ['bad indentation', 'hosts:\n  a: {}\n b: {}\n', 3],
  ])('syntax: %s → FLEET_INVENTORY_PARSE at line %i', (_, text, line) => {
    const err = loadError(text);
    expect(err.code).toBe('FLEET_INVENTORY_PARSE');
    expect(err.location).toMatchObject({ file: FILE, line });
  });

  // The fast reader hands a duplicate to the yaml package, which names both places; a file
  // with an anchor goes to the yaml package from the start. Small (<= 8 keys) and large maps
  // are checked differently.
  it.each<[string, string, string, string]>([
    ['a duplicate host, fast reader first', 'hosts:\n  a: {}\n  b: {}\n  a: {port: 2}\n', '4:3', '2:3'],
    ['a duplicate setting in a flow map', 'hosts:\n  a: {port: 1, port: 2}\n', '2:16', '2:7'],
    ['a duplicate setting in a block map', 'hosts:\n  a:\n    port: 1\n    user: x\n    port: 2\n', '5:5', '3:5'],
    ['a duplicate in a map of over 8 keys', `hosts:\n${Array.from({ length: 10 }, (_, i) => `  h${i}: {}\n`).join('')}  h3: {}\n`, '12:3', '5:3'],
    ['a duplicate in a file the yaml package reads from the start', 'defaults: &d {user: x}\nhosts:\n  a: {}\n  a: {}\n', '4:3', '3:3'],
  ])('a duplicate key names both places: %s', (_, text, second, first) => {
    const err = loadError(text);
    expect(err.code).toBe('FLEET_INVENTORY_PARSE');
    expect(err.message).toContain(`${FILE}:${second}: duplicate key`);
    expect(err.message).toContain(`(first at ${FILE}:${first})`);
  });

  it('refuses YAML alias bombs', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'hosts: {h: {vars: {boom: [*d,*d,*d,*d,*d,*d,*d,*d,*d]}}}',
    ].join('\n');
    expect(loadError(bomb).code).toBe('FLEET_INVENTORY_INVALID');
  });

  it('a document that is not a mapping is invalid', () => {
    expect(loadError('- a\n- b\n').code).toBe('FLEET_INVENTORY_INVALID');
  });
});

describe('fleet YAML: groups', () => {
  const text = [
    'defaults: {user: deploy}',
    'hosts:',
    '  web[01:04]: {}',
    '  db1: {user: postgres}',
    '  db2: {}',
    'groups:',
    '  web: {hosts: ["web*"], vars: {tier: web, color: blue}}',
    '  db: {hosts: ["~^db\\\\d$"], user: dbadmin, vars: {tier: db}}',
    '  canary: {hosts: [web01, "web[03:04]"], vars: {color: green}, labels: {canary: "yes"}}',
    '  prod: {children: [web, db, canary], port: 2222, vars: {env: prod, color: red}}',
    '  everything: {children: [prod]}',
  ].join('\n');
  const inv = inventoryFromText(text, FILE);
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));

  it('resolves globs, regexes, ranges and children into members, in inventory order', () => {
    expect(inv.groups.get('web')?.hosts).toEqual(['web01', 'web02', 'web03', 'web04']);
    expect(inv.groups.get('db')?.hosts).toEqual(['db1', 'db2']);
    expect(inv.groups.get('canary')?.hosts).toEqual(['web01', 'web03', 'web04']);
    expect(inv.groups.get('prod')?.hosts).toEqual(['web01', 'web02', 'web03', 'web04', 'db1', 'db2']);
    expect(inv.groups.get('everything')?.children).toEqual(['prod']);
  });

  it('lists each host\'s groups parents first (depth, then name)', () => {
    expect(byName.get('web01')?.groups).toEqual(['everything', 'prod', 'canary', 'web']);
    expect(byName.get('web02')?.groups).toEqual(['everything', 'prod', 'web']);
    expect(byName.get('db1')?.groups).toEqual(['everything', 'prod', 'db']);
  });

  it.each<[string, string, unknown]>([
    // defaults < groups (parents before children) < host
    ['web02', 'vars.color', 'blue'], // web (depth 3) beats prod (depth 2)
    ['web01', 'vars.color', 'blue'], // canary and web share depth 3: by name, so web applies last
    ['web03', 'vars.color', 'blue'],
    ['web01', 'vars.env', 'prod'], // inherited from a parent
    ['db2', 'user', 'dbadmin'], // group beats defaults
    ['db1', 'user', 'postgres'], // host beats group
    ['web02', 'user', 'deploy'], // defaults when no group sets it
    ['db2', 'port', 2222], // from the grandparent
    ['web03', 'labels.canary', 'yes'],
  ])('%s %s = %j', (host, key, expected) => {
    const spec = byName.get(host) as unknown as Record<string, unknown>;
    const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], spec);
    expect(value).toEqual(expected);
  });

  it('records where each setting came from', () => {
    expect(byName.get('db2')?.sources).toMatchObject({ user: 'group:db', port: 'group:prod', address: 'default' });
    expect(byName.get('db1')?.sources).toMatchObject({ user: 'host' });
    expect(byName.get('web02')?.sources).toMatchObject({ user: 'defaults' });
  });

  it.each<[string, string, number, string?]>([
    ['unknown child group', 'groups:\n  a: {children: [bb]}\n  b: {}\n', 2, '"b"'],
    ['unknown host name', 'hosts: {web01: {}}\ngroups:\n  g:\n    hosts: [web1]\n', 4, '"web01"'],
    ['glob matching nothing', 'hosts: {a: {}}\ngroups:\n  g:\n    hosts: ["x*"]\n', 4],
    ['range naming unknown hosts', 'hosts:\n  web[1:2]: {}\ngroups:\n  g:\n    hosts: ["web[1:3]"]\n', 5],
    ['invalid regex', 'hosts: {a: {}}\ngroups:\n  g:\n    hosts: ["~(a"]\n', 4],
    ['self cycle', 'groups:\n  a: {children: [a]}\n', 2],
    ['three-group cycle', 'groups:\n  a: {children: [b]}\n  b: {children: [c]}\n  c:\n    children: [a]\n', 5],
  ])('%s', (_, text, line, hint) => {
    const err = loadError(text);
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: FILE, line });
    if (hint) expect(err.message).toContain(hint);
  });
});

describe('fleet YAML: duplicate hosts', () => {
  it('merges a repeated host that adds settings without conflict', () => {
    const inv = inventoryFromText('hosts:\n  web[1:3]: {}\n  web2: {port: 2222}\n', FILE);
    expect(inv.hosts.map((h) => [h.name, h.port])).toEqual([
      ['web1', 22],
      ['web2', 2222],
      ['web3', 22],
    ]);
  });

  it.each<[string, string, number, string]>([
    ['conflicting port', 'hosts:\n  web[1:3]: {port: 22}\n  web2: {port: 2222}\n', 3, 'hosts.web2'],
    ['conflicting label', 'hosts:\n  web[1:2]: {labels: {r: a}}\n  web1: {labels: {r: b}}\n', 3, 'hosts.web1'],
  ])('rejects a %s at the second definition', (_, text, line, path) => {
    const err = loadError(text);
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ line, path });
  });

  it('rejects the same host with different settings in two files, naming the second', () => {
    const err = asInventoryError(
      thrown(() => inventoryFromTexts({ '/a.yaml': 'hosts:\n  h: {user: a}\n', '/b.yaml': '\nhosts:\n  h: {user: b}\n' })),
    );
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: '/b.yaml', line: 3 });
    expect(err.message).toContain('/a.yaml:2');
  });

  it('treats two files whose defaults disagree for a shared host as a conflict', () => {
    const err = thrown(() =>
      inventoryFromTexts({ '/a.yaml': 'defaults: {user: a}\nhosts: {h: {}}\n', '/b.yaml': 'defaults: {user: b}\nhosts: {h: {}}\n' }),
    );
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
  });
});

describe('parseFleetYaml', () => {
  it('returns the per-file model before resolution', () => {
    const model = parseFleetYaml('hosts:\n  a: {}\ngroups:\n  g: {hosts: [a, missing]}\n', FILE, { home: HOME });
    expect(model.format).toBe('fleet-yaml');
    expect(model.hosts.map((h) => h.name)).toEqual(['a']);
    expect(model.groups[0]?.members.map((m) => m.pattern)).toEqual(['a', 'missing']);
  });
});
