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

  /**
   * Feeds a chunk; returns the text of the lines it completed, each with its newline, as one
   * string ('' if none): cheaper to keep than one string per line.
   */
  pushBlock(chunk: string): string {
    const end = chunk.lastIndexOf('\n');
    if (end < 0) {
      this.#tail += chunk;
      return '';
    }
    const block = this.#tail + chunk.slice(0, end + 1);
    this.#tail = chunk.slice(end + 1);
    return block;
  }

  /** Ends the stream; returns the unfinished last line with a newline added, or ''. */
  flushBlock(): string {
    const tail = this.#tail;
    this.#tail = '';
    return tail === '' ? '' : `${tail}\n`;
  }
}
