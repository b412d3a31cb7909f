/**
 * The ssh2 transport behind a dynamic import: ssh2 and the handshake code (about 40 ms to load)
 * are read on the first connect, not at start-up. A `--persist` run whose hosts are all in the
 * keeper never connects in this process, so it never loads them.
 */
import type { ConnectOptions, ConnectTarget, Transport } from '../transport.js';

/** The ssh2-backed {@link Transport} (strict host keys, cached keys, process-group kill on timeout). */
export function createSshTransport(): Transport {
  let loaded: Promise<Transport> | undefined;
  const transport = (): Promise<Transport> => (loaded ??= import('./ssh-transport.js').then((m) => m.createSshTransport()));
  return {
    connect: async (target: ConnectTarget, opts: ConnectOptions) => (await transport()).connect(target, opts),
    scanHostKey: async (target: ConnectTarget, opts: ConnectOptions) => {
      const impl = await transport();
      // The ssh2 transport always scans; the interface keeps the method optional for other transports.
      if (impl.scanHostKey === undefined) throw new TypeError('the ssh2 transport lost scanHostKey');
      return impl.scanHostKey(target, opts);
    },
  };
}
