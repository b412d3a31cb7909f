import { describe, expect, it } from 'vitest';
import { shellQuote } from '../shell-quote.js';
import { parseTemplate, renderTemplate, templateNames } from './template.js';

const vars = new Map([
  ['host', 'web01'],
  ['n', "it's; rm -rf ~"],
  ['dir', '/srv/app v2'],
]);
const render = (source: string, use: 'command' | 'path') => renderTemplate(parseTemplate(source), vars, use);

describe('step templates', () => {
  it('quotes values in commands by default, so remote output cannot inject shell syntax', () => {
    expect(render('echo {{ n }}', 'command')).toEqual({ text: `echo 'it'\\''s; rm -rf ~'` });
    // The one shell quoter (src/shell-quote.ts) leaves a word of plain characters bare: same word to the shell.
    expect(render('echo {{n|q}} {{ host }}', 'command')).toEqual({ text: `echo 'it'\\''s; rm -rf ~' web01` });
    expect(render('ls {{ dir | raw }}', 'command')).toEqual({ text: 'ls /srv/app v2' });
  });

  it('inserts raw values in paths', () => {
    expect(render('{{ dir }}/releases/{{ host }}.tgz', 'path')).toEqual({ text: '/srv/app v2/releases/web01.tgz' });
  });

  it('leaves other brace syntax alone and honours the \\{{ escape', () => {
    expect(render("docker ps --format '{{.Names}}'", 'command')).toEqual({ text: "docker ps --format '{{.Names}}'" });
    expect(render('echo \\{{ host }}', 'command')).toEqual({ text: 'echo {{ host }}' });
    expect(templateNames(parseTemplate('echo \\{{ host }} {{ n }} {{ n }}'))).toEqual(['n']);
  });

  it('names the first missing variable instead of rendering', () => {
    expect(render('echo {{ missing }} {{ host }}', 'command')).toEqual({ missing: 'missing' });
  });

  it('rejects unknown filters', () => {
    expect(() => parseTemplate('{{ host | upper }}')).toThrow(/unknown filter "upper"/);
  });

  it('single-quotes for any POSIX shell', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('per-host names', () => {
  it('parses dotted names (vars.X, labels.X, nested vars) and renders them through a lookup', () => {
    const template = parseTemplate('echo {{ vars.color }} {{labels.role|raw}} {{ vars.app.http-port }}');
    expect(templateNames(template)).toEqual(['vars.color', 'labels.role', 'vars.app.http-port']);
    const values: Record<string, string> = { 'vars.color': 'dark red', 'labels.role': 'web front', 'vars.app.http-port': '80' };
    // Quoted where a value would split or expand; `| raw` as it is; plain words stay bare.
    expect(renderTemplate(template, (name) => values[name], 'command')).toEqual({ text: "echo 'dark red' web front 80" });
  });

  it('Go-template syntax stays literal, dotted or not', () => {
    for (const text of ['{{ .State.Status }}', '{{.Names}}', '{{ json .Config }}', '{{ vars. }}']) {
      expect(templateNames(parseTemplate(text))).toEqual([]);
    }
  });
});
