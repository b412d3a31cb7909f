/**
 * Reading one inventory file and choosing its parser. By extension: `.ini` is Ansible INI;
 * `.yaml`/`.yml`/`.json` are YAML (Ansible when the top level is `all` or only groups of
 * hosts/children/vars, fleet otherwise). Without one of those, by content: a `[group]` line
 * means Ansible INI, a `key:` line means YAML, anything else is a plain hosts file.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InventoryError } from '../errors.js';
import { parseAnsibleIni } from './ansible-ini.js';
import { ansibleYamlFromSource, isAnsibleYamlData } from './ansible-yaml.js';
import { parseHostsFile } from './load-hosts-file.js';
import { looksLikeAnsibleIni } from './load-ansible.js';
import { fleetYamlFromSource } from './load-yaml.js';
import type { InventoryFormat, LoaderOptions, SourceModel } from './model.js';
import { readYamlSource } from './yaml-source.js';

/** Inventories larger than this are refused before parsing. */
export const MAX_INVENTORY_BYTES = 10 * 1024 * 1024;

// `[^:#\n]`, not `[^:#]`: the key must end on its own line, else on a file without any `key:` line
// every line start scans to the end of the file (20,000-line hosts file: 19 s).
const YAML_KEY_LINE = /^[^\s#\-[][^:#\n]*:(?:\s|$)/m;

/** Options for loading one file. */
export interface LoadFileOptions extends LoaderOptions {
  /** Skip detection and parse as this format. */
  format?: InventoryFormat;
  maxBytes?: number;
}

/**
 * Reads and parses one inventory file.
 * @throws InventoryError FLEET_INVENTORY_NOT_FOUND (missing file), FLEET_INVENTORY_INVALID (too
 *   large, not a file, invalid content), FLEET_INVENTORY_PARSE (syntax).
 */
export async function loadInventoryFile(file: string, opts: LoadFileOptions): Promise<SourceModel> {
  const maxBytes = opts.maxBytes ?? MAX_INVENTORY_BYTES;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new InventoryError('FLEET_INVENTORY_INVALID', 'inventory is not a regular file', { file });
    size = st.size;
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    throw new InventoryError('FLEET_INVENTORY_NOT_FOUND', `inventory not found (${(err as Error).message})`, { file }, { cause: err });
  }
  if (size > maxBytes) {
    throw new InventoryError('FLEET_INVENTORY_INVALID', `inventory is ${size} bytes; the limit is ${maxBytes}`, { file });
  }
  const text = await readFile(file, 'utf8');
  return parseInventoryText(text, file, opts);
}

/** Parses inventory text, detecting the format unless `opts.format` is given. */
export function parseInventoryText(text: string, file: string, opts: LoadFileOptions): SourceModel {
  const maxBytes = opts.maxBytes ?? MAX_INVENTORY_BYTES;
  if (Buffer.byteLength(text) > maxBytes) {
    throw new InventoryError('FLEET_INVENTORY_INVALID', `inventory is over ${maxBytes} bytes`, { file });
  }
  const format = opts.format ?? sniffFormat(file, text);
  if (format === 'ansible-ini') return parseAnsibleIni(text, file, opts);
  if (format === 'hosts-file') return parseHostsFile(text, file);
  const src = readYamlSource(file, text);
  const ansible = opts.format === undefined ? isAnsibleYamlData(src.data) : format === 'ansible-yaml';
  return ansible ? ansibleYamlFromSource(src, opts) : fleetYamlFromSource(src, opts);
}

/** The format by extension, then by content; YAML is reported as `fleet-yaml` until parsed. */
export function sniffFormat(file: string, text: string): InventoryFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ini') return 'ansible-ini';
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return 'fleet-yaml';
  if (looksLikeAnsibleIni(text)) return 'ansible-ini';
  if (YAML_KEY_LINE.test(text) || text.trimStart().startsWith('{')) return 'fleet-yaml';
  return 'hosts-file';
}
