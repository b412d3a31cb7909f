import { describe, expect, it } from 'vitest';
import type { HostSpec } from '../../inventory/host-spec.js';
import { identityKey, notPersistable } from './identity.js';
import type { PersistHop, PersistTarget } from './protocol.js';

const base: PersistTarget = {
  name: 'web1',
  address: '10.0.0.1',
  port: 22,
  user: 'deploy',
  identityFiles: ['/home/u/.ssh/id_ed25519'],
  knownHostsFiles: ['/home/u/.ssh/known_hosts'],
  hostKeyPolicy: 'strict',
  kexProfile: 'default',
  connectTimeoutMs: 10_000,
  persistMs: 60_000,
};
const keys = ['SHA256:aaaa'];
const hop: PersistHop = { name: 'bastion', address: '10.0.0.9', port: 22, user: 'deploy', identityFiles: ['/home/u/.ssh/id_ed25519'], fingerprints: keys };

describe('identity of a kept connection', () => {
  it('changes with every input that decides the connection', () => {
    const key = identityKey(base, keys);
    const changed: Array<[string, PersistTarget, string[]]> = [
      ['user', { ...base, user: 'root' }, keys],
      ['address', { ...base, address: '10.0.0.2' }, keys],
      ['port', { ...base, port: 2222 }, keys],
      ['key file', { ...base, identityFiles: ['/home/u/.ssh/other'] }, keys],
      ['key fingerprint', base, ['SHA256:bbbb']],
      ['agent', { ...base, agentSocket: '/run/agent.sock' }, keys],
      ['host key policy', { ...base, hostKeyPolicy: 'accept-new' }, keys],
      ['known_hosts files', { ...base, knownHostsFiles: ['/etc/ssh/ssh_known_hosts'] }, keys],
      ['kex profile', { ...base, kexProfile: 'nistp256-first' }, keys],
      ['session limit', { ...base, maxSessions: 1 }, keys],
      ['jump chain', { ...base, jumps: [hop] }, keys],
      ['jump host key', { ...base, jumps: [{ ...hop, fingerprints: ['SHA256:cccc'] }] }, keys],
      ['jump host user', { ...base, jumps: [{ ...hop, user: 'root' }] }, keys],
    ];
    expect(identityKey({ ...base, jumps: [hop] }, keys)).not.toBe(identityKey({ ...base, jumps: [hop, { ...hop, address: '10.0.0.10' }] }, keys));
    for (const [what, target, fps] of changed) expect(identityKey(target, fps), what).not.toBe(key);
  });

  it('does not change with what does not decide it: the inventory name, timeouts, the persist duration', () => {
    const key = identityKey(base, keys);
    expect(identityKey({ ...base, name: 'alias', connectTimeoutMs: 1, persistMs: 5 }, keys)).toBe(key);
  });

  it('leaves out hosts whose secrets would have to cross to the keeper (jump hosts are kept)', () => {
    const host: HostSpec = { name: 'h', address: 'h', port: 22, user: 'u', identityFiles: [], knownHostsFiles: [], labels: {}, vars: {}, groups: [], persistMs: 1000 };
    expect(notPersistable(host)).toBeUndefined();
    expect(notPersistable({ ...host, persistMs: 0 })).toMatch(/off/);
    expect(notPersistable({ ...host, passwordEnv: 'PW' })).toMatch(/password/);
    expect(notPersistable({ ...host, keyEnv: 'KEY' })).toMatch(/key_env/);
    expect(notPersistable({ ...host, proxyJump: 'bastion' })).toBeUndefined();
    expect(notPersistable({ ...host, proxyJump: 'none' })).toBeUndefined();
  });
});
