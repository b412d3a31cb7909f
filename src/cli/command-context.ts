import type { CliIo } from './io.js';

/** What every command definition gets: the process's io and where to put its exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode: (code: number) => void;
}
