/**
 * A YamlSource over the fast reader's output: `locate` walks the positions tree the way
 * yaml-source.ts walks yaml's nodes (same offsets, same fallback to the deepest ancestor),
 * re-reading a flow collection the first time a location inside it is asked for; offsets
 * become line/column only when asked for.
 */
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';
import { readFlowPositions } from './yaml-fast.js';
import type { FastMapPos, FastPos, FastYaml } from './yaml-fast.js';
import { formatPath, LineIndex } from './yaml-path.js';
import type { YamlPart, YamlPath, YamlSource } from './yaml-path.js';

/** Mappings up to this size are searched linearly; larger ones get a key index on first use. */
const LINEAR_LOOKUP_MAX = 16;

/** Wraps a fast-read document as a YamlSource. */
export function fastYamlSource(file: string, text: string, fast: FastYaml): YamlSource {
  const lines = new LineIndex(text);
  // Flow collections read without inner positions, re-read on demand (keyed by start offset).
  const expanded = new Map<number, FastPos>();
  const expand = (pos: FastPos): FastPos => {
    if (typeof pos !== 'number' || pos >= 0) return pos;
    let full = expanded.get(pos);
    if (full === undefined) expanded.set(pos, (full = readFlowPositions(text, ~pos)));
    return full;
  };
  const at = (offset: number, path: YamlPath): InventoryLocation => {
    const pos = lines.linePos(offset);
    return { file, path: formatPath(path), line: pos.line, column: pos.col };
  };
  const locate = (path: YamlPath, part: YamlPart = 'value'): InventoryLocation => at(findOffset(fast.pos, path, part, expand), path);
  return {
    file,
    data: fast.data,
    locate,
    locateKeys(path) {
      const out = new Map<string, InventoryLocation>();
      const node = nodeAt(fast.pos, path, expand);
      if (node === undefined || !isMapPos(node)) return out;
      const base = formatPath(path);
      const walk = lines.walker();
      for (let i = 0; i < node.keys.length; i++) {
        const key = node.keys[i] ?? '';
        const pos = walk(node.keyAt[i] ?? 0);
        // formatPath of one more segment, without re-formatting the prefix for every key.
        const tail = formatPath([key]);
        const keyPath = base === '' ? tail : tail.startsWith('[') ? base + tail : `${base}.${tail}`;
        out.set(key, { file, path: keyPath, line: pos.line, column: pos.col });
      }
      return out;
    },
    fail(path, message, part) {
      throw new InventoryError('FLEET_INVENTORY_INVALID', message, locate(path, part));
    },
  };
}

function isMapPos(pos: FastPos): pos is FastMapPos {
  return typeof pos === 'object' && 'keys' in pos;
}

type Expand = (pos: FastPos) => FastPos;

function startOf(pos: FastPos): number {
  if (typeof pos !== 'number') return pos.start;
  return pos < 0 ? ~pos : pos;
}

function entryIndex(map: FastMapPos, key: string): number {
  if (map.keys.length <= LINEAR_LOOKUP_MAX) return map.keys.indexOf(key);
  if (!map.index) {
    map.index = new Map();
    map.keys.forEach((k, i) => map.index?.set(k, i));
  }
  return map.index.get(key) ?? -1;
}

function child(pos: FastPos, seg: string | number): FastPos | undefined {
  if (typeof pos === 'number') return undefined;
  if (isMapPos(pos)) {
    const i = entryIndex(pos, String(seg));
    return i < 0 ? undefined : pos.values[i];
  }
  return typeof seg === 'number' ? pos.items[seg] : undefined;
}

function nodeAt(root: FastPos, path: YamlPath, expand: Expand): FastPos | undefined {
  let node: FastPos | undefined = expand(root);
  for (const seg of path) {
    if (node === undefined) return undefined;
    node = child(node, seg);
    if (node !== undefined) node = expand(node);
  }
  return node;
}

function findOffset(root: FastPos, path: YamlPath, part: YamlPart, expand: Expand): number {
  let node = root;
  let offset = startOf(root);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] ?? '';
    node = expand(node);
    if (typeof node !== 'number' && isMapPos(node)) {
      const e = entryIndex(node, String(seg));
      if (e < 0) return offset;
      if (i === path.length - 1 && part === 'key') return node.keyAt[e] ?? offset;
      node = node.values[e] ?? node;
    } else {
      const item = child(node, seg);
      if (item === undefined) return offset;
      node = item;
    }
    offset = startOf(node);
  }
  return offset;
}
