/**
 * The connect state machine: a socket (our own TCP socket with TCP_NODELAY, or a channel through
 * a jump host), banner, key exchange with the host key checked in ssh2's hostVerifier, then
 * authentication: all under one timer and one AbortSignal. Every failure path destroys the client
 * and rejects with exactly one FleetError.
 */
import type { Duplex } from 'node:stream';
import { FleetError, toFleetError } from '../../errors.js';
import type { ConnectOptions, ConnectTarget, ConnectTiming, ConnectTimingPhase } from '../transport.js';
import { algorithmsFor } from './algorithms.js';
import { AuthDriver, planAuth } from './auth.js';
import { type ConnectStage, recordConnectStage } from './connect-stage.js';
import { bannerEndedError, bannerError, BannerWatch } from './banner-watch.js';
import type { SshCredentialCache } from './credentials.js';
import { abortError, isFatalSshError, translateSshError } from './errors.js';
import { decideHostKey, hostKeyError } from './host-key-check.js';
import { fingerprintSha256, type HostKey, hostKeyFromBlob } from './host-key.js';
import { SshLink } from './link.js';
import { openTcpSocket, type SocketOpener } from './socket.js';
import { type FastHandshake, installFastHandshake } from './ssh2-internals.js';

/** An authenticated link plus the host key the server proved it holds. */
export interface EstablishedLink {
  link: SshLink;
  /** The fast handshake's state (undefined when ssh2's internals differed and it is off). */
  fast: FastHandshake | undefined;
  hostKey: { type: string; fingerprint: string };
  timing: Omit<ConnectTiming, 'attempts'>;
}

/** Handshake extras of one connect (see ssh2-internals.ts). */
export interface ConnectFeatures {
  /**
   * Open a session channel in the same flight as the signed publickey request when that request
   * is the only way in, for the first exec to adopt. Not for jump hosts (they only forward).
   */
  preopenSession?: boolean;
}

/**
 * Connects and authenticates. Resolves only once the server accepted us; rejects with a FleetError
 * (HostKeyError before any credential is sent; AuthError with every attempt when auth fails).
 */
export function connectSsh(
  host: ConnectTarget,
  opts: ConnectOptions,
  creds: SshCredentialCache,
  openSocket: SocketOpener = openTcpSocket,
  features: ConnectFeatures = {},
): Promise<EstablishedLink> {
  const target = { host: host.name, address: host.address, port: host.port };
  const where = `${host.name} (${host.address}:${host.port})`;
  const timeoutMs = host.connectTimeoutMs ?? opts.connectTimeoutMs;
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal, host.name));

  return new Promise<EstablishedLink>((resolve, reject) => {
    let settled = false;
    let stage: ConnectStage = 'tcp';
    const startedAt = Date.now();
    const t0 = performance.now();
    const since = (): number => Math.round(performance.now() - t0);
    let socketMs = 0;
    let kexMs = 0;
    // Aborted when the attempt fails, so that a socket still being opened (a jump channel) is dropped.
    const attempt = new AbortController();
    let presented: HostKey | undefined;
    let refused: FleetError | undefined; // the host key verdict, which outranks ssh2's generic "Host denied"
    let pinKey: HostKey | undefined; // accepted under accept-new, to be written once proven
    let pinWrite: Promise<void> = Promise.resolve();
    let sawHandshake = false;
    let banner: BannerWatch | undefined;
    // The phase timings (host_phase events): each phase's own duration, unrounded, reported as it
    // ends; `mark` is when the previous phase ended.
    let mark = t0;
    const timed = (phase: ConnectTimingPhase): void => {
      const now = performance.now();
      const ms = now - mark;
      mark = now;
      try {
        opts.onTiming?.(phase, ms);
      } catch (error) {
        fail(toFleetError(error, host.name));
      }
    };
    // A connection that ends after the server sent bytes but no identification is a failed
    // handshake in OpenSSH's words, not a lost connection (see banner.ts).
    const bannerEnded = (err?: unknown): FleetError | undefined => bannerEndedError(banner, where, host.name, err);

    const plan = planAuth(host, creds);
    // The early channel open only when the one signed request is the only way in (RFC 4252 §5:
    // the server queues it behind the authentication; a refused key fails the connect anyway).
    let onlyOneKey = false;
    void plan.then((sources) => {
      onlyOneKey = sources.length === 1 && sources[0]?.method === 'publickey';
    }, () => undefined);
    let fast: FastHandshake | undefined;
    const auth = new AuthDriver(host.user, () => pinWrite.then(() => plan));
    const link = new SshLink(target, {
      error: (err) => {
        if (!isFatalSshError(err)) return;
        fail(refused ?? bannerEnded(err) ?? translateSshError(err, { ...target, phase: 'connect', attempts: auth.attempts, user: host.user }));
      },
      close: () => fail(refused ?? bannerEnded() ?? new FleetError('FLEET_CONNECTION_LOST', `${where}: the server closed the connection during ${stage}`, { host: host.name })),
    });

    const fail = (error: FleetError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      link.destroy();
      recordConnectStage(error, stage);
      attempt.abort(error);
      reject(error);
    };
    const onAbort = (): void => fail(abortError(signal as AbortSignal, host.name));
    const timer = setTimeout(() => {
      fail(new FleetError('FLEET_CONNECT_TIMEOUT', `${where}: no SSH session within ${timeoutMs} ms (stuck in ${stage})`, { host: host.name, details: { stage, timeoutMs } }));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      banner?.dispose();
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // The caller's callback runs inside ssh2's event handlers: a throw there must not reach ssh2.
    const notify = (phase: 'connected' | 'authenticated'): void => {
      try {
        opts.onPhase?.(phase);
      } catch (error) {
        fail(toFleetError(error, host.name));
      }
    };
    // A bad explicit key fails the attempt at once instead of after the key exchange.
    plan.catch((error: unknown) => fail(translateSshError(error, { ...target, phase: 'connect' })));

    const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void): void => {
      const key = hostKeyFromBlob(blob);
      if (key === undefined) {
        refused = new FleetError('FLEET_HANDSHAKE_FAILED', `${where}: malformed host key from the server`, { host: host.name });
        verify(false);
        return;
      }
      // A re-key must present the very key verified at connect time.
      if (presented !== undefined) {
        verify(presented.blob.equals(key.blob));
        return;
      }
      const decision = decideHostKey({ name: host.name, address: host.address, port: host.port }, key, opts.hostKeyPolicy, opts.knownHosts);
      presented = key;
      if (!decision.accept) {
        refused = decision.error;
        verify(false);
        return;
      }
      if (decision.pin) pinKey = key;
      verify(true);
    };

    const pinHostKey = async (key: HostKey): Promise<void> => {
      try {
        const after = await opts.knownHosts.add(host.address, host.port, key);
        if (after.status !== 'match') fail(hostKeyError({ name: host.name, address: host.address, port: host.port }, key, after));
      } catch (error) {
        fail(error instanceof FleetError ? error : translateSshError(error, { ...target, phase: 'connect' }));
      }
      if (settled) throw new FleetError('FLEET_CANCELLED', `${where}: connect abandoned`);
    };

    link.client.on('handshake', () => {
      if (sawHandshake) return;
      sawHandshake = true;
      stage = 'authentication';
      kexMs = since();
      timed('kex');
      // Pin only now: the server has just proved it holds the key (the exchange hash signature
      // checked out). Authentication waits for the write, so nothing is sent to a host whose
      // key could not be pinned or was pinned differently by someone else meanwhile.
      if (pinKey !== undefined) pinWrite = pinHostKey(pinKey);
      notify('connected');
    });
    link.client.once('ready', () => {
      if (settled) return;
      auth.succeeded();
      timed('auth');
      notify('authenticated');
      if (settled) return;
      settled = true;
      cleanup();
      link.established();
      const key = presented as HostKey;
      const timing = { startedAt, socketMs, kexMs, authMs: since() };
      resolve({ link, fast, hostKey: { type: key.type, fingerprint: fingerprintSha256(key.blob) }, timing });
    });

    const startSsh = (sock: Duplex): void => {
      link.attachSocket(sock);
      if (settled) {
        link.destroy();
        return;
      }
      stage = 'ssh-handshake';
      socketMs = since();
      timed('tcp');
      try {
        link.client.connect({
          sock,
          username: host.user,
          hostVerifier,
          authHandler: auth.handler,
          algorithms: algorithmsFor(opts.knownHosts.keyTypesFor(host.address, host.port), host.kexProfile === 'fast' ? 'nistp256-first' : opts.kexProfile),
          // Our timer above is the bound; this is ssh2's own, set just behind it as a backstop.
          readyTimeout: timeoutMs + 1000,
          // The host's own setting (inventory, ssh_config, --keepalive) wins over the run's.
          keepaliveInterval: host.serverAliveIntervalMs ?? opts.keepaliveIntervalMs ?? 15_000,
          keepaliveCountMax: host.serverAliveCountMax ?? opts.keepaliveCountMax ?? 3,
          ...(opts.debug !== undefined && { debug: opts.debug }),
        });
        fast = installFastHandshake(link.client, { preopenSession: () => features.preopenSession === true && onlyOneKey });
        banner = new BannerWatch(sock, {
          ident: () => timed('banner'),
          invalid: (reason) => fail(bannerError(where, host.name, reason)),
        });
      } catch (error) {
        fail(translateSshError(error, { ...target, phase: 'connect' }));
      }
    };
    openSocket(target, attempt.signal).then(startSsh, (error: unknown) => fail(translateSshError(error, { ...target, phase: 'connect' })));
  });
}
