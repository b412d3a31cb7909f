/**
 * The published package as a TypeScript consumer gets it (`npm run build` first): `npm pack`,
 * the tarball unpacked as `node_modules/fleet` of a project outside this checkout, with only
 * fleet's production dependencies beside it (linked from this checkout's node_modules, so no
 * registry is needed) and @types/node, then `tsc --noEmit` under `strict` and
 * `skipLibCheck: false`: every declaration file the consumer reaches must compile without
 * fleet's dev dependencies (today's trap: `.d.ts` files importing @types/ssh2).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const TSC = path.join(ROOT, 'node_modules/.bin/tsc');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-consumer-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The top-level node_modules entries (`name` or `@scope/name`) of fleet's production dependency tree. */
async function productionPackages(): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const names = new Set<string>();
  for (const line of stdout.split('\n')) {
    const rel = path.relative(path.join(ROOT, 'node_modules'), line);
    if (rel === '' || rel.startsWith('..')) continue;
    const parts = rel.split(path.sep);
    names.add(parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return [...names];
}

const CONSUMER = `import { connect, openFleet, type ExecOutput, type FleetEvent, type HostResult } from 'fleet';

const fleet = openFleet({ inventory: [], forks: 4 });
fleet.on('exit', (e) => console.log(e.host, e.status, e.exitCode));
const report = await fleet.exec('uname -r', { timeoutMs: 5_000 });
for (const r of report.results) {
  const result: HostResult<ExecOutput> = r;
  if (result.ok) console.log(result.host, result.status, result.value.stdout);
  else console.log(result.host, result.status, result.error ? result.error.code : result.value.exitCode);
}
for await (const e of fleet.events({ types: ['exit'] })) {
  const exit: Extract<FleetEvent, { type: 'exit' }> = e;
  console.log(exit.durationMs);
}
await fleet.close();
await using session = await connect('localhost');
console.log((await session.exec('true')).code);
`;

describe('published types', () => {
  it('compile for a strict consumer with skipLibCheck: false, from the packed tarball', async () => {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
    const tarball = path.join(dir, stdout.trim().split('\n').at(-1) as string);
    const modules = path.join(dir, 'node_modules');
    mkdirSync(path.join(modules, '@types'), { recursive: true });
    await run('tar', ['xzf', tarball, '-C', dir]);
    renameSync(path.join(dir, 'package'), path.join(modules, 'fleet'));
    for (const name of await productionPackages()) {
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
    }
    symlinkSync(path.join(ROOT, 'node_modules/@types/node'), path.join(modules, '@types/node'));
    // No dev-only @types in the consumer: they would hide the problem this test is for.
    expect(readdirSync(path.join(modules, '@types'))).toEqual(['node']);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        include: ['consumer.ts'],
      }),
    );
    writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);
    const result = await run(TSC, ['-p', dir]).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
    // tsc over every declaration the consumer reaches (@types/node's included): ~20 s on an idle
    // machine, 3x that on a busy one.
  }, 240_000);
});
