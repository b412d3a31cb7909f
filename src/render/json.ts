import type { ErrorInfo, FleetEvent, HostRef } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import { OutputAccumulator } from './output-data.js';
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
  /** The output as text: exact when it was valid UTF-8 (then `stdout_base64` is null), else with U+FFFD for bad bytes. */
  stdout: string;
  stderr: string;
  /** The exact bytes, base64, only when they were not valid UTF-8 (binary output); else null. */
  stdout_base64: string | null;
  stderr_base64: string | null;
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
 * saw. Output is kept as the run emitted it (the run already caps it per host), byte for byte:
 * a host whose output is not valid UTF-8 gets `stdout_base64` (or `stderr_base64`) holding the
 * exact bytes beside the readable `stdout`.
 */
export class JsonRenderer implements Renderer {
  readonly #out: TextSink;
  readonly #hosts = new Map<string, JsonHost>();
  readonly #output = new Map<string, { stdout: OutputAccumulator; stderr: OutputAccumulator }>();
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
      case 'transfer_progress':
        return;
      case 'stdout':
      case 'stderr': {
        this.#output.get(event.host)?.[event.type].add(event);
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
    for (const [host, output] of this.#output) {
      const entry = this.#hosts.get(host) as JsonHost;
      entry.stdout = output.stdout.text();
      entry.stderr = output.stderr.text();
      entry.stdout_base64 = output.stdout.base64();
      entry.stderr_base64 = output.stderr.base64();
    }
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
      stdout_base64: null,
      stderr_base64: null,
      duration_ms: null,
      error: null,
    };
    this.#hosts.set(ref.host, entry);
    this.#output.set(ref.host, { stdout: new OutputAccumulator(), stderr: new OutputAccumulator() });
    return entry;
  }
}
