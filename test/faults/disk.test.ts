/**
 * Out of disk on a lab host: a 1 MiB tmpfs mounted inside the host's own mount namespace (the
 * container case with its old-file check lives in test/integration/transfer-errors.test.ts).
 * The upload fails FLEET_SFTP_NO_SPACE, the temp is removed, nothing appears at the target.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { checkedRun, runBoundMs, useLeakGuard } from './support/checks.js';
import { direct, hostSpecs } from './support/fault-hosts.js';

describe('out of disk', () => {
  let lab: Lab;
  useLeakGuard();
  beforeAll(async () => {
    lab = await startLab({ hosts: 2, name: 'faults-disk' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('fails the full host with FLEET_SFTP_NO_SPACE, leaving neither file nor temp; the other host succeeds', async () => {
    const local = join(lab.dir, 'four-mib.bin');
    writeFileSync(local, randomBytes(4 << 20));
    await using fleet = openFleet({ inventory: hostSpecs(lab, lab.hosts.map((h) => direct(h))), connectTimeoutMs: 3000 });
    await fleet.exec('mkdir -p /tmp/small && if [ "$(uname -n)" = lab001 ]; then mount -t tmpfs -o size=1m tmpfs /tmp/small; fi');
    const run = await checkedRun((onEvent) => fleet.put(local, '/tmp/small/four-mib.bin', { onEvent, timeoutMs: 20_000 }));
    expect(run.status).toEqual({ lab001: 'error', lab002: 'ok' });
    expect(run.code).toEqual({ lab001: 'FLEET_SFTP_NO_SPACE', lab002: undefined });
    expect(run.wallMs).toBeLessThan(runBoundMs(3000, 20_000));
    const listing = await fleet.exec('ls -A /tmp/small', { limit: 'lab001' });
    expect(listing.results[0]?.ok && listing.results[0].value.stdout).toBe('');
  });
});
