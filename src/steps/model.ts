/**
 * The steps of a `fleet run`, as the engine sees them once loaded and validated
 * (load-steps.ts for files, normalize-steps.ts for both files and steps given in code).
 */
import type { Template } from './template.js';

/**
 * What happens around a step (DESIGN §2):
 * - `all`: a barrier after the step: no host starts the next step before every host finished it.
 * - `canary`: the first `canary` hosts (inventory order) run the step first; the rest start it
 *   only if every canary succeeded, else they skip it and every later step.
 * - `none`: no barrier; each host goes on to the next step as soon as it finished this one.
 */
export type StepGate = 'all' | 'canary' | 'none';

/** The gates, as a steps file spells them. */
export const STEP_GATES: readonly StepGate[] = ['all', 'canary', 'none'];

/** The action keys a step may have (exactly one). */
export const STEP_KINDS = ['exec', 'put', 'get', 'local'] as const;

/** What a step does. Commands and paths are templates (`{{ name }}`, see template.ts). */
export type StepAction =
  | { kind: 'exec'; command: Template }
  | { kind: 'local'; command: Template }
  | { kind: 'put'; src: Template; dest: Template; mode?: number; recursive?: boolean }
  | { kind: 'get'; src: Template; dest: Template; recursive?: boolean; allowDestOutside?: boolean };

/** The kind of a step: `exec`, `put`, `get` or `local`. */
export type StepKind = StepAction['kind'];

/** One validated step. */
export interface Step {
  /** 0-based position in the list. */
  index: number;
  /** `name:` as written, or one made from the action (`exec: uname -n`). */
  name: string;
  action: StepAction;
  gate: StepGate;
  /** Hosts that go first under `gate: canary`. Default 1. */
  canary: number;
  /** Host pattern (the `-l` language) limiting the step to some hosts. */
  when?: string;
  /** Each host's stdout, trimmed, is stored under this name for `{{ name }}` in later steps. */
  register?: string;
  /** Per-host bound on this step; default the run's `timeoutMs` (`--timeout`). */
  timeoutMs?: number;
  /** Exported before the command runs (exec and local steps). Values are templates. */
  env?: Record<string, Template>;
  /** Allocate a pseudo-terminal (exec steps; stderr then arrives in stdout). */
  pty?: boolean;
  /** `file:line` where the step was written, for messages (absent for steps given in code). */
  definedAt?: string;
}

/** Loaded steps plus where relative local paths resolve (the steps file's directory). */
export interface StepsFile {
  /** The steps file, or `<steps>` for steps given in code. */
  file: string;
  /** Relative local paths (put `src`, get `dest`, local commands' cwd) resolve here. */
  baseDir: string;
  steps: Step[];
}

/** The step reference events carry. */
export function stepRef(step: Pick<Step, 'index' | 'name'>): { index: number; name: string } {
  return { index: step.index, name: step.name };
}

/** `step 2 "restart"`: how messages name a step (1-based, as people count). */
export function describeStep(step: Pick<Step, 'index' | 'name'>): string {
  return `step ${step.index + 1} "${step.name}"`;
}
