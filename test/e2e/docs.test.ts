// docs/api.md's examples compile: each ```ts block becomes a module importing 'fleet' (mapped to
// src/index.ts) and the whole set is type-checked with the project's compiler settings.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

let dir: string;
let blocks: string[];

beforeAll(async () => {
  const doc = await readFile(path.join(ROOT, 'docs', 'api.md'), 'utf8');
  blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  // Inside the repo, so that node_modules and the project's tsconfig resolve.
  dir = await mkdtemp(path.join(ROOT, '.docs-check-'));
  await Promise.all(blocks.map((code, i) => writeFile(path.join(dir, `example-${String(i + 1).padStart(2, '0')}.ts`), code)));
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, paths: { fleet: ['../src/index.ts'] } }, include: ['*.ts'] }),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docs/api.md', () => {
  it('has examples for the main entry points', () => {
    const all = blocks.join('\n');
    for (const name of ['openFleet', 'loadInventory', 'connect', 'createRenderer', 'selectHosts', 'isFleetError', '.put(', '.get(', '.run(', '.on(']) {
      expect(all).toContain(name);
    }
  });

  it('every ts example type-checks against the source', async () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
  }, 120_000);
});
