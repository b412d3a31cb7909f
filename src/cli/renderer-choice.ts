import { createRenderer, type HostSpec, type Renderer, VerboseRenderer } from '../internal.js';
import { redactorFor, verbosity } from './verbosity.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';
import { outputFlowFor } from './io-flow.js';

/** The renderer `--output` asks for (auto: the live view on a terminal, `stream` otherwise). */
export async function chooseRenderer(options: CommonOptions, io: CliIo, hosts: readonly HostSpec[] = []): Promise<Renderer> {
  const level = verbosity(options);
  // -v lines on stderr would break the live view's redraws on the same terminal: `auto` is then
  // `stream`, as it is without a terminal.
  const mode = level > 0 && options.output === 'auto' ? 'stream' : options.output;
  const renderer = await createRenderer(mode, io, { color: options.color, quiet: options.quiet === true, flow: outputFlowFor(io) });
  // -v: phases on stderr beside the chosen renderer (stdout stays its own).
  return level === 0 ? renderer : new VerboseRenderer(renderer, io.stderr, { level, redact: redactorFor(options, io, hosts) });
}
