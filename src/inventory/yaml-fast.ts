/**
 * A fast reader for the plain subset of YAML that inventories are written in: block mappings
 * and sequences, flow mappings and sequences (JSON included), plain and one-line quoted
 * scalars, comments, one leading `---`. It returns plain data plus the start offset of every
 * key and value, the same offsets yaml's nodes carry in `range[0]`. For anything else (anchors,
 * aliases, tags, block scalars, multi-line plain or quoted scalars, `<<` merge keys, duplicate
 * keys, tabs, CRLF, syntax errors) it returns undefined and the caller uses the yaml package,
 * which then owns the result and every error position. Positions inside a flow collection
 * (`{host: ..., labels: {...}}`, one per host) are not recorded on the first read: the
 * collection's start is, and readFlowPositions re-reads it when a location inside is asked
 * for. That halves what a 10,000-host file allocates.
 *
 * Why not yaml's own layers: on the 10,000-host inventory yaml's Lexer + Parser alone cost
 * ~400 ms CPU and the Composer another ~150-350 ms on this machine; this reader reads the same
 * 720 KB in a few tens of milliseconds. yaml-fast.test.ts checks data and positions against
 * yaml on every fixture and on generated inventories.
 */
import { FlowReader, isIndicatorStart } from './yaml-fast-flow.js';
import type { FastMapPos, FastPos, FastSeqPos } from './yaml-fast-flow.js';
import { giveUp, isPlainStringKey, isSafeKey, OutsideFastSubset, readQuoted, resolvePlain } from './yaml-fast-scalar.js';

export type { FastMapPos, FastPos, FastSeqPos } from './yaml-fast-flow.js';

/** What the fast reader produced: the document as plain JS and the positions tree. */
export interface FastYaml {
  data: unknown;
  pos: FastPos;
}

// Tabs, CR, BOM, C0/C1 controls and Unicode line separators: yaml's rules for them are subtle.
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/;

/** Reads `text` when it is in the subset; undefined otherwise (use the yaml package then). */
export function readFastYaml(text: string): FastYaml | undefined {
  if (UNUSUAL.test(text)) return undefined;
  try {
    return new FastReader(text, false).document();
  } catch (err) {
    if (err instanceof OutsideFastSubset) return undefined;
    throw err;
  }
}

/** The full positions of the flow collection at `start` of a text readFastYaml accepted. */
export function readFlowPositions(text: string, start: number): FastPos {
  const reader = new FlowReader(text, true);
  reader.flowValue(start, -1);
  return reader.pos;
}

/** The block half: mappings and sequences by indentation, one value per line. */
class FastReader extends FlowReader {
  /** Start of the current line; #indent is its indentation, -1 at the end of the text. */
  #i = 0;
  #indent = 0;

  document(): FastYaml {
    const s = this.s;
    this.#skipBlankLines();
    if (this.#indent === 0 && s.startsWith('---', this.#i) && this.isSpaceOrEnd(this.#i + 3)) {
      this.#i = this.#lineRest(this.#i + 3);
      this.#skipBlankLines();
    }
    this.#checkMarker();
    if (this.#indent !== 0) giveUp(); // empty or indented documents: rare, leave them to yaml
    const at = this.#i;
    let data: unknown;
    if (s[at] === '{' || s[at] === '[') {
      data = this.flowValue(at, -1);
      this.#i = this.#lineRest(this.cursor.end);
      this.#nextContent();
    } else {
      data = this.#isSeqMarker(at) ? this.#blockSeq(0, false) : this.#blockMap(0);
    }
    if (!this.#atEnd()) giveUp();
    return { data, pos: this.pos };
  }

  #blockMap(n: number): unknown {
    this.enter();
    const s = this.s;
    const obj: Record<string, unknown> = {};
    const pos: FastMapPos = { start: this.#i + n, keys: [], keyAt: [], values: [] };
    for (;;) {
      const keyAt = this.#i + n;
      if (this.#isSeqMarker(keyAt)) giveUp();
      const key = this.#blockKey(keyAt);
      if (Object.hasOwn(obj, key)) giveUp(); // yaml reports duplicates with their position
      let p = this.cursor.end;
      while (s.charCodeAt(p) === 0x20) p++;
      const c = s[p];
      let value: unknown = null;
      if (c === undefined || c === '\n' || c === '#') {
        this.#i = Math.min(this.lineEnd(p) + 1, s.length);
        this.#nextContent();
        const m = this.#indent;
        this.pos = p; // an empty value: yaml puts its null where the value would start
        if (m > n) value = this.#isSeqMarker(this.#i + m) ? this.#blockSeq(m, false) : this.#blockMap(m);
        else if (m === n && this.#isSeqMarker(this.#i + m)) value = this.#blockSeq(m, true);
      } else {
        value = this.#inlineValue(p, n);
        this.#i = this.cursor.end;
        this.#nextContent();
      }
      obj[key] = value;
      pos.keys.push(key);
      pos.keyAt.push(keyAt);
      pos.values.push(this.pos);
      if (this.#indent > n) giveUp();
      if (this.#indent < n) break;
    }
    this.depth--;
    this.pos = pos;
    return obj;
  }

  /** A sequence at indent `n`; `inMap`: it is a mapping value written at the mapping's indent. */
  #blockSeq(n: number, inMap: boolean): unknown {
    this.enter();
    const s = this.s;
    const arr: unknown[] = [];
    const pos: FastSeqPos = { start: this.#i + n, items: [] };
    for (;;) {
      let p = this.#i + n + 1;
      if (s[p] !== ' ') giveUp(); // `-` alone on its line opens a nested block
      while (s.charCodeAt(p) === 0x20) p++;
      if (p >= s.length || s[p] === '\n' || s[p] === '#' || this.#isSeqMarker(p)) giveUp();
      arr.push(this.#inlineValue(p, n));
      pos.items.push(this.pos);
      this.#i = this.cursor.end;
      this.#nextContent();
      if (this.#indent > n) giveUp();
      if (this.#indent < n) break;
      if (!this.#isSeqMarker(this.#i + n)) {
        if (inMap) break;
        giveUp();
      }
    }
    this.depth--;
    this.pos = pos;
    return arr;
  }

  /** A key at `at` on a block mapping line; the cursor ends just past its `:`. */
  #blockKey(at: number): string {
    const s = this.s;
    const c = s[at] ?? '';
    if (c === '"' || c === "'") {
      const key = readQuoted(s, at, this.lineEnd(at), this.cursor);
      const q = this.cursor.end;
      if (s[q] !== ':' || !this.isSpaceOrEnd(q + 1) || !isSafeKey(key)) giveUp();
      this.cursor.end = q + 1;
      return key;
    }
    if (isIndicatorStart(c)) giveUp();
    let j = at;
    for (;;) {
      const d = s.charCodeAt(j);
      if (Number.isNaN(d) || d === 0x0a) giveUp(); // no `:` on the line
      if (d === 0x3a /* : */ && this.isSpaceOrEnd(j + 1)) break;
      if (d === 0x23 /* # */ && s.charCodeAt(j - 1) === 0x20) giveUp();
      j++;
    }
    const key = s.slice(at, j).trimEnd();
    // Over 1024 characters is an error in YAML; non-string keys (`1:`, `true:`) go to yaml too.
    if (key === '' || j - at > 1000 || !isPlainStringKey(key)) giveUp();
    this.cursor.end = j + 1;
    return key;
  }

  /** A value on the key's (or dash's) line; the cursor ends at the start of the next line. */
  #inlineValue(p: number, n: number): unknown {
    const s = this.s;
    const c = s[p] ?? '';
    let value: unknown;
    if (c === '{' || c === '[') {
      value = this.flowValue(p, n);
    } else if (c === '"' || c === "'") {
      value = readQuoted(s, p, this.lineEnd(p), this.cursor);
      if (s[this.cursor.end] === ':') giveUp();
      this.pos = p;
    } else {
      this.checkPlainStart(p);
      const lineEnd = this.lineEnd(p);
      const line = s.slice(p, lineEnd);
      const comment = line.indexOf(' #');
      const text = (comment < 0 ? line : line.slice(0, comment)).trimEnd();
      if (text.includes(': ') || text.endsWith(':')) giveUp(); // a nested mapping: yaml's error
      this.pos = p;
      this.cursor.end = Math.min(lineEnd + 1, s.length);
      return resolvePlain(text);
    }
    this.cursor.end = this.#lineRest(this.cursor.end);
    return value;
  }

  /** Skips blank and comment lines from #i (a line start); sets #indent (-1 at the end). */
  #skipBlankLines(): void {
    const s = this.s;
    for (;;) {
      let j = this.#i;
      while (s.charCodeAt(j) === 0x20) j++;
      if (j >= s.length) {
        this.#i = s.length;
        this.#indent = -1;
        return;
      }
      const c = s.charCodeAt(j);
      if (c === 0x0a) this.#i = j + 1;
      else if (c === 0x23) this.#i = this.lineEnd(j) + 1;
      else {
        this.#indent = j - this.#i;
        return;
      }
    }
  }

  #nextContent(): void {
    this.#skipBlankLines();
    this.#checkMarker();
  }

  /** `---` or `...` at column 0 starts or ends a document: multi-document files go to yaml. */
  #checkMarker(): void {
    const s = this.s;
    const i = this.#i;
    if (this.#indent !== 0) return;
    if ((s.startsWith('---', i) || s.startsWith('...', i)) && this.isSpaceOrEnd(i + 3)) giveUp();
  }

  /** After a value: only spaces and a comment may follow on its line. Returns the next line start. */
  #lineRest(k: number): number {
    const s = this.s;
    const start = k;
    while (s.charCodeAt(k) === 0x20) k++;
    if (k < s.length && s[k] !== '\n' && !(s[k] === '#' && k > start)) giveUp();
    return Math.min(this.lineEnd(k) + 1, s.length);
  }

  #isSeqMarker(k: number): boolean {
    return this.s[k] === '-' && this.isSpaceOrEnd(k + 1);
  }

  #atEnd(): boolean {
    return this.#indent === -1;
  }

}
