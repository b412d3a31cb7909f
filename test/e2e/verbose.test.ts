// `-v` and `-vv` of the built CLI against the local sshd lab: per-host phases with timings on
// stderr (stdout untouched), host_phase events in jsonl, protocol debug with -vv.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { spawnFleet } from '../support/spawn-fleet.js';

const PHASES = ['tcp', 'banner', 'kex', 'auth', 'channel', 'exit'];

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: 'e2e-verbose' });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const fleet = (args: string[]) => spawnFleet(['exec', 'echo hi', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', ...args], { cwd: lab.dir });

/** `host  phase  12.3ms` lines of stderr, as {host: [phase, ...]}. */
function phaseLines(stderr: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of stderr.matchAll(/^(lab\d+) {2}(\w+) +(\d+\.\d)ms$/gm)) (out[m[1] as string] ??= []).push(m[2] as string);
  return out;
}

describe('fleet -v', () => {
  it('-v: every host\'s phases in order, with timings, on stderr; stdout is the stream output alone', async () => {
    const run = await fleet(['--output', 'stream', '-v']);
    expect(run.code).toBe(0);
    expect(phaseLines(run.stderr)).toEqual({ lab001: PHASES, lab002: PHASES });
    expect(run.stdout.trim().split('\n').sort()).toEqual(['lab001 | hi', 'lab002 | hi']);
    // Not in -v: no protocol debug.
    expect(run.stderr).not.toMatch(/ debug /);
  });

  it('jsonl carries host_phase events (camelCase durationMs, t) without -v', async () => {
    const run = await fleet(['--output', 'jsonl']);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; host: string; phase: string; durationMs: number; t: number });
    const phases = events.filter((e) => e.type === 'host_phase');
    expect(phases.filter((e) => e.host === 'lab001').map((e) => e.phase)).toEqual(PHASES);
    for (const e of phases) {
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      expect(e.t).toBeGreaterThanOrEqual(e.durationMs - 1);
    }
    expect(run.stderr).toBe('');
  });

  it('-vv: protocol debug per host, prefixed with the host; json on stdout still parses', async () => {
    const run = await fleet(['--output', 'json', '-vv']);
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stderr).toMatch(/^lab001 {2}debug +Handshake: KEX algorithm: /m);
    expect(run.stderr).toMatch(/^lab002 {2}debug +Remote ident: /m);
    expect(phaseLines(run.stderr)).toEqual({ lab001: PHASES, lab002: PHASES });
  });
});
