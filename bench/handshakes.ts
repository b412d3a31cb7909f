/**
 * How many handshakes in flight is best: `fleet exec true` on every lab host at forks = hosts,
 * once per maxHandshakes value. Usage: tsx bench/handshakes.ts INVENTORY 8,16,32,64,1000
 */
import { openFleet } from '../src/fleet.js';
import { loadInventory } from '../src/inventory/index.js';

const [file, list = '8,16,32,64,1000'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: tsx bench/handshakes.ts INVENTORY [N,N,...]');
const inventory = await loadInventory(file, { sshConfig: false });
for (const n of list.split(',').map(Number)) {
  const fleet = openFleet({ inventory, forks: inventory.hosts.length, maxHandshakes: n });
  const t0 = performance.now();
  const report = await fleet.exec('true');
  const wall = performance.now() - t0;
  const codes = new Map<string, number>();
  for (const r of report.results) if (!r.ok) codes.set(r.error?.code ?? r.status, (codes.get(r.error?.code ?? r.status) ?? 0) + 1);
  await fleet.close();
  console.log(`maxHandshakes=${n} hosts=${report.results.length} ok=${report.summary.ok} wall=${(wall / 1000).toFixed(2)}s failures=${JSON.stringify(Object.fromEntries(codes))}`);
}
