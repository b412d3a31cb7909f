/** The results table (console and Markdown) and the files bench/results/<date>.md and .json. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ratio } from './stats.js';
import type { TargetResult } from './targets.js';
import type { CaseResult, Measurement } from './types.js';

export interface RunInfo {
  started: string;
  durationS: number;
  command: string;
  machine: Record<string, string | number>;
  options: Record<string, unknown>;
}

const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '-');

function referenceOf(r: CaseResult): Measurement | undefined {
  const m = r.measurements.find((x) => x.id === (r.reference ?? 'fleet'));
  return m !== undefined && m.skipped === undefined && m.summary.n > 0 ? m : undefined;
}

function rows(r: CaseResult): string[][] {
  const ref = referenceOf(r);
  return r.measurements.map((m) => {
    if (m.skipped !== undefined) return [m.label, '-', '-', '-', '-', '-', '-', '-', '-', `skipped: ${m.skipped}`];
    const rel = m === ref ? 'ref' : Number.isFinite(ratio(ref?.summary.median, m.summary.median)) ? `${ratio(ref?.summary.median, m.summary.median).toFixed(2)}x` : '-';
    const failed = m.failures > 0 ? `${m.failures} failed: ${m.samples.find((x) => x.error)?.error ?? ''}`.slice(0, 160) : '';
    const note = [m.estimated !== undefined ? `estimated: ${m.estimated}` : '', failed].filter(Boolean).join('; ');
    return [
      m.label,
      String(m.summary.n),
      s(m.summary.min),
      s(m.summary.median),
      s(m.summary.max),
      rel,
      m.cpuS === null ? '-' : m.cpuS.toFixed(2),
      m.serverCpuS === null ? '-' : m.serverCpuS.toFixed(2),
      m.peakRssMiB === null ? '-' : m.peakRssMiB.toFixed(0),
      note,
    ];
  });
}

const HEAD = ['tool', 'n', 'min s', 'median s', 'max s', 'fleet / tool', 'client CPU s', 'sshd CPU s', 'peak RSS MiB', 'note'];

function pad(table: string[][]): string[] {
  const widths = HEAD.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  return table.map((row) => row.map((cell, i) => (i >= 1 && i <= 8 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function targetCells(t: TargetResult): string[] {
  const v = Number.isFinite(t.measured) ? (t.unit === 'x' ? `${t.measured.toFixed(2)}x` : `${t.measured.toFixed(0)} ${t.unit}`) : '-';
  const limit = t.unit === 'x' ? `<= ${Number(t.limit.toFixed(2))}x` : `<= ${t.limit} ${t.unit}`;
  return [t.status, t.name, v, limit, t.detail];
}

export function consoleReport(results: readonly CaseResult[], targets: readonly TargetResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push('', `== ${r.title}`, ...pad([HEAD, ...rows(r)]));
    for (const note of r.notes) out.push(`   (${note})`);
  }
  out.push('', '== targets');
  const tw = targets.map(targetCells);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...tw.map((row) => (row[i] ?? '').length)));
  for (const row of tw) out.push(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  return out.join('\n') + '\n';
}

const md = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

export function markdownReport(info: RunInfo, results: readonly CaseResult[], targets: readonly TargetResult[]): string {
  const out = [
    `# fleet benchmark, ${info.started}`,
    '',
    `Command: \`${info.command}\` (${info.durationS.toFixed(0)} s).`,
    '',
    ...Object.entries(info.machine).map(([k, v]) => `- ${k}: ${v}`),
    '',
    'Wall time from spawn to exit of each tool, in interleaved rounds; "fleet / tool" divides medians',
    '(below 1: fleet is faster). Client CPU: user + system seconds of the tool\'s own processes (GNU',
    'time), median; sshd CPU: the lab sshds\' CPU during the run (from /proc, immune to other load), median. Peak RSS: GNU time `%M` (largest process of the run).',
    '',
    '## Targets',
    '',
    md(['status', 'target', 'measured', 'limit', 'how']),
    md(['---', '---', '---:', '---:', '---']),
    ...targets.map((t) => md(targetCells(t))),
  ];
  for (const r of results) {
    out.push('', `## ${r.title}`, '', md(HEAD), md(HEAD.map((_, i) => (i >= 1 && i <= 8 ? '---:' : '---'))), ...rows(r).map(md));
    if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `- ${n}`));
  }
  return out.join('\n') + '\n';
}

/** Writes bench/results/<stamp>.md and .json; returns both paths. */
export async function writeResults(
  benchDir: string,
  info: RunInfo,
  results: readonly CaseResult[],
  targets: readonly TargetResult[],
): Promise<{ md: string; json: string }> {
  const dir = join(benchDir, 'results');
  await mkdir(dir, { recursive: true });
  const stamp = info.started.replace(/:/g, '').replace(/\.\d+Z$/, 'Z');
  const mdFile = join(dir, `${stamp}.md`);
  const jsonFile = join(dir, `${stamp}.json`);
  await writeFile(mdFile, markdownReport(info, results, targets));
  await writeFile(jsonFile, JSON.stringify({ version: 1, ...info, targets, results }, null, 2) + '\n');
  return { md: mdFile, json: jsonFile };
}
