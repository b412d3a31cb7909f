// What `npm pack` ships, and that the packed tarball installs and runs like a user's would:
// `npm install -g --prefix DIR fleet-X.tgz` (dependencies from the npm registry), then
// `DIR/bin/fleet --version` and one exec against the local sshd lab.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');

interface PackedFile {
  path: string;
}

/** The files `npm pack` would put in the tarball (dist must be built: npm run build). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as Array<{ files: PackedFile[] }>;
  return (pack?.files ?? []).map((f) => f.path).sort();
}

/** Every `.ts` below src/ (relative, with `/`), recursively. */
async function sourceFiles(dir = 'src'): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await sourceFiles(rel)));
    else if (rel.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/**
 * The list the package must hold, derived from the tree so that a new library module does not
 * need an edit here: the library as compiled JS + .d.ts (no tests, fixtures, bench helpers or the
 * CLI's own modules), the CLI bundle (esbuild's content hashes folded to HASH), bin, LICENSE, README.
 */
async function expectedFiles(bundle: string[]): Promise<string[]> {
  const library = (await sourceFiles())
    .filter((f) => !f.endsWith('.test.ts') && !f.includes('/__fixtures__/') && !f.startsWith('src/cli/') && f !== 'src/inventory/bench-inventory.ts')
    .flatMap((f) => {
      const base = `dist/${f.slice(0, -'.ts'.length)}`;
      return [`${base}.js`, `${base}.d.ts`];
    });
  return [...library, ...bundle, 'LICENSE', 'README.md', 'bin/fleet', 'package.json'].sort();
}

describe('npm pack', () => {
  it('ships the library, one CLI bundle, bin, LICENSE and README: no source maps, no dist/src/cli, no test helpers', async () => {
    const files = await packedFiles();
    const bundle = files.filter((f) => f.startsWith('dist/cli/'));
    expect(files).toEqual(await expectedFiles(bundle));
    // The bundle: the entry points and esbuild's chunks, nothing else (no maps, no d.ts).
    const shapes = new Set(bundle.map((f) => f.replace(/-[A-Z0-9]{8}\.js$/, '-HASH.js')));
    expect([...shapes].filter((f) => !/^dist\/cli\/(main|hash-worker|keeper-main|chunk-HASH|[a-z]+-action-HASH)\.js$/.test(f) && !/^dist\/cli\/[a-z-]+-HASH\.js$/.test(f))).toEqual([]);
    expect(shapes.has('dist/cli/main.js')).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('declares as runtime dependencies exactly what the shipped code imports', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const file of (await sourceFiles()).filter((f) => !f.endsWith('.test.ts') && f !== 'src/inventory/bench-inventory.ts')) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      // Static imports and the lazy require()/import() of a bare name.
      // (`from` only in an import/export statement: the report page's script has "to/from ' + n".)
      for (const m of text.matchAll(/(?:^\s*(?:import|export)\b[^;]*?\bfrom\s+|import\(|requireModule\()'([^'.][^']*)'/gm)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
      }
    }
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...imported].sort());
  });
});

describe('installed from the packed tarball', () => {
  let lab: Lab;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-install-'));
    lab = await startLab({ hosts: 2, name: 'e2e-install' });
  }, 300_000);

  afterAll(async () => {
    await lab?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('npm install -g --prefix DIR fleet-X.tgz gives a fleet that prints its version and runs an exec', async () => {
    const { stdout: packOut } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(packOut) as Array<{ filename: string }>;
    const tarball = path.join(scratch, packed?.filename ?? 'missing.tgz');
    const prefix = path.join(scratch, 'prefix');
    // The user's npm cache, preferred over the registry (the dependencies are in it since
    // `npm ci`; a private cache re-downloaded them: 65 s instead of ~15 s per run). The
    // dependencies still resolve from the package's own manifest, as for any user.
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: scratch,
      maxBuffer: 16 * 1024 * 1024,
    });
    const fleet = path.join(prefix, 'bin', 'fleet');
    // PATH without the repo's node_modules/.bin: the installed copy must stand alone.
    const env = { PATH: path.dirname(process.execPath) + ':/usr/bin:/bin', HOME: scratch };
    const version = await run(fleet, ['--version'], { cwd: scratch, env });
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const exec = await run(fleet, ['exec', 'uname -n', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'json'], { cwd: scratch, env });
    const doc = JSON.parse(exec.stdout) as { hosts: Array<{ host: string; stdout: string }> };
    expect(doc.hosts.map((h) => [h.host, h.stdout.trim()])).toEqual(lab.hosts.map((h) => [h.name, h.name]));
    // The installed package is the packed one: no maps, no second CLI.
    const installed = path.join(prefix, 'lib', 'node_modules', 'fleet');
    expect(await readdir(path.join(installed, 'dist'))).toEqual(['cli', 'src']);
    expect((await readdir(path.join(installed, 'dist', 'src'))).includes('cli')).toBe(false);
  });
});
