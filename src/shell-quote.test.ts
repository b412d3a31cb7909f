import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isShellName, shellJoin, shellQuote } from './shell-quote.js';

const run = promisify(execFile);

// What `sh -c 'printf "<%s>\n" WORDS'` prints for WORDS: each word the shell saw, bracketed.
async function wordsSeenBySh(commandLine: string): Promise<string[]> {
  const { stdout } = await run('/bin/sh', ['-c', `printf '<%s>\\n' ${commandLine}`], { env: { x: 'EXPANDED', PATH: process.env['PATH'] } });
  return [...stdout.matchAll(/<([^>]*)>\n/g)].map((m) => m[1] as string);
}

const NASTY = [
  `'$x;|&"`,
  '',
  ' ',
  "it's",
  "''",
  '$(touch /tmp/fleet-quote-pwned)',
  '`id`',
  'a\\b\\\\c',
  '$x ${x} $((1+1))',
  '*',
  '~root',
  'two words',
  'tab\there',
  'new\nline',
  '!event',
  '#comment',
  '-n',
  'ünïcödé ✓',
  '; rm -rf / #',
];

describe('shellQuote', () => {
  it('quotes the classic troublemaker exactly', () => {
    expect(shellQuote(`'$x;|&"`)).toBe(`''\\''$x;|&"'`);
  });

  it('leaves plain words readable and always quotes the empty string', () => {
    expect(shellQuote('/var/log/app-1.log')).toBe('/var/log/app-1.log');
    expect(shellQuote('KEY=value')).toBe('KEY=value');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('~')).toBe("'~'");
  });

  it('round-trips every value through a real sh as one word, nothing expanded or run', async () => {
    const seen = await wordsSeenBySh(NASTY.map(shellQuote).join(' '));
    expect(seen).toEqual(NASTY);
  });

  it('nests: a quoted command line quoted again survives sh -c inside sh -c', async () => {
    const inner = `printf '<%s>\\n' ${shellJoin(NASTY)}`;
    const { stdout } = await run('/bin/sh', ['-c', `sh -c ${shellQuote(inner)}`], { env: { x: 'EXPANDED', PATH: process.env['PATH'] } });
    expect([...stdout.matchAll(/<([^>]*)>\n/g)].map((m) => m[1])).toEqual(NASTY);
  });
});

describe('isShellName', () => {
  it.each(['A', '_', 'PATH', 'a_1', '_X9'])('accepts %s', (name) => expect(isShellName(name)).toBe(true));
  it.each(['', '1A', 'A-B', 'A B', 'A=B', 'Ä', '$A'])('rejects %j', (name) => expect(isShellName(name)).toBe(false));
});
