import { writeFileSync } from 'node:fs';

export interface InventoryDefaults {
  user: string;
  port?: number;
  key: string;
  known_hosts: string;
}

export interface InventoryHost {
  host: string;
  port?: number;
}

/**
 * Write a fleet inventory (DESIGN §3): `defaults` then `hosts`, one flow map per host.
 * Simple names and paths are written plain; anything else JSON-quoted (valid YAML).
 */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const KEYWORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

export function writeInventoryFile(path: string, defaults: InventoryDefaults, hosts: ReadonlyMap<string, InventoryHost>): void {
  const q = (s: string): string => (PLAIN.test(s) && !KEYWORDS.has(s.toLowerCase()) ? s : JSON.stringify(s));
  const lines = ['# Written by fleet test harness; regenerated on every start.', 'defaults:'];
  lines.push(`  user: ${q(defaults.user)}`);
  if (defaults.port !== undefined) lines.push(`  port: ${defaults.port}`);
  lines.push(`  key: ${q(defaults.key)}`, `  known_hosts: ${q(defaults.known_hosts)}`, 'hosts:');
  for (const [name, spec] of hosts) {
    const port = spec.port === undefined ? '' : `, port: ${spec.port}`;
    lines.push(`  ${q(name)}: {host: ${q(spec.host)}${port}}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
}
