/**
 * `~regex` host patterns (in `-l` and in inventory group members), matched by RE2's linear-time
 * algorithm (re2js, a pure-JavaScript port: no native addon, nothing to build). JavaScript's
 * backtracking RegExp can take exponential time on a pattern such as `(a+)+$` against a long
 * name, and a host pattern comes from command lines and inventory files that fleet does not
 * control; with RE2 matching time is linear in the name's length whatever the pattern.
 * The syntax is RE2's (as Go's regexp): `\d`, classes, `(?i)`, `^`/`$`, bounded repeats up to
 * 1000; no backreferences nor lookaround, which are what make backtracking necessary.
 * A pattern longer than MAX_REGEX_LENGTH is refused: compiling is linear too, but not free.
 */
import { createRequire } from 'node:module';

type Re2Module = typeof import('re2js');
type Re2Pattern = ReturnType<Re2Module['RE2JS']['compile']>;

const requireModule = createRequire(import.meta.url);

/** Longest `~regex` accepted (characters after the `~`). */
export const MAX_REGEX_LENGTH = 4096;

/** Why a regex is refused and where: `offset` counts characters from the regex's start. */
export class HostRegexError extends Error {
  readonly reason: string;
  readonly offset: number;

  constructor(reason: string, offset: number) {
    super(`${reason} (at offset ${offset})`);
    this.name = 'HostRegexError';
    this.reason = reason;
    this.offset = offset;
  }
}

/**
 * A predicate matching names that `source` matches from their start (Python's re.match, as in
 * Ansible), compiled once. Loaded on first use: most runs have no regex.
 * @throws HostRegexError with the engine's reason and the offset of the fault.
 */
export function compileHostRegex(source: string): (name: string) => boolean {
  if (source.length > MAX_REGEX_LENGTH) {
    throw new HostRegexError(`regular expression is ${source.length} characters; the limit is ${MAX_REGEX_LENGTH}`, MAX_REGEX_LENGTH);
  }
  const { RE2JS } = requireModule('re2js') as Re2Module;
  let pattern: Re2Pattern;
  try {
    pattern = RE2JS.compile(source);
  } catch (err) {
    throw syntaxError(source, err);
  }
  return (name) => pattern.matcher(name).lookingAt();
}

/** The engine's reason, and where: the offending piece it quotes, else the unbalanced paren. */
function syntaxError(source: string, err: unknown): HostRegexError {
  const e = err as { message?: string; error?: string; input?: string };
  const reason = (e.error ?? e.message ?? String(err)).replace(/^error parsing regexp: /, '');
  const bare = reason.replace(/:\s*`.*`$/s, '');
  const input = e.input;
  if (input !== undefined && input !== '' && input !== source) {
    const at = source.indexOf(input);
    if (at >= 0) return new HostRegexError(`${bare}: \`${input}\``, at);
  }
  if (/missing closing \)/.test(reason)) return new HostRegexError(bare, unclosedParen(source));
  if (/unexpected \)/.test(reason)) return new HostRegexError(bare, unexpectedParen(source));
  return new HostRegexError(input === undefined ? reason : `${bare}: \`${input}\``, 0);
}

/** Offsets of the parentheses that group (not escaped, not inside a class). */
function parens(source: string): Array<{ at: number; open: boolean }> {
  const out: Array<{ at: number; open: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      // `[]...]` and `[^]...]`: a `]` first is a member, not the end.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '(' || c === ')') out.push({ at: i, open: c === '(' });
  }
  return out;
}

function unclosedParen(source: string): number {
  const stack: number[] = [];
  for (const p of parens(source)) {
    if (p.open) stack.push(p.at);
    else stack.pop();
  }
  return stack.at(-1) ?? 0;
}

function unexpectedParen(source: string): number {
  let depth = 0;
  for (const p of parens(source)) {
    depth += p.open ? 1 : -1;
    if (depth < 0) return p.at;
  }
  return 0;
}
