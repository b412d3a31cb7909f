/**
 * Host selection with `-l` patterns, Ansible-compatible where the languages overlap:
 * names, groups, `all`/`*`, globs (`web*`, picomatch; a term with `*` or `?` is a glob and its
 * brackets are character classes), `~regex` (anchored at the start, like Ansible's re.match),
 * ranges (`h[1:20]`, any other bracketed term), labels (`label:role=web`, fleet's own),
 * union `a,b` / `a:b`, intersection `&`, exclusion `!`.
 * A term names a group and/or a host of that name; globs and regexes match group names (all
 * their hosts) and host names, as in Ansible. Deliberate differences: a name, glob or regex that
 * matches nothing is an error (Ansible warns and goes on: a typo there can widen a run), and
 * `name[...]` is always a range, never Ansible's group subscript (`web[0]`).
 */
import { FleetError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { globMatcher } from './glob.js';
import { compileHostRegex } from './host-regex.js';
import type { HostSpec } from './host-spec.js';
import { expandHostlist, foldHostnames } from './hostlist.js';
import type { Inventory } from './inventory.js';
import { LABEL_PREFIX, parseSelector } from './select-parse.js';

export { parseSelector } from './select-parse.js';
export type { SelectorTerm } from './select-parse.js';

/**
 * The hosts `pattern` selects, in inventory order, each once. No pattern (`undefined`) selects
 * every host; a pattern that is empty or blank, or made only of separators (`,`, `:`), is an
 * error, never "all hosts": in a script `-l "$UNSET"` must not widen a run to the whole fleet.
 * @throws FleetError FLEET_SELECTOR_INVALID for empty patterns, syntax errors and terms that
 *   match nothing; FLEET_SELECTOR_EMPTY when the pattern is valid but leaves no host.
 */
export function selectHosts(inventory: Inventory, pattern?: string): HostSpec[] {
  const text = pattern?.trim() ?? 'all';
  const terms = parseSelector(text);
  if (terms.length === 0) {
    throw new FleetError(
      'FLEET_SELECTOR_INVALID',
      `host pattern ${JSON.stringify(pattern)} is empty: name hosts or groups, or write "all" to select every host`,
      { details: { pattern: pattern ?? '' } },
    );
  }
  const ctx = new SelectionContext(inventory, text);
  let selected = new Uint8Array(inventory.hosts.length);
  for (const { op, expr } of terms) {
    const hit = ctx.match(expr);
    if (op === 'union') hit.forEach((v, i) => (selected[i] ||= v));
    else if (op === 'intersect') selected = selected.map((v, i) => v & (hit[i] ?? 0));
    else selected = selected.map((v, i) => (hit[i] ? 0 : v));
  }
  const result = inventory.hosts.filter((_, i) => selected[i] === 1);
  if (result.length === 0) {
    throw new FleetError('FLEET_SELECTOR_EMPTY', `host pattern "${text || 'all'}" selects no hosts`, {
      details: { pattern: text },
    });
  }
  return result;
}

class SelectionContext {
  readonly #inventory: Inventory;
  readonly #pattern: string;
  readonly #hostIndex = new Map<string, number>();

  constructor(inventory: Inventory, pattern: string) {
    this.#inventory = inventory;
    this.#pattern = pattern;
    inventory.hosts.forEach((h, i) => this.#hostIndex.set(h.name, i));
  }

  /** A 0/1 mask over inventory hosts for one term. */
  match(expr: string): Uint8Array {
    const mask = new Uint8Array(this.#inventory.hosts.length);
    if (expr === 'all' || expr === '*') return mask.fill(1);
    if (expr.startsWith(LABEL_PREFIX)) return this.#matchLabel(expr, mask);
    if (expr.startsWith('~')) {
      let test: (name: string) => boolean;
      try {
        test = compileHostRegex(expr.slice(1));
      } catch (err) {
        throw this.#error(expr, `invalid regular expression "${expr}": ${(err as Error).message}`, err);
      }
      if (!this.#matchBy(test, mask)) throw this.#error(expr, `"${expr}" matches no host or group`);
      return mask;
    }
    // With `*` or `?` the term is a glob and brackets are character classes; otherwise brackets
    // are ranges. The same rule applies to group members in inventories.
    if (/[*?]/.test(expr)) {
      let test: (name: string) => boolean;
      try {
        test = globMatcher(expr);
      } catch (err) {
        throw this.#error(expr, `"${expr}": ${(err as Error).message}`, err);
      }
      if (!this.#matchBy(test, mask)) throw this.#error(expr, `"${expr}" matches no host or group`);
      return mask;
    }
    if (expr.includes('[') || expr.includes(']')) {
      let names: string[];
      try {
        names = expandHostlist(expr);
      } catch (err) {
        throw this.#error(expr, (err as Error).message, err);
      }
      return this.#matchNames(expr, names, mask);
    }
    return this.#matchNames(expr, [expr], mask);
  }

  /**
   * `label:KEY=VALUE`: hosts whose label KEY is VALUE (a glob when VALUE has `*` or `?`). A key
   * no host has is an error, as an unknown name is; a value that no host has selects none
   * (FLEET_SELECTOR_EMPTY when nothing is left).
   */
  #matchLabel(expr: string, mask: Uint8Array): Uint8Array {
    const body = expr.slice(LABEL_PREFIX.length);
    const eq = body.indexOf('=');
    const key = body.slice(0, eq).trim();
    const value = body.slice(eq + 1).trim();
    if (eq < 0 || key === '') throw this.#error(expr, `"${expr}": a label term is label:KEY=VALUE`);
    const hosts = this.#inventory.hosts;
    if (!hosts.some((h) => Object.hasOwn(h.labels, key))) {
      const known = [...new Set(hosts.flatMap((h) => Object.keys(h.labels)))];
      const close = didYouMean(key, known);
      throw this.#error(expr, `no host has a label "${key}"${close === undefined ? '' : ` (did you mean "${close}"?)`}`);
    }
    let test: (v: string) => boolean = (v) => v === value;
    try {
      if (/[*?]/.test(value)) test = globMatcher(value);
    } catch (err) {
      throw this.#error(expr, `"${expr}": ${(err as Error).message}`, err);
    }
    hosts.forEach((h, i) => {
      const v = Object.hasOwn(h.labels, key) ? h.labels[key] : undefined;
      if (v !== undefined && test(v)) mask[i] = 1;
    });
    return mask;
  }

  /** Marks hosts of groups whose name passes `test`, and hosts whose name does. */
  #matchBy(test: (name: string) => boolean, mask: Uint8Array): boolean {
    let any = false;
    for (const g of this.#inventory.groups.values()) {
      if (!test(g.name)) continue;
      any = true;
      for (const h of g.hosts) this.#mark(h, mask);
    }
    this.#inventory.hosts.forEach((h, i) => {
      if (test(h.name)) {
        mask[i] = 1;
        any = true;
      }
    });
    return any;
  }

  #matchNames(expr: string, names: string[], mask: Uint8Array): Uint8Array {
    const missing: string[] = [];
    for (const name of names) {
      const group = this.#inventory.groups.get(name);
      const host = this.#hostIndex.get(name);
      if (group) for (const h of group.hosts) this.#mark(h, mask);
      if (host !== undefined) mask[host] = 1;
      if (!group && host === undefined) missing.push(name);
    }
    if (missing.length > 0) {
      const first = missing[0] ?? '';
      const known = [...this.#hostIndex.keys(), ...this.#inventory.groups.keys()];
      const close = names.length === 1 ? didYouMean(first, known) : undefined;
      let message = `unknown host or group ${foldHostnames(missing)}`;
      if (close !== undefined) message += ` (did you mean "${close}"?)`;
      const prefix = expr.slice(0, expr.indexOf('['));
      if (expr.includes('[') && this.#inventory.groups.has(prefix)) {
        message += `; "${expr}" is a host range, not a slice of group "${prefix}"`;
      }
      throw this.#error(expr, message);
    }
    return mask;
  }

  #mark(name: string, mask: Uint8Array): void {
    const i = this.#hostIndex.get(name);
    if (i !== undefined) mask[i] = 1;
  }

  #error(term: string, message: string, cause?: unknown): FleetError {
    return new FleetError(
      'FLEET_SELECTOR_INVALID',
      `host pattern "${this.#pattern}": ${message}`,
      { details: { pattern: this.#pattern, term } },
      cause === undefined ? undefined : { cause },
    );
  }
}
