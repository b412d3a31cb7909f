/**
 * CPU profile of one `fleet exec` over the lab, summarized (self time per function and per area,
 * inclusive time per function) next to the same for the ssh2 fan-out baseline:
 *
 *   npx tsx bench/profile.ts [--hosts 100] [--rtt 0] [--top 25] [--command 'df /']
 *
 * The raw profiles go to bench/results/profile-<stamp>-<tool>.cpuprofile (git-ignored; open them
 * in Chrome DevTools > Performance). Build first (`npm run build`).
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBaselines } from './compile.js';
import { formatRows, summarizeProfile, type CpuProfile } from './cpuprofile.js';
import { LabViews } from './lab-views.js';
import { killAllChildren, runTimed } from './measure.js';
import { sshdCpuSeconds } from './server-cpu.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');

async function profileRun(name: string, argv: string[], outDir: string, serverCpu: () => number): Promise<string> {
  const dir = join(outDir, `${name}-prof`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const [node, ...rest] = argv;
  const before = serverCpu();
  const sample = await runTimed({ argv: [node ?? process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, ...rest] });
  await new Promise((r) => setTimeout(r, 150));
  const server = serverCpu() - before;
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`${name}: no profile written (exit ${sample.exitCode}): ${sample.stderrTail}`);
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const s = summarizeProfile(profile, Number(process.env['TOP'] ?? 25));
  const stamp = new Date().toISOString().replace(/:/g, '').replace(/\.\d+Z$/, 'Z');
  const keep = join(outDir, `profile-${stamp}-${name}.cpuprofile`);
  await writeFile(keep, JSON.stringify(profile));
  await rm(dir, { recursive: true, force: true });
  return [
    `### ${name}: ${argv.slice(1).join(' ')}`,
    `wall ${(sample.wallMs / 1000).toFixed(3)} s, exit ${sample.exitCode}, client CPU ${sample.cpuS?.toFixed(2)} s (GNU time), sshd CPU ${server.toFixed(2)} s, ` +
      `profiled ${s.totalMs.toFixed(0)} ms of which idle ${s.idleMs.toFixed(0)} ms; raw: ${relative(process.cwd(), keep)}`,
    formatRows('self time by area:', s.selfByArea),
    formatRows('self time by function:', s.selfByFunction),
    formatRows('inclusive time by function:', s.inclusiveByFunction),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '100' },
      rtt: { type: 'string', default: '0' },
      top: { type: 'string', default: '25' },
      command: { type: 'string', default: 'df /' },
    },
  });
  process.env['TOP'] = values.top;
  const hosts = Number(values.hosts);
  const work = join(repoRoot, '.lab', `bench-profile-${process.pid}`);
  const outDir = join(benchDir, 'results');
  await mkdir(work, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let views: LabViews | undefined;
  try {
    const scripts = await buildBaselines(benchDir);
    views = await LabViews.start({ hosts, work, repoRoot, log, name: 'bench-profile' });
    const lab = views.lab;
    const serverCpu = (): number => sshdCpuSeconds(lab.hosts.map((h) => h.pid));
    const view = await views.view(hosts, Number(values.rtt));
    const fleetArgv = [process.execPath, join(repoRoot, 'bin', 'fleet'), 'exec', values.command, '-i', view.inventoryFile, '-f', String(hosts), '--output', 'stream'];
    const naiveArgv = [process.execPath, scripts.ssh2Fanout, view.hostsJson, values.command, String(hosts)];
    // One unprofiled run each so both start with warm caches.
    await runTimed({ argv: fleetArgv });
    await runTimed({ argv: naiveArgv });
    process.stdout.write(`${await profileRun('fleet', fleetArgv, outDir, serverCpu)}\n\n`);
    process.stdout.write(`${await profileRun('ssh2-naive', naiveArgv, outDir, serverCpu)}\n`);
  } finally {
    await killAllChildren();
    await views?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
