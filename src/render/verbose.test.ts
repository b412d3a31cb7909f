import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../events.js';
import { StringSink } from './renderer.js';
import { createRedactor, sshDebugPrinter, VerboseRenderer } from './verbose.js';

describe('createRedactor', () => {
  it('hides each secret and each line of a multi-line one; short values are left alone', () => {
    const redact = createRedactor(['hunter22', '-----BEGIN KEY-----\nAAAAline1xyz\nBBBBline2xyz\n-----END KEY-----', 'ab', undefined]);
    expect(redact('pw hunter22, key BBBBline2xyz, ab')).toBe('pw ***, key ***, ab');
  });
});

describe('VerboseRenderer', () => {
  const phase: FleetEvent = { type: 'host_phase', host: 'web01', phase: 'kex', durationMs: 12.34, t: 40 };
  const forwarded: FleetEvent[] = [];
  const inner = { onEvent: (e: FleetEvent) => forwarded.push(e), close: async () => undefined };

  it('prints `host  phase  12.3ms` on stderr and forwards every event to the chosen renderer', () => {
    const stderr = new StringSink();
    const r = new VerboseRenderer(inner, stderr, { level: 1, redact: (t) => t });
    r.onEvent(phase);
    r.onEvent({ type: 'stdout', host: 'web01', data: 'x' });
    expect(stderr.text).toBe('web01  kex      12.3ms\n');
    expect(forwarded.map((e) => e.type)).toEqual(['host_phase', 'stdout']);
  });

  it('debug lines: prefixed, redacted, control characters escaped', () => {
    const stderr = new StringSink();
    sshDebugPrinter(stderr, createRedactor(['s3cret-pw']))('web01', 'Debug output from server: s3cret-pw \x1b[2J');
    expect(stderr.text).toBe('web01  debug    Debug output from server: *** \\x1b[2J\n');
  });
});
