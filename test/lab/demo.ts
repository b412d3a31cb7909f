/**
 * `npm run demo`: starts a lab of local sshd hosts (or reuses a running one), runs fleet against
 * it the way an operator would, and leaves the lab running so every command it printed can be
 * copied and run again: each is written as after an install (`fleet ...`) with the inventory's
 * absolute path. Needs root and openssh-server (scripts/setup.sh installs it).
 *
 * Env: FLEET_DEMO_HOSTS (default 20), FLEET_DEMO_NAME (lab name, default demo),
 * FLEET_DEMO_KEEP=0 (stop the lab at the end). Styling only on a terminal, never with NO_COLOR.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLab, startLab, stopLab, type Lab } from './lab.js';
import { defaultLabDir, labIsLive } from './state.js';

const HOSTS = Number(process.env['FLEET_DEMO_HOSTS'] ?? 20);
const NAME = process.env['FLEET_DEMO_NAME'] ?? 'demo';
const KEEP = process.env['FLEET_DEMO_KEEP'] !== '0';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const styled = process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === '' && process.env['TERM'] !== 'dumb';
const bold = (s: string): string => (styled ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string): string => (styled ? `\u001b[2m${s}\u001b[22m` : s);

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function fleet(args: string[]): Promise<number> {
  // Shown as a user types it after installing; run through this checkout's bin/fleet.
  process.stdout.write(`\n${bold(`$ fleet ${args.map(shellWord).join(' ')}`)}\n`);
  const child = spawn(process.execPath, [path.join(repo, 'bin/fleet'), ...args], { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 70)));
  process.stdout.write(`${dim(`(exit code ${code})`)}\n`);
  return code;
}

async function openLab(): Promise<{ lab: Lab; reused: boolean }> {
  const dir = defaultLabDir(NAME);
  const running = labIsLive(dir) ? loadLab(dir) : undefined;
  if (running) return { lab: running, reused: true };
  process.stdout.write(`starting a lab of ${HOSTS} sshd hosts on loopback (npm run lab -- up ${HOSTS} --name ${NAME})...\n`);
  // Detached: the lab outlives this process, so the commands below keep working after it.
  return { lab: await startLab({ hosts: HOSTS, name: NAME, detached: true }), reused: false };
}

async function demo(): Promise<void> {
  const { lab, reused } = await openLab();
  const inv = lab.inventoryFile;
  process.stdout.write(
    `${reused ? `using the running lab "${NAME}" (${lab.hosts.length} hosts)` : `lab "${NAME}" is up`}: ${inv}\n` +
      `"fleet" below is ${path.join(repo, 'bin/fleet')} (after \`npm install -g\`, see README "Install", it is on PATH;\n` +
      `until then: alias fleet=${shellWord(path.join(repo, 'bin/fleet'))})\n`,
  );
  const first = lab.hosts[0]?.name ?? 'lab001';
  try {
    await fleet(['exec', 'echo "$(uname -n): up $(cut -d. -f1 /proc/uptime)s"', '-i', inv, '-l', 'lab00[1:5]']);
    await fleet(['exec', 'echo {{ host }} listens on {{ address }}:{{ port }}', '-i', inv, '-l', 'lab00[1:3]']);
    await fleet(['exec', 'df -h / | tail -1', '-i', inv, '-f', '50', '--output', 'group']);
    await fleet(['exec', `n=$(uname -n); [ "$n" != ${lab.hosts[Math.min(6, lab.hosts.length - 1)]?.name ?? first} ] || { echo "disk full on $n" >&2; exit 2; }`, '-i', inv]);
    await fleet(['exec', 'uname -n', '-i', inv, '-l', 'lab00[1:3]', '--output', 'json']);
  } finally {
    if (KEEP) {
      process.stdout.write(
        `\nThe lab is still running: copy any command above (with the alias, or after installing).\n` +
          `Stop it:   npm run lab -- down --name ${NAME}\n` +
          `Start it:  npm run lab -- up ${lab.hosts.length} --name ${NAME}   (same inventory path)\n`,
      );
    } else {
      await stopLab(path.dirname(inv));
      process.stdout.write(`\nlab stopped. Bring it back with: npm run lab -- up ${lab.hosts.length} --name ${NAME}\n`);
    }
  }
}

demo().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
