/**
 * The keeper process's entry point, started detached by the first `fleet --persist` command
 * (keeper-transport.ts). Writes `ready` (or `running` when another keeper already answers) on
 * stdout once the socket listens, then closes stdout; exits when the keeper stops.
 */
import { appendFileSync } from 'node:fs';
import { Keeper } from './keeper.js';
import { keeperPaths } from './paths.js';

async function main(): Promise<void> {
  const paths = keeperPaths(process.env);
  const log = (line: string): void => {
    try {
      appendFileSync(paths.log, `${new Date().toISOString()} [${process.pid}] ${line}\n`, { mode: 0o600 });
    } catch {
      // diagnostics only
    }
  };
  const keeper = new Keeper({ paths, log });
  try {
    await keeper.listen();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stdout.write(code === 'EADDRINUSE' ? 'running\n' : `failed ${(error as Error).message}\n`);
    process.exitCode = code === 'EADDRINUSE' ? 0 : 1;
    return;
  }
  log('listening');
  process.on('SIGTERM', () => keeper.stop('SIGTERM'));
  process.on('SIGINT', () => keeper.stop('SIGINT'));
  process.stdout.write('ready\n');
  process.stdout.end();
  await keeper.finished;
  log('exit');
  process.exit(0);
}

void main();
