/**
 * Transfers of one 64 MiB file with 20 hosts:
 * - put: verified upload at each RTT (remote file removed before every run), against
 *   ssh2-sftp-client fastPut (with and without a sha256 check), scp under xargs, parallel-scp;
 * - put-skip: `fleet put --skip-unchanged` when every host already has the file;
 * - get: download at RTT 0 with and without verification, against fastGet, scp, parallel-slurp.
 * Remote files go to each host's private /tmp; the get source lives in the bench's work dir (outside
 * /tmp, so every host sees it); downloads land in /dev/shm so disk write-back adds no noise.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { installed, psshScp, psshSlurp, scpGetXargs, scpPutXargs } from '../baselines/openssh.js';
import { caseResult, fullOnly, hostsText, measure, type BenchCase, type BenchContext, type Contender } from '../context.js';
import type { LabView } from '../lab-views.js';
import { runChecked } from '../measure.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs } from '../tools.js';
import type { CaseResult } from '../types.js';

const REMOTE_PUT = '/tmp/fleet-bench-put.bin';

async function dataFile(path: string, mib: number): Promise<string> {
  const size = mib * 1024 * 1024;
  if ((await stat(path).catch(() => undefined))?.size === size) return path;
  const out = createWriteStream(path, { mode: 0o644 });
  for (let i = 0; i < mib; i += 1) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => out.once('drain', () => r()));
  out.end();
  await finished(out);
  return path;
}

/** Runs `command` on every host of `view` with the ssh2 fan-out, untimed (set-up between runs). */
async function onHosts(ctx: BenchContext, view: LabView, command: string): Promise<void> {
  await runChecked({ argv: [process.execPath, ctx.scripts.ssh2Fanout, view.hostsJson, command, String(view.count)] }, `\`${command}\` on the lab`);
}

function sftpTool(ctx: BenchContext, view: LabView, mode: 'put' | 'get', from: string, to: string, verify: boolean, prepare?: () => Promise<void>): Contender {
  return {
    id: `sftp-${mode}${verify ? '-verify' : ''}`,
    label: `ssh2-sftp-client fast${mode === 'put' ? 'Put' : 'Get'}${verify ? ' + sha256 check' : ''}`,
    fleet: false,
    command: () => ({ argv: [process.execPath, ctx.scripts.sftpTransfer, view.hostsJson, mode, from, to, String(view.count), verify ? '1' : '0'] }),
    check: exitZeroWithLines(view.count),
    ...(prepare !== undefined ? { prepare } : {}),
  };
}

/** A process-per-host transfer tool: one run (they take tens of seconds), left out of --quick but scp. */
function slow(ctx: BenchContext, bin: string, c: Omit<Extract<Contender, { command: unknown }>, 'fleet' | 'runs'>): Contender {
  if (!installed(bin)) return { id: c.id, label: c.label, fleet: false, reason: `${bin} not installed` };
  const tool: Contender = { ...c, fleet: false, runs: 1 };
  return bin === 'scp' ? tool : fullOnly(ctx, tool, 'scp only of the OpenSSH tools');
}

async function putCase(ctx: BenchContext, view: LabView, local: string): Promise<CaseResult> {
  const plain = await ctx.views.view(view.count, 0); // set-up goes direct, not through the proxies
  const clean = (): Promise<void> => onHosts(ctx, plain, `rm -f ${REMOTE_PUT}`);
  const mib = ctx.opts.fileMiB;
  ctx.log(`put: ${mib} MiB to ${hostsText(view.count)}, RTT ${view.rttMs} ms`);
  const contenders: Contender[] = [
    fleetTool(ctx, {
      label: 'fleet put (verified)',
      command: 'put',
      args: () => [local, REMOTE_PUT, ...fleetViewArgs(view, view.count)],
      prepare: clean,
    }),
    sftpTool(ctx, view, 'put', local, REMOTE_PUT, true, clean),
    // Issue #7's put targets compare with this one, unverified, at every RTT.
    fullOnly(ctx, sftpTool(ctx, view, 'put', local, REMOTE_PUT, false, clean), 'verified baselines only'),
    slow(ctx, 'scp', { id: 'scp-xargs', label: `xargs -P ${view.count} scp`, command: () => scpPutXargs(view, local, REMOTE_PUT, view.count), prepare: clean }),
    slow(ctx, 'parallel-scp', { id: 'pscp', label: 'parallel-scp', command: () => psshScp(view, local, REMOTE_PUT, view.count), prepare: clean }),
  ].map((c) => (view.rttMs > 0 && !c.fleet && !c.id.startsWith('sftp-put') ? fullOnly(ctx, c, 'only the sftp baselines at RTT > 0') : c));
  return caseResult('put', `put ${mib} MiB to ${hostsText(view.count)} at RTT ${view.rttMs} ms`, view, await measure(ctx, contenders, ctx.heavyRuns), [
    'remote file removed before every run; fleet and the "+ sha256 check" baseline verify, the others do not',
  ]);
}

async function putSkipCase(ctx: BenchContext, view: LabView, local: string): Promise<CaseResult> {
  const mib = ctx.opts.fileMiB;
  ctx.log(`put-skip: ${mib} MiB to ${hostsText(view.count)} that already have it`);
  // Every host holds the same bytes before the runs (and keeps them: nothing removes them).
  const seed = sftpTool(ctx, view, 'put', local, REMOTE_PUT, false);
  if ('command' in seed) await runChecked(seed.command(), 'seeding the put-skip file');
  const contenders: Contender[] = [
    fleetTool(ctx, {
      label: 'fleet put --skip-unchanged',
      command: 'put',
      options: ['--skip-unchanged'],
      args: () => [local, REMOTE_PUT, '--skip-unchanged', ...fleetViewArgs(view, view.count)],
    }),
    sftpTool(ctx, view, 'put', local, REMOTE_PUT, true),
  ];
  return caseResult('put-skip', `put ${mib} MiB again to ${hostsText(view.count)} (unchanged) at RTT ${view.rttMs} ms`, view, await measure(ctx, contenders, ctx.heavyRuns), [
    'the baseline uploads again (what you do without a skip option)',
  ]);
}

async function getCase(ctx: BenchContext, view: LabView, remote: string, outRoot: string): Promise<CaseResult> {
  const mib = ctx.opts.fileMiB;
  ctx.log(`get: ${mib} MiB from ${hostsText(view.count)}, RTT ${view.rttMs} ms`);
  const name = basename(remote);
  const out = (id: string): string => join(outRoot, id);
  const fresh = (id: string) => async (): Promise<void> => {
    await rm(out(id), { recursive: true, force: true });
    await mkdir(out(id), { recursive: true });
  };
  const contenders: Contender[] = [
    fleetTool(ctx, {
      label: 'fleet get (verified)',
      command: 'get',
      args: () => [remote, out('fleet'), ...fleetViewArgs(view, view.count)],
      prepare: fresh('fleet'),
    }),
    fleetTool(ctx, {
      id: 'fleet-no-verify',
      label: 'fleet get --no-verify',
      command: 'get',
      options: ['--no-verify'],
      args: () => [remote, out('fleet-no-verify'), '--no-verify', ...fleetViewArgs(view, view.count)],
      prepare: fresh('fleet-no-verify'),
    }),
    sftpTool(ctx, view, 'get', remote, out('sftp-get-verify'), true, fresh('sftp-get-verify')),
    sftpTool(ctx, view, 'get', remote, out('sftp-get'), false, fresh('sftp-get')),
    slow(ctx, 'scp', { id: 'scp-xargs', label: `xargs -P ${view.count} scp`, command: () => scpGetXargs(view, remote, out('scp'), view.count), prepare: fresh('scp') }),
    slow(ctx, 'parallel-slurp', { id: 'pslurp', label: 'parallel-slurp', command: () => psshSlurp(view, remote, out('pslurp'), name, view.count), prepare: fresh('pslurp') }),
  ];
  try {
    return caseResult('get', `get ${mib} MiB from ${hostsText(view.count)} at RTT ${view.rttMs} ms`, view, await measure(ctx, contenders, ctx.heavyRuns), [
      'fleet get and "+ sha256 check" verify; downloads go to /dev/shm, removed before every run',
    ]);
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
}

export const putCases: BenchCase = {
  id: 'put',
  title: 'put 64 MiB to 20 hosts, verified, at each RTT',
  labHosts: (o) => o.transferHosts,
  async run(ctx) {
    const local = await dataFile(join(ctx.work, `put-${ctx.opts.fileMiB}M.bin`), ctx.opts.fileMiB);
    const results: CaseResult[] = [];
    for (const rtt of ctx.opts.rtts) {
      try {
        results.push(await putCase(ctx, await ctx.views.view(ctx.opts.transferHosts, rtt), local));
      } finally {
        await ctx.views.closeProxies();
      }
    }
    return results;
  },
};

export const putSkipCases: BenchCase = {
  id: 'put-skip',
  title: 'put --skip-unchanged of 64 MiB to 20 hosts that have it',
  labHosts: (o) => o.transferHosts,
  async run(ctx) {
    const local = await dataFile(join(ctx.work, `put-${ctx.opts.fileMiB}M.bin`), ctx.opts.fileMiB);
    return [await putSkipCase(ctx, await ctx.views.view(ctx.opts.transferHosts, 0), local)];
  },
};

export const getCases: BenchCase = {
  id: 'get',
  title: 'get 64 MiB from 20 hosts with and without verification',
  labHosts: (o) => o.transferHosts,
  async run(ctx) {
    const remote = await dataFile(join(ctx.work, `get-${ctx.opts.fileMiB}M.bin`), ctx.opts.fileMiB);
    const view = await ctx.views.view(ctx.opts.transferHosts, 0);
    return [await getCase(ctx, view, remote, join('/dev/shm', `fleet-bench-${process.pid}`))];
  },
};
