/**
 * Ansible connection variables → fleet settings. `ansible_host`, `ansible_port`, `ansible_user`,
 * the private key file, timeout, host key checking and a ProxyJump inside the ssh args become
 * connection settings; everything else stays in `vars`. Password variables are dropped: secrets
 * never enter a HostSpec (use `password_env` / `--password-env`).
 */
import { emptyLayer } from './model.js';
import type { Layer } from './model.js';
import { resolveFilePath } from './paths.js';
import { parseDurationMs } from './settings-schema.js';

/** Where Ansible vars come from, and how to report a bad one. */
export interface AnsibleVarsContext {
  home: string;
  baseDir: string;
  fail(key: string, message: string): never;
}

const ALIASES = {
  address: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user', 'ansible_remote_user'],
  key: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
  timeout: ['ansible_ssh_timeout', 'ansible_timeout'],
  hostKeyChecking: ['ansible_host_key_checking', 'ansible_ssh_host_key_checking'],
} as const;

const SECRETS = new Set([
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_become_pass',
  'ansible_become_password',
  'ansible_sudo_pass',
  'ansible_sudo_password',
]);

const CONSUMED = new Set<string>([...Object.values(ALIASES).flat(), ...SECRETS]);

/** Splits Ansible vars into a Layer. */
export function layerFromAnsibleVars(vars: Record<string, unknown>, ctx: AnsibleVarsContext): Layer {
  const layer = emptyLayer();
  const s = layer.settings;
  const pick = (names: readonly string[]): [string, unknown] | undefined => {
    for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return [n, vars[n]];
    return undefined;
  };
  const address = pick(ALIASES.address);
  if (address) s.address = text(address, ctx);
  const port = pick(ALIASES.port);
  if (port) {
    const n = typeof port[1] === 'string' && /^\d+$/.test(port[1]) ? Number(port[1]) : port[1];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
      ctx.fail(port[0], 'port must be an integer from 1 to 65535');
    }
    s.port = n;
  }
  const user = pick(ALIASES.user);
  if (user) s.user = text(user, ctx);
  const key = pick(ALIASES.key);
  if (key) s.identityFiles = [resolveFilePath(text(key, ctx), ctx.home, ctx.baseDir)];
  const timeout = pick(ALIASES.timeout);
  if (timeout) {
    const ms = parseDurationMs(timeout[1]);
    if (ms === undefined) ctx.fail(timeout[0], 'expected a timeout in seconds');
    s.connectTimeoutMs = ms;
  }
  const checking = pick(ALIASES.hostKeyChecking);
  if (checking) s.strictHostKeys = isTruthy(checking[1]) ? 'yes' : 'no';
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const jump = typeof vars[name] === 'string' ? proxyJumpFromArgs(vars[name]) : undefined;
    if (jump !== undefined && s.proxyJump === undefined) s.proxyJump = jump;
  }
  for (const [k, v] of Object.entries(vars)) if (!CONSUMED.has(k)) layer.vars[k] = v;
  return layer;
}

/** `-J host`, `-Jhost`, `-o ProxyJump=host` or `-o 'ProxyJump host'` inside ssh arguments. */
export function proxyJumpFromArgs(args: string): string | undefined {
  const j = /(?:^|\s)-J\s*['"]?([^\s'"]+)/.exec(args);
  if (j) return j[1];
  const o = /-o\s*['"]?ProxyJump[=\s]+([^\s'"]+)/i.exec(args);
  return o?.[1];
}

function text([name, value]: [string, unknown], ctx: AnsibleVarsContext): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') ctx.fail(name, 'expected a non-empty string');
  return value;
}

function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return /^(true|yes|on|1)$/i.test(String(value).trim());
}
