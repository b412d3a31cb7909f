/**
 * Remote output is untrusted text. Before it reaches a terminal, every control character
 * except tab becomes visible (`\x1b` → `\x1b` as four characters), so a host cannot move the
 * cursor, rewrite earlier lines, change the window title or fake another host's output.
 * C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B) are escaped too.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Escapes a single line (no newline inside) for safe display on a terminal. */
export function escapeTerminal(line: string): string {
  return line.replace(UNSAFE, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Removes one trailing "\r" (CRLF output), which would otherwise show as `\x0d`. */
export function trimCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
