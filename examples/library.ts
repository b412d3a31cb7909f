import { loadInventory, openFleet } from '../src/index.js';

// usage: tsx examples/library.ts hosts.yaml
const inventory = await loadInventory(process.argv[2] ?? 'hosts.yaml');
await using fleet = openFleet({ inventory, forks: 32 });

// Every event of every call, typed: here, failures as they happen.
fleet.on('exit', (e) => {
  if (e.status !== 'ok') console.error(`${e.host}: ${e.status} ${e.error?.code ?? `exit ${e.exitCode}`}`);
});

// One command everywhere. Per-host results are values, never exceptions.
const report = await fleet.exec('uname -r', { timeoutMs: 30_000 });
for (const r of report.results) console.log(r.host, r.status, r.error ? r.error.code : r.value.stdout.trim());

// Steps over the same connections: register a value per host, use it in the next step.
const run = await fleet.run([
  { name: 'who', exec: 'uname -n', register: 'name' },
  { name: 'greet', exec: 'echo hello from {{ name }}', gate: 'none' },
]);
for (const r of run.results) console.log(r.host, r.steps.map((s) => `${s.name}=${s.status}`).join(' '), r.steps[1]?.stdout.trim());
console.log(run.summary);
