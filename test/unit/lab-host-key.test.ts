// The lab's host keys: what ssh-keygen derives from the private key file is the public key the lab
// writes to known_hosts, for many keys (a wrong DER offset or a dropped byte would show here).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEd25519 } from '../lab/host-key.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('fleet-lab-key-');

describe('generateEd25519', () => {
  it('writes OpenSSH key files whose public half is the key it returns', () => {
    for (let i = 0; i < 16; i += 1) {
      const key = generateEd25519(`root@lab${i}`);
      const file = path.join(dir, `key${i}`);
      writeFileSync(file, key.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
      expect(derived).toBe(`${key.publicKey} root@lab${i}`);
    }
  });
});
