/**
 * A host's output as a report keeps it: the first and the last `cap / 2` characters, with a
 * marker line in between when the middle was cut. The head says what the command started
 * doing and the tail is where errors usually are; the full bytes stay in json/jsonl. Memory per
 * host is bounded by about `cap` characters however much the host prints.
 */
export class CappedText {
  readonly #half: number;
  #head = '';
  #tail = '';
  /** Characters seen in total, kept or not. */
  #length = 0;

  constructor(cap: number) {
    this.#half = Math.max(1, Math.floor(cap / 2));
  }

  /** Appends text. */
  push(text: string): void {
    if (text === '') return;
    this.#length += text.length;
    if (this.#head.length < this.#half) {
      const room = this.#half - this.#head.length;
      this.#head += text.slice(0, room);
      text = text.slice(room);
      if (text === '') return;
    }
    this.#tail += text;
    // Trimmed once it holds twice what it keeps, so long outputs cost O(n) overall, not O(n²).
    if (this.#tail.length > 2 * this.#half) this.#tail = this.#tail.slice(-this.#half);
  }

  /** Characters cut from the middle (0 when everything was kept). */
  get cut(): number {
    return Math.max(0, this.#length - this.#head.length - Math.min(this.#tail.length, this.#half));
  }

  /** Characters seen in total. */
  get length(): number {
    return this.#length;
  }

  /** The kept text; when the middle was cut, a marker line stands where it was. */
  text(): string {
    const cut = this.cut;
    if (cut === 0) return this.#head + this.#tail;
    const tail = this.#tail.slice(-this.#half);
    const before = this.#head.endsWith('\n') ? '' : '\n';
    const after = tail.startsWith('\n') ? '' : '\n';
    return `${this.#head}${before}${cutMarker(cut)}${after}${tail}`;
  }
}

/** The line that replaces a cut middle; the client styles lines that start with it. */
export function cutMarker(characters: number): string {
  return `\u2026 [fleet report: ${characters} characters cut here; the full output is in --output json/jsonl] \u2026`;
}
