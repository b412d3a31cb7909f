/**
 * What inventory validation sees of a parsed YAML file (YamlSource), whichever reader produced
 * it: the yaml package's Document or the fast reader's positions tree.
 */
import type { InventoryLocation } from '../errors.js';

/** A key path into the document: map keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** Whether an error points at a map key or at its value. */
export type YamlPart = 'key' | 'value';

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

/**
 * 1-based line and column of an offset, computed the way yaml's LineCounter does. The line
 * index is built on first use, so a file whose locations are never asked for costs nothing.
 */
export class LineIndex {
  readonly #text: string;
  #starts: number[] | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** `{line, col}` of `offset`, both 1-based. */
  linePos(offset: number): { line: number; col: number } {
    const starts = (this.#starts ??= lineStarts(this.#text));
    let low = 0;
    let high = starts.length;
    // The last line start <= offset.
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid + 1;
      else high = mid;
    }
    return { line: low, col: offset - (starts[low - 1] ?? 0) + 1 };
  }

  /**
   * linePos for offsets asked in ascending order (the keys of one mapping): each call resumes
   * where the last stopped instead of searching again. Falls back to linePos if asked out of order.
   */
  walker(): (offset: number) => { line: number; col: number } {
    const starts = (this.#starts ??= lineStarts(this.#text));
    let line = 1; // starts[line - 1] <= offset < starts[line]
    let last = 0;
    return (offset) => {
      if (offset < last) return this.linePos(offset);
      last = offset;
      while (line < starts.length && (starts[line] ?? 0) <= offset) line++;
      return { line, col: offset - (starts[line - 1] ?? 0) + 1 };
    };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
