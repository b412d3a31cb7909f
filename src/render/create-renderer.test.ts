import { describe, expect, it, vi } from 'vitest';
import { recordRun } from './__fixtures__/run-events.js';
import { createRenderer, OUTPUT_MODES, type OutputMode, type RendererIo } from './create-renderer.js';
import { GroupRenderer } from './group.js';
import { JsonRenderer } from './json.js';
import { JsonlRenderer } from './jsonl.js';
import { LiveRenderer } from './live/live-renderer.js';
import { StringSink } from './renderer.js';
import { StreamRenderer } from './stream.js';

// Counts evaluations of listr2: the factory runs only when something imports the module.
const listr2 = vi.hoisted(() => ({ loads: 0 }));
vi.mock('listr2', async (importOriginal) => {
  listr2.loads += 1;
  return importOriginal();
});

function io(isTTY: boolean, env: Record<string, string | undefined> = {}): RendererIo & { stdout: StringSink; stderr: StringSink } {
  const stdout = Object.assign(new StringSink(), { isTTY, columns: 100, rows: 40 });
  return { stdout, stderr: new StringSink(), env };
}

async function stderrOf(mode: OutputMode, target: ReturnType<typeof io>, color?: boolean): Promise<string> {
  const renderer = await createRenderer(mode, target, color === undefined ? {} : { color });
  for (const event of recordRun('x', [{ host: 'a', exitCode: 1 }])) renderer.onEvent(event);
  await renderer.close();
  return target.stderr.text;
}

describe('createRenderer', () => {
  it('picks the renderer class for each mode', async () => {
    const expected: Record<Exclude<OutputMode, 'auto'>, unknown> = { stream: StreamRenderer, group: GroupRenderer, json: JsonRenderer, jsonl: JsonlRenderer };
    for (const [mode, type] of Object.entries(expected)) {
      expect(await createRenderer(mode as OutputMode, io(true))).toBeInstanceOf(type);
    }
    expect(OUTPUT_MODES).toEqual(['auto', 'stream', 'group', 'json', 'jsonl']);
  });

  it('auto: stream without a terminal (listr2 never loaded), the live view on one', async () => {
    const before = listr2.loads;
    expect(await createRenderer('auto', io(false))).toBeInstanceOf(StreamRenderer);
    expect(await createRenderer('auto', io(true, { TERM: 'dumb' }))).toBeInstanceOf(StreamRenderer);
    expect(await createRenderer('auto', io(true), { quiet: true })).toBeInstanceOf(StreamRenderer);
    expect(listr2.loads).toBe(before);
    const live = await createRenderer('auto', io(true));
    expect(live).toBeInstanceOf(LiveRenderer);
    expect(listr2.loads).toBe(before + 1);
    await live.close();
  });

  it('colours on a terminal, not with NO_COLOR, --no-color or a pipe; FORCE_COLOR forces it', async () => {
    const red = '\u001b[31m';
    expect(await stderrOf('stream', io(true))).toContain(red);
    expect(await stderrOf('stream', io(true, { NO_COLOR: '1' }))).not.toContain(red);
    expect(await stderrOf('stream', io(true), false)).not.toContain(red);
    expect(await stderrOf('group', io(false))).not.toContain(red);
    expect(await stderrOf('group', io(false, { FORCE_COLOR: '1' }))).toContain(red);
  });

  it('passes quiet on: no summary', async () => {
    const target = io(false);
    const renderer = await createRenderer('group', target, { quiet: true });
    for (const event of recordRun('x', [{ host: 'a', exitCode: 1 }])) renderer.onEvent(event);
    await renderer.close();
    expect(target.stderr.text).toBe('');
    expect(target.stdout.text).toBe('---------------- a (1 host) exit 1\n');
  });

  it('rejects an unknown mode from untyped callers', async () => {
    await expect(createRenderer('lines' as OutputMode, io(false))).rejects.toThrow(TypeError);
  });
});
