/**
 * The transport layer's public surface. Importing it loads ssh2, so `fleet --help` should reach
 * it lazily (DESIGN §7 start-up budget).
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
export { createSshTransport } from './ssh/ssh-transport.js';
