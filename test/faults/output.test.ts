/**
 * Hostile output: ANSI escapes, NULs, invalid UTF-8 and 100 MB of text from a real host. The
 * capture is capped per host with a visible marker and memory stays bounded; terminal modes
 * neutralise control characters; jsonl carries the exact bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';
import { sampleRetainedMemory } from '../support/retained-memory.js';
import { checkedRun, useLeakGuard } from './support/checks.js';
import { direct, hostSpecs } from './support/fault-hosts.js';

// ESC [31m, an OSC title, BEL, NUL, a C1 CSI (0x9b) and a lone invalid byte (0xff).
const HOSTILE = Buffer.from('red \x1b[31mRED\x1b[0m nul:\x00: bell\x07 osc \x1b]0;pwned\x07 c1:\xc2\x9b2J bad:\xff end\n', 'latin1');
const PRINTF = `printf '${[...HOSTILE].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}'`;
const HUNDRED_MB = 100_000_000;

describe('hostile output', () => {
  let lab: Lab;
  let inventory: string;
  useLeakGuard();
  beforeAll(async () => {
    lab = await startLab({ hosts: 2, name: 'faults-output' });
    inventory = lab.inventoryFile;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('caps 100 MB per host with a truncation marker, keeping memory bounded', async () => {
    await using fleet = openFleet({ inventory: hostSpecs(lab, lab.hosts.map((h) => direct(h))) });
    const memory = sampleRetainedMemory();
    try {
      const run = await checkedRun((onEvent) => fleet.exec(`head -c ${HUNDRED_MB} /dev/zero | tr '\\0' a; echo tail >&2`, { onEvent, maxOutputBytes: 1 << 20 }));
      expect(run.status).toEqual({ lab001: 'ok', lab002: 'ok' });
      for (const r of run.report.results) {
        if (!r.ok) throw r.error;
        expect(r.value.truncated).toBe(true);
        expect(r.value.stdout).toBe(`${'a'.repeat(1 << 20)}\n[fleet: output truncated at ${1 << 20} bytes]\n`);
        expect(r.value.stderr).toBe('tail\n');
      }
      // 2 x 100 MB went through; what is held is the capped outputs plus channel buffers in flight.
      const peak = memory.stop();
      expect(peak).toBeLessThan(150 * 1024 * 1024);
    } finally {
      memory.stop();
    }
  });

  it('neutralises escapes in stream mode and keeps the exact bytes in jsonl', async () => {
    const args = ['exec', PRINTF, '-i', inventory, '-l', 'lab001', '--ssh-config', '/dev/null'];
    const stream = await runCli([...args, '--output', 'stream']);
    expect(stream.code).toBe(0);
    // No raw control character reaches the terminal: ESC, BEL, NUL, C1 CSI are all shown escaped.
    expect(stream.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x9b]/);
    expect(stream.stdout).toContain('lab001');
    expect(stream.stdout).toContain('RED');

    const jsonl = await runCli([...args, '--output', 'jsonl']);
    expect(jsonl.code).toBe(0);
    const events = jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data?: string; encoding?: string });
    const bytes = Buffer.concat(
      events.filter((e) => e.type === 'stdout').map((e) => Buffer.from(e.data ?? '', e.encoding === 'base64' ? 'base64' : 'utf8')),
    );
    expect(bytes.equals(HOSTILE)).toBe(true);
    // The jsonl text itself is safe to cat: no raw control character in it either.
    expect(jsonl.stdout.replaceAll('\n', '')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});
