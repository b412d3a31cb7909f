/**
 * The transport layer's public surface. ssh2 itself loads with the first connect or key parse
 * (lazy-ssh-transport.ts), so a run served by the keeper never loads it; `fleet --help` still
 * reaches this module lazily (DESIGN §7 start-up budget).
 */
export type {
  Connection,
  ConnectOptions,
  ConnectionSlot,
  ConnectionSlots,
  ConnectPhase,
  ConnectTimingPhase,
  ConnectTiming,
  CredentialCache,
  ExecExit,
  ExecRequest,
  HostKeyPolicy,
  JumpHosts,
  KexProfile,
  KeyInfo,
  KnownHosts,
  RemoteDirEntry,
  RemoteHandle,
  RemoteStats,
  SftpSession,
  Transport,
} from './transport.js';
export { createCredentialCache, type CredentialCacheOptions } from './ssh/credentials.js';
export { fingerprintSha256, type HostKey } from './ssh/host-key.js';
export { hostLookupName } from './ssh/host-patterns.js';
export { createJumpHosts, DEFAULT_JUMP_HANDSHAKES, type JumpHostsOptions } from './ssh/jump-hosts.js';
export { type KnownHostsEntry, type KnownHostsLookup, type KnownHostsMarker, type KnownHostsStatus } from './ssh/known-hosts.js';
export { IN_MEMORY_FILE, loadKnownHosts, type LoadKnownHostsOptions } from './ssh/known-hosts-store.js';
export { createSshTransport } from './ssh/lazy-ssh-transport.js';
