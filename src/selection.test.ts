import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetError } from './errors.js';
import { resolveHostSelection } from './selection.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('-H @FILE', () => {
  it('reads host names one per line, skipping blank and # lines (a rerun file reads as it is)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hfile-'));
    fs.writeFileSync(path.join(dir, 'failed.txt'), '# fleet rerun file: hosts that did not succeed\n# command: "x"\nweb01\n\ndeploy@web02:2222\n');
    const hosts = await resolveHostSelection({ adHoc: '@failed.txt', cwd: dir, home: dir, sshConfig: false });
    expect(hosts.map((h) => [h.name, h.user, h.port])).toEqual([
      ['web01', os.userInfo().username, 22],
      ['web02', 'deploy', 2222],
    ]);
  });

  it('a missing file is FLEET_USAGE, a file without hosts FLEET_SELECTOR_EMPTY (exit 2 both)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hfile-'));
    const missing = await resolveHostSelection({ adHoc: '@nope.txt', cwd: dir, home: dir, sshConfig: false }).catch((e: unknown) => e);
    expect((missing as FleetError).code).toBe('FLEET_USAGE');
    fs.writeFileSync(path.join(dir, 'empty.txt'), '# nothing\n');
    const empty = await resolveHostSelection({ adHoc: '@empty.txt', cwd: dir, home: dir, sshConfig: false }).catch((e: unknown) => e);
    expect((empty as FleetError).code).toBe('FLEET_SELECTOR_EMPTY');
  });
});
