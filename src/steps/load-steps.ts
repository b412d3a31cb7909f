/**
 * Steps files (`fleet run STEPS.yaml`): `{steps: [...]}` or a bare list. YAML is parsed with the
 * yaml package and its own positions (LineCounter), so every error names file:line:column and
 * the key; validation is normalize-steps.ts, shared with steps given in code.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Document, Node } from 'yaml';
import { StepsError, type InventoryLocation } from '../errors.js';
import { findDuplicateKey } from '../inventory/yaml-source.js';
import type { StepsFile } from './model.js';
import { normalizeSteps, type DataPath, type Locate, type StepInput } from './normalize-steps.js';

/** Bigger than any plausible steps file; a guard against reading a wrong, huge file. */
const MAX_STEPS_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed; YAML "billion laughs" bombs exceed it at once. */
const MAX_ALIAS_COUNT = 100;

/**
 * Reads and validates a steps file. Relative local paths in it resolve against its directory.
 * @throws StepsError FLEET_STEPS_INVALID (file missing or unreadable, YAML syntax, a wrong step),
 *   naming file, line and key.
 */
export async function loadStepsFile(file: string, opts: { cwd?: string } = {}): Promise<StepsFile> {
  const full = path.resolve(opts.cwd ?? process.cwd(), file);
  let text: string;
  try {
    const buffer = await readFile(full);
    if (buffer.length > MAX_STEPS_BYTES) throw new StepsError(`too big for a steps file (${buffer.length} bytes)`, { file });
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof StepsError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    const reason = code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`;
    throw new StepsError(reason, { file }, { cause: error });
  }
  return parseStepsText(text, file, path.dirname(full));
}

/** Parses and validates steps-file text; `file` is how messages name it. */
export async function parseStepsText(text: string, file: string, baseDir: string): Promise<StepsFile> {
  const yaml = await import('yaml');
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new StepsError(`YAML syntax error: ${reason}`, { file, ...(pos && { line: pos.line, column: pos.col }) }, { cause: first });
  }
  // Checked here rather than by yaml (uniqueKeys), so the message names both places.
  const duplicate = findDuplicateKey(yaml, doc);
  if (duplicate) {
    const pos = lineCounter.linePos(duplicate.offset);
    const firstAt = lineCounter.linePos(duplicate.firstOffset);
    throw new StepsError(`duplicate key "${duplicate.key}" (first at ${file}:${firstAt.line}:${firstAt.col})`, { file, line: pos.line, column: pos.col });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new StepsError(`cannot read YAML: ${error instanceof Error ? error.message : String(error)}`, { file }, { cause: error });
  }
  const locate: Locate = (at, part = 'value') => {
    const offset = offsetOf(yaml, doc, at, part);
    const location: InventoryLocation = { file, path: formatPath(at) };
    if (offset !== undefined) {
      const pos = lineCounter.linePos(offset);
      location.line = pos.line;
      location.column = pos.col;
    }
    return location;
  };
  return { file, baseDir, steps: normalizeSteps(data, file, locate) };
}

/**
 * Validates steps given in code (`fleet.run([...])`). Errors name `<steps>` and the key path
 * (`steps[2].exec`). Relative local paths resolve against `baseDir` (default: the cwd).
 */
export function stepsFromInput(input: readonly StepInput[] | { steps: readonly StepInput[] }, baseDir = process.cwd()): StepsFile {
  const file = '<steps>';
  const locate: Locate = (at) => ({ file, path: formatPath(at) });
  return { file, baseDir, steps: normalizeSteps(input, file, locate) };
}

/** `steps[2].put.src`, as messages show a path. */
export function formatPath(at: DataPath): string {
  let out = '';
  for (const part of at) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(top)' : out;
}

type YamlModule = typeof import('yaml');

function offsetOf(y: YamlModule, doc: Document, at: DataPath, part: 'key' | 'value'): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < at.length; i++) {
    const seg = at[i];
    const last = i === at.length - 1;
    if (y.isMap(node)) {
      const pair = node.items.find((p) => y.isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return offset;
      const keyOffset = rangeStart(pair.key);
      if (last && part === 'key') return keyOffset ?? offset;
      // An empty value (`exec:`) has no node of its own: point at the key.
      offset = rangeStart(pair.value) ?? keyOffset ?? offset;
      node = pair.value;
    } else if (y.isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
