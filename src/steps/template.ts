/**
 * `{{ name }}` placeholders in step commands and paths, and in `fleet exec` commands and
 * put/get remote paths, filled per host from variables that earlier steps `register`ed and from
 * the host's inventory entry (`host`, `address`, `port`, `user`, `groups`, `vars.X`, `labels.X`:
 * see host-values.ts).
 *
 * Registered values are remote output, i.e. untrusted text. So in a command a placeholder
 * inserts the value shell-quoted by default (`{{ n }}` -> `'web01'`): a host answering
 * `x; rm -rf ~` cannot inject a command. `{{ n | raw }}` inserts it as it is, for the rare case
 * where the value is meant to be shell syntax; `{{ n | q }}` spells the default out. In paths
 * (put/get `src` and `dest`, env values) the default is the raw value: nothing parses it as shell.
 *
 * Only `{{ identifier }}` and `{{ identifier | filter }}` are placeholders; anything else between
 * braces (`docker ps --format '{{.Names}}'`) is left as written, and `\{{` writes a literal `{{`.
 */
import { shellQuote } from '../shell-quote.js';

/** How a value goes in: `q` shell-quoted, `raw` as it is. */
export type TemplateFilter = 'q' | 'raw';

/** One piece of a parsed template. */
export type TemplatePart = string | { name: string; filter: TemplateFilter | undefined };

/** A parsed template: the source text and its pieces. */
export interface Template {
  source: string;
  parts: TemplatePart[];
}

/** Where a template is used; decides the default filter. */
export type TemplateUse = 'command' | 'path';

/** Variables every host has without registering them (its inventory entry; host-values.ts). */
export const BUILTIN_VARS: readonly string[] = ['host', 'address', 'port', 'user', 'groups'];

/** Namespaces of per-host values: `{{ vars.color }}`, `{{ labels.role }}` (inventory keys). */
export const BUILTIN_NAMESPACES: readonly string[] = ['vars', 'labels'];

/** Looks a variable up; undefined when it has no value (for this host). */
export type TemplateLookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `{{ name }}` / `{{ a.b.c | filter }}`; a leading backslash escapes it. Dotted segments after
// the first may hold `-` (inventory keys such as `vars.http-port`). A name must start with a
// letter or `_`, so Go templates (`{{.Names}}`, `{{ .State }}`) never match.
const PLACEHOLDER = /(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*(?:\|\s*([A-Za-z_]+)\s*)?\}\}/g;
const FILTERS: readonly string[] = ['q', 'raw'];

/** A valid variable name (what `register` accepts). */
export function isVariableName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Parses `source`. Throws a plain Error naming the problem (an unknown filter); the loader turns
 * it into a located StepsError.
 */
export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const [whole, escape, name, filter] = match;
    const at = match.index;
    if (escape) {
      // `\{{ x }}`: drop the backslash, keep the rest literally.
      parts.push(source.slice(last, at), whole.slice(1));
      last = at + whole.length;
      continue;
    }
    if (filter !== undefined && !FILTERS.includes(filter)) {
      throw new Error(`unknown filter "${filter}" in "${whole}" (use "q" or "raw")`);
    }
    parts.push(source.slice(last, at), { name: name as string, filter: filter as TemplateFilter | undefined });
    last = at + whole.length;
  }
  parts.push(source.slice(last));
  return { source, parts: mergeLiterals(parts) };
}

/** A name a step may use without registering it: a built-in or `vars.X` / `labels.X`. */
export function isHostValueName(name: string): boolean {
  if (BUILTIN_VARS.includes(name)) return true;
  const dot = name.indexOf('.');
  return dot > 0 && BUILTIN_NAMESPACES.includes(name.slice(0, dot));
}

/** Whether `source` holds `{{` at all: text without it is never parsed, so it runs as written. */
export function mayBeTemplate(source: string): boolean {
  return source.includes('{{');
}

/** The variable names a template uses, in order of first use. */
export function templateNames(template: Template): string[] {
  const names: string[] = [];
  for (const part of template.parts) if (typeof part !== 'string' && !names.includes(part.name)) names.push(part.name);
  return names;
}

/**
 * Fills the placeholders from `vars`. Returns the text, or the first name `vars` lacks (a host
 * that skipped the registering step through `when`), which the engine reports for that host.
 */
export function renderTemplate(template: Template, vars: ReadonlyMap<string, string> | TemplateLookup, use: TemplateUse): { text: string } | { missing: string } {
  const lookup: TemplateLookup = typeof vars === 'function' ? vars : (name) => vars.get(name);
  let text = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const value = lookup(part.name);
    if (value === undefined) return { missing: part.name };
    const filter = part.filter ?? (use === 'command' ? 'q' : 'raw');
    text += filter === 'q' ? shellQuote(value) : value;
  }
  return { text };
}

function mergeLiterals(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (typeof part === 'string') {
      if (part === '') continue;
      if (typeof prev === 'string') out[out.length - 1] = prev + part;
      else out.push(part);
    } else {
      out.push(part);
    }
  }
  return out;
}
