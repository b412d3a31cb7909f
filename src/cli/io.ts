import type { TextSink } from '../internal.js';

/** Everything the CLI touches outside itself, so tests can run `main` in-process. */
export interface CliIo {
  stdout: TextSink & { isTTY?: boolean; columns?: number };
  stderr: TextSink & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on the second Ctrl-C (or SIGTERM): stop remote commands now. */
  interrupt?: AbortSignal;
  /** Aborted on the first Ctrl-C: start no new hosts. */
  drain?: AbortSignal;
  /**
   * Called when hosts are about to be contacted (before that, nothing needs stopping): the
   * real CLI installs its Ctrl-C/SIGTERM handlers then, so that until then the signals' default
   * action ends the process at once, even during a long synchronous inventory parse.
   */
  beforeConnect?: () => void;
  /** For the rare prompt (`fleet hostkeys accept` without --yes); absent or not a TTY: never prompt. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}
