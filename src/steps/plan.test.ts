import { describe, expect, it } from 'vitest';
import type { StepGate } from './model.js';
import { describePlan, planPhases } from './plan.js';
import { parseTemplate } from './template.js';

type Spec = StepGate | 'local' | `canary:${number}`;

/** Steps from a compact spec: `all`, `none`, `canary:2`, `local`. */
function steps(...specs: Spec[]) {
  return specs.map((spec, index) => {
    const command = parseTemplate('true');
    if (spec === 'local') return { index, gate: 'all' as const, canary: 1, action: { kind: 'local' as const, command } };
    const [gate, n] = spec.split(':') as [StepGate, string | undefined];
    return { index, gate, canary: Number(n ?? 1), action: { kind: 'exec' as const, command } };
  });
}

describe('planPhases (which steps run in which fan-out)', () => {
  it.each<[string, Spec[], string]>([
    ['every step gated all: one fan-out per step', ['all', 'all', 'all'], '[0] | [1] | [2]'],
    ['none steps join the next all step, whose barrier ends the fan-out', ['none', 'none', 'all', 'all'], '[0,1,2] | [3]'],
    ['trailing none steps form a last fan-out', ['all', 'none', 'none'], '[0] | [1,2]'],
    ['all none: one fan-out, hosts flow through on their own', ['none', 'none', 'none'], '[0,1,2]'],
    ['a canary step closes the open flow and stands alone', ['none', 'canary:2', 'none'], '[0] | canary 1 (x2) | [2]'],
    ['a local step is a barrier of its own', ['none', 'local', 'none', 'all'], '[0] | local 1 | [2,3]'],
    ['the deploy example: put, unpack, canary restart', ['all', 'none', 'canary:1'], '[0] | [1] | canary 2 (x1)'],
    ['a single step', ['canary:3'], 'canary 0 (x3)'],
  ])('%s', (_what, specs, plan) => {
    expect(describePlan(planPhases(steps(...specs)))).toBe(plan);
  });

  it('puts every step in exactly one phase, in order', () => {
    const specs: Spec[] = ['none', 'all', 'canary:2', 'local', 'none', 'none', 'all', 'none'];
    const order = planPhases(steps(...specs)).flatMap((p) => (p.kind === 'flow' ? p.steps : [p.step]));
    expect(order).toEqual(specs.map((_, i) => i));
  });
});
