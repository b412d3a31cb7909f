/**
 * Host-name globs (`web*`, `*.dc1.example.com`, `db?`), matched with picomatch's compiled
 * RegExp. A glob made only of literal text, `*` and `?` must contain its longest literal piece,
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

/** A predicate for `glob`, compiled once; call it for every name. */
export function globMatcher(glob: string): (name: string) => boolean {
  // makeRe: the compiled RegExp is several times faster per name than picomatch's matcher.
  const re = loadPicomatch().makeRe(glob, { dot: true });
  const needle = requiredLiteral(glob);
  if (needle === undefined) return (name) => re.test(name);
  return (name) => name.includes(needle) && re.test(name);
}

/** The longest literal piece every match contains, when the glob is simple enough to know. */
export function requiredLiteral(glob: string): string | undefined {
  // Classes, braces, extglobs and escapes make literal pieces optional or not literal at all.
  if (/[[\]{}()!+@\\]/.test(glob)) return undefined;
  let best = '';
  for (const piece of glob.split(/[*?]/)) if (piece.length > best.length) best = piece;
  return best.length >= 2 ? best : undefined;
}
