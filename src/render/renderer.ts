import type { FleetEvent } from '../events.js';

/** Where a renderer writes text: a stream, a test buffer. */
export interface TextSink {
  write(text: string): void;
}

/**
 * Renderers turn the event stream into something a person or program reads. They never touch
 * connections; they see only events, in order, and are closed once after the `summary` event.
 */
export interface Renderer {
  onEvent(event: FleetEvent): void;
  /** Flushes whatever the renderer held back (a json document, a final frame). */
  close(): Promise<void>;
}

/** A TextSink that collects into a string; for tests and for building documents. */
export class StringSink implements TextSink {
  text = '';
  write(text: string): void {
    this.text += text;
  }
}
