import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { acceptedLogins, startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';

type Exit = Extract<FleetEvent, { type: 'exit' }>;
type State = Extract<FleetEvent, { type: 'host_state' }>;

/** "Accepted publickey" lines in each host's sshd log: one per authenticated connection. */
function acceptedConnections(lab: Lab): Map<string, number> {
  const counts = acceptedLogins(lab);
  return new Map(lab.hosts.map((h, i) => [h.name, counts[i] ?? 0]));
}

/** Position in `events` of each step event of a host: `running` and `exit` per step. */
function positions(events: FleetEvent[]) {
  const running = new Map<string, number>();
  const exit = new Map<string, number>();
  events.forEach((e, i) => {
    if (e.type === 'host_state' && e.state === 'running' && e.step) running.set(`${e.host}#${e.step.index}`, i);
    if (e.type === 'exit' && e.step) exit.set(`${e.host}#${e.step.index}`, i);
  });
  return { running, exit };
}

describe('fleet run on a lab of 20 local sshd hosts', () => {
  let lab: Lab;
  let inventory: Inventory;
  let work: string;
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'fleet-steps-'));
    lab = await startLab({ hosts: 20, name: 'it-steps20' });
    inventory = await loadInventory(lab.inventoryFile, { sshConfig: false });
    // Outside /tmp and /root, which every lab host has its own of: a place all hosts share.
    work = await mkdtemp(path.join(lab.dir, 'shared-'));
  });
  afterAll(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    await lab?.stop();
  });

  it('gate all: no host starts a step before every host finished the previous one; one connection per host for all steps', async () => {
    const before = acceptedConnections(lab);
    await using fleet = openFleet({ inventory, forks: 5 }); // forks < hosts: barriers must not deadlock
    const events: FleetEvent[] = [];
    const report = await fleet.run(
      [
        // lab001 finishes last, so a missing barrier would show.
        { name: 'one', exec: 'if [ "$(uname -n)" = lab001 ]; then sleep 1; fi; echo one' },
        { name: 'two', exec: 'echo two' },
        { name: 'three', exec: 'echo three' },
      ],
      { onEvent: (e) => events.push(e) },
    );
    expect(report.summary).toMatchObject({ total: 20, ok: 20 });
    // run_start lists the steps, so a view can count them (step 2/3).
    expect(events[0]).toMatchObject({ type: 'run_start', steps: [{ index: 0, name: 'one' }, { index: 1, name: 'two' }, { index: 2, name: 'three' }] });
    const { running, exit } = positions(events);
    const hosts = lab.hosts.map((h) => h.name);
    for (const step of [0, 1]) {
      const lastExit = Math.max(...hosts.map((h) => exit.get(`${h}#${step}`) ?? Infinity));
      const firstNext = Math.min(...hosts.map((h) => running.get(`${h}#${step + 1}`) ?? -Infinity));
      expect(lastExit).toBeLessThan(firstNext);
    }
    for (const result of report.results) {
      expect(result.steps.map((s) => [s.name, s.status, s.stdout])).toEqual([
        ['one', 'ok', 'one\n'],
        ['two', 'ok', 'two\n'],
        ['three', 'ok', 'three\n'],
      ]);
      // Each host's gates, step by step: connect once, then run/done per step.
      const states = events.filter((e): e is State => e.type === 'host_state' && e.host === result.host).map((e) => `${e.state}${e.step ? `@${e.step.index}` : ''}`);
      expect(states).toEqual(['queued', 'connecting@0', 'authenticated@0', 'running@0', 'done@0', 'running@1', 'done@1', 'running@2', 'done@2']);
    }
    const after = acceptedConnections(lab);
    for (const host of hosts) expect((after.get(host) ?? 0) - (before.get(host) ?? 0)).toBe(1);
  });

  it('gate none: hosts flow through steps on their own (one starts step 2 while another is still in step 1)', async () => {
    const mark = path.join(work, 'lab002-reached-step-2');
    // lab001 stays in step 1 until lab002 has started step 2: with a barrier this could never end
    // (lab001's loop gives up after 30 s, echoes "gave up", and the assertions below fail).
    const wait = `if [ "$(uname -n)" = lab001 ]; then i=0; while [ ! -e '${mark}' ]; do i=$((i+1)); [ $i -gt 300 ] && { echo gave up; exit 0; }; sleep 0.1; done; fi; echo one`;
    const touch = `if [ "$(uname -n)" = lab002 ]; then touch '${mark}'; fi; echo two`;
    await using fleet = openFleet({ inventory, forks: 20 });
    const events: FleetEvent[] = [];
    const report = await fleet.run(
      [
        { name: 'wait', exec: wait, gate: 'none' },
        { name: 'mark', exec: touch, gate: 'none' },
        { name: 'last', exec: 'echo three' },
      ],
      { onEvent: (e) => events.push(e) },
    );
    expect(report.summary).toMatchObject({ total: 20, ok: 20 });
    const { running, exit } = positions(events);
    expect(running.get('lab002#1')).toBeLessThan(exit.get('lab001#0') ?? -1);
    expect(report.results[0]?.steps[0]?.stdout).toBe('one\n');
  });

  it('a failing canary stops the rest: they skip the step and every later one', async () => {
    await using fleet = openFleet({ inventory, forks: 20 });
    const events: FleetEvent[] = [];
    const report = await fleet.run(
      [
        { name: 'pre', exec: 'true' },
        { name: 'restart', exec: '[ "$(uname -n)" != lab002 ]', gate: 'canary', canary: 2 },
        { name: 'post', exec: 'true' },
      ],
      { onEvent: (e) => events.push(e) },
    );
    const byHost = new Map(report.results.map((r) => [r.host, r]));
    expect(byHost.get('lab001')?.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'skipped']);
    expect(byHost.get('lab002')?.steps.map((s) => s.status)).toEqual(['ok', 'failed', 'skipped']);
    expect(byHost.get('lab002')?.steps[2]).toMatchObject({ skip: 'host-failed', error: { code: 'FLEET_SKIPPED' } });
    const rest = lab.hosts.slice(2).map((h) => h.name);
    for (const host of rest) {
      const result = byHost.get(host);
      expect(result?.ok).toBe(false);
      expect(result?.steps.map((s) => [s.status, s.skip])).toEqual([
        ['ok', undefined],
        ['skipped', 'stopped'],
        ['skipped', 'stopped'],
      ]);
      if (result?.error) expect(result.error.code).toBe('FLEET_SKIPPED');
      // Never started the canary step: no running event for it, one skipped exit naming the canary.
      expect(events.some((e) => e.type === 'host_state' && e.host === host && e.state === 'running' && e.step?.index === 1)).toBe(false);
      const exits = events.filter((e): e is Exit => e.type === 'exit' && e.host === host);
      expect(exits.map((e) => [e.step?.index, e.status])).toEqual([
        [0, 'ok'],
        [1, 'skipped'],
      ]);
      expect(exits[1]?.error?.message).toMatch(/canary hosts failed step 2 "restart" \(lab002\)/);
    }
    expect(report.summary).toMatchObject({ total: 20, failed: 1, skipped: 19 });
    expect(report.stopped?.code).toBe('FLEET_SKIPPED');
  });

  it('register carries each host its own value into later steps (and local steps run once)', async () => {
    await using fleet = openFleet({ inventory, forks: 20 });
    const report = await fleet.run([
      { local: 'echo v42', register: 'release' },
      { exec: 'uname -n', register: 'n', gate: 'none' },
      { exec: 'echo "$(uname -n) says" {{ n }} {{ release }}; echo {{ n | raw }}x' },
    ]);
    expect(report.summary).toMatchObject({ total: 20, ok: 20 });
    expect(report.local).toMatchObject([{ index: 0, status: 'ok', stdout: 'v42\n' }]);
    for (const result of report.results) {
      expect(result.vars).toMatchObject({ n: result.host, release: 'v42', host: result.host });
      expect(result.steps[1]?.stdout).toBe(`${result.host} says ${result.host} v42\n${result.host}x\n`);
    }
  });

  it('put and get steps use the same connection as exec steps', async () => {
    const before = acceptedConnections(lab);
    const dir = await mkdtemp(path.join(tmp, 'case-'));
    await writeFile(path.join(dir, 'notes.txt'), 'from fleet\n');
    const file = path.join(dir, 'steps.yaml');
    await writeFile(
      file,
      [
        'steps:',
        '  - put: {src: notes.txt, dest: /tmp/notes/notes.txt, mode: "0600"}',
        '  - exec: echo {{ host }} >> /tmp/notes/notes.txt && stat -c %a /tmp/notes/notes.txt',
        '    gate: none',
        '  - get: {src: /tmp/notes/notes.txt, dest: fetched}',
        '',
      ].join('\n'),
    );
    await using fleet = openFleet({ inventory, forks: 20 });
    const report = await fleet.run(file);
    expect(report.summary).toMatchObject({ total: 20, ok: 20 });
    for (const result of report.results) {
      expect(result.steps.map((s) => [s.kind, s.status])).toEqual([
        ['put', 'ok'],
        ['exec', 'ok'],
        ['get', 'ok'],
      ]);
      expect(result.steps[1]?.stdout).toBe('600\n');
      // Relative paths resolve against the steps file's directory.
      expect(readFileSync(path.join(dir, 'fetched', result.host, 'notes.txt'), 'utf8')).toBe(`from fleet\n${result.host}\n`);
    }
    const after = acceptedConnections(lab);
    for (const h of lab.hosts) expect((after.get(h.name) ?? 0) - (before.get(h.name) ?? 0)).toBe(1);
  });

  it('--max-fail stops starting steps once more hosts than allowed have failed', async () => {
    const dir = await mkdtemp(path.join(tmp, 'case-'));
    const file = path.join(dir, 'steps.yaml');
    // forks 1: hosts go one at a time in inventory order, so which ones ran is determined.
    await writeFile(file, 'steps:\n  - name: check\n    exec: case "$(uname -n)" in lab00[1-3]) exit 4;; esac\n  - exec: "true"\n');
    const run = await runCli(['run', file, '-i', lab.inventoryFile, '-f', '1', '--max-fail', '1', '--output', 'json', '--ssh-config', '/dev/null']);
    const doc = JSON.parse(run.stdout) as { hosts: { host: string; status: string; error: { code: string; message: string } | null }[] };
    // Skipped hosts did not run: 3, as for any host that could not run (exit-codes.ts).
    expect(run.code).toBe(3);
    expect(doc.hosts.slice(0, 3).map((h) => [h.host, h.status])).toEqual([
      ['lab001', 'failed'],
      ['lab002', 'failed'],
      ['lab003', 'skipped'],
    ]);
    expect(doc.hosts.slice(2).every((h) => h.status === 'skipped' && h.error?.code === 'FLEET_SKIPPED')).toBe(true);
    expect(doc.hosts[2]?.error?.message).toMatch(/max-fail 1 exceeded \(2 of 20 hosts failed\)/);
  });

  it('jsonl keeps step output that is not UTF-8 byte-exact (base64), as exec does', async () => {
    const dir = await mkdtemp(path.join(tmp, 'bytes-'));
    const file = path.join(dir, 'bytes.yaml');
    await writeFile(file, "- exec: printf '\\377\\000\\376ok'\n- exec: printf 'two'\n");
    const run = await runCli(['run', file, '-i', lab.inventoryFile, '-l', 'lab001', '--output', 'jsonl', '--ssh-config', '/dev/null']);
    expect(run.code).toBe(0);
    const events = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data?: string; encoding?: string });
    const stdout = events.filter((e) => e.type === 'stdout');
    expect(stdout.some((e) => e.encoding === 'base64')).toBe(true);
    const bytes = Buffer.concat(stdout.map((e) => Buffer.from(e.data ?? '', e.encoding === 'base64' ? 'base64' : 'utf8')));
    expect([...bytes]).toEqual([0xff, 0x00, 0xfe, ...Buffer.from('oktwo')]);
  });

  it('CLI: streams each step, exits 3 when a canary failure left hosts skipped, 2 (before connecting) for a bad steps file', async () => {
    const dir = await mkdtemp(path.join(tmp, 'case-'));
    const good = path.join(dir, 'good.yaml');
    await writeFile(good, '- exec: uname -n\n  register: n\n- exec: echo hi {{ n }}\n  gate: canary\n- exec: "[ $(uname -n) != lab001 ]"\n  gate: canary\n');
    const run = await runCli(['run', good, '-i', lab.inventoryFile, '-l', 'lab00[1:3]', '--output', 'stream', '--ssh-config', '/dev/null']);
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n').filter((l) => l.includes('hi')).sort()).toEqual(['lab001 | hi lab001', 'lab002 | hi lab002', 'lab003 | hi lab003']);
    expect(run.stderr).toMatch(/1 failed, 2 skipped/);

    const before = acceptedConnections(lab);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'steps:\n  - exec: uptime\n  - exec: df\n    gatee: none\n');
    const failed = await runCli(['run', bad, '-i', lab.inventoryFile, '--ssh-config', '/dev/null']);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(`${bad}:4:5: unknown key "gatee" (did you mean "gate"?)`);
    const unknownWhen = path.join(dir, 'when.yaml');
    await writeFile(unknownWhen, '- exec: uptime\n  when: nosuchhost\n');
    expect((await runCli(['run', unknownWhen, '-i', lab.inventoryFile, '--ssh-config', '/dev/null'])).code).toBe(2);
    expect(acceptedConnections(lab)).toEqual(before);
  });
});
