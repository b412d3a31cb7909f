/** The few terminal styles fleet uses; identity functions when colour is off. */
export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/** Builds a Style; `color` decides, and the caller applies NO_COLOR / --no-color / TTY rules. */
export function createStyle(color: boolean): Style {
  if (!color) return { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain };
  return { ok: wrap(32, 39), bad: wrap(31, 39), warn: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Colour is on only for a TTY, and never when NO_COLOR is set (https://no-color.org) or --no-color. */
export function shouldUseColor(isTTY: boolean, env: Record<string, string | undefined>, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return isTTY;
}
