/**
 * The gate planner: which steps run in which fan-out.
 *
 * Why fan-outs and not barriers inside one: a host holds a `--forks` slot for as long as its
 * fan-out function runs. A barrier inside one fan-out ("wait until every host finished step k")
 * would have the hosts in flight wait for hosts still queued behind them, which never get a slot
 * when forks < hosts: a deadlock. So every gate that waits for other hosts (`all`, `canary`, a
 * `local` step) ends a fan-out, and the next steps start a new fan-out over the same open
 * connections. Steps joined by `gate: none` stay inside one fan-out, where each host walks
 * through them on its own.
 */
import type { Step } from './model.js';

/** One fan-out (or the local step between two). Steps are indexes into the steps list. */
export type Phase =
  /** Each host runs these steps in order, independently of the others; a barrier follows. */
  | { kind: 'flow'; steps: number[] }
  /** The step on the first `canaries` hosts; if all succeed, on the rest; a barrier follows. */
  | { kind: 'canary'; step: number; canaries: number }
  /** A command run once on this machine, after every host finished the steps before it. */
  | { kind: 'local'; step: number };

/**
 * Splits `steps` into phases:
 * - `none` steps join the open flow; an `all` step joins it and closes it (its barrier);
 * - a `canary` step closes the open flow (the canaries start from a common point) and is a
 *   phase of its own; so is a `local` step;
 * - trailing `none` steps form a final flow.
 */
export function planPhases(steps: readonly Pick<Step, 'index' | 'gate' | 'canary' | 'action'>[]): Phase[] {
  const phases: Phase[] = [];
  let flow: number[] = [];
  const closeFlow = (): void => {
    if (flow.length > 0) phases.push({ kind: 'flow', steps: flow });
    flow = [];
  };
  for (const step of steps) {
    if (step.action.kind === 'local') {
      closeFlow();
      phases.push({ kind: 'local', step: step.index });
    } else if (step.gate === 'canary') {
      closeFlow();
      phases.push({ kind: 'canary', step: step.index, canaries: step.canary });
    } else {
      flow.push(step.index);
      if (step.gate === 'all') closeFlow();
    }
  }
  closeFlow();
  return phases;
}

/** A one-line description of a plan, for `--verbose` and tests: `[0,1] | canary 2 (x2) | local 3`. */
export function describePlan(phases: readonly Phase[]): string {
  return phases
    .map((p) => {
      switch (p.kind) {
        case 'flow':
          return `[${p.steps.join(',')}]`;
        case 'canary':
          return `canary ${p.step} (x${p.canaries})`;
        case 'local':
          return `local ${p.step}`;
      }
    })
    .join(' | ');
}
