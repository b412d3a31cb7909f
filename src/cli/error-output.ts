/**
 * commander's error lines, made safe to follow: a suggestion must never turn a harmless
 * mistake into a run. `--dry-run` (fleet has none) used to get "Did you mean --rerun?", an
 * option that runs the command on hosts; a user looking for a dry run is told what shows the
 * selection instead, and options that run commands or widen a run are never suggested for
 * another word.
 */

/** Spellings of "show what would happen" that fleet does not have. */
const DRY_RUN_FLAGS = new Set(['--dry-run', '--dryrun', '--check', '--noop', '--no-op', '--what-if', '--whatif', '--simulate']);

/** Options that make fleet act (run commands, as root, without asking): never a suggestion. */
const ACTING_OPTIONS = new Set(['--rerun', '--only-failed', '--sudo', '--sudo-password-env', '--yes', '--stdin', '--recursive']);

const UNKNOWN_OPTION = /^error: unknown option '([^']+)'\n\(Did you mean (\S+)\?\)\n$/;
const UNKNOWN_OPTION_ALONE = /^error: unknown option '([^']+)'\n$/;

/** commander's `outputError` text, rewritten as above; other errors pass through. */
export function rewriteCommanderError(text: string): string {
  const match = UNKNOWN_OPTION.exec(text) ?? UNKNOWN_OPTION_ALONE.exec(text);
  if (!match) return text;
  const flag = match[1] ?? '';
  const suggestion = match[2];
  if (DRY_RUN_FLAGS.has(flag.split('=')[0] ?? flag)) {
    return `error: unknown option '${flag}': fleet has no dry run; \`fleet hosts\` with the same -i/-H/-l lists the hosts a command would run on, connecting to none\n`;
  }
  if (suggestion === undefined || ACTING_OPTIONS.has(suggestion)) return `error: unknown option '${flag}'\n`;
  // One line: scripts and tests read the first line of stderr.
  return `error: unknown option '${flag}' (did you mean ${suggestion}?)\n`;
}
