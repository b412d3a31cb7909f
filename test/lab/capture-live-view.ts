/**
 * Shows the live view as a person sees it: runs the built CLI under tmux (a real terminal,
 * 120x40) against lab hosts and captures the screen mid-run and at the end, for 30 hosts (a row
 * per host), 300 hosts (the compact view), and 30 hosts with one Ctrl-C mid-run (its message
 * shows above the rows at once). Writes docs/live-view.txt.
 *
 *   npm run build && tsx test/lab/capture-live-view.ts [--out docs/live-view.txt]
 *
 * Needs root (the lab), openssh-server and tmux. Not a test: it waits on the screen's content
 * with timeouts, and the frames differ from run to run (timings, which hosts are in flight).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from './lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COLS = 120;
const ROWS = 40;

// Hosts take 0-3 s by their number; two fail, one of them loudly. A dead host (port 9, nothing
// listens) shows a connection error. `exec` reads as an operator would type it.
const COMMAND =
  'n=$(uname -n | tr -dc 0-9 | sed "s/^0*//"); sleep $((n % 4)); ' +
  'case $n in 7|19) echo "disk full on $(uname -n)" >&2; exit 3;; esac; echo "kernel $(uname -r)"';

interface Capture {
  title: string;
  frames: { label: string; screen: string }[];
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function screen(session: string): string {
  // Without -e: the text as shown, colours dropped; trailing blank lines trimmed.
  return tmux('capture-pane', '-p', '-t', session).replace(/\s+$/, '');
}

/** Polls the screen until `done(screen)` holds; throws after `timeoutMs`. */
async function waitForScreen(session: string, done: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen(session);
    if (done(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never matched; last screen:\n${text}`);
    await delay(100);
  }
}

/** An inventory of the lab's hosts plus one that refuses connections. */
function inventoryWithDeadHost(lab: Lab): string {
  const file = path.join(lab.dir, 'capture-inventory.yaml');
  writeFileSync(file, `${readFileSync(lab.inventoryFile, 'utf8').trimEnd()}\n  dead01: {host: 127.0.0.1, port: 9}\n`);
  return file;
}

/** A capture's run: how many lab hosts, what marks mid-run, and whether to press Ctrl-C then. */
interface CaptureRun {
  hosts: number;
  midRun: (text: string) => boolean;
  forks?: number;
  ctrlC?: boolean;
}

async function capture({ hosts, midRun, forks = 100, ctrlC = false }: CaptureRun): Promise<Capture> {
  const lab = await startLab({ hosts, name: `capture-${hosts}` });
  const session = `fleet-capture-${process.pid}-${hosts}`;
  try {
    const inventory = inventoryWithDeadHost(lab);
    const args = ['exec', COMMAND, '-i', inventory, '--ssh-config', '/dev/null', '-f', String(forks), '--connect-timeout', '5s'];
    const shell = `cd ${quote(repo)} && node bin/fleet ${args.map(quote).join(' ')}; echo "(exit code $?)"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', String(COLS), '-y', String(ROWS), shell);
    let mid = await waitForScreen(session, midRun, 60_000);
    if (ctrlC) {
      tmux('send-keys', '-t', session, 'C-c');
      mid = await waitForScreen(session, (text) => text.includes('fleet: Ctrl-C:') && /running/.test(text), 10_000);
    }
    const end = await waitForScreen(session, (text) => text.includes('(exit code'), 120_000);
    const typed = `$ fleet exec '${COMMAND}' -i hosts.yaml -f ${forks}   # ${hosts} lab hosts + dead01`;
    return {
      title: `${hosts + 1} hosts, ${COLS}x${ROWS} terminal${ctrlC ? ', Ctrl-C pressed once mid-run' : ''}`,
      frames: [
        { label: 'while it runs', screen: `${typed}\n${mid}` },
        { label: 'when it ends', screen: `${typed}\n${end}` },
      ],
    };
  } finally {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
    await lab.stop();
  }
}

function quote(s: string): string {
  return /^[\w./=:,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function render(captures: Capture[]): string {
  const rule = '='.repeat(COLS);
  const parts = [
    'fleet exec: the live view, captured from a real terminal (tmux capture-pane, colours dropped).',
    'Regenerate: npm run build && tsx test/lab/capture-live-view.ts (root; needs openssh-server and tmux).',
    'Up to (rows - 6) hosts get a row each; more switch to the compact view. Remote output is not',
    'shown live: the grouped output and the summary follow once the list ends. Frames are drawn at',
    'most every 200 ms; a line written to the terminal mid-run (the Ctrl-C message) shows above them.',
  ];
  for (const c of captures) {
    for (const f of c.frames) parts.push('', rule, `${c.title}: ${f.label}`, rule, f.screen);
  }
  return `${parts.join('\n')}\n`;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  const out = at === -1 ? path.join(repo, 'docs/live-view.txt') : path.resolve(process.argv[at + 1] ?? 'live-view.txt');
  // Mid-run: some hosts finished and some still run (a row per host / the compact counts).
  // The slowest hosts are also the failing ones and end within a frame of each other: the
  // failure seen mid-run is dead01's.
  const rows = await capture({ hosts: 30, midRun: (t) => /exit 0/.test(t) && /running/.test(t) && /unreachable/.test(t) });
  const compact = await capture({ hosts: 300, midRun: (t) => /done: .*ok/.test(t) && /slowest:/.test(t) && /failures/.test(t) });
  // Ten in flight, so the first Ctrl-C leaves hosts that never start (skipped) and some running.
  const interrupted = await capture({ hosts: 30, forks: 10, ctrlC: true, midRun: (t) => /exit 0/.test(t) && /running/.test(t) });
  writeFileSync(out, render([rows, compact, interrupted]));
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`capture failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
