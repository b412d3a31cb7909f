/**
 * listr2's default renderer, paced for a fleet. Out of the box it redraws the whole frame on
 * every task change and on every 100 ms spinner tick; with thirty host rows each redraw runs
 * cli-truncate, wrap-ansi and string-width over every line, and a 7 s run spent ~3 s of CPU
 * there. This subclass draws at most one frame per `frameMs` (FrameThrottle), spins at that
 * pace, and draws through createFrameWriter rather than log-update. It also keeps stray writes visible: listr2 holds back anything else written to the
 * terminal's streams until the list ends (so nothing tears a frame), which hid the CLI's Ctrl-C
 * message for the whole drain; here such lines are drawn above the frame at once.
 */
import type * as Listr2 from 'listr2';
import { FrameThrottle } from './frame-throttle.js';
import { createFrameWriter } from './frame-writer.js';

/** How the frame is paced, and which streams listr2 holds while it is up. */
export interface FramedRendererSetup {
  /** Shortest time between two frames, and the spinner's step. */
  frameMs: number;
  /** The terminal the frame is drawn on (listr2's stdout). */
  stdout: NodeJS.WriteStream;
  /** The streams handed to listr2's ProcessOutput: writes to them become notice lines. */
  streams: readonly NodeJS.WriteStream[];
}

/** Notice lines shown above the frame while it runs; every one is printed when the list ends. */
export const LIVE_NOTICE_LINES = 5;

type CreateOptions = Parameters<Listr2.DefaultRenderer['create']>[0];

/** A listr2 renderer class (pass as `renderer`) and the spinner it wants (`rendererOptions.spinner`). */
export function framedRenderer(mod: typeof Listr2, setup: FramedRendererSetup): { renderer: typeof Listr2.DefaultRenderer; spinner: Listr2.Spinner } {
  class PacedSpinner extends mod.Spinner {
    override start(callback?: () => void): void {
      super.start(callback, setup.frameMs);
    }
  }

  class FramedRenderer extends mod.DefaultRenderer {
    readonly #throttle = new FrameThrottle(() => this.#draw(), setup.frameMs);
    readonly #notices: string[] = [];
    #ending = false;

    override async render(): Promise<void> {
      // Taken before listr2's hijack replaces it; frames must reach the terminal.
      const write = setup.stdout.write.bind(setup.stdout);
      await super.render();
      // listr2 keeps log-update in a private field; if a later listr2 renames it, this only
      // adds an unused property and frames cost what they did before.
      Object.assign(this, { updater: createFrameWriter({ write: (text) => write(text), columns: setup.stdout.columns, rows: setup.stdout.rows }) });
      // After listr2's hijack, so these replace its buffering; its release() restores the originals.
      for (const stream of setup.streams) divertWrites(stream, (text) => this.#notice(text));
    }

    override update(): void {
      this.#throttle.request();
    }

    override end(): void {
      this.#throttle.cancel();
      this.#ending = true;
      super.end();
    }

    override create(options?: CreateOptions): string {
      const frame = super.create(options);
      const above = noticesToShow(this.#notices, this.#ending);
      if (above.length === 0) return frame;
      return frame === '' ? above.join('\n') : `${above.join('\n')}\n${frame}`;
    }

    #draw(): void {
      super.update();
    }

    #notice(text: string): void {
      // Control sequences alone, such as cli-cursor's hide-cursor that log-update writes to
      // stderr while drawing, are dropped (as listr2's release drops them): as a notice they
      // would redraw from inside a draw.
      if (mod.cleanseAnsi(text).trim() === '') return;
      // The frame always ends at the start of a line: a leading newline would only add a gap.
      const lines = text.replace(/^\n+/, '').replace(/\n$/, '').split('\n');
      if (lines.length === 1 && lines[0] === '') return;
      this.#notices.push(...lines);
      this.update();
    }
  }

  return { renderer: FramedRenderer, spinner: new PacedSpinner() };
}

/** The latest notices while the frame is live (it must stay short), all of them at the end. */
function noticesToShow(notices: readonly string[], ending: boolean): string[] {
  if (ending || notices.length <= LIVE_NOTICE_LINES) return [...notices];
  const hidden = notices.length - LIVE_NOTICE_LINES;
  return [`(${hidden} earlier line${hidden === 1 ? '' : 's'}, printed when the run ends)`, ...notices.slice(-LIVE_NOTICE_LINES)];
}

/** Replaces `stream.write` so text written to it goes to `onText` instead. */
function divertWrites(stream: NodeJS.WriteStream, onText: (text: string) => void): void {
  const write = (chunk: unknown, encodingOrDone?: unknown, done?: unknown): boolean => {
    onText(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
    if (typeof callback === 'function') process.nextTick(() => (callback as () => void)());
    return true;
  };
  stream.write = write as NodeJS.WriteStream['write'];
}
