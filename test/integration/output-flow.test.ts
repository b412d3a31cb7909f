// Backpressure from the reader of fleet's output to the remote command (src/output-flow.ts),
// against a real sshd: while the reader is congested the channel is not read, the host's SSH
// window fills and the command blocks; once it clears, everything arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import type { OutputFlow } from '../../src/output-flow.js';
import { startLab, type Lab } from '../lab/lab.js';

const TOTAL = 32 * 1024 * 1024;

/** A flow the test opens and closes by hand. */
function manualFlow(): OutputFlow & { clear(): void } {
  let congested = true;
  let wake: (() => void) | undefined;
  return {
    get congested() {
      return congested;
    },
    whenClear: () => (congested ? new Promise<void>((resolve) => (wake = resolve)) : Promise.resolve()),
    clear() {
      congested = false;
      wake?.();
    },
  };
}

describe('exec output flow', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'it-output-flow' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('holds a host back while the reader is congested, and delivers every byte once it clears', async () => {
    await using fleet = openFleet({ inventory: await loadInventory(lab.inventoryFile) });
    const flow = manualFlow();
    let received = 0;
    const run = fleet.exec(`yes | head -c ${TOTAL}`, {
      outputFlow: flow,
      capture: false,
      maxOutputBytes: TOTAL,
      onEvent: (event) => {
        if (event.type === 'stdout') received += event.data.length;
      },
    });
    // The marker that 32 MiB had every chance to pass: the same output, unthrottled, over the same
    // connection, arrives in full meanwhile (a wait on an event, not on the clock).
    let control = 0;
    const unthrottled = await fleet.exec(`yes | head -c ${TOTAL}`, {
      capture: false,
      maxOutputBytes: TOTAL,
      onEvent: (event) => {
        if (event.type === 'stdout') control += event.data.length;
      },
    });
    expect(unthrottled.summary.ok).toBe(1);
    expect(control).toBe(TOTAL);
    // At most one SSH window (2 MiB) and what was in flight, far from the 32 MiB the command wants
    // to write (possibly nothing: the channel pauses at its first packet, the shell's pgid report).
    expect(received).toBeLessThan(6 * 1024 * 1024);
    flow.clear();
    const report = await run;
    expect(report.summary.ok).toBe(1);
    expect(received).toBe(TOTAL);
  });
});
