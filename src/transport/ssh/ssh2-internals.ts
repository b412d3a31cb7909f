/**
 * Every reach into ssh2 1.x internals, in one place (ssh2-internals.test.ts fails loudly when an
 * ssh2 upgrade changes any of them). Each feature checks the shape it relies on first and, when
 * it differs, changes nothing: fleet then runs on ssh2's public behaviour, only slower.
 *
 * What is used, and why (DESIGN §7, docs/performance.md "round trips"):
 * - `client._protocol.authPK(username, key, keyAlgo, cbSign)`: wrapped to send the signed
 *   publickey request at once instead of asking first whether the key would do (RFC 4252 §7).
 * - `client._protocol._handlers.SERVICE_ACCEPT`: called as soon as the key exchange is done, so
 *   the first USERAUTH_REQUEST leaves right behind ssh2's SERVICE_REQUEST instead of one round
 *   trip later (RFC 4252 §5: the server processes them in order); the server's real
 *   SERVICE_ACCEPT is then swallowed.
 * - `client._chanMgr` (add/get/update/remove) and `client._protocol.session()`: a session channel
 *   is opened in the same flight, right behind the signed request, when that request is the only
 *   way in (one key file, no agent, no password); ssh2's next session open adopts it. ssh2's own
 *   CHANNEL_OPEN_CONFIRMATION handler builds the Channel, so window and packet size are ssh2's
 *   (MAX_WINDOW/PACKET_SIZE read from ssh2/lib/Channel.js, not copied).
 * - `client._protocol._handlers.GLOBAL_REQUEST`: OpenSSH's `hostkeys-00@openssh.com`
 *   announcement is not answered with `hostkeys-prove-00` (a signature by sshd per host key and
 *   its verification here, on every connection) unless the caller updates known_hosts from it.
 * - `client._callbacks` + `client._protocol.ping()`: one keepalive round trip (SshLink.roundTrip).
 */
import { createRequire } from 'node:module';
import type { Client, ClientChannel, ParsedKey } from 'ssh2';

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPk = (username: string, key: unknown, keyAlgo?: string, cbSign?: SignCallback) => void;
type Handler = (...args: unknown[]) => void;
type OpenCallback = ((err: Error | undefined, channel?: ClientChannel) => void) & { type?: string };

interface Protocol {
  authPK: AuthPk;
  session: (localId: number, window: number, packetSize: number) => void;
  ping: () => void;
  requestFailure: () => void;
  _handlers: Record<string, Handler | undefined>;
}
interface ChannelManager {
  add(value: unknown): number;
  get(id: number): unknown;
  update(id: number, value: unknown): void;
  remove(id: number): void;
}
interface ClientInternals {
  _protocol: Protocol;
  _chanMgr: ChannelManager;
  _callbacks: Array<(error?: unknown) => void>;
}

const requireCjs = createRequire(import.meta.url);

/** ssh2's channel window and packet size, as its own CHANNEL_OPEN sends them. */
function channelConstants(): { window: number; packetSize: number } | undefined {
  try {
    const c = requireCjs('ssh2/lib/Channel.js') as { MAX_WINDOW?: unknown; PACKET_SIZE?: unknown };
    if (typeof c.MAX_WINDOW === 'number' && typeof c.PACKET_SIZE === 'number') return { window: c.MAX_WINDOW, packetSize: c.PACKET_SIZE };
  } catch {
    // not found: the feature that needs them is off
  }
  return undefined;
}
const CHANNEL = channelConstants();

/**
 * What of ssh2's internals differs from what fleet relies on, for a client whose `connect()` was
 * called; empty when all is as expected. The guard test asserts it is empty.
 */
export function ssh2InternalsProblems(client: Client): string[] {
  const problems: string[] = [];
  const c = client as unknown as Partial<ClientInternals>;
  const proto = c._protocol as Partial<Protocol> | undefined;
  if (proto === undefined) return ['client._protocol is missing after connect()'];
  if (typeof proto.authPK !== 'function' || proto.authPK.length !== 4) problems.push('_protocol.authPK(username, key, keyAlgo, cbSign) changed');
  if (typeof proto.session !== 'function' || proto.session.length !== 3) problems.push('_protocol.session(localId, window, packetSize) changed');
  if (typeof proto.ping !== 'function') problems.push('_protocol.ping() is missing');
  if (typeof proto.requestFailure !== 'function') problems.push('_protocol.requestFailure() is missing');
  const handlers = proto._handlers;
  for (const name of ['SERVICE_ACCEPT', 'GLOBAL_REQUEST', 'CHANNEL_OPEN_CONFIRMATION', 'USERAUTH_SUCCESS']) {
    if (typeof handlers?.[name] !== 'function') problems.push(`_protocol._handlers.${name} is missing`);
  }
  const mgr = c._chanMgr as Partial<ChannelManager> | undefined;
  for (const m of ['add', 'get', 'update', 'remove'] as const) if (typeof mgr?.[m] !== 'function') problems.push(`_chanMgr.${m}() is missing`);
  if (!Array.isArray(c._callbacks)) problems.push('client._callbacks is not an array');
  if (CHANNEL === undefined) problems.push('ssh2/lib/Channel.js no longer exports MAX_WINDOW and PACKET_SIZE');
  return problems;
}

function internalsOf(client: Client): ClientInternals | undefined {
  return ssh2InternalsProblems(client).length === 0 ? (client as unknown as ClientInternals) : undefined;
}

// The hash behind each RSA signature algorithm; other key types sign with their own fixed hash.
const RSA_HASH: Readonly<Record<string, string>> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };

function isOwnPrivateKey(key: unknown): key is ParsedKey {
  const k = key as Partial<ParsedKey> | null;
  return typeof k?.isPrivateKey === 'function' && typeof k.sign === 'function' && k.isPrivateKey();
}

/** Options of {@link installFastHandshake}. */
export interface FastHandshakeOptions {
  /**
   * Asked right after the first signed publickey request leaves: true opens a session channel in
   * the same flight. Say true only when that request is the only way in (one key, no agent or
   * password after it): if it fails, the connect fails anyway and the early open is moot.
   */
  preopenSession?: () => boolean;
  /** Answer `hostkeys-00@openssh.com` with ssh2's `hostkeys-prove` (only to update known_hosts). Default false. */
  answerHostKeys?: boolean;
}

/** The handle on a connection's fast-handshake state. */
export interface FastHandshake {
  /**
   * Closes the early session channel if no exec adopted it (before an SFTP open, say): it holds a
   * server session slot. Resolves once the server has closed it too (with MaxSessions 1 the next
   * open would be refused before that), or at once when there is none.
   */
  discardPreopened(): Promise<void>;
}

/**
 * Makes a fresh `client` (right after `client.connect()`) send the signed publickey request
 * directly, send it without waiting for SERVICE_ACCEPT, open a session channel in the same flight
 * when allowed, and leave hostkeys announcements unanswered. Returns undefined, changing nothing,
 * when ssh2's internals differ from what this relies on.
 */
export function installFastHandshake(client: Client, opts: FastHandshakeOptions = {}): FastHandshake | undefined {
  const internals = internalsOf(client);
  if (internals === undefined) return undefined;
  const proto = internals._protocol;
  const handlers = proto._handlers;
  const pre = new Preopen(internals, proto.session.bind(proto));

  signDirectly(proto, () => {
    if (opts.preopenSession?.() === true) pre.open();
  });

  // Early USERAUTH_REQUEST: ssh2 sends SERVICE_REQUEST inside its handshake-complete callback,
  // right after emitting 'handshake'; on the next tick ours follows it.
  const serviceAccept = handlers['SERVICE_ACCEPT'] as Handler;
  let early = false;
  handlers['SERVICE_ACCEPT'] = (p: unknown, name: unknown) => {
    if (early && name === 'ssh-userauth') {
      early = false; // the one we already acted on
      return;
    }
    serviceAccept(p, name);
  };
  client.once('handshake', () => {
    process.nextTick(() => {
      if (early) return;
      early = true;
      serviceAccept(proto, 'ssh-userauth');
    });
  });

  if (opts.answerHostKeys !== true) {
    const globalRequest = handlers['GLOBAL_REQUEST'] as Handler;
    handlers['GLOBAL_REQUEST'] = (p: unknown, name: unknown, wantReply: unknown, data: unknown) => {
      if (name !== 'hostkeys-00@openssh.com') return globalRequest(p, name, wantReply, data);
      if (wantReply === true) proto.requestFailure();
    };
  }
  return { discardPreopened: () => pre.discard() };
}

/**
 * Makes `client` sign publickey requests directly for private keys (agent keys keep the query),
 * and nothing else. Call right after `client.connect()`. Returns false, changing nothing, if
 * ssh2's internals differ. (The bench's handshake A/B uses it to add the optimisations one by one.)
 */
export function signPublickeyDirectly(client: Client): boolean {
  const internals = internalsOf(client);
  if (internals === undefined) return false;
  signDirectly(internals._protocol, () => undefined);
  return true;
}

/** Wraps authPK so that own private keys sign directly; `afterSigned` runs once the first signed request left. */
function signDirectly(proto: Protocol, afterSigned: () => void): void {
  const original = proto.authPK;
  let signedOnce = false;
  proto.authPK = function (this: unknown, username, key, keyAlgo, cbSign) {
    if (cbSign !== undefined || (keyAlgo !== undefined && typeof keyAlgo !== 'string') || !isOwnPrivateKey(key)) {
      return original.call(this, username, key, keyAlgo, cbSign);
    }
    const hash = keyAlgo === undefined ? undefined : RSA_HASH[keyAlgo];
    const self = this;
    let signed = false;
    // ssh2 calls the sign callback synchronously and sends nothing until `done`: a key that fails
    // to sign falls back to the query, after which ssh2's own signing path reports the error.
    original.call(this, username, key, keyAlgo, (data, done) => {
      const signature = key.sign(data, hash) as Buffer | Error;
      if (signature instanceof Error) {
        original.call(self, username, key, keyAlgo);
        return;
      }
      done(signature);
      signed = true;
    });
    if (signed && !signedOnce) {
      signedOnce = true;
      afterSigned();
    }
  };
}

/**
 * A session channel opened ahead of need. ssh2's CHANNEL_OPEN_CONFIRMATION handler builds it;
 * the next `_protocol.session()` call for a plain session (an exec: `client.exec` → openChannel)
 * takes it instead of opening another. An SFTP open or a failed early open goes the normal way.
 */
class Preopen {
  #internals: ClientInternals;
  #send: Protocol['session'];
  #state: 'none' | 'opening' | 'open' | 'failed' | 'used' = 'none';
  #gone: Promise<void> | undefined;
  #settleGone: (() => void) | undefined;
  #id = -1;
  #channel: ClientChannel | undefined;
  #discarded = false;
  #adopter: ((ok: boolean) => void) | undefined;

  constructor(internals: ClientInternals, send: Protocol['session']) {
    this.#internals = internals;
    this.#send = send;
  }

  open(): void {
    if (this.#state !== 'none' || CHANNEL === undefined) return;
    const mgr = this.#internals._chanMgr;
    const onOpen: OpenCallback = (err, channel) => {
      if (err !== undefined || channel === undefined) {
        this.#state = 'failed';
        this.#settleGone?.();
        this.#adopter?.(false);
        return;
      }
      this.#channel = channel;
      this.#state = 'open';
      if (this.#discarded) this.#close();
      else this.#adopter?.(true);
    };
    onOpen.type = 'session';
    const id = mgr.add(onOpen);
    if (id === -1) return;
    this.#id = id;
    this.#state = 'opening';
    // Adopt on ssh2's next session open (replacing the method on the instance, as for authPK).
    const proto = this.#internals._protocol;
    proto.session = (localId, window, packetSize) => this.#onSessionOpen(localId, window, packetSize);
    this.#send(id, CHANNEL.window, CHANNEL.packetSize);
  }

  discard(): Promise<void> {
    this.#discarded = true;
    if (this.#state !== 'opening' && this.#state !== 'open') return this.#gone ?? Promise.resolve();
    this.#gone ??= new Promise<void>((resolve) => {
      this.#settleGone = resolve;
    });
    if (this.#state === 'open') this.#close();
    return this.#gone;
  }

  #close(): void {
    this.#state = 'used';
    const channel = this.#channel;
    if (channel === undefined) {
      this.#settleGone?.();
      return;
    }
    // 'close' comes once both sides closed it (or the connection ended) and its streams ended:
    // they must flow for that. Bounded, in case the server never answers the close.
    const settle = (): void => {
      clearTimeout(timer);
      this.#settleGone?.();
    };
    const timer = setTimeout(settle, 2000);
    timer.unref();
    channel.once('close', settle);
    channel.resume();
    channel.stderr.resume();
    try {
      channel.close();
    } catch {
      // the connection is gone; nothing holds the slot any more
      settle();
    }
  }

  #onSessionOpen(localId: number, window: number, packetSize: number): void {
    const mgr = this.#internals._chanMgr;
    const want = mgr.get(localId) as OpenCallback | undefined;
    const usable = (this.#state === 'opening' || this.#state === 'open') && !this.#discarded && this.#adopter === undefined;
    if (!usable || typeof want !== 'function' || want.type !== 'session') {
      this.#send(localId, window, packetSize);
      return;
    }
    const adopt = (ok: boolean): void => {
      if (mgr.get(localId) !== want) return; // the connection closed meanwhile: ssh2 told `want` already
      if (!ok || this.#channel === undefined) {
        this.#send(localId, window, packetSize);
        return;
      }
      this.#state = 'used';
      mgr.remove(localId);
      const channel = this.#channel;
      // ssh2 calls its open callbacks from its packet handler, never synchronously: same here.
      process.nextTick(() => want(undefined, channel));
    };
    if (this.#state === 'open') adopt(true);
    else this.#adopter = adopt;
  }
}

/**
 * Sends one keepalive@openssh.com global request and calls `onReply` with its reply (true for
 * REQUEST_FAILURE, which OpenSSH sends: a reply all the same) or an Error on close. Returns false,
 * sending nothing, when ssh2's internals differ.
 */
export function sendPing(client: Client, onReply: (outcome?: unknown) => void): boolean {
  const c = client as unknown as Partial<ClientInternals>;
  if (!Array.isArray(c._callbacks) || typeof c._protocol?.ping !== 'function') return false;
  c._callbacks.push(onReply);
  try {
    c._protocol.ping();
  } catch (error) {
    c._callbacks.pop();
    throw error;
  }
  return true;
}
