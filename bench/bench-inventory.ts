/**
 * A generator of large fleet YAML inventories for benchmarks and the load-time sanity check:
 * every host written out with its own address and labels (the worst case for parsing; ranges
 * would be far smaller), four datacenters selected by glob, racks of 40 by range, a regex
 * group, and parents with vars.
 */

/** Options for makeLargeInventory. */
export interface LargeInventoryOptions {
  /** Hosts per rack group (default 40). */
  rackSize?: number;
  /** Datacenters the hosts are split over, in contiguous blocks (default 4). */
  datacenters?: number;
}

/**
 * Fleet YAML text with `n` hosts named `node00001.dc1.example.com` ... Groups: `dc1`..`dcN`
 * (glob), `rack001`.. (range, one per rack), `web` (regex: hosts whose number ends in 0..3),
 * `prod` (children dc1, dc2), `staging` (children dc3..), `fleet` (children prod, staging).
 * A pattern such as `prod:&web:!rack002` exercises every selector operator.
 */
export function makeLargeInventory(n: number, opts: LargeInventoryOptions = {}): string {
  const rackSize = opts.rackSize ?? 40;
  const dcs = Math.max(1, opts.datacenters ?? 4);
  const width = Math.max(5, String(n).length);
  const pad = (i: number, w = width): string => String(i).padStart(w, '0');
  const perDc = Math.ceil(n / dcs);
  const dcOf = (i: number): number => Math.floor((i - 1) / perDc) + 1;
  const lines: string[] = [
    'defaults:',
    '  user: deploy',
    '  key: ~/.ssh/id_ed25519',
    '  known_hosts: ~/.ssh/known_hosts',
    '  connect_timeout: 10s',
    'hosts:',
  ];
  for (let i = 1; i <= n; i++) {
    const rack = Math.floor((i - 1) / rackSize) + 1;
    const addr = `10.${dcOf(i)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    lines.push(`  node${pad(i)}.dc${dcOf(i)}.example.com: {host: ${addr}, labels: {rack: r${pad(rack, 3)}}}`);
  }
  lines.push('groups:');
  for (let d = 1; d <= dcs; d++) {
    lines.push(`  dc${d}: {hosts: ["*.dc${d}.example.com"], vars: {dc: dc${d}}}`);
  }
  const racks = Math.ceil(n / rackSize);
  for (let r = 1; r <= racks; r++) {
    const first = (r - 1) * rackSize + 1;
    const last = Math.min(n, r * rackSize);
    // A rack can straddle two datacenters; one range per datacenter part keeps names exact.
    const ranges: string[] = [];
    for (let lo = first; lo <= last; ) {
      const hi = Math.min(last, dcOf(lo) * perDc);
      ranges.push(`"node[${pad(lo)}:${pad(hi)}].dc${dcOf(lo)}.example.com"`);
      lo = hi + 1;
    }
    lines.push(`  rack${pad(r, 3)}: {hosts: [${ranges.join(', ')}], vars: {rack: ${r}}}`);
  }
  lines.push('  web: {hosts: ["~node\\\\d*[0-3]\\\\."], vars: {role: web}}');
  lines.push(`  prod: {children: [${['dc1', 'dc2'].slice(0, dcs).join(', ')}], vars: {env: prod}}`);
  const staging = Array.from({ length: Math.max(0, dcs - 2) }, (_, k) => `dc${k + 3}`);
  lines.push(`  staging: {children: [${staging.join(', ')}], vars: {env: staging}}`);
  lines.push('  fleet: {children: [prod, staging], user: ops}');
  return `${lines.join('\n')}\n`;
}
