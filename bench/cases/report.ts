/**
 * report: the HTML report of a real 1,000-host run (`fleet exec --report`, made once, untimed,
 * with mixed outcomes: a differing line on hosts ending in 3, exit 3 on hosts ending in 17)
 * opened in Debian's headless Chromium through playwright-core. Measured: from navigation start
 * to the first paint of the table (Element Timing on the table's first cell: the page is usable
 * from there), and to the whole page built (timeline and groups, `body[data-ready]`). Each run
 * opens the file in a fresh browser context.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { caseResult, hostsText, type BenchCase, type BenchContext } from '../context.js';
import { fleetViewArgs } from '../tools.js';
import { summarize } from '../stats.js';
import type { Measurement } from '../types.js';

const CHROMIUM = '/usr/bin/chromium';
const COMMAND = 'uname -n; case $(uname -n) in *3) echo config v2;; *) echo config v1;; esac; case $(uname -n) in *17) exit 3;; esac; true';

function measurement(id: string, label: string, samples: number[], skipped?: string): Measurement {
  return {
    id,
    label,
    fleet: true,
    summary: summarize(samples),
    peakRssMiB: null,
    cpuS: null,
    serverCpuS: null,
    samples: samples.map((wallMs) => ({ wallMs, exitCode: 0, maxRssKb: null, cpuS: null, serverCpuS: null })),
    failures: 0,
    ...(skipped !== undefined && { skipped }),
  };
}

/** Navigation start -> first paint of the table, and -> page built, in one fresh context. */
async function openOnce(browser: import('playwright-core').Browser, url: string): Promise<{ table: number; ready: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    // Element Timing entries are buffered; the page marks the table's first cell with `elementtiming`.
    return await page.evaluate(
      () =>
        new Promise<{ table: number; ready: number }>((resolve, reject) => {
          const ready = performance.now();
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries() as unknown as { identifier: string; renderTime: number }[]) {
              if (entry.identifier === 'fleet-table') resolve({ table: entry.renderTime, ready });
            }
          }).observe({ type: 'element', buffered: true } as unknown as { type: 'mark'; buffered: boolean }); // typed by Node's perf_hooks, which has no 'element' entries
          setTimeout(() => reject(new Error('no element timing entry for the table')), 10_000);
        }),
    );
  } finally {
    await context.close();
  }
}

async function makeReport(ctx: BenchContext, file: string): Promise<{ hosts: number; bytes: number }> {
  const view = await ctx.views.view(ctx.opts.largeHosts, 0);
  const forks = Math.min(ctx.opts.forks, view.count);
  ctx.log(`report: one \`fleet exec --report\` on ${hostsText(view.count)} (untimed)`);
  const [file0, ...rest] = ctx.fleet.argv;
  await promisify(execFile)(file0 as string, [...rest, 'exec', COMMAND, ...fleetViewArgs(view, forks, 'jsonl'), '--report', file], { maxBuffer: 256 * 1024 * 1024 }).catch((error: { code?: number }) => {
    // Exit 1 is expected (the hosts ending in 17 exit 3); anything else means no usable report.
    if (error.code !== 1) throw error;
  });
  return { hosts: view.count, bytes: (await stat(file)).size };
}

export const reportCase: BenchCase = {
  id: 'report',
  title: 'open the HTML report of a 1,000-host run in Chromium',
  labHosts: (opts) => opts.largeHosts,
  async run(ctx) {
    const key = { count: ctx.opts.largeHosts, rttMs: 0 };
    const title = `HTML report of ${hostsText(ctx.opts.largeHosts)}: navigation start to first paint of the table (Chromium)`;
    const missing = ctx.fleet.missing('exec', '--report') ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not installed (apt-get install chromium)`);
    if (missing !== undefined) return [caseResult('report', title, key, [measurement('fleet', 'table painted', [], missing)])];
    const file = join(ctx.work, 'report-1000.html');
    const made = await makeReport(ctx, file);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    const table: number[] = [];
    const ready: number[] = [];
    try {
      const runs = Math.max(ctx.opts.runs, 5);
      for (let i = 0; i < runs; i += 1) {
        ctx.signal.throwIfAborted();
        const sample = await openOnce(browser, pathToFileURL(file).href);
        table.push(sample.table);
        ready.push(sample.ready);
        ctx.log(`report: run ${i + 1}/${runs}: table painted at ${sample.table.toFixed(0)} ms, page built at ${sample.ready.toFixed(0)} ms`);
      }
    } finally {
      await browser.close();
    }
    return [
      caseResult('report', title, key, [measurement('fleet', 'table painted', table), measurement('fleet-ready', 'page built (timeline, groups)', ready)], [
        `report of a real run on ${hostsText(made.hosts)}: ${(made.bytes / 1024).toFixed(0)} KiB; opened from file:// in a fresh context per run`,
        'times are from navigation start (performance.timeOrigin); the table paint is Element Timing renderTime',
      ]),
    ];
  },
};
