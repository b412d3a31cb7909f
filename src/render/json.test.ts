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
      version: 2,
      command: 'uname -r',
      started: RECORDED_START,
      durationMs: 10_050,
      hosts: [
        { host: 'web1', address: '10.0.0.1', port: 22, user: 'deploy', status: 'ok', exitCode: 0, signal: null, stdout: '6.1.0\n', stderr: 'note\n', stdoutBase64: null, stderrBase64: null, durationMs: 120, error: null },
        { host: 'web2', address: '10.0.0.2', port: 22, user: 'deploy', status: 'failed', exitCode: 3, signal: null, stdout: 'partial', stderr: '', stdoutBase64: null, stderrBase64: null, durationMs: 90, error: null },
        {
          host: 'db1',
          address: '10.0.0.3',
          port: 22,
          user: 'deploy',
          status: 'unreachable',
          exitCode: null,
          signal: null,
          stdout: '',
          stderr: '',
          stdoutBase64: null,
          stderrBase64: null,
          durationMs: 10_000,
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

  it('keeps bytes that are not UTF-8 exact in stdoutBase64, text before them included', async () => {
    const bin = Buffer.from([0xff, 0x00, 0xfe]);
    const events = recordRun('x', [
      { host: 'h', output: [['stdout', 'text then '], ['stdout', bin.toString('base64'), 'base64'], ['stdout', ' and more'], ['stderr', 'plain']] },
    ]);
    const doc = JSON.parse(await render(events)) as { hosts: { stdout: string; stdoutBase64: string | null; stderr: string; stderrBase64: string | null }[] };
    const host = doc.hosts[0];
    const exact = Buffer.concat([Buffer.from('text then '), bin, Buffer.from(' and more')]);
    expect(Buffer.from(host?.stdoutBase64 ?? '', 'base64').equals(exact)).toBe(true);
    expect(host?.stdout).toBe('text then \ufffd\u0000\ufffd and more');
    expect(host?.stderr).toBe('plain');
    expect(host?.stderrBase64).toBeNull();
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

  it('streams mixed text and bytes chunk by chunk to the same text and base64 as the whole', async () => {
    const bytes = Buffer.from('héllo ✓ wörld\n\xff\xfe tail ✓', 'latin1');
    const whole = Buffer.concat([Buffer.from('start é\n'), Buffer.from([0xe2, 0x9c]), Buffer.from([0x93, 0xff]), bytes]);
    const output: HostScript['output'] = [
      ['stdout', 'start é\n'],
      ['stdout', Buffer.from([0xe2, 0x9c]).toString('base64'), 'base64'],
      ['stdout', Buffer.from([0x93, 0xff]).toString('base64'), 'base64'],
      ['stdout', bytes.toString('utf8')],
    ];
    // The last chunk is text: its UTF-8 bytes are what the host sent.
    const sent = Buffer.concat([whole.subarray(0, whole.length - bytes.length), Buffer.from(bytes.toString('utf8'))]);
    const doc = JSON.parse(await render(recordRun('cmd', [{ host: 'a', output }]), new SpillStore(4))) as { hosts: { stdout: string; stdoutBase64: string }[] };
    expect(doc.hosts[0]?.stdoutBase64).toBe(sent.toString('base64'));
    expect(doc.hosts[0]?.stdout).toBe(sent.toString('utf8'));
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
