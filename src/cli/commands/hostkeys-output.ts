import { EVENT_SCHEMA_VERSION, type ErrorInfo } from '../../internal.js';
import { hostKeyProblem, statusOfHostKey, type HostKeyOutput, type HostKeyState } from '../../internal.js';
import { escapeTerminal } from '../../internal.js';
import type { Style } from '../../internal.js';
import { formatSummary } from '../../internal.js';
import type { HostStatus, RunReport, RunSummary } from '../../internal.js';
import { formatTable } from './ping-output.js';

const HEADER = ['HOST', 'KNOWN AS', 'KEY', 'FINGERPRINT', 'STATE'];

/** One row per host: its known_hosts name, key type, fingerprint and state (or why it could not be read). */
export function formatHostKeyTable(report: RunReport<HostKeyOutput>): string {
  return formatTable(
    HEADER,
    report.results.map((r) => (r.ok ? [r.host, r.value.name, r.value.keyType, r.value.fingerprint, r.value.state] : [r.host, '-', '-', '-', statusOfHostKey(r)])),
  );
}

/**
 * What the operator must read on stderr: each changed or revoked key with the remedy, and each
 * host that could not be scanned, with its reason.
 */
export function formatHostKeyProblems(report: RunReport<HostKeyOutput>, style: Style): string {
  let out = '';
  for (const r of report.results) {
    const problem = r.ok ? hostKeyProblem(r.host, r.value) : r.error;
    if (problem) out += `${style.bad(escapeTerminal(`${r.host}: ${problem.code}: ${problem.message}`))}\n`;
  }
  return out;
}

/** The closing summary, as every run ends (counts per status, then the hosts that failed). */
export function formatHostKeySummary(report: RunReport<HostKeyOutput>, style: Style): string {
  const failed = report.results.flatMap((r) => {
    const status = statusOfHostKey(r);
    if (status === 'ok') return [];
    const reason = r.ok ? `key ${r.value.state}: ${r.value.keyType} ${r.value.fingerprint}` : `${r.error.code}: ${r.error.message}`;
    return [{ host: r.host, status, reason }];
  });
  return formatSummary({ type: 'summary', summary: report.summary, durationMs: report.durationMs, failed }, style);
}

/** One host of `fleet hostkeys ... --output json`. */
export interface HostKeyJsonHost {
  host: string;
  status: HostStatus;
  state: HostKeyState | null;
  address: string | null;
  port: number | null;
  known_as: string | null;
  key_type: string | null;
  fingerprint: string | null;
  key: string | null;
  known_at: string | null;
  error: ErrorInfo | null;
}

/** `fleet hostkeys scan|accept --output json`. */
export interface HostKeyJsonDocument {
  version: number;
  command: string;
  started: string;
  duration_ms: number;
  /** The file `accept` writes to. */
  known_hosts: string | null;
  hosts: HostKeyJsonHost[];
  summary: RunSummary;
}

/** Builds the json document from a scan or accept report; `error` carries a changed/revoked key's HostKeyError. */
export function hostKeyDocument(report: RunReport<HostKeyOutput>, knownHostsFile: string | undefined): HostKeyJsonDocument {
  return {
    version: EVENT_SCHEMA_VERSION,
    command: report.command,
    started: report.startedAt,
    duration_ms: report.durationMs,
    known_hosts: knownHostsFile ?? null,
    hosts: report.results.map((r) => {
      const status = statusOfHostKey(r);
      if (!r.ok) {
        const none = { state: null, address: null, port: null, known_as: null, key_type: null, fingerprint: null, key: null, known_at: null };
        return { host: r.host, status, ...none, error: r.error.toJSON() };
      }
      const v = r.value;
      const problem = hostKeyProblem(r.host, v);
      return {
        host: r.host,
        status,
        state: v.state,
        address: v.address,
        port: v.port,
        known_as: v.name,
        key_type: v.keyType,
        fingerprint: v.fingerprint,
        key: v.key,
        known_at: v.knownAt ?? null,
        error: problem ? problem.toJSON() : null,
      };
    }),
    summary: report.summary,
  };
}
