import { createRenderer } from '../internal.js';
import type { Renderer } from '../internal.js';
import type { CommonOptions } from './common-options.js';
import type { CliIo } from './io.js';
import { outputFlowFor } from './io-flow.js';

/** The renderer `--output` asks for (auto: the live view on a terminal, `stream` otherwise). */
export function chooseRenderer(options: CommonOptions, io: CliIo): Promise<Renderer> {
  return createRenderer(options.output, io, { color: options.color, quiet: options.quiet === true, flow: outputFlowFor(io) });
}
