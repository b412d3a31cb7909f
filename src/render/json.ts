import type { ErrorInfo, FleetEvent, HostRef } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import type { OutputFlow } from '../output-flow.js';
import { StringDecoder } from 'node:string_decoder';
import type { Renderer, TextSink } from './renderer.js';
import { SpillStore } from './spill-store.js';
import { SpilledText } from './spilled-text.js';

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
 * Memory: each host's output goes chunk by chunk into the run's SpillStore as it arrives (on
 * disk past the store's budget, for all hosts together, whatever `--max-output` is), and the
 * document is written field by field and chunk by chunk: the same text as one
 * `JSON.stringify(doc, null, 2)`, without ever holding a host's whole output (nor a string beyond
 * V8's length limit).
 */
export class JsonRenderer implements Renderer {
  readonly #out: TextSink;
  readonly #store: SpillStore;
  readonly #flow: OutputFlow | undefined;
  readonly #hosts = new Map<string, JsonHost>();
  readonly #output = new Map<string, { stdout: SpilledText; stderr: SpilledText }>();
  #doc: Omit<JsonDocument, 'hosts'> | undefined;

  /**
   * @param opts.store - where hosts' output waits (default: 64 MiB in memory, then a temp file)
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
      case 'host_phase': // -v prints it (verbose.ts), beside this renderer
      case 'transfer_progress':
        return;
      case 'stdout':
      case 'stderr': {
        this.#output.get(event.host)?.[event.type].append(event.data, event.encoding === 'base64');
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
      this.#out.write(`${i === 0 ? '' : ','}\n    `);
      await this.#writeEntry(host);
    }
    if (hosts.length > 0) this.#out.write('\n  ],\n');
    this.#out.write(`  "summary": ${nest(JSON.stringify(summary, null, 2), 1)}\n}\n`);
  }

  /**
   * One host's entry, nested two levels: its small fields as JSON.stringify prints them, and in
   * place of each output field that field's text streamed chunk by chunk.
   */
  async #writeEntry(host: string): Promise<void> {
    const entry = this.#hosts.get(host) as JsonHost;
    const output = this.#output.get(host);
    const streams: Record<OutputField, ChunkSource> = {
      stdout: output ? textChunks(output.stdout) : [],
      stderr: output ? textChunks(output.stderr) : [],
      stdoutBase64: output?.stdout.hasBase64 ? base64Chunks(output.stdout) : null,
      stderrBase64: output?.stderr.hasBase64 ? base64Chunks(output.stderr) : null,
    };
    // Placeholders that JSON.stringify prints as themselves: the text between them is the entry's.
    const marked = { ...entry } as Record<string, unknown>;
    for (const field of OUTPUT_FIELDS) marked[field] = streams[field] === null ? null : `\u0000${field}\u0000`;
    const parts = nest(JSON.stringify(marked, null, 2), 2).split(/"\\u0000(stdout|stderr|stdoutBase64|stderrBase64)\\u0000"/);
    for (const [i, part] of parts.entries()) {
      if (i % 2 === 0) {
        this.#out.write(part);
        continue;
      }
      this.#out.write('"');
      for (const chunk of streams[part as OutputField] ?? []) {
        if (this.#flow?.congested) await this.#flow.whenClear();
        // A JSON string's inside, chunk by chunk: the chunks' escapes join into the whole's.
        this.#out.write(JSON.stringify(chunk).slice(1, -1));
      }
      this.#out.write('"');
    }
    output?.stdout.drop();
    output?.stderr.drop();
    this.#output.delete(host);
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
    this.#output.set(ref.host, { stdout: new SpilledText(this.#store), stderr: new SpilledText(this.#store) });
  }
}

const OUTPUT_FIELDS = ['stdout', 'stderr', 'stdoutBase64', 'stderrBase64'] as const;
type OutputField = (typeof OUTPUT_FIELDS)[number];
type ChunkSource = Iterable<string> | null;

/**
 * The output as text: the chunks as they came while all were text; once any was bytes (base64),
 * every byte decoded as UTF-8 with U+FFFD for bad ones, as Buffer#toString gives for the whole.
 */
function* textChunks(text: SpilledText): Generator<string> {
  if (!text.hasBase64) {
    yield* text.chunks();
    return;
  }
  const decoder = new StringDecoder('utf8');
  for (const bytes of text.byteChunks()) yield decoder.write(bytes);
  yield decoder.end();
}

/** The exact bytes in base64, chunk by chunk (each chunk's bytes cut at a multiple of 3). */
function* base64Chunks(text: SpilledText): Generator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for (const bytes of text.byteChunks()) {
    const all = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    const cut = all.length - (all.length % 3);
    yield all.toString('base64', 0, cut);
    carry = all.subarray(cut);
  }
  yield carry.toString('base64');
}

/** Indents pretty-printed JSON by `levels` x 2 spaces after each newline (JSON strings hold none). */
function nest(json: string, levels: number): string {
  return json.replaceAll('\n', `\n${'  '.repeat(levels)}`);
}
