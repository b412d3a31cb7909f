import { describe, expect, it } from 'vitest';
import { escapeTerminal, trimCarriageReturn } from './escape.js';

describe('escapeTerminal', () => {
  it.each([
    ['ANSI colour (CSI)', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['cursor movement and line erase', 'ok\u001b[2K\u001b[1A', 'ok\\x1b[2K\\x1b[1A'],
    ['OSC window title, BEL-terminated', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['backspace (overprinting)', 'secret\b\b\b\b\b\bpublic', 'secret\\x08\\x08\\x08\\x08\\x08\\x08public'],
    ['carriage return (rewriting the line)', 'web2 | fake\r', 'web2 | fake\\x0d'],
    ['newline inside a line', 'a\nb', 'a\\x0ab'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['8-bit CSI (C1)', '\u009b31mred', '\\x9b31mred'],
    ['NEL and the rest of C1', '\u0080\u0085\u009f', '\\x80\\x85\\x9f'],
  ])('neutralises %s', (_name, input, expected) => {
    expect(escapeTerminal(input)).toBe(expected);
  });

  it('keeps tab, printable ASCII and non-control Unicode as they are', () => {
    const text = 'col1\tcol2 ~!@#$%^&*() é 日本語 😀 \u00a0nbsp';
    expect(escapeTerminal(text)).toBe(text);
  });

  it('leaves no raw control character behind, for every code point below U+00A0', () => {
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    const escaped = escapeTerminal(all);
    // eslint-disable-next-line no-control-regex
    expect(escaped.replace(/\t/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('trimCarriageReturn', () => {
  it('removes exactly one trailing CR (CRLF output)', () => {
    expect(trimCarriageReturn('line\r')).toBe('line');
    expect(trimCarriageReturn('line\r\r')).toBe('line\r');
    expect(trimCarriageReturn('li\rne')).toBe('li\rne');
    expect(trimCarriageReturn('')).toBe('');
  });
});
