import { describe, expect, it } from 'vitest';
import type { HostSpec } from '../inventory/host-spec.js';
import { hostValue, perHostText } from './host-values.js';

const host: HostSpec = {
  name: 'web01',
  address: '10.0.0.1',
  port: 2222,
  user: 'deploy',
  identityFiles: [],
  knownHostsFiles: [],
  labels: { role: 'web' },
  vars: { color: 'red', replicas: 3, debug: false, app: { port: 8080 }, list: [1, 'a'], nothing: null },
  groups: ['web', 'prod'],
};

describe('hostValue', () => {
  it.each([
    ['host', 'web01'],
    ['address', '10.0.0.1'],
    ['port', '2222'],
    ['user', 'deploy'],
    ['groups', 'web,prod'],
    ['labels.role', 'web'],
    ['vars.color', 'red'],
    ['vars.replicas', '3'],
    ['vars.debug', 'false'],
    ['vars.app.port', '8080'],
    ['vars.app', '{"port":8080}'],
    ['vars.list', '[1,"a"]'],
  ])('%s -> %s', (name, value) => {
    expect(hostValue(host, name)).toBe(value);
  });

  it.each(['vars.nothing', 'vars.missing', 'vars.color.x', 'labels.missing', 'labels.role.x', 'vars', 'other', 'vars.toString', 'labels.constructor'])('%s has no value', (name) => {
    expect(hostValue(host, name)).toBeUndefined();
  });
});

describe('perHostText', () => {
  it('leaves text without {{ untouched, backslashes included', () => {
    expect(perHostText('echo \\{ a } \\\\{', 'command', 'command')(host)).toBe('echo \\{ a } \\\\{');
  });

  it('fills per host and throws FLEET_TEMPLATE_UNDEFINED naming the variable', () => {
    const fill = perHostText('echo {{ vars.color }} {{ vars.nope }}', 'command', 'command');
    expect(() => fill(host)).toThrow(expect.objectContaining({ code: 'FLEET_TEMPLATE_UNDEFINED', context: { host: 'web01', details: { variable: 'vars.nope' } } }));
    expect(perHostText('/srv/{{ host }}/{{ vars.color }}', 'path', 'remote path')(host)).toBe('/srv/web01/red');
  });

  it('an unknown filter is FLEET_USAGE at once', () => {
    expect(() => perHostText('{{ host | upper }}', 'command', 'command')).toThrow(expect.objectContaining({ code: 'FLEET_USAGE' }));
  });
});
