/**
 * `npm run demo`: starts a lab of local sshd hosts, runs fleet against it the way an operator
 * would, and stops the lab. Needs root and openssh-server (scripts/setup.sh installs it).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from './lab.js';

const HOSTS = Number(process.env['FLEET_DEMO_HOSTS'] ?? 20);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function fleet(args: string[]): Promise<number> {
  process.stdout.write(`\n\u001b[1m$ fleet ${args.map((a) => (/[\s$;|&'"]/.test(a) ? `'${a}'` : a)).join(' ')}\u001b[22m\n`);
  const child = spawn(process.execPath, [path.join(repo, 'bin/fleet'), ...args], { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 70)));
  process.stdout.write(`\u001b[2m(exit code ${code})\u001b[22m\n`);
  return code;
}

async function demo(): Promise<void> {
  process.stdout.write(`starting a lab of ${HOSTS} sshd hosts on loopback...\n`);
  const lab = await startLab({ hosts: HOSTS, name: 'demo' });
  try {
    const inv = path.relative(process.cwd(), lab.inventoryFile);
    await fleet(['exec', 'echo "$(uname -n): up $(cut -d. -f1 /proc/uptime)s"', '-i', inv, '-l', 'lab00[1:5]']);
    await fleet(['exec', 'df -h / | tail -1', '-i', inv, '-f', '50', '--output', 'group']);
    await fleet(['exec', 'n=$(uname -n); [ "$n" != lab007 ] || { echo "disk full on $n" >&2; exit 2; }', '-i', inv]);
    await fleet(['exec', 'uname -n', '-i', inv, '-l', 'lab00[1:3]', '--output', 'json']);
  } finally {
    await lab.stop();
    process.stdout.write('\nlab stopped.\n');
  }
}

demo().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
