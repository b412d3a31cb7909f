import type { ErrorInfo, FleetEvent, HostRef } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import type { Renderer, TextSink } from './renderer.js';

/** One host in the json document (DESIGN.md §4). */
export interface JsonHost {
  host: string;
  address: string;
  port: number;
  user: string;
  status: HostStatus | 'pending';
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  duration_ms: number | null;
  error: ErrorInfo | null;
}

/** The json output: one document written when the run ends. */
export interface JsonDocument {
  version: number;
  command: string;
  started: string;
  duration_ms: number;
  hosts: JsonHost[];
  summary: RunSummary;
}

/**
 * Builds the json document from events alone, so it shows exactly what the other renderers
 * saw. Output is kept as the run emitted it: the run already caps it per host.
 */
export class JsonRenderer implements Renderer {
  readonly #out: TextSink;
  readonly #hosts = new Map<string, JsonHost>();
  #doc: JsonDocument | undefined;

  constructor(out: TextSink) {
    this.#out = out;
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        this.#doc = {
          version: event.version,
          command: event.command,
          started: event.started,
          duration_ms: 0,
          hosts: event.hosts.map((ref) => this.#hostEntry(ref)),
          summary: emptySummary(),
        };
        return;
      case 'host_state':
        return;
      case 'stdout':
      case 'stderr': {
        const entry = this.#hosts.get(event.host);
        if (entry) entry[event.type] += event.data;
        return;
      }
      case 'exit': {
        const entry = this.#hosts.get(event.host);
        if (!entry) return;
        entry.status = event.status;
        entry.exit_code = event.exitCode;
        entry.signal = event.signal;
        entry.duration_ms = event.durationMs;
        entry.error = event.error ?? null;
        return;
      }
      case 'summary':
        if (this.#doc) {
          this.#doc.summary = event.summary;
          this.#doc.duration_ms = event.durationMs;
        }
        return;
      default:
        event satisfies never;
    }
  }

  async close(): Promise<void> {
    if (this.#doc) this.#out.write(`${JSON.stringify(this.#doc, null, 2)}\n`);
  }

  #hostEntry(ref: HostRef): JsonHost {
    const entry: JsonHost = {
      host: ref.host,
      address: ref.address,
      port: ref.port,
      user: ref.user,
      status: 'pending',
      exit_code: null,
      signal: null,
      stdout: '',
      stderr: '',
      duration_ms: null,
      error: null,
    };
    this.#hosts.set(ref.host, entry);
    return entry;
  }
}
