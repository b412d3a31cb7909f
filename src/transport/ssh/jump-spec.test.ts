import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors.js';
import type { HostSpec } from '../../inventory/host-spec.js';
import type { ConnectOptions, KnownHosts } from '../transport.js';
import { createCredentialCache } from './credentials.js';
import { SshJumpHosts } from './jump-hosts.js';
import { parseJumpSpec } from './jump-spec.js';

describe('parseJumpSpec', () => {
  it.each([
    ['bastion', [{ spec: 'bastion', user: undefined, host: 'bastion', port: undefined }]],
    ['ops@bastion:2222', [{ spec: 'ops@bastion:2222', user: 'ops', host: 'bastion', port: 2222 }]],
    ['[::1]:2200', [{ spec: '[::1]:2200', user: undefined, host: '::1', port: 2200 }]],
    ['fe80::1', [{ spec: 'fe80::1', user: undefined, host: 'fe80::1', port: undefined }]],
    ['ssh://me@10.0.0.1:22', [{ spec: 'ssh://me@10.0.0.1:22', user: 'me', host: '10.0.0.1', port: 22 }]],
    [
      'a, b@c:2',
      [
        { spec: 'a', user: undefined, host: 'a', port: undefined },
        { spec: 'b@c:2', user: 'b', host: 'c', port: 2 },
      ],
    ],
    ['none', []],
    ['', []],
  ])('%s', (value, hops) => {
    expect(parseJumpSpec(value, 'h1')).toEqual(hops);
  });

  it.each(['a,,b', 'a:0', 'a:99999', 'a:x', '@a', '[::1', '[::1]x', 'a b'])('rejects %s with FLEET_CONFIG_INVALID naming the host', (value) => {
    const error = (() => {
      try {
        parseJumpSpec(value, 'h1');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FLEET_CONFIG_INVALID');
    expect((error as FleetError).context.host).toBe('h1');
  });
});

describe('jump chains', () => {
  const spec = (name: string, over: Partial<HostSpec> = {}): HostSpec => ({
    name,
    address: `${name}.test`,
    port: 22,
    user: 'deploy',
    identityFiles: ['/k'],
    knownHostsFiles: ['/kh'],
    labels: {},
    vars: {},
    groups: [],
    ...over,
  });

  it('resolves inventory names, inherits the target account for addresses, and prepends the first hop’s own jump', () => {
    const outer = spec('outer', { user: 'ops' });
    const bastion = spec('bastion', { proxyJump: 'outer' });
    const jumps = new SshJumpHosts({ hosts: [outer, bastion] });
    const chain = jumps.chainOf(spec('web1', { proxyJump: 'bastion,root@10.1.1.1:2222' }));
    expect(chain.map((h) => [h.name, h.user, h.address, h.port])).toEqual([
      ['outer', 'ops', 'outer.test', 22],
      ['bastion', 'deploy', 'bastion.test', 22],
      ['root@10.1.1.1:2222', 'root', '10.1.1.1', 2222],
    ]);
    expect(chain[2]?.identityFiles).toEqual(['/k']);
  });

  it('rejects a cycle', () => {
    const a = spec('a', { proxyJump: 'b' });
    const b = spec('b', { proxyJump: 'a' });
    const jumps = new SshJumpHosts({ hosts: [a, b] });
    expect(() => jumps.chainOf(spec('t', { proxyJump: 'a' }))).toThrow(/cycle/);
  });

  it('hold: nothing to hold for a direct host; a chain longer than the cap fails at once, connecting nothing', async () => {
    const outer = spec('outer');
    const bastion = spec('bastion', { proxyJump: 'outer' });
    const jumps = new SshJumpHosts({ hosts: [outer, bastion] });
    let taken = 0;
    const opts = {
      connectTimeoutMs: 1000,
      hostKeyPolicy: 'strict',
      knownHosts: {} as KnownHosts,
      credentials: createCredentialCache(),
      slots: {
        limit: 1,
        take: () => {
          taken += 1;
          return Promise.reject(new Error('no slot expected'));
        },
      },
    } satisfies ConnectOptions;
    expect(await jumps.hold(spec('direct'), opts)).toBeUndefined();
    await expect(jumps.hold(spec('web1', { proxyJump: 'bastion' }), opts)).rejects.toMatchObject({ code: 'FLEET_CONFIG_INVALID', message: /2 jump hosts.*at most 1/ });
    expect(taken).toBe(0);
    await jumps.close();
  });
});
