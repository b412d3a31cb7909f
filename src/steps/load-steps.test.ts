import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepsError } from '../errors.js';
import { loadStepsFile, parseStepsText, stepsFromInput } from './load-steps.js';

const parse = (text: string) => parseStepsText(text, 'deploy.yaml', '/srv/app');

/** The StepsError a text fails with. */
async function failure(text: string): Promise<StepsError> {
  try {
    await parse(text);
  } catch (error) {
    if (error instanceof StepsError) return error;
    throw error;
  }
  throw new Error('expected a StepsError');
}

describe('steps files', () => {
  it('loads {steps: [...]} with defaults, and a bare list the same way', async () => {
    const text = `steps:
  - exec: uname -n
    register: n
  - name: show
    exec: echo {{ n }}
    gate: none
    timeout: 30s
    env: {MODE: fast, N: 3}
  - put: {src: app.tgz, dest: /tmp/app.tgz, mode: "0640"}
    canary: 2
  - get: {src: /etc/os-release, dest: out}
    when: web
  - local: make dist
`;
    const file = await parse(text);
    expect(file.baseDir).toBe('/srv/app');
    expect(file.steps.map((s) => [s.index, s.name, s.action.kind, s.gate, s.canary])).toEqual([
      [0, 'exec uname -n', 'exec', 'all', 1],
      [1, 'show', 'exec', 'none', 1],
      [2, 'put app.tgz -> /tmp/app.tgz', 'put', 'canary', 2],
      [3, 'get /etc/os-release -> out', 'get', 'all', 1],
      [4, 'local make dist', 'local', 'all', 1],
    ]);
    expect(file.steps[0]?.register).toBe('n');
    expect(file.steps[1]).toMatchObject({ timeoutMs: 30_000, definedAt: 'deploy.yaml:4' });
    expect(Object.keys(file.steps[1]?.env ?? {})).toEqual(['MODE', 'N']);
    expect(file.steps[2]?.action).toMatchObject({ kind: 'put', mode: 0o640 });
    expect(file.steps[3]?.when).toBe('web');

    const bare = await parse('- exec: uptime\n- exec: df /\n  gate: none\n');
    expect(bare.steps.map((s) => [s.name, s.gate])).toEqual([
      ['exec uptime', 'all'],
      ['exec df /', 'none'],
    ]);
  });

  it.each([
    ['an unknown key, with a suggestion', 'steps:\n  - exec: uptime\n    regster: x\n', 3, 5, /unknown key "regster" \(did you mean "register"\?\)/, 'steps[0].regster'],
    ['an unknown top-level key', 'stepz:\n  - exec: uptime\n', 1, 1, /unknown key "stepz" \(did you mean "steps"\?\)/, 'stepz'],
    ['a step with no action', 'steps:\n  - name: nothing\n', 2, 5, /needs one action/, 'steps[0]'],
    ['two actions in one step', 'steps:\n  - exec: a\n    local: b\n', 3, 5, /has one action; this one has exec and local/, 'steps[0].local'],
    ['a bad gate', 'steps:\n  - exec: a\n    gate: canry\n', 3, 11, /one of all, canary, none \(did you mean "canary"\?\)/, 'steps[0].gate'],
    ['canary with another gate', 'steps:\n  - exec: a\n    gate: none\n    canary: 2\n', 4, 5, /applies to gate: canary/, 'steps[0].canary'],
    ['a bad canary count', 'steps:\n  - exec: a\n    canary: 0\n', 3, 13, /whole number of hosts/, 'steps[0].canary'],
    ['a bad duration', 'steps:\n  - exec: a\n    timeout: 5 parsecs\n', 3, 14, /timeout/, 'steps[0].timeout'],
    ['a variable nobody registered', 'steps:\n  - exec: uname -n\n    register: n\n  - exec: echo {{ nn }}\n', 4, 11, /\{\{ nn \}\} is not a variable here.*did you mean "n"/, 'steps[1].exec'],
    ['a variable registered only later', 'steps:\n  - exec: echo {{ n }}\n  - exec: uname -n\n    register: n\n', 2, 11, /\{\{ n \}\} is not a variable here/, 'steps[0].exec'],
    ['a per-host variable in a local step', 'steps:\n  - exec: uname -n\n    register: n\n  - local: echo {{ n }}\n', 4, 12, /a local step runs once/, 'steps[1].local'],
    ['an unknown filter', 'steps:\n  - exec: echo {{ host | upper }}\n', 2, 11, /unknown filter "upper"/, 'steps[0].exec'],
    ['register on a put', 'steps:\n  - put: {src: a, dest: b}\n    register: x\n', 3, 5, /a put step has none/, 'steps[0].register'],
    ['register of a built-in', 'steps:\n  - exec: a\n    register: host\n', 3, 15, /built in/, 'steps[0].register'],
    ['a put without dest', 'steps:\n  - put: {src: a}\n', 2, 10, /needs "dest"/, 'steps[0].put'],
    ['a misspelt put key', 'steps:\n  - put: {src: a, dst: b}\n', 2, 19, /unknown key "dst" \(did you mean "dest"\?\)/, 'steps[0].put.dst'],
    ['when on a local step', 'steps:\n  - local: make\n    when: web\n', 3, 5, /"when" does not apply/, 'steps[0].when'],
    ['an empty list', 'steps: []\n', 1, 8, /the list is empty/, 'steps'],
    ['a scalar instead of a step', 'steps:\n  - uptime\n', 2, 5, /a step must be a mapping/, 'steps[0]'],
    ['a bad env name', 'steps:\n  - exec: a\n    env: {"A-B": 1}\n', 3, 11, /not a valid environment variable name/, 'steps[0].env.A-B'],
    ['an empty when', 'steps:\n  - exec: a\n    when: " , "\n', 3, 11, /"when" is an empty host pattern/, 'steps[0].when'],
    ['a non-boolean allow_dest_outside', 'steps:\n  - get: {src: a, dest: b, allow_dest_outside: yes please}\n', 2, 48, /must be true or false/, 'steps[0].get.allow_dest_outside'],
  ])('rejects %s, naming file, line, column and key', async (_what, text, line, column, message, key) => {
    const error = await failure(text);
    expect(error.code).toBe('FLEET_STEPS_INVALID');
    expect(error.location).toMatchObject({ file: 'deploy.yaml', line, column, path: key });
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`deploy.yaml:${line}:${column}: `)).toBe(true);
  });

  it('a get step may opt in to a dest that placeholders lead anywhere (allow_dest_outside)', async () => {
    const { steps } = await parse('steps:\n  - get: {src: a, dest: "{{ host }}", allow_dest_outside: true}\n  - get: {src: a, dest: b}\n');
    expect(steps.map((s) => s.action.kind === 'get' && s.action.allowDestOutside)).toEqual([true, undefined]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', async () => {
    const syntax = await failure('steps:\n  - exec: [unclosed\n');
    expect(syntax.code).toBe('FLEET_STEPS_INVALID');
    expect(syntax.message).toMatch(/^deploy\.yaml:\d+:\d+: YAML syntax error/);
    const duplicate = await failure('steps:\n  - exec: a\n    exec: b\n');
    expect(duplicate.location.line).toBe(3);
    expect(duplicate.message).toBe('deploy.yaml:3:5: duplicate key "exec" (first at deploy.yaml:2:5)');
  });

  it('reads a file relative to cwd and names a missing one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-steps-'));
    try {
      await writeFile(path.join(dir, 'run.yaml'), '- exec: uptime\n');
      const file = await loadStepsFile('run.yaml', { cwd: dir });
      expect(file).toMatchObject({ file: 'run.yaml', baseDir: dir });
      await expect(loadStepsFile('missing.yaml', { cwd: dir })).rejects.toMatchObject({ code: 'FLEET_STEPS_INVALID', location: { file: 'missing.yaml' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('validates steps given in code with the same rules, naming the key path', () => {
    const file = stepsFromInput([{ exec: 'uname -n', register: 'n' }, { exec: 'echo {{ n }}', gate: 'none' }], '/base');
    expect(file.steps.map((s) => s.gate)).toEqual(['all', 'none']);
    expect(() => stepsFromInput([{ exec: 'a', gate: 'sometimes' as never }])).toThrow(StepsError);
    try {
      stepsFromInput({ steps: [{ exec: 'a' }, { exec: 'b', timeout: 'soon' }] });
    } catch (error) {
      expect(error).toMatchObject({ code: 'FLEET_STEPS_INVALID', location: { file: '<steps>', path: 'steps[1].timeout' } });
    }
  });
});

describe('inventory values in steps', () => {
  it('host steps may use host, address, port, user, groups, vars.X and labels.X without registering them', () => {
    const file = stepsFromInput([{ exec: 'echo {{ host }} {{ address }} {{ port }} {{ user }} {{ groups }} {{ vars.db.port }} {{ labels.role }}' }, { put: { src: 'a', dest: '/srv/{{ vars.dir }}' } }]);
    expect(file.steps).toHaveLength(2);
  });

  it('a bare namespace, a local step, and registering a built-in name are refused', () => {
    expect(() => stepsFromInput([{ exec: 'echo {{ vars }}' }])).toThrow(/\{\{ vars \}\} is not a variable here/);
    expect(() => stepsFromInput([{ local: 'echo {{ vars.x }}' }])).toThrow(StepsError);
    for (const name of ['user', 'port', 'address', 'groups', 'vars', 'labels']) {
      expect(() => stepsFromInput([{ exec: 'id -un', register: name }])).toThrow(/is built in/);
    }
  });
});
