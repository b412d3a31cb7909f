import { EVENT_SCHEMA_VERSION, type ErrorInfo } from '../../internal.js';
import type { HostSpec } from '../../internal.js';
import type { PingOutput } from '../../internal.js';
import { escapeTerminal } from '../../internal.js';
import { statusOfError, type HostStatus, type RunReport, type RunSummary } from '../../internal.js';

/**
 * An aligned table: header first, cells two spaces apart, the last column not padded. Cells are
 * escaped (host names and remote-derived text cannot move the cursor or forge lines).
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows].map((row) => row.map(escapeTerminal));
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return `${all.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n')}\n`;
}

const PING_HEADER = ['HOST', 'STATUS', 'HANDSHAKE', 'RTT', 'KEY', 'FINGERPRINT'];

/** `fleet ping`'s table: one row per host in inventory order; hosts that failed show their status and `-`. */
export function formatPingTable(report: RunReport<PingOutput>): string {
  const rows = report.results.map((r) => {
    if (r.error) return [r.host, r.status, '-', '-', '-', '-'];
    const v = r.value;
    const handshake = v.reused ? `${v.handshakeMs} ms (open)` : v.attempts > 1 ? `${v.handshakeMs} ms (try ${v.attempts})` : `${v.handshakeMs} ms`;
    return [r.host, 'ok', handshake, v.rttMs === null ? '-' : `${v.rttMs} ms`, v.hostKeyType, v.fingerprint];
  });
  return formatTable(PING_HEADER, rows);
}

/** One host of `fleet ping --output json`. */
export interface PingJsonHost {
  host: string;
  address: string;
  port: number;
  user: string;
  status: HostStatus;
  handshakeMs: number | null;
  rttMs: number | null;
  attempts: number | null;
  reused: boolean | null;
  keyType: string | null;
  fingerprint: string | null;
  durationMs: number;
  error: ErrorInfo | null;
}

/** `fleet ping --output json`: the json document's shape (DESIGN §4) with ping's fields per host. */
export interface PingJsonDocument {
  version: number;
  command: 'ping';
  started: string;
  durationMs: number;
  hosts: PingJsonHost[];
  summary: RunSummary;
}

/** Builds the json document from the report; `hosts` gives address, port and user. */
export function pingDocument(report: RunReport<PingOutput>, hosts: readonly HostSpec[]): PingJsonDocument {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  return {
    version: EVENT_SCHEMA_VERSION,
    command: 'ping',
    started: report.startedAt,
    durationMs: report.durationMs,
    hosts: report.results.map((r) => {
      const spec = byName.get(r.host);
      const base = { host: r.host, address: spec?.address ?? r.host, port: spec?.port ?? 22, user: spec?.user ?? '', durationMs: r.durationMs };
      if (r.error) {
        const none = { handshakeMs: null, rttMs: null, attempts: null, reused: null, keyType: null, fingerprint: null };
        return { ...base, status: r.status, ...none, error: r.error.toJSON() };
      }
      const v = r.value;
      return {
        ...base,
        status: 'ok',
        handshakeMs: v.handshakeMs,
        rttMs: v.rttMs,
        attempts: v.attempts,
        reused: v.reused,
        keyType: v.hostKeyType,
        fingerprint: v.fingerprint,
        error: null,
      };
    }),
    summary: report.summary,
  };
}
