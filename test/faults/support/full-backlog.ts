/**
 * An address that accepts nothing: a listening socket whose accept queue is full, so the kernel
 * drops every further SYN and a connect() neither succeeds nor is refused (a blackholed route,
 * on loopback). The listener lives in a child process stopped with SIGSTOP (it never accepts),
 * and the queue is filled by a few connections of our own that stay open until `close()`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';

export interface FullBacklog {
  host: string;
  port: number;
  close(): Promise<void>;
}

const LISTENER = `
const s = require('node:net').createServer();
s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => console.log(s.address().port));
`;

export async function startFullBacklog(): Promise<FullBacklog> {
  const child = spawn(process.execPath, ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  child.kill('SIGSTOP');
  const port = Number(line);
  const fillers: net.Socket[] = [];
  // Queue slots are backlog + 1 on Linux; connect until one attempt hangs, and keep them all.
  for (let i = 0; i < 16; i += 1) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await Promise.race([once(socket, 'connect').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
    if (!connected) break;
  }
  return {
    host: '127.0.0.1',
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
      await exited;
    },
  };
}
