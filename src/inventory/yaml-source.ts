/**
 * A parsed YAML inventory: plain data for validation plus a `locate(path)` back into the YAML
 * AST, so every validation error names file, line, column and key path from yaml's own
 * positions (LineCounter), without walking the AST during validation.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';

/** A key path into the document: map keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** Whether an error points at a map key or at its value. */
export type YamlPart = 'key' | 'value';

/** Alias expansions allowed per document; YAML "billion laughs" bombs exceed it at once. */
export const MAX_ALIAS_COUNT = 100;

/** A YAML inventory file ready for validation. */
export interface YamlSource {
  readonly file: string;
  /** The document as plain JS (`<<` merge keys applied, aliases resolved). */
  readonly data: unknown;
  /** Location of the node at `path` (or the deepest ancestor that exists). */
  locate(path: YamlPath, part?: YamlPart): InventoryLocation;
  /** Locations of every key of the mapping at `path`, in one pass (for large host maps). */
  locateKeys(path: YamlPath): Map<string, InventoryLocation>;
  /** Throws FLEET_INVENTORY_INVALID located at `path`. */
  fail(path: YamlPath, message: string, part?: YamlPart): never;
}

/**
 * Parses YAML text.
 * @throws InventoryError FLEET_INVENTORY_PARSE for syntax errors (including duplicate keys),
 *   FLEET_INVENTORY_INVALID for alias bombs.
 */
export function readYamlSource(file: string, text: string): YamlSource {
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
  const duplicate = findDuplicateKey(doc);
  if (duplicate) {
    const pos = lineCounter.linePos(duplicate.offset);
    throw new InventoryError('FLEET_INVENTORY_PARSE', `duplicate key "${duplicate.key}"`, {
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
    const offset = findOffset(doc, index, path, part);
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
    const node = deref(doc, nodeAt(doc, index, path));
    if (!isMap(node)) return out;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || typeof pair.key.value === 'symbol' || !pair.key.range) continue;
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

/** `hosts.db1.port`, `groups.prod.children[0]`, `hosts["web01.example.com"]`. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

type PairIndex = WeakMap<object, Map<string, Pair>>;

/**
 * The first repeated key of any mapping, with its offset. A plain recursive walk: yaml's
 * `visit` builds a path array per node, which costs more than the check itself.
 */
function findDuplicateKey(doc: Document): { key: string; offset: number } | undefined {
  const walk = (node: unknown): { key: string; offset: number } | undefined => {
    if (isMap(node)) {
      const items = node.items;
      // Small maps (a host's settings) are checked without allocating a Set.
      const seen = items.length > 8 ? new Set<string>() : undefined;
      for (let i = 0; i < items.length; i++) {
        const pair = items[i];
        const key = pair?.key;
        if (isScalar(key) && typeof key.value !== 'symbol') {
          const k = String(key.value);
          let dup = false;
          if (seen) {
            dup = seen.has(k);
            seen.add(k);
          } else {
            for (let j = 0; j < i && !dup; j++) {
              const other = items[j]?.key;
              dup = isScalar(other) && typeof other.value !== 'symbol' && String(other.value) === k;
            }
          }
          if (dup) return { key: k, offset: rangeStart(key) ?? 0 };
        }
        const inner = walk(pair?.value);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        const inner = walk(item);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents);
}

function nodeAt(doc: Document, index: PairIndex, path: YamlPath): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    node = deref(doc, node);
    if (isMap(node)) node = findPair(doc, index, node.items, String(seg))?.value;
    else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

function findOffset(doc: Document, index: PairIndex, path: YamlPath, part: YamlPart): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    node = deref(doc, node);
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, index, node.items, String(seg));
      if (!pair) return offset;
      const keyOffset = rangeStart(pair.key);
      if (last && part === 'key') return keyOffset ?? offset;
      // An empty value (`web01:`) has no node of its own: point at the key.
      offset = rangeStart(pair.value) ?? keyOffset ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
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
function findPair(doc: Document, index: PairIndex, items: ReadonlyArray<Pair<unknown, unknown>>, key: string): Pair | undefined {
  let byKey = index.get(items);
  if (!byKey) {
    byKey = new Map();
    for (const pair of items) {
      if (isPair(pair) && isScalar(pair.key) && typeof pair.key.value !== 'symbol') {
        const k = String(pair.key.value);
        if (!byKey.has(k)) byKey.set(k, pair as Pair);
      }
    }
    index.set(items, byKey);
  }
  const direct = byKey.get(key);
  if (direct) return direct;
  for (const pair of items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = deref(doc, source);
      if (isMap(target)) {
        const found = findPair(doc, index, target.items, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
