import type { ErrorInfo, FleetEvent, HostRef } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import type { OutputFlow } from '../output-flow.js';
import { OutputAccumulator } from './output-data.js';
import type { Renderer, TextSink } from './renderer.js';
import { SpillStore, type SpillRef } from './spill-store.js';

/** One host in the json document (DESIGN.md §4). */
export interface JsonHost {
  host: string;
  address: string;
  port: number;
  user: string;
  status: HostStatus | 'pending';
  exitCode: number | null;
  signal: string | null;
  /** The output as text: exact when it was valid UTF-8 (then `stdoutBase64` is null), else with U+FFFD for bad bytes. */
  stdout: string;
  stderr: string;
  /** The exact bytes, base64, only when they were not valid UTF-8 (binary output); else null. */
  stdoutBase64: string | null;
  stderrBase64: string | null;
  durationMs: number | null;
  error: ErrorInfo | null;
}

/** The json output: one document written when the run ends. */
export interface JsonDocument {
  version: number;
  command: string;
  started: string;
  durationMs: number;
  hosts: JsonHost[];
  summary: RunSummary;
}

/**
 * Builds the json document from events alone, so it shows exactly what the other renderers
 * saw. Output is kept as the run emitted it (the run already caps it per host), byte for byte:
 * a host whose output is not valid UTF-8 gets `stdoutBase64` (or `stderrBase64`) holding the
 * exact bytes beside the readable `stdout`.
 *
 * Memory: each host's entry is serialized when it ends and kept in a SpillStore (on disk past
 * its budget), and the document is written entry by entry: the same text as one
 * `JSON.stringify(doc, null, 2)`, without ever holding 1000 hosts' output at once (nor a string
 * beyond V8's length limit).
 */
export class JsonRenderer implements Renderer {
  readonly #out: TextSink;
  readonly #store: SpillStore;
  readonly #flow: OutputFlow | undefined;
  readonly #hosts = new Map<string, JsonHost>();
  readonly #output = new Map<string, { stdout: OutputAccumulator; stderr: OutputAccumulator }>();
  /** Entries of the hosts that ended, serialized. */
  readonly #done = new Map<string, SpillRef>();
  #doc: Omit<JsonDocument, 'hosts'> | undefined;

  /**
   * @param opts.store - where finished hosts' entries wait (default: 64 MiB in memory, then a temp file)
   * @param opts.flow - the reader's backpressure: writing the document waits while it is congested
   */
  constructor(out: TextSink, opts: { store?: SpillStore; flow?: OutputFlow | undefined } = {}) {
    this.#out = out;
    this.#store = opts.store ?? new SpillStore();
    this.#flow = opts.flow;
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        this.#doc = { version: event.version, command: event.command, started: event.started, durationMs: 0, summary: emptySummary() };
        for (const ref of event.hosts) this.#hostEntry(ref);
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
        entry.exitCode = event.exitCode;
        entry.signal = event.signal;
        entry.durationMs = event.durationMs;
        entry.error = event.error ?? null;
        // A steps run's host may run more steps: its entry is final only at the end.
        if (event.step === undefined) this.#serialize(event.host);
        return;
      }
      case 'summary':
        if (this.#doc) {
          this.#doc.summary = event.summary;
          this.#doc.durationMs = event.durationMs;
        }
        return;
      default:
        event satisfies never;
    }
  }

  async close(): Promise<void> {
    try {
      if (this.#doc) await this.#write(this.#doc);
    } finally {
      this.#store.close();
    }
  }

  /** Fills in the host's output, serializes its entry and lets go of the output. */
  #serialize(host: string): SpillRef {
    let ref = this.#done.get(host);
    if (ref !== undefined) return ref;
    const entry = this.#hosts.get(host) as JsonHost;
    const output = this.#output.get(host);
    if (output !== undefined) {
      entry.stdout = output.stdout.text();
      entry.stderr = output.stderr.text();
      entry.stdoutBase64 = output.stdout.base64();
      entry.stderrBase64 = output.stderr.base64();
      this.#output.delete(host);
    }
    ref = this.#store.put(JSON.stringify(entry, null, 2));
    this.#done.set(host, ref);
    this.#hosts.set(host, { ...entry, stdout: '', stderr: '', stdoutBase64: null, stderrBase64: null });
    return ref;
  }

  /** The document, as JSON.stringify(doc, null, 2) would print it, one host entry at a time. */
  async #write(doc: Omit<JsonDocument, 'hosts'>): Promise<void> {
    const { summary, ...head } = doc;
    let text = '{\n';
    for (const [key, value] of Object.entries(head)) text += `  ${JSON.stringify(key)}: ${nest(JSON.stringify(value, null, 2), 1)},\n`;
    const hosts = [...this.#hosts.keys()];
    text += hosts.length === 0 ? '  "hosts": [],\n' : '  "hosts": [';
    this.#out.write(text);
    for (const [i, host] of hosts.entries()) {
      if (this.#flow?.congested) await this.#flow.whenClear();
      this.#out.write(`${i === 0 ? '' : ','}\n    ${nest(this.#store.read(this.#serialize(host)), 2)}`);
    }
    if (hosts.length > 0) this.#out.write('\n  ],\n');
    this.#out.write(`  "summary": ${nest(JSON.stringify(summary, null, 2), 1)}\n}\n`);
  }

  #hostEntry(ref: HostRef): void {
    const entry: JsonHost = {
      host: ref.host,
      address: ref.address,
      port: ref.port,
      user: ref.user,
      status: 'pending',
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      stdoutBase64: null,
      stderrBase64: null,
      durationMs: null,
      error: null,
    };
    this.#hosts.set(ref.host, entry);
    this.#output.set(ref.host, { stdout: new OutputAccumulator(), stderr: new OutputAccumulator() });
  }
}

/** Indents pretty-printed JSON by `levels` x 2 spaces after each newline (JSON strings hold none). */
function nest(json: string, levels: number): string {
  return json.replaceAll('\n', `\n${'  '.repeat(levels)}`);
}
