/**
 * Host ranges: `web[01:20].example.com`, `h[1:1000]`, `rack[a:f]`, `h[1-40,42]`, `n[0:10:2]`,
 * several brackets in one name (cartesian product). Both `:` (Ansible) and `-` (ClusterShell)
 * separate bounds, so what foldHostnames prints can be read back. Bracket syntax:
 *
 *   [item,item,...]   item = N | N:M | N-M | N:M:STEP | N-M/STEP   (digits or single letters)
 *
 * Zero padding follows Ansible: a start written with a leading zero fixes the width, and the end
 * must then be written with the same width (`[01:20]` yes, `[01:100]` no).
 */
import { FleetError } from '../errors.js';

export { foldHostnames } from './hostlist-fold.js';

/** Upper bound on names one pattern may expand to; protects memory against `h[1:999999999]`. */
export const MAX_HOSTLIST_EXPANSION = 1_000_000;

const NUMERIC_ITEM = /^(\d+)(?:([:-])(\d+)(?:[:/](\d+))?)?$/;
const ALPHA_ITEM = /^([a-zA-Z])(?:([:-])([a-zA-Z])(?:[:/](\d+))?)?$/;

/** True if `name` contains a `[` and so would be treated as a range by expandHostlist. */
export function hasHostRange(name: string): boolean {
  return name.includes('[');
}

/**
 * Expands every bracketed range in `pattern`, leftmost bracket varying slowest, duplicates
 * dropped. A name without brackets expands to itself.
 * @throws FleetError FLEET_INVENTORY_INVALID for malformed or empty ranges; callers that know
 *   better (selectors, `-H`) rewrap it with their own code and location.
 */
export function expandHostlist(pattern: string): string[] {
  if (!pattern.includes('[') && !pattern.includes(']')) return [pattern];
  const parts = splitParts(pattern);
  let total = 1;
  for (const part of parts) {
    total *= typeof part === 'string' ? 1 : part.length;
    if (total > MAX_HOSTLIST_EXPANSION) {
      throw rangeError(pattern, `expands to more than ${MAX_HOSTLIST_EXPANSION} names`);
    }
  }
  let names = [''];
  for (const part of parts) {
    if (typeof part === 'string') {
      names = names.map((n) => n + part);
    } else {
      const next: string[] = [];
      for (const n of names) for (const v of part) next.push(n + v);
      names = next;
    }
  }
  return [...new Set(names)];
}

/** Literal text and bracket value lists, in order. */
function splitParts(pattern: string): Array<string | string[]> {
  const parts: Array<string | string[]> = [];
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('[', i);
    const stray = pattern.indexOf(']', i);
    if (stray !== -1 && (open === -1 || stray < open)) throw rangeError(pattern, `unexpected "]" at offset ${stray}`);
    if (open === -1) {
      parts.push(pattern.slice(i));
      break;
    }
    if (open > i) parts.push(pattern.slice(i, open));
    const close = pattern.indexOf(']', open + 1);
    if (close === -1) throw rangeError(pattern, `unclosed "[" at offset ${open}`);
    const body = pattern.slice(open + 1, close);
    if (body.includes('[')) throw rangeError(pattern, `nested "[" at offset ${open + 1 + body.indexOf('[')}`);
    parts.push(expandBracket(pattern, body));
    i = close + 1;
  }
  return parts;
}

function expandBracket(pattern: string, body: string): string[] {
  if (body.trim() === '') throw rangeError(pattern, 'empty range "[]"');
  const values: string[] = [];
  for (const raw of body.split(',')) {
    const item = raw.trim();
    if (item === '') throw rangeError(pattern, `empty item in "[${body}]"`);
    const numeric = NUMERIC_ITEM.exec(item);
    const alpha = numeric ? null : ALPHA_ITEM.exec(item);
    const m = numeric ?? alpha;
    if (!m) throw rangeError(pattern, `malformed range item "${item}"`);
    const [, lo = '', , hi, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isSafeInteger(step) || step < 1) throw rangeError(pattern, `step must be a positive integer in "${item}"`);
    const before = values.length;
    if (numeric) expandNumeric(pattern, item, lo, hi ?? lo, step, values);
    else expandAlpha(pattern, item, lo, hi ?? lo, step, values);
    if (values.length === before) throw rangeError(pattern, `empty range "${item}"`);
    if (values.length > MAX_HOSTLIST_EXPANSION) throw rangeError(pattern, `expands to more than ${MAX_HOSTLIST_EXPANSION} names`);
  }
  return values;
}

function expandNumeric(pattern: string, item: string, lo: string, hi: string, step: number, out: string[]): void {
  const padded = lo.length > 1 && lo.startsWith('0');
  if (padded && hi.length !== lo.length) {
    throw rangeError(pattern, `zero-padded range "${item}" must give start and end with the same width`);
  }
  if (!padded && hi.length > 1 && hi.startsWith('0')) {
    throw rangeError(pattern, `zero-padded range "${item}" must give start and end with the same width`);
  }
  const from = Number(lo);
  const to = Number(hi);
  if (!Number.isSafeInteger(to)) throw rangeError(pattern, `range bound too large in "${item}"`);
  if (from > to) throw rangeError(pattern, `empty range "${item}" (start is after end)`);
  if ((to - from) / step + out.length >= MAX_HOSTLIST_EXPANSION) {
    throw rangeError(pattern, `expands to more than ${MAX_HOSTLIST_EXPANSION} names`);
  }
  for (let n = from; n <= to; n += step) out.push(padded ? String(n).padStart(lo.length, '0') : String(n));
}

function expandAlpha(pattern: string, item: string, lo: string, hi: string, step: number, out: string[]): void {
  const isLower = (c: string): boolean => c === c.toLowerCase();
  if (isLower(lo) !== isLower(hi)) throw rangeError(pattern, `letter range "${item}" mixes upper and lower case`);
  const from = lo.charCodeAt(0);
  const to = hi.charCodeAt(0);
  if (from > to) throw rangeError(pattern, `empty range "${item}" (start is after end)`);
  for (let c = from; c <= to; c += step) out.push(String.fromCharCode(c));
}

function rangeError(pattern: string, reason: string): FleetError {
  return new FleetError('FLEET_INVENTORY_INVALID', `invalid host range "${pattern}": ${reason}`, {
    details: { pattern, reason },
  });
}
