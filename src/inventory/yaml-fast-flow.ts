/**
 * The flow half of the fast YAML reader (yaml-fast.ts): `{...}` and `[...]` collections, JSON
 * included, with plain and quoted scalars inside, possibly over several lines. Positions inside
 * a collection are recorded only when asked for (`flowPositions`); otherwise a collection's
 * position is `~start`, and readFlowPositions re-reads it on demand.
 */
import { giveUp, isPlainStringKey, isSafeKey, readQuoted, resolvePlain } from './yaml-fast-scalar.js';
import type { ScalarEnd } from './yaml-fast-scalar.js';

/**
 * Where a value starts: a scalar's offset (>= 0); `~offset` (< 0) for a flow collection whose
 * inner positions were not recorded (see readFlowPositions); or a collection with its parts.
 */
export type FastPos = number | FastMapPos | FastSeqPos;

/** Positions inside a mapping: each key (in source order), where it starts, where its value is. */
export interface FastMapPos {
  start: number;
  keys: string[];
  keyAt: number[];
  values: FastPos[];
  /** Key → entry index, built on first lookup in a large mapping. */
  index?: Map<string, number>;
}

/** Positions inside a sequence. */
export interface FastSeqPos {
  start: number;
  items: FastPos[];
}

const MAX_DEPTH = 64;
/** Characters that cannot start a plain scalar here (YAML c-indicators, `-` handled apart). */
const INDICATOR_START = new Set(['?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
/** ASCII characters a flow plain scalar must look at: flow indicators end it; `:`, `#`, LF maybe. */
const FLOW_INDICATOR = 1;
const STOPS_FLOW_PLAIN = new Uint8Array(128);
for (const c of ',[]{}') STOPS_FLOW_PLAIN[c.charCodeAt(0)] = FLOW_INDICATOR;
for (const c of ':#\n') STOPS_FLOW_PLAIN[c.charCodeAt(0)] = 2;

/** True for a character that cannot start a plain scalar (the block reader's keys use it). */
export function isIndicatorStart(c: string): boolean {
  return INDICATOR_START.has(c);
}

/** Reads flow collections and scalars; the block reader extends it. Throws OUTSIDE to give up. */
export class FlowReader {
  protected readonly s: string;
  /** Record positions inside flow collections too (false: only their start). */
  protected readonly flowPositions: boolean;
  protected depth = 0;
  /** Set by every value reader: where the value ended. */
  protected readonly cursor: ScalarEnd = { end: 0 };
  /** Set by every value reader: the value's positions. */
  pos: FastPos = 0;

  constructor(text: string, flowPositions: boolean) {
    this.s = text;
    this.flowPositions = flowPositions;
  }

  /** A value inside (or opening) a flow collection nested in block indent `bi`. */
  flowValue(p: number, bi: number): unknown {
    const s = this.s;
    const c = s[p];
    if (c === '{') return this.flowMap(p, bi);
    if (c === '[') return this.flowSeq(p, bi);
    this.pos = p;
    if (c === '"' || c === "'") return readQuoted(s, p, this.lineEnd(p), this.cursor);
    return resolvePlain(this.flowPlain(p));
  }

  protected flowMap(start: number, bi: number): unknown {
    this.enter();
    const s = this.s;
    const obj: Record<string, unknown> = {};
    const pos: FastMapPos | undefined = this.flowPositions ? { start, keys: [], keyAt: [], values: [] } : undefined;
    let k = this.flowSpace(start + 1, bi);
    if (s[k] !== '}') {
      for (;;) {
        let key: string;
        if (s[k] === '"' || s[k] === "'") {
          key = readQuoted(s, k, this.lineEnd(k), this.cursor);
          if (!isSafeKey(key)) giveUp();
        } else {
          key = this.flowPlain(k);
          if (!isPlainStringKey(key)) giveUp();
        }
        let q = this.cursor.end;
        while (s.charCodeAt(q) === 0x20) q++;
        if (s[q] !== ':' || Object.hasOwn(obj, key)) giveUp();
        const v = this.flowSpace(q + 1, bi);
        if (s[v] === ',' || s[v] === '}') giveUp(); // an empty value
        obj[key] = this.flowValue(v, bi);
        if (pos) {
          pos.keys.push(key);
          pos.keyAt.push(k);
          pos.values.push(this.pos);
        }
        const e = this.flowSpace(this.cursor.end, bi);
        if (s[e] === '}') {
          k = e;
          break;
        }
        if (s[e] !== ',') giveUp();
        k = this.flowSpace(e + 1, bi);
        if (s[k] === '}') giveUp(); // a trailing comma
      }
    }
    this.depth--;
    this.cursor.end = k + 1;
    this.pos = pos ?? ~start;
    return obj;
  }

  protected flowSeq(start: number, bi: number): unknown {
    this.enter();
    const s = this.s;
    const arr: unknown[] = [];
    const pos: FastSeqPos | undefined = this.flowPositions ? { start, items: [] } : undefined;
    let k = this.flowSpace(start + 1, bi);
    if (s[k] !== ']') {
      for (;;) {
        arr.push(this.flowValue(k, bi));
        pos?.items.push(this.pos);
        const e = this.flowSpace(this.cursor.end, bi);
        if (s[e] === ']') {
          k = e;
          break;
        }
        if (s[e] !== ',') giveUp(); // includes `[a: b]`, a mapping inside a sequence
        k = this.flowSpace(e + 1, bi);
        if (s[k] === ']') giveUp();
      }
    }
    this.depth--;
    this.cursor.end = k + 1;
    this.pos = pos ?? ~start;
    return arr;
  }

  /** A plain scalar in a flow collection: its text; the cursor ends where it does. */
  protected flowPlain(p: number): string {
    const s = this.s;
    this.checkPlainStart(p);
    const n = s.length;
    let j = p;
    for (;;) {
      if (j >= n) giveUp();
      const c = s.charCodeAt(j);
      // Most characters are ordinary: one table lookup decides.
      if (c >= 0x80 || STOPS_FLOW_PLAIN[c] === 0) {
        j++;
        continue;
      }
      if (c === 0x0a || STOPS_FLOW_PLAIN[c] === FLOW_INDICATOR) break;
      if (c === 0x3a /* : */) {
        const next = j + 1 < n ? s.charCodeAt(j + 1) : 0x20;
        if (next === 0x20 || next === 0x0a || (next < 0x80 && STOPS_FLOW_PLAIN[next] === FLOW_INDICATOR)) break;
      } else if (c === 0x23 /* # */ && s.charCodeAt(j - 1) === 0x20) break;
      j++;
    }
    const text = s.slice(p, j).trimEnd();
    if (text === '') giveUp();
    this.cursor.end = j;
    return text;
  }

  /** Skips spaces, line breaks and comments inside a flow collection nested in block indent `bi`. */
  protected flowSpace(k: number, bi: number): number {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(k);
      if (c === 0x20) k++;
      else if (c === 0x23 /* # */ && (s[k - 1] === ' ' || s[k - 1] === '\n')) k = this.lineEnd(k);
      else if (c === 0x0a) {
        let j = k + 1;
        while (s.charCodeAt(j) === 0x20) j++;
        // Continuation lines must be indented past the enclosing block (yaml's error otherwise).
        if (j < s.length && s[j] !== '\n' && j - (k + 1) <= bi) giveUp();
        if (j === k + 1 && (s.startsWith('---', j) || s.startsWith('...', j))) giveUp();
        k = j;
      } else return k;
    }
  }

  /** Gives up unless a plain scalar may start at `p`. */
  protected checkPlainStart(p: number): void {
    const c = this.s[p] ?? '';
    if (INDICATOR_START.has(c)) giveUp();
    if (c === '-' && this.isSpaceOrEnd(p + 1)) giveUp();
  }

  protected lineEnd(k: number): number {
    const e = this.s.indexOf('\n', k);
    return e < 0 ? this.s.length : e;
  }

  protected isSpaceOrEnd(k: number): boolean {
    const c = this.s[k];
    return c === undefined || c === ' ' || c === '\n';
  }

  /** One level deeper; gives up past MAX_DEPTH (a bomb of nested brackets goes to yaml). */
  protected enter(): void {
    if (++this.depth > MAX_DEPTH) giveUp();
  }
}
