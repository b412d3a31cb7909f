import { describe, expect, it } from 'vitest';
import { createFrameWriter, eraseLines } from './frame-writer.js';

const target = (columns = 20, rows = 10): { writes: string[]; write(text: string): void; columns: number; rows: number } => {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text), columns, rows };
};

describe('eraseLines', () => {
  it('erases upwards line by line and returns to the first column, as ansi-escapes does', () => {
    expect(eraseLines(0)).toBe('');
    expect(eraseLines(1)).toBe('\u001b[2K\u001b[G');
    expect(eraseLines(3)).toBe('\u001b[2K\u001b[1A\u001b[2K\u001b[1A\u001b[2K\u001b[G');
  });
});

describe('createFrameWriter', () => {
  it('draws over the previous frame, skips unchanged frames, and clears', () => {
    const out = target();
    const draw = createFrameWriter(out);
    draw('a\nb');
    draw('a\nb');
    draw('c');
    draw.clear();
    expect(out.writes).toEqual(['a\nb\n', `${eraseLines(3)}c\n`, eraseLines(2)]);
  });

  it('counts a line longer than the terminal as the rows it wraps to, escape sequences aside', () => {
    const out = target(10);
    const draw = createFrameWriter(out);
    draw(`\u001b[31m${'x'.repeat(10)}\u001b[39m\n${'y'.repeat(25)}`);
    draw('z');
    expect(out.writes[1]).toBe(`${eraseLines(1 + 1 + 3)}z\n`);
  });

  it('keeps the last rows - 1 lines of a frame taller than the terminal', () => {
    const out = target(20, 3);
    const draw = createFrameWriter(out);
    draw('1\n2\n3\n4');
    expect(out.writes).toEqual(['3\n4\n']);
  });

  it('starts afresh below the frame after done', () => {
    const out = target();
    const draw = createFrameWriter(out);
    draw('a');
    draw.done();
    draw('a');
    expect(out.writes).toEqual(['a\n', 'a\n']);
  });
});
