import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLargeInventory } from '../../bench/bench-inventory.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';
import { tempDir } from '../support/temp-dir.js';

const INVENTORIES = path.resolve('inventories');
const GROUPED = path.join(INVENTORIES, 'grouped.yaml');
const ANSIBLE_INI = path.join(INVENTORIES, 'ansible.ini');
const ANSIBLE_YAML = path.join(INVENTORIES, 'ansible.yaml');

let home: string;
beforeAll(async () => {
  home = tempDir('fleet-hosts-e2e-');
});

const fleet = (args: string[]): Promise<SpawnedRun> => spawnFleet(args, { cwd: home });

/** The host names of a `--json` document. */
function names(run: SpawnedRun): string[] {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const doc = JSON.parse(run.stdout) as { version: number; hosts: Array<{ host: string }> };
  expect(doc.version).toBe(1);
  return doc.hosts.map((h) => h.host);
}

/** A pre-connection error: exit 2, nothing on stdout, one line on stderr. */
function expectUsageError(run: SpawnedRun, pattern: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
}

// What `ansible -i inventories/ansible.ini PATTERN --list-hosts` printed (ansible-core 2.14.18);
// ansible.yaml gives the same lists, and grouped.yaml is the same fleet in fleet's own format.
const ANSIBLE_SELECTS: Array<[pattern: string, hosts: string[]]> = [
  ['web:&prod:!web03', ['web02', 'web04', 'web05']],
  ['all', ['web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2']],
  ['web*', ['web01', 'web02', 'web03', 'web04', 'web05']],
  ['prod:!db', ['web02', 'web03', 'web04', 'web05']],
  ['datacenter:!staging', ['web02', 'web03', 'web04', 'web05', 'db1', 'db2']],
  ['~web0[13]', ['web01', 'web03']],
  ['staging,db1', ['web01', 'db1']],
  ['prod:&db', ['db1', 'db2']],
  ['*:&db:!db1', ['db2']],
  ['&web:!staging', ['web02', 'web03', 'web04', 'web05']],
];

describe('fleet hosts selects what Ansible selects', () => {
  for (const [label, file] of [
    ['fleet YAML (grouped.yaml)', GROUPED],
    ['Ansible INI (ansible.ini)', ANSIBLE_INI],
    ['Ansible YAML (ansible.yaml)', ANSIBLE_YAML],
  ] as const) {
    it.each(ANSIBLE_SELECTS)(`${label}: -l %j`, async (pattern, expected) => {
      expect(names(await fleet(['hosts', '-i', file, '-l', pattern, '--json']))).toEqual(expected);
    });
  }
});

describe('fleet hosts output', () => {
  it('prints an aligned table: host, address:port, user, groups', async () => {
    const run = await fleet(['hosts', '-i', GROUPED, '-l', 'db,web01']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'HOST   ADDRESS         USER      GROUPS',
        'web01  web01:22        ops       datacenter,web,staging',
        'db1    10.0.0.21:2222  postgres  datacenter,prod,db',
        'db2    10.0.0.22:2222  postgres  datacenter,prod,db',
        '',
      ].join('\n'),
    );
  });

  it('--json: address, port, user, groups, labels and vars of each host; sources only with --explain', async () => {
    const doc = JSON.parse((await fleet(['hosts', '-i', GROUPED, '-l', 'db1', '--json'])).stdout) as unknown;
    expect(doc).toEqual({
      version: 1,
      hosts: [
        {
          host: 'db1',
          address: '10.0.0.21',
          port: 2222,
          user: 'postgres',
          groups: ['datacenter', 'prod', 'db'],
          labels: { role: 'db' },
          vars: { dc: 'eu-west', env: 'prod', pg_version: 16 },
        },
      ],
    });
    expect(names(await fleet(['hosts', '-i', GROUPED, '-l', 'db1', '--output', 'json']))).toEqual(['db1']);
  });

  it('--explain names the layer each setting came from; the command line wins', async () => {
    const run = await fleet(['hosts', '-i', GROUPED, '-l', 'db1,web02', '--explain', '--json', '-p', '2200']);
    const doc = JSON.parse(run.stdout) as { hosts: Array<{ host: string; port: number; user: string; sources: unknown }> };
    expect(doc.hosts.map((h) => [h.host, h.port, h.user, h.sources])).toEqual([
      [
        'web02',
        2200,
        'ops',
        { address: 'default', port: 'cli', user: 'group:datacenter', identityFiles: 'defaults', knownHostsFiles: 'defaults' },
      ],
      ['db1', 2200, 'postgres', { address: 'host', port: 'cli', user: 'host', identityFiles: 'defaults', knownHostsFiles: 'defaults' }],
    ]);
  });

  it('--explain as text: each setting, its value and its source under the host', async () => {
    const run = await fleet(['hosts', '-i', ANSIBLE_INI, '-l', 'db2', '--explain', '-u', 'root']);
    expect(run.code).toBe(0);
    const settings = [
      ['address', '10.0.0.22', 'host'],
      ['port', '2222', 'host'],
      ['user', 'root', 'cli'],
      ['identityFiles', `${home}/.ssh/id_ed25519`, 'defaults'],
      ['knownHostsFiles', `${home}/.ssh/known_hosts`, 'default'],
    ];
    const valueWidth = Math.max(...settings.map((r) => (r[1] ?? '').length));
    expect(run.stdout).toBe(
      [
        'HOST  ADDRESS         USER  GROUPS',
        'db2   10.0.0.22:2222  root  datacenter,prod,db',
        ...settings.map(([k, v, src]) => `  ${(k ?? '').padEnd(15)}  ${(v ?? '').padEnd(valueWidth)}  ${src}`),
        '',
      ].join('\n'),
    );
  });

  it('lists ad-hoc hosts (-H) without an inventory', async () => {
    const run = await fleet(['hosts', '-H', 'a1,deploy@b[1:2]:2222', '--json']);
    const doc = JSON.parse(run.stdout) as { hosts: Array<{ host: string; port: number; user: string }> };
    expect(doc.hosts.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual([
      `${os.userInfo().username}@a1:22`,
      'deploy@b1:2222',
      'deploy@b2:2222',
    ]);
  });

  it('escapes control characters from the inventory in the table (JSON escapes them itself)', async () => {
    const file = path.join(home, 'evil.yaml');
    // ESC 7 saves the cursor; a raw CR would let a later cell overwrite this one.
    await writeFile(file, 'hosts:\n  "web\\e7x": {user: "x\\ry"}\n');
    const table = await fleet(['hosts', '-i', file]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/[\x1b\r]/);
    expect(table.stdout).toContain('web\\x1b7x  web\\x1b7x:22  x\\x0dy  -');
    expect(names(await fleet(['hosts', '-i', file, '--json']))).toEqual(['web\x1b7x']);
  });

  it('lists a 2,000-host inventory, one line per host after the header', async () => {
    const file = path.join(home, 'large.yaml');
    await writeFile(file, makeLargeInventory(2000));
    const run = await fleet(['hosts', '-i', file, '-l', 'prod:&web:!rack002']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    // prod = dc1 + dc2 (hosts 1..1000); web = numbers ending in 0..3; rack002 = hosts 41..80.
    const expected = Array.from({ length: 1000 }, (_, i) => i + 1).filter((n) => n % 10 <= 3 && (n < 41 || n > 80));
    expect(lines.slice(1).map((l) => l.split(' ')[0])).toEqual(
      expected.map((n) => `node${String(n).padStart(5, '0')}.dc${n <= 500 ? 1 : 2}.example.com`),
    );
  });
});

describe('fleet hosts errors exit 2 before any connection', () => {
  it('unknown host or group', async () => {
    expectUsageError(await fleet(['hosts', '-i', GROUPED, '-l', 'mail01']), /unknown host or group mail01/);
  });

  it('a valid pattern that selects nothing', async () => {
    expectUsageError(await fleet(['hosts', '-i', GROUPED, '-l', 'web:&db']), /selects no hosts/);
  });

  it('an invalid regular expression', async () => {
    expectUsageError(await fleet(['hosts', '-i', GROUPED, '-l', '~web(']), /invalid regular expression/);
  });

  it('a missing inventory file', async () => {
    expectUsageError(await fleet(['hosts', '-i', path.join(home, 'nope.yaml')]), /nope\.yaml/);
  });

  it('YAML syntax error: file, line and column', async () => {
    const file = path.join(home, 'bad.yaml');
    await writeFile(file, 'hosts:\n  web1: {host: 127.0.0.1\n  web2: {}\n');
    expectUsageError(await fleet(['hosts', '-i', file]), /bad\.yaml:3:3: YAML syntax error/);
  });

  it('unknown key: file, line, column and key path', async () => {
    const file = path.join(home, 'typo.yaml');
    await writeFile(file, 'hosts:\n  web1: {}\n  web2: {hots: 10.0.0.2}\n');
    expectUsageError(await fleet(['hosts', '-i', file]), /typo\.yaml:3:10: unknown key "hots".*hosts\.web2\.hots/);
  });

  it('duplicate host key: the second one is named with its position', async () => {
    const file = path.join(home, 'dup.yaml');
    await writeFile(file, 'hosts:\n  web1: {}\n  web1: {port: 2}\n');
    expectUsageError(await fleet(['hosts', '-i', file]), /dup\.yaml:3:3: duplicate key "web1"/);
  });
});

describe('fleet hosts stays light', () => {
  // Static `import ... from '...'` and `export ... from '...'` (either quote); import() stays lazy.
  const staticImports = (entry: string): string[] => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/gms)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
        else seen.add(spec);
      }
    };
    visit(entry);
    return [...seen];
  };

  it('does not import the transport, ssh2 or the Fleet runner (library build, hosts-action.js)', () => {
    const loaded = staticImports(path.resolve('dist/src/cli/commands/hosts-action.js'));
    expect(loaded.filter((f) => /ssh2|\/transport\/|\/fleet\.js$|listr2/.test(f))).toEqual([]);
    expect(loaded.some((f) => f.endsWith('/inventory/index.js'))).toBe(true);
  });

  it('nor does the CLI bundle that bin/fleet runs (main.js and the hosts-action chunk)', () => {
    const dir = path.resolve('dist/cli');
    const chunk = readdirSync(dir).find((f) => f.startsWith('hosts-action-'));
    expect(chunk).toBeDefined();
    for (const entry of [path.join(dir, 'main.js'), path.join(dir, chunk ?? '')]) {
      const loaded = staticImports(entry);
      expect(loaded.filter((f) => /ssh2|listr2/.test(f))).toEqual([]);
    }
  });
});
