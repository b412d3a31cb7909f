// docs/inventory.md stays true: it documents every key the YAML schema accepts, and each of its
// YAML examples loads (parsed, merged and resolved as loadInventory does).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTION_KEYS } from '../../src/inventory/settings-schema.js';
import { inventoryFromText } from './inventory/helpers.js';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/inventory.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('docs/inventory.md', () => {
  it.each([...CONNECTION_KEYS, 'host', 'labels', 'vars'])('has a section and a table row for %s', (key) => {
    expect(doc).toMatch(new RegExp(`^## ${key}$`, 'm'));
    expect(doc).toContain(`| [\`${key}\`](#${key}) |`);
  });

  it('has YAML examples', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(CONNECTION_KEYS.length);
  });

  it.each(yamlBlocks.map((text, i) => [i + 1, text]))('example %i loads and defines hosts', (_, text) => {
    expect(inventoryFromText(text as string).hosts.length).toBeGreaterThan(0);
  });

  it('the strict_host_keys example means what the text says', () => {
    const text = yamlBlocks.find((b) => b.includes('strict_host_keys: accept-new')) ?? '';
    expect(inventoryFromText(text).hosts.map((h) => [h.name, h.strictHostKeys])).toEqual([['lab001', 'accept-new'], ['prod1', 'yes']]);
  });
});
