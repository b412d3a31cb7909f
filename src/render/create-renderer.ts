import type { OutputFlow } from '../output-flow.js';
import { GroupRenderer } from './group.js';
import type { OutputMode } from './output-mode.js';
export { OUTPUT_MODES, type OutputMode } from './output-mode.js';
import { JsonRenderer } from './json.js';
import { JsonlRenderer } from './jsonl.js';
import { LiveRenderer } from './live/live-renderer.js';
import type { Renderer, TextSink } from './renderer.js';
import { StreamRenderer } from './stream.js';
import { createStyle, shouldUseColor } from './style.js';



/** Where renderers write, and the environment that decides colour and the live view. */
export interface RendererIo {
  stdout: TextSink & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: TextSink & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** What the command line says about output. */
export interface CreateRendererOptions {
  /** `false` for --no-color; undefined lets the terminal and NO_COLOR / FORCE_COLOR decide. */
  color?: boolean;
  /** -q: remote output only, no per-host error lines, no summary. */
  quiet?: boolean;
  /** The reader's backpressure: renderers that print at the end (group, json) keep its pace. */
  flow?: OutputFlow | undefined;
}

/**
 * The renderer for an `--output` mode. `auto` is the live view when stdout is a terminal (and
 * TERM is not `dumb`), else `stream`; with `quiet` it is always `stream`, since the live view's
 * progress is exactly the chatter -q asks to drop. Colour follows shouldUseColor for stdout.
 * json and jsonl never colour. Only the live view loads listr2, here, when it is chosen.
 */
export async function createRenderer(mode: OutputMode, io: RendererIo, opts: CreateRendererOptions = {}): Promise<Renderer> {
  const color = shouldUseColor(io.stdout.isTTY === true, io.env, opts.color);
  const style = createStyle(color);
  const quiet = opts.quiet === true;
  const common = { stdout: io.stdout, stderr: io.stderr, style, quiet };
  switch (mode) {
    case 'auto': {
      if (!isLiveTerminal(io) || quiet) return new StreamRenderer(common);
      const live = new LiveRenderer({ ...common, color, flow: opts.flow });
      await live.start();
      return live;
    }
    case 'stream':
      return new StreamRenderer(common);
    case 'group':
      return new GroupRenderer({ ...common, flow: opts.flow });
    case 'json':
      return new JsonRenderer(io.stdout, { flow: opts.flow });
    case 'jsonl':
      return new JsonlRenderer(io.stdout);
    default:
      // A mode from an unchecked string (a library caller in plain JS) is a usage bug.
      mode satisfies never;
      throw new TypeError(`unknown output mode: ${String(mode)}`);
  }
}

function isLiveTerminal(io: RendererIo): boolean {
  return io.stdout.isTTY === true && io.env['TERM'] !== 'dumb';
}
