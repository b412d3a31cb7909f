import { describe, expect, it } from 'vitest';
import { HOME, thrown } from '../../test/unit/inventory/helpers.js';
import { parseAdHocHosts } from './parse-ad-hoc.js';
import type { SshConfigLookup } from './ssh-config.js';

const opts = { home: HOME, user: 'me' };
const brief = (spec: string | string[]) => parseAdHocHosts(spec, opts).map((h) => `${h.user}@${h.name}:${h.port}`);

describe('parseAdHocHosts (-H)', () => {
  it.each<[string | string[], string[]]>([
    ['a', ['me@a:22']],
    ['a,b,user@c:2222', ['me@a:22', 'me@b:22', 'user@c:2222']],
    ['a b\tc', ['me@a:22', 'me@b:22', 'me@c:22']],
    ['web[01:03]', ['me@web01:22', 'me@web02:22', 'me@web03:22']],
    ['h[1,3],x', ['me@h1:22', 'me@h3:22', 'me@x:22']],
    ['root@web[1:2]:2200', ['root@web1:2200', 'root@web2:2200']],
    ['[::1]:2222,fe80::1', ['me@::1:2222', 'me@fe80::1:22']],
    [['a', 'b,c'], ['me@a:22', 'me@b:22', 'me@c:22']],
    ['a,a,a:22', ['me@a:22']],
    ['a,u@a:2200', ['u@a:2200']],
    ['ad@domain@host', ['ad@domain@host:22']],
  ])('%j', (spec, expected) => {
    expect(brief(spec)).toEqual(expected);
  });

  it('marks user and port given with -H as command-line settings', () => {
    const [h] = parseAdHocHosts('u@a:2', opts);
    expect(h).toMatchObject({ address: 'a', identityFiles: [], knownHostsFiles: [`${HOME}/.ssh/known_hosts`], groups: [], definedIn: '-H' });
    expect(h?.sources).toMatchObject({ user: 'cli', port: 'cli', address: 'default' });
  });

  it('fills the rest from ssh_config', () => {
    const ssh: SshConfigLookup = { file: '/cfg', lookup: (host) => (host === 'a' ? { hostName: '10.0.0.9', port: 2022, user: 'cfg' } : {}) };
    const [a, b] = parseAdHocHosts('a,root@b', { ...opts, sshConfig: ssh });
    expect(a).toMatchObject({ name: 'a', address: '10.0.0.9', port: 2022, user: 'cfg' });
    expect(a?.sources).toMatchObject({ address: 'ssh_config:/cfg', user: 'ssh_config:/cfg' });
    expect(b).toMatchObject({ name: 'b', address: 'b', user: 'root' });
  });

  it.each<[string]>([[''], [' , '], ['a:0'], ['a:99999'], ['a:x'], ['@a'], ['web[3:1]'], ['a:22,a:2222'], ['u@a,v@a']])(
    '%j is FLEET_USAGE',
    (spec) => {
      expect(thrown(() => parseAdHocHosts(spec, opts)).code).toBe('FLEET_USAGE');
    },
  );
});
