import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Lab addressing. A lab owns one 127.S.0.0/16 block (S = its "subnet": 20, or the next free one
 * when several labs run). Host i (0-based) listens on 127.S.(i / 250).(i % 250 + 1):22, so the
 * last octet stays in 1..250 and never looks like a network or broadcast address. All of 127/8
 * is loopback on Linux: no interface setup is needed.
 */
export const FIRST_SUBNET = 20;
export const LAST_SUBNET = 99;
export const HOSTS_PER_OCTET = 250;
export const MAX_LAB_HOSTS = HOSTS_PER_OCTET * 256;

/** Machine-wide subnet reservations, shared by every checkout and process (tmpfs, root only). */
const RESERVATIONS = '/run/fleet-lab';

export function labAddress(subnet: number, index: number): string {
  if (index < 0 || index >= MAX_LAB_HOSTS) throw new RangeError(`lab host index ${index} out of range`);
  return `127.${subnet}.${Math.floor(index / HOSTS_PER_OCTET)}.${(index % HOSTS_PER_OCTET) + 1}`;
}

/** lab001.. (at least three digits; wider when the lab is bigger). */
export function labHostName(index: number, count: number): string {
  return `lab${String(index + 1).padStart(Math.max(3, String(count).length), '0')}`;
}

/**
 * Reserve a subnet for the lab in `dir`: `wanted`, or the first free one. A reservation is a file
 * `/run/fleet-lab/S` created exclusively (so two processes never get the same S); one whose lab
 * is gone (`isLive(dir)` false and its process dead) is taken over. The first address must also
 * be bindable now, in case something else listens there.
 */
export async function reserveSubnet(dir: string, isLive: (dir: string) => boolean, wanted?: number): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o755 });
  const candidates = wanted === undefined ? range(FIRST_SUBNET, LAST_SUBNET) : [wanted];
  for (const subnet of candidates) {
    if (!claim(subnet, dir, isLive)) continue;
    if (await canBind(labAddress(subnet, 0), 22)) return subnet;
    releaseSubnet(subnet, dir);
  }
  throw new Error(
    wanted === undefined
      ? `no free lab subnet in 127.${FIRST_SUBNET}-${LAST_SUBNET}.0.0/16 (see ${RESERVATIONS})`
      : `lab subnet 127.${wanted}.0.0/16 is in use (see ${RESERVATIONS}/${wanted})`,
  );
}

/** Drop the reservation of `subnet` if it is held for `dir`. */
export function releaseSubnet(subnet: number, dir: string): void {
  if (readReservation(subnet)?.dir === dir) rmSync(join(RESERVATIONS, String(subnet)), { force: true });
}

function claim(subnet: number, dir: string, isLive: (dir: string) => boolean): boolean {
  const file = join(RESERVATIONS, String(subnet));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: process.pid, dir }));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readReservation(subnet);
    if (held === undefined || processExists(held.pid) || isLive(held.dir)) return false;
    rmSync(file, { force: true }); // stale: its owner and its lab are gone
  }
  return false;
}

function readReservation(subnet: number): { pid: number; dir: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(RESERVATIONS, String(subnet)), 'utf8')) as { pid: number; dir: string };
  } catch {
    return undefined; // missing, or being written right now (then the next claim sees EEXIST)
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
