/**
 * Parsing of `-l` patterns into terms, with Ansible's separators and ordering:
 * terms split on `,` and `:` (never inside `[...]`, `(...)`, `{...}`, nor inside an IPv6
 * literal), then reordered as Ansible's `order_patterns` does: plain terms (union) first, then
 * `&` terms (intersection), then `!` terms (exclusion), each group keeping its written order;
 * with no plain term, the selection starts from `all`.
 */
import { FleetError } from '../errors.js';

/** One term of a pattern and what it does to the selection. */
export interface SelectorTerm {
  op: 'union' | 'intersect' | 'exclude';
  expr: string;
}

/** Splits and orders a pattern. Empty pieces (`a,,b`, trailing `:`) are skipped, as in Ansible. */
export function parseSelector(pattern: string): SelectorTerm[] {
  const terms: SelectorTerm[] = [];
  for (const piece of splitPattern(pattern)) {
    const op = piece.startsWith('!') ? 'exclude' : piece.startsWith('&') ? 'intersect' : 'union';
    const expr = (op === 'union' ? piece : piece.slice(1)).trim();
    if (expr === '' || expr.startsWith('!') || expr.startsWith('&')) {
      throw new FleetError('FLEET_SELECTOR_INVALID', `invalid host pattern "${piece}" in "${pattern}"`, {
        details: { pattern, term: piece },
      });
    }
    terms.push({ op, expr });
  }
  const ordered = [
    ...terms.filter((t) => t.op === 'union'),
    ...terms.filter((t) => t.op === 'intersect'),
    ...terms.filter((t) => t.op === 'exclude'),
  ];
  if (ordered.length > 0 && ordered[0]?.op !== 'union') ordered.unshift({ op: 'union', expr: 'all' });
  return ordered;
}

function splitPattern(pattern: string): string[] {
  const out: string[] = [];
  for (const part of splitAtDepthZero(pattern, ',')) {
    const trimmed = part.trim();
    if (isIpv6(trimmed.replace(/^[!&]/, ''))) out.push(trimmed);
    else out.push(...joinLabelTerms(splitAtDepthZero(trimmed, ':').map((p) => p.trim())));
  }
  return out.filter((p) => p !== '');
}

/** The prefix of a label term: `label:role=web` (`:` inside it does not separate terms). */
export const LABEL_PREFIX = 'label:';

/**
 * Joins `label` and `KEY=VALUE` back into one term after splitting on `:`. Only a piece with
 * `=` after `label` does, so `label:web` stays the union of a group `label` and `web`.
 */
function joinLabelTerms(pieces: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    const next = pieces[i + 1];
    if (/^[!&]?label$/.test(piece) && next !== undefined && next.includes('=')) {
      out.push(`${piece}:${next}`);
      i++;
    } else out.push(piece);
  }
  return out;
}

function splitAtDepthZero(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if ((c === ']' || c === ')' || c === '}') && depth > 0) depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** An IPv6 literal: hex groups with `::`, or all eight groups. */
function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}$/.test(text)) return false;
  return text.includes('::') || text.split(':').length === 8;
}
