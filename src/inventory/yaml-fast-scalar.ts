/**
 * Scalars for the fast YAML reader (yaml-fast.ts): plain scalars resolved exactly as yaml's
 * YAML 1.2 core schema resolves them (same tests, same order, same conversions), and one-line
 * quoted scalars. Anything these functions do not handle makes the reader give up, so that the
 * yaml package decides (and reports any error with its own position).
 */

/** Thrown inside the fast reader when the text leaves the subset it handles; never escapes it. */
export class OutsideFastSubset extends Error {
  override name = 'OutsideFastSubset';
}

/** The one instance thrown: giving up is control flow, not an error worth a stack trace. */
export const OUTSIDE = new OutsideFastSubset('outside the fast YAML subset');

/** Gives up on the fast path. */
export function giveUp(): never {
  throw OUTSIDE;
}

// yaml 2.x core schema tests (yaml/dist/schema/core), in the order yaml tries them.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The value of a plain scalar under the core schema: null, boolean, number or the text itself. */
export function resolvePlain(text: string): unknown {
  const c = text.charCodeAt(0);
  // Only these first characters can start a non-string; most host names are rejected here
  // without running eight regular expressions.
  if (c === 0x6e /* n */ || c === 0x4e /* N */ || c === 0x7e /* ~ */) return NULL.test(text) ? null : text;
  if (c === 0x74 /* t */ || c === 0x54 || c === 0x66 /* f */ || c === 0x46) {
    return BOOL.test(text) ? c === 0x74 || c === 0x54 : text;
  }
  const numeric = (c >= 0x30 && c <= 0x39) || c === 0x2b /* + */ || c === 0x2d /* - */ || c === 0x2e; /* . */
  if (!numeric) return text;
  // Every core-schema number has at most one dot: IP addresses end here, not in six regexes.
  const dot = text.indexOf('.');
  if (dot >= 0 && text.indexOf('.', dot + 1) >= 0) return text;
  if (INT_OCT.test(text)) return parseInt(text.substring(2), 8);
  if (INT.test(text)) return parseInt(text, 10);
  if (INT_HEX.test(text)) return parseInt(text.substring(2), 16);
  if (FLOAT_NAN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text);
  return text;
}

/** True when `text` as a plain map key resolves to the same string (so keys stay exact). */
export function isPlainStringKey(text: string): boolean {
  return typeof resolvePlain(text) === 'string' && isSafeKey(text);
}

/** `<<` is a merge key and `__proto__` needs yaml's special handling: both go to yaml. */
export function isSafeKey(key: string): boolean {
  return key !== '<<' && key !== '__proto__';
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Where a scalar reader stopped (one object per reader, so no tuple per scalar). */
export interface ScalarEnd {
  end: number;
}

/**
 * A quoted scalar starting at `start` (a `'` or `"`), which must end on the same line.
 * Returns the value; `out.end` is set just past the closing quote.
 */
export function readQuoted(s: string, start: number, lineEnd: number, out: ScalarEnd): string {
  return s.charCodeAt(start) === 0x27 ? readSingleQuoted(s, start, lineEnd, out) : readDoubleQuoted(s, start, lineEnd, out);
}

function readSingleQuoted(s: string, start: number, lineEnd: number, cursor: ScalarEnd): string {
  let out = '';
  let from = start + 1;
  for (;;) {
    const q = s.indexOf("'", from);
    if (q < 0 || q >= lineEnd) giveUp();
    if (s.charCodeAt(q + 1) === 0x27) {
      out += s.slice(from, q + 1);
      from = q + 2;
      continue;
    }
    cursor.end = q + 1;
    return out + s.slice(from, q);
  }
}

function readDoubleQuoted(s: string, start: number, lineEnd: number, cursor: ScalarEnd): string {
  let out = '';
  let from = start + 1;
  for (;;) {
    const q = s.indexOf('"', from);
    if (q < 0 || q >= lineEnd) giveUp();
    // Search for a backslash only up to the quote: an unbounded indexOf would scan the rest of
    // the file for every string without one.
    const chunk = s.slice(from, q);
    const slash = chunk.indexOf('\\');
    if (slash < 0) {
      cursor.end = q + 1;
      return out + chunk;
    }
    const b = from + slash;
    out += chunk.slice(0, slash);
    const code = s[b + 1] ?? '';
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) {
      out += simple;
      from = b + 2;
      continue;
    }
    const len = HEX_LENGTH[code];
    const hex = len === undefined ? '' : s.slice(b + 2, b + 2 + len);
    if (len === undefined || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) giveUp();
    const point = parseInt(hex, 16);
    if (point > 0x10ffff) giveUp();
    out += String.fromCodePoint(point);
    from = b + 2 + len;
  }
}
