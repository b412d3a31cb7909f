/**
 * POSIX shell quoting for everything fleet adds to a remote command line (directories, env
 * values, the sudo prompt, the command handed to `sh -c`). The user's own command is never
 * quoted: it is shell code, sent as written.
 *
 * Single quotes are the one quoting that is the same in every POSIX shell (sh, dash, bash, zsh,
 * ksh): nothing inside them is special, not `$`, backslash, backquote or `!` (history expansion
 * is off in non-interactive shells). A single quote itself cannot appear inside, so it is written
 * as `'\''`: close the quote, an escaped quote, reopen.
 */

/** Quotes `value` as one shell word, whatever it holds (empty string included). */
export function shellQuote(value: string): string {
  // Words made only of characters no shell treats specially are left as they are (readable logs).
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each argument and joins them with spaces: one shell command line, word for word. */
export function shellJoin(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

/** True when `name` can be assigned by a POSIX shell (`export NAME=...`). */
export function isShellName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
