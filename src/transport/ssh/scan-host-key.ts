/**
 * A key-exchange-only probe (`fleet hostkeys scan`): connect, let the key exchange finish so the
 * server proves it holds the key it presented (ssh2 calls the hostVerifier before it checks the
 * exchange-hash signature, so the key is only taken once 'handshake' fires), then disconnect.
 * No authentication request is ever sent. Unlike ssh-keyscan, which stops at the key.
 */
import { FleetError } from '../../errors.js';
import type { ConnectTarget } from '../transport.js';
import type { ConnectOptions } from '../transport.js';
import { algorithmsFor } from './algorithms.js';
import { abortError, isFatalSshError, translateSshError } from './errors.js';
import { type HostKey, hostKeyFromBlob } from './host-key.js';
import { SshLink } from './link.js';
import { bannerEndedError, bannerError, BannerWatch } from './banner-watch.js';
import { openTcpSocket, type SocketOpener } from './socket.js';

/**
 * Reads `host`'s key. The algorithms offered are those a real connect offers (key types pinned in
 * known_hosts first), so the key read is the one a connect would check. Rejects with a FleetError
 * (FLEET_CONNECT_*, FLEET_HANDSHAKE_FAILED, FLEET_CANCELLED).
 */
export function scanHostKey(host: ConnectTarget, opts: ConnectOptions, openSocket: SocketOpener = openTcpSocket): Promise<HostKey> {
  const target = { host: host.name, address: host.address, port: host.port };
  const where = `${host.name} (${host.address}:${host.port})`;
  const timeoutMs = host.connectTimeoutMs ?? opts.connectTimeoutMs;
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal, host.name));

  return new Promise<HostKey>((resolve, reject) => {
    let settled = false;
    let presented: HostKey | undefined;
    let refused: FleetError | undefined;
    const attempt = new AbortController();
    // The server's identification, checked as in connectSsh (banner-watch.ts).
    let banner: BannerWatch | undefined;
    const link = new SshLink(target, {
      error: (err) => {
        if (isFatalSshError(err)) fail(refused ?? bannerEndedError(banner, where, host.name, err) ?? translateSshError(err, { ...target, phase: 'connect' }));
      },
      close: () => fail(refused ?? bannerEndedError(banner, where, host.name) ?? new FleetError('FLEET_CONNECTION_LOST', `${where}: the server closed the connection during the key exchange`, { host: host.name })),
    });
    const fail = (error: FleetError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      link.destroy();
      attempt.abort(error);
      reject(error);
    };
    const onAbort = (): void => fail(abortError(signal as AbortSignal, host.name));
    const timer = setTimeout(() => {
      fail(new FleetError('FLEET_CONNECT_TIMEOUT', `${where}: no key exchange within ${timeoutMs} ms`, { host: host.name, details: { timeoutMs } }));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      banner?.dispose();
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    link.client.on('handshake', () => {
      if (settled || presented === undefined) return;
      settled = true;
      cleanup();
      link.established();
      void link.close(1000);
      resolve(presented);
    });

    const start = (sock: Parameters<SshLink['attachSocket']>[0]): void => {
      link.attachSocket(sock);
      if (settled) {
        link.destroy();
        return;
      }
      try {
        link.client.connect({
          sock,
          username: host.user,
          hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
            const key = hostKeyFromBlob(blob);
            if (key === undefined || (presented !== undefined && !presented.blob.equals(key.blob))) {
              refused = new FleetError('FLEET_HANDSHAKE_FAILED', `${where}: malformed or inconsistent host key from the server`, { host: host.name });
              verify(false);
              return;
            }
            presented = key;
            verify(true);
          },
          // Never called before we disconnect; if it were, it sends nothing.
          authHandler: () => undefined,
          algorithms: algorithmsFor(opts.knownHosts.keyTypesFor(host.address, host.port), opts.kexProfile),
          readyTimeout: timeoutMs + 1000,
        });
        banner = new BannerWatch(sock, { ident: () => undefined, invalid: (reason) => fail(bannerError(where, host.name, reason)) });
      } catch (error) {
        fail(translateSshError(error, { ...target, phase: 'connect' }));
      }
    };
    openSocket(target, attempt.signal).then(start, (error: unknown) => fail(translateSshError(error, { ...target, phase: 'connect' })));
  });
}
