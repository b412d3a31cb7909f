import { describe, expect, it } from 'vitest';
import { asInventoryError, inventoryFromText, thrown } from '../../test/unit/inventory/helpers.js';
import { parseHostsFile } from './load-hosts-file.js';

const FILE = '/inv/hosts.txt';

describe('plain hosts file', () => {
  it.each<[string, string, Array<[string, string, number, string]>]>([
    ['a bare name', 'web1', [['web1', 'web1', 22, 'localuser']]],
    ['user and port', 'deploy@db1:2222', [['db1', 'db1', 2222, 'deploy']]],
    ['a range with a port', 'web[01:02].dc:2200', [['web01.dc', 'web01.dc', 2200, 'localuser'], ['web02.dc', 'web02.dc', 2200, 'localuser']]],
    ['bracketed IPv6 with port', 'root@[2001:db8::1]:2222', [['2001:db8::1', '2001:db8::1', 2222, 'root']]],
    ['bare IPv6', '::1', [['::1', '::1', 22, 'localuser']]],
    ['an IPv4 address', '10.0.0.1:22', [['10.0.0.1', '10.0.0.1', 22, 'localuser']]],
    ['comments and blank lines', '# fleet\n\n  a   # trailing\n\t\nb\n', [['a', 'a', 22, 'localuser'], ['b', 'b', 22, 'localuser']]],
    ['CRLF line ends', 'a\r\nb\r\n', [['a', 'a', 22, 'localuser'], ['b', 'b', 22, 'localuser']]],
    ['a repeated identical line', 'a\na\n', [['a', 'a', 22, 'localuser']]],
  ])('%s', (_, text, expected) => {
    const inv = inventoryFromText(text, FILE);
    expect(inv.hosts.map((h) => [h.name, h.address, h.port, h.user])).toEqual(expected);
  });

  it('records the line each host came from and user/port as host settings', () => {
    const [h] = inventoryFromText('\n\nu@a:2\n', FILE).hosts;
    expect(h?.definedIn).toBe(`${FILE}:3`);
    expect(h?.sources).toMatchObject({ user: 'host', port: 'host', address: 'default' });
  });

  it.each<[string, string, number]>([
    ['two hosts on a line', 'a\nb c\n', 2],
    ['port out of range', 'a:70000\n', 1],
    ['port not numeric', 'a:ssh\n', 1],
    ['empty user', '@a\n', 1],
    ['bad range', 'a\n\nweb[3:1]\n', 3],
    ['no host', 'u@\n', 1],
    ['same host, different ports', 'a:22\na:2222\n', 2],
  ])('rejects %s', (_, text, line) => {
    const err = asInventoryError(thrown(() => inventoryFromText(text, FILE)));
    expect(err.code).toBe('FLEET_INVENTORY_INVALID');
    expect(err.location).toMatchObject({ file: FILE, line });
  });

  it('parseHostsFile yields the per-file model', () => {
    expect(parseHostsFile('a\nb\n', FILE)).toMatchObject({ format: 'hosts-file', groups: [], hosts: [{ name: 'a' }, { name: 'b' }] });
  });
});
