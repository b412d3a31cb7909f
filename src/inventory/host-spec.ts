/**
 * A fully resolved host: everything needed to connect to it, with no further lookups.
 * Produced by the inventory loaders; consumed by transport and run.
 */
export interface HostSpec {
  /** The inventory name; how output, events and results name the host. Unique in a run. */
  name: string;
  /** Address to connect to (DNS name or IP); defaults to `name`. */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order ("~" already expanded). */
  identityFiles: string[];
  /** Name of an env var holding private key text (PEM/OpenSSH). */
  keyEnv?: string;
  /** Name of an env var holding the password. The password itself never enters a HostSpec. */
  passwordEnv?: string;
  /** Use ssh-agent via SSH_AUTH_SOCK. */
  agent?: boolean;
  /** known_hosts files to check, in order ("~" already expanded). */
  knownHostsFiles: string[];
  proxyJump?: string;
  connectTimeoutMs?: number;
  labels: Record<string, string>;
  vars: Record<string, unknown>;
  /** Groups the host belongs to (directly or through children). */
  groups: string[];
  /**
   * Keepalive: a `keepalive@openssh.com` request after this many ms without traffic from the
   * server (`server_alive_interval`, ssh_config `ServerAliveInterval`, `--keepalive`); 0 disables.
   */
  serverAliveIntervalMs?: number;
  /** Keepalives left unanswered before the connection counts as lost (`server_alive_count_max`, `ServerAliveCountMax`). */
  serverAliveCountMax?: number;
  /** Host key policy when set by ssh_config (`StrictHostKeyChecking`) or the command line. */
  strictHostKeys?: StrictHostKeys;
  /** Key exchange profile (`kex_profile`): `fast` offers ecdh-sha2-nistp256 first (docs/security.md). */
  kexProfile?: KexProfileName;
  /** Keep the host's connections open in the keeper for this long idle (`persist`; docs/persist.md). */
  persistMs?: number;
  /**
   * Where each connection setting came from, for `fleet hosts --explain`: `cli`, `host`,
   * `group:<name>`, `defaults`, `ssh_config:<file>` or `default` (built in).
   */
  sources?: Partial<Record<HostSettingField, string>>;
  /** `file:line` of the inventory entry that defined the host (`-H` for ad-hoc hosts). */
  definedIn?: string;
}

/** Key exchange profile, as `kex_profile` and `--kex-profile` spell it. */
export type KexProfileName = 'default' | 'fast';

/** Host key checking policy, as `--strict-host-keys` spells it. */
export type StrictHostKeys = 'yes' | 'accept-new' | 'no';

/** The HostSpec fields a `sources` record can explain. */
export type HostSettingField =
  | 'address'
  | 'port'
  | 'user'
  | 'identityFiles'
  | 'keyEnv'
  | 'passwordEnv'
  | 'agent'
  | 'knownHostsFiles'
  | 'proxyJump'
  | 'connectTimeoutMs'
  | 'strictHostKeys'
  | 'kexProfile'
  | 'persistMs'
  | 'serverAliveIntervalMs'
  | 'serverAliveCountMax';
