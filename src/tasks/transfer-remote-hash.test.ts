import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRemoteHashOutput, remoteHashCommand } from './transfer-remote-hash.js';

const HELLO = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('remote checksum command', () => {
  it('hashes each file from stdin, one line per file in order, "-" for one it cannot read (real sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-rh-'));
    try {
      const odd = join(dir, "it's a\nname");
      writeFileSync(odd, 'hello');
      writeFileSync(join(dir, '-dash'), 'hello');
      const paths = [odd, join(dir, 'missing'), join(dir, '-dash')];
      const out = execFileSync('sh', ['-c', remoteHashCommand(paths)], { encoding: 'utf8' });
      const parsed = parseRemoteHashOutput(out, paths.length);
      expect(parsed?.tool).toMatch(/^(openssl|sha256sum)$/);
      expect(parsed?.digests).toEqual([HELLO, undefined, HELLO]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses both tools, "none", and rejects anything else', () => {
    expect(parseRemoteHashOutput(`fleet-hash sha256sum\n${HELLO}  -\n`, 1)).toEqual({ tool: 'sha256sum', digests: [HELLO] });
    expect(parseRemoteHashOutput(`fleet-hash openssl\n${HELLO} *stdin\n-\n`, 2)).toEqual({ tool: 'openssl', digests: [HELLO, undefined] });
    expect(parseRemoteHashOutput('fleet-hash none\n', 2)).toEqual({ tool: 'none', digests: [undefined, undefined] });
    expect(parseRemoteHashOutput('motd noise\n', 1)).toBeUndefined();
    expect(parseRemoteHashOutput(`fleet-hash openssl\n${HELLO} *stdin\n`, 2)).toBeUndefined();
  });
});
