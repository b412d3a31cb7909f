/**
 * Host-name globs (`web*`, `*.dc1.example.com`, `db?`), with picomatch's meaning; simple ones
 * matched in linear time here (see globMatcher), the rest by picomatch's RegExp. A glob made only of literal text, `*` and `?` must contain its longest literal piece,
 * so a cheap `includes` turns most non-matching names away before the RegExp runs: matching
 * four datacenter globs against 10,000 names is then mostly substring checks.
 */
import { createRequire } from 'node:module';

type Picomatch = typeof import('picomatch');

const requireModule = createRequire(import.meta.url);

/**
 * picomatch, loaded on first use (~20 ms of start-up): an inventory without globs, and a
 * command line without a glob pattern, never need it. require() keeps callers synchronous.
 */
export function loadPicomatch(): Picomatch {
  return requireModule('picomatch') as Picomatch;
}

/**
 * A predicate for `glob`, compiled once; call it for every name.
 *
 * A host pattern must not be able to hang fleet. picomatch compiles `*` to a lazy `[^/]*?`, and
 * JavaScript's backtracking makes k stars cost O(n^k) on a name that almost matches
 * (`*a*a*a*a*a*a*a*b` against 60 `a`s: 16 s). So globs made of literals, `?`, classes and two
 * or more `*` are matched by wildcardMatcher, O(name x glob) at worst; braces and extglobs go
 * to picomatch with at most MAX_PICOMATCH_STARS repetitions.
 * @throws Error when a brace or extglob pattern has more repetitions than that.
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const tokens = simpleGlobTokens(glob);
  // One star backtracks over one span at most (linear): picomatch's RegExp is then the
  // faster (4 globs x 10,000 names: 1.3 ms vs 24 ms), and the same as ever.
  const stars = tokens?.filter((t) => t.star).length ?? 0;
  const match = tokens && stars >= 2 ? wildcardMatcher(tokens) : picomatchMatcher(glob);
  const needle = requiredLiteral(glob);
  if (needle === undefined) return match;
  return (name) => name.includes(needle) && match(name);
}

/** Most `*`, `+(` and `*(` a glob with braces or extglobs may hold (each a factor of n in time). */
export const MAX_PICOMATCH_STARS = 2;

function picomatchMatcher(glob: string): (name: string) => boolean {
  const stars = (glob.match(/\*|\+\(/g) ?? []).length;
  if (stars > MAX_PICOMATCH_STARS) {
    throw new Error(`a glob with braces or extglobs may repeat (*, +(...)) at most ${MAX_PICOMATCH_STARS} times; this one has ${stars} (matching time grows as name length to that power)`);
  }
  // makeRe: the compiled RegExp is several times faster per name than picomatch's matcher.
  const re = loadPicomatch().makeRe(glob, { dot: true });
  return (name) => re.test(name);
}

/** One token of a simple glob: a star, or a test of exactly one character. */
type GlobToken = { star: true } | { star: false; test: (c: string) => boolean };

/**
 * The tokens of a glob made only of literals, `\x` escapes, `?`, `[...]` classes and `*`, with
 * picomatch's meaning (`*` and `?` never match `/`; `[^a]` negates); undefined for anything
 * else (braces, extglobs, POSIX classes, `[!...]`), which picomatch handles.
 */
function simpleGlobTokens(glob: string): GlobToken[] | undefined {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '(' || glob[i + 1] === '*') return undefined; // extglob, globstar
      if (!tokens.at(-1)?.star) tokens.push({ star: true });
    } else if (c === '?') {
      if (glob[i + 1] === '(') return undefined;
      tokens.push({ star: false, test: (x) => x !== '/' });
    } else if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) return undefined;
      const test = classTest(glob.slice(i + 1, end));
      if (!test) return undefined;
      tokens.push({ star: false, test });
      i = end;
    } else if (c === '\\') {
      const next = glob[i + 1];
      if (next === undefined) return undefined;
      tokens.push({ star: false, test: (x) => x === next });
      i++;
    } else if ('{}()!+@|'.includes(c)) {
      return undefined;
    } else {
      tokens.push({ star: false, test: (x) => x === c });
    }
  }
  return tokens;
}

/** The index of the `]` closing the class opened at `start` (a `]` first is a member); -1 if none. */
function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
  }
  return -1;
}

/**
 * A test for one class body (`a-z0-9`, `^abc`); undefined for POSIX classes (`[:alpha:]`) and
 * a leading `!`, which picomatch reads its own way (a class of `!` and the rest, or the
 * literal text).
 */
function classTest(body: string): ((c: string) => boolean) | undefined {
  if (body.includes('[:') || body.startsWith('!')) return undefined;
  const negate = body.startsWith('^');
  const chars = negate ? body.slice(1) : body;
  const ranges: Array<[string, string]> = [];
  for (let i = 0; i < chars.length; i++) {
    let lo = chars[i] as string;
    if (lo === '\\' && i + 1 < chars.length) lo = chars[++i] as string;
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      let hi = chars[i + 2] as string;
      i += 2;
      if (hi === '\\' && i + 1 < chars.length) hi = chars[++i] as string;
      ranges.push([lo, hi]);
    } else ranges.push([lo, lo]);
  }
  return (c) => c !== '/' && ranges.some(([lo, hi]) => c >= lo && c <= hi) !== negate;
}

/**
 * Glob matching with backtracking to the last star only (the classic wildcard algorithm): each
 * step advances the name or moves the star's restart point forward, so it is O(name x glob).
 * Leading dots match, as picomatch's `dot: true`; `.` and `..` never match a star, as there.
 */
function wildcardMatcher(tokens: readonly GlobToken[]): (name: string) => boolean {
  return (name) => {
    // picomatch: a leading star never matches nothing at all, nor `.`/`..` (dot: true).
    if ((name === '' || name === '.' || name === '..') && tokens[0]?.star) return false;
    let t = 0;
    let n = 0;
    let starT = -1;
    let starN = 0;
    while (n < name.length) {
      const token = tokens[t];
      if (token?.star) {
        starT = t++;
        starN = n;
      } else if (token && token.test(name[n] as string)) {
        t++;
        n++;
      } else if (starT >= 0 && name[starN] !== '/') {
        t = starT + 1;
        n = ++starN;
      } else {
        return false;
      }
    }
    while (tokens[t]?.star) t++;
    return t === tokens.length;
  };
}

/** The longest literal piece every match contains, when the glob is simple enough to know. */
export function requiredLiteral(glob: string): string | undefined {
  // Classes, braces, extglobs and escapes make literal pieces optional or not literal at all.
  if (/[[\]{}()!+@\\]/.test(glob)) return undefined;
  let best = '';
  for (const piece of glob.split(/[*?]/)) if (piece.length > best.length) best = piece;
  return best.length >= 2 ? best : undefined;
}
