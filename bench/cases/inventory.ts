/**
 * inventory: load a 10,000-host inventory. `fleet hosts` when the CLI has it, and the library's
 * loadInventory (dist/src/inventory) in a bare node process; `yaml` parsing the same file in a
 * bare node process is the floor (with uniqueKeys off: yaml's default duplicate-key check is
 * quadratic in the keys of one mapping, ~4x slower at 10k hosts; fleet checks duplicates itself). The file comes from bench/bench-inventory.ts
 * (makeLargeInventory) when it exists, else from largeInventoryYaml() below.
 */
import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { caseResult, measure, type BenchCase, type BenchContext, type Contender } from '../context.js';
import { exitZeroWithLines, fleetTool } from '../tools.js';

const HOSTS = 10_000;

/** A 10k-host fleet YAML inventory: explicit hosts with addresses and labels, plus groups. */
export function largeInventoryYaml(n: number, keyFile: string, knownHostsFile: string): string {
  const lines = ['defaults:', '  user: deploy', `  key: ${JSON.stringify(keyFile)}`, `  known_hosts: ${JSON.stringify(knownHostsFile)}`, 'hosts:'];
  const roles = ['web', 'api', 'db', 'cache'];
  for (let i = 0; i < n; i += 1) {
    const role = roles[i % roles.length] ?? 'web';
    const name = `${role}${String(i).padStart(5, '0')}.dc${i % 3}.example.com`;
    lines.push(`  ${name}: {host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, labels: {role: ${role}, rack: r${i % 40}}}`);
  }
  lines.push('groups:');
  for (const role of roles) lines.push(`  ${role}: {hosts: ["${role}*"]}`);
  lines.push('  dc0: {hosts: ["*.dc0.example.com"]}', '  prod: {children: [web, api, db], vars: {env: prod}}');
  return `${lines.join('\n')}\n`;
}

/** Writes the 10k-host inventory to `file`; returns where it came from. */
async function writeLargeInventory(ctx: BenchContext, file: string): Promise<string> {
  const modulePath = join(ctx.repoRoot, 'bench', 'bench-inventory.ts');
  if (existsSync(modulePath)) {
    const mod = (await import(pathToFileURL(modulePath).href)) as { makeLargeInventory?: (n: number) => unknown };
    const made: unknown = await mod.makeLargeInventory?.(HOSTS);
    const from = 'bench/bench-inventory.ts makeLargeInventory()';
    if (typeof made === 'string' && made.includes('\n')) {
      await writeFile(file, made);
      return from;
    }
    if (typeof made === 'string' && existsSync(made)) {
      await copyFile(made, file);
      return from;
    }
    if (made !== null && typeof made === 'object') {
      await writeFile(file, stringify(made));
      return from;
    }
  }
  await writeFile(file, largeInventoryYaml(HOSTS, join(ctx.work, 'no-such-key'), join(ctx.work, 'no-such-known-hosts')));
  return 'bench/cases/inventory.ts largeInventoryYaml()';
}

export const inventoryCase: BenchCase = {
  id: 'inventory',
  title: 'load a 10,000-host inventory',
  labHosts: () => 0,
  async run(ctx) {
    const file = join(ctx.work, 'inventory-10k.yaml');
    const source = await writeLargeInventory(ctx, file);
    ctx.log(`inventory: ${HOSTS} hosts from ${source}`);
    const libFile = join(ctx.repoRoot, 'dist', 'src', 'inventory', 'index.js');
    const libScript = `const m = await import(${JSON.stringify(pathToFileURL(libFile).href)}); const inv = await m.loadInventory(${JSON.stringify(file)}, { sshConfig: false }); if (inv.hosts.length !== ${HOSTS}) { console.error('hosts: ' + inv.hosts.length); process.exit(1); }`;
    const yamlScript = `const { parse } = await import('yaml'); const fs = await import('node:fs'); const d = parse(fs.readFileSync(${JSON.stringify(file)}, 'utf8'), { uniqueKeys: false }); if (Object.keys(d.hosts).length !== ${HOSTS}) process.exit(1);`;
    const contenders: Contender[] = [
      fleetTool(ctx, { label: 'fleet hosts (CLI)', command: 'hosts', args: () => ['-i', file], check: exitZeroWithLines(HOSTS) }),
      existsSync(libFile)
        ? { id: 'fleet-lib', label: 'fleet loadInventory() (library)', fleet: true, command: () => ({ argv: [process.execPath, '--input-type=module', '-e', libScript], cwd: ctx.repoRoot }) }
        : { id: 'fleet-lib', label: 'fleet loadInventory() (library)', fleet: true, reason: 'not built yet (dist/src/inventory/index.js)' },
      { id: 'yaml-parse', label: 'yaml.parse, uniqueKeys off (floor)', fleet: false, command: () => ({ argv: [process.execPath, '--input-type=module', '-e', yamlScript], cwd: ctx.repoRoot }) },
    ];
    const measurements = await measure(ctx, contenders);
    const cli = measurements.find((m) => m.id === 'fleet');
    return [
      {
        ...caseResult('inventory', `load a ${HOSTS.toLocaleString('en')}-host inventory`, { count: HOSTS, rttMs: 0 }, measurements, [`inventory from ${source}`]),
        reference: cli?.skipped === undefined ? 'fleet' : 'fleet-lib',
      },
    ];
  },
};
