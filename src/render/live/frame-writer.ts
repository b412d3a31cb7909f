/**
 * Draws a frame over the previous one, as log-update does, minus its cost. log-update runs
 * wrap-ansi over the whole frame on every draw, and wrap-ansi measures the row again with
 * string-width (Intl.Segmenter, since the icon is not ASCII) for each space-separated word:
 * with thirty padded host rows that was most of the live view's CPU. The rows never need it:
 * listr2 already truncates each one to the terminal width (`formatOutput: 'truncate'`), so here
 * a line's height is estimated from its length alone, which only matters for the odd long
 * notice line.
 */

/** Where frames go: a terminal stream's write, and its size. */
export interface FrameTarget {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
}

/** log-update's interface, as listr2's default renderer calls it. */
export interface FrameWriter {
  (frame: string): void;
  /** Erases the frame on screen; the next frame starts afresh. */
  clear(): void;
  /** Leaves the frame on screen; the next frame starts below it. */
  done(): void;
}

const ESC = '\u001b[';
// Escape sequences (CSI and OSC) take no room on screen.
const CONTROL_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Erases `count` lines upwards from the cursor's, leaving the cursor at the start of the top one. */
export function eraseLines(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += `${ESC}2K${i < count - 1 ? `${ESC}1A` : ''}`;
  return count > 0 ? `${out}${ESC}G` : out;
}

/** A log-update replacement that writes to `target`. */
export function createFrameWriter(target: FrameTarget): FrameWriter {
  let previousHeight = 0;
  let previous: string | undefined;

  const draw = (frame: string): void => {
    // The frame's last `rows - 1` lines: the line under it holds the cursor.
    const lines = frame.split('\n').slice(-Math.max(1, (target.rows ?? 24) - 1));
    const text = lines.join('\n');
    if (text === previous) return;
    previous = text;
    target.write(`${eraseLines(previousHeight)}${text}\n`);
    const columns = Math.max(1, target.columns ?? 80);
    previousHeight = 1;
    for (const line of lines) previousHeight += Math.max(1, Math.ceil([...line.replace(CONTROL_SEQUENCE, '')].length / columns));
  };
  const reset = (): void => {
    previousHeight = 0;
    previous = undefined;
  };
  return Object.assign(draw, {
    clear(): void {
      target.write(eraseLines(previousHeight));
      reset();
    },
    done: reset,
  });
}
