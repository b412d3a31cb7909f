/**
 * `Include` for ssh_config. The ssh-config package parses Include lines but never reads the
 * files, so we inline them before parsing, following OpenSSH's readconf.c:
 * - relative paths are relative to ~/.ssh (user config); `~` and globs are expanded, matches
 *   read in sorted order, missing files ignored; nesting stops at 16 levels;
 * - an Include inside a Host/Match block is read in that block's context, and the enclosing
 *   block resumes after it (OpenSSH restores its match state), so we repeat the block's header
 *   line after the inlined text.
 * Known gap: OpenSSH never matches Host lines inside a file included from a non-matching block;
 * inlined text lets them match on their own.
 * `CanonicalizeHostName` lines are dropped: the package would run `nslookup` for them, and
 * inventory loading must stay free of network and process side effects.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FleetError } from '../errors.js';
import { loadPicomatch } from './glob.js';
import { expandTilde } from './paths.js';

/** OpenSSH's READCONF_MAX_DEPTH. */
export const MAX_INCLUDE_DEPTH = 16;

/** Where Include paths resolve. */
export interface IncludeOptions {
  home: string;
  /** Directory that relative Include paths resolve against (~/.ssh for the user config). */
  baseDir: string;
  localUser: string;
}

const DIRECTIVE = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*?)\s*$/;

/** Returns `text` with every Include replaced by the files it names, recursively. */
export async function inlineIncludes(text: string, file: string, opts: IncludeOptions, depth = 0): Promise<string> {
  if (depth > MAX_INCLUDE_DEPTH) {
    throw new FleetError('FLEET_CONFIG_INVALID', `${file}: Include nested more than ${MAX_INCLUDE_DEPTH} levels`, {
      details: { file },
    });
  }
  const out: string[] = [];
  let header: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = DIRECTIVE.exec(line);
    const keyword = m?.[1]?.toLowerCase();
    if (keyword === 'host' || keyword === 'match') header = line;
    if (keyword === 'canonicalizehostname') {
      out.push(`# (ignored by fleet) ${line.trim()}`);
      continue;
    }
    if (keyword !== 'include') {
      out.push(line);
      continue;
    }
    for (const arg of splitArgs(m?.[2] ?? '')) {
      const expanded = expandTilde(arg.replaceAll('%d', opts.home).replaceAll('%u', opts.localUser), opts.home);
      const pattern = path.isAbsolute(expanded) ? expanded : path.join(opts.baseDir, expanded);
      for (const match of await expandGlob(pattern)) {
        let included: string;
        try {
          included = await readFile(match, 'utf8');
        } catch {
          continue; // OpenSSH ignores Include targets it cannot read
        }
        out.push(await inlineIncludes(included, match, opts, depth + 1));
      }
    }
    out.push(header ?? 'Host *');
  }
  return out.join('\n');
}

function splitArgs(value: string): string[] {
  const args: string[] = [];
  for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) args.push(m[1] ?? m[2] ?? '');
  return args.filter((a) => a !== '');
}

/** Sorted matches of an absolute path whose segments may hold `*`, `?` or `[...]`. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const { root } = path.parse(pattern);
  let bases = [root];
  for (const segment of pattern.slice(root.length).split(path.sep).filter(Boolean)) {
    if (!/[*?[]/.test(segment)) {
      bases = bases.map((b) => path.join(b, segment));
      continue;
    }
    const isMatch = loadPicomatch()(segment, { dot: false });
    const next: string[] = [];
    for (const base of bases) {
      let entries: string[];
      try {
        entries = await readdir(base);
      } catch {
        continue;
      }
      for (const e of entries.sort()) if (isMatch(e)) next.push(path.join(base, e));
    }
    bases = next;
  }
  return bases;
}
