/**
 * A parsed YAML inventory: plain data for validation plus a `locate(path)` back into the
 * source, so every validation error names file, line, column and key path. Plain inventories
 * go through the fast reader (yaml-fast.ts); everything else, and every syntax error, through
 * the yaml package and its own positions (LineCounter), without walking the AST during
 * validation.
 */
import { createRequire } from 'node:module';
import type { Document, Node, Pair } from 'yaml';
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';
import { readFastYaml } from './yaml-fast.js';
import { fastYamlSource } from './yaml-fast-source.js';
import { formatPath } from './yaml-path.js';
import type { YamlPart, YamlPath, YamlSource } from './yaml-path.js';

export { formatPath } from './yaml-path.js';
export type { YamlPart, YamlPath, YamlSource } from './yaml-path.js';

/** Alias expansions allowed per document; YAML "billion laughs" bombs exceed it at once. */
export const MAX_ALIAS_COUNT = 100;

type YamlModule = typeof import('yaml');

// yaml is loaded only when a file needs it (~50 ms of start-up otherwise); require() is
// synchronous and cached, so parsing stays synchronous.
const requireModule = createRequire(import.meta.url);
function yamlModule(): YamlModule {
  return requireModule('yaml') as YamlModule;
}

/**
 * Parses YAML text.
 * @throws InventoryError FLEET_INVENTORY_PARSE for syntax errors (including duplicate keys),
 *   FLEET_INVENTORY_INVALID for alias bombs.
 */
export function readYamlSource(file: string, text: string): YamlSource {
  const fast = readFastYaml(text);
  if (fast) return fastYamlSource(file, text, fast);
  return yamlDocumentSource(file, text);
}

/** The yaml package's reading of `text`, for everything the fast reader leaves to it. */
export function yamlDocumentSource(file: string, text: string): YamlSource {
  const y = yamlModule();
  const { LineCounter, parseDocument } = y;
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check scans every earlier key for each new one: 10,000 hosts cost
  // seconds. findDuplicateKey does the same check in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, merge: true, uniqueKeys: false });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const location: InventoryLocation = { file };
    if (pos) Object.assign(location, { line: pos.line, column: pos.col });
    // yaml's message repeats the position and a code excerpt; keep its first line only.
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new InventoryError('FLEET_INVENTORY_PARSE', `YAML syntax error: ${reason}`, location, { cause: first });
  }
  const duplicate = findDuplicateKey(y, doc);
  if (duplicate) {
    const pos = lineCounter.linePos(duplicate.offset);
    const first = lineCounter.linePos(duplicate.firstOffset);
    throw new InventoryError('FLEET_INVENTORY_PARSE', `duplicate key "${duplicate.key}" (first at ${file}:${first.line}:${first.col})`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const bomb = err instanceof ReferenceError && /alias/i.test(err.message);
    const message = bomb
      ? `too many YAML alias expansions (over ${MAX_ALIAS_COUNT}); refusing a possible alias bomb`
      : `cannot read YAML: ${err instanceof Error ? err.message : String(err)}`;
    throw new InventoryError('FLEET_INVENTORY_INVALID', message, { file }, { cause: err });
  }
  // Per-map key indexes, built on first use: loaders locate every host key, and a linear scan
  // per lookup would make a 10,000-host map quadratic.
  const index = new WeakMap<object, Map<string, Pair>>();
  const locate = (path: YamlPath, part: YamlPart = 'value'): InventoryLocation => {
    const offset = findOffset(y, doc, index, path, part);
    const location: InventoryLocation = { file, path: formatPath(path) };
    if (offset !== undefined) {
      const pos = lineCounter.linePos(offset);
      location.line = pos.line;
      location.column = pos.col;
    }
    return location;
  };
  const locateKeys = (path: YamlPath): Map<string, InventoryLocation> => {
    const out = new Map<string, InventoryLocation>();
    const node = deref(y, doc, nodeAt(y, doc, index, path));
    if (!y.isMap(node)) return out;
    for (const pair of node.items) {
      if (!y.isScalar(pair.key) || typeof pair.key.value === 'symbol' || !pair.key.range) continue;
      const key = String(pair.key.value);
      const pos = lineCounter.linePos(pair.key.range[0]);
      out.set(key, { file, path: formatPath([...path, key]), line: pos.line, column: pos.col });
    }
    return out;
  };
  return {
    file,
    data,
    locate,
    locateKeys,
    fail(path, message, part) {
      throw new InventoryError('FLEET_INVENTORY_INVALID', message, locate(path, part));
    },
  };
}

type PairIndex = WeakMap<object, Map<string, Pair>>;

/**
 * The first repeated key of any mapping, with its offset and the offset of its first
 * occurrence (the message names both places). A plain recursive walk: yaml's `visit` builds a
 * path array per node, which costs more than the check itself.
 */
export function findDuplicateKey(y: YamlModule, doc: Document): { key: string; offset: number; firstOffset: number } | undefined {
  const walk = (node: unknown): { key: string; offset: number; firstOffset: number } | undefined => {
    if (y.isMap(node)) {
      const items = node.items;
      // Small maps (a host's settings) are checked without allocating a Map.
      const seen = items.length > 8 ? new Map<string, number>() : undefined;
      for (let i = 0; i < items.length; i++) {
        const pair = items[i];
        const key = pair?.key;
        if (y.isScalar(key) && typeof key.value !== 'symbol') {
          const k = String(key.value);
          let first: number | undefined;
          if (seen) {
            first = seen.get(k);
            if (first === undefined) seen.set(k, i);
          } else {
            for (let j = 0; j < i && first === undefined; j++) {
              const other = items[j]?.key;
              if (y.isScalar(other) && typeof other.value !== 'symbol' && String(other.value) === k) first = j;
            }
          }
          if (first !== undefined) return { key: k, offset: rangeStart(key) ?? 0, firstOffset: rangeStart(items[first]?.key) ?? 0 };
        }
        const inner = walk(pair?.value);
        if (inner) return inner;
      }
    } else if (y.isSeq(node)) {
      for (const item of node.items) {
        const inner = walk(item);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents);
}

function nodeAt(y: YamlModule, doc: Document, index: PairIndex, path: YamlPath): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    node = deref(y, doc, node);
    if (y.isMap(node)) node = findPair(y, doc, index, node.items, String(seg))?.value;
    else if (y.isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

function findOffset(y: YamlModule, doc: Document, index: PairIndex, path: YamlPath, part: YamlPart): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    node = deref(y, doc, node);
    const seg = path[i];
    const last = i === path.length - 1;
    if (y.isMap(node)) {
      const pair = findPair(y, doc, index, node.items, String(seg));
      if (!pair) return offset;
      const keyOffset = rangeStart(pair.key);
      if (last && part === 'key') return keyOffset ?? offset;
      // An empty value (`web01:`) has no node of its own: point at the key.
      offset = rangeStart(pair.value) ?? keyOffset ?? offset;
      node = pair.value;
    } else if (y.isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The pair for `key`, looking through `<<` merge keys when the map itself lacks it. */
function findPair(y: YamlModule, doc: Document, index: PairIndex, items: ReadonlyArray<Pair<unknown, unknown>>, key: string): Pair | undefined {
  let byKey = index.get(items);
  if (!byKey) {
    byKey = new Map();
    for (const pair of items) {
      if (y.isPair(pair) && y.isScalar(pair.key) && typeof pair.key.value !== 'symbol') {
        const k = String(pair.key.value);
        if (!byKey.has(k)) byKey.set(k, pair as Pair);
      }
    }
    index.set(items, byKey);
  }
  const direct = byKey.get(key);
  if (direct) return direct;
  for (const pair of items) {
    if (!y.isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
    const sources = y.isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = deref(y, doc, source);
      if (y.isMap(target)) {
        const found = findPair(y, doc, index, target.items, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function deref(y: YamlModule, doc: Document, node: unknown): unknown {
  return y.isAlias(node) ? node.resolve(doc) : node;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
