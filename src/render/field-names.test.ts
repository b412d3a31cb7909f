// json and jsonl describe the same run: where both carry the same thing, they spell it the same
// way (camelCase, as the TypeScript events), so one consumer's code reads either format.
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { recordRun } from './__fixtures__/run-events.js';
import { JsonRenderer } from './json.js';
import { JsonlRenderer } from './jsonl.js';
import { StringSink } from './renderer.js';

const events = recordRun(
  'uname -r',
  [
    { host: 'web1', output: [['stdout', '6.1.0\n'], ['stderr', 'note\n']] },
    { host: 'web2', exitCode: 3, signal: null },
    { host: 'db1', status: 'unreachable', error: { code: 'FLEET_CONNECT_TIMEOUT', message: 'no answer' } },
  ],
  2_000,
);

async function both(input: FleetEvent[]): Promise<{ doc: Record<string, unknown>; lines: Record<string, unknown>[] }> {
  const json = new StringSink();
  const jsonl = new StringSink();
  const a = new JsonRenderer(json);
  const b = new JsonlRenderer(jsonl);
  for (const event of input) {
    a.onEvent(event);
    b.onEvent(event);
  }
  await a.close();
  await b.close();
  const lines = jsonl.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { doc: JSON.parse(json.text) as Record<string, unknown>, lines };
}

/** Every key at any depth of a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  return into;
}

// json-only fields: the output gathered per host (jsonl carries it as stdout/stderr events'
// `data`), and the document's own list of hosts.
const JSON_ONLY = new Set(['hosts', 'stdout', 'stderr', 'stdoutBase64', 'stderrBase64']);

describe('json and jsonl field names', () => {
  it('every key of the json document is camelCase and, unless json-only, spelled the same in some jsonl event', async () => {
    const { doc, lines } = await both(events);
    const jsonKeys = keysOf(doc);
    const jsonlKeys = keysOf(lines);
    for (const key of jsonKeys) expect(key, `json key ${key}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    for (const key of jsonlKeys) expect(key, `jsonl key ${key}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect([...jsonKeys].filter((k) => !JSON_ONLY.has(k) && !jsonlKeys.has(k))).toEqual([]);
  });

  it('the same things under the same names: the document and run_start/summary, each host and its exit', async () => {
    const { doc, lines } = await both(events);
    const start = lines.find((l) => l['type'] === 'run_start') as Record<string, unknown>;
    const summary = lines.find((l) => l['type'] === 'summary') as Record<string, unknown>;
    for (const key of ['version', 'command', 'started']) expect(doc[key], key).toEqual(start[key]);
    for (const key of ['durationMs', 'summary']) expect(doc[key], key).toEqual(summary[key]);
    const refs = start['hosts'] as Record<string, unknown>[];
    for (const host of doc['hosts'] as Record<string, unknown>[]) {
      const exit = lines.find((l) => l['type'] === 'exit' && l['host'] === host['host']) as Record<string, unknown>;
      const ref = refs.find((r) => r['host'] === host['host']) as Record<string, unknown>;
      for (const key of ['host', 'address', 'port', 'user']) expect(host[key], key).toEqual(ref[key]);
      for (const key of ['status', 'exitCode', 'signal', 'durationMs']) expect(host[key], `${String(host['host'])} ${key}`).toEqual(exit[key]);
      expect(host['error'] ?? undefined).toEqual(exit['error']);
    }
  });
});
