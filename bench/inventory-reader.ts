/**
 * Issue 15's measurement: the hand-written YAML reader vs the `yaml` package plus a cache of the
 * parsed document keyed by the file's content hash, on a 10,000-host inventory. Prints the
 * median of 7 runs of each. Usage: tsx bench/inventory-reader.ts [HOSTS]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadInventory } from '../src/inventory/index.js';
import { readYamlSource, yamlDocumentSource } from '../src/inventory/yaml-source.js';
import { makeLargeInventory } from './bench-inventory.js';

const hosts = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-inv-bench-'));
try {
  const file = path.join(dir, 'inventory.yaml');
  writeFileSync(file, makeLargeInventory(hosts));
  const cache = path.join(dir, 'cache.json');
  const median = async (fn: () => unknown): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[3] as number;
  };
  const handRead = await median(() => readYamlSource(file, readFileSync(file, 'utf8')));
  const yamlRead = await median(() => yamlDocumentSource(file, readFileSync(file, 'utf8')));
  const yamlParse = await median(() => YAML.parse(readFileSync(file, 'utf8')));
  writeFileSync(cache, JSON.stringify({ hash: createHash('sha256').update(readFileSync(file)).digest('hex'), doc: YAML.parse(readFileSync(file, 'utf8')) }), { mode: 0o600 });
  const warmCache = await median(() => {
    const text = readFileSync(file);
    const hash = createHash('sha256').update(text).digest('hex');
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { hash: string; doc: unknown };
    if (cached.hash !== hash) throw new Error('stale');
    return cached.doc;
  });
  const fullLoad = await median(() => loadInventory(file, { sshConfig: false }));
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  console.log(`${hosts} hosts, median of 7:`);
  console.log(`  hand-written reader (readYamlSource):        ${ms(handRead)}`);
  console.log(`  yaml package, document with positions:        ${ms(yamlRead)}  (${(yamlRead / handRead).toFixed(2)}x)`);
  console.log(`  yaml package, YAML.parse (no positions):      ${ms(yamlParse)}  (${(yamlParse / handRead).toFixed(2)}x)`);
  console.log(`  warm cache: read + sha256 + JSON.parse:      ${ms(warmCache)}  (${(warmCache / handRead).toFixed(2)}x)`);
  console.log(`  whole loadInventory today (for scale):        ${ms(fullLoad)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
