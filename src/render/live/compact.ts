import { HOST_STATUSES } from '../../result.js';
import { formatBytes, formatRate } from '../bytes.js';
import { elapsedText, type HostBoard } from './host-board.js';

/** What the compact view shows: a one-line title and a body of a few lines. */
export interface CompactFrame {
  title: string;
  body: string;
}

/** How many hosts the compact view lists as slowest, and as latest failures. */
export const COMPACT_LIST_SIZE = 5;

const BAR_CELLS = 20;

/**
 * The compact view of a run too big for a row per host: progress bar and counts in the title,
 * then hosts per gate, finished hosts per status, the slowest hosts in flight and the latest
 * failures. Its height is bounded (at most 16 lines) whatever the number of hosts.
 *
 * @param board - the run so far.
 * @param now - milliseconds since the run started.
 * @param label - what runs (the command), first on the title line.
 */
export function formatCompact(board: HostBoard, now: number, label: string): CompactFrame {
  const { total, exited } = board;
  const ratio = total === 0 ? 1 : exited / total;
  const filled = Math.floor(ratio * BAR_CELLS);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_CELLS - filled)}]`;
  // Floor, so 100% means every host is done rather than 99.6% of them.
  const title = `${label}  ${bar} ${exited}/${total} hosts  ${Math.floor(ratio * 100)}%  ${elapsedText(now)}`;

  const { phases, statuses } = board.counts();
  const lines = [Object.entries(phases).map(([phase, n]) => `${phase} ${n}`).join('  ')];
  const done = HOST_STATUSES.filter((s) => (statuses.get(s) ?? 0) > 0).map((s) => `${statuses.get(s) ?? 0} ${s}`);
  lines.push(`done: ${done.length > 0 ? done.join(', ') : 'none yet'}`);
  const moved = board.transferTotals();
  if (moved) lines.push(`transferred: ${formatBytes(moved.bytes)} of ${formatBytes(moved.totalBytes)}  ${formatRate(moved.rate)}`);

  const slowest = board.slowest(now, COMPACT_LIST_SIZE);
  if (slowest.length > 0) {
    lines.push('slowest:', ...slowest.map(({ host }) => `  ${board.titleOf(host, now)}`));
  }
  const failures = board.failures(COMPACT_LIST_SIZE);
  if (failures.length > 0) {
    const count = board.failureCount;
    const header = count > failures.length ? `failures (${count}, latest ${failures.length}):` : `failures (${count}):`;
    lines.push(header, ...failures.map((host) => `  ${board.titleOf(host, now)}`));
  }
  return { title, body: lines.join('\n') };
}
