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
    report.results.map((r) => (!r.error ? [r.host, r.value.name, r.value.keyType, r.value.fingerprint, r.value.state] : [r.host, '-', '-', '-', statusOfHostKey(r)])),
  );
}

/**
 * What the operator must read on stderr: each changed or revoked key with the remedy, and each
 * host that could not be scanned, with its reason.
 */
export function formatHostKeyProblems(report: RunReport<HostKeyOutput>, style: Style): string {
  let out = '';
  for (const r of report.results) {
    const problem = r.error ?? hostKeyProblem(r.host, r.value);
    if (problem) out += `${style.bad(escapeTerminal(`${r.host}: ${problem.code}: ${problem.message}`))}\n`;
  }
  return out;
}

/** The closing summary, as every run ends (counts per status, then the hosts that failed). */
export function formatHostKeySummary(report: RunReport<HostKeyOutput>, style: Style): string {
  const failed = report.results.flatMap((r) => {
    const status = statusOfHostKey(r);
    if (status === 'ok') return [];
    const reason = r.error ? `${r.error.code}: ${r.error.message}` : `key ${r.value.state}: ${r.value.keyType} ${r.value.fingerprint}`;
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
  knownAs: string | null;
  keyType: string | null;
  fingerprint: string | null;
  key: string | null;
  knownAt: string | null;
  error: ErrorInfo | null;
}

/** `fleet hostkeys scan|accept --output json`. */
export interface HostKeyJsonDocument {
  version: number;
  command: string;
  started: string;
  durationMs: number;
  /** The file `accept` writes to. */
  knownHosts: string | null;
  hosts: HostKeyJsonHost[];
  summary: RunSummary;
}

/** Builds the json document from a scan or accept report; `error` carries a changed/revoked key's HostKeyError. */
export function hostKeyDocument(report: RunReport<HostKeyOutput>, knownHostsFile: string | undefined): HostKeyJsonDocument {
  return {
    version: EVENT_SCHEMA_VERSION,
    command: report.command,
    started: report.startedAt,
    durationMs: report.durationMs,
    knownHosts: knownHostsFile ?? null,
    hosts: report.results.map((r) => {
      const status = statusOfHostKey(r);
      if (r.error) {
        const none = { state: null, address: null, port: null, knownAs: null, keyType: null, fingerprint: null, key: null, knownAt: null };
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
        knownAs: v.name,
        keyType: v.keyType,
        fingerprint: v.fingerprint,
        key: v.key,
        knownAt: v.knownAt ?? null,
        error: problem ? problem.toJSON() : null,
      };
    }),
    summary: report.summary,
  };
}
