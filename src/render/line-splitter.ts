/**
 * Splits a stream of text chunks into whole lines, keeping the unfinished tail until more
 * arrives or the stream ends. One instance per host and stream.
 */
export class LineSplitter {
  #tail = '';

  /** Feeds a chunk; returns the lines it completed (without their newline). */
  push(chunk: string): string[] {
    const text = this.#tail + chunk;
    const parts = text.split('\n');
    this.#tail = parts.pop() ?? '';
    return parts;
  }

  /** Ends the stream; returns the unfinished last line, if any. */
  flush(): string[] {
    const tail = this.#tail;
    this.#tail = '';
    return tail === '' ? [] : [tail];
  }
}
