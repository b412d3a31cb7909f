import { EVENT_SCHEMA_VERSION, type FleetEvent } from '../events.js';
import type { Renderer, TextSink } from './renderer.js';

/** One jsonl line: the event exactly as emitted, plus the schema version `v`. */
export type JsonlRecord = { v: number } & FleetEvent;

// JSON.stringify leaves DEL, the C1 controls and the JS line separators raw inside strings.
// They are legal JSON, but a C1 CSI (U+009B) can drive a terminal that `cat`s the stream, and
// U+2028/9 break naive line readers; `\uXXXX` decodes to the very same string.
// eslint-disable-next-line no-control-regex
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * Newline-delimited JSON, one event per line, written as it happens (one `write` per event, so
 * a consumer reading a pipe sees each event as soon as fleet does). Every line is the event as
 * it is (`type` first among its own fields, camelCase as in `FleetEvent`) plus `v`, the event
 * schema version, so each line stands alone. The stream ends with the `summary` event itself:
 * `{"v":2,"type":"summary","summary":{...counts, total},"durationMs":..,"failed":[{host,status,reason}]}`.
 *
 * Output stays byte-exact: a stdout/stderr event whose bytes were not valid UTF-8 carries them as
 * base64 with `"encoding":"base64"` (see OutputEncoding); without that field `data` is the text.
 *
 * Every event kind is written unchanged, so a new kind needs no code here (the one renderer
 * that is exhaustive by construction rather than by switch).
 */
export class JsonlRenderer implements Renderer {
  readonly #out: TextSink;

  constructor(out: TextSink) {
    this.#out = out;
  }

  onEvent(event: FleetEvent): void {
    const record: JsonlRecord = { v: EVENT_SCHEMA_VERSION, ...event };
    this.#out.write(`${toJsonLine(record)}\n`);
  }

  async close(): Promise<void> {}
}

/** Serializes one record on one line, with the characters above escaped. */
function toJsonLine(record: JsonlRecord): string {
  // Safe on the whole text: outside strings, JSON is plain ASCII.
  return JSON.stringify(record).replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
