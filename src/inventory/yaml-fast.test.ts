import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeLargeInventory } from '../../bench/bench-inventory.js';
import { readFastYaml } from './yaml-fast.js';
import { fastYamlSource } from './yaml-fast-source.js';
import type { YamlPath, YamlSource } from './yaml-path.js';
import { yamlDocumentSource } from './yaml-source.js';

/** Every path into plain data, maps and sequences included. */
function allPaths(data: unknown, prefix: YamlPath = []): YamlPath[] {
  const out: YamlPath[] = [prefix];
  if (Array.isArray(data)) data.forEach((v, i) => out.push(...allPaths(v, [...prefix, i])));
  else if (typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data)) out.push(...allPaths(v, [...prefix, k]));
  }
  return out;
}

/** yaml's reading of `text`, or the error code it throws. */
function viaYaml(text: string): YamlSource | string {
  try {
    return yamlDocumentSource('/inv/x.yaml', text);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/**
 * When the fast reader accepts `text`, yaml must read it without error to the same data, and
 * every path (and a missing child of each) must locate to the same line, column and key path.
 */
function expectSameAsYaml(text: string): boolean {
  const fast = readFastYaml(text);
  if (!fast) return false;
  const ref = viaYaml(text);
  expect(typeof ref, `yaml rejects what the fast reader accepted:\n${text}`).toBe('object');
  const yaml = ref as YamlSource;
  const src = fastYamlSource('/inv/x.yaml', text, fast);
  expect(src.data, text).toEqual(yaml.data);
  for (const p of allPaths(yaml.data)) {
    for (const part of ['key', 'value'] as const) {
      expect(src.locate(p, part), `${text}\n${JSON.stringify(p)} ${part}`).toEqual(yaml.locate(p, part));
      expect(src.locate([...p, 'missing'], part)).toEqual(yaml.locate([...p, 'missing'], part));
    }
    expect(src.locateKeys(p)).toEqual(yaml.locateKeys(p));
  }
  return true;
}

const ACCEPTED = [
  'a: 1\n',
  'a:\nb: 1\n',
  'a:  \nb: 1\n',
  'a: # c\nb: 1\n',
  'a:   # c\n  x: 1\n  y:\n',
  'a:\n  - x\n  - y\nb:\n- z\n',
  'x:\n- a\n  # c\n- b\n',
  'a:\n  - a\n\n  - b\nb: 2',
  'a: b\n   # c\nd: 1\n',
  'a: {x: 1, y: [1, 2, "3"], z: {q: \'it\'\'s\'}}\n',
  'a: {\n  x: 1,\n  y: 2 }\n',
  '{"a": 1,\n"b": [1, 2, {"c": null}],\n "d": "\\u00e9\\/\\n"\n}\n',
  '---\n# comment\na: 1\n',
  'k: -1\nj: -.5\nz: +1\nq: 0o17\nh: 0x1F\ne: 1e3\nf: .inf\nm: -.INF\nn: .NaN\nt: True\nnl: Null\nnl2: ~\ni: 007\nv: 1.\nw: 1_000\nx: 0x\n',
  'a: -x\nb: x-\nc: http://h:80/p\nd: a, b]\ne: a#b\nf: b #c\n',
  '"quoted key": 1\n\'single\': 2\n',
  'web[01:20].example.com: {}\nweb[21:22]: {host: 10.0.0.1}\n',
  'a: {url: http://x, b: "x" }\n',
  'a: [a b, c]\nb: {b c: d}\n',
  'a: 1 \nb: 2',
  '- a\n- {b: 1}\n',
  'a:\n  b:\n    c:\n      - 1\n  d: 2\ne: 3\n',
  'a: "\\x41\\U0001F600\\t\\\\\\""\n',
  'a: [\n  1, # one\n  2\n  ]\n',
];

const LEFT_TO_YAML = [
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: |\n  text\n',
  'a: >\n  text\n',
  'a: b\n  c\n',
  'a: "x\n  y"\n',
  'a: 1\na: 2\n',
  'a:\n  <<: {b: 1}\n',
  '__proto__: 1\n',
  '1: a\n',
  'true: a\n',
  'a: b: c\n',
  'a:\tb\n',
  'a: b\r\n',
  'a: 1\n---\nb: 2\n',
  'a: 1\n...\n',
  '',
  '# only a comment\n',
  'scalar\n',
  '  a: 1\n',
  'a: [1,\n2]\n',
  'a: {b}\n',
  'a: {b: }\n',
  'a: [1, 2, ]\n',
  'a: [b: 1]\n',
  'a: {b: 1}x\n',
  'a: "x"y\n',
  'a: "bad \\q escape"\n',
  'a:\n  b: 1\n c: 2\n',
  '- a\nb: 1\n',
  'a:\n  - x\n  b: 1\n',
  '? complex\n: key\n',
  'a: @x\n',
  '%YAML 1.2\n---\na: 1\n',
  '\ufeffa: 1\n',
  'a:\n  -\n    b: 1\n',
  '- a: 1\n',
];

describe('readFastYaml: the same data and positions as yaml, or nothing', () => {
  it.each(ACCEPTED)('reads %j exactly as yaml does', (text) => {
    expect(expectSameAsYaml(text)).toBe(true);
  });

  it.each(LEFT_TO_YAML)('leaves %j to yaml', (text) => {
    expect(readFastYaml(text)).toBeUndefined();
  });

  it('reads the example inventories and the generated 10k-style inventory', () => {
    const dir = path.resolve('inventories');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(expectSameAsYaml(readFileSync(path.join(dir, f), 'utf8')), f).toBe(true);
    expect(expectSameAsYaml(makeLargeInventory(120, { rackSize: 10 }))).toBe(true);
  });

  it('reads JSON inventories', () => {
    const json = JSON.stringify({ defaults: { user: 'deploy' }, hosts: { 'web[01:03]': {}, db1: { port: 2222, labels: { role: 'db' } } } }, null, 2);
    expect(expectSameAsYaml(json)).toBe(true);
    expect(expectSameAsYaml(JSON.stringify(JSON.parse(json)))).toBe(true);
  });

  it('agrees with yaml on 2,000 random documents built from awkward pieces', { timeout: 30_000 }, () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(list: readonly T[]): T => list[rand(list.length)] as T;
    const keys = ['a', 'b.c', 'web[01:03]', '"q k"', "'s k'", '1', 'true', 'null', '-x', 'a b', 'a#b', 'a #b', 'x:y', '<<', '~', 'é', '"a\\"b"'];
    const scalars = ['1', '0x1F', '1e3', '.5', '-1', '+1', '~', 'null', 'True', 'yes', '1.2.3', 'a: b', 'a:b', 'x #c', 'x#c', '@x', '`x', '%x', '!x', '&a x', '*a', 'a, b', '[a]x', 'http://x', '-', '- x', '? x', ': x', "'q''s'", '"e\\n\\x41\\u00e9"', '"bad\\q"', '"open', 'a]', '{', '}', '.inf', '0o7', '007', '1_0', ''];
    const flow = (depth: number): string => {
      const sep = pick([', ', ',', ' , ', ',\n    ', ', # c\n    ']);
      const n = rand(4);
      if (rand(2) === 0) {
        const items = Array.from({ length: n }, () => (depth > 0 && rand(3) === 0 ? flow(depth - 1) : pick(scalars)));
        return `[${pick(['', ' '])}${items.join(sep)}${pick(['', ' ', ',', '\n  '])}]`;
      }
      const items = Array.from({ length: n }, () => `${pick(keys)}${pick([': ', ':', ' : ', ':\n    '])}${depth > 0 && rand(3) === 0 ? flow(depth - 1) : pick(scalars)}`);
      return `{${pick(['', ' '])}${items.join(sep)}${pick(['', ' ', ','])}}`;
    };
    const block = (indent: number, depth: number): string[] => {
      const pad = ' '.repeat(indent);
      const lines: string[] = [];
      const seq = rand(4) === 0;
      for (let i = 0, n = 1 + rand(4); i < n; i++) {
        const lead = seq ? `${pad}- ` : `${pad}${pick(keys)}:${pick([' ', '  ', ''])}`;
        const kind = rand(6);
        if (kind === 0 && depth > 0 && !seq) {
          lines.push(lead.trimEnd() + pick(['', ' # c']));
          const deeper = indent + pick([0, 1, 2, 4]);
          lines.push(...block(deeper, depth - 1));
        } else if (kind === 1) lines.push(lead + flow(1));
        else lines.push(lead + pick(scalars) + pick(['', ' # c', ' ']));
        if (rand(5) === 0) lines.push(pick(['', '# c', `${pad}  # c`, ' ']));
        if (rand(40) === 0) lines.push(pick(['---', '...', '  x', '\t', 'a: b\r']));
      }
      return lines;
    };
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const text = `${block(0, 2).join('\n')}${pick(['\n', ''])}`;
      if (expectSameAsYaml(text)) accepted++;
    }
    // Enough of the random documents take the fast path for the comparison to mean something.
    expect(accepted).toBeGreaterThan(200);
  });
});
