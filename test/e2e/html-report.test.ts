// `fleet exec --report FILE.html` on a 1,000-host run (997 lab sshds + 3 dead addresses), opened in
// Debian's headless Chromium through playwright-core (no browser download; scripts/setup.sh
// installs chromium). The page is checked as a user would meet it: counts, filter, diff, and that
// hostile remote output stays text.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

const CHROMIUM = '/usr/bin/chromium';
const LAB_HOSTS = 997;
const DEAD_HOSTS = 3;

let lab: Lab;
let dir: string;
let reportFile: string;
let run: SpawnedRun;
let browser: Browser;
let page: Page;
/** Final status per host, from the run's own jsonl: the truth the page must show. */
const statusOf = new Map<string, string>();
const requests: string[] = [];
const consoleErrors: string[] = [];

/** The command: same output everywhere, except a config line on hosts ending in 3, a failure on *17, a hang on *99, and one hostile host. */
function command(hostile: string): string {
  return [
    'n=$(uname -n)',
    'echo "kernel 6.1.0"',
    'case $n in *3) echo "config v2";; *) echo "config v1";; esac',
    `case $n in ${hostile}) printf '%s\\n' '<script>window.__pwned=1;document.title="pwned"</script>' '<img src=x onerror="window.__pwned=2">';; esac`,
    'case $n in *99) sleep 60;; esac',
    'case $n in *17) exit 3;; esac',
    'true',
  ].join('\n');
}

describe('fleet exec --report on 1,000 hosts, in Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-html-'));
    lab = await startLab({ hosts: LAB_HOSTS, name: 'e2e-html' });
    const inventory = path.join(dir, 'hosts.yaml');
    const dead = Array.from({ length: DEAD_HOSTS }, (_, i) => `  dead${i + 1}: {host: 127.0.0.1, port: 9}\n`).join('');
    await writeFile(inventory, `${(await readFile(lab.inventoryFile, 'utf8')).trimEnd()}\n${dead}`);
    reportFile = path.join(dir, 'report.html');
    const hostile = lab.hosts[41]?.name ?? 'lab042';
    run = await spawnFleet(
      ['exec', '-i', inventory, '--ssh-config', '/dev/null', '-f', '200', '--timeout', '3s', '--connect-timeout', '30s', '--output', 'jsonl', '--report', reportFile, command(hostile)],
      dir,
    );
    for (const line of run.stdout.trim().split('\n')) {
      const event = JSON.parse(line) as { type: string; host?: string; status?: string };
      if (event.type === 'exit' && event.host !== undefined && event.status !== undefined) statusOf.set(event.host, event.status);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    // Any request other than the file itself is recorded above and refused here.
    await page.route('**/*', (route) => (route.request().url() === pathToFileURL(reportFile).href ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(reportFile).href);
    // The table's first rows paint first; the rest of the page is built right after (body[data-ready]).
    await page.waitForSelector('body[data-ready]');
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const count = (status: string): number => [...statusOf.values()].filter((s) => s === status).length;

  it('the run had the mixed outcomes the test needs (exit 3, every host ended)', () => {
    expect(run.code).toBe(3);
    expect(statusOf.size).toBe(LAB_HOSTS + DEAD_HOSTS);
    expect(count('failed')).toBeGreaterThanOrEqual(9);
    expect(count('timeout')).toBeGreaterThanOrEqual(9);
    expect(count('unreachable')).toBeGreaterThanOrEqual(DEAD_HOSTS);
  });

  it('the table holds one row per host, and the rows per status match the run', async () => {
    const rows = await page.$$eval('#hosts-body tr', (trs) => trs.map((tr) => [tr.firstElementChild?.textContent ?? '', tr.getAttribute('data-status') ?? '']));
    expect(rows).toHaveLength(LAB_HOSTS + DEAD_HOSTS);
    expect(new Map(rows as [string, string][])).toEqual(statusOf);
    // Failures first: no ok row before the last row that is not ok.
    const firstOk = rows.findIndex((r) => r[1] === 'ok');
    expect(rows.slice(firstOk).every((r) => r[1] === 'ok')).toBe(true);
    const chip = (status: string): Promise<string> => page.locator(`#chips button[data-status="${status}"] .n`).innerText();
    for (const status of new Set(statusOf.values())) expect(Number(await chip(status))).toBe(count(status));
  });

  it('filtering by failed shows exactly the failed hosts; search narrows further; all shows every host', async () => {
    await page.click('#chips button[data-status="failed"]');
    const visible = (): Promise<string[]> => page.$$eval('#hosts-body tr:not([hidden])', (trs) => trs.map((tr) => tr.firstElementChild?.textContent ?? ''));
    const failed = [...statusOf].filter(([, s]) => s === 'failed').map(([h]) => h);
    expect((await visible()).sort()).toEqual(failed.sort());
    await page.fill('#search', failed[0] ?? '');
    expect(await visible()).toEqual([failed[0]]);
    await page.fill('#search', '');
    await page.click('#chips button[data-status=""]');
    expect(await visible()).toHaveLength(LAB_HOSTS + DEAD_HOSTS);
  });

  it('the output group of the hosts ending in 3 shows the differing line against the largest group', async () => {
    const group = page.locator('details.group', { hasText: 'changed lines vs group 1' }).filter({ hasText: 'exit 0' }).first();
    await group.locator('summary').click();
    expect(await group.locator('pre.diff .del').allInnerTexts()).toEqual(['- config v1']);
    expect(await group.locator('pre.diff .add').allInnerTexts()).toEqual(['+ config v2']);
  });

  it('hostile output is shown as text and never runs: no img element, no global, title unchanged', async () => {
    const group = page.locator('details.group', { hasText: 'changed lines vs group 1' }).filter({ hasText: '(1 host)' }).first();
    await group.locator('summary').click();
    expect(await group.locator('pre.output').innerText()).toContain('<img src=x onerror="window.__pwned=2">');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The title holds the command (which quotes the payload as text); the payload would set it to just "pwned".
    expect(await page.title()).toMatch(/^fleet report: n=/);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
  });

  it('no console errors and no request but the file itself; the screenshot is taken', async () => {
    expect(consoleErrors).toEqual([]);
    expect(new Set(requests)).toEqual(new Set([pathToFileURL(reportFile).href]));
    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
  });
});

describe('fleet run and fleet put --report, in Chromium (4 lab hosts)', () => {
  let small: Lab;
  let smallDir: string;
  let smallBrowser: Browser;

  beforeAll(async () => {
    smallDir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-html-small-'));
    small = await startLab({ hosts: 4, name: 'e2e-html-small' });
    smallBrowser = await chromium.launch({ executablePath: CHROMIUM });
  }, 120_000);

  afterAll(async () => {
    await smallBrowser?.close();
    await small?.stop();
    if (smallDir) await rm(smallDir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Page> {
    const p = await smallBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector('body[data-ready]');
    return p;
  }

  it('a steps run has one column per step with each step\'s status, and the failing step decides the host', async () => {
    const steps = path.join(smallDir, 'steps.yaml');
    const second = small.hosts[1]?.name ?? 'lab002';
    await writeFile(steps, `steps:\n  - name: hello\n    exec: echo hi\n  - name: check\n    exec: "[ $(uname -n) = ${second} ] && exit 4; echo fine"\n`);
    const file = path.join(smallDir, 'steps.html');
    const result = await spawnFleet(['run', steps, '-i', small.inventoryFile, '--ssh-config', '/dev/null', '--output', 'stream', '--report', file], smallDir);
    expect(result.code).toBe(1);
    const p = await open(file);
    expect(await p.locator('#hosts-head th').allInnerTexts()).toEqual(expect.arrayContaining(['1. hello', '2. check']));
    const row = p.locator('#hosts-body tr').first();
    expect(await row.locator('td').first().innerText()).toBe(second);
    const cells = await row.locator('td.step').allInnerTexts();
    expect(cells[0]).toMatch(/^ok exit 0/);
    expect(cells[1]).toMatch(/^failed exit 4/);
    // Hovering the slowest bar lists its phases with their durations.
    const box = await p.locator('#timeline-canvas').boundingBox();
    await p.mouse.move((box?.x ?? 0) + 400, (box?.y ?? 0) + 20 + 7);
    expect(await p.locator('#tooltip').innerText()).toMatch(/step 1 connect: \d+ ms[\s\S]*step 2 run: \d+ ms/);
    await p.close();
  });

  it('put shows bytes and rate per host, and the transfer segment in the timeline', async () => {
    const source = path.join(smallDir, 'blob.bin');
    await writeFile(source, Buffer.alloc(2 * 1024 * 1024, 7));
    const file = path.join(smallDir, 'put.html');
    const result = await spawnFleet(['put', source, '/tmp/blob.bin', '-i', small.inventoryFile, '--ssh-config', '/dev/null', '--output', 'stream', '--report', file], smallDir);
    expect(result.code).toBe(0);
    const p = await open(file);
    expect(await p.locator('#hosts-head th').allInnerTexts()).toEqual(expect.arrayContaining(['bytes', 'rate']));
    const rows = await p.$$eval('#hosts-body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td.num')].map((td) => td.textContent ?? '')));
    for (const cells of rows) expect(cells).toEqual(expect.arrayContaining(['2.0 MiB', expect.stringMatching(/ (KiB|MiB)\/s$/)]));
    const box = await p.locator('#timeline-canvas').boundingBox();
    await p.mouse.move((box?.x ?? 0) + 600, (box?.y ?? 0) + 20 + 7);
    const tip = await p.locator('#tooltip').innerText();
    expect(tip, tip).toMatch(/transfer: \d+ ms[\s\S]*transfer: 2\.0 MiB at /);
    await p.close();
  });
});
