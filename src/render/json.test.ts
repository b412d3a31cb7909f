import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { recordRun, RECORDED_START, type HostScript } from './__fixtures__/run-events.js';
import { JsonRenderer } from './json.js';
import { StringSink } from './renderer.js';
import { SpillStore } from './spill-store.js';

async function render(events: FleetEvent[]): Promise<string> {
  const out = new StringSink();
  const renderer = new JsonRenderer(out);
  for (const event of events) renderer.onEvent(event);
  // Nothing until close: the document is written once, whole.
  expect(out.text).toBe('');
  await renderer.close();
  return out.text;
}

describe('JsonRenderer', () => {
  it('writes one document in the DESIGN §4 shape, hosts in inventory order', async () => {
    const events = recordRun(
      'uname -r',
      [
        { host: 'web1', output: [['stdout', '6.1.0\n'], ['stderr', 'note\n']], durationMs: 120 },
        { host: 'web2', output: [['stdout', 'partial']], exitCode: 3, durationMs: 90 },
        { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_TIMEOUT', message: 'no answer in 10s' }, durationMs: 10_000 },
      ],
      10_050,
    );
    const text = await render(events);
    expect(text.endsWith('}\n')).toBe(true);
    const doc: unknown = JSON.parse(text);
    expect(doc).toEqual({
      version: 1,
      command: 'uname -r',
      started: RECORDED_START,
      duration_ms: 10_050,
      hosts: [
        { host: 'web1', address: '10.0.0.1', port: 22, user: 'deploy', status: 'ok', exit_code: 0, signal: null, stdout: '6.1.0\n', stderr: 'note\n', stdout_base64: null, stderr_base64: null, duration_ms: 120, error: null },
        { host: 'web2', address: '10.0.0.2', port: 22, user: 'deploy', status: 'failed', exit_code: 3, signal: null, stdout: 'partial', stderr: '', stdout_base64: null, stderr_base64: null, duration_ms: 90, error: null },
        {
          host: 'db1',
          address: '10.0.0.3',
          port: 22,
          user: 'deploy',
          status: 'unreachable',
          exit_code: null,
          signal: null,
          stdout: '',
          stderr: '',
          stdout_base64: null,
          stderr_base64: null,
          duration_ms: 10_000,
          error: { code: 'FLEET_CONNECT_TIMEOUT', message: 'no answer in 10s' },
        },
      ],
      summary: { total: 3, ok: 1, unchanged: 0, failed: 1, timeout: 0, unreachable: 1, auth: 0, hostkey: 0, error: 0, lost: 0, skipped: 0, interrupted: 0 },
    });
  });

  it('keeps remote output byte for byte (JSON escapes it, the reader gets it back)', async () => {
    const raw = 'a\u001b[31mb\u0000c\r\n\u009b';
    const doc = JSON.parse(await render(recordRun('x', [{ host: 'h', output: [['stdout', raw]] }]))) as { hosts: { stdout: string }[] };
    expect(doc.hosts[0]?.stdout).toBe(raw);
  });

  it('keeps bytes that are not UTF-8 exact in stdout_base64, text before them included', async () => {
    const bin = Buffer.from([0xff, 0x00, 0xfe]);
    const events = recordRun('x', [
      { host: 'h', output: [['stdout', 'text then '], ['stdout', bin.toString('base64'), 'base64'], ['stdout', ' and more'], ['stderr', 'plain']] },
    ]);
    const doc = JSON.parse(await render(events)) as { hosts: { stdout: string; stdout_base64: string | null; stderr: string; stderr_base64: string | null }[] };
    const host = doc.hosts[0];
    const exact = Buffer.concat([Buffer.from('text then '), bin, Buffer.from(' and more')]);
    expect(Buffer.from(host?.stdout_base64 ?? '', 'base64').equals(exact)).toBe(true);
    expect(host?.stdout).toBe('text then \ufffd\u0000\ufffd and more');
    expect(host?.stderr).toBe('plain');
    expect(host?.stderr_base64).toBeNull();
  });

  it('marks hosts that never reported as pending', async () => {
    const events = recordRun('x', [{ host: 'a' }, { host: 'b' }]).filter((e) => !(e.type === 'exit' && e.host === 'b'));
    const doc = JSON.parse(await render(events)) as { hosts: { host: string; status: string }[] };
    expect(doc.hosts.map((h) => [h.host, h.status])).toEqual([
      ['a', 'ok'],
      ['b', 'pending'],
    ]);
  });

  it('writes nothing when the run never started', async () => {
    expect(await render([])).toBe('');
  });
});

describe('JsonRenderer, written entry by entry', () => {
  const render = async (events: FleetEvent[], store?: SpillStore): Promise<string> => {
    const sink = new StringSink();
    const renderer = new JsonRenderer(sink, store ? { store } : {});
    for (const event of events) renderer.onEvent(event);
    await renderer.close();
    return sink.text;
  };

  it('prints exactly what JSON.stringify(doc, null, 2) prints, with no hosts, one, or several', async () => {
    const runs: HostScript[][] = [[], [{ host: 'a' }], [{ host: 'a', output: [['stdout', 'x\n  "y": [1]\n']] }, { host: 'b', exitCode: 2 }, { host: 'c' }]];
    for (const scripts of runs) {
      const text = await render(recordRun('cmd', scripts));
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
  });

  it('gives the same document when the entries were spilled to disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-json-test-'));
    try {
      const events = recordRun('cmd', ['a', 'b', 'c'].map((host): HostScript => ({ host, output: [['stdout', `${host}\n`.repeat(50)]] })));
      const spilled = await render(events, new SpillStore(10, dir));
      expect(spilled).toBe(await render(events));
      expect(JSON.parse(spilled).hosts.map((h: { stdout: string }) => h.stdout.length)).toEqual([100, 100, 100]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
