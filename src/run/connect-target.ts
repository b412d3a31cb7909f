/**
 * The one place where the inventory's HostSpec becomes the transport's ConnectTarget, and where
 * the inventory's `strict_host_keys` words become the transport's host key policy.
 */
import type { HostSpec, StrictHostKeys } from '../inventory/host-spec.js';
import type { ConnectTarget, HostKeyPolicy } from '../transport/transport.js';

/** `yes | accept-new | no` (inventory, ssh_config, `--strict-host-keys`) as the transport's policy. */
export const HOST_KEY_POLICY: Readonly<Record<StrictHostKeys, HostKeyPolicy>> = {
  yes: 'strict',
  'accept-new': 'accept-new',
  no: 'off',
};

/** What the transport needs of `host`: its address, account, credentials and connect settings. */
export function connectTargetOf(host: HostSpec): ConnectTarget {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    identityFiles: host.identityFiles,
    keyEnv: host.keyEnv,
    passwordEnv: host.passwordEnv,
    agent: host.agent,
    proxyJump: host.proxyJump,
    connectTimeoutMs: host.connectTimeoutMs,
    hostKeyPolicy: host.strictHostKeys === undefined ? undefined : HOST_KEY_POLICY[host.strictHostKeys],
    kexProfile: host.kexProfile,
    persistMs: host.persistMs,
    serverAliveIntervalMs: host.serverAliveIntervalMs,
    serverAliveCountMax: host.serverAliveCountMax,
  };
}
